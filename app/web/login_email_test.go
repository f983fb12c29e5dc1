package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/orgsso/orgsso/models"
)

const msgNoSSOForEmail = "No single sign-on is set up for that email's domain; log in with your password."

// verifyDomain gives org the verified domain, as a passed verification would.
func (e *env) verifyDomain(org models.Organization, domain string) models.VerifiedDomain {
	e.t.Helper()
	d := e.addDomain(org, domain)
	if err := e.store.MarkDomainVerified(context.Background(), org.ID, d.ID); err != nil {
		e.t.Fatalf("verify %s: %v", domain, err)
	}
	return d
}

// ssoReady gives f's org tested, active connections named names and turns
// SSO on.
func (f *ssoFixture) ssoReady(t *testing.T, names ...string) []models.Connection {
	t.Helper()
	var out []models.Connection
	for _, n := range names {
		conn := f.createConn(t, manualForm(n))
		f.recordTest(t, conn, models.TestPassed)
		out = append(out, conn)
	}
	f.enableSSO(t, false)
	return out
}

// emailStep submits the login page's single sign-on form.
func emailStep(c *client, email, returnTo string) *page {
	c.t.Helper()
	form := url.Values{"step": {"email"}, "email": {email}}
	if returnTo != "" {
		form.Set("return_to", returnTo)
	}
	return c.post("/login", form)
}

func TestEmailLoginPageHasBothForms(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.client().get("/login")
	assertStatus(t, p, http.StatusOK)
	for _, sel := range []string{
		`form[data-testid="login-form"] input#email[name="email"]`,
		`form[data-testid="login-form"] input#password[name="password"]`,
		`form[data-testid="login-form"] [data-testid="login-submit"]`,
		`form[data-testid="sso-email-form"] input[name="step"][value="email"]`,
		`form[data-testid="sso-email-form"] input#sso-email[name="email"]`,
		`form[data-testid="sso-email-form"] input[name="_csrf"]`,
		`form[data-testid="sso-email-form"] [data-testid="sso-email-submit"]`,
	} {
		if p.doc.Find(sel).Length() != 1 {
			t.Errorf("no %s", sel)
		}
	}
	if p.doc.Find(`form[data-testid="sso-email-form"] input[name="password"]`).Length() != 0 {
		t.Error("the SSO form asks for a password")
	}
}

func TestEmailLoginRouting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		setup    func(t *testing.T, f *ssoFixture) []models.Connection
		email    string
		returnTo string
		// want is the redirect, from the connections; "" for the password step.
		want func(conns []models.Connection) string
	}{
		{
			name: "one tested connection: its start, with the login hint and return_to",
			setup: func(t *testing.T, f *ssoFixture) []models.Connection {
				f.e.verifyDomain(f.org, "acme.example")
				return f.ssoReady(t, "Okta")
			},
			email: "  Dana@ACME.example ", returnTo: "/o/acme/members",
			want: func(conns []models.Connection) string {
				return "/o/acme/sso/" + conns[0].PublicID + "/start?login_hint=dana%40acme.example&return_to=%2Fo%2Facme%2Fmembers"
			},
		},
		{
			name: "one tested connection, no return_to",
			setup: func(t *testing.T, f *ssoFixture) []models.Connection {
				f.e.verifyDomain(f.org, "acme.example")
				return f.ssoReady(t, "Okta")
			},
			email: "dana@acme.example",
			want: func(conns []models.Connection) string {
				return "/o/acme/sso/" + conns[0].PublicID + "/start?login_hint=dana%40acme.example"
			},
		},
		{
			name: "an off-site return_to is dropped",
			setup: func(t *testing.T, f *ssoFixture) []models.Connection {
				f.e.verifyDomain(f.org, "acme.example")
				return f.ssoReady(t, "Okta")
			},
			email: "dana@acme.example", returnTo: "https://evil.example/",
			want: func(conns []models.Connection) string {
				return "/o/acme/sso/" + conns[0].PublicID + "/start?login_hint=dana%40acme.example"
			},
		},
		{
			name: "two tested connections: the org's login page",
			setup: func(t *testing.T, f *ssoFixture) []models.Connection {
				f.e.verifyDomain(f.org, "acme.example")
				return f.ssoReady(t, "Okta", "Entra")
			},
			email: "dana@acme.example", returnTo: "/o/acme",
			want: func([]models.Connection) string { return "/o/acme/login?return_to=%2Fo%2Facme" },
		},
		{
			name: "domain only pending",
			setup: func(t *testing.T, f *ssoFixture) []models.Connection {
				f.e.addDomain(f.org, "acme.example")
				return f.ssoReady(t, "Okta")
			},
			email: "dana@acme.example",
		},
		{
			name: "SSO off",
			setup: func(t *testing.T, f *ssoFixture) []models.Connection {
				f.e.verifyDomain(f.org, "acme.example")
				conn := f.createConn(t, manualForm("Okta"))
				f.recordTest(t, conn, models.TestPassed)
				return nil
			},
			email: "dana@acme.example",
		},
		{
			name: "SSO on but the connection's test failed",
			setup: func(t *testing.T, f *ssoFixture) []models.Connection {
				f.e.verifyDomain(f.org, "acme.example")
				conn := f.createConn(t, manualForm("Okta"))
				f.recordTest(t, conn, models.TestFailed)
				f.enableSSO(t, false)
				return nil
			},
			email: "dana@acme.example",
		},
		{
			name: "unknown domain",
			setup: func(t *testing.T, f *ssoFixture) []models.Connection {
				f.e.verifyDomain(f.org, "acme.example")
				return f.ssoReady(t, "Okta")
			},
			email: "dana@elsewhere.example",
		},
		{
			name: "a subdomain is not the domain",
			setup: func(t *testing.T, f *ssoFixture) []models.Connection {
				f.e.verifyDomain(f.org, "acme.example")
				return f.ssoReady(t, "Okta")
			},
			email: "dana@eu.acme.example",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newSSOFixture(t)
			conns := tc.setup(t, f)
			c := f.e.client()
			before := f.e.snapshot()
			p := emailStep(c, tc.email, tc.returnTo)
			f.e.assertUnchanged(before)
			if tc.want != nil {
				assertRedirect(t, p, tc.want(conns))
				return
			}
			assertStatus(t, p, http.StatusOK)
			if got := p.text("sso-email-message"); got != msgNoSSOForEmail {
				t.Errorf("message %q, want %q", got, msgNoSSOForEmail)
			}
			email := strings.ToLower(strings.TrimSpace(tc.email))
			// The password step, with the email filled in.
			if v, _ := p.doc.Find(`form[data-testid="login-form"] input#email`).Attr("value"); v != email {
				t.Errorf("password form email %q, want %q", v, email)
			}
			if p.doc.Find(`form[data-testid="login-form"] input#password`).Length() != 1 {
				t.Error("no password field")
			}
			if c.session() != "" {
				t.Error("the email step set a session")
			}
		})
	}
}

func TestEmailLoginStartsTheConnection(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	f.e.verifyDomain(f.org, "acme.example")
	conns := f.ssoReady(t, "Okta")
	c := f.e.client()
	p := emailStep(c, "dana@acme.example", "")
	assertRedirect(t, p, "/o/acme/sso/"+conns[0].PublicID+"/start?login_hint=dana%40acme.example")
	// The redirect is a route that exists for a visitor: the start is
	// answered (by the IdP redirect or a readable refusal), never a 404.
	if p2 := c.get(p.location()); p2.status == http.StatusNotFound {
		t.Errorf("the SSO start is not found:\n%s", p2.body)
	}
}

func TestEmailLoginInvalidEmail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := emailStep(e.client(), "not an email", "")
	assertStatus(t, p, http.StatusUnprocessableEntity)
	assertContains(t, "message", p.text("sso-email-message"), "Enter an email address")
	if v, _ := p.doc.Find(`input#sso-email`).Attr("value"); v != "not an email" {
		t.Errorf("SSO email input %q, want the input kept", v)
	}
}

// TestEmailLoginDoesNotRevealAccounts: the email step answers the same for
// an email with an account and one without (invariant 10), apart from the
// email it echoes.
func TestEmailLoginDoesNotRevealAccounts(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	f.e.verifyDomain(f.org, "acme.example")
	f.ssoReady(t, "Okta")
	f.e.user("ann@elsewhere.example")
	// bob@acme.example and alice@acme.example (an admin) have accounts.
	tests := []struct{ name, with, without string }{
		{"unknown domain", "ann@elsewhere.example", "zed@elsewhere.example"},
		{"verified domain", "bob@acme.example", "zed@acme.example"},
		{"verified domain, an admin with a password", "alice@acme.example", "zed@acme.example"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := f.e.in(t).client()
			a := emailStep(c, tc.with, "")
			b := emailStep(c, tc.without, "")
			if a.status != b.status {
				t.Fatalf("status %d with an account, %d without", a.status, b.status)
			}
			if got, want := strings.ReplaceAll(a.location(), url.QueryEscape(tc.with), "EMAIL"),
				strings.ReplaceAll(b.location(), url.QueryEscape(tc.without), "EMAIL"); got != want {
				t.Errorf("Location %q with an account, %q without", got, want)
			}
			if got, want := strings.ReplaceAll(a.body, tc.with, "EMAIL"), strings.ReplaceAll(b.body, tc.without, "EMAIL"); got != want {
				t.Errorf("bodies differ:\nwith an account:\n%s\nwithout:\n%s", got, want)
			}
			if a.status == http.StatusOK {
				if got := a.text("sso-email-message"); got != msgNoSSOForEmail {
					t.Errorf("message %q", got)
				}
			}
		})
	}
}

// TestEmailLoginKeepsPasswordLogin: with the domain verified and SSO on,
// the password form still logs in.
func TestEmailLoginKeepsPasswordLogin(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	f.e.verifyDomain(f.org, "acme.example")
	f.ssoReady(t, "Okta")
	c := f.e.client()
	p := c.login("bob@acme.example", testPassword)
	assertRedirect(t, p, "/")
	c.assertLoggedInAs("bob@acme.example")
}
