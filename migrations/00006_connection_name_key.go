package migrations

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/pressly/goose/v3"

	"github.com/orgsso/orgsso/models/names"
)

// connectionNameKey (00006, both dialects) stores each connection's name
// key (names.Key: NFKC, spaces collapsed, invisible characters left out,
// case-folded) and makes it, not the name as typed, unique in an org. The
// key needs Go: LOWER() knows neither NFKC nor full case folding.
//
// Rows saved before may collide under the key ("Okta" and "okta" raced in,
// or a name with a zero-width space): the first (lowest id) keeps its name,
// each later one is renamed "name (2)", "name (3)" … to the first number
// whose key is free, so the unique index can be made and no row is lost.
func connectionNameKey(dialect string) *goose.Migration {
	ph := func(n int) string { return "?" }
	if dialect == "postgres" {
		ph = func(n int) string { return "$" + strconv.Itoa(n) }
	}
	up := func(ctx context.Context, tx *sql.Tx) error {
		for _, q := range []string{
			`ALTER TABLE connections ADD COLUMN name_key TEXT NOT NULL DEFAULT ''`,
			// Renamed rows could meet another row's name as typed.
			`DROP INDEX connections_org_name`,
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		type row struct {
			id, org int64
			name    string
		}
		var rows []row
		rs, err := tx.QueryContext(ctx, `SELECT id, org_id, display_name FROM connections ORDER BY org_id, id`)
		if err != nil {
			return err
		}
		for rs.Next() {
			var r row
			if err := rs.Scan(&r.id, &r.org, &r.name); err != nil {
				_ = rs.Close()
				return err
			}
			rows = append(rows, r)
		}
		if err := rs.Close(); err != nil {
			return err
		}
		if err := rs.Err(); err != nil {
			return err
		}
		// Every key a row has as stored, so a new name avoids them all.
		type orgKey struct {
			org int64
			key string
		}
		stored := map[orgKey]int{}
		for _, r := range rows {
			stored[orgKey{r.org, names.Key(r.name)}]++
		}
		taken := map[orgKey]bool{}
		update := `UPDATE connections SET display_name = ` + ph(1) + `, name_key = ` + ph(2) + ` WHERE id = ` + ph(3)
		for _, r := range rows {
			name, key := r.name, names.Key(r.name)
			if taken[orgKey{r.org, key}] {
				for n := 2; ; n++ {
					name = r.name + " (" + strconv.Itoa(n) + ")"
					key = names.Key(name)
					if k := (orgKey{r.org, key}); !taken[k] && stored[k] == 0 {
						break
					}
				}
			}
			taken[orgKey{r.org, key}] = true
			if _, err := tx.ExecContext(ctx, update, name, key, r.id); err != nil {
				return fmt.Errorf("connection %d: %w", r.id, err)
			}
		}
		_, err = tx.ExecContext(ctx, `CREATE UNIQUE INDEX connections_org_name_key ON connections(org_id, name_key)`)
		return err
	}
	down := func(ctx context.Context, tx *sql.Tx) error {
		for _, q := range []string{
			`DROP INDEX connections_org_name_key`,
			`ALTER TABLE connections DROP COLUMN name_key`,
			// Keys are unique, so names as typed are too.
			`CREATE UNIQUE INDEX connections_org_name ON connections(org_id, display_name)`,
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		return nil
	}
	return goose.NewGoMigration(6, &goose.GoFunc{RunTx: up}, &goose.GoFunc{RunTx: down})
}
