package web

import (
	"context"
	"strings"

	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/app/secrets"
	"github.com/orgsso/orgsso/models"
)

// Inviter is who creates an invite, for the invite and the audit log.
type Inviter struct {
	ID    *int64
	Email string
	IP    string
}

// NewInvite is the one way an invite is made, from the members page, the
// API and `orgsso members invite`: the email and role are checked, a
// member already in the org is refused, the invite is stored and audited.
// Nothing about accounts outside the org is looked up (invariant 10).
// Problems come back by field ("email", "role") with nothing stored;
// otherwise the link to send, which is shown once.
func NewInvite(ctx context.Context, store *models.Store, baseURL string, org models.Organization, email, role string, by Inviter) (string, map[string]string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	errs := map[string]string{}
	if msg := validEmail(email); msg != "" {
		errs["email"] = msg
	}
	if !authz.ValidOrgRole(role) {
		errs["role"] = "Choose admin or user."
	}
	if len(errs) == 0 {
		// Membership of this org is the admin's to see; accounts elsewhere are not.
		if member, err := store.IsMemberEmail(ctx, org.ID, email); err != nil {
			return "", nil, err
		} else if member {
			errs["email"] = email + " is already a member. Change their role in the table."
		}
	}
	if len(errs) > 0 {
		return "", errs, nil
	}
	token := secrets.Token()
	if _, err := store.CreateInvite(ctx, org.ID, models.Invite{Email: email, Role: role, TokenHash: secrets.Hash(token),
		CreatedBy: by.ID, CreatedByEmail: by.Email}); err != nil {
		return "", nil, err
	}
	ev := models.AuditEvent{OrgID: &org.ID, ActorID: by.ID, ActorEmail: by.Email, Action: "invite.create", Target: email,
		Details: "role=" + role, IP: by.IP}
	if err := store.Audit(ctx, ev); err != nil {
		return "", nil, err
	}
	return InviteURL(baseURL, token), nil, nil
}
