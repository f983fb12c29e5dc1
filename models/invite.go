package models

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
)

// InviteTTL is how long an invite link can be used.
const InviteTTL = 7 * 24 * time.Hour

// Invite asks one email address to join an org with a role. Only the hash
// of its link's token is stored; it is accepted once.
type Invite struct {
	ID             int64      `gorm:"primaryKey"`
	OrgID          int64      `gorm:"column:org_id"`
	Email          string     `gorm:"column:email"`
	Role           string     `gorm:"column:role"`
	TokenHash      string     `gorm:"column:token_hash"`
	CreatedBy      *int64     `gorm:"column:created_by"`
	CreatedByEmail string     `gorm:"column:created_by_email"`
	CreatedAt      time.Time  `gorm:"column:created_at"`
	ExpiresAt      time.Time  `gorm:"column:expires_at"`
	AcceptedAt     *time.Time `gorm:"column:accepted_at"`
	AcceptedBy     *int64     `gorm:"column:accepted_by"`
	RevokedAt      *time.Time `gorm:"column:revoked_at"`
}

// Pending reports whether the invite can still be accepted at now.
func (i Invite) Pending(now time.Time) bool {
	return i.AcceptedAt == nil && i.RevokedAt == nil && now.Before(i.ExpiresAt)
}

func pendingInvites(tx *gorm.DB, now time.Time) *gorm.DB {
	return tx.Where("accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?", now)
}

// CreateInvite stores a new invite; a pending invite of the org for the
// same email is revoked, so only the newest link works.
func (s *Store) CreateInvite(ctx context.Context, orgID int64, inv Invite) (Invite, error) {
	now := s.now()
	inv.OrgID, inv.Email, inv.CreatedAt = orgID, strings.ToLower(strings.TrimSpace(inv.Email)), now
	if inv.ExpiresAt.IsZero() {
		inv.ExpiresAt = now.Add(InviteTTL)
	}
	err := s.w(ctx).Transaction(func(tx *gorm.DB) error {
		if err := pendingInvites(tx.Model(&Invite{}), now).Where("org_id = ? AND email = ?", orgID, inv.Email).
			Update("revoked_at", now).Error; err != nil {
			return err
		}
		return tx.Create(&inv).Error
	})
	return inv, translate(err)
}

// PendingInvites lists the org's invites that can still be accepted, newest first.
func (s *Store) PendingInvites(ctx context.Context, orgID int64) ([]Invite, error) {
	var out []Invite
	err := pendingInvites(s.r(ctx), s.now()).Where("org_id = ?", orgID).Order("created_at DESC, id DESC").Find(&out).Error
	return out, err
}

// PendingInvite finds the org's pending invite for exactly this email.
func (s *Store) PendingInvite(ctx context.Context, orgID int64, email string) (Invite, error) {
	var inv Invite
	err := pendingInvites(s.r(ctx), s.now()).Where("org_id = ? AND email = ?", orgID, strings.ToLower(strings.TrimSpace(email))).
		Order("created_at DESC").Take(&inv).Error
	return inv, translate(err)
}

// InviteByToken finds an invite by the hash of its link's token, whatever
// its state (the page says when it was used, revoked or has expired).
func (s *Store) InviteByToken(ctx context.Context, tokenHash string) (Invite, error) {
	var inv Invite
	err := s.r(ctx).Where("token_hash = ?", tokenHash).Take(&inv).Error
	return inv, translate(err)
}

// RevokeInvite withdraws a pending invite of the org.
func (s *Store) RevokeInvite(ctx context.Context, orgID, id int64) (Invite, error) {
	var inv Invite
	err := s.w(ctx).Transaction(func(tx *gorm.DB) error {
		if err := pendingInvites(tx, s.now()).Where("org_id = ? AND id = ?", orgID, id).Take(&inv).Error; err != nil {
			return err
		}
		return tx.Model(&Invite{}).Where("id = ?", id).Update("revoked_at", s.now()).Error
	})
	return inv, translate(err)
}

// AcceptInvite makes userID a member of the invite's org with its role, and
// spends the invite, in one transaction. The account's email must be the
// invited one (the caller checks). An existing membership gains the role
// and, if pending, becomes active: the invite is the admin's approval. A
// disabled membership stays disabled. ErrNotFound when the invite is no
// longer pending.
func (s *Store) AcceptInvite(ctx context.Context, inv Invite, userID int64) (Membership, error) {
	var m Membership
	err := s.changeAccess(ctx, &userID, inv.OrgID, func(tx *gorm.DB) error {
		var err error
		m, err = s.acceptInvite(tx, inv, userID, nil)
		return err
	})
	return m, err
}

// acceptInvite spends inv for userID inside tx and joins the org with the
// invite's role plus extra roles.
func (s *Store) acceptInvite(tx *gorm.DB, inv Invite, userID int64, extra []string) (Membership, error) {
	now := s.now()
	res := pendingInvites(tx.Model(&Invite{}), now).Where("id = ?", inv.ID).
		Updates(map[string]any{"accepted_at": now, "accepted_by": userID})
	if err := rowsOrNotFound(res); err != nil {
		return Membership{}, err
	}
	roles := append([]string{inv.Role}, extra...)
	return s.join(tx, Membership{OrgID: inv.OrgID, UserID: userID, Roles: JoinRoles(roles), Status: StatusActive, Source: SourceInvite})
}

// join adds m inside tx, or, when the person is a member already, adds m's
// roles to theirs and activates a pending membership if m is active.
func (s *Store) join(tx *gorm.DB, m Membership) (Membership, error) {
	var have Membership
	err := tx.Where("org_id = ? AND user_id = ?", m.OrgID, m.UserID).Take(&have).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		m.CreatedAt = s.now()
		return m, translate(tx.Create(&m).Error)
	}
	if err != nil {
		return have, err
	}
	have.Roles = JoinRoles(append(have.RoleList(), m.RoleList()...))
	if have.Status == StatusPending && m.Status == StatusActive {
		have.Status = StatusActive
	}
	err = tx.Model(&Membership{}).Where("org_id = ? AND user_id = ?", m.OrgID, m.UserID).
		Updates(map[string]any{"roles": have.Roles, "status": have.Status}).Error
	return have, err
}

// Admission is what an SSO login writes for a person whom the org's
// connection may sign in (the sign-in service has decided that).
type Admission struct {
	// NewUser, when set, is an account to create, owned by the org.
	NewUser *User
	// UserID is the existing account otherwise.
	UserID int64
	// Link ties ConnectionID + Subject to the account.
	Link         bool
	ConnectionID int64
	Subject      string
	// Invite, when set, is accepted by this login, with InviteRoles added
	// to its role.
	Invite      *Invite
	InviteRoles []string
	// Join, when set, makes the account a member (if not one already).
	Join *Membership
	// Events are the audit events of the admission, written in its
	// transaction; each one's org is the org admitted to, its actor and
	// target the admitted account.
	Events []AuditEvent
}

// Admit writes an admission and its audit events in one transaction and returns the account and
// its membership in the org (OrgID 0 when it has none). ErrConflict means a
// concurrent login created the account or the link first; ErrNotFound that
// the invite was spent meanwhile.
func (s *Store) Admit(ctx context.Context, orgID int64, a Admission) (User, Membership, error) {
	var u User
	var m Membership
	err := s.changeAccess(ctx, &u.ID, orgID, func(tx *gorm.DB) error {
		if a.NewUser != nil {
			u = *a.NewUser
			u.Email, u.CreatedAt, u.CreatedByOrgID = strings.ToLower(strings.TrimSpace(u.Email)), s.now(), &orgID
			if err := tx.Create(&u).Error; err != nil {
				return translate(err)
			}
		} else if err := tx.Where("id = ?", a.UserID).Take(&u).Error; err != nil {
			return translate(err)
		}
		if a.Link {
			if err := tx.Create(&IdentityLink{ConnectionID: a.ConnectionID, Subject: a.Subject, UserID: u.ID, CreatedAt: s.now()}).Error; err != nil {
				return translate(err)
			}
		}
		var err error
		switch {
		case a.Invite != nil:
			m, err = s.acceptInvite(tx, *a.Invite, u.ID, a.InviteRoles)
		case a.Join != nil:
			j := *a.Join
			j.OrgID, j.UserID = orgID, u.ID
			m, err = s.join(tx, j)
		default:
			err = tx.Where("org_id = ? AND user_id = ?", orgID, u.ID).Take(&m).Error
			if errors.Is(err, gorm.ErrRecordNotFound) {
				m, err = Membership{}, nil
			}
		}
		if err != nil {
			return err
		}
		for _, ev := range a.Events {
			ev.OrgID, ev.ActorID, ev.ActorEmail, ev.Target, ev.CreatedAt = &orgID, &u.ID, u.Email, u.Email, s.now()
			if err := tx.Create(&ev).Error; err != nil {
				return err
			}
		}
		return nil
	})
	return u, m, err
}
