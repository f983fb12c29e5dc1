package authz_test

// Benchmarks of authorization at scale (issue 13), over databases seeded by
// testdb.Populate: SQLite, or PostgreSQL when ORGSSO_TEST_POSTGRES_URL is
// set. The 100k sizes run only when asked for (testdb.Large):
//
//	ORGSSO_BENCH_LARGE=1 go test -run '^$' -bench 'Authz|RoleSync' -benchmem -count 5 ./app/authz/

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/models/testdb"
)

var benchSizes = []struct {
	name  string
	orgs  int
	large bool
}{
	{"orgs=1k", 1_000, false},
	{"orgs=100k", 100_000, true},
}

// seededStore is a database seeded with orgs × 10 members.
type seededStore struct {
	seed  testdb.Seed
	url   string
	store *models.Store
}

// openSeeded seeds a database of orgs once for all the runs of a
// benchmark (-count runs a sub-benchmark again within one run of its
// parent): it belongs to the parent, outer.
func openSeeded(outer *testing.B, cache map[int]*seededStore, orgs int) *seededStore {
	outer.Helper()
	if s, ok := cache[orgs]; ok {
		return s
	}
	seed := testdb.Seed{Orgs: orgs, MembersPerOrg: 10}
	url := testdb.Seeded(outer, seed)
	db, err := models.Open(url)
	if err != nil {
		outer.Fatal(err)
	}
	outer.Cleanup(func() { db.Close() })
	s := &seededStore{seed: seed, url: url, store: models.NewStore(db)}
	cache[orgs] = s
	return s
}

// BenchmarkAuthzCan is the check the middleware makes for one request: a
// member asks to read members in their org. The working set is 10,000
// distinct people spread evenly over every org, asked about in random
// order, each once before the timer. On a shared machine separate runs of
// the two sizes drift apart with the load; "100k-vs-1k" alternates blocks
// of 64 checks on each size (each first every other time) and reports both
// and their ratio (x-1k), which the drift does not skew.
func BenchmarkAuthzCan(outer *testing.B) {
	cache := map[int]*seededStore{}
	type check struct {
		user int64
		dom  string
	}
	type sized struct {
		az     *authz.Enforcer
		checks []check
	}
	ready := map[int]*sized{}
	open := func(b *testing.B, orgs int) *sized {
		if orgs >= 100_000 {
			testdb.Large(b, "100k")
		}
		if s, ok := ready[orgs]; ok {
			return s
		}
		s := openSeeded(outer, cache, orgs)
		az, err := authz.New(s.store, slog.New(slog.DiscardHandler))
		if err != nil {
			b.Fatal(err)
		}
		outer.Cleanup(az.Close)
		s.store.OnAccessChange(az.Changed)
		const people = 10_000
		r := rand.New(rand.NewPCG(1, 2))
		checks := make([]check, people)
		for i, p := range r.Perm(people) {
			org := 1 + p/10*(orgs*10/people)
			checks[i] = check{s.seed.UserID(org, p%10), authz.Domain(s.seed.OrgID(org))}
		}
		for _, c := range checks {
			if _, err := az.Can(c.user, c.dom, "members", "read"); err != nil {
				b.Fatal(err)
			}
		}
		ready[orgs] = &sized{az, checks}
		return ready[orgs]
	}
	for _, size := range benchSizes {
		outer.Run(size.name, func(b *testing.B) {
			s := open(b, size.orgs)
			i := 0
			for b.Loop() {
				c := s.checks[i%len(s.checks)]
				if _, err := s.az.Can(c.user, c.dom, "members", "read"); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
	outer.Run("100k-vs-1k", func(b *testing.B) {
		large, small := open(b, 100_000), open(b, 1_000)
		const block = 64
		run := func(s *sized, from int) time.Duration {
			t0 := time.Now()
			for j := range block {
				c := s.checks[(from+j)%len(s.checks)]
				if _, err := s.az.Can(c.user, c.dom, "members", "read"); err != nil {
					b.Fatal(err)
				}
			}
			return time.Since(t0)
		}
		var tLarge, tSmall time.Duration
		i := 0
		for b.Loop() {
			if i/block%2 == 0 { // whichever runs first pays for the other's use of the CPU caches
				tLarge += run(large, i)
				tSmall += run(small, i)
			} else {
				tSmall += run(small, i)
				tLarge += run(large, i)
			}
			i += block
		}
		n := float64(b.N * block)
		b.ReportMetric(float64(tLarge.Nanoseconds())/n, "100k-ns/check")
		b.ReportMetric(float64(tSmall.Nanoseconds())/n, "1k-ns/check")
		b.ReportMetric(float64(tLarge)/float64(tSmall), "x-1k")
	})
}

// BenchmarkAuthzStart is an instance getting ready: building the enforcer
// over a database of orgs × 10 memberships and answering its first check.
// It reports the resident memory of the process after the enforcer has
// answered checks of 20,000 distinct people (rss-MB) and the Go heap they
// added (heap-MB).
func BenchmarkAuthzStart(outer *testing.B) {
	cache := map[int]*seededStore{}
	for _, size := range benchSizes {
		outer.Run(size.name, func(b *testing.B) {
			if size.large {
				testdb.Large(b, "100k")
			}
			s := openSeeded(outer, cache, size.orgs)
			log := slog.New(slog.DiscardHandler)
			var az *authz.Enforcer
			for b.Loop() {
				if az != nil {
					az.Close()
				}
				var err error
				if az, err = authz.New(s.store, log); err != nil {
					b.Fatal(err)
				}
				if ok, err := az.Can(s.seed.UserID(1, 0), authz.Domain(1), "members", "write"); err != nil || !ok {
					b.Fatalf("first check: %v %v", ok, err)
				}
			}
			b.StopTimer()
			defer az.Close()
			heapBefore := heapInuse()
			r := rand.New(rand.NewPCG(3, 4))
			for range 20_000 {
				org := 1 + r.IntN(size.orgs)
				if _, err := az.Can(s.seed.UserID(org, r.IntN(10)), authz.Domain(s.seed.OrgID(org)), "org", "read"); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(heapInuse()-heapBefore)/(1<<20), "heap-MB")
			b.ReportMetric(rssMB(b), "rss-MB")
		})
	}
}

// BenchmarkRoleSync is the role sync of a login whose groups changed: the
// member's roles in the org move between one role and two, written as a
// login writes them (models.MemberUpdate: the membership row, the authz
// revision, the access change log row and the member.roles_synced event,
// then the enforcer's cache told), with the rest of the seeded memberships
// present.
func BenchmarkRoleSync(outer *testing.B) {
	cache := map[int]*seededStore{}
	for _, size := range benchSizes {
		outer.Run(size.name, func(b *testing.B) {
			if size.large {
				testdb.Large(b, "100k")
			}
			s := openSeeded(outer, cache, size.orgs)
			az, err := authz.New(s.store, slog.New(slog.DiscardHandler))
			if err != nil {
				b.Fatal(err)
			}
			defer az.Close()
			s.store.OnAccessChange(az.Changed)
			ctx := context.Background()
			r := rand.New(rand.NewPCG(5, 6))
			sets := [][]string{{authz.RoleAdmin, authz.RoleUser}, {authz.RoleUser}}
			i := 0
			for b.Loop() {
				org := 1 + r.IntN(size.orgs)
				user := s.seed.UserID(org, 1+r.IntN(9))
				orgID := s.seed.OrgID(org)
				if err := s.store.UpdateMember(ctx, models.MemberUpdate{OrgID: orgID, UserID: user, SetRoles: true, Roles: sets[i%2],
					Events: []models.AuditEvent{{OrgID: &orgID, ActorID: &user, Action: "member.roles_synced", Details: "user -> admin,user"}}}); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

func heapInuse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// rssMB is the process's resident memory (VmRSS), in MiB.
func rssMB(b *testing.B) float64 {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skipf("no /proc: %v", err)
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb / 1024
		}
	}
	b.Fatal("no VmRSS")
	return 0
}
