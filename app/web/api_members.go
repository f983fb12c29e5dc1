package web

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/models"
)

// mustKeepAdmin is the API's answer when a change would leave the org
// without an active admin, as the members page refuses it.
func mustKeepAdmin(org *models.Organization) error {
	return apiFail(http.StatusConflict, "last_admin", "", "Not changed: "+org.Name+" must keep at least one active admin.")
}

// memberOut is a member as the API shows it.
func (h *Handlers) memberOut(c echo.Context, userID int64) (memberJSON, error) {
	user, m, err := h.memberFromURLID(c, userID)
	if err != nil {
		return memberJSON{}, err
	}
	roles := m.RoleList()
	if roles == nil {
		roles = []string{}
	}
	return memberJSON{ID: user.ID, Email: user.Email, Name: user.Name, Roles: roles, Status: string(m.Status), Source: m.Source,
		JoinedAt: m.CreatedAt.UTC().Format(timeFormat), LastLoginAt: timeJSON(m.LastLoginAt)}, nil
}

func (h *Handlers) memberFromURLID(c echo.Context, userID int64) (models.User, models.Membership, error) {
	ctx := c.Request().Context()
	m, err := h.store.Membership(ctx, currentOrg(c).ID, userID)
	if err != nil {
		return models.User{}, m, err
	}
	user, err := h.store.UserByID(ctx, userID)
	return user, m, err
}

// apiUpdateMember changes a member's role and/or status in this org, with
// the members page's rules: roles admin or user; status moves pending to
// active, active or pending to disabled, disabled to active; nobody
// disables themselves; the org keeps an active admin.
func (h *Handlers) apiUpdateMember(c echo.Context) error {
	var in struct {
		Role   *string `json:"role"`
		Status *string `json:"status"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	org := currentOrg(c)
	user, m, err := h.memberFromURL(c)
	if err != nil {
		return err
	}
	roles, status := m.RoleList(), m.Status
	if in.Role != nil {
		if !authz.ValidOrgRole(*in.Role) {
			return invalid("role", "Choose admin or user.")
		}
		roles = []string{*in.Role}
	}
	if in.Status != nil {
		to := models.MemberStatus(*in.Status)
		allowed := map[models.MemberStatus][]models.MemberStatus{
			models.StatusActive:   {models.StatusPending, models.StatusDisabled, models.StatusActive},
			models.StatusDisabled: {models.StatusActive, models.StatusPending, models.StatusDisabled},
		}[to]
		if allowed == nil {
			return invalid("status", "Choose active or disabled.")
		}
		if !slices.Contains(allowed, m.Status) {
			return invalid("status", "A "+string(m.Status)+" member cannot become "+string(to)+".")
		}
		if to == models.StatusDisabled && currentToken(c) == nil && user.ID == currentUser(c).ID {
			return invalid("status", "You cannot disable yourself.")
		}
		status = to
	}
	if ok, err := h.keepsAnAdmin(c, user.ID, roles, status); err != nil {
		return err
	} else if !ok {
		return mustKeepAdmin(org)
	}
	ctx := c.Request().Context()
	if in.Role != nil && !slices.Equal(roles, m.RoleList()) {
		if err := h.store.SetMemberRoles(ctx, org.ID, user.ID, roles); err != nil {
			return err
		}
		h.audit(c, &org.ID, "member.role", user.Email, m.Roles+" -> "+roles[0])
	}
	if status != m.Status {
		if err := h.store.SetMemberStatus(ctx, org.ID, user.ID, status); err != nil {
			return err
		}
		action := map[models.MemberStatus]string{models.StatusDisabled: "member.disable"}[status]
		if action == "" {
			action = "member.activate"
			if m.Status == models.StatusDisabled {
				action = "member.enable"
			}
		}
		h.audit(c, &org.ID, action, user.Email, string(m.Status)+" -> "+string(status))
	}
	out, err := h.memberOut(c, user.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// apiRemoveMember ends a person's membership of this org.
func (h *Handlers) apiRemoveMember(c echo.Context) error {
	org := currentOrg(c)
	user, m, err := h.memberFromURL(c)
	if err != nil {
		return err
	}
	if ok, err := h.keepsAnAdmin(c, user.ID, nil, m.Status); err != nil {
		return err
	} else if !ok {
		return mustKeepAdmin(org)
	}
	if err := h.store.RemoveMember(c.Request().Context(), org.ID, user.ID); err != nil {
		return err
	}
	h.audit(c, &org.ID, "member.remove", user.Email, "roles="+m.Roles)
	return c.NoContent(http.StatusNoContent)
}
