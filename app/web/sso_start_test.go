package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/orgsso/orgsso/models"
)

// A login start keeps only a local return_to, and a test start needs an
// admin of the org.
func TestSSOStart(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	conn := f.createConn(t, manualForm("Okta"))
	f.recordTest(t, conn, models.TestPassed)
	f.enableSSO(t, false)
	start := "/o/acme/sso/" + conn.PublicID + "/start"

	returnTo := func() string {
		var states []models.LoginState
		if err := f.e.db.Read.Order("created_at DESC").Limit(1).Find(&states).Error; err != nil || len(states) != 1 {
			t.Fatalf("login state: %v %v", states, err)
		}
		return states[0].ReturnTo
	}
	for _, tc := range []struct{ query, want string }{
		{"?return_to=https://evil.example/x", "/"},
		{"?return_to=//evil.example", "/"},
		{"?return_to=/o/acme/members", "/o/acme/members"},
	} {
		p := f.e.client().get(start + tc.query)
		assertStatus(t, p, http.StatusSeeOther)
		if loc := p.location(); !strings.HasPrefix(loc, "https://idp.example.com/authorize?") {
			t.Fatalf("start%s went to %q, want the IdP", tc.query, loc)
		}
		if got := returnTo(); got != tc.want {
			t.Errorf("start%s stored return_to %q, want %q", tc.query, got, tc.want)
		}
	}

	// ?test=1: logged out → login; a plain member → 403; the org's admin → the IdP.
	anon := f.e.client().get(start + "?test=1")
	assertStatus(t, anon, http.StatusSeeOther)
	if !strings.HasPrefix(anon.location(), "/login?return_to=") {
		t.Errorf("logged-out test start went to %q", anon.location())
	}
	m := f.e.client()
	m.loginAs(f.member)
	assertStatus(t, m.get(start+"?test=1"), http.StatusForbidden)
	p := f.c.get(start + "?test=1")
	assertStatus(t, p, http.StatusSeeOther)
	if !strings.HasPrefix(p.location(), "https://idp.example.com/authorize?") {
		t.Errorf("admin's test start went to %q", p.location())
	}
}

// The IdP may post its answer (form_post): the callback takes a POST without
// a CSRF token and judges it by its state, which here is unknown.
func TestCallbackPostIsJudgedByStateNotCSRF(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	p := f.e.client().postRaw("/o/acme/oidc/callback", url.Values{"state": {"unknown"}, "code": {"x"}})
	assertStatus(t, p, http.StatusBadRequest)
	if msg := p.text("error-message"); !strings.Contains(msg, "expired or was already used") {
		t.Fatalf("callback page says %q", msg)
	}
}

// A member's failed sign-in keeps them with the org: the error page and the
// header's "Log in" lead to the org's sign-in page, not the platform's.
func TestSignInErrorLeadsBackToTheOrg(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	p := f.e.client().get("/o/acme/oidc/callback?state=unknown&code=x")
	assertStatus(t, p, http.StatusBadRequest)
	if href, _ := p.testid("error-next").Attr("href"); href != "/o/acme/login" {
		t.Errorf("error page link %q, want /o/acme/login", href)
	}
	if href, _ := p.testid("nav-login").Attr("href"); href != "/o/acme/login" {
		t.Errorf("header log in link %q, want /o/acme/login", href)
	}
}
