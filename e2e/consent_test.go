package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/orgsso/orgsso/app/apptest"
	"github.com/orgsso/orgsso/e2e/idp"
	"github.com/orgsso/orgsso/models"
)

// TestMemberConsentsAtFirstLoginAndLogsOutAtTheIdP: with "ask for consent"
// on, a new member sees what the org receives, accepts, lands in the org;
// logging out ends the IdP session too (RP-initiated logout) and comes back
// to the org's login page.
func TestMemberConsentsAtFirstLoginAndLogsOutAtTheIdP(t *testing.T) {
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
	ip := idp.NewOIDC(t)
	ip.AddClient(idp.Client{ID: "orgsso", Secret: "s3cret", RedirectURIs: []string{a.URL + "/o/acme/oidc/callback"},
		PostLogoutRedirectURIs: []string{a.URL + "/o/acme/login"}})
	ip.AddUser(idp.User{Subject: "00u-carol", Email: "carol@acme.test", EmailVerified: true, Name: "Carol", Groups: []string{"DATA_SCIENCE"}})
	conn := apptest.AddConnection(t, a.App, org, ip, "IdP", models.Provisioning{JIT: true, Consent: true, SyncRoles: true, GroupMappings: "DATA_SCIENCE->user"})
	apptest.PassTest(t, a.App, org, conn, ip, root.ID)
	if err := a.Store.SetSSO(ctx, org.ID, true, false); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, a.URL)
	b.open("/o/acme/login")
	b.submit("[data-testid=sso-button]")
	data := b.text("[data-testid=consent-data]")
	for _, want := range []string{"carol@acme.test", "Carol", "DATA_SCIENCE", "user"} {
		if !strings.Contains(data, want) {
			t.Fatalf("consent page lacks %q: %q", want, data)
		}
	}
	if _, err := a.Store.UserByEmail(ctx, "carol@acme.test"); err == nil {
		t.Fatal("the account exists before consent")
	}
	b.shot("consent")
	b.submit("[data-testid=consent-accept]")
	if got := b.path(); got != "/o/acme" {
		t.Fatalf("after accepting, the member is on %s, want /o/acme", got)
	}
	if roles := b.text("[data-testid=my-roles]"); roles != "user" {
		t.Fatalf("roles = %q, want user", roles)
	}

	b.submit("[data-testid=logout]")
	if got := b.path(); got != "/o/acme/login" {
		t.Fatalf("after logout the browser is on %s, want the org login page via the IdP's end-session endpoint", got)
	}
	if logouts := ip.Logouts(); len(logouts) != 1 || logouts[0].Subject != "00u-carol" {
		t.Fatalf("IdP logouts = %+v, want carol's session ended", logouts)
	}
	b.assertCleanConsole()
}
