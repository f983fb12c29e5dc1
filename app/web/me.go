package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

type meOrg struct {
	Slug  string   `json:"slug"`
	Name  string   `json:"name"`
	Roles []string `json:"roles"`
}

type meResponse struct {
	ID            int64   `json:"id"`
	Email         string  `json:"email"`
	EmailVerified bool    `json:"email_verified"`
	Name          string  `json:"name"`
	PlatformAdmin bool    `json:"platform_admin"`
	Orgs          []meOrg `json:"orgs"`
}

// me answers who is signed in, with their orgs and roles.
func (h *Handlers) me(c echo.Context) error {
	u := currentUser(c)
	open, _, err := h.orgsOf(c, u.ID, true)
	if err != nil {
		return err
	}
	out := meResponse{ID: u.ID, Email: u.Email, EmailVerified: u.EmailVerified, Name: u.Name,
		PlatformAdmin: h.isPlatformAdmin(c), Orgs: []meOrg{}}
	for _, m := range open {
		out.Orgs = append(out.Orgs, meOrg{Slug: m.Org.Slug, Name: m.Org.Name, Roles: m.Membership.RoleList()})
	}
	return c.JSON(http.StatusOK, out)
}
