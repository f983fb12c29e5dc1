// Package migrations holds orgsso's numbered, append-only SQL migrations, one
// folder per dialect, embedded into the binary and applied with goose.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// FS returns the migrations for dialect "sqlite" or "postgres".
func FS(dialect string) (fs.FS, error) {
	return fs.Sub(files, dialect)
}
