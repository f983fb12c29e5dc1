package web_test

// Look-alike and racing connection names (issue 14, defect 5): names are
// normalised and compared by their key (NFKC, spaces collapsed, case
// folded), the database's unique index is on that key, and invisible
// characters and mixed-script names are refused.

import (
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"github.com/orgsso/orgsso/models/names"
)

// Four admins create "the same" connection at once: the database keeps one,
// and each of the others is told next to the name field, with the input kept.
func TestConnectionNameRaceSavesOne(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	token := f.c.csrfToken()
	for round := range 6 {
		variants := []string{"Case Race", "case race", "CASE RACE", "Case race"}
		for i := range variants {
			variants[i] += fmt.Sprintf(" %d", round)
		}
		pages := make([]*page, len(variants))
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, name := range variants {
			wg.Go(func() {
				<-start
				pages[i] = f.c.do(http.MethodPost, f.base()+"/connections", formWith(manualForm(name), "_csrf", token), nil)
			})
		}
		close(start)
		wg.Wait()
		saved := 0
		for i, p := range pages {
			switch p.status {
			case http.StatusSeeOther:
				saved++
			case http.StatusUnprocessableEntity:
				assertContains(t, "name error", p.text("error-displayName"), "A connection named")
				assertContains(t, "name error", p.text("error-displayName"), "already exists")
				if got := p.inputValue("displayName"); got != variants[i] {
					t.Errorf("name input = %q, want %q kept", got, variants[i])
				}
			default:
				t.Errorf("%q: status %d\n%s", variants[i], p.status, p.body)
			}
		}
		key := names.Key(variants[0])
		if n := f.e.count("connections", "org_id = ? AND name_key = ?", f.org.ID, key); saved != 1 || n != 1 {
			t.Errorf("round %d: %d creates answered saved, %d rows with the name; want exactly 1", round, saved, n)
		}
	}
}

func TestConnectionNameLookAlikes(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	f.createConn(t, manualForm("Case Race"))
	f.createConn(t, manualForm("Caf\u00e9"))

	tests := []struct {
		name, displayName, want string
	}{
		{"non-breaking space", "Case\u00a0Race", "already exists"},
		{"ideographic space and case", "case\u3000race", "already exists"},
		{"spaces around and between", "  Case   Race ", "already exists"},
		{"full-width letters", "\uff23ase Race", "already exists"},
		{"combining accent", "Cafe\u0301", "already exists"},
		{"zero-width space", "Case\u200bRace", "invisible character (U+200B)"},
		{"zero-width joiner", "Case Race\u200d", "invisible character (U+200D)"},
		{"right-to-left override", "\u202eCase Race", "invisible character (U+202E)"},
		{"Cyrillic е", "Case Rac\u0435", "mixes Latin and Cyrillic letters"},
		{"Greek ο", "Case R\u03bfce", "mixes Latin and Greek letters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := f.c.post(f.base()+"/connections", manualForm(tc.displayName))
			assertStatus(t, p, http.StatusUnprocessableEntity)
			assertContains(t, "error next to the name", p.text("error-displayName"), tc.want)
			if got := p.inputValue("displayName"); got != tc.displayName && got != mustClean(t, tc.displayName) {
				t.Errorf("name input = %q, want the input %q kept", got, tc.displayName)
			}
			if n := f.e.count("connections", ""); n != 2 {
				t.Errorf("%d connections, want the 2 first", n)
			}
		})
	}

	t.Run("a name is stored normalised", func(t *testing.T) {
		p := f.c.post(f.base()+"/connections", manualForm(" Entra\u00a0 ID\t"))
		assertStatus(t, p, http.StatusSeeOther)
		if conn := f.connByName(t, "Entra ID"); conn.NameKey != "entra id" {
			t.Errorf("key %q, want entra id", conn.NameKey)
		}
	})
}

func mustClean(t *testing.T, s string) string {
	t.Helper()
	c, err := names.Clean(s)
	if err != nil {
		return s
	}
	return c
}

// An edit is held to the same rules: renaming onto a look-alike of another
// connection is refused, and keeping one's own name in another case is not.
func TestConnectionRenameLookAlike(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	okta := f.createConn(t, manualForm("Okta"))
	f.createConn(t, manualForm("Entra ID"))

	p := f.c.post(f.connURL(okta, ""), formWith(manualForm("ENTRA\u00a0id"), "version", "1"))
	assertStatus(t, p, http.StatusUnprocessableEntity)
	assertContains(t, "name error", p.text("error-displayName"), "already exists")

	p = f.c.post(f.connURL(okta, ""), formWith(manualForm("OKTA"), "version", "1"))
	assertStatus(t, p, http.StatusSeeOther)
	if got := f.reload(t, okta); got.DisplayName != "OKTA" || got.NameKey != names.Key("okta") {
		t.Errorf("stored %q key %q", got.DisplayName, got.NameKey)
	}
}

// Org names need not be unique, but are stored normalised, and invisible or
// mixed-script names are refused on create and rename.
func TestOrgNamesNormalised(t *testing.T) {
	t.Parallel()
	f := newAdminFixture(t)
	p := f.c.post("/admin/orgs", url.Values{"name": {" Acme\u00a0\u00a0Corp "}, "slug": {"acme"}})
	assertRedirect(t, p, "/o/acme/members")
	o, err := f.e.store.OrganizationBySlug(t.Context(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	if o.Name != "Acme Corp" {
		t.Errorf("name %q, want Acme Corp", o.Name)
	}

	for _, bad := range []struct{ name, want string }{
		{"Acme\u200bCorp", "invisible character (U+200B)"},
		{"Acme Corp\u202e", "invisible character (U+202E)"},
		{"\u0410cme Corp", "mixes Cyrillic and Latin letters"},
	} {
		before := f.e.snapshot()
		p := f.c.post("/admin/orgs", url.Values{"name": {bad.name}, "slug": {"other"}})
		assertStatus(t, p, http.StatusUnprocessableEntity)
		assertContains(t, "error next to the name", p.text("error-name"), bad.want)
		if got := p.testid("create-org-form").Find(`input[name="name"]`).AttrOr("value", "?"); got != bad.name {
			t.Errorf("name input %q, want %q kept", got, bad.name)
		}
		f.e.assertUnchanged(before)

		assertRedirect(t, f.c.post("/admin/orgs/acme/rename", url.Values{"name": {bad.name}}), "/admin/orgs")
		assertContains(t, "flash", f.c.get("/admin/orgs").text("flash"), "Not renamed: ")
		f.e.assertUnchanged(before)
	}

	assertRedirect(t, f.c.post("/admin/orgs/acme/rename", url.Values{"name": {"Acme\tIndustries\u3000"}}), "/admin/orgs")
	if o, _ := f.e.store.OrganizationBySlug(t.Context(), "acme"); o.Name != "Acme Industries" {
		t.Errorf("renamed to %q, want Acme Industries", o.Name)
	}
}
