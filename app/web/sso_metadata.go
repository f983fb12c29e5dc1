package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/app/connector"
)

// connectionMetadata serves a connection's own metadata (a SAML SP's),
// whose address is also its entity ID: public, like any SP metadata, and
// served before the connection is switched on or its IdP side is filled
// in, since the IdP's admin needs it first.
func (h *Handlers) connectionMetadata(p connector.Protocol) echo.HandlerFunc {
	return func(c echo.Context) error {
		org := currentOrg(c)
		conn, err := h.store.ConnectionByPublicID(c.Request().Context(), org.ID, c.Param("conn"))
		if err != nil || conn.Protocol != p.Name {
			return echo.NewHTTPError(http.StatusNotFound, "No such connection.")
		}
		doc, err := p.Metadata([]byte(conn.Config), h.signin.Env(*org, conn))
		if err != nil {
			h.log.Warn("connection metadata", "connection", conn.PublicID, "err", err)
			return echo.NewHTTPError(http.StatusInternalServerError, connector.Reason(err))
		}
		c.Response().Header().Set("Content-Disposition", `inline; filename="`+org.Slug+`-`+conn.PublicID+`-metadata.xml"`)
		c.Response().Header().Set("Cache-Control", "no-cache")
		return c.Blob(http.StatusOK, "application/samlmetadata+xml", doc)
	}
}
