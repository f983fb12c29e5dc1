package e2e

import (
	"context"
	"strings"
	"testing"

	"github.com/orgsso/orgsso/app/apptest"
	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/app/password"
	"github.com/orgsso/orgsso/e2e/idp"
	"github.com/orgsso/orgsso/models"
)

// TestInvitedPersonJoinsThroughSSO: an org admin invites bob@example.com
// as admin from the members page; bob, in his own browser, signs in through
// the org's connection (JIT off, so only the invite lets him in) and lands
// in the org; the admin's members page then lists him active, as admin,
// with the connection he came through.
func TestInvitedPersonJoinsThroughSSO(t *testing.T) {
	a := startApp(t)
	ctx := context.Background()
	org, err := a.Store.CreateOrganization(ctx, "acme", "Acme Corp")
	if err != nil {
		t.Fatal(err)
	}
	const adminEmail, adminPassword = "ada@acme.test", "org-admin-password-1"
	hash, err := password.Hash(ctx, adminPassword)
	if err != nil {
		t.Fatal(err)
	}
	ada, err := a.Store.CreateUser(ctx, models.User{Email: adminEmail, EmailVerified: true, PasswordHash: &hash})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Store.PutMember(ctx, org.ID, ada.ID, []string{authz.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	ip := idp.NewOIDC(t)
	ip.AddClient(idp.Client{ID: apptest.ClientID, Secret: apptest.ClientSecret, RedirectURIs: []string{a.URL + "/o/acme/oidc/callback"},
		PostLogoutRedirectURIs: []string{a.URL + "/o/acme/login"}})
	ip.AddUser(idp.User{Subject: "00u-tester", Email: "tester@acme.test", EmailVerified: true, Name: "Tester"})
	ip.AddUser(idp.User{Subject: "00u-bob", Email: "bob@example.com", EmailVerified: true, Name: "Bob Builder"})
	// JIT off and no role mappings: nobody gets in through this connection
	// on their own, and nobody gets a role from it.
	conn := apptest.AddConnection(t, a.App, org, ip, "Acme Okta", models.Provisioning{JIT: false, SyncRoles: true})
	ip.SetUser("00u-tester")
	apptest.PassTest(t, a.App, org, conn, ip, ada.ID)
	if err := a.Store.EnableSSO(ctx, org.ID); err != nil {
		t.Fatal(err)
	}

	// Without an invite, bob is turned away.
	early := newBrowser(t, a.URL)
	early.open("/o/acme/login")
	ip.SetUser("00u-bob")
	if resp := early.submit("[data-testid=sso-button]"); resp.Status != 403 {
		t.Fatalf("bob's login before the invite: status %d at %s", resp.Status, resp.URL)
	}
	if _, err := a.Store.UserByEmail(ctx, "bob@example.com"); err == nil {
		t.Fatal("a refused login created bob's account")
	}

	// The admin invites bob as admin.
	admin := newBrowser(t, a.URL)
	admin.login(adminEmail, adminPassword)
	admin.open("/o/acme/members")
	admin.fill("[data-testid=invite-form] [name=email]", "bob@example.com")
	admin.choose("[data-testid=invite-role]", "admin")
	if resp := admin.submit("[data-testid=invite-submit]"); resp.Status != 200 {
		t.Fatalf("invite: status %d at %s", resp.Status, resp.URL)
	}
	link := admin.text("[data-testid=invite-link]")
	if !strings.Contains(link, "bob@example.com") || !strings.Contains(link, a.URL+"/invite/") {
		t.Fatalf("invite notice = %q, want bob's email and a link", link)
	}
	admin.shot("invite-created")
	if _, err := a.Store.UserByEmail(ctx, "bob@example.com"); err == nil {
		t.Fatal("inviting created an account")
	}

	// Bob, in a fresh browser, signs in through the org's login page.
	bob := newBrowser(t, a.URL)
	bob.open("/o/acme/login")
	ip.SetUser("00u-bob")
	bob.submit("[data-testid=sso-button]")
	if got := bob.path(); got != "/o/acme" {
		t.Fatalf("bob landed on %s, want /o/acme (%s)", got, bob.text("main"))
	}
	if roles := bob.text("[data-testid=my-roles]"); roles != "admin" {
		t.Fatalf("bob's roles = %q, want admin", roles)
	}
	bob.shot("invited-member-org-home")
	bob.assertCleanConsole()

	// The admin sees him: active, admin, through the connection.
	admin.open("/o/acme/members")
	row := `[data-testid="member-bob@example.com"]`
	if status := admin.text(row + " [data-testid=member-status]"); status != "active" {
		t.Fatalf("bob's status = %q, want active", status)
	}
	if n := admin.count(row + ` [data-testid=role-select] option[value=admin][selected]`); n != 1 {
		t.Fatalf("bob's role select does not show admin (%d selected admin options): %s", n, admin.text(row))
	}
	if via := admin.text(row + " [data-testid=member-connection]"); !strings.Contains(via, "Acme Okta") {
		t.Fatalf("bob's connection = %q, want Acme Okta", via)
	}
	if admin.count(`[data-testid="invite-bob@example.com"]`) != 0 {
		t.Fatal("the invite is still listed as pending")
	}
	admin.shot("members-after-invite")
	admin.assertCleanConsole()
}
