package web

import (
	"errors"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/app/signin"
	"github.com/orgsso/orgsso/models"
)

// auditSigninFailure records a refused SSO sign-in in the org's audit log
// with its reason: the plain sentence the person was shown and its code,
// never the IdP's answer. Only answers that matched a sign-in of this org
// in progress (its state named one, or its connection is known) are
// recorded; a stray callback says nothing of whose it was.
func (h *Handlers) auditSigninFailure(c echo.Context, org *models.Organization, res signin.Result, err error) {
	if res.IsTest || (!res.Matched && res.Connection.ID == 0) {
		return
	}
	reason := "the sign-in could not be completed"
	var p *signin.Problem
	if errors.As(err, &p) {
		reason = p.Message
	} else if ce, ok := connector.AsError(err); ok {
		reason = ce.Reason
	}
	target := "unknown connection"
	if res.Connection.DisplayName != "" {
		target = res.Connection.DisplayName
	}
	ev := models.AuditEvent{OrgID: &org.ID, ActorEmail: "(not signed in)", Action: "user.login_failed", Target: target,
		Details: "code=" + problemCode(err) + "; " + reason, IP: c.RealIP()}
	if err := h.store.Audit(c.Request().Context(), ev); err != nil {
		h.log.Error("audit", "action", ev.Action, "err", err)
	}
}

// auditPasswordFailure records a refused password login on the platform's
// audit log (a password login is to no org in particular), which only
// platform admins read: org admins never learn from it whether an account
// exists (invariant 10).
func (h *Handlers) auditPasswordFailure(c echo.Context, email, reason string) {
	ev := models.AuditEvent{ActorEmail: "(not signed in)", Action: "user.login_failed", Target: cleanText(email, 254),
		Details: "password: " + reason, IP: c.RealIP()}
	if err := h.store.Audit(c.Request().Context(), ev); err != nil {
		h.log.Error("audit", "action", ev.Action, "err", err)
	}
}
