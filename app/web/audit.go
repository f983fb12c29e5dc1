package web

import (
	"encoding/csv"
	"errors"
	"net/http"
	"strconv"
	"strings"

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

// auditPerPage is how many events an audit page lists.
const auditPerPage = 100

// auditFilterPage reads the page's filters; on the platform page, org is
// the slug of one org to show (unknown: a problem for the field).
func (h *Handlers) auditFilterPage(c echo.Context) (models.AuditFilter, pages.AuditFilterValues, map[string]string, error) {
	f, errs := auditFilterFrom(c, auditPerPage)
	v := pages.AuditFilterValues{Actor: c.QueryParam("actor"), Action: c.QueryParam("action"), Target: c.QueryParam("target"),
		From: c.QueryParam("from"), To: c.QueryParam("to")}
	if org := currentOrg(c); org != nil {
		f.OrgID = &org.ID
	} else if slug := strings.TrimSpace(c.QueryParam("org")); slug != "" {
		v.Org = slug
		o, err := h.store.OrganizationBySlug(c.Request().Context(), slug)
		switch {
		case errors.Is(err, models.ErrNotFound):
			errs["org"] = "No organization has the slug " + slug + "."
		case err != nil:
			return f, v, errs, err
		default:
			f.OrgID = &o.ID
		}
	}
	return f, v, errs, nil
}

// showAudit lists an org's audit log (or, under /admin, every org's and
// the platform's), newest first, filtered by actor, action, target and
// time, a page at a time.
func (h *Handlers) showAudit(c echo.Context) error {
	ctx := c.Request().Context()
	f, values, errs, err := h.auditFilterPage(c)
	if err != nil {
		return err
	}
	p := pages.AuditLogProps{Org: currentOrg(c), Filter: values, Errors: errs, Newer: f.Before > 0}
	p.Layout = h.layoutProps(c, "Audit log")
	status := http.StatusOK
	if len(errs) > 0 {
		status = http.StatusUnprocessableEntity
		p.Layout.ErrorCount = len(errs)
		return render(c, status, pages.AuditLog(p))
	}
	page, err := h.store.QueryAudit(ctx, f)
	if err != nil {
		return err
	}
	p.Events = page.Events
	if page.Next > 0 {
		p.Next = strconv.FormatInt(page.Next, 10)
	}
	if p.Org == nil {
		orgs, err := h.store.ListOrganizations(ctx)
		if err != nil {
			return err
		}
		p.OrgNames = map[int64]string{}
		for _, o := range orgs {
			p.OrgNames[o.ID] = o.Name + " (" + o.Slug + ")"
		}
	}
	return render(c, status, pages.AuditLog(p))
}

// maxCSVEvents bounds one CSV export.
const maxCSVEvents = 100_000

// exportAuditCSV writes every event the filters match as CSV, newest
// first, a page of the database at a time. Cells that a spreadsheet would
// run as a formula are quoted with a leading apostrophe.
func (h *Handlers) exportAuditCSV(c echo.Context) error {
	ctx := c.Request().Context()
	f, _, errs, err := h.auditFilterPage(c)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		k := sortedKeys(errs)[0]
		return echo.NewHTTPError(http.StatusBadRequest, k+": "+errs[k])
	}
	name := "audit-all.csv"
	if org := currentOrg(c); org != nil {
		name = "audit-" + org.Slug + ".csv"
	}
	names := map[int64]string{}
	if currentOrg(c) == nil {
		orgs, err := h.store.ListOrganizations(ctx)
		if err != nil {
			return err
		}
		for _, o := range orgs {
			names[o.ID] = o.Slug
		}
	}
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	res.WriteHeader(http.StatusOK)
	w := csv.NewWriter(res)
	_ = w.Write([]string{"id", "time", "org", "actor", "action", "target", "details", "ip"})
	f.Limit = models.MaxAuditPage
	written := 0
	for written < maxCSVEvents {
		page, err := h.store.QueryAudit(ctx, f)
		if err != nil {
			h.log.Error("audit csv", "err", err)
			break // the header is sent: the file ends short
		}
		for _, ev := range page.Events {
			org := ""
			if ev.OrgID != nil {
				org = names[*ev.OrgID]
				if org == "" {
					org = currentOrg(c).Slug
				}
			}
			_ = w.Write([]string{strconv.FormatInt(ev.ID, 10), ev.CreatedAt.UTC().Format(timeFormat), org,
				csvCell(ev.ActorEmail), csvCell(ev.Action), csvCell(ev.Target), csvCell(ev.Details), csvCell(ev.IP)})
		}
		written += len(page.Events)
		if page.Next == 0 {
			break
		}
		f.Before = page.Next
	}
	w.Flush()
	return w.Error()
}

// csvCell keeps a spreadsheet from reading a cell as a formula.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
