package web_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"

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

func memberURL(u models.User, action string) string {
	return "/o/acme/members/" + strconv.FormatInt(u.ID, 10) + "/" + action
}

func TestAddMember(t *testing.T) {
	t.Parallel()

	t.Run("an existing user is listed with the role", func(t *testing.T) {
		t.Parallel()
		f := newMembersFixture(t)
		bob := f.e.user("bob@example.com")
		p := f.c.post("/o/acme/members", url.Values{"email": {"Bob@Example.com"}, "role": {"user"}})
		assertRedirect(t, p, "/o/acme/members")
		if got := f.e.roles(bob, f.acme); !slices.Equal(got, []string{"user"}) {
			t.Errorf("roles %v, want [user]", got)
		}
		p = f.c.get("/o/acme/members")
		assertStatus(t, p, http.StatusOK)
		assertContains(t, "flash", p.text("flash"), "bob@example.com added as user")
		row := p.testid("member-bob@example.com")
		if row.Length() != 1 {
			t.Fatalf("bob is not listed")
		}
		if got := row.Find(`[data-testid="role-select"] option[selected]`).AttrOr("value", ""); got != "user" {
			t.Errorf("listed role %q, want user", got)
		}
		if p.has("one-time-password") {
			t.Error("an existing account was shown a one-time password")
		}
		if got := f.e.auditActions(&f.acme); !slices.Equal(got, []string{"member.add"}) {
			t.Errorf("audit %v, want [member.add]", got)
		}
	})

	t.Run("an unknown email gets an account and a one-time password", func(t *testing.T) {
		t.Parallel()
		f := newMembersFixture(t)
		p := f.c.post("/o/acme/members", url.Values{"email": {"new@example.com"}, "role": {"admin"}})
		assertStatus(t, p, http.StatusOK)
		if !p.has("one-time-password") {
			t.Fatalf("no one-time password shown:\n%s", p.body)
		}
		otp := p.text("otp")
		if len(otp) < 10 {
			t.Fatalf("one-time password %q is too short", otp)
		}
		if !p.has("member-new@example.com") {
			t.Error("the new member is not listed")
		}
		u, err := f.e.store.UserByEmail(t.Context(), "new@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if !u.MustChangePassword {
			t.Error("the account does not have to change its password")
		}
		if got := f.e.roles(u, f.acme); !slices.Equal(got, []string{"admin"}) {
			t.Errorf("roles %v, want [admin]", got)
		}
		if got := f.e.auditActions(&f.acme); !slices.Equal(got, []string{"user.create", "member.add"}) {
			t.Errorf("audit %v", got)
		}

		// Shown once: the members page does not show it again.
		if p := f.c.get("/o/acme/members"); p.has("one-time-password") || p.text("otp") == otp {
			t.Error("the one-time password is shown again")
		}

		// It logs in, and nothing but the password page opens until it is changed.
		nc := f.e.client()
		p = nc.login("new@example.com", otp)
		assertRedirect(t, p, "/account/password")
		for _, path := range []string{"/", "/o/acme", "/o/acme/members"} {
			if p := nc.get(path); p.status != http.StatusSeeOther || p.location() != "/account/password" {
				t.Errorf("GET %s = %d to %q, want 303 to /account/password", path, p.status, p.location())
			}
		}
		if p := nc.post("/o/acme/members", url.Values{"email": {"x@example.com"}, "role": {"user"}}); p.location() != "/account/password" {
			t.Errorf("POST before changing the password = %d to %q", p.status, p.location())
		}
		p = nc.get("/account/password")
		assertStatus(t, p, http.StatusOK)
		if !p.has("password-forced") {
			t.Error("the password page does not say why")
		}
		p = nc.post("/account/password", url.Values{"current": {otp}, "password": {"my own password"}, "confirm": {"my own password"}})
		assertRedirect(t, p, "/")
		assertStatus(t, nc.get("/o/acme/members"), http.StatusOK)
		// The one-time password is spent.
		if p := f.e.client().login("new@example.com", otp); p.status != http.StatusUnauthorized {
			t.Errorf("the one-time password still logs in: %d", p.status)
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
		{"already a member", "admin@example.com", "user", "email", "admin@example.com is already a member (admin). Change their role in the table.", "admin@example.com"},
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
			form := p.testid("add-member-form")
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
		for _, action := range []string{"role", "remove", "activate"} {
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

func TestLastAdminIsKept(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, action string
		form         url.Values
		wantFlash    string
	}{
		{"demote", "role", url.Values{"role": {"user"}}, "Not changed: Acme must keep at least one admin."},
		{"remove", "remove", nil, "Not removed: Acme must keep at least one admin."},
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

func TestActivateMember(t *testing.T) {
	t.Parallel()
	f := newMembersFixture(t)
	pat := f.e.user("pat@example.com", pending)
	f.e.grant(pat, f.acme, "user")

	p := f.c.get("/o/acme/members")
	row := p.testid("member-pat@example.com")
	if got := row.Find(`[data-testid="member-status"]`).Text(); got != "pending" {
		t.Errorf("listed status %q, want pending", got)
	}
	if row.Find(`[data-testid="activate"]`).Length() != 1 {
		t.Error("no Activate button for a pending member")
	}
	pc := f.e.client()
	if p := pc.login("pat@example.com", testPassword); p.status != http.StatusForbidden || p.text("form-error") != msgPending {
		t.Fatalf("pending login: %d %q", p.status, p.text("form-error"))
	}

	p = f.c.post(memberURL(pat, "activate"), nil)
	assertRedirect(t, p, "/o/acme/members")
	if got := f.e.reloadUser(pat).Status; got != models.StatusActive {
		t.Fatalf("status %q, want active", got)
	}
	p = f.c.get("/o/acme/members")
	assertContains(t, "flash", p.text("flash"), "pat@example.com can now log in")
	if p.testid("member-pat@example.com").Find(`[data-testid="activate"]`).Length() != 0 {
		t.Error("an active member still has an Activate button")
	}
	if got := f.e.auditActions(&f.acme); !slices.Equal(got, []string{"member.activate"}) {
		t.Errorf("audit %v", got)
	}
	pc.mustLogin("pat@example.com")

	// Activating an active member changes nothing and records nothing.
	before := f.e.snapshot()
	assertRedirect(t, f.c.post(memberURL(pat, "activate"), nil), "/o/acme/members")
	f.e.assertUnchanged(before)
}

func TestAuditPageShowsChanges(t *testing.T) {
	t.Parallel()
	f := newMembersFixture(t)
	bob := f.e.user("bob@example.com")
	assertRedirect(t, f.c.post("/o/acme/members", url.Values{"email": {"bob@example.com"}, "role": {"user"}}), "/o/acme/members")
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
		"admin@example.com member.add bob@example.com",
	}
	if !slices.Equal(got, want) {
		t.Errorf("audit rows (newest first):\n%q\nwant\n%q", got, want)
	}
}
