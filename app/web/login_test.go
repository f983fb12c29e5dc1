package web_test

import (
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/orgsso/orgsso/app/web"
	"github.com/orgsso/orgsso/models"
)

const (
	msgLoginFailed = "The email or password is not right."
	msgPending     = "This account is waiting for an administrator to activate it."
	msgDisabled    = "This account is disabled. Ask an administrator."
	msgRateLimited = "Too many login attempts. Wait a few minutes and try again."
)

func TestLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.user("ann@example.com")
	e.user("dis@example.com", disabled)
	e.user("sso@example.com", func(u *models.User) { u.PasswordHash = nil })

	tests := []struct {
		name, email, password string
		wantStatus            int
		wantLocation          string // for 303
		wantError             string // the form's message
	}{
		{name: "right password", email: "ann@example.com", password: testPassword, wantStatus: http.StatusSeeOther, wantLocation: "/"},
		{name: "email in other case and spaces", email: "  Ann@Example.COM ", password: testPassword, wantStatus: http.StatusSeeOther, wantLocation: "/"},
		{name: "wrong password", email: "ann@example.com", password: "not the password", wantStatus: http.StatusUnauthorized, wantError: msgLoginFailed},
		{name: "unknown email", email: "nobody@example.com", password: testPassword, wantStatus: http.StatusUnauthorized, wantError: msgLoginFailed},
		{name: "account without password", email: "sso@example.com", password: testPassword, wantStatus: http.StatusUnauthorized, wantError: msgLoginFailed},
		{name: "disabled account, wrong password says nothing about the status", email: "dis@example.com", password: "not the password", wantStatus: http.StatusUnauthorized, wantError: msgLoginFailed},
		{name: "disabled account", email: "dis@example.com", password: testPassword, wantStatus: http.StatusForbidden, wantError: msgDisabled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := e.in(t)
			c := e.client()
			sessions := e.count("sessions", "")
			p := c.login(tc.email, tc.password)
			assertStatus(t, p, tc.wantStatus)
			if tc.wantStatus == http.StatusSeeOther {
				assertRedirect(t, p, tc.wantLocation)
				if c.session() == "" {
					t.Fatal("no session cookie after a successful login")
				}
				if got := e.count("sessions", ""); got != sessions+1 {
					t.Errorf("sessions: %d, want %d", got, sessions+1)
				}
				c.assertLoggedInAs(strings.ToLower(strings.TrimSpace(tc.email)))
				return
			}
			if got := p.text("form-error"); got != tc.wantError {
				t.Errorf("form error %q, want %q", got, tc.wantError)
			}
			if got := p.inputValue("email"); got != strings.ToLower(strings.TrimSpace(tc.email)) {
				t.Errorf("email input %q, want the email kept", got)
			}
			if c.session() != "" {
				t.Error("a refused login set a session cookie")
			}
			if got := e.count("sessions", ""); got != sessions {
				t.Errorf("sessions: %d, want %d (unchanged)", got, sessions)
			}
		})
	}
}

func TestLoginReturnTo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.user("ann@example.com")

	tests := []struct{ name, returnTo, want string }{
		{"local path", "/o/acme/members?tab=1", "/o/acme/members?tab=1"},
		{"absolute URL", "https://evil.example/x", "/"},
		{"scheme-relative", "//evil.example", "/"},
		{"backslash", `/\evil.example`, "/"},
		{"javascript", "javascript:alert(1)", "/"},
		{"relative path", "evil.example", "/"},
		{"empty", "", "/"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := e.in(t)
			c := e.client()
			// The login form carries return_to from its URL.
			p := c.get("/login?return_to=" + url.QueryEscape(tc.returnTo))
			assertStatus(t, p, http.StatusOK)
			if got := p.inputValue("return_to"); got != tc.want {
				t.Errorf("form's return_to = %q, want %q", got, tc.want)
			}
			p = c.post("/login", url.Values{"email": {"ann@example.com"}, "password": {testPassword}, "return_to": {tc.returnTo}})
			assertRedirect(t, p, tc.want)
			// Once logged in, the login page sends the browser on, just as safely.
			p = c.get("/login?return_to=" + url.QueryEscape(tc.returnTo))
			assertRedirect(t, p, tc.want)
		})
	}

	t.Run("a page behind the login comes back after it", func(t *testing.T) {
		e := e.in(t)
		c := e.client()
		p := c.get("/account/password?x=1")
		assertRedirect(t, p, "/login?return_to="+url.QueryEscape("/account/password?x=1"))
		p = c.get(p.location())
		assertStatus(t, p, http.StatusOK)
		p = c.post("/login", url.Values{"email": {"ann@example.com"}, "password": {testPassword}, "return_to": {p.inputValue("return_to")}})
		assertRedirect(t, p, "/account/password?x=1")
	})
}

func TestSessionRotation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.user("ann@example.com")
	e.user("bob@example.com")

	t.Run("a second login replaces the first session", func(t *testing.T) {
		e := e.in(t)
		c := e.client()
		c.mustLogin("ann@example.com")
		first := c.session()
		c.mustLogin("bob@example.com")
		second := c.session()
		if first == second {
			t.Fatal("the session id did not change at login")
		}
		c.assertLoggedInAs("bob@example.com")
		if n := e.count("sessions", "id_hash = ?", hashID(first)); n != 0 {
			t.Errorf("the first session is still in the table")
		}
		old := e.client()
		old.setCookie(sessionCookie, first)
		old.assertLoggedOut()
	})

	t.Run("a planted session id is not kept", func(t *testing.T) {
		e := e.in(t)
		c := e.client()
		c.setCookie(sessionCookie, "attacker-chosen-id")
		c.mustLogin("ann@example.com")
		if c.session() == "attacker-chosen-id" {
			t.Fatal("login kept the planted session id")
		}
		if n := e.count("sessions", "id_hash = ?", hashID("attacker-chosen-id")); n != 0 {
			t.Error("the planted id opens a session")
		}
		c.assertLoggedInAs("ann@example.com")
	})

	t.Run("the session is stored by hash, not by its id", func(t *testing.T) {
		e := e.in(t)
		c := e.client()
		c.mustLogin("ann@example.com")
		if n := e.count("sessions", "id_hash = ?", c.session()); n != 0 {
			t.Error("the cookie's value is stored in clear")
		}
		if n := e.count("sessions", "id_hash = ?", hashID(c.session())); n != 1 {
			t.Errorf("sessions with the cookie's hash: %d, want 1", n)
		}
	})

	t.Run("logout deletes the server-side session", func(t *testing.T) {
		e := e.in(t)
		c := e.client()
		c.mustLogin("ann@example.com")
		id := c.session()
		p := c.post("/logout", nil)
		assertRedirect(t, p, "/login")
		if c.session() != "" {
			t.Error("the session cookie survived logout")
		}
		if n := e.count("sessions", "id_hash = ?", hashID(id)); n != 0 {
			t.Fatal("the session row survived logout")
		}
		replay := e.client()
		replay.setCookie(sessionCookie, id)
		replay.assertLoggedOut()
	})
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *web.Options) { o.SessionIdle = 30 * time.Minute; o.SessionMax = 2 * time.Hour })
	ann := e.user("ann@example.com")

	t.Run("login sets the absolute end from SessionMax", func(t *testing.T) {
		e := e.in(t)
		c := e.client()
		before := time.Now().UTC()
		c.mustLogin("ann@example.com")
		var s models.Session
		if err := e.db.Write.Where("id_hash = ?", hashID(c.session())).Take(&s).Error; err != nil {
			t.Fatal(err)
		}
		if s.ExpiresAt.Before(before.Add(2*time.Hour-time.Minute)) || s.ExpiresAt.After(time.Now().UTC().Add(2*time.Hour)) {
			t.Errorf("expires_at %v, want about now + 2h", s.ExpiresAt)
		}
	})

	tests := []struct {
		name   string
		column string
		value  time.Time
		wantIn bool
	}{
		{"recently active", "last_seen_at", time.Now().UTC().Add(-10 * time.Minute), true},
		{"idle past SessionIdle", "last_seen_at", time.Now().UTC().Add(-31 * time.Minute), false},
		{"past its absolute end", "expires_at", time.Now().UTC().Add(-time.Second), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := e.in(t)
			c := e.client()
			c.loginAs(ann)
			id := hashID(c.session())
			if err := e.db.Write.Model(&models.Session{}).Where("id_hash = ?", id).Update(tc.column, tc.value).Error; err != nil {
				t.Fatal(err)
			}
			if tc.wantIn {
				c.assertLoggedInAs("ann@example.com")
				return
			}
			c.assertLoggedOut()
			if c.session() != "" {
				t.Error("the ended session's cookie was not cleared")
			}
			if tc.column == "last_seen_at" {
				if n := e.count("sessions", "id_hash = ?", id); n != 0 {
					t.Error("the idle session was not deleted")
				}
			}
		})
	}

	t.Run("activity moves the idle clock", func(t *testing.T) {
		e := e.in(t)
		c := e.client()
		c.loginAs(ann)
		id := hashID(c.session())
		old := time.Now().UTC().Add(-20 * time.Minute)
		if err := e.db.Write.Model(&models.Session{}).Where("id_hash = ?", id).Update("last_seen_at", old).Error; err != nil {
			t.Fatal(err)
		}
		c.assertLoggedInAs("ann@example.com")
		var s models.Session
		if err := e.db.Write.Where("id_hash = ?", id).Take(&s).Error; err != nil {
			t.Fatal(err)
		}
		if !s.LastSeenAt.After(old.Add(time.Minute)) {
			t.Errorf("last_seen_at %v was not moved on", s.LastSeenAt)
		}
	})

	t.Run("a user disabled meanwhile is logged out", func(t *testing.T) {
		e := e.in(t)
		u := e.user("gone@example.com")
		c := e.client()
		c.loginAs(u)
		c.assertLoggedInAs("gone@example.com")
		if err := e.store.SetUserDisabled(t.Context(), u.ID, true); err != nil {
			t.Fatal(err)
		}
		c.assertLoggedOut()
	})
}

func TestLoginRateLimit(t *testing.T) {
	t.Parallel()
	const limit = 3
	e := newEnv(t, func(o *web.Options) { o.LoginLimit = limit })
	e.user("ann@example.com")
	e.user("bob@example.com")
	c := e.client()

	for i := range limit {
		p := c.login("ann@example.com", "wrong password")
		if p.status != http.StatusUnauthorized {
			t.Fatalf("failed attempt %d: status %d, want 401", i+1, p.status)
		}
	}
	p := c.login("ann@example.com", testPassword)
	assertStatus(t, p, http.StatusTooManyRequests)
	if got := p.text("form-error"); got != msgRateLimited {
		t.Errorf("form error %q, want %q", got, msgRateLimited)
	}
	if got := p.inputValue("email"); got != "ann@example.com" {
		t.Errorf("email input %q, want it kept", got)
	}
	if c.session() != "" || e.count("sessions", "") != 0 {
		t.Error("a rate-limited login started a session")
	}
	// The limit is per email: another account on the same client still logs in.
	other := e.client()
	other.mustLogin("bob@example.com")
	// A success clears the email's failures.
	for range limit - 1 {
		if p := other.login("bob@example.com", "wrong password"); p.status != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", p.status)
		}
	}
	other.mustLogin("bob@example.com")
	if p := other.login("bob@example.com", "wrong password"); p.status != http.StatusUnauthorized {
		t.Errorf("after a success, a failed attempt = %d, want 401 (counter reset)", p.status)
	}
}

func TestOneTimePasswordForcesChange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	acme := e.org("acme", "Acme")
	u := e.user("new@example.com", func(u *models.User) { u.MustChangePassword = true })
	e.grant(u, acme, "user")
	c := e.client()
	p := c.login("new@example.com", testPassword)
	assertRedirect(t, p, "/account/password")

	for _, path := range []string{"/", "/o/acme", "/api/v1/me", "/admin/orgs"} {
		p := c.get(path)
		if p.status != http.StatusSeeOther || p.location() != "/account/password" {
			t.Errorf("GET %s = %d to %q, want 303 to /account/password", path, p.status, p.location())
		}
	}
	p = c.get("/account/password")
	assertStatus(t, p, http.StatusOK)
	if !p.has("password-forced") {
		t.Error("the password page does not say the change is forced")
	}

	t.Run("mismatched confirmation is refused", func(t *testing.T) {
		c.t = t
		p := c.post("/account/password", url.Values{"current": {testPassword}, "password": {"a brand new secret"}, "confirm": {"another one"}})
		assertStatus(t, p, http.StatusUnprocessableEntity)
		if !p.has("error-confirm") {
			t.Error("no error next to confirm")
		}
	})
	c.t = t
	old := c.session()
	p = c.post("/account/password", url.Values{"current": {testPassword}, "password": {"a brand new secret"}, "confirm": {"a brand new secret"}})
	assertRedirect(t, p, "/")
	if c.session() == old || e.count("sessions", "id_hash = ?", hashID(old)) != 0 {
		t.Error("the password change did not rotate the session")
	}
	if e.reloadUser(u).MustChangePassword {
		t.Error("must_change_password still set")
	}
	c.assertLoggedInAs("new@example.com")
	p = c.get("/o/acme")
	assertStatus(t, p, http.StatusOK)
}

// TestZeroSessionOptions: Options without session limits fall back to the
// defaults instead of ending every session at once.
func TestZeroSessionOptions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *web.Options) { o.SessionIdle, o.SessionMax = 0, 0 })
	e.user("ann@example.com")
	c := e.client()
	c.mustLogin("ann@example.com")
	c.assertLoggedInAs("ann@example.com")
}

// Per-address limits count failures only, and take the client's address
// from X-Forwarded-For only when the request comes from a trusted proxy.
func TestLoginAddressLimitCountsFailuresAndTrustsOnlyListedProxies(t *testing.T) {
	t.Parallel()
	const limit = 1 // four failures per address
	attempt := 0
	fail := func(c *client, xff string, n int) int {
		status := 0
		for range n {
			attempt++ // a new email each time: only the address limit applies
			h := http.Header{}
			h.Set("X-Forwarded-For", xff)
			email := fmt.Sprintf("nobody-%d@example.com", attempt)
			status = c.do(http.MethodPost, "/login", url.Values{"_csrf": {c.csrfToken()}, "email": {email}, "password": {"x"}}, h).status
		}
		return status
	}
	t.Run("behind a trusted proxy", func(t *testing.T) {
		e := newEnv(t, func(o *web.Options) {
			o.LoginLimit = limit
			o.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
		})
		c := e.client()
		if got := fail(c, "203.0.113.1", 5); got != http.StatusTooManyRequests {
			t.Fatalf("fifth failure from one client: %d, want 429", got)
		}
		if got := fail(c, "203.0.113.2", 1); got != http.StatusUnauthorized {
			t.Fatalf("another client behind the same proxy: %d, want 401 (not limited)", got)
		}
	})
	t.Run("without trusted proxies the header is ignored", func(t *testing.T) {
		e := newEnv(t, func(o *web.Options) { o.LoginLimit = limit })
		c := e.client()
		fail(c, "203.0.113.1", 4)
		if got := fail(c, "203.0.113.2", 1); got != http.StatusTooManyRequests {
			t.Fatalf("a forged X-Forwarded-For escaped the limit: %d, want 429", got)
		}
	})
	t.Run("successful logins do not count", func(t *testing.T) {
		e := newEnv(t, func(o *web.Options) { o.LoginLimit = limit })
		e.user("ann@example.com")
		for i := range 6 {
			c := e.client()
			if p := c.login("ann@example.com", testPassword); p.status != http.StatusSeeOther {
				t.Fatalf("login %d: %d, want 303", i+1, p.status)
			}
		}
	})
}
