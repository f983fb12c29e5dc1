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
	orgs, roles, err := h.orgsOf(c, u.ID)
	if err != nil {
		return err
	}
	rows := make([]pages.OrgRole, 0, len(orgs))
	for _, o := range orgs {
		rows = append(rows, pages.OrgRole{Org: o, Roles: roles[o.ID]})
	}
	return render(c, http.StatusOK, pages.Dashboard(pages.DashboardProps{Layout: h.layoutProps(c, "Your organizations"), Orgs: rows}))
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

// orgsOf returns the orgs the user has a role in, by name, and the roles.
func (h *Handlers) orgsOf(c echo.Context, userID int64) ([]models.Organization, map[int64][]string, error) {
	roles, err := h.authz.Orgs(userID)
	if err != nil || len(roles) == 0 {
		return nil, roles, err
	}
	ids := make([]int64, 0, len(roles))
	for id := range roles {
		ids = append(ids, id)
	}
	orgs, err := h.store.OrganizationsByID(c.Request().Context(), ids)
	return orgs, roles, err
}
