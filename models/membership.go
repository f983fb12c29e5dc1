package models

import (
	"context"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Membership sources: how a person came to belong to an org.
const (
	SourceInvite = "invite" // accepted an invite
	SourceSSO    = "sso"    // signed in through one of the org's connections
	SourceAdmin  = "admin"  // added by the operator's command line, or migrated
)

// Membership is a person's standing in one org: the one source of truth for
// who belongs to it, with which roles and status. Nothing done in one org
// changes a membership of another.
type Membership struct {
	OrgID            int64        `gorm:"column:org_id;primaryKey"`
	UserID           int64        `gorm:"column:user_id;primaryKey"`
	Roles            string       `gorm:"column:roles"` // sorted, comma-separated
	Status           MemberStatus `gorm:"column:status"`
	Source           string       `gorm:"column:source"`
	CreatedAt        time.Time    `gorm:"column:created_at"`
	LastLoginAt      *time.Time   `gorm:"column:last_login_at"`
	LastConnectionID *int64       `gorm:"column:last_connection_id"`
}

// RoleList returns the membership's roles, sorted.
func (m Membership) RoleList() []string { return SplitRoles(m.Roles) }

// Grants reports whether the membership gives its roles now: only an
// active membership does.
func (m Membership) Grants() bool { return m.Status == StatusActive }

// JoinRoles is the stored form of roles: sorted, distinct, comma-separated.
func JoinRoles(roles []string) string {
	r := slices.Clone(roles)
	slices.Sort(r)
	return strings.Join(slices.Compact(r), ",")
}

// SplitRoles reads the stored form of roles.
func SplitRoles(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// Access is what authorization needs of a person in one org.
type Access struct {
	PlatformAdmin bool
	Disabled      bool     // platform-wide
	Roles         []string // of an active membership in the org, else none
}

// OrgAccess reads, in one query, whether the user is a platform admin or
// disabled and, when orgID is not 0, the roles their membership in that org
// grants now.
func (s *Store) OrgAccess(ctx context.Context, userID, orgID int64) (Access, error) {
	var row struct {
		PlatformAdmin bool
		Disabled      bool
		Roles         *string
		Status        *string
	}
	err := s.r(ctx).Raw(`SELECT u.platform_admin, u.disabled, m.roles, m.status FROM users u
LEFT JOIN memberships m ON m.user_id = u.id AND m.org_id = ? WHERE u.id = ?`, orgID, userID).Take(&row).Error
	if err != nil {
		return Access{}, translate(err)
	}
	a := Access{PlatformAdmin: row.PlatformAdmin, Disabled: row.Disabled, Roles: []string{}}
	if row.Roles != nil && row.Status != nil && MemberStatus(*row.Status) == StatusActive && !row.Disabled {
		a.Roles = SplitRoles(*row.Roles)
	}
	return a, nil
}

// Membership returns a person's membership in an org.
func (s *Store) Membership(ctx context.Context, orgID, userID int64) (Membership, error) {
	var m Membership
	err := s.r(ctx).Where("org_id = ? AND user_id = ?", orgID, userID).Take(&m).Error
	return m, translate(err)
}

// UserMembership is one of a user's orgs with their standing there.
type UserMembership struct {
	Org        Organization
	Membership Membership
}

// UserMemberships lists the orgs a user belongs to (any status), by name.
func (s *Store) UserMemberships(ctx context.Context, userID int64) ([]UserMembership, error) {
	var ms []Membership
	if err := s.r(ctx).Where("user_id = ?", userID).Find(&ms).Error; err != nil {
		return nil, err
	}
	ids := make([]int64, len(ms))
	byOrg := map[int64]Membership{}
	for i, m := range ms {
		ids[i] = m.OrgID
		byOrg[m.OrgID] = m
	}
	orgs, err := s.OrganizationsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]UserMembership, len(orgs))
	for i, o := range orgs {
		out[i] = UserMembership{Org: o, Membership: byOrg[o.ID]}
	}
	return out, nil
}

// Member is one row of an org's members page.
type Member struct {
	User       User
	Membership Membership
	// Connection is the display name of the connection the member last
	// signed in through ("" when never through SSO or since deleted).
	Connection string
}

// MembersPage is one page of an org's members.
type MembersPage struct {
	Members []Member
	Total   int64
	Page    int // from 1
	PerPage int
}

// MembersPerPage is how many members a page lists.
const MembersPerPage = 50

// ListMembers returns a page of the org's members by email, optionally only
// those whose email contains query.
func (s *Store) ListMembers(ctx context.Context, orgID int64, query string, page int) (MembersPage, error) {
	if page < 1 {
		page = 1
	}
	out := MembersPage{Page: page, PerPage: MembersPerPage}
	q := s.r(ctx).Table("memberships m").Joins("JOIN users u ON u.id = m.user_id").Where("m.org_id = ?", orgID)
	var count *gorm.DB
	if query = strings.ToLower(strings.TrimSpace(query)); query != "" {
		q = q.Where("u.email LIKE ? ESCAPE '\\'", "%"+likeEscape(query)+"%")
		count = q.Session(&gorm.Session{})
	} else {
		// Every membership has its user (foreign key): counting needs
		// the org's memberships only, not a join with a million users.
		count = s.r(ctx).Model(&Membership{}).Where("org_id = ?", orgID)
	}
	if err := count.Count(&out.Total).Error; err != nil {
		return out, err
	}
	var rows []struct {
		Membership `gorm:"embedded"`
		User       User `gorm:"embedded;embeddedPrefix:u_"`
		ConnName   *string
	}
	err := q.Select("m.*, " + userColumnsAs("u_", "u") + ", c.display_name AS conn_name").
		Joins("LEFT JOIN connections c ON c.id = m.last_connection_id AND c.org_id = m.org_id").
		Order("u.email").Limit(MembersPerPage).Offset((page - 1) * MembersPerPage).Scan(&rows).Error
	if err != nil {
		return out, err
	}
	for _, r := range rows {
		m := Member{User: r.User, Membership: r.Membership}
		if r.ConnName != nil {
			m.Connection = *r.ConnName
		}
		out.Members = append(out.Members, m)
	}
	return out, nil
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// IsMemberEmail reports whether the account with this email is a member of
// the org (any status). It says nothing of accounts outside the org.
func (s *Store) IsMemberEmail(ctx context.Context, orgID int64, email string) (bool, error) {
	var n int64
	err := s.r(ctx).Table("memberships m").Joins("JOIN users u ON u.id = m.user_id").
		Where("m.org_id = ? AND u.email = ?", orgID, strings.ToLower(strings.TrimSpace(email))).Count(&n).Error
	return n > 0, err
}

// OrgAdminsOtherThan counts the org's active admins other than userID.
func (s *Store) OrgAdminsOtherThan(ctx context.Context, orgID, userID int64) (int64, error) {
	var n int64
	err := s.r(ctx).Model(&Membership{}).
		Where("org_id = ? AND user_id <> ? AND status = ? AND (',' || roles || ',') LIKE ?", orgID, userID, StatusActive, "%,admin,%").
		Count(&n).Error
	return n, err
}

// OrgAdmins lists the org's active admins.
func (s *Store) OrgAdmins(ctx context.Context, orgID int64) ([]User, error) {
	var out []User
	err := s.r(ctx).Joins("JOIN memberships m ON m.user_id = users.id").
		Where("m.org_id = ? AND m.status = ? AND (',' || m.roles || ',') LIKE ?", orgID, StatusActive, "%,admin,%").
		Order("users.email").Find(&out).Error
	return out, err
}

// AddMember makes an existing account a member of the org; ErrConflict
// when it already is one.
func (s *Store) AddMember(ctx context.Context, orgID int64, m Membership) error {
	m.OrgID = orgID
	m.CreatedAt = s.now()
	return s.changeAccess(ctx, &m.UserID, orgID, func(tx *gorm.DB) error {
		return translate(tx.Create(&m).Error)
	})
}

// SetMemberRoles makes a member's roles in the org exactly roles.
func (s *Store) SetMemberRoles(ctx context.Context, orgID, userID int64, roles []string) error {
	return s.changeAccess(ctx, &userID, orgID, func(tx *gorm.DB) error {
		return rowsOrNotFound(tx.Model(&Membership{}).Where("org_id = ? AND user_id = ?", orgID, userID).
			Update("roles", JoinRoles(roles)))
	})
}

// SetMemberStatus activates, disables or marks pending a member in the org.
// A member who is no longer active loses, in the same transaction, the
// sessions the org's IdPs opened (EndOrgSessions): no session of theirs
// goes on acting in the org.
func (s *Store) SetMemberStatus(ctx context.Context, orgID, userID int64, status MemberStatus) error {
	return s.changeAccess(ctx, &userID, orgID, func(tx *gorm.DB) error {
		if err := rowsOrNotFound(tx.Model(&Membership{}).Where("org_id = ? AND user_id = ?", orgID, userID).
			Update("status", status)); err != nil {
			return err
		}
		if status == StatusActive {
			return nil
		}
		return endOrgSessions(tx, orgID, userID)
	})
}

// RemoveMember ends a person's membership in the org, the sessions the
// org's IdPs opened, and the org's identity links to their account: the
// org's IdPs no longer speak for them.
func (s *Store) RemoveMember(ctx context.Context, orgID, userID int64) error {
	return s.changeAccess(ctx, &userID, orgID, func(tx *gorm.DB) error {
		if err := rowsOrNotFound(tx.Where("org_id = ? AND user_id = ?", orgID, userID).Delete(&Membership{})); err != nil {
			return err
		}
		if err := endOrgSessions(tx, orgID, userID); err != nil {
			return err
		}
		return tx.Exec(`DELETE FROM identity_links WHERE user_id = ? AND connection_id IN
(SELECT id FROM connections WHERE org_id = ?)`, userID, orgID).Error
	})
}

// SetPlatformAdmin grants or revokes the platform admin role.
func (s *Store) SetPlatformAdmin(ctx context.Context, userID int64, on bool) error {
	return s.changeAccess(ctx, &userID, 0, func(tx *gorm.DB) error {
		return rowsOrNotFound(tx.Model(&User{}).Where("id = ?", userID).Update("platform_admin", on))
	})
}

// SetUserDisabled disables or re-enables an account on the whole platform.
func (s *Store) SetUserDisabled(ctx context.Context, userID int64, disabled bool) error {
	return s.changeAccess(ctx, &userID, 0, func(tx *gorm.DB) error {
		return rowsOrNotFound(tx.Model(&User{}).Where("id = ?", userID).Update("disabled", disabled))
	})
}

// PlatformAdmins lists the platform admins.
func (s *Store) PlatformAdmins(ctx context.Context) ([]User, error) {
	var out []User
	err := s.r(ctx).Where("platform_admin = ?", true).Order("email").Find(&out).Error
	return out, err
}

func rowsOrNotFound(res *gorm.DB) error {
	if res.Error == nil && res.RowsAffected == 0 {
		return ErrNotFound
	}
	return translate(res.Error)
}

// AccessChange names whose access changed: a user in an org, or on the
// platform (OrgID 0). Revision is the authz revision the change made.
type AccessChange struct {
	UserID, OrgID, Revision int64
}

// OnAccessChange sets what the Store calls after it committed a change of
// someone's roles, status or platform standing (authz forgets what it
// cached). It is set once, when the app is put together.
func (s *Store) OnAccessChange(fn func(AccessChange)) { s.accessChanged = fn }

// changeAccess runs change in a transaction that also bumps the authz
// revision and logs whose access changed under it (access_changes.go),
// which every instance polls, and tells this instance's listener once it
// is committed. *userID is read after change ran (it may create the
// account).
func (s *Store) changeAccess(ctx context.Context, userID *int64, orgID int64, change func(tx *gorm.DB) error) error {
	var rev int64
	err := s.w(ctx).Transaction(func(tx *gorm.DB) error {
		if err := change(tx); err != nil {
			return err
		}
		var err error
		if rev, err = bumpAuthzRevision(tx); err != nil {
			return err
		}
		return logAccessChange(tx, AccessChange{UserID: *userID, OrgID: orgID, Revision: rev})
	})
	if err == nil && s.accessChanged != nil {
		s.accessChanged(AccessChange{UserID: *userID, OrgID: orgID, Revision: rev})
	}
	return err
}

func bumpAuthzRevision(tx *gorm.DB) (int64, error) {
	var rev int64
	err := tx.Raw("UPDATE authz_revision SET revision = revision + 1 WHERE id = 1 RETURNING revision").Scan(&rev).Error
	return rev, err
}

// AuthzRevision reads the revision every change of access bumps.
func (s *Store) AuthzRevision(ctx context.Context) (int64, error) {
	var rev int64
	err := s.w(ctx).Raw("SELECT revision FROM authz_revision WHERE id = 1").Scan(&rev).Error
	return rev, err
}

// PutMember makes the user an active member of the org with exactly these
// roles, whether or not they were one (the operator's trusted add).
func (s *Store) PutMember(ctx context.Context, orgID, userID int64, roles []string) error {
	return s.changeAccess(ctx, &userID, orgID, func(tx *gorm.DB) error {
		return translate(tx.Exec(`INSERT INTO memberships (org_id, user_id, roles, status, source, created_at) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (org_id, user_id) DO UPDATE SET roles = excluded.roles, status = excluded.status`,
			orgID, userID, JoinRoles(roles), StatusActive, SourceAdmin, s.now()).Error)
	})
}
