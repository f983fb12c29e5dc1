package models_test

// The connections table's queries: a page by name, a search by name, the
// page of one connection, and the counts of usable and unusable
// connections that the SSO box reads instead of every row. SQLite always;
// PostgreSQL when ORGSSO_TEST_DB=postgres.

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/models/testdb"
)

func TestListConnectionsPages(t *testing.T) {
	ctx := context.Background()
	db, err := models.Open(testdb.New(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	s := models.NewStore(db)
	acme, err := s.CreateOrganization(ctx, "acme", "Acme")
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.CreateOrganization(ctx, "other", "Other")
	if err != nil {
		t.Fatal(err)
	}
	const n = 120
	conns := make([]models.Connection, n) // conns[i] is "Conn i+1", so they are in name order
	for i := range conns {
		c := models.Connection{Protocol: models.ProtocolOIDC, Preset: "custom", DisplayName: fmt.Sprintf("Conn %03d", i+1),
			Active: true, ConfigHash: fmt.Sprintf("h%d", i)}
		if conns[i], err = s.CreateConnection(ctx, acme.ID, c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.CreateConnection(ctx, other.ID, models.Connection{Protocol: models.ProtocolOIDC, DisplayName: "Conn 011"}); err != nil {
		t.Fatal(err)
	}
	names := func(rows []models.ConnectionListed) []string {
		out := make([]string, len(rows))
		for i, r := range rows {
			out[i] = r.Connection.DisplayName
		}
		return out
	}

	tests := []struct {
		name        string
		query       string
		page        int
		wantPage    int
		total       int64
		first, last string
		rows        int
	}{
		{"first page", "", 1, 1, n, "Conn 001", "Conn 050", 50},
		{"page 0 is the first", "", 0, 1, n, "Conn 001", "Conn 050", 50},
		{"second page", "", 2, 2, n, "Conn 051", "Conn 100", 50},
		{"last page", "", 3, 3, n, "Conn 101", "Conn 120", 20},
		{"past the last is the last", "", 9, 3, n, "Conn 101", "Conn 120", 20},
		{"search", "11", 1, 1, 11, "Conn 011", "Conn 119", 11},
		{"search ignores case and spaces", "  CONN  12 ", 1, 1, 1, "Conn 120", "Conn 120", 1},
		{"search second page", "Conn 0", 2, 2, 99, "Conn 051", "Conn 099", 49},
		{"search without a match", "nomatch", 1, 1, 0, "", "", 0},
		{"search LIKE characters are literal", "%", 1, 1, 0, "", "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := s.ListConnections(ctx, acme.ID, tc.query, tc.page)
			if err != nil {
				t.Fatal(err)
			}
			if p.Page != tc.wantPage || p.Total != tc.total || p.All != n || len(p.Rows) != tc.rows {
				t.Fatalf("page %d, total %d, all %d, %d rows; want page %d, total %d, all %d, %d rows",
					p.Page, p.Total, p.All, len(p.Rows), tc.wantPage, tc.total, n, tc.rows)
			}
			if got := names(p.Rows); len(got) > 0 && (got[0] != tc.first || got[len(got)-1] != tc.last) {
				t.Errorf("rows %s … %s, want %s … %s", got[0], got[len(got)-1], tc.first, tc.last)
			}
			for _, r := range p.Rows {
				if r.Connection.OrgID != acme.ID {
					t.Errorf("%s is of org %d", r.Connection.DisplayName, r.Connection.OrgID)
				}
			}
		})
	}

	t.Run("page of a connection", func(t *testing.T) {
		for i, want := range map[int]int{0: 1, 49: 1, 50: 2, 99: 2, 100: 3, 119: 3} {
			got, err := s.ConnectionPage(ctx, acme.ID, conns[i])
			if err != nil || got != want {
				t.Errorf("%s on page %d (%v), want %d", conns[i].DisplayName, got, err, want)
			}
		}
	})

	// Usable: active, with a passed test at the present version and hash.
	pass := func(c models.Connection, version int64, hash string, status string) {
		t.Helper()
		if _, err := s.RecordTestRun(ctx, acme.ID, models.TestRun{ConnectionID: c.ID, ConfigVersion: version, ConfigHash: hash,
			Status: status, Claims: "{}", Mapped: "{}", FinishedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	usable := func() (int64, []string) {
		t.Helper()
		counts, err := s.CountConnections(ctx, acme.ID)
		if err != nil {
			t.Fatal(err)
		}
		if counts.All != n {
			t.Errorf("%d connections counted, want %d", counts.All, n)
		}
		// The page's counts are the same.
		if p, err := s.ListConnections(ctx, acme.ID, "nomatch", 1); err != nil || p.ConnectionCounts != counts {
			t.Errorf("ListConnections counts %+v (%v), want %+v", p.ConnectionCounts, err, counts)
		}
		first, err := s.FirstConnections(ctx, acme.ID, true, 3)
		if err != nil {
			t.Fatal(err)
		}
		return counts.Usable, names(first)
	}
	if n, first := usable(); n != 0 || len(first) != 0 {
		t.Fatalf("usable before any test: %d %v", n, first)
	}
	pass(conns[80], conns[80].Version, conns[80].ConfigHash, models.TestPassed)
	if n, first := usable(); n != 1 || len(first) != 1 || first[0] != "Conn 081" {
		t.Errorf("usable with Conn 081 passed: %d %v", n, first)
	}
	pass(conns[10], conns[10].Version, "an older hash", models.TestPassed)      // stale
	pass(conns[11], conns[11].Version, conns[11].ConfigHash, models.TestFailed) // failed
	pass(conns[12], conns[12].Version, conns[12].ConfigHash, models.TestPassed)
	if err := s.SetConnectionActive(ctx, acme.ID, conns[12].ID, false, "test"); err != nil { // passed but off
		t.Fatal(err)
	}
	for _, i := range []int{20, 30, 40} {
		pass(conns[i], conns[i].Version, conns[i].ConfigHash, models.TestPassed)
	}
	if n, first := usable(); n != 4 || fmt.Sprint(first) != "[Conn 021 Conn 031 Conn 041]" {
		t.Errorf("usable = %d %v, want 4 [Conn 021 Conn 031 Conn 041]", n, first)
	}
	firstUn, err := s.FirstConnections(ctx, acme.ID, false, 2)
	if err != nil || fmt.Sprint(names(firstUn)) != "[Conn 001 Conn 002]" {
		t.Errorf("first unusable = %v (%v), want [Conn 001 Conn 002]", names(firstUn), err)
	}

	t.Run("one listed connection", func(t *testing.T) {
		r, err := s.ListedConnection(ctx, acme.ID, conns[11].ID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Latest == nil || r.Latest.Status != models.TestFailed || r.Passed != nil {
			t.Errorf("Conn 012: latest %+v, passed %+v", r.Latest, r.Passed)
		}
		if r, err := s.ListedConnection(ctx, acme.ID, conns[80].ID); err != nil || r.Passed == nil {
			t.Errorf("Conn 081: passed %+v (%v)", r.Passed, err)
		}
		if _, err := s.ListedConnection(ctx, other.ID, conns[11].ID); err != models.ErrNotFound {
			t.Errorf("another org's connection: %v, want ErrNotFound", err)
		}
	})
}
