package web_test

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/orgsso/orgsso/models"
)

// adminFixture is a platform admin, logged in.
type adminFixture struct {
	e    *env
	root models.User
	c    *client
}

func newAdminFixture(t *testing.T) *adminFixture {
	e := newEnv(t)
	f := &adminFixture{e: e, root: e.user("root@example.com")}
	e.platformAdmin(f.root)
	f.c = e.client()
	f.c.loginAs(f.root)
	return f
}

func TestCreateOrg(t *testing.T) {
	t.Parallel()

	t.Run("created and listed", func(t *testing.T) {
		t.Parallel()
		f := newAdminFixture(t)
		p := f.c.post("/admin/orgs", url.Values{"name": {" Acme Corp "}, "slug": {"Acme-Corp"}})
		assertRedirect(t, p, "/o/acme-corp/members")
		o, err := f.e.store.OrganizationBySlug(t.Context(), "acme-corp")
		if err != nil {
			t.Fatal(err)
		}
		if o.Name != "Acme Corp" {
			t.Errorf("name %q", o.Name)
		}
		p = f.c.get("/o/acme-corp/members")
		assertStatus(t, p, http.StatusOK)
		assertContains(t, "flash", p.text("flash"), "Organization Acme Corp created")
		if got := f.e.auditActions(&o); !slices.Equal(got, []string{"org.create"}) {
			t.Errorf("audit %v", got)
		}
		p = f.c.get("/admin/orgs")
		if !p.has("org-row-acme-corp") {
			t.Error("not listed on /admin/orgs")
		}
	})

	tests := []struct {
		name, orgName, slug string
		field, wantMsg      string
	}{
		{"slug with a space", "Acme", "acme corp", "slug", "Use 2 to 40 lower-case letters, digits and single dashes, starting and ending with a letter or digit."},
		{"slug of one letter", "Acme", "a", "slug", "Use 2 to 40 lower-case letters, digits and single dashes, starting and ending with a letter or digit."},
		{"slug starting with a dash", "Acme", "-acme", "slug", "Use 2 to 40 lower-case letters, digits and single dashes, starting and ending with a letter or digit."},
		{"slug with a double dash", "Acme", "ac--me", "slug", "Use 2 to 40 lower-case letters, digits and single dashes, starting and ending with a letter or digit."},
		{"slug with a slash", "Acme", "ac/me", "slug", "Use 2 to 40 lower-case letters, digits and single dashes, starting and ending with a letter or digit."},
		{"slug too long", "Acme", "a123456789012345678901234567890123456789z", "slug", "Use 2 to 40 lower-case letters, digits and single dashes, starting and ending with a letter or digit."},
		{"reserved slug", "Admin", "admin", "slug", "This slug is reserved; choose another."},
		{"duplicate slug", "Taken again", "taken", "slug", "An organization with this slug exists."},
		{"no name", "", "fresh", "name", "Enter a name."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newAdminFixture(t)
			f.e.org("taken", "Taken")
			before := f.e.snapshot()
			p := f.c.post("/admin/orgs", url.Values{"name": {tc.orgName}, "slug": {tc.slug}})
			assertStatus(t, p, http.StatusUnprocessableEntity)
			if got := p.text("error-" + tc.field); got != tc.wantMsg {
				t.Errorf("error next to %s: %q, want %q", tc.field, got, tc.wantMsg)
			}
			form := p.testid("create-org-form")
			if got := form.Find(`input[name="slug"]`).AttrOr("value", "?"); got != tc.slug {
				t.Errorf("slug input %q, want %q kept", got, tc.slug)
			}
			if got := form.Find(`input[name="name"]`).AttrOr("value", "?"); got != tc.orgName {
				t.Errorf("name input %q, want %q kept", got, tc.orgName)
			}
			f.e.assertUnchanged(before)
		})
	}
}

func TestRenameOrg(t *testing.T) {
	t.Parallel()
	f := newAdminFixture(t)
	acme := f.e.org("acme", "Acme")

	p := f.c.post("/admin/orgs/acme/rename", url.Values{"name": {"Acme Industries"}})
	assertRedirect(t, p, "/admin/orgs")
	o, err := f.e.store.OrganizationBySlug(t.Context(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	if o.Name != "Acme Industries" {
		t.Errorf("name %q, want Acme Industries", o.Name)
	}
	if o.Version != acme.Version+1 {
		t.Errorf("version %d, want %d", o.Version, acme.Version+1)
	}
	assertContains(t, "flash", f.c.get("/admin/orgs").text("flash"), "Renamed to Acme Industries")
	if got := f.e.auditActions(&acme); !slices.Equal(got, []string{"org.rename"}) {
		t.Errorf("audit %v", got)
	}

	t.Run("empty name", func(t *testing.T) {
		e := f.e.in(t)
		f.c.t = t
		defer func() { f.c.t = f.e.t }()
		before := e.snapshot()
		assertRedirect(t, f.c.post("/admin/orgs/acme/rename", url.Values{"name": {"  "}}), "/admin/orgs")
		e.assertUnchanged(before)
		assertContains(t, "flash", f.c.get("/admin/orgs").text("flash"), "Not renamed: Enter a name.")
	})

	t.Run("unknown org", func(t *testing.T) {
		f.c.t = t
		defer func() { f.c.t = f.e.t }()
		assertStatus(t, f.c.post("/admin/orgs/nope/rename", url.Values{"name": {"X"}}), http.StatusNotFound)
	})
}

func TestDeleteOrg(t *testing.T) {
	t.Parallel()
	f := newAdminFixture(t)
	acme := f.e.org("acme", "Acme")
	other := f.e.org("other", "Other")
	ann := f.e.user("ann@example.com")
	f.e.grant(ann, acme, "admin")
	f.e.grant(ann, other, "user")

	for _, confirm := range []string{"", "Acme", "acm", "other"} {
		before := f.e.snapshot()
		p := f.c.post("/admin/orgs/acme/delete", url.Values{"confirm": {confirm}})
		assertRedirect(t, p, "/admin/orgs")
		f.e.assertUnchanged(before)
		if got := f.c.get("/admin/orgs").text("flash"); got != "Not deleted: type the slug acme to confirm." {
			t.Errorf("confirm %q: flash %q", confirm, got)
		}
	}

	p := f.c.post("/admin/orgs/acme/delete", url.Values{"confirm": {"acme"}})
	assertRedirect(t, p, "/admin/orgs")
	if _, err := f.e.store.OrganizationBySlug(t.Context(), "acme"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("org still there: %v", err)
	}
	if got := f.e.roles(ann, acme); len(got) != 0 {
		t.Errorf("roles in the deleted org survive: %v", got)
	}
	if got := f.e.roles(ann, other); !slices.Equal(got, []string{"user"}) {
		t.Errorf("roles in another org: %v, want [user]", got)
	}
	if got := f.e.auditActions(nil); !slices.Contains(got, "org.delete") {
		t.Errorf("platform audit %v has no org.delete", got)
	}
	p = f.c.get("/admin/orgs")
	if p.has("org-row-acme") || !p.has("org-row-other") {
		t.Error("the list does not show the deletion")
	}
	assertStatus(t, f.c.get("/o/acme"), http.StatusNotFound)
}

func TestPlatformSettingsSignup(t *testing.T) {
	t.Parallel()
	f := newAdminFixture(t)
	visitor := f.e.client()

	assertSignup := func(t *testing.T, on bool) {
		t.Helper()
		visitor.t = t
		p := visitor.get("/login")
		if p.has("register-link") != on {
			t.Errorf("login page register link: %v, want %v", p.has("register-link"), on)
		}
		want := http.StatusNotFound
		if on {
			want = http.StatusOK
		}
		assertStatus(t, visitor.get("/register"), want)
		p = f.c.get("/admin/settings")
		if got := p.doc.Find(`input[name="allow_signup"]`).Is("[checked]"); got != on {
			t.Errorf("settings checkbox checked=%v, want %v", got, on)
		}
	}

	assertSignup(t, false) // the default
	assertRedirect(t, f.c.post("/admin/settings", url.Values{"allow_signup": {"true"}}), "/admin/settings")
	assertSignup(t, true)
	assertRedirect(t, f.c.post("/admin/settings", url.Values{}), "/admin/settings")
	assertSignup(t, false)
	if got := f.e.auditActions(nil); !slices.Equal(got, []string{"settings.update", "settings.update"}) {
		t.Errorf("audit %v", got)
	}
}
