package models

import (
	"context"
	"database/sql"
	"time"
)

// ConnectionListed is one row of an org's connections table: the
// connection without its configuration, provisioning and secret, its
// newest test, and its newest passed test at its present configuration.
type ConnectionListed struct {
	Connection Connection // Config, Provisioning, SealedSecret and CreatedAt left empty
	// Latest is the newest test (nil: never tested); only its ID,
	// ConfigVersion, ConfigHash, Status and FinishedAt are read.
	Latest *TestRun
	// Passed is the newest passed test at the present configuration (nil:
	// none); only its ID and FinishedAt are read.
	Passed *TestRun
}

// ListConnections returns the org's connections by name with what their
// table shows, in one query that reads each connection's tests through the
// test_runs index on connection_id: its cost grows with the number of
// connections only, never with their tests or other orgs.
func (s *Store) ListConnections(ctx context.Context, orgID int64) ([]ConnectionListed, error) {
	rows, err := s.r(ctx).Raw(`SELECT c.id, c.public_id, c.protocol, c.preset, c.display_name, c.logo_url, c.active, c.version,
  c.config_hash, c.updated_at, c.updated_by,
  l.id, l.config_version, l.config_hash, l.status, l.reason, l.finished_at, p.id, p.finished_at
FROM connections c
LEFT JOIN test_runs l ON l.id = (SELECT MAX(t.id) FROM test_runs t WHERE t.connection_id = c.id)
LEFT JOIN test_runs p ON p.id = (SELECT MAX(t.id) FROM test_runs t WHERE t.connection_id = c.id AND t.status = ?
  AND t.config_version = c.version AND t.config_hash = c.config_hash)
WHERE c.org_id = ?
ORDER BY c.display_name, c.id`, TestPassed, orgID).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ConnectionListed
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

func utc(t time.Time) time.Time { return t.UTC() }
