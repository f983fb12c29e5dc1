package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/orgsso/orgsso/app/web"
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

// TestCSRFTokenIsBoundToTheSession is the attack found by probing: a token
// that passes must be this session's, carried in the form body or the
// header, whatever cookies or Sec-Fetch-Site say.
func TestCSRFTokenIsBoundToTheSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	root := e.user("root@example.com")
	e.platformAdmin(root)
	orgb := e.org("orgb", "Org B")
	// A token an attacker can get: a visitor's, from the login page.
	visitor := e.client()
	visitorToken := visitor.csrfToken()
	// And the token of another session of the same person.
	other := e.client()
	other.loginAs(root)
	otherToken := other.csrfToken()

	// GOOD stands for the token of the session under attack.
	sameSite := http.Header{"Sec-Fetch-Site": {"same-site"}}
	refused := []struct {
		name   string
		path   string
		form   url.Values
		header http.Header
		cookie string // planted as orgsso_csrf
	}{
		{name: "planted cookie and the same token, same-site", path: "/admin/orgs/orgb/rename",
			form: url.Values{"_csrf": {"planted-by-attacker"}}, header: sameSite, cookie: "planted-by-attacker"},
		{name: "planted visitor token, same-site", path: "/admin/orgs/orgb/rename",
			form: url.Values{"_csrf": {visitorToken}}, header: sameSite, cookie: visitorToken},
		{name: "planted visitor token, no Sec-Fetch-Site", path: "/admin/orgs/orgb/rename",
			form: url.Values{"_csrf": {visitorToken}}, cookie: visitorToken},
		{name: "planted visitor token in the header", path: "/admin/orgs/orgb/rename",
			header: http.Header{"X-Csrf-Token": {visitorToken}}, cookie: visitorToken},
		{name: "the right token in the query string", path: "/admin/orgs/orgb/rename?_csrf=GOOD"},
		{name: "the right token in the query string, same-site", path: "/admin/orgs/orgb/rename?_csrf=GOOD", header: sameSite},
		{name: "same-site without a token", path: "/admin/orgs/orgb/rename", header: sameSite},
		{name: "same-site with another session's token", path: "/admin/orgs/orgb/rename",
			form: url.Values{"_csrf": {otherToken}}, header: sameSite},
		{name: "another session's token", path: "/admin/orgs/orgb/rename", form: url.Values{"_csrf": {otherToken}}},
		{name: "another session's token in the header", path: "/admin/orgs/orgb/rename", header: http.Header{"X-Csrf-Token": {otherToken}}},
		{name: "Sec-Fetch-Site none without a token", path: "/admin/orgs/orgb/rename", header: http.Header{"Sec-Fetch-Site": {"none"}}},
	}
	for _, r := range refused {
		t.Run(r.name, func(t *testing.T) {
			e := e.in(t)
			c := e.client()
			c.loginAs(root)
			good := c.csrfToken()
			if good == otherToken {
				t.Fatal("two sessions share a CSRF token")
			}
			if r.cookie != "" {
				c.setCookie("orgsso_csrf", r.cookie)
			}
			form := url.Values{"name": {"Pwned"}}
			for k, v := range r.form {
				form[k] = v
			}
			before := e.snapshot()
			p := c.do(http.MethodPost, strings.ReplaceAll(r.path, "GOOD", url.QueryEscape(good)), form, r.header)
			if p.status != http.StatusForbidden {
				t.Fatalf("status %d (Location %q), want 403", p.status, p.location())
			}
			e.assertUnchanged(before)
			if got := p.text("error-message"); got != "This form could not be checked, so nothing was changed." {
				t.Errorf("message %q", got)
			}
		})
	}
	c := e.client()
	c.loginAs(root)
	good := c.csrfToken()
	if got := orgName(t, e, orgb.Slug); got != "Org B" {
		t.Fatalf("org renamed to %q", got)
	}

	// The session's own token passes, in the body or the header, same-site
	// or not; the browser's word same-origin passes without one.
	for i, h := range []http.Header{nil, sameSite, {"X-Csrf-Token": {good}}, {"Sec-Fetch-Site": {"same-origin"}}} {
		form := url.Values{"name": {fmt.Sprintf("Org B %d", i)}}
		if h.Get("X-Csrf-Token") == "" && h.Get("Sec-Fetch-Site") != "same-origin" {
			form.Set("_csrf", good)
		}
		assertRedirect(t, c.do(http.MethodPost, "/admin/orgs/orgb/rename", form, h), "/admin/orgs")
		if got := orgName(t, e, orgb.Slug); got != form.Get("name") {
			t.Fatalf("request %d: name %q", i, got)
		}
	}
	// Each session keeps its own token.
	assertRedirect(t, other.do(http.MethodPost, "/admin/orgs/orgb/rename", url.Values{"name": {"Org B"}, "_csrf": {otherToken}}, nil), "/admin/orgs")
}

// TestCSRFVisitorCookie is the token of a browser without a session: a
// random value in a cookie, named __Host- on https so that no other host
// (a sibling subdomain, a plain-http answer) can plant it.
func TestCSRFVisitorCookie(t *testing.T) {
	t.Parallel()
	for _, secure := range []bool{false, true} {
		t.Run(fmt.Sprint("secure=", secure), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(o *web.Options) { o.SecureCookies = secure })
			p := e.client().get("/login")
			assertStatus(t, p, http.StatusOK)
			want := "orgsso_csrf"
			if secure {
				want = "__Host-orgsso_csrf"
			}
			var found *http.Cookie
			for _, ck := range (&http.Response{Header: p.header}).Cookies() {
				if strings.HasSuffix(ck.Name, "orgsso_csrf") {
					found = ck
				}
			}
			if found == nil || found.Name != want {
				t.Fatalf("CSRF cookie %+v, want %s", found, want)
			}
			if found.Path != "/" || found.Domain != "" || found.Secure != secure || !found.HttpOnly {
				t.Errorf("CSRF cookie %+v", found)
			}
			if tok, _ := p.doc.Find(`form[data-testid="login-form"] input[name="_csrf"]`).Attr("value"); tok != found.Value {
				t.Errorf("form token %q, cookie %q", tok, found.Value)
			}
		})
	}

	t.Run("a visitor's token does not work once logged in", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		u := e.user("ann@example.com")
		e.platformAdmin(u)
		c := e.client()
		visitor := c.csrfToken()
		c.loginAs(u)
		c.setCookie("orgsso_csrf", visitor) // as it was before the login
		snap := e.snapshot()
		assertStatus(t, c.do(http.MethodPost, "/admin/settings", url.Values{"allow_signup": {"true"}, "_csrf": {visitor}}, nil), http.StatusForbidden)
		e.assertUnchanged(snap)
	})

	t.Run("logging out ends the session's token", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.user("ann@example.com")
		c := e.client()
		c.mustLogin("ann@example.com")
		tok := c.csrfToken()
		assertRedirect(t, c.post("/logout", nil), "/login")
		assertStatus(t, c.do(http.MethodPost, "/login", url.Values{"_csrf": {tok}, "email": {"ann@example.com"}, "password": {testPassword}}, nil), http.StatusForbidden)
		if c.csrfToken() == tok {
			t.Error("the visitor's token is the old session's")
		}
	})
}

func orgName(t *testing.T, e *env, slug string) string {
	t.Helper()
	o, err := e.store.OrganizationBySlug(context.Background(), slug)
	if err != nil {
		t.Fatal(err)
	}
	return o.Name
}
