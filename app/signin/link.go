package signin

import (
	"context"
	"errors"
	"net/http"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/models"
)

// link ties the identity a signed-in person brought back from the org's
// IdP to their own account: the explicit link step, the one way an account
// the connection may not sign in on its own (a platform admin's, or one
// outside the org's domains) gets linked. It links to the person who
// started it and is still signed in, never to another account.
func (s *Service) link(ctx context.Context, org models.Organization, conn models.Connection, starter *int64, ident connector.Identity, viewer int64) error {
	if starter == nil || viewer == 0 || *starter != viewer {
		return problem(http.StatusForbidden, "link_session", "Link not made",
			"You are no longer signed in as the account that started linking.", "Sign in to your account and start the link again.", nil)
	}
	if ident.Subject == "" {
		return problem(http.StatusBadGateway, connector.CodeMissingClaim, "Link not made",
			"Your identity provider did not say who you are (no user id).", "Tell an administrator of "+org.Name+".", nil)
	}
	l, err := s.store.IdentityLinkBySubject(ctx, conn.ID, ident.Subject)
	switch {
	case err == nil && l.UserID == viewer:
		return nil // linked already
	case err == nil:
		return problem(http.StatusConflict, "linked_elsewhere", "Link not made",
			"This sign-in at "+conn.DisplayName+" is already linked to another account.", "Sign in with that account instead, or ask an administrator of "+org.Name+".", nil)
	case !errors.Is(err, models.ErrNotFound):
		return err
	}
	if err := s.store.LinkIdentity(ctx, conn.ID, ident.Subject, viewer); err != nil {
		if errors.Is(err, models.ErrConflict) {
			return s.link(ctx, org, conn, starter, ident, viewer)
		}
		return err
	}
	user, err := s.store.UserByID(ctx, viewer)
	if err != nil {
		return err
	}
	return s.store.Audit(ctx, models.AuditEvent{OrgID: &org.ID, ActorID: &viewer, ActorEmail: user.Email, Action: "identity.link",
		Target: user.Email, Details: "connection=" + conn.DisplayName + " by the link step (IdP email " + ident.Email + ")"})
}
