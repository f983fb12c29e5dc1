package models

import (
	"context"
	"time"
)

// API token scopes.
const (
	ScopeRead  = "read"
	ScopeWrite = "write"
)

// APIToken lets a program use one org's API. Only the hash of the token is
// stored; Hint is its last characters, to tell tokens apart in a list.
type APIToken struct {
	ID             int64      `gorm:"primaryKey" json:"id"`
	OrgID          int64      `gorm:"column:org_id" json:"-"`
	Name           string     `gorm:"column:name" json:"name"`
	Scope          string     `gorm:"column:scope" json:"scope"`
	TokenHash      string     `gorm:"column:token_hash" json:"-"`
	Hint           string     `gorm:"column:hint" json:"hint"`
	CreatedBy      *int64     `gorm:"column:created_by" json:"-"`
	CreatedByEmail string     `gorm:"column:created_by_email" json:"createdBy"`
	CreatedAt      time.Time  `gorm:"column:created_at" json:"createdAt"`
	ExpiresAt      *time.Time `gorm:"column:expires_at" json:"expiresAt"`
	LastUsedAt     *time.Time `gorm:"column:last_used_at" json:"lastUsedAt"`
	RevokedAt      *time.Time `gorm:"column:revoked_at" json:"revokedAt"`
}

// TableName is the table of API tokens.
func (APIToken) TableName() string { return "api_tokens" }

// Usable reports whether the token may be used at now: not revoked, not
// expired.
func (t APIToken) Usable(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || now.Before(*t.ExpiresAt))
}

// CreateAPIToken stores a new token of the org.
func (s *Store) CreateAPIToken(ctx context.Context, orgID int64, t APIToken) (APIToken, error) {
	t.ID, t.OrgID, t.CreatedAt = 0, orgID, s.now()
	err := s.w(ctx).Create(&t).Error
	return t, translate(err)
}

// APITokens lists the org's tokens, newest first, revoked ones included.
func (s *Store) APITokens(ctx context.Context, orgID int64) ([]APIToken, error) {
	var out []APIToken
	err := s.r(ctx).Where("org_id = ?", orgID).Order("created_at DESC, id DESC").Find(&out).Error
	return out, err
}

// APITokenByHash finds a token by the hash of its value, whatever its org
// and state: the caller checks both.
func (s *Store) APITokenByHash(ctx context.Context, hash string) (APIToken, error) {
	var t APIToken
	err := s.r(ctx).Where("token_hash = ?", hash).Take(&t).Error
	return t, translate(err)
}

// TouchAPIToken notes that a token was used, at most once a minute.
func (s *Store) TouchAPIToken(ctx context.Context, id int64) error {
	now := s.now()
	return s.w(ctx).Model(&APIToken{}).Where("id = ? AND (last_used_at IS NULL OR last_used_at < ?)", id, now.Add(-time.Minute)).
		Update("last_used_at", now).Error
}

// RevokeAPIToken ends one of the org's tokens; ErrNotFound when it has no
// such token, or it is revoked already.
func (s *Store) RevokeAPIToken(ctx context.Context, orgID, id int64) (APIToken, error) {
	res := s.w(ctx).Model(&APIToken{}).Where("org_id = ? AND id = ? AND revoked_at IS NULL", orgID, id).Update("revoked_at", s.now())
	if res.Error != nil {
		return APIToken{}, res.Error
	}
	if res.RowsAffected == 0 {
		return APIToken{}, ErrNotFound
	}
	var t APIToken
	err := s.w(ctx).Where("org_id = ? AND id = ?", orgID, id).Take(&t).Error
	return t, translate(err)
}
