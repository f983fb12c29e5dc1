package web_test

// Benchmarks at scale (issue 13) over databases seeded by testdb.Populate:
// SQLite, or PostgreSQL when ORGSSO_TEST_POSTGRES_URL is set. The 100k
// sizes run only when asked for (testdb.Large):
//
//	ORGSSO_BENCH_LARGE=1 go test -run '^$' -bench 'Pages|Login/' -benchmem -count 5 ./app/web/

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/orgsso/orgsso/app/apptest"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/models/testdb"
)

// seededApp is the whole app over a seeded database, with a session of
// the seed's org 1 admin (user 1), who is also a platform admin.
type seededApp struct {
	srv    *apptest.Server
	seed   testdb.Seed
	cookie *http.Cookie
}

func startSeeded(tb testing.TB, seed testdb.Seed) *seededApp {
	tb.Helper()
	url := testdb.Seeded(tb, seed)
	srv := apptest.Start(tb, apptest.Listen(tb), map[string]string{"ORGSSO_DATABASE_URL": url}, nil)
	ctx := context.Background()
	admin := seed.UserID(1, 0)
	if err := srv.Store.SetPlatformAdmin(ctx, admin, true); err != nil {
		tb.Fatal(err)
	}
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	id := base64.RawURLEncoding.EncodeToString(b)
	now := time.Now().UTC()
	if err := srv.Store.CreateSession(ctx, models.Session{IDHash: hashID(id), UserID: admin, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(time.Hour)}); err != nil {
		tb.Fatal(err)
	}
	return &seededApp{srv: srv, seed: seed, cookie: &http.Cookie{Name: sessionCookie, Value: id}}
}

// get serves one GET in-process (server time only, no network) and checks
// that the page is a 200 that contains want.
func (a *seededApp) get(tb testing.TB, path, want string) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.AddCookie(a.cookie)
	rec := httptest.NewRecorder()
	a.srv.Handler.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), want) {
		body := rec.Body.String()
		if len(body) > 1000 {
			body = body[:1000]
		}
		tb.Fatalf("GET %s = %d, want 200 with %q\n%s", path, rec.Code, want, body)
	}
}

// BenchmarkPages is the server time of the admin pages that list an org's
// or the platform's many things: an org's SSO page with 1,000 connections,
// the first page of an org's 10,000 members, and /admin/orgs among 100k
// orgs (first page, a page deep in the list, a search that matches many and
// one that matches none).
func BenchmarkPages(outer *testing.B) {
	var small, large *seededApp
	smallApp := func() *seededApp {
		if small == nil {
			small = startSeeded(outer, testdb.Seed{Orgs: 1, MembersPerOrg: 10_000, Connections: 1_000})
		}
		return small
	}
	largeApp := func(b *testing.B) *seededApp {
		testdb.Large(b, "100k")
		if large == nil {
			large = startSeeded(outer, testdb.Seed{Orgs: 100_000, MembersPerOrg: 1})
		}
		return large
	}
	pages := []struct {
		name string
		app  func(b *testing.B) *seededApp
		path string
		want string
	}{
		{"connections=1000", func(*testing.B) *seededApp { return smallApp() }, "/o/org-1/settings/sso", `data-connection-id="c_seed1000"`},
		{"members=10000", func(*testing.B) *seededApp { return smallApp() }, "/o/org-1/members", `data-testid="members-pages"`},
		{"admin-orgs=100k", largeApp, "/admin/orgs", `data-testid="orgs-next"`},
		{"admin-orgs-deep=100k", largeApp, "/admin/orgs?after=77777", `data-testid="orgs-next"`},
		{"admin-orgs-search-many=100k", largeApp, "/admin/orgs?q=org%209", `data-testid="orgs-next"`},
		{"admin-orgs-search-none=100k", largeApp, "/admin/orgs?q=nomatch", `data-testid="orgs-empty"`},
	}
	for _, pg := range pages {
		outer.Run(pg.name, func(b *testing.B) {
			a := pg.app(b)
			a.get(b, pg.path, pg.want)
			for b.Loop() {
				a.get(b, pg.path, pg.want)
			}
		})
	}
}

// BenchmarkLogin is BenchmarkFullLogin (a returning member's whole SSO
// login through the app and the in-process IdP) over a database of 10 orgs
// of 10 members, and of 100k orgs with a million people: every lookup a
// login makes is indexed, so both cost the same. On a shared machine the
// two sizes' separate runs drift apart with the load; "100k-vs-10"
// alternates one login on each per iteration and reports their ratio
// (x-small), which the drift does not skew.
func BenchmarkLogin(outer *testing.B) {
	apps := map[int]*benchApp{}
	app := func(b *testing.B, orgs int) *benchApp {
		if orgs >= 100_000 {
			testdb.Large(b, "100k")
		}
		if apps[orgs] == nil {
			ba := newBenchAppOn(outer, testdb.Seeded(outer, testdb.Seed{Orgs: orgs, MembersPerOrg: 10}))
			ba.memberLogin(b) // warm: the account exists, the connector is open and its keys fetched
			apps[orgs] = ba
		}
		return apps[orgs]
	}
	for _, size := range []struct {
		name string
		orgs int
	}{{"orgs=10", 10}, {"orgs=100k", 100_000}} {
		outer.Run(size.name, func(b *testing.B) {
			ba := app(b, size.orgs)
			for b.Loop() {
				ba.memberLogin(b)
			}
		})
	}
	outer.Run("100k-vs-10", func(b *testing.B) {
		large, small := app(b, 100_000), app(b, 10)
		var tLarge, tSmall time.Duration
		for b.Loop() {
			t0 := time.Now()
			large.memberLogin(b)
			t1 := time.Now()
			small.memberLogin(b)
			tLarge += t1.Sub(t0)
			tSmall += time.Since(t1)
		}
		b.ReportMetric(float64(tLarge.Nanoseconds())/float64(b.N), "100k-ns/login")
		b.ReportMetric(float64(tSmall.Nanoseconds())/float64(b.N), "10-ns/login")
		b.ReportMetric(float64(tLarge)/float64(tSmall), "x-small")
	})
}
