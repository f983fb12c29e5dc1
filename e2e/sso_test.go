package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/e2e/idp"
)

// TestAdminConnectsTestsAndEnablesOktaAndMemberLogsIn is the heart of the
// product in a real browser: an org admin adds an Okta-preset connection
// pointing at the in-process OpenID provider, tests it and sees the claims
// mapped to roles, enables SSO; then a member signs in through the org's
// login page and lands in the org with the role from the group mapping.
func TestAdminConnectsTestsAndEnablesOktaAndMemberLogsIn(t *testing.T) {
	a := startApp(t)
	ctx := context.Background()
	org, err := a.Store.CreateOrganization(ctx, "acme", "Acme Corp")
	if err != nil {
		t.Fatal(err)
	}
	root, err := a.Store.UserByEmail(ctx, a.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Store.PutMember(ctx, org.ID, root.ID, []string{authz.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	ip := idp.NewOIDC(t)
	ip.AddClient(idp.Client{ID: "orgsso-acme", Secret: "okta-client-secret", RedirectURIs: []string{a.URL + "/o/acme/oidc/callback"},
		PostLogoutRedirectURIs: []string{a.URL + "/o/acme/login"}})
	ip.AddUser(idp.User{Subject: "00u-alice", Email: "alice@acme.test", EmailVerified: true, Name: "Alice Admin", Groups: []string{"IT"}})
	ip.AddUser(idp.User{Subject: "00u-bob", Email: "bob@acme.test", EmailVerified: true, Name: "Bob Member", Groups: []string{"DATA_SCIENCE"}})

	b := newBrowser(t, a.URL)
	b.login(a.AdminEmail, a.AdminPassword)

	b.open("/o/acme/settings/sso")
	if got := b.text("[data-testid=redirect-uri]"); got != a.URL+"/o/acme/oidc/callback" {
		t.Fatalf("redirect URI shown = %q", got)
	}
	b.open("/o/acme/settings/sso/connections/new?preset=okta")
	if help := b.text("[data-testid=setup-help]"); !strings.Contains(help, a.URL+"/o/acme/oidc/callback") {
		t.Fatalf("Okta setup help does not show our redirect URI: %q", help)
	}
	b.shot("connection-form")
	b.fill("#displayName", "Okta")
	// The test IdP is not at an Okta domain: type its issuer under Advanced.
	b.do("open Advanced", chromedp.Click(chromedp.CSS("[data-testid=advanced] > summary"), chromedp.NodeVisible))
	b.fill("#issuer", ip.Issuer())
	b.setChecked("#discovery", true)
	b.fill("#clientID", "orgsso-acme")
	b.fill("#clientSecret", "okta-client-secret")
	b.setChecked("#jit", true)
	b.setChecked("#syncRoles", true)
	b.addMapping("IT", "admin")
	b.addMapping("DATA_SCIENCE", "user")
	if resp := b.submit("[data-testid=save-connection]"); resp.Status != 200 {
		t.Fatalf("saving the connection: status %d at %s", resp.Status, resp.URL)
	}
	if b.count("[data-testid=error-summary]") != 0 {
		t.Fatalf("the form shows errors: %s", b.text("[data-testid=error-summary]"))
	}
	if page := b.text("main"); strings.Contains(page, "okta-client-secret") {
		t.Fatal("the client secret is rendered back after saving")
	}

	// A test whose ID token was issued for another client fails, and says
	// so in one sentence.
	ip.SetUser("00u-alice")
	ip.TamperIDToken(func(tok *idp.IDToken) { tok.Claims["aud"] = "some-other-client" })
	b.submit("[data-testid=test-connection]")
	if got := b.attr("[data-testid=test-result]", "data-result"); got != "failed" {
		t.Fatalf("test result with a foreign audience = %q: %s", got, b.text("[data-testid=test-result]"))
	}
	if reason := b.text("[data-testid=test-reason]"); !strings.Contains(reason, "some-other-client") {
		t.Errorf("failure reason = %q, want it to name the token's audience", reason)
	}
	b.shot("test-result-failed")
	ip.TamperIDToken(nil)

	// Test again: a real round trip through the IdP as Alice (group IT).
	b.submit("[data-testid=run-again]")
	if got := b.attr("[data-testid=test-result]", "data-result"); got != "passed" {
		t.Fatalf("test result = %q: %s", got, b.text("[data-testid=test-result]"))
	}
	if roles := b.text("[data-testid=mapped-roles]"); !strings.Contains(roles, "admin") || !strings.Contains(roles, "IT") {
		t.Fatalf("mapped roles = %q, want admin from IT", roles)
	}
	if claims := b.text("[data-testid=claims]"); !strings.Contains(claims, "alice@acme.test") || strings.Contains(claims, "eyJ") {
		t.Fatalf("claims shown = %q", claims)
	}
	b.shot("test-result")

	b.submit("[data-testid=test-result] ~ * [data-testid=enable-sso], [data-testid=enable-sso]")
	b.open("/o/acme/settings/sso")
	if state := b.text("[data-testid=sso-state]"); !strings.Contains(strings.ToUpper(state), "ON") {
		t.Fatalf("SSO state after enabling = %q", state)
	}
	if status := b.text("[data-testid=test-status]"); !strings.Contains(status, "passed") {
		t.Fatalf("table test status = %q", status)
	}
	b.shot("sso-settings")
	b.assertCleanConsole()

	// A member signs in through the org login page, in a fresh browser.
	m := newBrowser(t, a.URL)
	m.open("/o/acme/login")
	m.shot("member-login")
	ip.SetUser("00u-bob")
	m.submit("[data-testid=sso-button]")
	if got := m.path(); got != "/o/acme" {
		t.Fatalf("member landed on %s, want /o/acme", got)
	}
	if roles := m.text("[data-testid=my-roles]"); roles != "user" {
		t.Fatalf("member's roles = %q, want user (DATA_SCIENCE->user)", roles)
	}
	if m.count("[data-testid=admin-links]") != 0 {
		t.Fatal("the member sees admin links")
	}
	m.shot("member-org-home")
	m.assertCleanConsole()
}
