package models

import (
	"context"
	"time"
)

// SetupLinkTTL is how long a setup link works unless its creator says
// otherwise.
const SetupLinkTTL = 3 * 24 * time.Hour

// SetupLink lets someone without an account create or edit one named
// connection of an org and run its test, until it expires or is revoked.
// Only the hash of its token is stored.
type SetupLink struct {
	ID             int64      `gorm:"primaryKey"`
	OrgID          int64      `gorm:"column:org_id"`
	TokenHash      string     `gorm:"column:token_hash"`
	ConnectionName string     `gorm:"column:connection_name"`
	Preset         string     `gorm:"column:preset"`
	CreatedBy      *int64     `gorm:"column:created_by"`
	CreatedByEmail string     `gorm:"column:created_by_email"`
	CreatedAt      time.Time  `gorm:"column:created_at"`
	ExpiresAt      time.Time  `gorm:"column:expires_at"`
	RevokedAt      *time.Time `gorm:"column:revoked_at"`
	LastUsedAt     *time.Time `gorm:"column:last_used_at"`
}

// TableName is the table of setup links.
func (SetupLink) TableName() string { return "setup_links" }

// Usable reports whether the link works at now.
func (l SetupLink) Usable(now time.Time) bool { return l.RevokedAt == nil && now.Before(l.ExpiresAt) }

// CreateSetupLink stores a new link of the org (ExpiresAt defaults to
// SetupLinkTTL from now).
func (s *Store) CreateSetupLink(ctx context.Context, orgID int64, l SetupLink) (SetupLink, error) {
	now := s.now()
	l.ID, l.OrgID, l.CreatedAt = 0, orgID, now
	if l.ExpiresAt.IsZero() {
		l.ExpiresAt = now.Add(SetupLinkTTL)
	}
	err := s.w(ctx).Create(&l).Error
	return l, translate(err)
}

// SetupLinks lists the org's links, newest first.
func (s *Store) SetupLinks(ctx context.Context, orgID int64) ([]SetupLink, error) {
	var out []SetupLink
	err := s.r(ctx).Where("org_id = ?", orgID).Order("created_at DESC, id DESC").Find(&out).Error
	return out, err
}

// SetupLinkByHash finds a link by its token's hash, whatever its state.
func (s *Store) SetupLinkByHash(ctx context.Context, hash string) (SetupLink, error) {
	var l SetupLink
	err := s.r(ctx).Where("token_hash = ?", hash).Take(&l).Error
	return l, translate(err)
}

// TouchSetupLink notes that a link was used.
func (s *Store) TouchSetupLink(ctx context.Context, id int64) error {
	return s.w(ctx).Model(&SetupLink{}).Where("id = ?", id).Update("last_used_at", s.now()).Error
}

// RevokeSetupLink ends one of the org's links; ErrNotFound when it has no
// such link or it is revoked already.
func (s *Store) RevokeSetupLink(ctx context.Context, orgID, id int64) (SetupLink, error) {
	res := s.w(ctx).Model(&SetupLink{}).Where("org_id = ? AND id = ? AND revoked_at IS NULL", orgID, id).Update("revoked_at", s.now())
	if res.Error != nil {
		return SetupLink{}, res.Error
	}
	if res.RowsAffected == 0 {
		return SetupLink{}, ErrNotFound
	}
	var l SetupLink
	err := s.w(ctx).Where("org_id = ? AND id = ?", orgID, id).Take(&l).Error
	return l, translate(err)
}
