package e2e

import (
	"testing"
)

// TestAdminCreatesOrgAndMemberSeesIt walks the foundation end to end in a
// real browser: the platform admin creates an org and adds a member, who logs
// in with the one-time password, must choose their own, and then sees the org
// as a plain user, without any admin page or link.
func TestAdminCreatesOrgAndMemberSeesIt(t *testing.T) {
	a := startApp(t)
	b := newBrowser(t, a.URL)
	const (
		orgName     = "Acme Corp"
		slug        = "acme"
		memberEmail = "bob@acme.test"
		memberPW    = "bobs-own-password-1"
	)

	b.open("/login")
	b.shot("login")
	b.fill("#email", a.AdminEmail)
	b.fill("#password", a.AdminPassword)
	if resp := b.submit("[data-testid=login-submit]"); resp.Status != 200 {
		t.Fatalf("admin login landed on %s with status %d", resp.URL, resp.Status)
	}
	if n := b.count("[data-testid=nav-admin]"); n != 1 {
		t.Fatalf("after the admin's login, the platform admin link is missing (path %s)", b.path())
	}

	b.open("/admin/orgs")
	b.shot("admin-orgs")
	b.fill("[data-testid=create-org-form] #name", orgName)
	b.fill("[data-testid=create-org-form] #slug", slug)
	b.submit("[data-testid=create-org-submit]")
	if got, want := b.path(), "/o/"+slug+"/members"; got != want {
		t.Fatalf("after creating the org the admin is on %s, want %s", got, want)
	}

	b.fill("[data-testid=add-member-form] #email", memberEmail)
	b.choose("[data-testid=add-member-form] #role", "user")
	if resp := b.submit("[data-testid=add-member-submit]"); resp.Status != 200 {
		t.Fatalf("adding a member: status %d", resp.Status)
	}
	otp := b.text("[data-testid=one-time-password] code#otp")
	if otp == "" {
		t.Fatal("no one-time password shown for the new member")
	}
	if got := b.text("[data-testid='member-" + memberEmail + "'] [data-testid=member-status]"); got != "active" {
		t.Errorf("new member's status = %q, want active", got)
	}
	b.shot("members-one-time-password")

	b.submit("[data-testid=logout]")
	if got := b.path(); got != "/login" {
		t.Fatalf("after logout the browser is on %s, want /login", got)
	}

	b.login(memberEmail, otp)
	if got := b.path(); got != "/account/password" {
		t.Fatalf("a login with a one-time password landed on %s, want /account/password", got)
	}
	if b.count("[data-testid=password-forced]") != 1 {
		t.Error("the forced password page does not say why")
	}
	b.shot("password-forced")
	// Until the password is changed, every page leads back here.
	b.open("/o/" + slug)
	if got := b.path(); got != "/account/password" {
		t.Fatalf("before choosing a password, /o/%s led to %s, want /account/password", slug, got)
	}
	b.fill("#current", otp)
	b.fill("#password", memberPW)
	b.fill("#confirm", memberPW)
	if resp := b.submit("[data-testid=password-submit]"); resp.Status != 200 {
		t.Fatalf("changing the password: status %d", resp.Status)
	}
	if got := b.path(); got != "/" {
		t.Fatalf("after choosing a password the member is on %s, want /", got)
	}

	if resp := b.open("/o/" + slug); resp.Status != 200 {
		t.Fatalf("GET /o/%s: status %d", slug, resp.Status)
	}
	if got := b.text("[data-testid=org-name]"); got != orgName {
		t.Errorf("org name = %q, want %q", got, orgName)
	}
	if got := b.text("[data-testid=my-roles]"); got != "user" {
		t.Errorf("member's roles = %q, want user", got)
	}
	for _, sel := range []string{
		"[data-testid=admin-links]",
		"[data-testid=nav-members]",
		"[data-testid=nav-sso]",
		"[data-testid=nav-audit]",
		"[data-testid=nav-admin]",
	} {
		if n := b.count(sel); n != 0 {
			t.Errorf("a plain member sees %s on the org page", sel)
		}
	}
	b.shot("org-home-member")

	resp := b.open("/o/" + slug + "/members")
	if resp.Status != 403 {
		t.Errorf("GET /o/%s/members as a member: status %d, want 403", slug, resp.Status)
	}
	if b.count(`[data-testid=error-page][data-status="403"]`) != 1 {
		t.Errorf("GET /o/%s/members as a member does not show the 403 error page", slug)
	}
	if n := b.count("[data-testid=members-table]"); n != 0 {
		t.Error("the 403 page shows the members table")
	}
	b.shot("error-403")

	b.assertCleanConsole()
}
