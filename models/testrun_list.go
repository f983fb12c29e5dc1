package models

import "context"

// TestRuns lists the tests of one of the org's connections, newest first,
// at most limit.
func (s *Store) TestRuns(ctx context.Context, orgID, connectionID int64, limit int) ([]TestRun, error) {
	if _, err := s.ConnectionByID(ctx, orgID, connectionID); err != nil {
		return nil, err
	}
	var out []TestRun
	err := s.r(ctx).Where("connection_id = ?", connectionID).Order("id DESC").Limit(limit).Find(&out).Error
	return out, err
}
