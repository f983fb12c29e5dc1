package models

import (
	"errors"
	"time"
)

// Sentinel errors the web layer maps to pages.
var (
	// ErrNotFound means the row does not exist (or is not the caller's org's).
	ErrNotFound = errors.New("not found")
	// ErrConflict means a unique value is taken or a version is stale.
	ErrConflict = errors.New("conflict")
)

// MemberStatus is a person's standing in one org.
type MemberStatus string

// Membership statuses.
const (
	StatusActive   MemberStatus = "active"
	StatusPending  MemberStatus = "pending"
	StatusDisabled MemberStatus = "disabled"
)

// Organization is a tenant.
type Organization struct {
	ID          int64     `gorm:"primaryKey"`
	Slug        string    `gorm:"column:slug"`
	Name        string    `gorm:"column:name"`
	SSOEnabled  bool      `gorm:"column:sso_enabled"`
	SSOEnforced bool      `gorm:"column:sso_enforced"`
	Version     int       `gorm:"column:version"`
	CreatedAt   time.Time `gorm:"column:created_at"`
	UpdatedAt   time.Time `gorm:"column:updated_at"`
}

// User is a person, local (with a password) or from SSO: only what is the
// person's own, plus the platform-wide Disabled and PlatformAdmin. Their
// standing in each org is a Membership.
type User struct {
	ID                 int64   `gorm:"primaryKey"`
	Email              string  `gorm:"column:email"`
	EmailVerified      bool    `gorm:"column:email_verified"`
	Name               string  `gorm:"column:name"`
	GivenName          string  `gorm:"column:given_name"`
	FamilyName         string  `gorm:"column:family_name"`
	Picture            string  `gorm:"column:picture"`
	PasswordHash       *string `gorm:"column:password_hash"`
	MustChangePassword bool    `gorm:"column:must_change_password"`
	Disabled           bool    `gorm:"column:disabled"`
	PlatformAdmin      bool    `gorm:"column:platform_admin"`
	// CreatedByOrgID is the org whose SSO created the account (JIT).
	CreatedByOrgID *int64    `gorm:"column:created_by_org_id"`
	CreatedAt      time.Time `gorm:"column:created_at"`
}

// HasPassword reports whether the user can log in with a password.
func (u User) HasPassword() bool { return u.PasswordHash != nil && *u.PasswordHash != "" }

// Session is a server-side login session; the cookie carries a random id and
// the table only its SHA-256, so a copy of the database opens no session.
type Session struct {
	IDHash       string    `gorm:"column:id_hash;primaryKey"`
	UserID       int64     `gorm:"column:user_id"`
	CreatedAt    time.Time `gorm:"column:created_at"`
	LastSeenAt   time.Time `gorm:"column:last_seen_at"`
	ExpiresAt    time.Time `gorm:"column:expires_at"`
	IP           string    `gorm:"column:ip"`
	UserAgent    string    `gorm:"column:user_agent"`
	ConnectionID *int64    `gorm:"column:connection_id"`
	// OrgID, for a session that came through an org's connection, is the
	// one org it opens.
	OrgID      *int64 `gorm:"column:org_id"`
	LogoutHint string `gorm:"column:logout_hint"`
}

// AuditEvent records one change: who did what to what, when and from where.
type AuditEvent struct {
	ID         int64     `gorm:"primaryKey"`
	OrgID      *int64    `gorm:"column:org_id"`
	ActorID    *int64    `gorm:"column:actor_id"`
	ActorEmail string    `gorm:"column:actor_email"`
	Action     string    `gorm:"column:action"`
	Target     string    `gorm:"column:target"`
	Details    string    `gorm:"column:details"`
	IP         string    `gorm:"column:ip"`
	CreatedAt  time.Time `gorm:"column:created_at"`
}

// Setting keys.
const (
	// SettingAllowSignup is "true" when people may register a password account.
	SettingAllowSignup = "allow_local_signup"
)

type setting struct {
	Key   string `gorm:"column:key;primaryKey"`
	Value string `gorm:"column:value"`
}

func (setting) TableName() string { return "settings" }
