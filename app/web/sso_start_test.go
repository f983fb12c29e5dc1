package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/orgsso/orgsso/app/connector/oidc"
	"github.com/orgsso/orgsso/app/web"
	"github.com/orgsso/orgsso/models"
)

// A login start sends the browser to the IdP, and a test start needs an
// admin of the org.
func TestSSOStart(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	conn := f.createConn(t, manualForm("Okta"))
	f.recordTest(t, conn, models.TestPassed)
	f.enableSSO(t, false)
	start := "/o/acme/sso/" + conn.PublicID + "/start"

	visitor := f.e.client()
	p := visitor.get(start)
	assertStatus(t, p, http.StatusSeeOther)
	if loc := p.location(); !strings.HasPrefix(loc, "https://idp.example.com/authorize?") {
		t.Fatalf("start went to %q, want the IdP", loc)
	}
	// Plain http: SameSite=Lax (https is SameSite=None; Secure, see
	// TestLoginCookieCrossSiteOnHTTPS).
	if sc := setCookie(p, "orgsso_login"); !strings.HasPrefix(sc, "orgsso_login=") || !strings.Contains(sc, "Path=/o/acme/") ||
		!strings.Contains(sc, "SameSite=Lax") || !strings.Contains(sc, "HttpOnly") {
		t.Fatalf("the start set %q, want the login cookie", sc)
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
	p = f.c.get(start + "?test=1")
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
	if msg := p.text("error-message"); !strings.Contains(msg, "started in another browser") {
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

// On an https base URL, the login cookie is SameSite=None; Secure: the
// IdP's answer comes back from another site, by a redirect or a cross-site
// POST (form_post, SAML), and browsers send only such cookies with the
// POST. (e2e's TestCrossSiteLoginKeepsItsBinding proves it in Chromium.)
func TestLoginCookieCrossSiteOnHTTPS(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(o *web.Options) { o.SecureCookies, o.BaseURL = true, "https://orgsso.test" })
	org := e.org("acme", "Acme Corp")
	ctx := context.Background()
	cfg, err := json.Marshal(oidc.Config{Issuer: "https://idp.example.com", AuthorizationURL: "https://idp.example.com/authorize",
		TokenURL: "https://idp.example.com/token", JWKSURL: "https://idp.example.com/keys", ClientID: "c", PKCE: oidc.PKCES256})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := e.store.CreateConnection(ctx, org.ID, models.Connection{Protocol: models.ProtocolOIDC, Preset: "custom",
		DisplayName: "Okta", Active: true, Config: string(cfg), Provisioning: "{}"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.RecordTestRun(ctx, org.ID, models.TestRun{ConnectionID: conn.ID, ConfigVersion: conn.Version,
		ConfigHash: conn.ConfigHash, Status: models.TestPassed, Claims: "{}", Mapped: "{}"}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.SetSSO(ctx, org.ID, true, false); err != nil {
		t.Fatal(err)
	}
	p := e.client().get("/o/acme/sso/" + conn.PublicID + "/start")
	assertStatus(t, p, http.StatusSeeOther)
	sc := setCookie(p, "orgsso_login")
	for _, want := range []string{"orgsso_login=", "Path=/o/acme/", "HttpOnly", "Secure", "SameSite=None"} {
		if !strings.Contains(sc, want) {
			t.Errorf("login cookie %q lacks %s", sc, want)
		}
	}
}

// setCookie is the response's Set-Cookie header for the cookie name ("" without).
func setCookie(p *page, name string) string {
	for _, sc := range p.header.Values("Set-Cookie") {
		if strings.HasPrefix(sc, name+"=") {
			return sc
		}
	}
	return ""
}
