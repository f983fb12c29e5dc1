package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/orgsso/orgsso/models"
)

// csrfFixture is a platform admin and an org with a pending member, with
// sign-up open, so that every state-changing route would change something
// if it accepted the request.
type csrfFixture struct {
	e    *env
	acme models.Organization
	root models.User
	pat  models.User
	dom  models.VerifiedDomain // pending, its record published
}

func newCSRFFixture(t *testing.T) *csrfFixture {
	e := newEnv(t)
	f := &csrfFixture{e: e, acme: e.org("acme", "Acme")}
	f.root = e.user("root@example.com")
	f.pat = e.user("pat@example.com")
	e.user("bob@example.com")
	e.platformAdmin(f.root)
	e.grant(f.root, f.acme, "admin")
	e.grantPending(f.pat, f.acme, "user")
	e.setSetting(models.SettingAllowSignup, "true")
	e.inviteWithToken(f.acme, "root@example.com", "user", csrfInviteToken)
	f.dom = e.addDomain(f.acme, "acme.example")
	e.publish(f.dom)
	return f
}

// csrfRoutes is every state-changing route with a form that would change
// something.
func csrfRoutes(f *csrfFixture) []struct {
	path string
	form url.Values
} {
	pat := strconv.FormatInt(f.pat.ID, 10)
	dom := strconv.FormatInt(f.dom.ID, 10)
	return []struct {
		path string
		form url.Values
	}{
		{"/login", url.Values{"email": {"bob@example.com"}, "password": {testPassword}}},
		{"/logout", url.Values{}},
		{"/register", url.Values{"email": {"new@example.com"}, "password": {"long enough password"}}},
		{"/account/password", url.Values{"current": {testPassword}, "password": {"a new password"}, "confirm": {"a new password"}}},
		{"/admin/orgs", url.Values{"name": {"Newco"}, "slug": {"newco"}}},
		{"/admin/orgs/acme/rename", url.Values{"name": {"Renamed"}}},
		{"/admin/orgs/acme/delete", url.Values{"confirm": {"acme"}}},
		{"/admin/settings", url.Values{}},
		{"/o/acme/members", url.Values{"email": {"bob@example.com"}, "role": {"user"}}},
		{"/o/acme/members/" + pat + "/role", url.Values{"role": {"admin"}}},
		{"/o/acme/members/" + pat + "/remove", url.Values{}},
		{"/o/acme/members/" + pat + "/activate", url.Values{}},
		{"/invite/" + csrfInviteToken + "/accept", url.Values{}},
		{"/o/acme/settings/domains", url.Values{"domain": {"new.example"}}},
		{"/o/acme/settings/domains/" + dom + "/verify", url.Values{}},
		{"/o/acme/settings/domains/" + dom + "/remove", url.Values{}},
	}
}

func TestCSRFRefusesForgedPosts(t *testing.T) {
	t.Parallel()
	f := newCSRFFixture(t)
	c := f.e.client()
	c.loginAs(f.root)
	good := c.csrfToken()
	wrong := []byte(good) // same length, last character changed
	wrong[len(wrong)-1] ^= 1

	forgeries := []struct {
		name   string
		form   func(url.Values) url.Values
		header http.Header
	}{
		{name: "no token", form: func(v url.Values) url.Values { return v }},
		{name: "empty token", form: func(v url.Values) url.Values { v.Set("_csrf", ""); return v }},
		{name: "wrong token", form: func(v url.Values) url.Values { v.Set("_csrf", string(wrong)); return v }},
		{name: "wrong token in the header", form: func(v url.Values) url.Values { return v }, header: http.Header{"X-Csrf-Token": {"nope"}}},
		{name: "right token from a cross-site page", form: func(v url.Values) url.Values { v.Set("_csrf", good); return v }, header: http.Header{"Sec-Fetch-Site": {"cross-site"}}},
	}
	for _, r := range csrfRoutes(f) {
		for _, forgery := range forgeries {
			t.Run(r.path+"/"+forgery.name, func(t *testing.T) {
				e := f.e.in(t)
				c.t = t
				path := r.path
				form := url.Values{}
				for k, v := range r.form {
					form[k] = v
				}
				before := e.snapshot()
				p := c.do(http.MethodPost, path, forgery.form(form), forgery.header)
				if p.status != http.StatusForbidden {
					t.Fatalf("status %d (Location %q), want 403", p.status, p.location())
				}
				e.assertUnchanged(before)
				if forgery.header.Get("Sec-Fetch-Site") == "" {
					if got := p.text("error-message"); got != "This form could not be checked, so nothing was changed." {
						t.Errorf("message %q", got)
					}
				}
			})
		}
	}
	c.t = t
	c.assertLoggedInAs("root@example.com")
}

// TestCSRFAcceptsTheToken sends each state-changing route with the token a
// page handed out and checks that it got past the CSRF check and did what
// it does.
func TestCSRFAcceptsTheToken(t *testing.T) {
	t.Parallel()
	for _, r := range csrfRoutes(newCSRFFixture(t)) {
		t.Run(r.path, func(t *testing.T) {
			t.Parallel()
			f := newCSRFFixture(t)
			c := f.e.client()
			if r.path != "/login" {
				c.loginAs(f.root)
			}
			before := f.e.snapshot()
			p := c.post(r.path, r.form)
			want := http.StatusSeeOther
			if r.path == "/o/acme/members" {
				want = http.StatusOK // the invite link is shown once, on the page itself
			}
			if p.status != want {
				t.Fatalf("status %d, want %d\n%s", p.status, want, p.body)
			}
			if fmt.Sprint(before) == fmt.Sprint(f.e.snapshot()) {
				t.Error("nothing changed")
			}
		})
	}

	t.Run("the header token, as htmx sends it", func(t *testing.T) {
		t.Parallel()
		f := newCSRFFixture(t)
		c := f.e.client()
		c.loginAs(f.root)
		tok := c.csrfToken()
		p := c.do(http.MethodPost, "/admin/settings", url.Values{"allow_signup": {"true"}}, http.Header{"X-Csrf-Token": {tok}})
		assertRedirect(t, p, "/admin/settings")
		if !strings.Contains(strings.Join(f.e.snapshot().Settings, ","), "allow_local_signup=true") {
			t.Error("setting not saved")
		}
	})

	t.Run("login renews the token", func(t *testing.T) {
		t.Parallel()
		f := newCSRFFixture(t)
		c := f.e.client()
		before := c.csrfToken()
		c.mustLogin("bob@example.com")
		after := c.csrfToken()
		if before == after {
			t.Error("the CSRF token survived the login")
		}
		// The old token no longer works.
		snap := f.e.snapshot()
		p := c.do(http.MethodPost, "/logout", url.Values{"_csrf": {before}}, nil)
		assertStatus(t, p, http.StatusForbidden)
		f.e.assertUnchanged(snap)
	})
}

// TestCSRFCoversEveryPost walks the route table, so that a POST route added
// later is checked too: without a token, even a platform admin (who may do
// anything) is refused and nothing changes. Only the IdP-facing callbacks,
// protected by their single-use state, and the initiate login URI (which
// only begins a login; sso_initiate_test.go) are exempt.
func TestCSRFCoversEveryPost(t *testing.T) {
	t.Parallel()
	f := newMatrixFixture(t)
	c := f.e.client()
	c.loginAs(f.platform)
	byRoute := map[string]matrixRoute{}
	for _, r := range matrixRoutes {
		byRoute[r.method+" "+r.path] = r
	}
	n := 0
	for _, r := range f.e.echo.Routes() {
		if r.Method != http.MethodPost || strings.HasSuffix(r.Path, "/oidc/callback") || strings.HasSuffix(r.Path, "/acs") ||
			strings.HasSuffix(r.Path, "/initiate") {
			continue
		}
		n++
		t.Run(r.Path, func(t *testing.T) {
			e := f.e.in(t)
			c.t = t
			form := f.formFor(byRoute[r.Method+" "+r.Path], f.a)
			if r.Path == "/login" {
				form = url.Values{"email": {"root@example.com"}, "password": {testPassword}}
			}
			before := e.snapshot()
			p := c.postRaw(f.url(r.Path, f.a), form)
			if p.status != http.StatusForbidden {
				t.Fatalf("status %d (Location %q), want 403", p.status, p.location())
			}
			e.assertUnchanged(before)
		})
	}
	if n < 12 {
		t.Errorf("only %d POST routes found", n)
	}
}
