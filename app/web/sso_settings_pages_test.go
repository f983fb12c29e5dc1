package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/orgsso/orgsso/models"
)

// manyConns gives the fixture's org n active, untested OIDC connections
// "Conn 001" … (so their names sort as their numbers), straight into the
// store: the form would take a request each.
func (f *ssoFixture) manyConns(t *testing.T, n int) []models.Connection {
	t.Helper()
	out := make([]models.Connection, n)
	for i := range out {
		c, err := f.e.store.CreateConnection(context.Background(), f.org.ID, models.Connection{Protocol: models.ProtocolOIDC,
			Preset: "okta", DisplayName: fmt.Sprintf("Conn %03d", i+1), Active: true, Config: "{}", Provisioning: "{}",
			ConfigHash: fmt.Sprintf("hash-%d", i)})
		if err != nil {
			t.Fatal(err)
		}
		out[i] = c
	}
	return out
}

// rowNames are the names in the page's connections table, in order.
func rowNames(p *page) []string {
	var out []string
	p.testid("connection-row").Each(func(_ int, s *goquery.Selection) {
		out = append(out, strings.TrimSpace(s.Find(`[data-testid="connection-name"]`).Text()))
	})
	return out
}

func TestSSOSettingsPagesConnections(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	f.manyConns(t, 120)
	base := f.base()

	tests := []struct {
		name        string
		path        string
		first, last string
		rows        int
		showing     string
		prev, next  string // "" when there is no such link
		searchValue string
	}{
		{"first page", base, "Conn 001", "Conn 050", 50, "Showing 1–50 of 120 connections", "", base + "?page=2", ""},
		{"second page", base + "?page=2", "Conn 051", "Conn 100", 50, "Showing 51–100 of 120 connections", base, base + "?page=3", ""},
		{"last page", base + "?page=3", "Conn 101", "Conn 120", 20, "Showing 101–120 of 120 connections", base + "?page=2", "", ""},
		{"past the last page shows the last", base + "?page=40", "Conn 101", "Conn 120", 20, "Showing 101–120 of 120 connections", base + "?page=2", "", ""},
		{"a page that is not a number is the first", base + "?page=x", "Conn 001", "Conn 050", 50, "Showing 1–50 of 120 connections", "", base + "?page=2", ""},
		{"search on one page", base + "?q=11", "Conn 011", "Conn 119", 11, "", "", "", "11"},
		{"search in any case", base + "?q=CONN+12", "Conn 120", "Conn 120", 1, "", "", "", "CONN 12"},
		{"search's first page", base + "?q=conn+0", "Conn 001", "Conn 050", 50, "Showing 1–50 of 99 matching connections", "", base + "?page=2&q=conn+0", "conn 0"},
		{"search's second page", base + "?q=conn+0&page=2", "Conn 051", "Conn 099", 49, "Showing 51–99 of 99 matching connections", base + "?q=conn+0", "", "conn 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := f.c.get(tc.path)
			assertStatus(t, p, http.StatusOK)
			got := rowNames(p)
			if len(got) != tc.rows || got[0] != tc.first || got[len(got)-1] != tc.last {
				t.Fatalf("%d rows %v … %v, want %d rows %s … %s", len(got), got[0], got[len(got)-1], tc.rows, tc.first, tc.last)
			}
			if got := p.text("connections-showing"); got != tc.showing {
				t.Errorf("showing %q, want %q", got, tc.showing)
			}
			if got := p.testid("connections-prev").AttrOr("href", ""); got != tc.prev {
				t.Errorf("previous links to %q, want %q", got, tc.prev)
			}
			if got := p.testid("connections-next").AttrOr("href", ""); got != tc.next {
				t.Errorf("next links to %q, want %q", got, tc.next)
			}
			if got := p.doc.Find(`[data-testid="connections-search"] input[name="q"]`).AttrOr("value", "<none>"); got != tc.searchValue {
				t.Errorf("search box holds %q, want %q", got, tc.searchValue)
			}
			// The rows' forms carry the position, so that their answers
			// come back to it.
			form := p.testid("toggle-form").First()
			q, page := form.Find(`input[name="q"]`).AttrOr("value", ""), form.Find(`input[name="page"]`).AttrOr("value", "")
			u, _ := url.Parse(tc.path)
			wantPage := u.Query().Get("page")
			if wantPage == "40" {
				wantPage = "3"
			}
			if wantPage == "x" || wantPage == "1" {
				wantPage = ""
			}
			if q != u.Query().Get("q") || page != wantPage {
				t.Errorf("toggle form carries q=%q page=%q, want q=%q page=%q", q, page, u.Query().Get("q"), wantPage)
			}
		})
	}

	t.Run("a search without a match says so", func(t *testing.T) {
		p := f.c.get(base + "?q=okta")
		assertStatus(t, p, http.StatusOK)
		assertContains(t, "no match", p.text("connections-none"), "No connection's name contains “okta”.")
		if p.has("connections-empty") || p.has("connection-row") || p.has("connections-pages") {
			t.Error("a search without a match shows the empty state, rows or page links")
		}
		if !p.has("connections-search-clear") {
			t.Error("no way back to all connections")
		}
	})
	t.Run("few connections have neither search nor page links", func(t *testing.T) {
		g := newSSOFixture(t)
		g.manyConns(t, 3)
		p := g.c.get(g.base())
		if n := len(rowNames(p)); n != 3 {
			t.Errorf("%d rows, want 3", n)
		}
		if p.has("connections-search") || p.has("connections-pages") {
			t.Error("three connections get a search box or page links")
		}
	})
}

// The SSO box reads its own queries, not the table's page: a connection
// that unlocks SSO on page 2 unlocks it from page 1, and the box names a
// few connections and counts the rest.
func TestSSOGateWithManyConnections(t *testing.T) {
	t.Parallel()

	t.Run("nothing usable names five and counts the rest", func(t *testing.T) {
		t.Parallel()
		f := newSSOFixture(t)
		f.manyConns(t, 120)
		p := f.c.get(f.base())
		if _, disabled := p.testid("enable-sso").Attr("disabled"); !disabled {
			t.Error("Enable SSO is enabled without a usable connection")
		}
		if n := p.testid("gate-hint").Length(); n != 5 {
			t.Errorf("%d gate hints, want 5", n)
		}
		assertContains(t, "hints", p.text("gate-hint"), "Conn 001 has not been tested yet")
		assertContains(t, "more", p.text("gate-hints-more"), "And 115 more connections that members cannot use yet")
		assertStatus(t, f.c.post(f.base()+"/enable", nil), http.StatusUnprocessableEntity)
	})

	t.Run("the only usable connection is on page 2", func(t *testing.T) {
		t.Parallel()
		f := newSSOFixture(t)
		conns := f.manyConns(t, 120)
		only := conns[76] // "Conn 077"
		f.recordTest(t, only, models.TestPassed)
		f.recordTest(t, conns[3], models.TestFailed)
		// Passed, but since changed; passed, but off: neither is usable.
		f.recordTest(t, conns[4], models.TestPassed)
		if _, err := f.e.store.UpdateConnection(context.Background(), f.org.ID, func() models.Connection {
			c := conns[4]
			c.ConfigHash = "changed"
			return c
		}()); err != nil {
			t.Fatal(err)
		}
		f.recordTest(t, conns[5], models.TestPassed)
		if err := f.e.store.SetConnectionActive(context.Background(), f.org.ID, conns[5].ID, false, "test"); err != nil {
			t.Fatal(err)
		}

		p := f.c.get(f.base())
		if got := rowNames(p); got[len(got)-1] != "Conn 050" {
			t.Fatalf("page 1 ends with %s", got[len(got)-1])
		}
		if _, disabled := p.testid("enable-sso").Attr("disabled"); disabled {
			t.Error("Enable SSO is disabled although Conn 077 is usable")
		}
		if got := p.text("ready-connections"); !strings.Contains(got, "Conn 077") || strings.Contains(got, "Conn 005") || strings.Contains(got, "Conn 006") || p.has("ready-more") {
			t.Errorf("ready list %q, want Conn 077 alone", got)
		}
		if p.has("gate-hint") {
			t.Error("the box lists what connections need although one is usable")
		}
		e := f.c.post(f.base()+"/enable", nil)
		assertRedirect(t, e, f.base())
		if !f.reloadOrg(t).SSOEnabled {
			t.Fatal("SSO was not enabled")
		}
		assertContains(t, "flash", f.c.get(f.base()).text("flash"), "Members can log in through Conn 077.")

		// SSO on: Conn 077 is the last usable connection, on page 2.
		p = f.c.get(f.base() + "?page=2")
		row := p.doc.Find(`[data-connection-id="` + only.PublicID + `"]`)
		if row.Find(`[data-testid="toggle-form"] input[name="disable_sso"]`).Length() != 1 {
			t.Error("Conn 077's toggle does not ask to turn SSO off with it")
		}
		if row.Find(`[data-testid="delete-form"] input[name="confirm"]`).Length() != 1 {
			t.Error("Conn 077's delete does not want its name typed")
		}
		other := p.doc.Find(`[data-connection-id="` + conns[77].PublicID + `"]`)
		if other.Find(`[data-testid="toggle-form"] input[name="disable_sso"]`).Length() != 0 {
			t.Error("Conn 078 is treated as the last usable connection")
		}

		// Refused without confirmation: the page that lists it says why.
		r := f.c.post(f.connURL(only, "/toggle"), url.Values{"active": {"false"}})
		assertStatus(t, r, http.StatusUnprocessableEntity)
		assertContains(t, "row message", r.doc.Find(`[data-connection-id="`+only.PublicID+`"] [data-testid="row-message"]`).Text(),
			"only tested, active connection")
		assertContains(t, "showing", r.text("connections-showing"), "Showing 51–100")
		r = f.c.post(f.connURL(only, "/delete"), nil)
		assertStatus(t, r, http.StatusUnprocessableEntity)
		assertContains(t, "row message", r.doc.Find(`[data-connection-id="`+only.PublicID+`"] [data-testid="row-message"]`).Text(),
			"type its name")
		if !f.reload(t, only).Active || !f.reloadOrg(t).SSOEnabled {
			t.Fatal("a refused change changed something")
		}

		// In place: the row comes back with the position it was sent from.
		h := f.c.do(http.MethodPost, f.connURL(conns[77], "/toggle"), url.Values{"_csrf": {f.c.csrfToken()}, "active": {"false"},
			"q": {"conn"}, "page": {"2"}}, http.Header{"Hx-Request": {"true"}})
		assertStatus(t, h, http.StatusOK)
		if got := h.doc.Find(`[data-testid="toggle-form"] input[name="page"]`).AttrOr("value", ""); got != "2" {
			t.Errorf("the swapped row's form carries page %q, want 2", got)
		}
		if got := h.doc.Find(`[data-testid="toggle-form"] input[name="q"]`).AttrOr("value", ""); got != "conn" {
			t.Errorf("the swapped row's form carries q %q, want conn", got)
		}
		assertContains(t, "gate", h.text("ready-connections"), "Conn 077")

		// A plain toggle returns to the page it came from.
		pl := f.c.post(f.connURL(conns[77], "/toggle"), url.Values{"active": {"true"}, "q": {"conn 0"}, "page": {"2"}})
		assertRedirect(t, pl, f.base()+"?page=2&q=conn+0")

		// With confirmation it goes, and SSO with it.
		d := f.c.post(f.connURL(only, "/delete"), url.Values{"confirm": {"Conn 077"}, "page": {"2"}})
		assertRedirect(t, d, f.base()+"?page=2")
		if f.reloadOrg(t).SSOEnabled {
			t.Error("SSO is still on")
		}
	})

	t.Run("many usable: five named and the rest counted", func(t *testing.T) {
		t.Parallel()
		f := newSSOFixture(t)
		conns := f.manyConns(t, 60)
		for _, c := range conns[:7] {
			f.recordTest(t, c, models.TestPassed)
		}
		p := f.c.get(f.base())
		if n := p.testid("ready-connections").Find("li").Length(); n != 6 {
			t.Errorf("%d items in the ready list, want 5 and the count", n)
		}
		assertContains(t, "ready more", p.text("ready-more"), "and 2 more connections")
		assertRedirect(t, f.c.post(f.base()+"/enable", nil), f.base())
		assertContains(t, "flash", f.c.get(f.base()).text("flash"), "Conn 001, Conn 002, Conn 003, Conn 004, Conn 005 and 2 more.")
		// Seven usable: none is the last.
		if f.c.get(f.base()).doc.Find(`input[name="disable_sso"]`).Length() != 0 {
			t.Error("a connection is treated as the last usable one among seven")
		}
	})
}

// The values section lists the initiate login URIs of a few connections of
// the page, and says where the others are.
func TestSSOSettingsPagesInitiateURIsCapped(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	conns := f.manyConns(t, 60)
	p := f.c.get(f.base() + "?page=2")
	uris := p.testid("initiate-login-uri")
	if uris.Length() != 5 {
		t.Fatalf("%d initiate login URIs, want 5", uris.Length())
	}
	if got := uris.First().AttrOr("data-connection-id", ""); got != conns[50].PublicID {
		t.Errorf("the first initiate login URI is of %q, want Conn 051's", got)
	}
	if !p.has("initiate-login-more") {
		t.Error("no word on where the other initiate login URIs are")
	}
}
