package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/orgsso/orgsso/models"
)

func TestRegisterOff(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	assertStatus(t, c.get("/register"), http.StatusNotFound)
	before := e.snapshot()
	p := c.post("/register", url.Values{"email": {"ann@example.com"}, "password": {"long enough password"}})
	assertStatus(t, p, http.StatusNotFound)
	e.assertUnchanged(before)
	if p := c.get("/login"); p.has("register-link") {
		t.Error("the login page links to a closed sign-up")
	}
}

func TestRegister(t *testing.T) {
	t.Parallel()

	t.Run("creates an account and logs it in", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.setSetting(models.SettingAllowSignup, "true")
		c := e.client()
		assertStatus(t, c.get("/register"), http.StatusOK)
		p := c.post("/register", url.Values{"name": {"Ann"}, "email": {"Ann@Example.com"}, "password": {"long enough password"}})
		assertRedirect(t, p, "/")
		if c.session() == "" {
			t.Fatal("no session cookie")
		}
		c.assertLoggedInAs("ann@example.com")
		u, err := e.store.UserByEmail(t.Context(), "ann@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if u.Name != "Ann" || u.Disabled || u.MustChangePassword {
			t.Errorf("account %+v", u)
		}
		if e.count("audit_events", "action = ? AND target = ?", "user.register", "ann@example.com") != 1 {
			t.Error("no user.register audit event")
		}
		// The password chosen logs in.
		c2 := e.client()
		if p := c2.login("ann@example.com", "long enough password"); p.status != http.StatusSeeOther {
			t.Errorf("login with the chosen password: %d", p.status)
		}
	})

	tests := []struct {
		name, email, password string
		field, wantMsg        string
	}{
		{"weak password", "ann@example.com", "short", "password", "Use at least 10 characters."},
		{"invalid email", "ann@", "long enough password", "email", "Enter an email address like name@example.com."},
		{"taken email", "taken@example.com", "long enough password", "email", "An account with this email exists. Log in instead."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.setSetting(models.SettingAllowSignup, "true")
			e.user("taken@example.com")
			c := e.client()
			before := e.snapshot()
			p := c.post("/register", url.Values{"name": {"Ann"}, "email": {tc.email}, "password": {tc.password}})
			assertStatus(t, p, http.StatusUnprocessableEntity)
			if got := p.text("error-" + tc.field); got != tc.wantMsg {
				t.Errorf("error next to %s: %q, want %q", tc.field, got, tc.wantMsg)
			}
			form := p.testid("register-form")
			if got := form.Find(`input[name="email"]`).AttrOr("value", "?"); got != tc.email {
				t.Errorf("email input %q, want it kept", got)
			}
			if got := form.Find(`input[name="name"]`).AttrOr("value", "?"); got != "Ann" {
				t.Errorf("name input %q, want it kept", got)
			}
			if got := form.Find(`input[name="password"]`).AttrOr("value", ""); got != "" {
				t.Errorf("the password was sent back in the form: %q", got)
			}
			e.assertUnchanged(before)
			if c.session() != "" {
				t.Error("a refused sign-up set a session")
			}
		})
	}
}
