// Package models owns orgsso's persistent data: the gorm structs, the
// database connection (SQLite with one writer, or PostgreSQL), migrations at
// open, and a concrete *Store whose methods are the only queries the app
// runs. Org-scoped methods take (ctx, orgID, ...) first and never load an
// org's rows by id alone. Lookups that find nothing return ErrNotFound; unique
// or version conflicts return ErrConflict.
package models
