// Package testdb gives tests fresh, migrated databases: always SQLite in a
// temporary folder, and PostgreSQL on the server ORGSSO_TEST_POSTGRES_URL
// names (never one found on its own: tests create and drop databases
// there). Each PostgreSQL test gets its own database, dropped when the
// test ends.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for the admin connection

	"github.com/orgsso/orgsso/models"
)

var probe struct {
	once   sync.Once
	url    string
	reason string
}

// PostgresURL returns the admin URL of the PostgreSQL server named by
// ORGSSO_TEST_POSTGRES_URL, or "" and why not.
func PostgresURL() (string, string) {
	probe.once.Do(func() {
		u := os.Getenv("ORGSSO_TEST_POSTGRES_URL")
		if u == "" {
			probe.reason = "ORGSSO_TEST_POSTGRES_URL is not set"
			return
		}
		db, err := sql.Open("pgx", u)
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			err = db.PingContext(ctx)
			cancel()
			db.Close()
		}
		if err == nil {
			probe.url = u
		} else {
			probe.reason = "ORGSSO_TEST_POSTGRES_URL is set but the server does not answer: " + err.Error()
		}
	})
	return probe.url, probe.reason
}

// Dialect is one database a test runs against.
type Dialect struct {
	Name string
	// New returns the URL of a fresh, empty database for t (not yet migrated).
	New func(t testing.TB) string
}

// Dialects returns SQLite and, when ORGSSO_TEST_POSTGRES_URL names a
// server, PostgreSQL. An unreachable server named there fails the test.
func Dialects(t testing.TB) []Dialect {
	out := []Dialect{{Name: models.DialectSQLite, New: NewSQLite}}
	pg, reason := PostgresURL()
	if pg == "" {
		if os.Getenv("ORGSSO_TEST_POSTGRES_URL") != "" {
			t.Fatal(reason)
		}
		t.Logf("PostgreSQL not tested: %s", reason)
		return out
	}
	return append(out, Dialect{Name: models.DialectPostgres, New: NewPostgres})
}

// NewSQLite returns the path of a new SQLite database in t's temp folder.
func NewSQLite(t testing.TB) string {
	return filepath.Join(t.TempDir(), "orgsso.db")
}

// NewPostgres creates a new database on the named server, drops it when t
// ends, and returns its URL. It skips t when no server is named.
func NewPostgres(t testing.TB) string {
	t.Helper()
	admin, reason := PostgresURL()
	if admin == "" {
		t.Skip("PostgreSQL not available: " + reason)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "orgsso_test_" + hex.EncodeToString(b)
	db, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		db.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		defer db.Close()
		if _, err := db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Logf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

// Open opens and migrates the database at dbURL, closing it when t ends.
func Open(t testing.TB, dbURL string) *models.DB {
	t.Helper()
	db, err := models.Open(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", db.Dialect, err)
	}
	return db
}

// Each runs fn as a subtest per dialect with a fresh migrated database.
func Each(t *testing.T, fn func(t *testing.T, db *models.DB)) {
	for _, d := range Dialects(t) {
		t.Run(d.Name, func(t *testing.T) {
			fn(t, Open(t, d.New(t)))
		})
	}
}

// New returns a fresh database URL in the dialect chosen for this test run:
// PostgreSQL when ORGSSO_TEST_DB=postgres (make test-postgres runs the
// database-backed packages that way), else SQLite.
func New(t testing.TB) string {
	t.Helper()
	if os.Getenv("ORGSSO_TEST_DB") == models.DialectPostgres {
		if pg, reason := PostgresURL(); pg == "" {
			t.Fatal("ORGSSO_TEST_DB=postgres: " + reason)
		}
		return NewPostgres(t)
	}
	return NewSQLite(t)
}
