package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/orgsso/orgsso/models"
)

// TestUnreadableInputIsRefused sends NUL bytes and invalid UTF-8 in the
// path, the query and form fields, signed in and not. PostgreSQL refuses to
// store or compare such text (SQLSTATE 22021), which surfaced as a 500; every
// one must be a 400 with the readable error page, on both dialects
// (ORGSSO_TEST_DB=postgres), and change nothing.
func TestUnreadableInputIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	acme := e.org("acme", "Acme")
	root := e.user("root@example.com")
	e.platformAdmin(root)
	e.grant(root, acme, "admin")
	e.setSetting(models.SettingAllowSignup, "true")

	conn := manualForm("Okta")
	cases := []struct {
		name, method, path string
		form               url.Values
		signedIn           bool
	}{
		{name: "NUL in the org slug", method: "GET", path: "/o/org%00/login"},
		{name: "invalid UTF-8 in the org slug", method: "GET", path: "/o/org%ff/login"},
		{name: "NUL in the connection id", method: "GET", path: "/o/acme/sso/c_x%00/start"},
		{name: "invalid UTF-8 in the connection id", method: "GET", path: "/o/acme/sso/c_x%c3/start"},
		{name: "NUL in the callback state", method: "GET", path: "/o/acme/oidc/callback?state=a%00&code=b"},
		{name: "NUL in return_to", method: "GET", path: "/login?return_to=%2F%00"},
		{name: "invalid UTF-8 in a query key", method: "GET", path: "/login?%fe=1"},
		{name: "NUL in the login email", method: "POST", path: "/login", form: url.Values{"email": {"x\x00@a.test"}, "password": {"x"}}},
		{name: "invalid UTF-8 in the login email", method: "POST", path: "/login", form: url.Values{"email": {"x\xff@a.test"}, "password": {"x"}}},
		{name: "NUL in the sign-up email", method: "POST", path: "/register", form: url.Values{"email": {"x\x00@a.test"}, "password": {"long enough password"}}},
		{name: "NUL in a new org's name", method: "POST", path: "/admin/orgs", form: url.Values{"name": {"New\x00co"}, "slug": {"newco"}}, signedIn: true},
		{name: "invalid UTF-8 in a new org's slug", method: "POST", path: "/admin/orgs", form: url.Values{"name": {"Newco"}, "slug": {"new\xc0co"}}, signedIn: true},
		{name: "NUL in a rename", method: "POST", path: "/admin/orgs/acme/rename", form: url.Values{"name": {"Acme\x00"}}, signedIn: true},
		{name: "invalid UTF-8 in a rename", method: "POST", path: "/admin/orgs/acme/rename", form: url.Values{"name": {"Acme \xe2\x82"}}, signedIn: true},
		{name: "NUL in a connection name", method: "POST", path: "/o/acme/settings/sso/connections", form: formWith(conn, "displayName", "Ok\x00ta"), signedIn: true},
		{name: "invalid UTF-8 in a connection name", method: "POST", path: "/o/acme/settings/sso/connections", form: formWith(conn, "displayName", "Ok\xffta"), signedIn: true},
		{name: "NUL in a form field's name", method: "POST", path: "/admin/orgs/acme/rename", form: url.Values{"name": {"Acme 2"}, "x\x00": {"1"}}, signedIn: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := e.in(t)
			c := e.client()
			if tc.signedIn {
				c.loginAs(root)
			}
			before := e.snapshot()
			var p *page
			if tc.method == "GET" {
				p = c.get(tc.path)
			} else {
				p = c.post(tc.path, tc.form)
			}
			if p.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400\n%s", p.status, p.body)
			}
			if got := p.text("error-message"); !strings.Contains(got, "a character that cannot be used") {
				t.Errorf("message %q", got)
			}
			if tc.signedIn {
				// The error page is a whole page, with the person's
				// navigation and a working CSRF token.
				if v, _ := p.doc.Find(`meta[name="csrf-token"]`).Attr("content"); v == "" {
					t.Error("the error page has no CSRF token")
				}
			}
			e.assertUnchanged(before)
		})
	}
	if t.Failed() {
		return
	}
	// Ordinary text in another script, with accents, is not touched.
	c := e.client()
	c.loginAs(root)
	assertRedirect(t, c.post("/admin/orgs/acme/rename", url.Values{"name": {"Acmé Ωmega 株式会社"}}), "/admin/orgs")
}

// TestLoginStoresAnyUserAgent logs in with User-Agent headers a database
// may refuse: bytes that are not UTF-8 (HTTP allows them), and one that is
// cut to the stored length in the middle of a character. The session is
// stored with readable text either way.
func TestLoginStoresAnyUserAgent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.user("ann@example.com")
	for _, ua := range []string{"Mozilla/5.0 \xff\xfe", strings.Repeat("a", 199) + "é and more"} {
		c := e.client()
		tok := c.csrfToken()
		p := c.do(http.MethodPost, "/login", url.Values{"email": {"ann@example.com"}, "password": {testPassword}, "_csrf": {tok}},
			http.Header{"User-Agent": {ua}})
		if p.status != http.StatusSeeOther || c.session() == "" {
			t.Fatalf("User-Agent %q: status %d\n%s", ua, p.status, p.body)
		}
	}
	var uas []string
	if err := e.db.Write.Table("sessions").Pluck("user_agent", &uas).Error; err != nil {
		t.Fatal(err)
	}
	for _, ua := range uas {
		if !utf8.ValidString(ua) || len(ua) > 200 {
			t.Errorf("stored User-Agent %q", ua)
		}
	}
}
