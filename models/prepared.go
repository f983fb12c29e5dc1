package models

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"
)

// The login path runs on plain database/sql with statements prepared once
// per pool: gorm's reflection, and its preparing a statement again inside
// every transaction, cost more there than the queries themselves.

// statements prepares each query once per pool and keeps it.
type statements struct {
	db       *sql.DB
	postgres bool
	mu       sync.Mutex
	byQuery  map[string]*sql.Stmt
}

func newStatements(db *sql.DB, dialect string) *statements {
	return &statements{db: db, postgres: dialect == DialectPostgres, byQuery: map[string]*sql.Stmt{}}
}

// get returns query ("?" placeholders) prepared on the pool.
func (s *statements) get(ctx context.Context, query string) (*sql.Stmt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.byQuery[query]; ok {
		return st, nil
	}
	st, err := s.db.PrepareContext(ctx, s.bind(query))
	if err != nil {
		return nil, err
	}
	s.byQuery[query] = st
	return st, nil
}

// bind writes "?" placeholders as PostgreSQL's $1, $2, … (no query here
// has a "?" in a string literal).
func (s *statements) bind(query string) string {
	if !s.postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// prepared returns the queries' statements, each prepared once. Call it
// before beginning a transaction: preparing needs a connection of the pool,
// and on SQLite the transaction holds the only writing one.
func (s *statements) prepared(ctx context.Context, queries ...string) ([]*sql.Stmt, error) {
	out := make([]*sql.Stmt, len(queries))
	for i, q := range queries {
		st, err := s.get(ctx, q)
		if err != nil {
			return nil, err
		}
		out[i] = st
	}
	return out, nil
}

// execIn runs a prepared statement in tx: database/sql reuses the
// statement already prepared on the transaction's connection.
func execIn(ctx context.Context, tx *sql.Tx, st *sql.Stmt, args ...any) (sql.Result, error) {
	return tx.StmtContext(ctx, st).ExecContext(ctx, args...)
}

// queryRow runs a one-row query on the pool.
func (s *statements) queryRow(ctx context.Context, query string, args ...any) (*sql.Row, error) {
	st, err := s.get(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryRowContext(ctx, args...), nil
}

// sqlError maps database/sql and driver errors to the package's sentinels,
// as translate does for gorm's.
func (s *Store) sqlError(err error) error {
	switch {
	case err == nil:
		return nil
	case err == sql.ErrNoRows:
		return ErrNotFound
	}
	if t, ok := s.db.Write.Dialector.(interface{ Translate(error) error }); ok {
		return translate(t.Translate(err))
	}
	return err
}

// userColumns are the users table's columns in User's field order
// (scanUser), prefixed by the query's alias for the table.
func userColumns(alias string) string {
	cols := []string{"id", "email", "email_verified", "name", "given_name", "family_name", "picture",
		"password_hash", "must_change_password", "disabled", "platform_admin", "created_by_org_id", "created_at"}
	for i, c := range cols {
		cols[i] = alias + "." + c
	}
	return strings.Join(cols, ", ")
}

// userFields are the scan destinations of userColumns.
func userFields(u *User) []any {
	return []any{&u.ID, &u.Email, &u.EmailVerified, &u.Name, &u.GivenName, &u.FamilyName, &u.Picture,
		&u.PasswordHash, &u.MustChangePassword, &u.Disabled, &u.PlatformAdmin, &u.CreatedByOrgID, &u.CreatedAt}
}

var sessionWithUserSQL = `SELECT s.id_hash, s.user_id, s.created_at, s.last_seen_at, s.expires_at, s.ip, s.user_agent,
  s.connection_id, s.org_id, s.logout_hint, ` + userColumns("u") + `
FROM sessions s JOIN users u ON u.id = s.user_id
WHERE s.id_hash = ? AND s.expires_at > ?`

// SessionWithUser finds a live session by the hash of its id, with its
// user, in one query: it runs on every signed-in request.
func (s *Store) SessionWithUser(ctx context.Context, idHash string) (Session, User, error) {
	var sess Session
	var u User
	row, err := s.rq.queryRow(ctx, sessionWithUserSQL, idHash, s.now())
	if err != nil {
		return sess, u, err
	}
	dest := append([]any{&sess.IDHash, &sess.UserID, &sess.CreatedAt, &sess.LastSeenAt, &sess.ExpiresAt, &sess.IP,
		&sess.UserAgent, &sess.ConnectionID, &sess.OrgID, &sess.LogoutHint}, userFields(&u)...)
	return sess, u, s.sqlError(row.Scan(dest...))
}

var linkedMemberSQL = `SELECT ` + userColumns("u") + `, m.user_id, m.roles, m.status, m.source, m.created_at, m.last_login_at, m.last_connection_id
FROM identity_links l JOIN users u ON u.id = l.user_id
LEFT JOIN memberships m ON m.user_id = u.id AND m.org_id = ?
WHERE l.connection_id = ? AND l.subject = ?`

// LinkedMember finds the account linked to (connection, subject) with its
// membership of org (nil when it has none), in one query: a returning
// member's login reads nothing else.
func (s *Store) LinkedMember(ctx context.Context, orgID, connectionID int64, subject string) (User, *Membership, error) {
	var u User
	var m Membership
	var memberID sql.NullInt64
	var roles, status, source sql.NullString
	var created sql.NullTime
	row, err := s.rq.queryRow(ctx, linkedMemberSQL, orgID, connectionID, subject)
	if err != nil {
		return u, nil, err
	}
	dest := append(userFields(&u), &memberID, &roles, &status, &source, &created, &m.LastLoginAt, &m.LastConnectionID)
	if err := row.Scan(dest...); err != nil {
		return u, nil, s.sqlError(err)
	}
	if !memberID.Valid {
		return u, nil, nil
	}
	m.OrgID, m.UserID, m.Roles, m.Status, m.Source, m.CreatedAt = orgID, memberID.Int64, roles.String, MemberStatus(status.String), source.String, created.Time
	return u, &m, nil
}
