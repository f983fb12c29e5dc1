package e2e

import (
	"strings"
	"testing"
)

// TestAdminCreatesOrgAndMemberSeesIt walks the foundation end to end in a
// real browser: the platform admin opens sign-up, creates an org and
// invites a member, who creates their own account from the invite link
// and then sees the org as a plain user, without any admin page or link.
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

	// People may create their own password accounts on this platform.
	b.open("/admin/settings")
	b.setChecked("[data-testid=settings-form] input[name=allow_signup]", true)
	b.submit("[data-testid=settings-form] button[type=submit]")

	b.open("/admin/orgs")
	b.shot("admin-orgs")
	b.fill("[data-testid=create-org-form] #name", orgName)
	b.fill("[data-testid=create-org-form] #slug", slug)
	b.submit("[data-testid=create-org-submit]")
	if got, want := b.path(), "/o/"+slug+"/members"; got != want {
		t.Fatalf("after creating the org the admin is on %s, want %s", got, want)
	}

	b.fill("[data-testid=invite-form] #email", memberEmail)
	b.choose("[data-testid=invite-form] #role", "user")
	if resp := b.submit("[data-testid=invite-submit]"); resp.Status != 200 {
		t.Fatalf("inviting a member: status %d", resp.Status)
	}
	link := b.text("[data-testid=invite-link-value]")
	if !strings.HasPrefix(link, a.URL+"/invite/") {
		t.Fatalf("invite link %q", link)
	}
	if got := b.text("[data-testid='invite-" + memberEmail + "'] td:nth-child(2)"); got != "user" {
		t.Errorf("the pending invite's role = %q, want user", got)
	}
	b.shot("members-invite")

	b.submit("[data-testid=logout]")
	if got := b.path(); got != "/login" {
		t.Fatalf("after logout the browser is on %s, want /login", got)
	}

	b.open(strings.TrimPrefix(link, a.URL))
	b.shot("invite")
	b.open(b.attr("[data-testid=invite-register]", "href"))
	if got := b.attr("[data-testid=register-email]", "value"); got != memberEmail {
		t.Fatalf("the invite's sign-up form has email %q, want %s", got, memberEmail)
	}
	b.fill("[data-testid=register-form] #password", memberPW)
	if resp := b.submit("[data-testid=register-submit]"); resp.Status != 200 {
		t.Fatalf("creating the account: status %d", resp.Status)
	}
	if got := b.path(); got != "/o/"+slug {
		t.Fatalf("after accepting the invite the member is on %s, want /o/%s", got, slug)
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
