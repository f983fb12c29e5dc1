package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/views/pages"
)

func isHTMX(c echo.Context) bool { return c.Request().Header.Get("HX-Request") == "true" }

// lastUsableMessage explains why the last connection members can use cannot
// simply be turned off or deleted (invariant 2).
func lastUsableMessage(org *models.Organization, conn models.Connection, action string) string {
	return "Not " + action + ": " + conn.DisplayName + " is the only tested, active connection and SSO is on for " + org.Name +
		", so members would have no way to log in with SSO. Confirm that SSO should be turned off in the same step, or test another connection first."
}

// toggleConnection turns a connection on or off (the form's "active", else
// the opposite of now). Turning off the last connection members can use
// while SSO is on needs disable_sso=1, which turns SSO off first. htmx gets
// the row back (and the SSO box out of band); a plain form a redirect.
func (h *Handlers) toggleConnection(c echo.Context) error {
	ctx := c.Request().Context()
	org := currentOrg(c)
	conn, err := h.connectionFromURL(c)
	if err != nil {
		return err
	}
	target := !conn.Active
	switch c.FormValue("active") {
	case "true":
		target = true
	case "false":
		target = false
	}
	ssoOff := false
	if target != conn.Active {
		if target {
			err = h.store.SetConnectionActive(ctx, org.ID, conn.ID, true, currentUser(c).Email)
		} else {
			ssoOff, err = h.store.RetireConnection(ctx, org.ID, conn.ID, false, c.FormValue("disable_sso") == "1", currentUser(c).Email)
		}
		if errors.Is(err, models.ErrLastUsable) {
			return h.toggleRefused(c, conn, lastUsableMessage(org, conn, "turned off"))
		}
		if err != nil {
			return err
		}
		if ssoOff {
			h.audit(c, &org.ID, "sso.disable", org.Slug, "turned off with the last usable connection "+conn.DisplayName)
			org.SSOEnabled, org.SSOEnforced = false, false // as RetireConnection left it
		}
		action := "connection.activate"
		if !target {
			action = "connection.deactivate"
		}
		h.audit(c, &org.ID, action, conn.DisplayName, "id="+conn.PublicID)
	}
	if !isHTMX(c) {
		msg := conn.DisplayName + " is on."
		if !target {
			msg = conn.DisplayName + " is off."
		}
		if ssoOff {
			msg += " SSO is off for " + org.Name + "."
		}
		setFlash(c, msg)
		return c.Redirect(http.StatusSeeOther, listPosition(c).URL(org.Slug))
	}
	return h.rowUpdate(c, conn, "")
}

// rowUpdate answers htmx with a connection's row (with msg) and the SSO
// box, read afresh: the row's tests and the box's counts, nothing more.
func (h *Handlers) rowUpdate(c echo.Context, conn models.Connection, msg string) error {
	row, err := h.connectionRow(c, conn, listPosition(c), msg)
	if err != nil {
		return err
	}
	gs, err := h.gateState(c.Request().Context(), currentOrg(c).ID)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, pages.ConnectionRowUpdate(row, gateProps(c, gs, "")))
}

// toggleRefused shows why a toggle was refused: in the row for htmx (with
// 200, so htmx swaps it in), else on the settings page with 422.
func (h *Handlers) toggleRefused(c echo.Context, conn models.Connection, msg string) error {
	if isHTMX(c) {
		return h.rowUpdate(c, conn, msg)
	}
	return h.rowRefused(c, conn, msg)
}
