package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/app/password"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/views/pages"
)

const (
	loginFailed = "The email or password is not right."
	msgBusy     = "The server is busy checking other passwords."
	loginBusy   = msgBusy + " Try again in a moment."
)

// hashCtx bounds how long a request waits for a password hashing slot.
func (h *Handlers) hashCtx(c echo.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(c.Request().Context(), h.opts.HashWait)
}

// hashPassword hashes a new password in one of the hashing slots; when
// none frees up in time the error is password.ErrBusy, which the error
// page shows as 503.
func (h *Handlers) hashPassword(c echo.Context, pw string) (string, error) {
	hctx, cancel := h.hashCtx(c)
	defer cancel()
	return password.Hash(hctx, pw)
}

// giveBack returns attempts reserved with Hit that were refused or did not
// turn out to be failures.
func (h *Handlers) giveBack(ctx context.Context, keys ...string) error {
	for _, key := range keys {
		if err := h.store.Unhit(ctx, key, h.opts.LoginWindow); err != nil {
			return err
		}
	}
	return nil
}

func (h *Handlers) loginProps(c echo.Context, email, returnTo, msg string) pages.LoginProps {
	allow, _ := h.signupAllowed(c)
	p := h.layoutProps(c, "Log in")
	if msg != "" {
		p.ErrorCount = 1
	}
	return pages.LoginProps{Layout: p, Email: email, ReturnTo: returnTo, Error: msg, AllowSignup: allow}
}

// showLogin shows the password login form.
func (h *Handlers) showLogin(c echo.Context) error {
	returnTo := localPath(c.QueryParam("return_to"))
	if currentUser(c) != nil {
		return c.Redirect(http.StatusSeeOther, returnTo)
	}
	return render(c, http.StatusOK, pages.Login(h.loginProps(c, "", returnTo, "")))
}

// login checks an email and password, rate limited per address and per
// email, and starts a fresh session; the single sign-on form's email step
// (step=email) goes to loginByEmail.
func (h *Handlers) login(c echo.Context) error {
	if c.FormValue("step") == "email" {
		return h.loginByEmail(c)
	}
	ctx := c.Request().Context()
	email := strings.ToLower(strings.TrimSpace(c.FormValue("email")))
	pw := c.FormValue("password")
	returnTo := localPath(c.FormValue("return_to"))

	// Each attempt is reserved, per address and per email, before the
	// password is hashed: Hit counts and checks in one statement, so
	// concurrent attempts cannot all pass the check. The counts live in
	// the database so that every instance shares them. Only failures keep
	// their reservation.
	ipKey, emailKey := "login:ip:"+c.RealIP(), "login:email:"+email
	okIP, err := h.store.Hit(ctx, ipKey, h.opts.LoginWindow, 4*h.opts.LoginLimit)
	if err != nil {
		return err
	}
	reserved := []string{ipKey}
	okEmail := false
	if okIP {
		if okEmail, err = h.store.Hit(ctx, emailKey, h.opts.LoginWindow, h.opts.LoginLimit); err != nil {
			return err
		}
		reserved = append(reserved, emailKey)
	}
	if !okIP || !okEmail {
		if err := h.giveBack(ctx, reserved...); err != nil {
			return err
		}
		h.log.Warn("login rate limited", "ip", c.RealIP())
		h.metrics.RateLimited.WithLabelValues("login").Inc()
		return render(c, http.StatusTooManyRequests, pages.Login(h.loginProps(c, email, returnTo,
			"Too many login attempts. Wait a few minutes and try again.")))
	}

	user, err := h.store.UserByEmail(ctx, email)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return errors.Join(err, h.giveBack(ctx, reserved...))
	}
	// An unknown email is checked against a hash of the same cost, so a
	// wrong email costs the same time as a wrong password.
	hash := password.DummyHash
	if err == nil && user.HasPassword() {
		hash = *user.PasswordHash
	}
	hctx, cancel := h.hashCtx(c)
	checkErr := password.Check(hctx, hash, pw)
	cancel()
	if errors.Is(checkErr, password.ErrBusy) {
		if err := h.giveBack(ctx, reserved...); err != nil {
			return err
		}
		h.metrics.Logins.WithLabelValues("password", "password", "busy").Inc()
		c.Response().Header().Set("Retry-After", "5")
		return render(c, http.StatusServiceUnavailable, pages.Login(h.loginProps(c, email, returnTo, loginBusy)))
	}
	if checkErr != nil || err != nil || !user.HasPassword() {
		return h.loginFailed(c, email, returnTo)
	}
	// The right password: the reservation is no failure.
	if err := h.giveBack(ctx, reserved...); err != nil {
		return err
	}
	if user.Disabled {
		h.auditPasswordFailure(c, email, "the account is disabled")
		return render(c, http.StatusForbidden, pages.Login(h.loginProps(c, email, returnTo, "This account is disabled. Ask an administrator.")))
	}
	if denied, err := h.passwordLoginDenied(c, user); err != nil || denied {
		if err != nil {
			return err
		}
		return render(c, http.StatusForbidden, pages.Login(h.loginProps(c, email, returnTo,
			"Your organization requires single sign-on. Log in through your organization's login page.")))
	}
	if err := h.store.ResetHits(ctx, emailKey); err != nil {
		return err
	}
	if err := h.startSession(c, user, models.Login{Audit: models.AuditEvent{Action: "user.login", Details: "password"}}); err != nil {
		return err
	}
	h.metrics.Logins.WithLabelValues("password", "password", "success").Inc()
	if user.MustChangePassword {
		return c.Redirect(http.StatusSeeOther, "/account/password")
	}
	return c.Redirect(http.StatusSeeOther, returnTo)
}

func (h *Handlers) loginFailed(c echo.Context, email, returnTo string) error {
	h.metrics.Logins.WithLabelValues("password", "password", "bad_credentials").Inc()
	h.auditPasswordFailure(c, email, "wrong email or password")
	return render(c, http.StatusUnauthorized, pages.Login(h.loginProps(c, email, returnTo, loginFailed)))
}

// passwordLoginDenied reports whether every org of the user enforces SSO and
// the user is not an admin there; platform admins always keep their password.
func (h *Handlers) passwordLoginDenied(c echo.Context, user models.User) (bool, error) {
	if h.authz.IsPlatformAdmin(user.ID) {
		return false, nil
	}
	open, _, err := h.orgsOf(c, user.ID, false)
	if err != nil || len(open) == 0 {
		return false, err
	}
	for _, m := range open {
		if !m.Org.SSOEnforced || slices.Contains(m.Membership.RoleList(), authz.RoleAdmin) {
			return false, nil
		}
	}
	return true, nil
}

// logout ends the session and, when the session came from an IdP with an
// end-session endpoint, sends the browser there (RP-initiated logout).
func (h *Handlers) logout(c echo.Context) error {
	next := "/login"
	if u := currentUser(c); u != nil {
		h.audit(c, nil, "user.logout", u.Email, "")
		if sess := currentSession(c); sess != nil {
			if idp := h.signin.LogoutURL(c.Request().Context(), sess.LogoutHint); idp != "" {
				next = idp
			}
		}
	}
	if err := h.endSession(c); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, next)
}
