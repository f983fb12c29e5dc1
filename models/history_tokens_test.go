package models_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/models/testdb"
)

// TestConnectionHistoryRecordsEverySave: a create and each update keep a
// version row in the same transaction; a stale update keeps none.
func TestConnectionHistoryRecordsEverySave(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s := models.NewStore(db)
		org, err := s.CreateOrganization(ctx, "acme", "Acme")
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.CreateConnection(ctx, org.ID, models.Connection{Protocol: "oidc", Preset: "custom", DisplayName: "Okta",
			Config: `{"clientID":"a"}`, Provisioning: "{}", SealedSecret: "sealed-secret", UpdatedBy: "ann@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		c.Config = `{"clientID":"b"}`
		c2, err := s.UpdateConnectionNoted(ctx, org.ID, c, "a note")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateConnection(ctx, org.ID, c); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("stale update: %v", err)
		}
		vs, err := s.ConnectionVersions(ctx, org.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != 2 || vs[0].Version != 2 || vs[0].Config != `{"clientID":"b"}` || vs[0].Note != "a note" ||
			vs[1].Version != 1 || vs[1].Config != `{"clientID":"a"}` || vs[1].SavedBy != "ann@example.com" {
			t.Fatalf("versions %+v", vs)
		}
		if c2.Version != 2 {
			t.Errorf("saved version %d", c2.Version)
		}
		other, _ := s.CreateOrganization(ctx, "beta", "Beta")
		if _, err := s.ConnectionVersionAt(ctx, other.ID, c.ID, 1); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("another org read a version: %v", err)
		}
	})
}

// TestAPITokensAndAuditQuery: tokens are found by hash, touched, revoked
// once; the audit query filters and pages.
func TestAPITokensAndAuditQuery(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *models.DB) {
		ctx := context.Background()
		s := models.NewStore(db)
		org, _ := s.CreateOrganization(ctx, "acme", "Acme")
		other, _ := s.CreateOrganization(ctx, "beta", "Beta")
		tok, err := s.CreateAPIToken(ctx, org.ID, models.APIToken{Name: "ci", Scope: models.ScopeRead, TokenHash: "h1"})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.APITokenByHash(ctx, "h1")
		if err != nil || got.ID != tok.ID || !got.Usable(time.Now()) {
			t.Fatalf("by hash: %+v %v", got, err)
		}
		if err := s.TouchAPIToken(ctx, tok.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ = s.APITokenByHash(ctx, "h1"); got.LastUsedAt == nil {
			t.Error("not touched")
		}
		if _, err := s.RevokeAPIToken(ctx, other.ID, tok.ID); !errors.Is(err, models.ErrNotFound) {
			t.Errorf("another org revoked it: %v", err)
		}
		if _, err := s.RevokeAPIToken(ctx, org.ID, tok.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ = s.APITokenByHash(ctx, "h1"); got.Usable(time.Now()) {
			t.Error("revoked token usable")
		}
		for _, ev := range []models.AuditEvent{
			{OrgID: &org.ID, ActorEmail: "Ann@example.com", Action: "connection.update", Target: "Okta"},
			{OrgID: &org.ID, ActorEmail: "bob@example.com", Action: "connection.create", Target: "100%_done"},
			{OrgID: &org.ID, ActorEmail: "bob@example.com", Action: "member.role", Target: "x"},
			{OrgID: &other.ID, ActorEmail: "ann@example.com", Action: "connection.update", Target: "Okta"},
		} {
			if err := s.Audit(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
		count := func(f models.AuditFilter) int {
			f.OrgID = &org.ID
			p, err := s.QueryAudit(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			return len(p.Events)
		}
		if n := count(models.AuditFilter{Actor: "ann"}); n != 1 {
			t.Errorf("actor: %d", n)
		}
		if n := count(models.AuditFilter{Action: "connection."}); n != 2 {
			t.Errorf("action prefix: %d", n)
		}
		if n := count(models.AuditFilter{Target: "%_"}); n != 1 {
			t.Errorf("target with LIKE characters: %d", n)
		}
		if n := count(models.AuditFilter{From: time.Now().Add(time.Hour)}); n != 0 {
			t.Errorf("from the future: %d", n)
		}
		p, err := s.QueryAudit(ctx, models.AuditFilter{OrgID: &org.ID, Limit: 2})
		if err != nil || len(p.Events) != 2 || p.Next == 0 {
			t.Fatalf("page 1: %+v %v", p, err)
		}
		p, err = s.QueryAudit(ctx, models.AuditFilter{OrgID: &org.ID, Limit: 2, Before: p.Next})
		if err != nil || len(p.Events) != 1 || p.Next != 0 || p.Events[0].Target != "Okta" {
			t.Fatalf("page 2: %+v %v", p, err)
		}
		all, _ := s.QueryAudit(ctx, models.AuditFilter{})
		if len(all.Events) != 4 {
			t.Errorf("across orgs: %d", len(all.Events))
		}
	})
}
