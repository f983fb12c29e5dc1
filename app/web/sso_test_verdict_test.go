package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/orgsso/orgsso/app/apptest"
	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/e2e/idp"
	"github.com/orgsso/orgsso/models"
)

// verdictApp is the whole app with org acme, its admin alice signed in
// (admin), and an untested connection to a real in-process IdP.
type verdictApp struct {
	*trustApp
	org   models.Organization
	alice models.User
	ip    *idp.OIDCServer
	conn  models.Connection
	admin *client
}

func newVerdictApp(t *testing.T) *verdictApp {
	a := newTrustApp(t)
	org := a.org("acme", "Acme")
	alice := a.user("alice@acme.test")
	a.grant(alice, org, authz.RoleAdmin)
	ip := a.idpFor("acme")
	conn := apptest.AddConnection(t, a.app.App, org, ip, "Okta", models.Provisioning{JIT: true})
	admin := a.client()
	admin.loginAs(alice)
	return &verdictApp{trustApp: a, org: org, alice: alice, ip: ip, conn: conn, admin: admin}
}

// startTest starts a test of the connection in browser c and returns the
// IdP's answer to it (the callback URL with code and state, or an error).
func (v *verdictApp) startTest(c *client) *url.URL {
	v.t.Helper()
	p := c.get("/o/acme/sso/" + v.conn.PublicID + "/start?test=1")
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), v.ip.Issuer()) {
		v.t.Fatalf("test start: %d to %q\n%s", p.status, p.location(), p.body)
	}
	v.ip.SetUser("tester")
	cb, err := v.ip.Authorize(context.Background(), p.location())
	if err != nil {
		v.t.Fatal(err)
	}
	return cb
}

// verdict follows a callback's redirect to the test result page and
// returns the verdict and its reason.
func (v *verdictApp) verdict(t *testing.T, c *client, cb *page) (result, reason string) {
	t.Helper()
	prefix := "/o/acme/settings/sso/connections/" + v.conn.PublicID + "/tests/"
	if cb.status != http.StatusSeeOther || !strings.HasPrefix(cb.location(), prefix) {
		t.Fatalf("callback: %d to %q, want 303 to the test result page\n%s", cb.status, cb.location(), cb.body)
	}
	p := c.get(cb.location())
	assertStatus(t, p, http.StatusOK)
	return p.testid("test-result").AttrOr("data-result", ""), p.text("test-reason")
}

func (v *verdictApp) passedRuns() int64 {
	return v.count("test_runs", "connection_id = ? AND status = ?", v.conn.ID, models.TestPassed)
}

func withQuery(u *url.URL, kv ...string) string {
	q := u.Query()
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return u.Path + "?" + q.Encode()
}

// An admin's test whose answer cannot be used ends on the test result page
// with a failed verdict and the reason in words, never on a generic error
// page, and never with a passed test or a session for anyone.
func TestFailedTestAnswersEndOnTheVerdict(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		// answer runs the test in the admin's browser up to the callback
		// and returns the callback's answer.
		answer func(v *verdictApp) *page
		reason []string
	}{
		{"the IdP sends an error", func(v *verdictApp) *page {
			v.ip.FailNextLogin("access_denied", "User is not assigned to the client application.")
			cb := v.startTest(v.admin)
			if cb.Query().Get("error") != "access_denied" {
				v.t.Fatalf("the IdP answered %s", cb)
			}
			return v.admin.get(cb.RequestURI())
		}, []string{"access_denied", "User is not assigned"}},
		{"the IdP sends an error without the state", func(v *verdictApp) *page {
			v.startTest(v.admin)
			return v.admin.get("/o/acme/oidc/callback?error=access_denied&error_description=" + url.QueryEscape("Call +1 555 for help"))
		}, []string{"'access_denied'", "carried no state"}},
		// (A late answer, "This test expired", is app/signin's TestLateAnswerIsExpired.)
		{"a forged state", func(v *verdictApp) *page {
			cb := v.startTest(v.admin)
			return v.admin.get(withQuery(cb, "state", "forged-"+cb.Query().Get("state")))
		}, []string{"names no test in progress"}},
		{"the binding cookie is lost", func(v *verdictApp) *page {
			cb := v.startTest(v.admin)
			u := v.admin.serverURL()
			u.Path = "/o/acme/"
			v.admin.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "orgsso_login", Value: "", Path: "/o/acme/", MaxAge: -1}})
			return v.admin.get(cb.RequestURI())
		}, []string{"did not start this test", "without this site's cookie"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := newVerdictApp(t)
			sessions := v.count("sessions", "1 = 1")
			result, reason := v.verdict(t, v.admin, tc.answer(v))
			if result != "failed" {
				t.Errorf("data-result = %q, want failed", result)
			}
			for _, want := range tc.reason {
				assertContains(t, "reason", reason, want)
			}
			if strings.Contains(reason, "555") {
				t.Errorf("the reason repeats free text from an unverified answer: %q", reason)
			}
			if n := v.passedRuns(); n != 0 {
				t.Errorf("%d passed test runs", n)
			}
			if n := v.count("sessions", "1 = 1"); n != sessions {
				t.Errorf("sessions: %d, want %d", n, sessions)
			}
			if acts := v.auditActions(&v.org); !strings.Contains(strings.Join(acts, ","), "connection.test") {
				t.Errorf("no connection.test audit event: %v", acts)
			}
		})
	}
}

// The answer to an admin's test that arrives in another browser (someone
// who obtained the redirect) is refused there with the plain error page:
// nobody is signed in and nothing is recorded, since the test lives only
// in the admin's browser and the answer was not used. The admin's own
// browser then finishes the test as usual.
func TestTestAnswerInAnotherBrowserIsRefused(t *testing.T) {
	t.Parallel()
	v := newVerdictApp(t)
	cb := v.startTest(v.admin)
	other := v.client()
	p := other.get(cb.RequestURI())
	assertStatus(t, p, http.StatusBadRequest)
	assertContains(t, "page", p.body, "started in another browser")
	other.assertLoggedOut()
	if n := v.count("test_runs", "connection_id = ?", v.conn.ID); n != 0 {
		t.Errorf("%d test runs recorded by the other browser", n)
	}
	result, _ := v.verdict(t, v.admin, v.admin.get(cb.RequestURI()))
	if result != "passed" {
		t.Errorf("the admin's own browser: data-result = %q, want passed", result)
	}
	// Brought back again, the spent answer is refused and records nothing.
	p = v.admin.get(cb.RequestURI())
	assertStatus(t, p, http.StatusBadRequest)
	assertContains(t, "page", p.body, "already used")
	if n := v.count("test_runs", "connection_id = ?", v.conn.ID); n != 1 {
		t.Errorf("%d test runs, want the one passed", n)
	}
}

// An answer that names no login, in a browser that is not testing (or
// whose person may not test), stays the plain "Sign-in failed" page and
// records nothing.
func TestUnmatchedAnswerOutsideATestRecordsNothing(t *testing.T) {
	t.Parallel()
	v := newVerdictApp(t)
	forged := "/o/acme/oidc/callback?state=forged&code=x"
	member := v.user("bob@acme.test")
	v.grant(member, v.org, authz.RoleUser)
	mc := v.client()
	mc.loginAs(member)
	for name, c := range map[string]*client{"visitor": v.client(), "admin not testing": v.admin, "member": mc} {
		t.Run(name, func(t *testing.T) {
			if name == "member" {
				// A member with a test cookie (a stale one, or planted) is still no tester.
				u := c.serverURL()
				u.Path = "/o/acme/"
				c.hc.Jar.SetCookies(u, []*http.Cookie{{Name: "orgsso_test", Value: v.conn.PublicID, Path: "/o/acme/"}})
			}
			p := c.get(forged)
			assertStatus(t, p, http.StatusBadRequest)
			assertContains(t, "page", p.body, "started in another browser")
		})
	}
	if n := v.count("test_runs", "connection_id = ?", v.conn.ID); n != 0 {
		t.Errorf("%d test runs recorded", n)
	}
}
