package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/views/pages"
)

// showDashboard lists the orgs the viewer belongs to.
func (h *Handlers) showDashboard(c echo.Context) error {
	u := currentUser(c)
	open, waiting, err := h.orgsOf(c, u.ID, true)
	if err != nil {
		return err
	}
	rows := make([]pages.OrgRole, 0, len(open))
	for _, m := range open {
		rows = append(rows, pages.OrgRole{Org: m.Org, Roles: m.Membership.RoleList()})
	}
	return render(c, http.StatusOK, pages.Dashboard(pages.DashboardProps{Layout: h.layoutProps(c, "Your organizations"), Orgs: rows, Waiting: waiting}))
}

// showOrgHome is an org's start page for its members.
func (h *Handlers) showOrgHome(c echo.Context) error {
	org := currentOrg(c)
	roles, err := h.authz.Roles(currentUser(c).ID, org.ID)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, pages.OrgHome(pages.OrgHomeProps{Layout: h.layoutProps(c, org.Name), Org: *org, Roles: roles}))
}

// orgsOf returns the user's memberships by org name: open, those that let
// them in now (active, with a role), and waiting, the others. inScope
// limits them to the org the current session opens, if it opens one.
func (h *Handlers) orgsOf(c echo.Context, userID int64, inScope bool) (open, waiting []models.UserMembership, err error) {
	ms, err := h.store.UserMemberships(c.Request().Context(), userID)
	if err != nil {
		return nil, nil, err
	}
	scope := sessionOrg(c)
	for _, m := range ms {
		if inScope && scope != 0 && m.Org.ID != scope {
			continue
		}
		if m.Membership.Grants() && len(m.Membership.RoleList()) > 0 {
			open = append(open, m)
		} else {
			waiting = append(waiting, m)
		}
	}
	return open, waiting, nil
}
