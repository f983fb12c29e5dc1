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
