package web

import (
	"errors"
	"net/http"
	"strconv"

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

const msgPasswordLimited = "Too many wrong passwords. Wait a few minutes and try again."

func (h *Handlers) changePasswordPage(c echo.Context, status int, errs components.Errors) error {
	p := h.layoutProps(c, "Password")
	p.ErrorCount = len(errs)
	return render(c, status, pages.ChangePassword(pages.ChangePasswordProps{Layout: p, Forced: currentUser(c).MustChangePassword, Errors: errs}))
}

// changePassword replaces the password, ends every other session of the
// user and starts a new one. Wrong current passwords count against the
// user as failed logins do (LoginLimit per LoginWindow): a stolen session
// must not become a way to guess the password.
func (h *Handlers) changePassword(c echo.Context) error {
	u := currentUser(c)
	ctx := c.Request().Context()
	errs := components.Errors{}
	current, pw, confirm := c.FormValue("current"), c.FormValue("password"), c.FormValue("confirm")

	// Reserve the attempt before hashing, as login does.
	key := "password:user:" + strconv.FormatInt(u.ID, 10)
	ok, err := h.store.Hit(ctx, key, h.opts.LoginWindow, h.opts.LoginLimit)
	if err != nil {
		return err
	}
	if !ok {
		if err := h.giveBack(ctx, key); err != nil {
			return err
		}
		h.metrics.RateLimited.WithLabelValues("password_change").Inc()
		return h.changePasswordPage(c, http.StatusTooManyRequests, components.Errors{"current": msgPasswordLimited})
	}
	hash := password.DummyHash
	if u.HasPassword() {
		hash = *u.PasswordHash
	}
	hctx, cancel := h.hashCtx(c)
	checkErr := password.Check(hctx, hash, current)
	cancel()
	if errors.Is(checkErr, password.ErrBusy) {
		return errors.Join(checkErr, h.giveBack(ctx, key))
	}
	if checkErr != nil || !u.HasPassword() {
		errs["current"] = "This is not your current password."
	} else if err := h.giveBack(ctx, key); err != nil {
		// The right current password is no failure.
		return err
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
		return h.changePasswordPage(c, http.StatusUnprocessableEntity, errs)
	}
	newHash, err := h.hashPassword(c, pw)
	if err != nil {
		return err
	}
	if err := h.store.ResetHits(ctx, key); err != nil {
		return err
	}
	if err := h.store.SetPassword(ctx, u.ID, newHash, false); err != nil {
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
