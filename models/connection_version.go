package models

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// ConnectionVersion is one saved version of a connection: its settings as
// they were saved, never its secret, with who saved it and when.
type ConnectionVersion struct {
	ID           int64     `gorm:"primaryKey"`
	ConnectionID int64     `gorm:"column:connection_id"`
	OrgID        int64     `gorm:"column:org_id"`
	Version      int64     `gorm:"column:version"`
	Protocol     string    `gorm:"column:protocol"`
	Preset       string    `gorm:"column:preset"`
	DisplayName  string    `gorm:"column:display_name"`
	LogoURL      string    `gorm:"column:logo_url"`
	Config       string    `gorm:"column:config"`
	Provisioning string    `gorm:"column:provisioning"`
	SavedBy      string    `gorm:"column:saved_by"`
	SavedAt      time.Time `gorm:"column:saved_at"`
	// Note says how the version came about when it was not a plain save
	// ("restored from version 3").
	Note string `gorm:"column:note"`
}

// TableName is the table of saved versions.
func (ConnectionVersion) TableName() string { return "connection_versions" }

// recordVersion keeps the settings of c, just saved at c.Version, in tx.
func recordVersion(tx *gorm.DB, c Connection, note string) error {
	return tx.Create(&ConnectionVersion{
		ConnectionID: c.ID, OrgID: c.OrgID, Version: c.Version, Protocol: c.Protocol, Preset: c.Preset,
		DisplayName: c.DisplayName, LogoURL: c.LogoURL, Config: c.Config, Provisioning: c.Provisioning,
		SavedBy: c.UpdatedBy, SavedAt: c.UpdatedAt, Note: note,
	}).Error
}

// ConnectionVersions lists the saved versions of one of the org's
// connections, newest first.
func (s *Store) ConnectionVersions(ctx context.Context, orgID, connectionID int64) ([]ConnectionVersion, error) {
	var out []ConnectionVersion
	err := s.r(ctx).Where("org_id = ? AND connection_id = ?", orgID, connectionID).Order("version DESC").Find(&out).Error
	return out, err
}

// ConnectionVersionAt loads one saved version of one of the org's
// connections.
func (s *Store) ConnectionVersionAt(ctx context.Context, orgID, connectionID, version int64) (ConnectionVersion, error) {
	var v ConnectionVersion
	err := s.r(ctx).Where("org_id = ? AND connection_id = ? AND version = ?", orgID, connectionID, version).Take(&v).Error
	return v, translate(err)
}
