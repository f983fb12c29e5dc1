package testdb

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orgsso/orgsso/models"
)

// Seed is the shape of a large database for benchmarks: Orgs organizations
// (ids 1..Orgs, slug "org-<i>", name "Org <i>"), each with MembersPerOrg
// members of its own (users 1..Orgs*MembersPerOrg, email "u<j>@seed.test").
// The first member of each org is its admin, the others users; every
// membership is active. Org 1 also has Connections OIDC connections (ids
// 1..Connections, "Connection <i>"), each active and with a passed test at
// its version.
type Seed struct {
	Orgs, MembersPerOrg int
	Connections         int
}

// OrgID is the id of the seeded org i (from 1).
func (s Seed) OrgID(i int) int64 { return int64(i) }

// UserID is the id of member k (from 0) of the seeded org i.
func (s Seed) UserID(i, k int) int64 { return int64((i-1)*s.MembersPerOrg + k + 1) }

// Users is how many accounts the seed makes.
func (s Seed) Users() int { return s.Orgs * s.MembersPerOrg }

// BenchURL returns a fresh, empty database for a benchmark: PostgreSQL on
// the server ORGSSO_TEST_POSTGRES_URL names when it is set, else SQLite in
// tb's temp folder.
func BenchURL(tb testing.TB) string {
	tb.Helper()
	if os.Getenv("ORGSSO_TEST_POSTGRES_URL") != "" {
		if pg, reason := PostgresURL(); pg == "" {
			tb.Fatal(reason)
		}
		return NewPostgres(tb)
	}
	return NewSQLite(tb)
}

// Populate fills a migrated database with s in one transaction of a few
// INSERT … SELECT statements over a generated series of numbers (a
// recursive CTE on SQLite, generate_series on PostgreSQL): a million
// memberships take seconds, not minutes. The database must hold no
// organizations or users yet.
func Populate(tb testing.TB, db *models.DB, s Seed) {
	tb.Helper()
	start := time.Now()
	series := func(n int) string {
		if db.Dialect == models.DialectPostgres {
			return "(SELECT i FROM generate_series(1, " + strconv.Itoa(n) + ") AS i) g"
		}
		return "(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < " + strconv.Itoa(n) + ") SELECT i FROM s) g"
	}
	m := strconv.Itoa(s.MembersPerOrg)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	stmts := []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO organizations (id, slug, name, sso_enabled, sso_enforced, version, created_at, updated_at)
SELECT i, 'org-' || i, 'Org ' || i, FALSE, FALSE, 1, ?, ? FROM ` + series(s.Orgs), []any{now, now}},
		{`INSERT INTO users (id, email, email_verified, name, created_at)
SELECT i, 'u' || i || '@seed.test', TRUE, 'User ' || i, ? FROM ` + series(s.Users()), []any{now}},
		{`INSERT INTO memberships (org_id, user_id, roles, status, source, created_at)
SELECT (i - 1) / ` + m + ` + 1, i, CASE WHEN (i - 1) % ` + m + ` = 0 THEN 'admin' ELSE 'user' END, 'active', 'admin', ?
FROM ` + series(s.Users()), []any{now}},
	}
	if s.Connections > 0 {
		stmts = append(stmts, struct {
			sql  string
			args []any
		}{`INSERT INTO connections (id, public_id, org_id, protocol, preset, display_name, name_key, active, version, config,
  provisioning, config_hash, created_at, updated_at)
SELECT i, 'c_seed' || i, 1, 'oidc', 'custom', 'Connection ' || i, 'connection ' || i, TRUE, 1, '{}', '{}', 'hash' || i, ?, ?
FROM ` + series(s.Connections), []any{now, now}}, struct {
			sql  string
			args []any
		}{`INSERT INTO test_runs (id, connection_id, config_version, config_hash, status, finished_at)
SELECT i, i, 1, 'hash' || i, 'passed', ? FROM ` + series(s.Connections), []any{now}})
	}
	tx := db.Write.Begin()
	for _, st := range stmts {
		if err := tx.Exec(st.sql, st.args...).Error; err != nil {
			tx.Rollback()
			tb.Fatalf("seed: %v\n%s", err, st.sql)
		}
	}
	if db.Dialect == models.DialectPostgres {
		for _, t := range []string{"organizations", "users", "connections", "test_runs"} {
			q := fmt.Sprintf("SELECT setval(pg_get_serial_sequence('%s', 'id'), (SELECT COALESCE(MAX(id), 0) + 1 FROM %s), false)", t, t)
			if err := tx.Exec(q).Error; err != nil {
				tx.Rollback()
				tb.Fatalf("seed: %v", err)
			}
		}
	}
	if err := tx.Commit().Error; err != nil {
		tb.Fatalf("seed: commit: %v", err)
	}
	analyze := "ANALYZE"
	if err := db.Write.Exec(analyze).Error; err != nil {
		tb.Fatalf("seed: %s: %v", analyze, err)
	}
	tb.Logf("seeded %s with %d orgs and %d memberships in %s", db.Dialect, s.Orgs, s.Users(), time.Since(start).Round(time.Millisecond))
}

// Seeded returns the URL of a fresh migrated database (BenchURL) filled
// with s.
func Seeded(tb testing.TB, s Seed) string {
	tb.Helper()
	url := BenchURL(tb)
	db, err := models.Open(url)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate: %v", err)
	}
	Populate(tb, db, s)
	return url
}

// Large skips b unless large sizes were asked for: ORGSSO_BENCH_LARGE=1, or
// a -test.bench pattern that names the size (e.g. -bench 'AuthzCan/orgs=100k'),
// so that a plain `make bench` stays short.
func Large(b *testing.B, size string) {
	b.Helper()
	if os.Getenv("ORGSSO_BENCH_LARGE") == "1" {
		return
	}
	for _, a := range os.Args {
		if v, ok := strings.CutPrefix(a, "-test.bench="); ok && strings.Contains(v, size) {
			return
		}
	}
	b.Skipf("large size %s: set ORGSSO_BENCH_LARGE=1 or name it in -bench", size)
}
