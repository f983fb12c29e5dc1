package models_test

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/models/testdb"
)

// Two admins turning off the org's last two usable connections at the same
// moment: one wins, the other is refused, and SSO keeps a usable connection.
func TestRetireConnectionKeepsOneUsableUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	for round := range 5 {
		s := models.NewStore(testdb.Open(t, testdb.New(t)))
		org, err := s.CreateOrganization(ctx, "acme", "Acme")
		if err != nil {
			t.Fatal(err)
		}
		var conns []models.Connection
		for _, name := range []string{"A", "B"} {
			c, err := s.CreateConnection(ctx, org.ID, models.Connection{Protocol: models.ProtocolOIDC, DisplayName: name, Active: true, Config: "{}", Provisioning: "{}"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.RecordTestRun(ctx, org.ID, models.TestRun{ConnectionID: c.ID, ConfigVersion: c.Version, ConfigHash: c.ConfigHash,
				Status: models.TestPassed, Claims: "{}", Mapped: "{}"}); err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
		}
		if err := s.EnableSSO(ctx, org.ID); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, len(conns))
		for i, c := range conns {
			wg.Go(func() { _, errs[i] = s.RetireConnection(ctx, org.ID, c.ID, i == 1, false, "admin@acme.test") })
		}
		wg.Wait()
		refused := 0
		for _, err := range errs {
			if errors.Is(err, models.ErrLastUsable) {
				refused++
			} else if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if refused != 1 {
			t.Fatalf("round %d: %d of 2 retirements refused, want exactly 1 (errors %v)", round, refused, errs)
		}
	}
}

func TestEnableSSONeedsAUsableConnection(t *testing.T) {
	ctx := context.Background()
	s := models.NewStore(testdb.Open(t, testdb.New(t)))
	org, err := s.CreateOrganization(ctx, "acme", "Acme")
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.CreateConnection(ctx, org.ID, models.Connection{Protocol: models.ProtocolOIDC, DisplayName: "A", Active: true, Config: "{}", Provisioning: "{}"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnableSSO(ctx, org.ID); !errors.Is(err, models.ErrNoUsable) {
		t.Fatalf("enable without a passed test: %v", err)
	}
	if _, err := s.RecordTestRun(ctx, org.ID, models.TestRun{ConnectionID: c.ID, ConfigVersion: c.Version, ConfigHash: c.ConfigHash,
		Status: models.TestPassed, Claims: "{}", Mapped: "{}"}); err != nil {
		t.Fatal(err)
	}
	if err := s.EnableSSO(ctx, org.ID); err != nil {
		t.Fatal(err)
	}
	// With disableSSO, the last usable connection goes and SSO with it.
	off, err := s.RetireConnection(ctx, org.ID, c.ID, false, true, "admin@acme.test")
	if err != nil || !off {
		t.Fatalf("retire with disableSSO = %v, %v", off, err)
	}
	o, _ := s.Organization(ctx, org.ID)
	if o.SSOEnabled {
		t.Fatal("SSO still on after its last usable connection was retired")
	}
}

// On PostgreSQL the check and the change hold the org's row: a retirement
// waits while another transaction holds it. (SQLite serialises every write
// through its one writer connection.)
func TestRetireConnectionWaitsForTheOrgLock(t *testing.T) {
	if !isPostgresRun() {
		t.Skip("PostgreSQL only: run with ORGSSO_TEST_DB=postgres (make test does)")
	}
	ctx := context.Background()
	db := testdb.Open(t, testdb.New(t))
	s := models.NewStore(db)
	org, err := s.CreateOrganization(ctx, "acme", "Acme")
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.CreateConnection(ctx, org.ID, models.Connection{Protocol: models.ProtocolOIDC, DisplayName: "A", Active: true, Config: "{}", Provisioning: "{}"})
	if err != nil {
		t.Fatal(err)
	}
	tx := db.Write.Begin()
	if err := tx.Exec("SELECT id FROM organizations WHERE id = ? FOR UPDATE", org.ID).Error; err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.RetireConnection(ctx, org.ID, c.ID, false, false, "admin@acme.test")
		done <- err
	}()
	select {
	case err := <-done:
		tx.Rollback()
		t.Fatalf("RetireConnection finished (%v) while another transaction held the org", err)
	case <-time.After(300 * time.Millisecond):
	}
	tx.Rollback()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func isPostgresRun() bool { return os.Getenv("ORGSSO_TEST_DB") == models.DialectPostgres }
