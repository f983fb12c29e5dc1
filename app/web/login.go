package web

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/app/password"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/views/pages"
)

// dummyHash is checked when no account matches, so a wrong email costs the
// same time as a wrong password. It is made at the first failed login, not
// at start: hashing takes 64 MiB and a good fraction of a second.
var dummyHash = sync.OnceValue(func() string {
	h, _ := password.Hash("orgsso timing equaliser")
	return h
})

const loginFailed = "The email or password is not right."

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

	// Only failed attempts count, per address and per email, in the
	// database so that every instance shares the counts.
	ipKey, emailKey := "login:ip:"+c.RealIP(), "login:email:"+email
	failedIP, err := h.store.Attempts(ctx, ipKey, h.opts.LoginWindow)
	if err != nil {
		return err
	}
	failedEmail, err := h.store.Attempts(ctx, emailKey, h.opts.LoginWindow)
	if err != nil {
		return err
	}
	if failedIP >= 4*h.opts.LoginLimit || failedEmail >= h.opts.LoginLimit {
		h.log.Warn("login rate limited", "ip", c.RealIP())
		h.metrics.RateLimited.WithLabelValues("login").Inc()
		return render(c, http.StatusTooManyRequests, pages.Login(h.loginProps(c, email, returnTo,
			"Too many login attempts. Wait a few minutes and try again.")))
	}

	user, err := h.store.UserByEmail(ctx, email)
	if err != nil && !errors.Is(err, models.ErrNotFound) {
		return err
	}
	var hash string
	if err == nil && user.HasPassword() {
		hash = *user.PasswordHash
	} else {
		hash = dummyHash()
	}
	if password.Check(hash, pw) != nil || err != nil || !user.HasPassword() {
		for _, key := range []string{ipKey, emailKey} {
			if _, err := h.store.Hit(ctx, key, h.opts.LoginWindow, 0); err != nil {
				return err
			}
		}
		return h.loginFailed(c, email, returnTo)
	}
	if user.Disabled {
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
