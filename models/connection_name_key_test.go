package models_test

// Connection names are unique in an org by names.Key, enforced by the
// database's unique index on connections.name_key (migration 00006), so
// racing creates of look-alike names save one. SQLite always; PostgreSQL
// when ORGSSO_TEST_DB=postgres.

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/orgsso/orgsso/migrations"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/models/names"
	"github.com/orgsso/orgsso/models/testdb"
)

func TestConnectionNameKeyUnique(t *testing.T) {
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
	conn := func(name string) models.Connection {
		return models.Connection{Protocol: models.ProtocolOIDC, Preset: "custom", DisplayName: name}
	}

	// The store is the last line: four racing creates, one row.
	variants := []string{"Case Race", "case race", "CASE RACE", "Case\u00a0race"}
	errs := make([]error, len(variants))
	var wg sync.WaitGroup
	for i, name := range variants {
		wg.Go(func() { _, errs[i] = s.CreateConnection(ctx, acme.ID, conn(name)) })
	}
	wg.Wait()
	saved := 0
	for i, err := range errs {
		switch {
		case err == nil:
			saved++
		case !errors.Is(err, models.ErrConflict):
			t.Errorf("create %q: %v, want ErrConflict", variants[i], err)
		}
	}
	if saved != 1 {
		t.Errorf("%d of the racing creates saved, want 1", saved)
	}

	okta, err := s.CreateConnection(ctx, acme.ID, conn("Okta"))
	if err != nil || okta.NameKey != "okta" {
		t.Fatalf("create Okta: %+v %v", okta, err)
	}
	if _, err := s.CreateConnection(ctx, acme.ID, conn("OKTA")); !errors.Is(err, models.ErrConflict) {
		t.Errorf("create OKTA beside Okta: %v, want ErrConflict", err)
	}
	if _, err := s.CreateConnection(ctx, other.ID, conn("okta")); err != nil {
		t.Errorf("another org's okta: %v", err)
	}
	entra, err := s.CreateConnection(ctx, acme.ID, conn("Entra"))
	if err != nil {
		t.Fatal(err)
	}
	entra.DisplayName = "oKtA"
	if _, err := s.UpdateConnection(ctx, acme.ID, entra); !errors.Is(err, models.ErrConflict) {
		t.Errorf("rename Entra onto oKtA: %v, want ErrConflict", err)
	}
	okta.DisplayName = "OKTA"
	if got, err := s.UpdateConnection(ctx, acme.ID, okta); err != nil || got.NameKey != "okta" || got.DisplayName != "OKTA" {
		t.Errorf("Okta renamed to OKTA: %+v %v", got, err)
	}
}

// Migration 00006 gives every existing connection its key, and renames the
// later of rows that collide under it, so the unique index can be made.
func TestMigrationFillsConnectionNameKeys(t *testing.T) {
	ctx := context.Background()
	db := openAtVersion(t, 5)
	w := db.Write.WithContext(ctx)
	exec := func(q string, args ...any) {
		t.Helper()
		if err := w.Exec(q, args...).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	orgID := map[string]int64{}
	for _, slug := range []string{"acme", "beta"} {
		exec("INSERT INTO organizations (slug, name, created_at, updated_at) VALUES (?, ?, ?, ?)", slug, slug, now, now)
		var id int64
		if err := w.Raw("SELECT id FROM organizations WHERE slug = ?", slug).Scan(&id).Error; err != nil || id == 0 {
			t.Fatalf("org %s: %d %v", slug, id, err)
		}
		orgID[slug] = id
	}
	// In insertion (id) order; schema 5 lets all of these in.
	rows := []struct{ org, name string }{
		{"acme", "Okta"},
		{"acme", "okta"},            // raced in past the case-insensitive check
		{"acme", "okta (2)"},        // a name the rename must not take
		{"acme", "Entra\u00a0ID"},   // non-breaking space
		{"acme", "Entra ID"},        // collides with it
		{"acme", "Case\u200bRace"},  // zero-width space, kept as it is
		{"acme", "Caf\u0065\u0301"}, // combining accent
		{"acme", "CAF\u00c9"},       // collides with it
		{"beta", "OKTA"},            // another org's name is its own
	}
	for i, r := range rows {
		exec(`INSERT INTO connections (public_id, org_id, protocol, display_name, created_at, updated_at)
			VALUES (?, ?, 'oidc', ?, ?, ?)`, "c_"+string(rune('a'+i)), orgID[r.org], r.name, now, now)
	}

	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	type row struct {
		PublicID, DisplayName, NameKey string
	}
	var got []row
	if err := w.Raw("SELECT public_id, display_name, name_key FROM connections ORDER BY id").Scan(&got).Error; err != nil {
		t.Fatal(err)
	}
	want := []row{
		{"c_a", "Okta", "okta"},
		{"c_b", "okta (3)", "okta (3)"},
		{"c_c", "okta (2)", "okta (2)"},
		{"c_d", "Entra\u00a0ID", "entra id"},
		{"c_e", "Entra ID (2)", "entra id (2)"},
		{"c_f", "Case\u200bRace", "caserace"},
		{"c_g", "Caf\u0065\u0301", "caf\u00e9"},
		{"c_h", "CAF\u00c9 (2)", "caf\u00e9 (2)"},
		{"c_i", "OKTA", "okta"},
	}
	if len(got) != len(want) {
		t.Fatalf("rows %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("row %d = %+q, want %+q", i, got[i], want[i])
		}
		if k := names.Key(got[i].DisplayName); k != got[i].NameKey {
			t.Errorf("row %d key %q, names.Key gives %q", i, got[i].NameKey, k)
		}
	}

	// The database itself now refuses a second row with a key.
	err := w.Exec(`INSERT INTO connections (public_id, org_id, protocol, display_name, name_key, created_at, updated_at)
		VALUES ('c_x', ?, 'oidc', 'OKTA', 'okta', ?, ?)`, orgID["acme"], now, now).Error
	if err == nil {
		t.Error("a second row with key okta in acme was accepted")
	}
	// And the store finds the rows it migrated.
	s := models.NewStore(db)
	if _, err := s.CreateConnection(ctx, orgID["acme"], models.Connection{Protocol: models.ProtocolOIDC, DisplayName: "ENTRA ID"}); !errors.Is(err, models.ErrConflict) {
		t.Errorf("create ENTRA ID after the migration: %v, want ErrConflict", err)
	}

	// Down: the column goes, names as typed are unique again.
	sqlDB, err := db.Write.DB()
	if err != nil {
		t.Fatal(err)
	}
	p, err := migrations.Provider(db.Dialect, sqlDB)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DownTo(ctx, 5); err != nil {
		t.Fatalf("down to 5: %v", err)
	}
	if err := w.Exec(`INSERT INTO connections (public_id, org_id, protocol, display_name, created_at, updated_at)
		VALUES ('c_y', ?, 'oidc', 'Okta', ?, ?)`, orgID["acme"], now, now).Error; err == nil {
		t.Error("after down, a second Okta in acme was accepted")
	}
	if err := w.Exec(`SELECT name_key FROM connections`).Error; err == nil {
		t.Error("after down, name_key is still there")
	}
}
