package models

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/orgsso/orgsso/models/names"
)

// Protocols of a connection.
const (
	ProtocolOIDC = "oidc"
	ProtocolSAML = "saml"
)

// Test statuses.
const (
	TestPassed = "passed"
	TestFailed = "failed"
)

// Provisioning says what a login through a connection does with the person.
type Provisioning struct {
	// JIT creates an account at the first login; off admits only people
	// who already have an account (linked, or linkable by verified email).
	JIT bool `json:"jit"`
	// Activation leaves accounts created by JIT pending until an admin
	// activates them.
	Activation bool `json:"activation"`
	// Consent shows what the org will receive and creates the account only
	// once the person accepts.
	Consent bool `json:"consent"`
	// DefaultRole is given to everyone who logs in: "", "user" or "admin".
	DefaultRole string `json:"defaultRole"`
	// GroupMappings is "GROUP->role;GROUP->role".
	GroupMappings string `json:"groupMappings"`
	// SyncRoles makes the org roles exactly the mapped ones at every login,
	// removing roles whose group is gone.
	SyncRoles bool `json:"syncRoles"`
	// LinkByVerifiedEmail lets a first login attach to an existing account
	// whose email is verified, when the IdP vouches for the same email.
	LinkByVerifiedEmail bool `json:"linkByVerifiedEmail"`
}

// Connection is one identity provider connection of an org.
type Connection struct {
	ID           int64     `gorm:"primaryKey"`
	PublicID     string    `gorm:"column:public_id"`
	OrgID        int64     `gorm:"column:org_id"`
	Protocol     string    `gorm:"column:protocol"`
	Preset       string    `gorm:"column:preset"`
	DisplayName  string    `gorm:"column:display_name"`
	NameKey      string    `gorm:"column:name_key"` // names.Key(DisplayName), unique in the org; set by the store
	LogoURL      string    `gorm:"column:logo_url"`
	Active       bool      `gorm:"column:active"`
	Version      int64     `gorm:"column:version"`
	Config       string    `gorm:"column:config"`       // protocol JSON, no secrets
	Provisioning string    `gorm:"column:provisioning"` // Provisioning JSON
	ConfigHash   string    `gorm:"column:config_hash"`  // hash of what a test depends on
	SealedSecret string    `gorm:"column:sealed_secret"`
	CreatedAt    time.Time `gorm:"column:created_at"`
	UpdatedAt    time.Time `gorm:"column:updated_at"`
	UpdatedBy    string    `gorm:"column:updated_by"`
}

// TestRun is the outcome of one test login through a connection at one
// configuration.
type TestRun struct {
	ID             int64     `gorm:"primaryKey"`
	ConnectionID   int64     `gorm:"column:connection_id"`
	ConfigVersion  int64     `gorm:"column:config_version"`
	ConfigHash     string    `gorm:"column:config_hash"`
	StartedBy      *int64    `gorm:"column:started_by"`
	StartedByEmail string    `gorm:"column:started_by_email"`
	Status         string    `gorm:"column:status"`
	ErrorCode      string    `gorm:"column:error_code"`
	Reason         string    `gorm:"column:reason"`
	Detail         string    `gorm:"column:detail"`
	Claims         string    `gorm:"column:claims"` // JSON, tokens removed
	Mapped         string    `gorm:"column:mapped"` // JSON of what the claims map to
	FinishedAt     time.Time `gorm:"column:finished_at"`
}

// Passed reports whether the run passed.
func (t TestRun) Passed() bool { return t.Status == TestPassed }

// Current reports whether the run was made at the connection's present
// configuration.
func (t TestRun) Current(c Connection) bool {
	return t.ConfigVersion == c.Version && t.ConfigHash == c.ConfigHash
}

// IdentityLink ties an IdP subject at a connection to an account.
type IdentityLink struct {
	ID           int64     `gorm:"primaryKey"`
	ConnectionID int64     `gorm:"column:connection_id"`
	Subject      string    `gorm:"column:subject"`
	UserID       int64     `gorm:"column:user_id"`
	CreatedAt    time.Time `gorm:"column:created_at"`
}

// Kinds of login state.
const (
	StateLogin   = "login"   // a login in flight, between start and callback
	StateConsent = "consent" // a first login waiting for the person's consent
)

// LoginState is a login in flight: server-side, single use, short-lived.
// Only the hash of the state and of the browser binding are stored.
type LoginState struct {
	StateHash     string    `gorm:"column:state_hash;primaryKey"`
	Kind          string    `gorm:"column:kind"`
	OrgID         int64     `gorm:"column:org_id"`
	ConnectionID  int64     `gorm:"column:connection_id"`
	ConfigVersion int64     `gorm:"column:config_version"`
	Pending       string    `gorm:"column:pending"` // sealed connector state (nonce, PKCE verifier)
	BindingHash   string    `gorm:"column:binding_hash"`
	ReturnTo      string    `gorm:"column:return_to"`
	IsTest        bool      `gorm:"column:is_test"`
	IsLink        bool      `gorm:"column:is_link"` // a signed-in person links this sign-in to their account
	UserID        *int64    `gorm:"column:user_id"`
	ClientKey     string    `gorm:"column:client_key"`
	CreatedAt     time.Time `gorm:"column:created_at"`
	ExpiresAt     time.Time `gorm:"column:expires_at"`
}

func newPublicID() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return "c_" + base64.RawURLEncoding.EncodeToString(b)
}

// ---- connections

// CreateConnection adds a connection to an org at version 1; ErrConflict
// when the display name is taken in the org: another one has the same
// names.Key (the database refuses it, so racing creates save one).
func (s *Store) CreateConnection(ctx context.Context, orgID int64, c Connection) (Connection, error) {
	return s.CreateConnectionWith(ctx, orgID, c, nil)
}

// Connections lists an org's connections by name.
func (s *Store) Connections(ctx context.Context, orgID int64) ([]Connection, error) {
	var out []Connection
	err := s.r(ctx).Where("org_id = ?", orgID).Order("display_name, id").Find(&out).Error
	return out, err
}

// ConnectionByPublicID finds an org's connection by its public id.
func (s *Store) ConnectionByPublicID(ctx context.Context, orgID int64, publicID string) (Connection, error) {
	var c Connection
	err := s.r(ctx).Where("org_id = ? AND public_id = ?", orgID, publicID).Take(&c).Error
	return c, translate(err)
}

// ConnectionByID finds an org's connection by its internal id.
func (s *Store) ConnectionByID(ctx context.Context, orgID, id int64) (Connection, error) {
	// Plain database/sql: every login's callback reads its connection.
	var c Connection
	row, err := s.rq.queryRow(ctx, connectionByIDSQL, orgID, id)
	if err != nil {
		return c, err
	}
	err = row.Scan(&c.ID, &c.PublicID, &c.OrgID, &c.Protocol, &c.Preset, &c.DisplayName, &c.NameKey, &c.LogoURL, &c.Active,
		&c.Version, &c.Config, &c.Provisioning, &c.ConfigHash, &c.SealedSecret, &c.CreatedAt, &c.UpdatedAt, &c.UpdatedBy)
	return c, s.sqlError(err)
}

const connectionByIDSQL = `SELECT id, public_id, org_id, protocol, preset, display_name, name_key, logo_url, active,
  version, config, provisioning, config_hash, sealed_secret, created_at, updated_at, updated_by
FROM connections WHERE org_id = ? AND id = ?`

// UpdateConnection stores c's settings if the stored version is still
// c.Version, and bumps the version; ErrConflict when someone saved in
// between (or the new name is taken: its names.Key is another's).
func (s *Store) UpdateConnection(ctx context.Context, orgID int64, c Connection) (Connection, error) {
	return s.UpdateConnectionNoted(ctx, orgID, c, "")
}

// UpdateConnectionNoted is UpdateConnection keeping note with the saved
// version in the connection's history ("restored from version 3"). The
// update and the history row are one transaction.
func (s *Store) UpdateConnectionNoted(ctx context.Context, orgID int64, c Connection, note string) (Connection, error) {
	defer s.cache.clear()
	var saved Connection
	err := s.w(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Connection{}).Where("org_id = ? AND id = ? AND version = ?", orgID, c.ID, c.Version).
			Updates(map[string]any{
				"display_name": c.DisplayName, "name_key": names.Key(c.DisplayName), "logo_url": c.LogoURL, "preset": c.Preset,
				"config": c.Config, "provisioning": c.Provisioning, "config_hash": c.ConfigHash,
				"sealed_secret": c.SealedSecret, "updated_at": s.now(), "updated_by": c.UpdatedBy,
				"version": gorm.Expr("version + 1"),
			})
		if err := translate(res.Error); err != nil {
			return err
		}
		if res.RowsAffected == 0 {
			var n int64
			if err := tx.Model(&Connection{}).Where("org_id = ? AND id = ?", orgID, c.ID).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				return ErrNotFound
			}
			return ErrConflict
		}
		if err := tx.Where("org_id = ? AND id = ?", orgID, c.ID).Take(&saved).Error; err != nil {
			return err
		}
		return recordVersion(tx, saved, note)
	})
	if err != nil {
		return c, translate(err)
	}
	return saved, nil
}

// ConnectionsOfProtocol lists every org's connections of a protocol, by
// id, for work done on all of them (a refresh of their IdP's metadata).
// Only afterID's successors are listed, at most limit, so that a caller
// walks them in pages.
func (s *Store) ConnectionsOfProtocol(ctx context.Context, protocol string, afterID int64, limit int) ([]Connection, error) {
	var out []Connection
	err := s.r(ctx).Where("protocol = ? AND id > ?", protocol, afterID).Order("id").Limit(limit).Find(&out).Error
	return out, err
}

// RefreshConnectionConfig stores what a refresh read again of the IdP
// (connector.Protocol.Refresh) as c's configuration, if c is still at its
// version: the version, the configuration hash its tests are bound to and
// its history stay, since the admin's settings did not change. Connector
// caches see the change through updated_at. ErrConflict when c changed
// meanwhile.
func (s *Store) RefreshConnectionConfig(ctx context.Context, c Connection, config string) (Connection, error) {
	defer s.cache.clear()
	now := s.now()
	res := s.w(ctx).Model(&Connection{}).Where("org_id = ? AND id = ? AND version = ?", c.OrgID, c.ID, c.Version).
		Updates(map[string]any{"config": config, "updated_at": now})
	if err := translate(res.Error); err != nil {
		return c, err
	}
	if res.RowsAffected == 0 {
		return c, ErrConflict
	}
	c.Config, c.UpdatedAt = config, now
	return c, nil
}

// SetConnectionActive switches a connection on or off. Activation does not
// change the configuration, so the version and any passed test stay.
func (s *Store) SetConnectionActive(ctx context.Context, orgID, id int64, active bool, by string) error {
	defer s.cache.clear()
	res := s.w(ctx).Model(&Connection{}).Where("org_id = ? AND id = ?", orgID, id).
		Updates(map[string]any{"active": active, "updated_at": s.now(), "updated_by": by})
	if res.Error == nil && res.RowsAffected == 0 {
		return ErrNotFound
	}
	return res.Error
}

// SetSSO turns an org's SSO and SSO enforcement on or off.
func (s *Store) SetSSO(ctx context.Context, orgID int64, enabled, enforced bool) error {
	defer s.cache.clear()
	res := s.w(ctx).Model(&Organization{}).Where("id = ?", orgID).
		Updates(map[string]any{"sso_enabled": enabled, "sso_enforced": enforced, "updated_at": s.now()})
	if res.Error == nil && res.RowsAffected == 0 {
		return ErrNotFound
	}
	return res.Error
}

// ---- test runs

// RecordTestRun stores a test's outcome for one of the org's connections.
func (s *Store) RecordTestRun(ctx context.Context, orgID int64, t TestRun) (TestRun, error) {
	if _, err := s.ConnectionByID(ctx, orgID, t.ConnectionID); err != nil {
		return t, err
	}
	t.FinishedAt = s.now()
	err := s.w(ctx).Create(&t).Error
	return t, err
}

// TestRun loads one test of one of the org's connections.
func (s *Store) TestRun(ctx context.Context, orgID, connectionID, id int64) (TestRun, error) {
	if _, err := s.ConnectionByID(ctx, orgID, connectionID); err != nil {
		return TestRun{}, err
	}
	var t TestRun
	err := s.w(ctx).Where("id = ? AND connection_id = ?", id, connectionID).Take(&t).Error
	return t, translate(err)
}

// LatestTestRuns returns the newest test of each of the org's connections,
// by connection id.
func (s *Store) LatestTestRuns(ctx context.Context, orgID int64) (map[int64]TestRun, error) {
	var runs []TestRun
	err := s.r(ctx).Where(`id IN (SELECT MAX(t.id) FROM test_runs t JOIN connections c ON c.id = t.connection_id
		WHERE c.org_id = ? GROUP BY t.connection_id)`, orgID).Find(&runs).Error
	out := make(map[int64]TestRun, len(runs))
	for _, r := range runs {
		out[r.ConnectionID] = r
	}
	return out, err
}

// PassedTestRuns returns, by connection id, the newest passed test of each
// of the org's connections at its present configuration, in one query.
func (s *Store) PassedTestRuns(ctx context.Context, orgID int64) (map[int64]TestRun, error) {
	var runs []TestRun
	err := s.r(ctx).Joins("JOIN connections c ON c.id = test_runs.connection_id").
		Where("c.org_id = ? AND test_runs.status = ? AND test_runs.config_version = c.version AND test_runs.config_hash = c.config_hash",
			orgID, TestPassed).Find(&runs).Error
	out := make(map[int64]TestRun, len(runs))
	for _, r := range runs {
		if have, ok := out[r.ConnectionID]; !ok || r.ID > have.ID {
			out[r.ConnectionID] = r
		}
	}
	return out, err
}

// PassedTestRun returns the newest passed test of the connection at its
// present configuration, or ErrNotFound.
func (s *Store) PassedTestRun(ctx context.Context, orgID int64, c Connection) (TestRun, error) {
	var t TestRun
	err := s.r(ctx).Joins("JOIN connections c ON c.id = test_runs.connection_id").
		Where("c.org_id = ? AND test_runs.connection_id = ? AND test_runs.config_version = ? AND test_runs.config_hash = ? AND test_runs.status = ?",
			orgID, c.ID, c.Version, c.ConfigHash, TestPassed).
		Order("test_runs.id DESC").Take(&t).Error
	return t, translate(err)
}

// ---- identity links

// IdentityLinkBySubject finds who a subject at a connection is.
func (s *Store) IdentityLinkBySubject(ctx context.Context, connectionID int64, subject string) (IdentityLink, error) {
	var l IdentityLink
	err := s.r(ctx).Where("connection_id = ? AND subject = ?", connectionID, subject).Take(&l).Error
	return l, translate(err)
}

// LinkIdentity ties a subject at a connection to an account (first login).
func (s *Store) LinkIdentity(ctx context.Context, connectionID int64, subject string, userID int64) error {
	now := s.now()
	return translate(s.w(ctx).Create(&IdentityLink{ConnectionID: connectionID, Subject: subject, UserID: userID, CreatedAt: now}).Error)
}

// ---- login states

// SaveLoginState stores a first login waiting for the person's consent (a
// login in flight is not stored: it lives sealed in the browser).
func (s *Store) SaveLoginState(ctx context.Context, st LoginState) error {
	st.CreatedAt = s.now()
	if st.Kind == "" {
		st.Kind = StateConsent
	}
	return translate(s.w(ctx).Exec(`INSERT INTO login_states (state_hash, kind, org_id, connection_id, config_version, pending,
    binding_hash, return_to, is_test, is_link, user_id, client_key, created_at, expires_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		st.StateHash, st.Kind, st.OrgID, st.ConnectionID, st.ConfigVersion, st.Pending, st.BindingHash, st.ReturnTo,
		st.IsTest, st.IsLink, st.UserID, st.ClientKey, st.CreatedAt, st.ExpiresAt).Error)
}

// ErrLoginStateExpired means a login state was found past its expiry. It
// is an ErrNotFound: the state cannot be used, but TakeLoginState returns
// its row, so that an admin's expired test can say which test expired.
var ErrLoginStateExpired = fmt.Errorf("%w: login state expired", ErrNotFound)

// TakeLoginState removes and returns the login state of this kind and hash in one
// statement, so a second take of the same state finds nothing, on any
// instance. An expired state is removed and returned with
// ErrLoginStateExpired; an unknown one is ErrNotFound.
func (s *Store) TakeLoginState(ctx context.Context, kind, stateHash string) (LoginState, error) {
	var states []LoginState
	err := s.w(ctx).Raw("DELETE FROM login_states WHERE state_hash = ? AND kind = ? RETURNING *", stateHash, kind).Scan(&states).Error
	if err != nil {
		return LoginState{}, err
	}
	if len(states) != 1 {
		return LoginState{}, ErrNotFound
	}
	if !states[0].ExpiresAt.After(s.now()) {
		return states[0], ErrLoginStateExpired
	}
	return states[0], nil
}

// Fingerprint hashes everything a test result depends on: protocol,
// configuration, provisioning and secret. UpdateConnection callers store it
// as ConfigHash, so a test binds to the exact configuration it ran with.
func (c Connection) Fingerprint() string {
	h := sha256.New()
	for _, part := range []string{c.Protocol, c.Config, c.Provisioning, c.SealedSecret} {
		fmt.Fprintf(h, "%d:%s;", len(part), part)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ErrLastUsable means a change would leave an org with SSO on and no
// connection members can use (invariant 2).
var ErrLastUsable = errors.New("the last usable connection of an org with SSO on")

// usableOthers counts the org's connections other than exceptID that
// members can use: active, with a passed test at their present settings.
const usableOthers = `SELECT COUNT(*) FROM connections c
WHERE c.org_id = ? AND c.id <> ? AND ` + usableWhere

// lockOrg reads an org's SSO switch inside tx, holding the org against
// concurrent SSO changes until tx ends (SQLite's immediate transactions
// already hold the whole database).
func (s *Store) lockOrg(tx *gorm.DB, orgID int64) (enabled bool, err error) {
	q := "SELECT sso_enabled FROM organizations WHERE id = ?"
	if s.db.Dialect == DialectPostgres {
		q += " FOR UPDATE"
	}
	var rows []bool
	if err := tx.Raw(q, orgID).Scan(&rows).Error; err != nil {
		return false, err
	}
	if len(rows) != 1 {
		return false, ErrNotFound
	}
	return rows[0], nil
}

// RetireConnection switches a connection off, or deletes it when remove is
// set. While SSO is on and no other connection is usable, it refuses with
// ErrLastUsable, unless disableSSO, which turns SSO and its enforcement off
// in the same transaction; ssoOff reports that it did. The check and the
// change are one transaction, so two admins cannot both retire the last two.
func (s *Store) RetireConnection(ctx context.Context, orgID, connID int64, remove, disableSSO bool, by string) (ssoOff bool, err error) {
	defer s.cache.clear()
	err = s.w(ctx).Transaction(func(tx *gorm.DB) error {
		enabled, err := s.lockOrg(tx, orgID)
		if err != nil {
			return err
		}
		if enabled {
			var others int64
			if err := tx.Raw(usableOthers, orgID, connID, TestPassed).Scan(&others).Error; err != nil {
				return err
			}
			var usable int64
			if err := tx.Raw(usableOthers, orgID, 0, TestPassed).Scan(&usable).Error; err != nil {
				return err
			}
			if others == 0 && usable > 0 { // this connection is the last usable one
				if !disableSSO {
					return ErrLastUsable
				}
				res := tx.Model(&Organization{}).Where("id = ?", orgID).
					Updates(map[string]any{"sso_enabled": false, "sso_enforced": false, "updated_at": s.now()})
				if res.Error != nil {
					return res.Error
				}
				ssoOff = true
			}
		}
		var res *gorm.DB
		if remove {
			res = tx.Where("org_id = ? AND id = ?", orgID, connID).Delete(&Connection{})
		} else {
			res = tx.Model(&Connection{}).Where("org_id = ? AND id = ?", orgID, connID).
				Updates(map[string]any{"active": false, "updated_at": s.now(), "updated_by": by})
		}
		if res.Error == nil && res.RowsAffected == 0 {
			return ErrNotFound
		}
		return res.Error
	})
	return ssoOff, err
}

// ErrNoUsable means SSO cannot be turned on: no connection is usable.
var ErrNoUsable = errors.New("no usable connection")

// EnableSSO turns SSO on if some connection of the org is usable, checked
// in the same transaction.
func (s *Store) EnableSSO(ctx context.Context, orgID int64) error {
	defer s.cache.clear()
	return s.w(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := s.lockOrg(tx, orgID); err != nil {
			return err
		}
		var usable int64
		if err := tx.Raw(usableOthers, orgID, 0, TestPassed).Scan(&usable).Error; err != nil {
			return err
		}
		if usable == 0 {
			return ErrNoUsable
		}
		return tx.Model(&Organization{}).Where("id = ?", orgID).
			Updates(map[string]any{"sso_enabled": true, "updated_at": s.now()}).Error
	})
}
