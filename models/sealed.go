package models

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// SealedKind names a column whose values are sealed (app/secrets): what the
// key rotation re-seals and the start-up check tries to open.
type SealedKind string

// The columns that hold sealed values.
const (
	// SealedConnectionSecret is connections.sealed_secret: a client secret
	// or a private key.
	SealedConnectionSecret SealedKind = "connection secret"
	// SealedLogoutHint is sessions.logout_hint: the IdP session hint for
	// RP-initiated logout.
	SealedLogoutHint SealedKind = "session logout hint"
	// SealedLoginState is login_states.pending: a first login waiting for
	// consent (a login in flight lives sealed in the browser, for minutes,
	// under the newest key).
	SealedLoginState SealedKind = "login waiting for consent"
)

// SealedKinds lists every kind, in the order rotation reports them.
var SealedKinds = []SealedKind{SealedConnectionSecret, SealedLogoutHint, SealedLoginState}

// SealedValue is one sealed value at rest with what its binding is made
// of (app/signin knows the bindings).
type SealedValue struct {
	Kind SealedKind
	// Ref names the row: a connection's public id, a login state's hash.
	// It is "" for a session, whose logout hint is bound to no row.
	Ref string
	// StateKind is a login state's kind (StateLogin, StateConsent).
	StateKind string
	// OrgID is the org the row belongs to (0 for a session's hint).
	OrgID int64
	Value string
}

type sealedSource struct {
	kind SealedKind
	// query selects key (the row's primary key), ref, state_kind, org_id,
	// value of every row with a sealed value.
	query string
	// update sets the value of the row with key, if it still holds the old value.
	update string
	// newest orders query's rows newest first.
	newest string
}

var sealedSources = []sealedSource{
	{
		kind:   SealedConnectionSecret,
		query:  `SELECT CAST(id AS TEXT) AS row_key, public_id AS ref, '' AS state_kind, org_id, sealed_secret AS value FROM connections WHERE sealed_secret <> ''`,
		update: `UPDATE connections SET sealed_secret = ? WHERE CAST(id AS TEXT) = ? AND sealed_secret = ?`,
		newest: ` ORDER BY updated_at DESC, id DESC`,
	},
	{
		kind:   SealedLogoutHint,
		query:  `SELECT id_hash AS row_key, '' AS ref, '' AS state_kind, 0 AS org_id, logout_hint AS value FROM sessions WHERE logout_hint <> ''`,
		update: `UPDATE sessions SET logout_hint = ? WHERE id_hash = ? AND logout_hint = ?`,
		newest: ` ORDER BY created_at DESC, id_hash`,
	},
	{
		kind:   SealedLoginState,
		query:  `SELECT state_hash AS row_key, state_hash AS ref, kind AS state_kind, org_id, pending AS value FROM login_states WHERE pending <> ''`,
		update: `UPDATE login_states SET pending = ? WHERE state_hash = ? AND pending = ?`,
		newest: ` ORDER BY created_at DESC, state_hash`,
	},
}

type sealedRow struct {
	RowKey    string `gorm:"column:row_key"`
	Ref       string `gorm:"column:ref"`
	StateKind string `gorm:"column:state_kind"`
	OrgID     int64  `gorm:"column:org_id"`
	Value     string `gorm:"column:value"`
}

func (r sealedRow) value(kind SealedKind) SealedValue {
	return SealedValue{Kind: kind, Ref: r.Ref, StateKind: r.StateKind, OrgID: r.OrgID, Value: r.Value}
}

// NewestSealed returns the newest sealed value of each kind that has one:
// what the start-up check opens to prove the configured keys are right.
func (s *Store) NewestSealed(ctx context.Context) ([]SealedValue, error) {
	var out []SealedValue
	for _, src := range sealedSources {
		var rows []sealedRow
		if err := s.r(ctx).Raw(src.query + src.newest + " LIMIT 1").Scan(&rows).Error; err != nil {
			return nil, err
		}
		for _, r := range rows {
			out = append(out, r.value(src.kind))
		}
	}
	return out, nil
}

// ResealCount is what Reseal did to one kind of value.
type ResealCount struct {
	Kind SealedKind
	// Resealed values were sealed again; Current ones already were under
	// the newest key; Changed ones were rewritten by someone else meanwhile
	// and left as they are.
	Resealed, Current, Changed int
}

// Reseal rewrites every sealed value in the database with reseal's answer,
// in one transaction: reseal returns the new value and whether it differs.
// An error from reseal (a value that does not open) rolls everything back
// and names the value. A row whose value changed since it was read (a save
// on a running instance) is left as its writer left it.
//
// A connection's config_hash and version stay: the secret itself is the
// same, so its passed tests still hold.
func (s *Store) Reseal(ctx context.Context, reseal func(SealedValue) (string, bool, error)) ([]ResealCount, error) {
	var counts []ResealCount
	err := s.w(ctx).Transaction(func(tx *gorm.DB) error {
		counts = counts[:0]
		for _, src := range sealedSources {
			var rows []sealedRow
			if err := tx.Raw(src.query).Scan(&rows).Error; err != nil {
				return err
			}
			n := ResealCount{Kind: src.kind}
			for _, r := range rows {
				v := r.value(src.kind)
				nv, changed, err := reseal(v)
				if err != nil {
					return fmt.Errorf("%s %s: %w", src.kind, describeRef(v), err)
				}
				if !changed {
					n.Current++
					continue
				}
				res := tx.Exec(src.update, nv, r.RowKey, r.Value)
				if res.Error != nil {
					return res.Error
				}
				if res.RowsAffected == 0 {
					n.Changed++
					continue
				}
				n.Resealed++
			}
			counts = append(counts, n)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return counts, nil
}

func describeRef(v SealedValue) string {
	switch v.Kind {
	case SealedConnectionSecret:
		return v.Ref + fmt.Sprintf(" (org %d)", v.OrgID)
	case SealedLoginState:
		return fmt.Sprintf("of org %d", v.OrgID)
	}
	return ""
}
