package models

import (
	"context"
	"errors"
	"time"
)

// UsedOnce is a single-use id that has been spent: a login state, or a
// SAML assertion id. Only the hash of the id is kept, until it expires.
type UsedOnce struct {
	Kind      string
	IDHash    string
	ExpiresAt time.Time
}

// ErrAlreadyUsed means a single-use id was spent before.
var ErrAlreadyUsed = errors.New("already used")

// SpendOnce records u as spent; ErrAlreadyUsed when it was spent before,
// on this instance or another.
func (s *Store) SpendOnce(ctx context.Context, u UsedOnce) error {
	err := s.w(ctx).Exec(spendOnceSQL, u.Kind, u.IDHash, u.ExpiresAt.UTC()).Error
	if errors.Is(translate(err), ErrConflict) {
		return ErrAlreadyUsed
	}
	return err
}

const spendOnceSQL = "INSERT INTO used_once (kind, id_hash, expires_at) VALUES (?, ?, ?)"

// WasUsed reports whether a single-use id was spent (and is still remembered).
func (s *Store) WasUsed(ctx context.Context, kind, idHash string) (bool, error) {
	var n int64
	err := s.r(ctx).Raw("SELECT COUNT(*) FROM used_once WHERE kind = ? AND id_hash = ?", kind, idHash).Scan(&n).Error
	return n > 0, err
}
