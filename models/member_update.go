package models

import (
	"context"
	"database/sql"
	"time"
)

// MemberUpdate is what a member's SSO login changes of them besides the
// session, as the sign-in service decided it before writing anything: the
// profile the IdP now sends, the roles its group mappings now give, and
// the audit events of those changes. A login writes it in the session's
// transaction (Login.Member); a login refused after the decision (the
// member is pending, disabled or has no role left) writes it on its own
// (UpdateMember), as the refusal does not undo what the IdP said.
type MemberUpdate struct {
	OrgID, UserID int64
	// Profile, when set, is the account's refreshed profile (what the IdP
	// now says of the person): its name, given and family name, picture
	// and email_verified replace the stored ones.
	Profile *User
	// SetRoles makes the membership's roles exactly Roles, as
	// SetMemberRoles does: with the authz revision bumped and the access
	// change log row that tells every instance. ErrNotFound when the
	// membership is gone.
	SetRoles bool
	Roles    []string
	// Events are the audit events of these changes (their CreatedAt, when
	// zero, is the time of the write).
	Events []AuditEvent
}

// empty reports whether u writes nothing.
func (u *MemberUpdate) empty() bool {
	return u == nil || (u.Profile == nil && !u.SetRoles && len(u.Events) == 0)
}

// memberUpdateSQL are the statements writeMember runs, in the order of its
// statements argument. The revision bump and the change log row are
// changeAccess's (bumpAuthzRevision, logAccessChange) on plain SQL.
var memberUpdateSQL = []string{
	"UPDATE users SET name = ?, given_name = ?, family_name = ?, picture = ?, email_verified = ? WHERE id = ?",
	"UPDATE memberships SET roles = ? WHERE org_id = ? AND user_id = ?",
	"UPDATE authz_revision SET revision = revision + 1 WHERE id = 1 RETURNING revision",
	"INSERT INTO authz_changes (revision, user_id, org_id) VALUES (?, ?, ?)",
	insertAuditSQL,
}

// writeMember writes u in tx with st (memberUpdateSQL, prepared) and
// returns the change of access to announce once tx commits (nil for none).
func (s *Store) writeMember(ctx context.Context, tx *sql.Tx, st []*sql.Stmt, u MemberUpdate, at time.Time) (*AccessChange, error) {
	if p := u.Profile; p != nil {
		if _, err := execIn(ctx, tx, st[0], p.Name, p.GivenName, p.FamilyName, p.Picture, p.EmailVerified, u.UserID); err != nil {
			return nil, err
		}
	}
	var changed *AccessChange
	if u.SetRoles {
		res, err := execIn(ctx, tx, st[1], JoinRoles(u.Roles), u.OrgID, u.UserID)
		if err != nil {
			return nil, err
		}
		if n, err := res.RowsAffected(); err != nil {
			return nil, err
		} else if n == 0 {
			return nil, ErrNotFound
		}
		ch := AccessChange{UserID: u.UserID, OrgID: u.OrgID}
		if err := tx.StmtContext(ctx, st[2]).QueryRowContext(ctx).Scan(&ch.Revision); err != nil {
			return nil, err
		}
		if _, err := execIn(ctx, tx, st[3], ch.Revision, ch.UserID, ch.OrgID); err != nil {
			return nil, err
		}
		changed = &ch
	}
	for _, ev := range u.Events {
		when := ev.CreatedAt
		if when.IsZero() {
			when = at
		}
		if _, err := execIn(ctx, tx, st[4], ev.OrgID, ev.ActorID, ev.ActorEmail, ev.Action, ev.Target, ev.Details, ev.IP, when); err != nil {
			return nil, err
		}
	}
	return changed, nil
}

// UpdateMember writes u in one transaction, without a session: what a
// login refused after its decision still changes of the member.
func (s *Store) UpdateMember(ctx context.Context, u MemberUpdate) error {
	if u.empty() {
		return nil
	}
	st, err := s.wq.prepared(ctx, memberUpdateSQL...)
	if err != nil {
		return err
	}
	tx, err := s.wq.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	changed, err := s.writeMember(ctx, tx, st, u, s.now())
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.notifyAccess(changed)
	return nil
}

// notifyAccess tells this instance's listener of a committed change of
// access (nil: none).
func (s *Store) notifyAccess(ch *AccessChange) {
	if ch != nil && s.accessChanged != nil {
		s.accessChanged(*ch)
	}
}
