package authz

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/models/testdb"
)

// TestChangesReachAnotherInstanceByName: two instances (two Stores and
// enforcers) on one seeded database. Role changes and membership removals
// made through the first are enforced by the second, which drops from its
// cache exactly the standings the changes named and keeps every other
// one: no reload. It runs on SQLite and, when ORGSSO_TEST_POSTGRES_URL is
// set, on PostgreSQL, with 1k orgs × 10 members.
//
// With ORGSSO_BENCH_LARGE=1 it seeds 100k orgs × 10 members and also holds
// the time targets: each change enforced on the second instance
// within 1 s, and no check there taking over 50 ms meanwhile. (Timed
// assertions stay out of the normal run.)
func TestChangesReachAnotherInstanceByName(t *testing.T) {
	large := os.Getenv("ORGSSO_BENCH_LARGE") == "1"
	seed := testdb.Seed{Orgs: 1_000, MembersPerOrg: 10}
	if large {
		seed.Orgs = 100_000
	}
	for _, d := range testdb.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			url := d.New(t)
			dbA := testdb.Open(t, url)
			testdb.Populate(t, dbA, seed)
			dbB, err := models.Open(url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { dbB.Close() })
			testPropagation(t, seed, models.NewStore(dbA), models.NewStore(dbB), large)
		})
	}
}

func testPropagation(t *testing.T, seed testdb.Seed, storeA, storeB *models.Store, timed bool) {
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	a, err := New(storeA, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	storeA.OnAccessChange(a.Changed)
	readsB := &countingReads{Store: storeB}
	b, err := New(readsB, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	storeB.OnAccessChange(b.Changed)

	// B has served 2,000 people of orgs all over the database.
	type person struct {
		user int64
		org  int64
	}
	r := rand.New(rand.NewPCG(7, 8))
	var warm []person
	for range 2_000 {
		org := 1 + r.IntN(seed.Orgs)
		p := person{seed.UserID(org, 1+r.IntN(seed.MembersPerOrg-1)), seed.OrgID(org)}
		if !slices.Contains(warm, p) {
			warm = append(warm, p)
		}
	}
	for _, p := range warm {
		if ok, err := b.Can(p.user, Domain(p.org), "org", "read"); err != nil || !ok {
			t.Fatalf("warm: %v %v", ok, err)
		}
	}
	if got := b.roles.len(); got != len(warm) {
		t.Fatalf("B caches %d standings, want %d", got, len(warm))
	}

	readsB.n.Store(0)

	// Meanwhile, B keeps serving the people no change names; the slowest
	// check is kept: what a request waits on the changes arriving. It is
	// measured first with no change (baseline, when timed): on a loaded
	// machine, the scheduler alone stalls a goroutine for tens of ms.
	var slowest atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	serve := func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			p := warm[10+i%(len(warm)-10)]
			t0 := time.Now()
			if _, err := b.Can(p.user, Domain(p.org), "members", "write"); err != nil {
				t.Error(err)
				return
			}
			if d := int64(time.Since(t0)); d > slowest.Load() {
				slowest.Store(d)
			}
			if i%64 == 0 {
				runtime.Gosched() // leave the CPU to the rest
			}
		}
	}
	var baseline time.Duration
	if timed {
		wg.Add(1)
		go serve()
		time.Sleep(3 * time.Second) // about as long as the changes take
		close(stop)
		wg.Wait()
		baseline = time.Duration(slowest.Load())
		slowest.Store(0)
		stop = make(chan struct{})
	}
	wg.Add(1)
	go serve()

	deadline := 10 * time.Second // liveness only; the time target is checked when timed
	var slowestChange, slowestRead time.Duration
	waitOnB := func(p person, obj, act string, want bool) {
		t.Helper()
		start := time.Now()
		for {
			t0 := time.Now()
			ok, err := b.Can(p.user, Domain(p.org), obj, act)
			slowestRead = max(slowestRead, time.Since(t0))
			if err != nil {
				t.Fatal(err)
			}
			if ok == want {
				slowestChange = max(slowestChange, time.Since(start))
				return
			}
			if time.Since(start) > deadline {
				t.Fatalf("B still answers %v for %+v %s %s %s after the change on A", ok, p, obj, act, deadline)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	// Ten changes of warm people: five promoted to admin, five removed.
	changed := warm[:10]
	for i, p := range changed {
		if i%2 == 0 {
			if err := storeA.SetMemberRoles(ctx, p.org, p.user, []string{RoleAdmin}); err != nil {
				t.Fatal(err)
			}
			waitOnB(p, "members", "write", true)
		} else {
			if err := storeA.RemoveMember(ctx, p.org, p.user); err != nil {
				t.Fatal(err)
			}
			waitOnB(p, "org", "read", false)
		}
	}
	close(stop)
	wg.Wait()

	// B dropped the ten it was told of (and read them again while waiting),
	// and nothing else: every other standing is still the one it cached.
	b.roles.mu.Lock()
	for _, p := range warm[10:] {
		if _, ok := b.roles.entries[cacheKey(p)]; !ok {
			t.Errorf("B dropped %+v, which no change named", p)
		}
	}
	b.roles.mu.Unlock()
	// While B served its 2,000 people again and again, it read the
	// database only for the ten whose standing changed (a few times each
	// while the change was on its way), never the others anew.
	if n := readsB.n.Load(); n > 10*5 {
		t.Errorf("B read %d standings from the database during ten changes: it dropped more than their names", n)
	}
	t.Logf("%d orgs: %d reads on B; slowest change seen on B after %s; slowest check of a changed person on B %s "+
		"(a read from the database after the drop); slowest check of anyone else on B meanwhile %s (with no change: %s)",
		seed.Orgs, readsB.n.Load(), slowestChange.Round(time.Millisecond), slowestRead.Round(time.Microsecond), time.Duration(slowest.Load()).Round(time.Microsecond), baseline.Round(time.Microsecond))
	if timed {
		if slowestChange > time.Second {
			t.Errorf("a change took %s to reach B, want at most 1s", slowestChange)
		}
		// The wait the changes add: beyond the machine's own stalls.
		if d := time.Duration(slowest.Load()); d > 50*time.Millisecond && d-baseline > 50*time.Millisecond {
			t.Errorf("a check on B took %s while changes arrived (%s with none), want at most 50ms more", d, baseline)
		}
	}
}

// countingReads counts the standings an instance reads from the database.
type countingReads struct {
	*models.Store
	n atomic.Int64
}

func (c *countingReads) OrgAccess(ctx context.Context, userID, orgID int64) (models.Access, error) {
	c.n.Add(1)
	return c.Store.OrgAccess(ctx, userID, orgID)
}

// TestChecksDoNotWaitOnTheChangeLog: while the second instance's watcher
// is in the middle of reading the change log (held there), its checks go
// on: of a standing it cached, of one it must read from the database, and
// of a change made through it. No lock is held across the read, so a
// refresh never makes a request wait (issue 13: none waits over 50 ms on
// a propagated change). Deterministic: a lock held across the read would
// hold these checks until the read is let go, which happens only after
// they are checked.
func TestChecksDoNotWaitOnTheChangeLog(t *testing.T) {
	seed := testdb.Seed{Orgs: 10, MembersPerOrg: 4}
	for _, d := range testdb.Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			ctx := context.Background()
			url := d.New(t)
			dbA := testdb.Open(t, url)
			testdb.Populate(t, dbA, seed)
			dbB, err := models.Open(url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { dbB.Close() })
			storeA, storeB := models.NewStore(dbA), models.NewStore(dbB)
			log := slog.New(slog.DiscardHandler)
			a, err := New(storeA, log)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(a.Close)
			storeA.OnAccessChange(a.Changed)
			held := &heldChanges{Store: storeB, reading: make(chan struct{}), release: make(chan struct{})}
			b, err := New(held, log)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(b.Close)
			storeB.OnAccessChange(b.Changed)
			var once sync.Once
			letGo := func() { once.Do(func() { close(held.release) }) }
			t.Cleanup(letGo)

			cached := seed.UserID(1, 1)
			if ok, err := b.Can(cached, Domain(seed.OrgID(1)), "org", "read"); err != nil || !ok {
				t.Fatalf("warm: %v %v", ok, err)
			}
			// A change through A: B's watcher finds it and reads the log,
			// where it is held.
			changed := seed.UserID(2, 1)
			if err := storeA.SetMemberRoles(ctx, seed.OrgID(2), changed, []string{RoleAdmin}); err != nil {
				t.Fatal(err)
			}
			select {
			case <-held.reading:
			case <-time.After(10 * time.Second):
				t.Fatal("B's watcher never read the change log")
			}

			within := func(what string, check func() error) {
				t.Helper()
				done := make(chan error, 1)
				t0 := time.Now()
				go func() { done <- check() }()
				select {
				case err := <-done:
					if err != nil {
						t.Errorf("%s: %v", what, err)
					}
					t.Logf("%s while the change log is being read: %s", what, time.Since(t0).Round(time.Microsecond))
				case <-time.After(5 * time.Second):
					t.Fatalf("%s waits on the change log being read", what)
				}
			}
			can := func(user, org int64, obj, act string, want bool) func() error {
				return func() error {
					ok, err := b.Can(user, Domain(org), obj, act)
					if err == nil && ok != want {
						err = fmt.Errorf("Can = %v, want %v", ok, want)
					}
					return err
				}
			}
			within("a cached check", can(cached, seed.OrgID(1), "org", "read", true))
			within("a check read from the database", can(seed.UserID(3, 1), seed.OrgID(3), "org", "read", true))
			within("a change made through B", func() error {
				return storeB.SetMemberRoles(ctx, seed.OrgID(4), seed.UserID(4, 1), []string{RoleAdmin})
			})
			within("B's own change enforced", can(seed.UserID(4, 1), seed.OrgID(4), "members", "write", true))

			// Let go: A's change reaches B.
			letGo()
			deadline := time.Now().Add(10 * time.Second)
			for {
				ok, err := b.Can(changed, Domain(seed.OrgID(2)), "members", "write")
				if err != nil {
					t.Fatal(err)
				}
				if ok {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("A's change never reached B")
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
}

// heldChanges holds the first read of the change log until release.
type heldChanges struct {
	*models.Store
	once    sync.Once
	reading chan struct{}
	release chan struct{}
}

func (h *heldChanges) AccessChanges(ctx context.Context, after, upto int64, limit int) ([]models.AccessChange, error) {
	h.once.Do(func() {
		close(h.reading)
		<-h.release
	})
	return h.Store.AccessChanges(ctx, after, upto, limit)
}
