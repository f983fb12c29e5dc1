package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/views/pages"
)

func (h *Handlers) membersPage(c echo.Context, status int, props pages.MembersProps) error {
	ctx := c.Request().Context()
	org := currentOrg(c)
	props.Query = strings.TrimSpace(c.QueryParam("q"))
	pageNo, _ := strconv.Atoi(c.QueryParam("page"))
	var err error
	if props.Page, err = h.store.ListMembers(ctx, org.ID, props.Query, pageNo); err != nil {
		return err
	}
	if props.Invites, err = h.store.PendingInvites(ctx, org.ID); err != nil {
		return err
	}
	ids := make([]int64, len(props.Page.Members))
	for i, m := range props.Page.Members {
		ids[i] = m.User.ID
	}
	if props.Sessions, err = h.store.OrgSessionCounts(ctx, org.ID, ids); err != nil {
		return err
	}
	props.Layout = h.layoutProps(c, "Members")
	props.Layout.ErrorCount = len(props.Errors)
	props.Org = *org
	props.ViewerID = currentUser(c).ID
	return render(c, status, pages.Members(props))
}

// showMembers lists the org's members, a page at a time, and its pending invites.
func (h *Handlers) showMembers(c echo.Context) error {
	return h.membersPage(c, http.StatusOK, pages.MembersProps{})
}

// inviteMember invites an email to the org with a role. What the admin sees
// is the same whether or not an account exists for the email anywhere
// (invariant 10): no account is looked up, created or changed here.
func (h *Handlers) inviteMember(c echo.Context) error {
	org := currentOrg(c)
	email := strings.ToLower(strings.TrimSpace(c.FormValue("email")))
	role := c.FormValue("role")
	u := currentUser(c)
	link, errs, err := NewInvite(c.Request().Context(), h.store, h.opts.BaseURL, *org, email, role, Inviter{ID: &u.ID, Email: u.Email, IP: c.RealIP()})
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return h.membersPage(c, http.StatusUnprocessableEntity, pages.MembersProps{Email: email, Role: role, Errors: errs})
	}
	return h.membersPage(c, http.StatusOK, pages.MembersProps{InviteEmail: email, InviteLink: link})
}

// InviteURL is the link an invitee opens to join.
func InviteURL(baseURL, token string) string { return baseURL + "/invite/" + token }

// revokeInvite withdraws a pending invite.
func (h *Handlers) revokeInvite(c echo.Context) error {
	org := currentOrg(c)
	id, err := strconv.ParseInt(c.Param("invite"), 10, 64)
	if err != nil {
		return models.ErrNotFound
	}
	inv, err := h.store.RevokeInvite(c.Request().Context(), org.ID, id)
	if err != nil {
		return err
	}
	h.audit(c, &org.ID, "invite.revoke", inv.Email, "role="+inv.Role)
	setFlash(c, "The invite for "+inv.Email+" is revoked; its link no longer works.")
	return c.Redirect(http.StatusSeeOther, "/o/"+org.Slug+"/members")
}

// memberFromURL loads the member named by {user} and their membership of
// this org; someone who is not a member of this org is not found.
func (h *Handlers) memberFromURL(c echo.Context) (models.User, models.Membership, error) {
	id, err := strconv.ParseInt(c.Param("user"), 10, 64)
	if err != nil {
		return models.User{}, models.Membership{}, models.ErrNotFound
	}
	ctx := c.Request().Context()
	m, err := h.store.Membership(ctx, currentOrg(c).ID, id)
	if err != nil {
		return models.User{}, m, err
	}
	user, err := h.store.UserByID(ctx, id)
	return user, m, err
}

// keepsAnAdmin reports whether the org still has an active admin once
// userID's roles become newRoles and status newStatus.
func (h *Handlers) keepsAnAdmin(c echo.Context, userID int64, newRoles []string, newStatus models.MemberStatus) (bool, error) {
	if newStatus == models.StatusActive && len(newRoles) > 0 && newRoles[0] == authz.RoleAdmin {
		return true, nil
	}
	n, err := h.store.OrgAdminsOtherThan(c.Request().Context(), currentOrg(c).ID, userID)
	return n > 0, err
}

func (h *Handlers) backToMembers(c echo.Context, flash string) error {
	setFlash(c, flash)
	return c.Redirect(http.StatusSeeOther, "/o/"+currentOrg(c).Slug+"/members")
}

// changeMemberRole makes a member an admin or a user of this org. The
// role select submits on change: htmx gets the member's row back with what
// happened; a plain form a redirect to the members page.
func (h *Handlers) changeMemberRole(c echo.Context) error {
	org := currentOrg(c)
	user, m, err := h.memberFromURL(c)
	if err != nil {
		return err
	}
	answer := func(msg string, refused bool) error {
		if !isHTMX(c) {
			return h.backToMembers(c, msg)
		}
		return h.memberRow(c, user, msg, refused)
	}
	role := c.FormValue("role")
	if !authz.ValidOrgRole(role) {
		return answer("Choose admin or user.", true)
	}
	if ok, err := h.keepsAnAdmin(c, user.ID, []string{role}, m.Status); err != nil {
		return err
	} else if !ok {
		return answer("Not changed: "+org.Name+" must keep at least one active admin.", true)
	}
	if err := h.store.SetMemberRoles(c.Request().Context(), org.ID, user.ID, []string{role}); err != nil {
		return err
	}
	h.audit(c, &org.ID, "member.role", user.Email, m.Roles+" -> "+role)
	return answer(user.Email+" is now "+role+".", false)
}

// memberRow answers htmx with one member's row as stored now, with msg.
func (h *Handlers) memberRow(c echo.Context, user models.User, msg string, refused bool) error {
	ctx := c.Request().Context()
	org := currentOrg(c)
	m, err := h.store.Membership(ctx, org.ID, user.ID)
	if err != nil {
		return err
	}
	member := models.Member{User: user, Membership: m}
	if m.LastConnectionID != nil {
		if conn, err := h.store.ConnectionByID(ctx, org.ID, *m.LastConnectionID); err == nil {
			member.Connection = conn.DisplayName
		} else if !errors.Is(err, models.ErrNotFound) {
			return err
		}
	}
	sessions, err := h.store.OrgSessionCounts(ctx, org.ID, []int64{user.ID})
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, pages.MemberRow(pages.MemberRowProps{Org: *org, CSRF: csrfToken(c), Member: member,
		ViewerID: currentUser(c).ID, Sessions: sessions[user.ID], Message: msg, Refused: refused}))
}

// removeMember ends a person's membership of this org (their account and
// other orgs are untouched).
func (h *Handlers) removeMember(c echo.Context) error {
	org := currentOrg(c)
	user, m, err := h.memberFromURL(c)
	if err != nil {
		return err
	}
	if ok, err := h.keepsAnAdmin(c, user.ID, nil, m.Status); err != nil {
		return err
	} else if !ok {
		return h.backToMembers(c, "Not removed: "+org.Name+" must keep at least one active admin.")
	}
	if err := h.store.RemoveMember(c.Request().Context(), org.ID, user.ID); err != nil {
		return err
	}
	h.audit(c, &org.ID, "member.remove", user.Email, "roles="+m.Roles)
	return h.backToMembers(c, user.Email+" removed from "+org.Name+".")
}

// setMemberStatus returns the handler that moves a member of this org from
// one of the from statuses to status; their standing in other orgs is not
// touched.
func (h *Handlers) setMemberStatus(status models.MemberStatus, action, done string, from ...models.MemberStatus) echo.HandlerFunc {
	return func(c echo.Context) error {
		org := currentOrg(c)
		user, m, err := h.memberFromURL(c)
		if err != nil {
			return err
		}
		allowed := false
		for _, f := range from {
			allowed = allowed || m.Status == f
		}
		if !allowed {
			return c.Redirect(http.StatusSeeOther, "/o/"+org.Slug+"/members")
		}
		if status != models.StatusActive {
			if user.ID == currentUser(c).ID {
				return h.backToMembers(c, "You cannot disable yourself.")
			}
			if ok, err := h.keepsAnAdmin(c, user.ID, m.RoleList(), status); err != nil {
				return err
			} else if !ok {
				return h.backToMembers(c, "Not changed: "+org.Name+" must keep at least one active admin.")
			}
		}
		if err := h.store.SetMemberStatus(c.Request().Context(), org.ID, user.ID, status); err != nil {
			return err
		}
		h.audit(c, &org.ID, action, user.Email, string(m.Status)+" -> "+string(status))
		return h.backToMembers(c, user.Email+" "+done+".")
	}
}
