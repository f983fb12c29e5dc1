package models

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/orgsso/orgsso/models/names"
)

// ConnectionListed is one row of an org's connections table: the
// connection without its configuration, provisioning and secret, its
// newest test, and its newest passed test at its present configuration.
type ConnectionListed struct {
	Connection Connection // Config, Provisioning, SealedSecret and CreatedAt left empty
	// Latest is the newest test (nil: never tested); only its ID,
	// ConfigVersion, ConfigHash, Status, Reason and FinishedAt are read.
	Latest *TestRun
	// Passed is the newest passed test at the present configuration (nil:
	// none); only its ID and FinishedAt are read.
	Passed *TestRun
}

// ConnectionsPerPage is how many connections a page of the connections
// table lists.
const ConnectionsPerPage = 50

// ConnectionsPage is one page of an org's connections table.
type ConnectionsPage struct {
	Rows []ConnectionListed
	// Total is how many connections match the query (all of the org's
	// without one).
	Total int64
	ConnectionCounts
	Page    int // from 1
	PerPage int
}

// ConnectionCounts counts an org's connections: all of them, and those
// that members can use (active, with a passed test at their present
// settings).
type ConnectionCounts struct {
	All, Usable int64
}

// LastPage is the number of the page that lists the last match (1 when
// nothing matches).
func (p ConnectionsPage) LastPage() int {
	if p.Total == 0 || p.PerPage <= 0 {
		return 1
	}
	return int((p.Total + int64(p.PerPage) - 1) / int64(p.PerPage))
}

// usableWhere is true of a connection c that members can use: active, with
// a passed test at its present settings (invariant 2); its one argument is
// TestPassed. usableOthers and EnableSSO decide with the same condition.
const usableWhere = `c.active AND EXISTS (
  SELECT 1 FROM test_runs t WHERE t.connection_id = c.id AND t.config_version = c.version
    AND t.config_hash = c.config_hash AND t.status = ?)`

// listedColumns are the connection columns the table reads.
const listedColumns = `c.id, c.public_id, c.protocol, c.preset, c.display_name, c.logo_url, c.active, c.version,
  c.config_hash, c.updated_at, c.updated_by`

// connFilter narrows the org's connections: where is ANDed to
// "c.org_id = ?" with args.
type connFilter struct {
	where string
	args  []any
}

// nameFilter keeps the connections whose name contains query, compared as
// names are (names.Key: case, spaces and look-alike forms do not count).
func nameFilter(query string) connFilter {
	key := names.Key(strings.TrimSpace(query))
	if key == "" {
		return connFilter{}
	}
	return connFilter{where: `c.name_key LIKE ? ESCAPE '\'`, args: []any{"%" + likeEscape(key) + "%"}}
}

func usableFilter(usable bool) connFilter {
	if usable {
		return connFilter{where: usableWhere, args: []any{TestPassed}}
	}
	return connFilter{where: "NOT (" + usableWhere + ")", args: []any{TestPassed}}
}

func (f connFilter) sql(orgID int64) (string, []any) {
	if f.where == "" {
		return "c.org_id = ?", []any{orgID}
	}
	return "c.org_id = ? AND " + f.where, append([]any{orgID}, f.args...)
}

// countConnections counts the org's connections that f keeps.
func (s *Store) countConnections(ctx context.Context, orgID int64, f connFilter) (int64, error) {
	where, args := f.sql(orgID)
	var n int64
	err := s.r(ctx).Raw("SELECT COUNT(*) FROM connections c WHERE "+where, args...).Scan(&n).Error
	return n, err
}

// countsWith counts all of the org's connections, the usable ones and
// those that f keeps, in one round trip of three counts (each planned on
// its own: the usable one as a semi-join with the tests).
func (s *Store) countsWith(ctx context.Context, orgID int64, f connFilter) (ConnectionCounts, int64, error) {
	matching := "0"
	where, args := f.sql(orgID)
	if f.where != "" {
		matching = "(SELECT COUNT(*) FROM connections c WHERE " + where + ")"
	} else {
		args = nil
	}
	usableW, usableArgs := usableFilter(true).sql(orgID)
	args = append(append([]any{orgID}, args...), usableArgs...)
	var row struct{ Total, Matching, Usable int64 }
	err := s.r(ctx).Raw(`SELECT (SELECT COUNT(*) FROM connections c WHERE c.org_id = ?) AS total,
  `+matching+` AS matching,
  (SELECT COUNT(*) FROM connections c WHERE `+usableW+`) AS usable`, args...).Scan(&row).Error
	if f.where == "" {
		row.Matching = row.Total
	}
	return ConnectionCounts{All: row.Total, Usable: row.Usable}, row.Matching, err
}

// CountConnections counts the org's connections, and those members can
// use, in one aggregate query (no row is loaded).
func (s *Store) CountConnections(ctx context.Context, orgID int64) (ConnectionCounts, error) {
	c, _, err := s.countsWith(ctx, orgID, connFilter{})
	return c, err
}

// listConnections returns the org's connections that f keeps, by name, limit
// of them from offset on, with what their table shows. The page is chosen
// first, over the connections_org_display_name index; only its rows look up
// their tests (through the test_runs index on connection_id), so a page
// costs the same however many connections or tests the org has.
func (s *Store) listConnections(ctx context.Context, orgID int64, f connFilter, limit, offset int) ([]ConnectionListed, error) {
	where, args := f.sql(orgID)
	// The page is cut first; then only its rows look up their tests' ids,
	// and the tests are joined by primary key (a join on a subquery's value
	// lets PostgreSQL hash every org's tests).
	args = append([]any{TestPassed}, append(args, limit, offset)...)
	rows, err := s.r(ctx).Raw(`SELECT `+listedColumns+`,
  l.id, l.config_version, l.config_hash, l.status, l.reason, l.finished_at, p.id, p.finished_at
FROM (SELECT `+listedColumns+`,
    (SELECT MAX(t.id) FROM test_runs t WHERE t.connection_id = c.id) AS latest_id,
    (SELECT MAX(t.id) FROM test_runs t WHERE t.connection_id = c.id AND t.status = ?
      AND t.config_version = c.version AND t.config_hash = c.config_hash) AS passed_id
  FROM (SELECT `+listedColumns+` FROM connections c WHERE `+where+`
    ORDER BY c.display_name, c.id LIMIT ? OFFSET ?) c) c
LEFT JOIN test_runs l ON l.id = c.latest_id
LEFT JOIN test_runs p ON p.id = c.passed_id
ORDER BY c.display_name, c.id`, args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]ConnectionListed, 0, limit)
	for rows.Next() {
		var (
			c         Connection
			lID, lVer sql.NullInt64
			lHash     sql.NullString
			lStatus   sql.NullString
			lReason   sql.NullString
			lAt, pAt  sql.NullTime
			pID       sql.NullInt64
		)
		if err := rows.Scan(&c.ID, &c.PublicID, &c.Protocol, &c.Preset, &c.DisplayName, &c.LogoURL, &c.Active, &c.Version,
			&c.ConfigHash, &c.UpdatedAt, &c.UpdatedBy,
			&lID, &lVer, &lHash, &lStatus, &lReason, &lAt, &pID, &pAt); err != nil {
			return nil, err
		}
		c.OrgID = orgID
		r := ConnectionListed{Connection: c}
		if lID.Valid {
			r.Latest = &TestRun{ID: lID.Int64, ConnectionID: c.ID, ConfigVersion: lVer.Int64, ConfigHash: lHash.String,
				Status: lStatus.String, Reason: lReason.String, FinishedAt: utc(lAt.Time)}
		}
		if pID.Valid {
			r.Passed = &TestRun{ID: pID.Int64, ConnectionID: c.ID, ConfigVersion: c.Version, ConfigHash: c.ConfigHash,
				Status: TestPassed, FinishedAt: utc(pAt.Time)}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ListConnections returns page (from 1; past the last, the last) of the
// org's connections by name, ConnectionsPerPage at a time, only those whose
// name contains query when it is not empty, with what their table shows
// and the org's counts: two queries, whatever the org's size.
func (s *Store) ListConnections(ctx context.Context, orgID int64, query string, page int) (ConnectionsPage, error) {
	out := ConnectionsPage{Page: max(page, 1), PerPage: ConnectionsPerPage}
	f := nameFilter(query)
	var err error
	if out.ConnectionCounts, out.Total, err = s.countsWith(ctx, orgID, f); err != nil {
		return out, err
	}
	out.Page = min(out.Page, out.LastPage())
	out.Rows, err = s.listConnections(ctx, orgID, f, out.PerPage, (out.Page-1)*out.PerPage)
	return out, err
}

// FirstConnections returns the first limit of the org's connections by
// name that members can use (usable), or cannot.
func (s *Store) FirstConnections(ctx context.Context, orgID int64, usable bool, limit int) ([]ConnectionListed, error) {
	return s.listConnections(ctx, orgID, usableFilter(usable), limit, 0)
}

// UsableConnectionRows returns, whole and by name, the org's connections
// that members can use, in one query that reads no other connection.
func (s *Store) UsableConnectionRows(ctx context.Context, orgID int64) ([]Connection, error) {
	var out []Connection
	err := s.r(ctx).Raw(`SELECT c.* FROM connections c WHERE c.org_id = ? AND `+usableWhere+`
ORDER BY c.display_name, c.id`, orgID, TestPassed).Scan(&out).Error
	return out, err
}

// ListedConnection returns one of the org's connections as its table row
// shows it, or ErrNotFound.
func (s *Store) ListedConnection(ctx context.Context, orgID, connID int64) (ConnectionListed, error) {
	rows, err := s.listConnections(ctx, orgID, connFilter{where: "c.id = ?", args: []any{connID}}, 1, 0)
	if err != nil {
		return ConnectionListed{}, err
	}
	if len(rows) == 0 {
		return ConnectionListed{}, ErrNotFound
	}
	return rows[0], nil
}

// ConnectionPage is the page of the unfiltered connections table that
// lists the connection (1 when it is gone).
func (s *Store) ConnectionPage(ctx context.Context, orgID int64, conn Connection) (int, error) {
	before, err := s.countConnections(ctx, orgID, connFilter{
		where: "(c.display_name < ? OR (c.display_name = ? AND c.id < ?))",
		args:  []any{conn.DisplayName, conn.DisplayName, conn.ID},
	})
	return int(before/ConnectionsPerPage) + 1, err
}

func utc(t time.Time) time.Time { return t.UTC() }

// ConnectionConfigs returns the stored configurations of the org's
// connections ids, by id: what a listing leaves out, read for the few rows
// that need it (certificates to warn of).
func (s *Store) ConnectionConfigs(ctx context.Context, orgID int64, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID     int64
		Config string
	}
	err := s.r(ctx).Raw("SELECT id, config FROM connections WHERE org_id = ? AND id IN ?", orgID, ids).Scan(&rows).Error
	for _, r := range rows {
		out[r.ID] = r.Config
	}
	return out, err
}
