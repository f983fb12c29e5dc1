package models

import (
	"context"

	"gorm.io/gorm"

	"github.com/orgsso/orgsso/models/names"
)

// CreateConnectionWith adds a connection like CreateConnection, but calls
// prepare with the row's public id assigned before inserting it, so a value
// bound to that id (the sealed client secret, and the ConfigHash over it)
// is stored with version 1 in the same insert.
func (s *Store) CreateConnectionWith(ctx context.Context, orgID int64, c Connection, prepare func(*Connection)) (Connection, error) {
	now := s.now()
	c.ID = 0
	c.OrgID = orgID
	c.PublicID = newPublicID()
	c.Version = 1
	c.CreatedAt, c.UpdatedAt = now, now
	if prepare != nil {
		prepare(&c)
	}
	c.NameKey = names.Key(c.DisplayName)
	err := s.w(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&c).Error; err != nil {
			return err
		}
		return recordVersion(tx, c, "")
	})
	return c, translate(err)
}
