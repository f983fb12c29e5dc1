package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/models"
)

// auditFilterFrom reads an audit listing's filters from the query: actor,
// action (exact, or a prefix ending in "."), target, from and to (RFC 3339
// times, or dates: "to" a date includes that day), cursor and limit. A
// value that cannot be read is a problem for its field.
func auditFilterFrom(c echo.Context, perPage int) (models.AuditFilter, map[string]string) {
	q := c.QueryParam
	f := models.AuditFilter{Actor: q("actor"), Action: q("action"), Target: q("target"), Limit: perPage}
	errs := map[string]string{}
	parse := func(name string, endOfDay bool) time.Time {
		v := strings.TrimSpace(q(name))
		if v == "" {
			return time.Time{}
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t
		}
		if d, err := time.Parse("2006-01-02", v); err == nil {
			if endOfDay {
				d = d.Add(24 * time.Hour)
			}
			return d
		}
		errs[name] = "Enter a date like 2026-01-31, or a time like 2026-01-31T12:00:00Z."
		return time.Time{}
	}
	f.From, f.To = parse("from", false), parse("to", true)
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		errs["to"] = "Choose an end after the start."
	}
	if v := q("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			errs["cursor"] = "Use the nextCursor of the previous page."
		}
		f.Before = n
	}
	if v := q("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > models.MaxAuditPage {
			errs["limit"] = "Choose a limit from 1 to " + strconv.Itoa(models.MaxAuditPage) + "."
		}
		f.Limit = n
	}
	return f, errs
}

type auditJSON struct {
	ID      int64  `json:"id"`
	At      string `json:"at"`
	Actor   string `json:"actor"`
	Action  string `json:"action"`
	Target  string `json:"target"`
	Details string `json:"details"`
	IP      string `json:"ip"`
}

// apiAudit lists the org's audit events, newest first, filtered, a page at
// a time: pass nextCursor back as cursor.
func (h *Handlers) apiAudit(c echo.Context) error {
	f, errs := auditFilterFrom(c, 100)
	if len(errs) > 0 {
		return fieldErrors(errs)
	}
	org := currentOrg(c)
	f.OrgID = &org.ID
	page, err := h.store.QueryAudit(c.Request().Context(), f)
	if err != nil {
		return err
	}
	out := make([]auditJSON, 0, len(page.Events))
	for _, ev := range page.Events {
		out = append(out, auditJSON{ID: ev.ID, At: ev.CreatedAt.UTC().Format(timeFormat), Actor: ev.ActorEmail, Action: ev.Action,
			Target: ev.Target, Details: ev.Details, IP: ev.IP})
	}
	var next *string
	if page.Next > 0 {
		s := strconv.FormatInt(page.Next, 10)
		next = &s
	}
	return c.JSON(http.StatusOK, map[string]any{"events": out, "nextCursor": next})
}
