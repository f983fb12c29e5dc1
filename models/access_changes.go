package models

import (
	"context"

	"gorm.io/gorm"
)

// Every change of access (a membership's roles or status, a platform
// admin's role, a disabled account) bumps the authz revision and, in the
// same transaction, writes a row of the access change log under that
// revision naming whose access changed: (user, org), org 0 for the
// platform. The revision row's lock orders the changes, so revisions
// commit in order; an instance that has read up to revision r and sees
// revision r' knows that exactly the rows r+1..r' describe what it missed,
// and drops only those users' cached standings. The same code runs on
// SQLite and PostgreSQL.

// logAccessChange records in tx that ch.UserID's access in ch.OrgID
// changed at ch.Revision.
func logAccessChange(tx *gorm.DB, ch AccessChange) error {
	return tx.Exec("INSERT INTO authz_changes (revision, user_id, org_id) VALUES (?, ?, ?)",
		ch.Revision, ch.UserID, ch.OrgID).Error
}

// AccessChanges returns the logged changes after revision after, up to and
// including upto, oldest first, at most limit of them. Fewer than
// upto-after rows means some were pruned: the caller cannot know whom they
// named.
func (s *Store) AccessChanges(ctx context.Context, after, upto int64, limit int) ([]AccessChange, error) {
	var out []AccessChange
	err := s.r(ctx).Raw(`SELECT revision, user_id, org_id FROM authz_changes WHERE revision > ? AND revision <= ?
ORDER BY revision LIMIT ?`, after, upto, limit).Scan(&out).Error
	return out, err
}

// PruneAccessChanges deletes the logged changes older than revision
// before. An instance that had not read them yet forgets everything it
// cached.
func (s *Store) PruneAccessChanges(ctx context.Context, before int64) error {
	return s.w(ctx).Exec("DELETE FROM authz_changes WHERE revision < ?", before).Error
}
