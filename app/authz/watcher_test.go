package authz_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/models/testdb"
)

// Two instances on one database: a role change made through one is
// enforced by the other within a second (its cached standing is dropped
// when the revision moves).
func TestRoleChangeReachesAnotherInstanceWithinASecond(t *testing.T) {
	url := testdb.New(t)
	dbA := testdb.Open(t, url)
	dbB, err := models.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dbB.Close() })
	log := slog.New(slog.DiscardHandler)
	storeA, storeB := models.NewStore(dbA), models.NewStore(dbB)
	a, err := authz.New(storeA, log)
	must(t, err)
	t.Cleanup(a.Close)
	storeA.OnAccessChange(a.Changed)
	b, err := authz.New(storeB, log)
	must(t, err)
	t.Cleanup(b.Close)
	storeB.OnAccessChange(b.Changed)

	ctx := context.Background()
	org, err := storeA.CreateOrganization(ctx, "acme", "Acme")
	must(t, err)
	u, err := storeA.CreateUser(ctx, models.User{Email: "u@x.test"})
	must(t, err)
	must(t, storeA.PutMember(ctx, org.ID, u.ID, []string{authz.RoleUser}))
	dom := authz.Domain(org.ID)
	waitFor := func(want bool) {
		t.Helper()
		deadline := time.Now().Add(time.Second)
		for {
			ok, err := b.Can(u.ID, dom, "members", "write")
			must(t, err)
			if ok == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("instance B still answers %v a second after the change on A", ok)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor(false) // B has now cached "user"
	must(t, storeA.SetMemberRoles(ctx, org.ID, u.ID, []string{authz.RoleAdmin}))
	waitFor(true)
	must(t, storeA.SetMemberStatus(ctx, org.ID, u.ID, models.StatusDisabled))
	waitFor(false)
}

// A role sync written with a login's session (models.Login.Member) is a
// change of access like any other: the other instance, which cached the
// member's old role, enforces the new one within a second.
func TestRoleSyncAtLoginReachesAnotherInstance(t *testing.T) {
	url := testdb.New(t)
	dbA := testdb.Open(t, url)
	dbB, err := models.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dbB.Close() })
	storeA, storeB := models.NewStore(dbA), models.NewStore(dbB)
	ctx := context.Background()
	org, err := storeA.CreateOrganization(ctx, "acme", "Acme")
	must(t, err)
	conn, err := storeA.CreateConnection(ctx, org.ID, models.Connection{Protocol: models.ProtocolOIDC, DisplayName: "Okta",
		Active: true, Config: "{}", Provisioning: "{}"})
	must(t, err)
	must(t, storeA.SetSSO(ctx, org.ID, true, false))
	u, err := storeA.CreateUser(ctx, models.User{Email: "u@x.test"})
	must(t, err)
	must(t, storeA.PutMember(ctx, org.ID, u.ID, []string{authz.RoleUser}))
	// The instances start after the setup: B has no change to catch up
	// on that would drop what it caches next.
	log := slog.New(slog.DiscardHandler)
	a, err := authz.New(storeA, log)
	must(t, err)
	t.Cleanup(a.Close)
	storeA.OnAccessChange(a.Changed)
	b, err := authz.New(storeB, log)
	must(t, err)
	t.Cleanup(b.Close)
	storeB.OnAccessChange(b.Changed)
	dom := authz.Domain(org.ID)
	if ok, err := b.Can(u.ID, dom, "members", "write"); err != nil || ok {
		t.Fatalf("B before the login: %v %v", ok, err) // B has now cached "user"
	}
	if ok, err := a.Can(u.ID, dom, "members", "write"); err != nil || ok {
		t.Fatalf("A before the login: %v %v", ok, err)
	}
	now := time.Now().UTC()
	must(t, storeA.StartSession(ctx, models.Login{
		Session: models.Session{IDHash: "s", UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)},
		Audit:   models.AuditEvent{OrgID: &org.ID, ActorID: &u.ID, Action: "user.login"},
		Through: &models.Through{ConnectionID: conn.ID, Version: conn.Version},
		Member:  &models.MemberUpdate{OrgID: org.ID, UserID: u.ID, SetRoles: true, Roles: []string{authz.RoleAdmin}},
	}))
	// A, which wrote it, knows at once.
	if ok, err := a.Can(u.ID, dom, "members", "write"); err != nil || !ok {
		t.Fatalf("A right after the login: %v %v", ok, err)
	}
	deadline := time.Now().Add(time.Second)
	for {
		ok, err := b.Can(u.ID, dom, "members", "write")
		must(t, err)
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("instance B still enforces the old role a second after the login's role sync on A")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
