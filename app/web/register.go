package web

import (
	"errors"
	"net/http"
	"net/mail"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/app/password"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/views/components"
	"github.com/orgsso/orgsso/views/pages"
)

func (h *Handlers) signupAllowed(c echo.Context) (bool, error) {
	v, err := h.store.Setting(c.Request().Context(), models.SettingAllowSignup, "false")
	return v == "true", err
}

// requireSignup answers 404 unless the platform allows local sign-up.
func (h *Handlers) requireSignup(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ok, err := h.signupAllowed(c)
		if err != nil {
			return err
		}
		if !ok {
			return models.ErrNotFound
		}
		return next(c)
	}
}

// showRegister shows the sign-up form when the platform allows local sign-up.
func (h *Handlers) showRegister(c echo.Context) error {
	return render(c, http.StatusOK, pages.Register(pages.RegisterProps{Layout: h.layoutProps(c, "Create an account")}))
}

// register creates a local password account and logs it in.
func (h *Handlers) register(c echo.Context) error {
	ctx := c.Request().Context()
	okIP, err := h.store.Hit(ctx, "register:ip:"+c.RealIP(), h.opts.LoginWindow, h.opts.LoginLimit)
	if err != nil {
		return err
	}
	if !okIP {
		h.metrics.RateLimited.WithLabelValues("register").Inc()
		return echo.NewHTTPError(http.StatusTooManyRequests)
	}
	name := strings.TrimSpace(c.FormValue("name"))
	email := strings.ToLower(strings.TrimSpace(c.FormValue("email")))
	pw := c.FormValue("password")
	errs := components.Errors{}
	if msg := validEmail(email); msg != "" {
		errs["email"] = msg
	}
	if msg := password.Validate(pw); msg != "" {
		errs["password"] = msg
	}
	if len(name) > 200 {
		errs["name"] = "Use at most 200 characters."
	}
	var user models.User
	if len(errs) == 0 {
		hash, err := password.Hash(pw)
		if err != nil {
			return err
		}
		user, err = h.store.CreateUser(ctx, models.User{Email: email, Name: name, PasswordHash: &hash})
		if errors.Is(err, models.ErrConflict) {
			errs["email"] = "An account with this email exists. Log in instead."
		} else if err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		p := h.layoutProps(c, "Create an account")
		p.ErrorCount = len(errs)
		return render(c, http.StatusUnprocessableEntity, pages.Register(pages.RegisterProps{Layout: p, Email: email, Name: name, Errors: errs}))
	}
	if err := h.startSession(c, user, models.Login{Audit: models.AuditEvent{Action: "user.register"}}); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/")
}

// validEmail says what is wrong with an email address, or "".
func validEmail(email string) string {
	if email == "" {
		return "Enter an email address."
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || !strings.Contains(email, "@") || len(email) > 254 {
		return "Enter an email address like name@example.com."
	}
	return ""
}
