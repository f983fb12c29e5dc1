package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/views/pages"
)

// audit records who changed what; a failure to record is logged, not shown,
// because the change itself has already happened.
func (h *Handlers) audit(c echo.Context, orgID *int64, action, target, details string) {
	ev := models.AuditEvent{OrgID: orgID, Action: action, Target: target, Details: details, IP: c.RealIP()}
	if t := currentToken(c); t != nil {
		ev.ActorEmail = tokenActor(t)
	} else if u := currentUser(c); u != nil {
		ev.ActorID = &u.ID
		ev.ActorEmail = u.Email
	}
	if err := h.store.Audit(c.Request().Context(), ev); err != nil {
		h.log.Error("audit", "action", action, "err", err)
	}
}

// showAudit lists the org's audit log.
func (h *Handlers) showAudit(c echo.Context) error {
	org := currentOrg(c)
	events, err := h.store.AuditEvents(c.Request().Context(), org.ID, 200)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, pages.Audit(pages.AuditProps{Layout: h.layoutProps(c, "Audit log"), Org: *org, Events: events}))
}
