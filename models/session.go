package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// SessionListing is one of a person's live sessions as their account page
// shows it: the session and, for one an org's IdP opened, that org and the
// connection it came through.
type SessionListing struct {
	Session
	OrgSlug        string `gorm:"column:org_slug"`
	OrgName        string `gorm:"column:org_name"`
	ConnectionName string `gorm:"column:connection_name"`
}

// ViaSSO reports whether an org's connection opened the session.
func (l SessionListing) ViaSSO() bool { return l.OrgID != nil }

// UserSessions lists a person's live sessions, most recently used first:
// not past their absolute end, and used since idleSince. With scopeOrgID
// set, only the sessions that org's IdP opened.
func (s *Store) UserSessions(ctx context.Context, userID, scopeOrgID int64, idleSince time.Time) ([]SessionListing, error) {
	q := s.r(ctx).Table("sessions").
		Select("sessions.*, COALESCE(o.slug, '') AS org_slug, COALESCE(o.name, '') AS org_name, COALESCE(c.display_name, '') AS connection_name").
		Joins("LEFT JOIN organizations o ON o.id = sessions.org_id").
		Joins("LEFT JOIN connections c ON c.id = sessions.connection_id AND c.org_id = sessions.org_id").
		Where("sessions.user_id = ? AND sessions.expires_at > ? AND sessions.last_seen_at > ?", userID, s.now(), idleSince)
	if scopeOrgID != 0 {
		q = q.Where("sessions.org_id = ?", scopeOrgID)
	}
	var out []SessionListing
	err := q.Order("sessions.last_seen_at DESC, sessions.created_at DESC, sessions.id_hash").Scan(&out).Error
	return out, err
}

// EndUserSession ends one of a person's own sessions, by its id's hash;
// with scopeOrgID set, only one that org's IdP opened. ErrNotFound when
// there is no such session of theirs.
func (s *Store) EndUserSession(ctx context.Context, userID, scopeOrgID int64, idHash string) error {
	q := s.w(ctx).Where("id_hash = ? AND user_id = ?", idHash, userID)
	if scopeOrgID != 0 {
		q = q.Where("org_id = ?", scopeOrgID)
	}
	return rowsOrNotFound(q.Delete(&Session{}))
}

// EndOrgSessions ends the sessions of a person that the org's IdPs opened,
// and no other: their password sessions and other orgs' are theirs.
// It returns how many ended.
func (s *Store) EndOrgSessions(ctx context.Context, orgID, userID int64) (int64, error) {
	res := s.w(ctx).Where("org_id = ? AND user_id = ?", orgID, userID).Delete(&Session{})
	return res.RowsAffected, res.Error
}

func endOrgSessions(tx *gorm.DB, orgID, userID int64) error {
	return tx.Where("org_id = ? AND user_id = ?", orgID, userID).Delete(&Session{}).Error
}

// OrgSessionCounts counts, per member among userIDs, the live sessions the
// org's IdPs opened.
func (s *Store) OrgSessionCounts(ctx context.Context, orgID int64, userIDs []int64) (map[int64]int, error) {
	out := map[int64]int{}
	if len(userIDs) == 0 {
		return out, nil
	}
	var rows []struct {
		UserID int64 `gorm:"column:user_id"`
		N      int   `gorm:"column:n"`
	}
	err := s.r(ctx).Table("sessions").Select("user_id, COUNT(*) AS n").
		Where("org_id = ? AND user_id IN ? AND expires_at > ?", orgID, userIDs, s.now()).
		Group("user_id").Scan(&rows).Error
	for _, r := range rows {
		out[r.UserID] = r.N
	}
	return out, err
}
