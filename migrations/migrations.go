// Package migrations holds orgsso's numbered, append-only migrations: SQL
// files, one folder per dialect, embedded into the binary, and the few that
// need Go (a value only Go can compute) as Go migrations here, one for both
// dialects. All are applied with goose through Provider.
package migrations

import (
	"database/sql"
	"embed"
	"io/fs"

	"github.com/pressly/goose/v3"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// FS returns the SQL migrations for dialect "sqlite" or "postgres".
func FS(dialect string) (fs.FS, error) {
	return fs.Sub(files, dialect)
}

// Provider returns the goose provider of every migration, SQL and Go, for
// dialect "sqlite" or "postgres" over db.
func Provider(dialect string, db *sql.DB, opts ...goose.ProviderOption) (*goose.Provider, error) {
	fsys, err := FS(dialect)
	if err != nil {
		return nil, err
	}
	gd := goose.DialectSQLite3
	if dialect == "postgres" {
		gd = goose.DialectPostgres
	}
	opts = append(opts, goose.WithGoMigrations(goMigrations(dialect)...))
	return goose.NewProvider(gd, db, fsys, opts...)
}

// goMigrations are the Go migrations; their versions are not used by any
// SQL file.
func goMigrations(dialect string) []*goose.Migration {
	return []*goose.Migration{connectionNameKey(dialect)}
}
