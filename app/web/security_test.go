package web_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/orgsso/orgsso/models"
)

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	root := e.user("root@example.com")
	e.platformAdmin(root)
	visitor := e.client()
	admin := e.client()
	admin.loginAs(root)

	tests := []struct {
		name   string
		c      *client
		path   string
		status int
	}{
		{"login page", visitor, "/login", http.StatusOK},
		{"page behind the login", admin, "/admin/orgs", http.StatusOK},
		{"error page", admin, "/o/nope", http.StatusNotFound},
		{"redirect", visitor, "/", http.StatusSeeOther},
		{"unknown path", admin, "/no/such/page", http.StatusNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.c.t = t
			p := tc.c.get(tc.path)
			assertStatus(t, p, tc.status)
			csp := p.header.Get("Content-Security-Policy")
			directives := map[string]string{}
			for _, d := range strings.Split(csp, ";") {
				name, value, _ := strings.Cut(strings.TrimSpace(d), " ")
				directives[name] = value
			}
			for name, want := range map[string]string{
				"frame-ancestors": "'none'",
				"script-src":      "'self'",
				"object-src":      "'none'",
				"base-uri":        "'none'",
			} {
				if got := directives[name]; got != want {
					t.Errorf("CSP %s = %q, want %q (CSP %q)", name, got, want, csp)
				}
			}
			for _, d := range []string{"script-src", "style-src", "default-src"} {
				if strings.Contains(directives[d], "unsafe") {
					t.Errorf("CSP %s allows %q", d, directives[d])
				}
			}
			for h, want := range map[string]string{
				"X-Content-Type-Options": "nosniff",
				"X-Frame-Options":        "DENY",
				"Referrer-Policy":        "same-origin",
			} {
				if got := p.header.Get(h); got != want {
					t.Errorf("%s = %q, want %q", h, got, want)
				}
			}
			if tc.status == http.StatusOK {
				if got := p.header.Get("Cache-Control"); got != "no-store" {
					t.Errorf("Cache-Control = %q, want no-store on a page", got)
				}
			}
		})
	}
}

func TestCookieFlags(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.user("ann@example.com")
	c := e.client()
	tok := c.csrfToken()
	p := c.do(http.MethodPost, "/login", map[string][]string{"email": {"ann@example.com"}, "password": {testPassword}, "_csrf": {tok}}, nil)
	assertStatus(t, p, http.StatusSeeOther)
	res := http.Response{Header: p.header}
	found := false
	for _, ck := range res.Cookies() {
		if ck.Name != sessionCookie {
			continue
		}
		found = true
		if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" {
			t.Errorf("session cookie HttpOnly=%v SameSite=%v Path=%q", ck.HttpOnly, ck.SameSite, ck.Path)
		}
		if ck.MaxAge != int(e.opts.SessionMax.Seconds()) {
			t.Errorf("session cookie Max-Age %d, want %d", ck.MaxAge, int(e.opts.SessionMax.Seconds()))
		}
	}
	if !found {
		t.Fatal("no session cookie set")
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ann := e.user("ann@example.com")
	c := e.client()
	c.loginAs(ann)
	for _, path := range []string{"/o/nope", "/o/nope/members", "/o/nope/audit", "/no/such/page"} {
		p := c.get(path)
		if p.status != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", path, p.status)
			continue
		}
		if got := p.testid("error-page").AttrOr("data-status", ""); got != "404" {
			t.Errorf("GET %s: error page status %q", path, got)
		}
		if p.text("error-message") == "" {
			t.Errorf("GET %s: no message on the error page", path)
		}
	}
}

// TestServerErrorShowsNoDetail breaks the database under a page and checks
// that the browser gets a 500 page with fixed words while the detail goes
// to the log.
func TestServerErrorShowsNoDetail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	root := e.user("root@example.com")
	e.platformAdmin(root)
	c := e.client()
	c.loginAs(root)
	assertStatus(t, c.get("/admin/settings"), http.StatusOK)

	if err := e.db.Write.Exec("DROP TABLE settings").Error; err != nil {
		t.Fatal(err)
	}
	p := c.get("/admin/settings")
	assertStatus(t, p, http.StatusInternalServerError)
	if got := p.testid("error-page").AttrOr("data-status", ""); got != "500" {
		t.Errorf("error page status %q", got)
	}
	for _, leak := range []string{"no such table", "settings", "goroutine", ".go:", "sqlite", "SELECT"} {
		if strings.Contains(strings.ToLower(p.text("error-page")), strings.ToLower(leak)) {
			t.Errorf("the error page shows %q:\n%s", leak, p.text("error-page"))
		}
	}
	if logs := e.logs.String(); !strings.Contains(logs, "no such table") && !strings.Contains(logs, `relation \"settings\" does not exist`) {
		t.Errorf("the detail is not in the log:\n%s", e.logs.String())
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	tests := []struct {
		path   string
		status int
		body   string
	}{
		{"/healthz", http.StatusOK, "ok"},
		{"/readyz", http.StatusOK, "ready"},
	}
	for _, tc := range tests {
		p := c.get(tc.path)
		if p.status != tc.status || p.body != tc.body {
			t.Errorf("GET %s = %d %q, want %d %q", tc.path, p.status, p.body, tc.status, tc.body)
		}
	}

	t.Run("readyz fails while a migration is pending", func(t *testing.T) {
		e := e.in(t)
		c := e.client()
		var last int64
		if err := e.db.Write.Raw("SELECT MAX(version_id) FROM goose_db_version").Scan(&last).Error; err != nil {
			t.Fatal(err)
		}
		if err := e.db.Write.Exec("DELETE FROM goose_db_version WHERE version_id = ?", last).Error; err != nil {
			t.Fatal(err)
		}
		p := c.get("/readyz")
		if p.status != http.StatusServiceUnavailable {
			t.Errorf("GET /readyz = %d %q, want 503", p.status, p.body)
		}
		assertStatus(t, c.get("/healthz"), http.StatusOK)
	})
}

func TestAPIMe(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	acme := e.org("acme", "Acme")
	beta := e.org("beta", "Beta")
	e.org("other", "Other")
	ann := e.user("ann@example.com", func(u *models.User) { u.Name = "Ann" })
	e.grant(ann, acme, "admin")
	e.grant(ann, beta, "user")

	t.Run("logged out", func(t *testing.T) {
		e := e.in(t)
		p := e.client().get("/api/v1/me")
		assertStatus(t, p, http.StatusUnauthorized)
		if ct := p.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type %q", ct)
		}
		var body map[string]string
		if err := json.Unmarshal([]byte(p.body), &body); err != nil || body["message"] == "" || body["code"] != "unauthorized" {
			t.Errorf("body %q: want {\"code\": \"unauthorized\", \"message\": ...}", p.body)
		}
	})

	t.Run("logged in", func(t *testing.T) {
		e := e.in(t)
		c := e.client()
		c.loginAs(ann)
		p := c.get("/api/v1/me")
		assertStatus(t, p, http.StatusOK)
		var me struct {
			ID            int64  `json:"id"`
			Email         string `json:"email"`
			Name          string `json:"name"`
			PlatformAdmin bool   `json:"platform_admin"`
			Orgs          []struct {
				Slug  string   `json:"slug"`
				Name  string   `json:"name"`
				Roles []string `json:"roles"`
			} `json:"orgs"`
		}
		if err := json.Unmarshal([]byte(p.body), &me); err != nil {
			t.Fatalf("%v: %s", err, p.body)
		}
		if me.ID != ann.ID || me.Email != "ann@example.com" || me.Name != "Ann" || me.PlatformAdmin {
			t.Errorf("me = %+v", me)
		}
		var orgs []string
		for _, o := range me.Orgs {
			orgs = append(orgs, o.Slug+"/"+o.Name+"="+strings.Join(o.Roles, ","))
		}
		if want := []string{"acme/Acme=admin", "beta/Beta=user"}; !slices.Equal(orgs, want) {
			t.Errorf("orgs %v, want %v", orgs, want)
		}
		if strings.Contains(p.body, "password") {
			t.Errorf("the answer mentions a password: %s", p.body)
		}
	})

	t.Run("no orgs is an empty list", func(t *testing.T) {
		e := e.in(t)
		u := e.user("lone@example.com")
		c := e.client()
		c.loginAs(u)
		p := c.get("/api/v1/me")
		assertStatus(t, p, http.StatusOK)
		if !strings.Contains(p.body, `"orgs":[]`) {
			t.Errorf("body %s: want \"orgs\":[]", p.body)
		}
		if !strings.Contains(p.body, `"id":`+strconv.FormatInt(u.ID, 10)) {
			t.Errorf("body %s: want the id", p.body)
		}
	})
}
