package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/app/password"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/views/components"
	"github.com/orgsso/orgsso/views/pages"
)

// showChangePassword shows the password form.
func (h *Handlers) showChangePassword(c echo.Context) error {
	u := currentUser(c)
	return render(c, http.StatusOK, pages.ChangePassword(pages.ChangePasswordProps{
		Layout: h.layoutProps(c, "Password"), Forced: u.MustChangePassword}))
}

// changePassword replaces the password, ends every other session of the
// user and starts a new one.
func (h *Handlers) changePassword(c echo.Context) error {
	u := currentUser(c)
	ctx := c.Request().Context()
	errs := components.Errors{}
	current, pw, confirm := c.FormValue("current"), c.FormValue("password"), c.FormValue("confirm")
	if !u.HasPassword() || password.Check(*u.PasswordHash, current) != nil {
		errs["current"] = "This is not your current password."
	}
	if msg := password.Validate(pw); msg != "" {
		errs["password"] = msg
	} else if pw == current {
		errs["password"] = "Choose a password different from the current one."
	}
	if confirm != pw {
		errs["confirm"] = "The two new passwords differ."
	}
	if len(errs) > 0 {
		p := h.layoutProps(c, "Password")
		p.ErrorCount = len(errs)
		return render(c, http.StatusUnprocessableEntity, pages.ChangePassword(pages.ChangePasswordProps{Layout: p, Forced: u.MustChangePassword, Errors: errs}))
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return err
	}
	if err := h.store.SetPassword(ctx, u.ID, hash, false); err != nil {
		return err
	}
	if err := h.store.DeleteUserSessions(ctx, u.ID); err != nil {
		return err
	}
	updated, err := h.store.UserByID(ctx, u.ID)
	if err != nil {
		return err
	}
	if err := h.startSession(c, updated, models.Login{Audit: models.AuditEvent{Action: "user.password_changed"}}); err != nil {
		return err
	}
	setFlash(c, "Your password was changed.")
	return c.Redirect(http.StatusSeeOther, "/")
}
