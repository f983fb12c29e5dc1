package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/app/secrets"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/views/pages"
)

// inviteByToken loads the invite a link's token names and its org. A token
// that names no invite is ErrNotFound.
func (h *Handlers) inviteByToken(c echo.Context, token string) (models.Invite, models.Organization, error) {
	ctx := c.Request().Context()
	if token == "" || len(token) > 200 {
		return models.Invite{}, models.Organization{}, models.ErrNotFound
	}
	inv, err := h.store.InviteByToken(ctx, secrets.Hash(token))
	if err != nil {
		return inv, models.Organization{}, err
	}
	org, err := h.store.Organization(ctx, inv.OrgID)
	return inv, org, err
}

// pendingInvite is inviteByToken for an invite that can still be accepted;
// otherwise it renders the page saying why not, and ok is false.
func (h *Handlers) pendingInvite(c echo.Context, token string) (inv models.Invite, org models.Organization, ok bool, err error) {
	inv, org, err = h.inviteByToken(c, token)
	if errors.Is(err, models.ErrNotFound) {
		return inv, org, false, h.inviteProblem(c, http.StatusNotFound, "Invite not found",
			"This invite link is not valid.", "Check that you opened the whole link, or ask the person who invited you for a new one.")
	}
	if err != nil {
		return inv, org, false, err
	}
	if !inv.Pending(h.now()) {
		return inv, org, false, h.inviteGone(c, inv, org)
	}
	return inv, org, true, nil
}

// inviteGone says why an invite can no longer be accepted.
func (h *Handlers) inviteGone(c echo.Context, inv models.Invite, org models.Organization) error {
	msg := "This invite to " + org.Name + " has expired."
	switch {
	case inv.AcceptedAt != nil:
		msg = "This invite to " + org.Name + " was already used."
	case inv.RevokedAt != nil:
		msg = "This invite to " + org.Name + " was revoked."
	}
	return h.inviteProblem(c, http.StatusGone, "Invite no longer valid", msg,
		"If you still need access, ask an administrator of "+org.Name+" for a new invite.")
}

func (h *Handlers) inviteProblem(c echo.Context, status int, title, msg, hint string) error {
	return render(c, status, pages.Error(pages.ErrorProps{Layout: h.layoutProps(c, title), Status: status, Message: msg, Hint: hint}))
}

// sameEmail compares addresses as accounts store them (lower-cased).
func sameEmail(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// inviteProps is the invite page for whoever is looking at it.
func (h *Handlers) inviteProps(c echo.Context, inv models.Invite, org models.Organization, token string) (pages.InviteProps, error) {
	p := pages.InviteProps{Layout: h.layoutProps(c, "Join "+org.Name), State: pages.InviteVisitor, Org: org,
		Email: inv.Email, Role: inv.Role, Token: token}
	u := currentUser(c)
	switch {
	case u == nil:
	case !sameEmail(u.Email, inv.Email):
		p.State, p.ViewerEmail = pages.InviteOtherUser, u.Email
		return p, nil
	case org.SSOEnforced && sessionOrg(c) != org.ID:
		p.State, p.ViewerEmail = pages.InviteSSORequired, u.Email
	default:
		p.State, p.ViewerEmail = pages.InviteAccept, u.Email
		return p, nil
	}
	conns, err := h.enabledConnections(c, &org)
	if err != nil {
		return p, err
	}
	p.Connections = conns
	p.Signup, err = h.signupAllowed(c)
	return p, err
}

// showInvite is the page an invite link opens: who is invited where, and
// the ways to accept that fit whoever is looking.
func (h *Handlers) showInvite(c echo.Context) error {
	token := c.Param("token")
	inv, org, ok, err := h.pendingInvite(c, token)
	if !ok {
		return err
	}
	p, err := h.inviteProps(c, inv, org, token)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, pages.Invite(p))
}

// acceptInvite joins the signed-in person to the invite's org, when the
// invite is for their email; an org that requires SSO accepts only through
// its identity provider.
func (h *Handlers) acceptInvite(c echo.Context) error {
	token := c.Param("token")
	inv, org, ok, err := h.pendingInvite(c, token)
	if !ok {
		return err
	}
	u := currentUser(c)
	refuse := func(status int, msg string) error {
		p, err := h.inviteProps(c, inv, org, token)
		if err != nil {
			return err
		}
		p.Error = msg
		p.Layout.ErrorCount = 1
		return render(c, status, pages.Invite(p))
	}
	if !sameEmail(u.Email, inv.Email) {
		return refuse(http.StatusForbidden, "This invite is for "+inv.Email+", not for "+u.Email+".")
	}
	if org.SSOEnforced && sessionOrg(c) != org.ID {
		return refuse(http.StatusForbidden, org.Name+" requires single sign-on, so its invite cannot be accepted with a password.")
	}
	if scope := sessionOrg(c); scope != 0 && scope != org.ID {
		// Another org's IdP vouches for this person there only.
		return refuse(http.StatusForbidden, "You signed in through another organization's single sign-on. Log in with your password, or continue with "+org.Name+"'s sign-in, to accept.")
	}
	m, err := h.store.AcceptInvite(c.Request().Context(), inv, u.ID)
	if errors.Is(err, models.ErrNotFound) {
		// Spent or revoked since the page was read.
		if inv, err = h.store.InviteByToken(c.Request().Context(), inv.TokenHash); err != nil {
			return err
		}
		return h.inviteGone(c, inv, org)
	}
	if err != nil {
		return err
	}
	h.audit(c, &org.ID, "invite.accept", u.Email, "role="+inv.Role+" by "+passwordOrSSO(c))
	if m.Status == models.StatusDisabled {
		return h.inviteProblem(c, http.StatusForbidden, "Access disabled",
			"You accepted the invite, but your access to "+org.Name+" is disabled.", "Ask an administrator of "+org.Name+".")
	}
	return c.Redirect(http.StatusSeeOther, "/o/"+org.Slug)
}

func passwordOrSSO(c echo.Context) string {
	if sess := currentSession(c); sess != nil && sess.ConnectionID != nil {
		return "single sign-on session"
	}
	return "password session"
}
