package models

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/schema"
)

// Store runs every query orgsso makes.
type Store struct {
	db    *DB
	now   func() time.Time
	cache cache
	// accessChanged hears of every committed change of access (OnAccessChange).
	accessChanged func(AccessChange)
	// rq and wq are the login path's prepared statements on the read and
	// the write pool.
	rq, wq *statements
}

// NewStore returns a Store over db.
func NewStore(db *DB) *Store {
	s := &Store{db: db, now: func() time.Time { return time.Now().UTC() }}
	if r, err := db.Read.DB(); err == nil {
		s.rq = newStatements(r, db.Dialect)
	}
	if w, err := db.Write.DB(); err == nil {
		s.wq = newStatements(w, db.Dialect)
	}
	return s
}

// DB returns the underlying database (for the authz adapter and health checks).
func (s *Store) DB() *DB { return s.db }

func (s *Store) r(ctx context.Context) *gorm.DB { return s.db.Read.WithContext(ctx) }
func (s *Store) w(ctx context.Context) *gorm.DB { return s.db.Write.WithContext(ctx) }

// translate maps gorm errors to the package's sentinels.
func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return ErrNotFound
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return ErrConflict
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		// The row referred to is gone, e.g. an org deleted on another
		// instance while this one served it from its cache.
		return ErrNotFound
	}
	return err
}

// ---- organizations

// CreateOrganization adds a tenant; ErrConflict when the slug is taken.
func (s *Store) CreateOrganization(ctx context.Context, slug, name string) (Organization, error) {
	now := s.now()
	o := Organization{Slug: strings.ToLower(slug), Name: name, Version: 1, CreatedAt: now, UpdatedAt: now}
	err := s.w(ctx).Create(&o).Error
	return o, translate(err)
}

// OrganizationBySlug finds an org by its URL slug. Plain database/sql:
// every request to an org's pages reads it.
func (s *Store) OrganizationBySlug(ctx context.Context, slug string) (Organization, error) {
	var o Organization
	row, err := s.rq.queryRow(ctx, `SELECT id, slug, name, sso_enabled, sso_enforced, version, created_at, updated_at
FROM organizations WHERE slug = ?`, strings.ToLower(slug))
	if err != nil {
		return o, err
	}
	err = row.Scan(&o.ID, &o.Slug, &o.Name, &o.SSOEnabled, &o.SSOEnforced, &o.Version, &o.CreatedAt, &o.UpdatedAt)
	return o, s.sqlError(err)
}

// Organization loads the org itself; orgID comes from the resolved URL.
func (s *Store) Organization(ctx context.Context, orgID int64) (Organization, error) {
	var o Organization
	err := s.r(ctx).Where("id = ?", orgID).Take(&o).Error
	return o, translate(err)
}

// ListOrganizations returns every org by name (platform admins only).
func (s *Store) ListOrganizations(ctx context.Context) ([]Organization, error) {
	var out []Organization
	err := s.r(ctx).Order("name, id").Find(&out).Error
	return out, err
}

// OrganizationsByID returns the orgs with these ids, by name.
func (s *Store) OrganizationsByID(ctx context.Context, ids []int64) ([]Organization, error) {
	var out []Organization
	if len(ids) == 0 {
		return out, nil
	}
	err := s.r(ctx).Where("id IN ?", ids).Order("name, id").Find(&out).Error
	return out, err
}

// RenameOrganization changes an org's display name.
func (s *Store) RenameOrganization(ctx context.Context, orgID int64, name string) error {
	defer s.cache.clear()
	res := s.w(ctx).Model(&Organization{}).Where("id = ?", orgID).
		Updates(map[string]any{"name": name, "updated_at": s.now(), "version": gorm.Expr("version + 1")})
	if res.Error == nil && res.RowsAffected == 0 {
		return ErrNotFound
	}
	return translate(res.Error)
}

// DeleteOrganization removes an org and, by cascade, what belongs to it.
func (s *Store) DeleteOrganization(ctx context.Context, orgID int64) error {
	defer s.cache.clear()
	res := s.w(ctx).Where("id = ?", orgID).Delete(&Organization{})
	if res.Error == nil && res.RowsAffected == 0 {
		return ErrNotFound
	}
	return translate(res.Error)
}

// ---- users

// CreateUser adds an account; ErrConflict when the email is taken.
func (s *Store) CreateUser(ctx context.Context, u User) (User, error) {
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	u.CreatedAt = s.now()
	err := s.w(ctx).Create(&u).Error
	return u, translate(err)
}

// UserByEmail finds an account by its (case-insensitive) email.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	var u User
	err := s.r(ctx).Where("email = ?", strings.ToLower(strings.TrimSpace(email))).Take(&u).Error
	return u, translate(err)
}

// UserByID finds an account by id.
func (s *Store) UserByID(ctx context.Context, id int64) (User, error) {
	var u User
	err := s.r(ctx).Where("id = ?", id).Take(&u).Error
	return u, translate(err)
}

// UsersByID returns the accounts with these ids, by email.
func (s *Store) UsersByID(ctx context.Context, ids []int64) ([]User, error) {
	var out []User
	if len(ids) == 0 {
		return out, nil
	}
	err := s.r(ctx).Where("id IN ?", ids).Order("email").Find(&out).Error
	return out, err
}

// CountUsers counts every account.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := s.r(ctx).Model(&User{}).Count(&n).Error
	return n, err
}

// SetPassword stores a new password hash and whether it must be changed at
// the next login.
func (s *Store) SetPassword(ctx context.Context, userID int64, hash string, mustChange bool) error {
	res := s.w(ctx).Model(&User{}).Where("id = ?", userID).
		Updates(map[string]any{"password_hash": hash, "must_change_password": mustChange})
	if res.Error == nil && res.RowsAffected == 0 {
		return ErrNotFound
	}
	return res.Error
}

// ---- sessions

// CreateSession stores a session as it is.
func (s *Store) CreateSession(ctx context.Context, sess Session) error {
	return translate(s.w(ctx).Create(&sess).Error)
}

// Login is everything one login writes.
type Login struct {
	Session Session
	// Replaces is the hash of the session the browser had, ended now ("" for none).
	Replaces string
	// Audit records the login.
	Audit AuditEvent
	// Through, for an SSO login, names the connection and configuration
	// version the login went through. The session is written only if, at
	// commit, that connection is still active at that version in an org
	// with SSO on; otherwise StartSession writes nothing and returns
	// ErrConnectionChanged.
	Through *Through
	// Spend, for an SSO login, is its login state, spent in the same
	// transaction: a state spent meanwhile (the same answer on another
	// instance) writes nothing and returns ErrAlreadyUsed.
	Spend *UsedOnce
	// Member, for an SSO login, is what the login changes of the member
	// (profile, roles) with the audit events of those changes, written in
	// the same transaction: a login refused at commit changes nothing.
	Member *MemberUpdate
}

// Through is the connection configuration an SSO login used.
type Through struct {
	ConnectionID int64
	Version      int64
}

// ErrConnectionChanged means an SSO login's connection was edited, switched
// off or removed, or its org's SSO turned off, while the login was in
// progress.
var ErrConnectionChanged = errors.New("connection changed during login")

// StartSession writes a login in one transaction: the new session in place
// of the one the browser had, the user's last login time, and the audit
// event. An SSO login notes when and through which connection the member
// last signed in to the org (the audit event's org); a password login,
// which is to no org in particular, notes the time in each of the person's
// memberships. An SSO login's member update (Login.Member: profile, roles
// with the change of access they make, their audit events) is written in
// the same transaction, and the change announced once it is committed.
func (s *Store) StartSession(ctx context.Context, l Login) error {
	at, sess, ev := l.Session.CreatedAt, l.Session, l.Audit
	if l.Through != nil {
		sess.ConnectionID, sess.OrgID = &l.Through.ConnectionID, ev.OrgID
	}
	// Plain database/sql with prepared statements: this runs at every login.
	insert := insertSessionSQL
	args := []any{sess.IDHash, sess.UserID, sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt, sess.IP,
		sess.UserAgent, sess.ConnectionID, sess.OrgID, sess.LogoutHint}
	touch, touchArgs := touchAllMembershipsSQL, []any{at, sess.UserID}
	if l.Through != nil {
		insert = insertSessionThroughSQL
		args = append(args, l.Through.ConnectionID, l.Through.Version, true, true)
		if ev.OrgID != nil {
			touch, touchArgs = touchMembershipSQL, []any{at, l.Through.ConnectionID, *ev.OrgID, sess.UserID}
		}
	}
	st, err := s.wq.prepared(ctx, spendOnceSQL, deleteSessionSQL, insert, touch, insertAuditSQL)
	if err != nil {
		return err
	}
	var mst []*sql.Stmt
	if !l.Member.empty() {
		if mst, err = s.wq.prepared(ctx, memberUpdateSQL...); err != nil {
			return err
		}
	}
	tx, err := s.wq.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if l.Spend != nil {
		if _, err := execIn(ctx, tx, st[0], l.Spend.Kind, l.Spend.IDHash, l.Spend.ExpiresAt.UTC()); err != nil {
			if errors.Is(s.sqlError(err), ErrConflict) {
				return ErrAlreadyUsed
			}
			return err
		}
	}
	if l.Replaces != "" {
		if _, err := execIn(ctx, tx, st[1], l.Replaces); err != nil {
			return err
		}
	}
	res, err := execIn(ctx, tx, st[2], args...)
	if err != nil {
		return s.sqlError(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return ErrConnectionChanged
	}
	if _, err := execIn(ctx, tx, st[3], touchArgs...); err != nil {
		return err
	}
	var changed *AccessChange
	if mst != nil {
		if changed, err = s.writeMember(ctx, tx, mst, *l.Member, at); err != nil {
			return err
		}
	}
	if _, err := execIn(ctx, tx, st[4], ev.OrgID, ev.ActorID, ev.ActorEmail, ev.Action, ev.Target, ev.Details, ev.IP, at); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.notifyAccess(changed)
	return nil
}

// The statements StartSession runs.
const (
	deleteSessionSQL = "DELETE FROM sessions WHERE id_hash = ?"
	insertSessionSQL = `INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent, connection_id, org_id, logout_hint)
SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?`
	// insertSessionThroughSQL writes an SSO session only while its
	// connection is active at the login's version in an org with SSO on.
	insertSessionThroughSQL = insertSessionSQL + `
WHERE EXISTS (SELECT 1 FROM connections c JOIN organizations o ON o.id = c.org_id
  WHERE c.id = ? AND c.version = ? AND c.active = ? AND o.sso_enabled = ?)`
	touchMembershipSQL     = "UPDATE memberships SET last_login_at = ?, last_connection_id = ? WHERE org_id = ? AND user_id = ?"
	touchAllMembershipsSQL = "UPDATE memberships SET last_login_at = ?, last_connection_id = NULL WHERE user_id = ?"
	insertAuditSQL         = `INSERT INTO audit_events (org_id, actor_id, actor_email, action, target, details, ip, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
)

// userColumnsAs selects every column of the users table (under alias table)
// as prefix+column, for a User embedded with that prefix; the columns come
// from the model itself.
var userColumnsAs = func() func(prefix, table string) string {
	sch, err := schema.Parse(&User{}, &sync.Map{}, schema.NamingStrategy{})
	if err != nil {
		panic(err)
	}
	return func(prefix, table string) string {
		cols := make([]string, len(sch.DBNames))
		for i, c := range sch.DBNames {
			cols[i] = table + "." + c + " AS " + prefix + c
		}
		return strings.Join(cols, ", ")
	}
}()

// TouchSession moves a session's idle clock; its absolute end stays.
func (s *Store) TouchSession(ctx context.Context, idHash string, seen time.Time) error {
	return s.w(ctx).Model(&Session{}).Where("id_hash = ?", idHash).Update("last_seen_at", seen).Error
}

// DeleteSession ends one session.
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	return s.w(ctx).Where("id_hash = ?", idHash).Delete(&Session{}).Error
}

// DeleteUserSessions ends every session of a user (password change, removal).
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64) error {
	return s.w(ctx).Where("user_id = ?", userID).Delete(&Session{}).Error
}

// PurgeExpired deletes sessions, logins in flight and rate-limit windows
// that have ended.
func (s *Store) PurgeExpired(ctx context.Context, rateWindow time.Duration) error {
	now := s.now()
	if err := s.w(ctx).Where("expires_at <= ?", now).Delete(&Session{}).Error; err != nil {
		return err
	}
	if err := s.w(ctx).Where("expires_at <= ?", now).Delete(&LoginState{}).Error; err != nil {
		return err
	}
	if err := s.w(ctx).Exec("DELETE FROM used_once WHERE expires_at <= ?", now).Error; err != nil {
		return err
	}
	return s.w(ctx).Exec("DELETE FROM rate_limits WHERE window_start < ?", now.Add(-rateWindow)).Error
}

// ---- audit

// Audit records an event.
func (s *Store) Audit(ctx context.Context, ev AuditEvent) error {
	ev.CreatedAt = s.now()
	return s.w(ctx).Create(&ev).Error
}

// AuditEvents lists an org's events, newest first.
func (s *Store) AuditEvents(ctx context.Context, orgID int64, limit int) ([]AuditEvent, error) {
	var out []AuditEvent
	err := s.r(ctx).Where("org_id = ?", orgID).Order("created_at DESC, id DESC").Limit(limit).Find(&out).Error
	return out, err
}

// ---- settings

// Setting returns a platform setting's value, or def when unset.
func (s *Store) Setting(ctx context.Context, key, def string) (string, error) {
	var st setting
	err := s.r(ctx).Where("key = ?", key).Take(&st).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return def, nil
	}
	return st.Value, err
}

// SetSetting stores a platform setting.
func (s *Store) SetSetting(ctx context.Context, key, value string) error {
	return s.w(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "key"}},
		DoUpdates: clause.AssignmentColumns([]string{"value"}),
	}).Create(&setting{Key: key, Value: value}).Error
}

// ---- rate limits

// Hit counts one attempt against key in a fixed window and reports whether
// it is within limit. The count lives in the database, so every instance
// shares it.
func (s *Store) Hit(ctx context.Context, key string, window time.Duration, limit int) (bool, error) {
	now := s.now()
	var count int
	err := s.w(ctx).Raw(`INSERT INTO rate_limits (key, window_start, count) VALUES (?, ?, 1)
ON CONFLICT (key) DO UPDATE SET
  count = CASE WHEN rate_limits.window_start < ? THEN 1 ELSE rate_limits.count + 1 END,
  window_start = CASE WHEN rate_limits.window_start < ? THEN excluded.window_start ELSE rate_limits.window_start END
RETURNING count`, key, now, now.Add(-window), now.Add(-window)).Scan(&count).Error
	if err != nil {
		return false, err
	}
	return count <= limit, nil
}

// Unhit gives back one hit of key's current window: the attempt it
// reserved was refused or turned out not to count. Since Hit numbers
// every attempt in one statement, giving back a refused one never lets
// more than limit attempts through.
func (s *Store) Unhit(ctx context.Context, key string, window time.Duration) error {
	return s.w(ctx).Exec("UPDATE rate_limits SET count = count - 1 WHERE key = ? AND count > 0 AND window_start >= ?",
		key, s.now().Add(-window)).Error
}

// Attempts returns how many hits key has in its current window.
func (s *Store) Attempts(ctx context.Context, key string, window time.Duration) (int, error) {
	var counts []int
	err := s.w(ctx).Raw("SELECT count FROM rate_limits WHERE key = ? AND window_start >= ?", key, s.now().Add(-window)).Scan(&counts).Error
	if err != nil || len(counts) == 0 {
		return 0, err
	}
	return counts[0], nil
}

// ResetHits clears a key's window (after a successful login).
func (s *Store) ResetHits(ctx context.Context, key string) error {
	return s.w(ctx).Exec("DELETE FROM rate_limits WHERE key = ?", key).Error
}
