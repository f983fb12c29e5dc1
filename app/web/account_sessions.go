package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/models"
)

// revokeSession ends one of the signed-in person's own sessions, named by
// its id's hash as their account page lists it. Revoking the session in
// use logs this browser out. A session an org's IdP opened may revoke only
// that org's sessions, as it lists only those.
func (h *Handlers) revokeSession(c echo.Context) error {
	u := currentUser(c)
	idHash := c.Param("session")
	err := h.store.EndUserSession(c.Request().Context(), u.ID, sessionOrg(c), idHash)
	if errors.Is(err, models.ErrNotFound) {
		setFlash(c, "That session had already ended.")
		return c.Redirect(http.StatusSeeOther, "/account")
	}
	if err != nil {
		return err
	}
	if s := currentSession(c); s != nil && s.IDHash == idHash {
		h.audit(c, nil, "user.session_revoke", u.Email, "this session")
		if err := h.endSession(c); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, "/login")
	}
	h.audit(c, nil, "user.session_revoke", u.Email, "another session")
	setFlash(c, "The session is ended: that browser is signed out.")
	return c.Redirect(http.StatusSeeOther, "/account")
}
