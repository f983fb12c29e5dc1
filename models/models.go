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

// UserStatus is the lifecycle state of an account.
type UserStatus string

// User statuses.
const (
	StatusActive   UserStatus = "active"
	StatusPending  UserStatus = "pending"
	StatusDisabled UserStatus = "disabled"
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

// User is a person, local (with a password) or from SSO. Platform admins and
// org roles are not here: they live in Casbin's table.
type User struct {
	ID                 int64      `gorm:"primaryKey"`
	Email              string     `gorm:"column:email"`
	EmailVerified      bool       `gorm:"column:email_verified"`
	Name               string     `gorm:"column:name"`
	GivenName          string     `gorm:"column:given_name"`
	FamilyName         string     `gorm:"column:family_name"`
	Picture            string     `gorm:"column:picture"`
	PasswordHash       *string    `gorm:"column:password_hash"`
	MustChangePassword bool       `gorm:"column:must_change_password"`
	Status             UserStatus `gorm:"column:status"`
	CreatedAt          time.Time  `gorm:"column:created_at"`
	LastLoginAt        *time.Time `gorm:"column:last_login_at"`
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
	LogoutHint   string    `gorm:"column:logout_hint"`
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
