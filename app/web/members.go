package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/app/password"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/views/components"
	"github.com/orgsso/orgsso/views/pages"
)

func (h *Handlers) membersPage(c echo.Context, status int, props pages.MembersProps) error {
	org := currentOrg(c)
	members, err := h.authz.Members(org.ID)
	if err != nil {
		return err
	}
	ids := make([]int64, 0, len(members))
	for id := range members {
		ids = append(ids, id)
	}
	users, err := h.store.UsersByID(c.Request().Context(), ids)
	if err != nil {
		return err
	}
	for _, u := range users {
		props.Members = append(props.Members, pages.Member{User: u, Roles: members[u.ID]})
	}
	props.Layout = h.layoutProps(c, "Members")
	props.Layout.ErrorCount = len(props.Errors)
	props.Org = *org
	props.ViewerID = currentUser(c).ID
	return render(c, status, pages.Members(props))
}

// showMembers lists the org's members with their roles and status.
func (h *Handlers) showMembers(c echo.Context) error {
	return h.membersPage(c, http.StatusOK, pages.MembersProps{})
}

// addMember gives a person a role in the org, creating a local account with
// a one-time password when none exists.
func (h *Handlers) addMember(c echo.Context) error {
	ctx := c.Request().Context()
	org := currentOrg(c)
	email := strings.ToLower(strings.TrimSpace(c.FormValue("email")))
	role := c.FormValue("role")
	errs := components.Errors{}
	if msg := validEmail(email); msg != "" {
		errs["email"] = msg
	}
	if !authz.ValidOrgRole(role) {
		errs["role"] = "Choose admin or user."
	}
	if len(errs) > 0 {
		return h.membersPage(c, http.StatusUnprocessableEntity, pages.MembersProps{Email: email, Role: role, Errors: errs})
	}
	props := pages.MembersProps{}
	user, err := h.store.UserByEmail(ctx, email)
	if errors.Is(err, models.ErrNotFound) {
		otp := password.OneTime()
		hash, herr := password.Hash(otp)
		if herr != nil {
			return herr
		}
		user, err = h.store.CreateUser(ctx, models.User{Email: email, PasswordHash: &hash, MustChangePassword: true})
		if err != nil {
			return err
		}
		h.audit(c, &org.ID, "user.create", email, "one-time password")
		props.OneTimeEmail, props.OneTimePassword = email, otp
	} else if err != nil {
		return err
	} else if roles, rerr := h.authz.Roles(user.ID, org.ID); rerr != nil {
		return rerr
	} else if len(roles) > 0 {
		errs["email"] = email + " is already a member (" + strings.Join(roles, ", ") + "). Change their role in the table."
		return h.membersPage(c, http.StatusUnprocessableEntity, pages.MembersProps{Email: email, Role: role, Errors: errs})
	}
	if err := h.authz.SetRoles(ctx, user.ID, org.ID, []string{role}); err != nil {
		return err
	}
	h.audit(c, &org.ID, "member.add", email, "role="+role)
	if props.OneTimePassword != "" {
		return h.membersPage(c, http.StatusOK, props)
	}
	setFlash(c, email+" added as "+role+".")
	return c.Redirect(http.StatusSeeOther, "/o/"+org.Slug+"/members")
}

// memberFromURL loads the member named by {user}; someone who is not a
// member of this org is not found.
func (h *Handlers) memberFromURL(c echo.Context) (models.User, []string, error) {
	id, err := strconv.ParseInt(c.Param("user"), 10, 64)
	if err != nil {
		return models.User{}, nil, models.ErrNotFound
	}
	org := currentOrg(c)
	roles, err := h.authz.Roles(id, org.ID)
	if err != nil {
		return models.User{}, nil, err
	}
	if len(roles) == 0 {
		return models.User{}, nil, models.ErrNotFound
	}
	user, err := h.store.UserByID(c.Request().Context(), id)
	return user, roles, err
}

// keepsAnAdmin reports whether the org still has an admin once userID's
// roles become newRoles.
func (h *Handlers) keepsAnAdmin(orgID, userID int64, newRoles []string) (bool, error) {
	if slices.Contains(newRoles, authz.RoleAdmin) {
		return true, nil
	}
	members, err := h.authz.Members(orgID)
	if err != nil {
		return false, err
	}
	for id, roles := range members {
		if id != userID && slices.Contains(roles, authz.RoleAdmin) {
			return true, nil
		}
	}
	return false, nil
}

// changeMemberRole makes a member an admin or a user.
func (h *Handlers) changeMemberRole(c echo.Context) error {
	org := currentOrg(c)
	user, old, err := h.memberFromURL(c)
	if err != nil {
		return err
	}
	role := c.FormValue("role")
	if !authz.ValidOrgRole(role) {
		setFlash(c, "Choose admin or user.")
		return c.Redirect(http.StatusSeeOther, "/o/"+org.Slug+"/members")
	}
	if ok, err := h.keepsAnAdmin(org.ID, user.ID, []string{role}); err != nil {
		return err
	} else if !ok {
		setFlash(c, "Not changed: "+org.Name+" must keep at least one admin.")
		return c.Redirect(http.StatusSeeOther, "/o/"+org.Slug+"/members")
	}
	if err := h.authz.SetRoles(c.Request().Context(), user.ID, org.ID, []string{role}); err != nil {
		return err
	}
	h.audit(c, &org.ID, "member.role", user.Email, strings.Join(old, ",")+" -> "+role)
	setFlash(c, user.Email+" is now "+role+".")
	return c.Redirect(http.StatusSeeOther, "/o/"+org.Slug+"/members")
}

// removeMember takes every role in the org from a member.
func (h *Handlers) removeMember(c echo.Context) error {
	org := currentOrg(c)
	user, old, err := h.memberFromURL(c)
	if err != nil {
		return err
	}
	if ok, err := h.keepsAnAdmin(org.ID, user.ID, nil); err != nil {
		return err
	} else if !ok {
		setFlash(c, "Not removed: "+org.Name+" must keep at least one admin.")
		return c.Redirect(http.StatusSeeOther, "/o/"+org.Slug+"/members")
	}
	if err := h.authz.SetRoles(c.Request().Context(), user.ID, org.ID, nil); err != nil {
		return err
	}
	h.audit(c, &org.ID, "member.remove", user.Email, "roles="+strings.Join(old, ","))
	setFlash(c, user.Email+" removed from "+org.Name+".")
	return c.Redirect(http.StatusSeeOther, "/o/"+org.Slug+"/members")
}

// activateMember lets a member whose account waits for approval log in.
func (h *Handlers) activateMember(c echo.Context) error {
	org := currentOrg(c)
	user, _, err := h.memberFromURL(c)
	if err != nil {
		return err
	}
	if user.Status != models.StatusPending {
		return c.Redirect(http.StatusSeeOther, "/o/"+org.Slug+"/members")
	}
	if err := h.store.SetUserStatus(c.Request().Context(), user.ID, models.StatusActive); err != nil {
		return err
	}
	h.audit(c, &org.ID, "member.activate", user.Email, "")
	setFlash(c, user.Email+" can now log in.")
	return c.Redirect(http.StatusSeeOther, "/o/"+org.Slug+"/members")
}
