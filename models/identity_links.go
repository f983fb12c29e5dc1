package models

import (
	"context"
	"time"
)

// UserIdentityLink is one sign-in linked to an account: which connection of
// which org, and since when. It is the account holder's to see.
type UserIdentityLink struct {
	ConnectionID       int64
	ConnectionPublicID string
	ConnectionName     string
	OrgID              int64
	OrgSlug            string
	OrgName            string
	LinkedAt           time.Time
}

// IdentityLinksOfUser lists the sign-ins linked to userID, across orgs, by
// org name and connection name.
func (s *Store) IdentityLinksOfUser(ctx context.Context, userID int64) ([]UserIdentityLink, error) {
	var out []UserIdentityLink
	err := s.r(ctx).Table("identity_links l").
		Select(`c.id AS connection_id, c.public_id AS connection_public_id, c.display_name AS connection_name,
o.id AS org_id, o.slug AS org_slug, o.name AS org_name, l.created_at AS linked_at`).
		Joins("JOIN connections c ON c.id = l.connection_id").
		Joins("JOIN organizations o ON o.id = c.org_id").
		Where("l.user_id = ?", userID).
		Order("o.name, c.display_name, l.id").
		Scan(&out).Error
	return out, err
}
