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

// requireSignup answers 404 unless the platform allows local sign-up, with
// or without an invite. An invite is no leave to create an account: its
// link passes through the org admin's hands, and an account made with it
// would carry a password the admin chose for someone else's email.
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

// showRegister shows the sign-up form when the platform allows local
// sign-up, or for an invite's email.
func (h *Handlers) showRegister(c echo.Context) error {
	if token := c.QueryParam("invite"); token != "" {
		return h.showInviteRegister(c, token)
	}
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
	if token := c.FormValue("invite"); token != "" {
		return h.registerByInvite(c, token)
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
		hash, err := h.hashPassword(c, pw)
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

// inviteRegisterPage is the sign-up form of an invite: the email is the
// invite's and cannot be changed.
func (h *Handlers) inviteRegisterPage(c echo.Context, status int, inv models.Invite, org models.Organization, token string,
	name string, accountExists bool, errs components.Errors) error {
	p := h.layoutProps(c, "Create an account")
	p.ErrorCount = len(errs)
	return render(c, status, pages.Register(pages.RegisterProps{Layout: p, Email: inv.Email, Name: name, Errors: errs,
		Invite: &pages.RegisterInvite{Token: token, OrgName: org.Name, Role: inv.Role, AccountExists: accountExists}}))
}

// ssoOnlyInvite sends the holder of an invite to an org that requires SSO
// back to the invite page, whose only way in is the org's identity provider.
func ssoOnlyInvite(c echo.Context, token string) error {
	return c.Redirect(http.StatusSeeOther, "/invite/"+token)
}

// showInviteRegister is the sign-up form for the holder of a pending
// invite. It looks up no account: the link passes through the admin's
// hands, so what it shows must not depend on whether one exists.
func (h *Handlers) showInviteRegister(c echo.Context, token string) error {
	inv, org, ok, err := h.pendingInvite(c, token)
	if !ok {
		return err
	}
	if currentUser(c) != nil || org.SSOEnforced {
		return ssoOnlyInvite(c, token)
	}
	return h.inviteRegisterPage(c, http.StatusOK, inv, org, token, "", false, nil)
}

// registerByInvite creates the invited person's account with their own
// password, accepts the invite and logs them in, in the org.
func (h *Handlers) registerByInvite(c echo.Context, token string) error {
	ctx := c.Request().Context()
	inv, org, ok, err := h.pendingInvite(c, token)
	if !ok {
		return err
	}
	if org.SSOEnforced {
		return h.inviteProblem(c, http.StatusForbidden, "Single sign-on required",
			org.Name+" requires single sign-on, so its invite cannot be accepted with a password.",
			"Open the invite link again and continue with "+org.Name+"'s identity provider.")
	}
	name := strings.TrimSpace(c.FormValue("name"))
	pw := c.FormValue("password")
	errs := components.Errors{}
	if msg := password.Validate(pw); msg != "" {
		errs["password"] = msg
	}
	if len(name) > 200 {
		errs["name"] = "Use at most 200 characters."
	}
	if len(errs) > 0 {
		return h.inviteRegisterPage(c, http.StatusUnprocessableEntity, inv, org, token, name, false, errs)
	}
	hash, err := h.hashPassword(c, pw)
	if err != nil {
		return err
	}
	// The email is the invite's, whatever the form says.
	user, err := h.store.CreateUser(ctx, models.User{Email: inv.Email, Name: name, PasswordHash: &hash})
	if errors.Is(err, models.ErrConflict) {
		return h.inviteRegisterPage(c, http.StatusConflict, inv, org, token, name, true, nil)
	}
	if err != nil {
		return err
	}
	if err := h.startSession(c, user, models.Login{Audit: models.AuditEvent{Action: "user.register", Details: "invite to " + org.Slug}}); err != nil {
		return err
	}
	if _, err := h.store.AcceptInvite(ctx, inv, user.ID); errors.Is(err, models.ErrNotFound) {
		// Spent or revoked meanwhile: the account stays, without the org.
		if inv, err = h.store.InviteByToken(ctx, inv.TokenHash); err != nil {
			return err
		}
		return h.inviteGone(c, inv, org)
	} else if err != nil {
		return err
	}
	h.audit(c, &org.ID, "invite.accept", user.Email, "role="+inv.Role+" by a new password account")
	return c.Redirect(http.StatusSeeOther, "/o/"+org.Slug)
}
