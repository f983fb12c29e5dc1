package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/views/pages"
)

// showDeleteConnection asks to confirm a deletion: the Delete button's
// target when scripts are off (with scripts it opens the same form in a
// dialog).
func (h *Handlers) showDeleteConnection(c echo.Context) error {
	org := currentOrg(c)
	conn, err := h.connectionFromURL(c)
	if err != nil {
		return err
	}
	row, err := h.connectionRow(c, conn, listPosition(c), "")
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, pages.ConnectionDelete(pages.ConnectionDeleteProps{
		Layout: h.layoutProps(c, "Delete "+conn.DisplayName), Org: *org, Row: row,
	}))
}

// deleteConnection removes a connection with its tests and identity links.
// The last connection members can use while SSO is on is deleted only when
// the admin typed its name, and SSO is turned off in the same step
// (invariant 2).
func (h *Handlers) deleteConnection(c echo.Context) error {
	ctx := c.Request().Context()
	org := currentOrg(c)
	conn, err := h.connectionFromURL(c)
	if err != nil {
		return err
	}
	flash := "Connection " + conn.DisplayName + " deleted."
	typed := strings.TrimSpace(c.FormValue("confirm")) == conn.DisplayName
	ssoOff, err := h.store.RetireConnection(ctx, org.ID, conn.ID, true, typed, currentUser(c).Email)
	if errors.Is(err, models.ErrLastUsable) {
		msg := lastUsableMessage(org, conn, "deleted") + " To delete it and turn SSO off, type its name " + conn.DisplayName + "."
		return h.rowRefused(c, conn, msg)
	}
	if err != nil {
		return err
	}
	if ssoOff {
		h.audit(c, &org.ID, "sso.disable", org.Slug, "turned off with the deletion of the last usable connection "+conn.DisplayName)
		flash += " SSO is off for " + org.Name + "."
	}
	h.signin.Forget(conn)
	h.audit(c, &org.ID, "connection.delete", conn.DisplayName, "id="+conn.PublicID)
	setFlash(c, flash)
	return c.Redirect(http.StatusSeeOther, listPosition(c).URL(org.Slug))
}
