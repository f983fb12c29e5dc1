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

// Two instances on one database: a role change on one is enforced by the
// other within a second.
func TestRoleChangeReachesAnotherInstanceWithinASecond(t *testing.T) {
	url := testdb.New(t)
	dbA := testdb.Open(t, url)
	dbB, err := models.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dbB.Close() })
	log := slog.New(slog.DiscardHandler)
	a, err := authz.New(dbA.Write, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	b, err := authz.New(dbB.Write, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)

	const user, org = 7, 3
	dom := authz.Domain(org)
	waitFor := func(want bool) {
		t.Helper()
		deadline := time.Now().Add(time.Second)
		for {
			ok, err := b.Can(user, dom, "members", "write")
			if err != nil {
				t.Fatal(err)
			}
			if ok == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("instance B still answers %v a second after the change on A", ok)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitFor(false)
	if err := a.SetRoles(context.Background(), user, org, []string{authz.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	waitFor(true)
	if err := a.SetRoles(context.Background(), user, org, []string{authz.RoleUser}); err != nil {
		t.Fatal(err)
	}
	waitFor(false)
}

// A reload running while this instance changes roles must not drop the
// change from memory (casbin reads the database, then swaps the model in).
func TestReloadDuringChangesLosesNothing(t *testing.T) {
	db := testdb.Open(t, testdb.New(t))
	a, err := authz.New(db.Write, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	const users, org = 40, 9
	done := make(chan struct{})
	go func() {
		defer close(done)
		for u := int64(1); u <= users; u++ {
			if err := a.SetRoles(context.Background(), u, org, []string{authz.RoleAdmin}); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for reloading := true; reloading; {
		select {
		case <-done:
			reloading = false
		default:
			if err := a.Reload(); err != nil {
				t.Fatal(err)
			}
		}
	}
	for u := int64(1); u <= users; u++ {
		if ok, _ := a.Can(u, authz.Domain(org), "members", "write"); !ok {
			t.Fatalf("user %d lost the admin role granted while the policy reloaded", u)
		}
	}
}
