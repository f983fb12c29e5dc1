package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/app/signin"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/views/components"
)

// refreshConnection reads again what a connection keeps of its IdP (a
// SAML IdP's metadata from its URL) at the admin's request, as the server
// does by itself every ORGSSO_METADATA_REFRESH: its settings and test stay,
// and what changed is told and audited.
func (h *Handlers) refreshConnection(c echo.Context) error {
	ctx := c.Request().Context()
	org := currentOrg(c)
	conn, err := h.connectionFromURL(c)
	if err != nil {
		return err
	}
	back := components.ConnectionURL(org.Slug, conn.PublicID, "/edit")
	_, change, refreshed, err := h.signin.Refresh(ctx, *org, conn)
	if action, details := signin.RefreshAudit(conn, change, refreshed, err); action != "" {
		h.audit(c, &org.ID, action, conn.DisplayName, details)
	}
	switch {
	case errors.Is(err, models.ErrConflict):
		setFlash(c, "Not fetched: the connection was saved meanwhile. Try again.")
	case err != nil:
		setFlash(c, "The metadata could not be fetched: "+connector.Reason(err)+" Logins go on with the metadata fetched before.")
	case !refreshed:
		setFlash(c, "This connection has no metadata address to fetch from.")
	case change != "":
		setFlash(c, change)
	default:
		setFlash(c, "The metadata was fetched again; the identity provider's certificates are unchanged.")
	}
	return c.Redirect(http.StatusSeeOther, back)
}
