package web_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orgsso/orgsso/models"
)

// membersFixture is an org with one admin, logged in.
type membersFixture struct {
	e     *env
	acme  models.Organization
	admin models.User
	c     *client
}

func newMembersFixture(t *testing.T) *membersFixture {
	e := newEnv(t)
	f := &membersFixture{e: e, acme: e.org("acme", "Acme")}
	f.admin = e.user("admin@example.com")
	e.grant(f.admin, f.acme, "admin")
	f.c = e.client()
	f.c.loginAs(f.admin)
	return f
}

// timeElement matches a rendered timestamp, which differs between runs.
var timeElement = regexp.MustCompile(`<time[^>]*>[^<]*</time>`)

func memberURL(u models.User, action string) string {
	return "/o/acme/members/" + strconv.FormatInt(u.ID, 10) + "/" + action
}

func TestInviteMember(t *testing.T) {
	t.Parallel()

	t.Run("an invite link is shown once and listed as pending", func(t *testing.T) {
		t.Parallel()
		f := newMembersFixture(t)
		p := f.c.post("/o/acme/members", url.Values{"email": {"New@Example.com"}, "role": {"admin"}})
		assertStatus(t, p, http.StatusOK)
		link := p.text("invite-link-value")
		if !strings.HasPrefix(link, "http://127.0.0.1/invite/") || len(link) < len("http://127.0.0.1/invite/")+32 {
			t.Fatalf("invite link %q", link)
		}
		row := p.testid("invite-new@example.com")
		if row.Length() != 1 || !strings.Contains(row.Text(), "admin") {
			t.Fatalf("the invite is not listed as pending:\n%s", p.body)
		}
		if p.has("member-new@example.com") {
			t.Error("an invite made a member before it was accepted")
		}
		if _, err := f.e.store.UserByEmail(t.Context(), "new@example.com"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("an invite created an account: %v", err)
		}
		if got := f.e.auditActions(&f.acme); !slices.Equal(got, []string{"invite.create"}) {
			t.Errorf("audit %v, want [invite.create]", got)
		}
		// Shown once; the stored invite holds only the token's hash.
		if p := f.c.get("/o/acme/members"); p.has("invite-link") || strings.Contains(p.body, link) {
			t.Error("the invite link is shown again")
		}
		if n := f.e.count("invites", "token_hash = ?", link[strings.LastIndex(link, "/")+1:]); n != 0 {
			t.Error("the invite token is stored in the clear")
		}
	})

	t.Run("a new invite for the same email replaces the pending one", func(t *testing.T) {
		t.Parallel()
		f := newMembersFixture(t)
		f.c.post("/o/acme/members", url.Values{"email": {"bob@example.com"}, "role": {"user"}})
		f.c.post("/o/acme/members", url.Values{"email": {"bob@example.com"}, "role": {"admin"}})
		if n := f.e.count("invites", "email = ? AND revoked_at IS NULL", "bob@example.com"); n != 1 {
			t.Errorf("%d usable invites for bob, want 1", n)
		}
	})

	t.Run("revoke", func(t *testing.T) {
		t.Parallel()
		f := newMembersFixture(t)
		f.c.post("/o/acme/members", url.Values{"email": {"bob@example.com"}, "role": {"user"}})
		inv, err := f.e.store.PendingInvite(t.Context(), f.acme.ID, "bob@example.com")
		if err != nil {
			t.Fatal(err)
		}
		p := f.c.post("/o/acme/invites/"+strconv.FormatInt(inv.ID, 10)+"/revoke", nil)
		assertRedirect(t, p, "/o/acme/members")
		if _, err := f.e.store.PendingInvite(t.Context(), f.acme.ID, "bob@example.com"); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("the invite is still pending: %v", err)
		}
		if p := f.c.get("/o/acme/members"); p.has("invite-bob@example.com") {
			t.Error("a revoked invite is still listed")
		}
		if got := f.e.auditActions(&f.acme); !slices.Equal(got, []string{"invite.create", "invite.revoke"}) {
			t.Errorf("audit %v", got)
		}
		// Revoking twice, or another org's invite, is not found.
		assertStatus(t, f.c.post("/o/acme/invites/"+strconv.FormatInt(inv.ID, 10)+"/revoke", nil), http.StatusNotFound)
	})

	t.Run("the answer is the same whether or not an account exists anywhere", func(t *testing.T) {
		t.Parallel()
		// Two identical worlds in which someone outside acme has an account;
		// acme's admin invites that email in one and an unknown one in the other.
		world := func() (*membersFixture, models.User) {
			f := newMembersFixture(t)
			other := f.e.org("other", "Other")
			elsewhere := f.e.user("known@example.com")
			f.e.grant(elsewhere, other, "user")
			return f, elsewhere
		}
		answer := func(f *membersFixture, email string) (int, string) {
			token := f.c.csrfToken()
			p := f.c.post("/o/acme/members", url.Values{"email": {email}, "role": {"user"}})
			body := strings.ReplaceAll(p.body, email, "EMAIL")
			body = strings.ReplaceAll(body, p.text("invite-link-value"), "LINK")
			body = strings.ReplaceAll(body, token, "CSRF")
			return p.status, timeElement.ReplaceAllString(body, "TIME")
		}
		f, elsewhere := world()
		knownStatus, knownBody := answer(f, "known@example.com")
		g, _ := world()
		unknownStatus, unknownBody := answer(g, "unknown@example.com")
		if knownStatus != unknownStatus || knownBody != unknownBody {
			t.Errorf("answers differ: %d vs %d\n%s\n----\n%s", knownStatus, unknownStatus, knownBody, unknownBody)
		}
		if got := f.e.roles(elsewhere, f.acme); len(got) != 0 {
			t.Errorf("an invite made the existing account a member: %v", got)
		}
		if u := f.e.reloadUser(elsewhere); u.MustChangePassword || !u.HasPassword() || *u.PasswordHash != *elsewhere.PasswordHash {
			t.Error("inviting changed the existing account's password")
		}
	})

	tests := []struct {
		name, email, role string
		field, wantMsg    string
		wantEmailKept     string
	}{
		{"invalid email", "not-an-email", "user", "email", "Enter an email address like name@example.com.", "not-an-email"},
		{"email with a display name", "Bob <bob@example.com>", "user", "email", "Enter an email address like name@example.com.", "bob <bob@example.com>"},
		{"no email", "", "user", "email", "Enter an email address.", ""},
		{"unknown role", "bob@example.com", "owner", "role", "Choose admin or user.", "bob@example.com"},
		{"already a member", "admin@example.com", "user", "email", "admin@example.com is already a member. Change their role in the table.", "admin@example.com"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newMembersFixture(t)
			before := f.e.snapshot()
			p := f.c.post("/o/acme/members", url.Values{"email": {tc.email}, "role": {tc.role}})
			assertStatus(t, p, http.StatusUnprocessableEntity)
			if got := p.text("error-" + tc.field); got != tc.wantMsg {
				t.Errorf("error next to %s: %q, want %q", tc.field, got, tc.wantMsg)
			}
			form := p.testid("invite-form")
			if got := form.Find(`input[name="email"]`).AttrOr("value", "?"); got != tc.wantEmailKept {
				t.Errorf("email input %q, want %q", got, tc.wantEmailKept)
			}
			if got := form.Find(`input[name="email"]`).AttrOr("aria-invalid", ""); (tc.field == "email") != (got == "true") {
				t.Errorf("email aria-invalid=%q", got)
			}
			f.e.assertUnchanged(before)
		})
	}
}

func TestChangeMemberRole(t *testing.T) {
	t.Parallel()

	t.Run("user to admin and back", func(t *testing.T) {
		t.Parallel()
		f := newMembersFixture(t)
		bob := f.e.user("bob@example.com")
		f.e.grant(bob, f.acme, "user")
		p := f.c.post(memberURL(bob, "role"), url.Values{"role": {"admin"}})
		assertRedirect(t, p, "/o/acme/members")
		if got := f.e.roles(bob, f.acme); !slices.Equal(got, []string{"admin"}) {
			t.Fatalf("roles %v, want [admin]", got)
		}
		p = f.c.get("/o/acme/members")
		assertContains(t, "flash", p.text("flash"), "bob@example.com is now admin")
		if got := p.testid("member-bob@example.com").Find(`option[selected]`).AttrOr("value", ""); got != "admin" {
			t.Errorf("listed role %q, want admin", got)
		}
		// With two admins, one may become a user.
		p = f.c.post(memberURL(f.admin, "role"), url.Values{"role": {"user"}})
		assertRedirect(t, p, "/o/acme/members")
		if got := f.e.roles(f.admin, f.acme); !slices.Equal(got, []string{"user"}) {
			t.Errorf("roles %v, want [user]", got)
		}
		if got := f.e.auditActions(&f.acme); !slices.Equal(got, []string{"member.role", "member.role"}) {
			t.Errorf("audit %v", got)
		}
	})

	t.Run("invalid role", func(t *testing.T) {
		t.Parallel()
		f := newMembersFixture(t)
		bob := f.e.user("bob@example.com")
		f.e.grant(bob, f.acme, "user")
		before := f.e.snapshot()
		p := f.c.post(memberURL(bob, "role"), url.Values{"role": {"platform_admin"}})
		assertRedirect(t, p, "/o/acme/members")
		f.e.assertUnchanged(before)
		assertContains(t, "flash", f.c.get("/o/acme/members").text("flash"), "Choose admin or user.")
	})

	t.Run("someone who is not a member", func(t *testing.T) {
		t.Parallel()
		f := newMembersFixture(t)
		stranger := f.e.user("stranger@example.com")
		before := f.e.snapshot()
		for _, action := range []string{"role", "remove", "activate", "disable", "enable"} {
			p := f.c.post(memberURL(stranger, action), url.Values{"role": {"admin"}})
			if p.status != http.StatusNotFound {
				t.Errorf("%s: status %d, want 404", action, p.status)
			}
		}
		if p := f.c.post("/o/acme/members/not-a-number/role", url.Values{"role": {"admin"}}); p.status != http.StatusNotFound {
			t.Errorf("non-numeric id: status %d, want 404", p.status)
		}
		f.e.assertUnchanged(before)
	})
}

func TestRoleChangesInPlace(t *testing.T) {
	t.Parallel()
	f := newMembersFixture(t)
	bob := f.e.user("bob@example.com")
	f.e.grant(bob, f.acme, "user")
	htmx := func(u models.User, role string) *page {
		form := url.Values{"role": {role}, "_csrf": {f.c.csrfToken()}}
		return f.c.do(http.MethodPost, memberURL(u, "role"), form, http.Header{"Hx-Request": {"true"}})
	}

	// The select submits itself: no Change button unless scripts are off.
	p := f.c.get("/o/acme/members")
	form := p.testid("member-bob@example.com").Find(`[data-testid="role-form"]`)
	if hx := form.AttrOr("hx-post", ""); hx != memberURL(bob, "role") || form.AttrOr("hx-trigger", "") != "change" {
		t.Errorf("role form hx-post %q hx-trigger %q", hx, form.AttrOr("hx-trigger", ""))
	}
	if form.Find("button").Length() != 0 {
		t.Error("the role form has a visible Change button")
	}
	if form.Find("noscript").Length() != 1 || form.Find(`input[name="_csrf"]`).Length() != 1 {
		t.Error("the role form has no plain-form fallback with its CSRF token")
	}

	p = htmx(bob, "admin")
	assertStatus(t, p, http.StatusOK)
	if !strings.HasPrefix(p.body, "<tr") || strings.Contains(p.body, "<html") {
		t.Fatalf("htmx answer is not the row:\n%s", p.body)
	}
	assertContains(t, "row", p.body, `data-testid="member-bob@example.com"`)
	assertContains(t, "row", p.body, `<option value="admin" selected>`)
	assertContains(t, "row message", p.body, "bob@example.com is now admin.")
	if got := f.e.roles(bob, f.acme); !slices.Equal(got, []string{"admin"}) {
		t.Fatalf("roles %v, want [admin]", got)
	}

	if got := f.e.auditActions(&f.acme); !slices.Equal(got, []string{"member.role"}) {
		t.Errorf("audit %v", got)
	}
}

func TestRoleChangeRefusedInPlace(t *testing.T) {
	t.Parallel()
	f := newMembersFixture(t)
	before := f.e.snapshot()
	form := url.Values{"role": {"user"}, "_csrf": {f.c.csrfToken()}}
	p := f.c.do(http.MethodPost, memberURL(f.admin, "role"), form, http.Header{"Hx-Request": {"true"}})
	assertStatus(t, p, http.StatusOK)
	assertContains(t, "row message", p.body, "Acme must keep at least one active admin")
	assertContains(t, "row message", p.body, `role="alert"`)
	assertContains(t, "row", p.body, `<option value="admin" selected>`)
	f.e.assertUnchanged(before)
}

func TestMembersShowHowEachSignsIn(t *testing.T) {
	t.Parallel()
	f := newMembersFixture(t)
	conn, err := f.e.store.CreateConnection(t.Context(), f.acme.ID, models.Connection{PublicID: "c_okta", Protocol: models.ProtocolOIDC,
		Preset: "okta", DisplayName: "Okta", Active: true, Version: 1, Config: "{}"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	add := func(email, source string, lastLogin *time.Time, connID *int64) {
		u := f.e.user(email)
		if err := f.e.store.AddMember(t.Context(), f.acme.ID, models.Membership{UserID: u.ID, Roles: "user", Status: models.StatusActive,
			Source: source, LastLoginAt: lastLogin, LastConnectionID: connID}); err != nil {
			t.Fatal(err)
		}
	}
	add("sso@example.com", models.SourceSSO, &now, &conn.ID)
	add("pw@example.com", models.SourceInvite, &now, nil)
	add("new@example.com", models.SourceAdmin, nil, nil)

	p := f.c.get("/o/acme/members")
	for _, tc := range []struct{ email, status, idp, source, last string }{
		{"sso@example.com", "active", "Okta", "joined through single sign-on", ""},
		{"pw@example.com", "active", "password", "joined by invite", ""},
		{"new@example.com", "never signed in", "—", "added by an operator", "never"},
	} {
		row := p.testid("member-" + tc.email)
		if got := strings.TrimSpace(row.Find(`[data-testid="member-status"]`).Text()); got != tc.status {
			t.Errorf("%s: status %q, want %q", tc.email, got, tc.status)
		}
		idp := row.Find(`[data-testid="member-idp"]`)
		assertContains(t, tc.email+" signs in with", idp.Text(), tc.idp)
		assertContains(t, tc.email+" source", idp.Find(`[data-testid="member-source"]`).Text(), tc.source)
		if tc.last != "" {
			if got := strings.TrimSpace(row.Find(`[data-testid="member-last-login"]`).Text()); got != tc.last {
				t.Errorf("%s: last sign-in %q, want %q", tc.email, got, tc.last)
			}
		} else if row.Find(`[data-testid="member-last-login"] time[datetime]`).Length() != 1 {
			t.Errorf("%s: last sign-in has no time", tc.email)
		}
	}
}

func TestLastAdminIsKept(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, action string
		form         url.Values
		wantFlash    string
	}{
		{"demote", "role", url.Values{"role": {"user"}}, "Not changed: Acme must keep at least one active admin."},
		{"remove", "remove", nil, "Not removed: Acme must keep at least one active admin."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newMembersFixture(t)
			bob := f.e.user("bob@example.com")
			f.e.grant(bob, f.acme, "user")
			before := f.e.snapshot()
			p := f.c.post(memberURL(f.admin, tc.action), tc.form)
			assertRedirect(t, p, "/o/acme/members")
			f.e.assertUnchanged(before)
			if got := f.e.roles(f.admin, f.acme); !slices.Equal(got, []string{"admin"}) {
				t.Errorf("roles %v, want [admin]", got)
			}
			p = f.c.get("/o/acme/members")
			if got := p.text("flash"); got != tc.wantFlash {
				t.Errorf("flash %q, want %q", got, tc.wantFlash)
			}
		})
	}
}

func TestRemoveMember(t *testing.T) {
	t.Parallel()
	f := newMembersFixture(t)
	bob := f.e.user("bob@example.com")
	f.e.grant(bob, f.acme, "user")
	bobClient := f.e.client()
	bobClient.loginAs(bob)
	assertStatus(t, bobClient.get("/o/acme"), http.StatusOK)

	p := f.c.post(memberURL(bob, "remove"), nil)
	assertRedirect(t, p, "/o/acme/members")
	if got := f.e.roles(bob, f.acme); len(got) != 0 {
		t.Fatalf("roles %v, want none", got)
	}
	p = f.c.get("/o/acme/members")
	if p.has("member-bob@example.com") {
		t.Error("bob is still listed")
	}
	assertContains(t, "flash", p.text("flash"), "bob@example.com removed from Acme")
	if got := f.e.auditActions(&f.acme); !slices.Equal(got, []string{"member.remove"}) {
		t.Errorf("audit %v", got)
	}
	// Bob keeps his account but no longer sees the org.
	if _, err := f.e.store.UserByID(t.Context(), bob.ID); err != nil {
		t.Errorf("the account went with the membership: %v", err)
	}
	assertStatus(t, bobClient.get("/o/acme"), http.StatusNotFound)
}

func TestMemberStatusIsPerOrg(t *testing.T) {
	t.Parallel()
	f := newMembersFixture(t)
	beta := f.e.org("beta", "Beta")
	pat := f.e.user("pat@example.com")
	f.e.grantPending(pat, f.acme, "user")
	f.e.grantPending(pat, beta, "user")

	p := f.c.get("/o/acme/members")
	row := p.testid("member-pat@example.com")
	if got := row.Find(`[data-testid="member-status"]`).Text(); got != "pending" {
		t.Errorf("listed status %q, want pending", got)
	}
	if got := strings.TrimSpace(row.Find(`[data-testid="member-last-login"]`).Text()); got != "never" {
		t.Errorf("last sign-in %q, want never", got)
	}
	if row.Find(`[data-testid="activate"]`).Length() != 1 {
		t.Error("no Activate button for a pending member")
	}
	// Pending in acme: a password login works, but acme does not open.
	pc := f.e.client()
	pc.mustLogin("pat@example.com")
	assertStatus(t, pc.get("/o/acme"), http.StatusNotFound)

	p = f.c.post(memberURL(pat, "activate"), nil)
	assertRedirect(t, p, "/o/acme/members")
	status := func(o models.Organization) models.MemberStatus {
		m, err := f.e.store.Membership(t.Context(), o.ID, pat.ID)
		if err != nil {
			t.Fatal(err)
		}
		return m.Status
	}
	if got := status(f.acme); got != models.StatusActive {
		t.Fatalf("acme status %q, want active", got)
	}
	if got := status(beta); got != models.StatusPending {
		t.Fatalf("activation in acme changed beta: %q, want pending", got)
	}
	assertContains(t, "flash", f.c.get("/o/acme/members").text("flash"), "pat@example.com can now sign in")
	assertStatus(t, pc.get("/o/acme"), http.StatusOK)
	assertStatus(t, pc.get("/o/beta"), http.StatusNotFound)

	// Disabling in acme shuts acme only, at once.
	assertRedirect(t, f.c.post(memberURL(pat, "disable"), nil), "/o/acme/members")
	if got := status(f.acme); got != models.StatusDisabled {
		t.Fatalf("acme status %q, want disabled", got)
	}
	assertStatus(t, pc.get("/o/acme"), http.StatusNotFound)
	if got := status(beta); got != models.StatusPending {
		t.Fatalf("disabling in acme changed beta: %q", got)
	}
	assertRedirect(t, f.c.post(memberURL(pat, "enable"), nil), "/o/acme/members")
	assertStatus(t, pc.get("/o/acme"), http.StatusOK)
	if got := f.e.auditActions(&f.acme); !slices.Equal(got, []string{"member.activate", "member.disable", "member.enable"}) {
		t.Errorf("audit %v", got)
	}
	if got := f.e.auditActions(&beta); len(got) != 0 {
		t.Errorf("beta's audit has %v", got)
	}

	// Activating an active member changes nothing and records nothing.
	before := f.e.snapshot()
	assertRedirect(t, f.c.post(memberURL(pat, "activate"), nil), "/o/acme/members")
	f.e.assertUnchanged(before)
}

func TestMembersPageIsPaginatedAndSearchable(t *testing.T) {
	t.Parallel()
	f := newMembersFixture(t)
	for i := range 60 {
		u := f.e.user(fmt.Sprintf("m%02d@example.com", i))
		f.e.grant(u, f.acme, "user")
	}
	p := f.c.get("/o/acme/members")
	if n := p.testid("members-table").Find("tbody tr").Length(); n != models.MembersPerPage {
		t.Errorf("first page lists %d, want %d", n, models.MembersPerPage)
	}
	assertContains(t, "pages", p.text("members-pages"), "Page 1 of 2 (61 members)")
	p = f.c.get("/o/acme/members?page=2")
	if n := p.testid("members-table").Find("tbody tr").Length(); n != 11 {
		t.Errorf("second page lists %d, want 11", n)
	}
	p = f.c.get("/o/acme/members?q=m05")
	if n := p.testid("members-table").Find("tbody tr").Length(); n != 1 || !p.has("member-m05@example.com") {
		t.Errorf("search for m05 lists %d rows", n)
	}
	// LIKE wildcards in the query are taken literally.
	if n := f.c.get("/o/acme/members?q=%25").testid("members-table").Find("tbody tr").Length(); n != 0 {
		t.Errorf("search for %% lists %d rows, want 0", n)
	}
}

func TestAuditPageShowsChanges(t *testing.T) {
	t.Parallel()
	f := newMembersFixture(t)
	bob := f.e.user("bob@example.com")
	assertStatus(t, f.c.post("/o/acme/members", url.Values{"email": {"bob@example.com"}, "role": {"user"}}), http.StatusOK)
	f.e.grant(bob, f.acme, "user")
	assertRedirect(t, f.c.post(memberURL(bob, "role"), url.Values{"role": {"admin"}}), "/o/acme/members")
	assertRedirect(t, f.c.post(memberURL(bob, "remove"), nil), "/o/acme/members")

	p := f.c.get("/o/acme/audit")
	assertStatus(t, p, http.StatusOK)
	var got []string
	rows := p.testid("audit-table").Find("tbody tr")
	for i := range rows.Length() {
		tds := rows.Eq(i).Find("td")
		got = append(got, tds.Eq(1).Text()+" "+tds.Eq(2).Text()+" "+tds.Eq(3).Text())
	}
	want := []string{
		"admin@example.com member.remove bob@example.com",
		"admin@example.com member.role bob@example.com",
		"admin@example.com invite.create bob@example.com",
	}
	if !slices.Equal(got, want) {
		t.Errorf("audit rows (newest first):\n%q\nwant\n%q", got, want)
	}
}
