package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/app/ascode"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/views/components"
	"github.com/orgsso/orgsso/views/pages"
)

// historyRows are a connection's versions, newest first, each with the
// fields it changed from the version before.
func historyRows(conn models.Connection, versions []models.ConnectionVersion) []pages.HistoryRow {
	rows := make([]pages.HistoryRow, len(versions))
	for i, v := range versions {
		rows[i] = pages.HistoryRow{Version: v, Current: v.Version == conn.Version}
		if i+1 < len(versions) {
			for _, ch := range ascode.CompareVersions(versions[i+1], v) {
				rows[i].Changed = append(rows[i].Changed, ch.Field)
			}
		}
	}
	return rows
}

// findVersion is the version numbered n among versions.
func findVersion(versions []models.ConnectionVersion, n int64) (models.ConnectionVersion, bool) {
	for _, v := range versions {
		if v.Version == n {
			return v, true
		}
	}
	return models.ConnectionVersion{}, false
}

// showConnectionHistory lists a connection's saved versions and, with
// ?from=&to=, compares two of them field by field.
func (h *Handlers) showConnectionHistory(c echo.Context) error {
	conn, err := h.connectionFromURL(c)
	if err != nil {
		return err
	}
	return h.historyPage(c, http.StatusOK, conn, "")
}

func (h *Handlers) historyPage(c echo.Context, status int, conn models.Connection, problem string) error {
	org := currentOrg(c)
	versions, err := h.store.ConnectionVersions(c.Request().Context(), org.ID, conn.ID)
	if err != nil {
		return err
	}
	p := pages.ConnectionHistoryProps{Layout: h.layoutProps(c, "History of "+conn.DisplayName), Org: *org, Connection: conn,
		Rows: historyRows(conn, versions), CompareError: problem}
	if f, t := c.QueryParam("from"), c.QueryParam("to"); f != "" || t != "" {
		from, err1 := strconv.ParseInt(f, 10, 64)
		to, err2 := strconv.ParseInt(t, 10, 64)
		a, okA := findVersion(versions, from)
		b, okB := findVersion(versions, to)
		p.From, p.To = from, to
		if err1 != nil || err2 != nil || !okA || !okB {
			p.CompareError = "Choose two versions from the list to compare."
			status = http.StatusUnprocessableEntity
		} else {
			for _, ch := range ascode.CompareVersions(a, b) {
				p.Diff = append(p.Diff, pages.FieldChange{Field: ch.Field, Old: ch.Old, New: ch.New})
			}
		}
	}
	if p.CompareError != "" {
		p.Layout.ErrorCount = 1
	}
	return render(c, status, pages.ConnectionHistory(p))
}

// restoreConnectionVersion saves an earlier version's settings as the
// connection's new version, if nobody saved it since the page was opened.
func (h *Handlers) restoreConnectionVersion(c echo.Context) error {
	ctx := c.Request().Context()
	org := currentOrg(c)
	conn, err := h.connectionFromURL(c)
	if err != nil {
		return err
	}
	number, err := strconv.ParseInt(c.Param("version"), 10, 64)
	if err != nil {
		return models.ErrNotFound
	}
	current, _ := strconv.ParseInt(c.FormValue("current"), 10, 64)
	saved, changes, err := ascode.Restore(ctx, h.store, *org, conn, number, current, actorName(c))
	switch {
	case errors.Is(err, ascode.ErrStale):
		return h.historyPage(c, http.StatusConflict, conn, fmt.Sprintf("Not restored: %s was changed since you opened this page "+
			"(it is now version %d). Nothing was overwritten; look at the history again.", conn.DisplayName, conn.Version))
	case errors.Is(err, ascode.ErrNothingToRestore):
		setFlash(c, fmt.Sprintf("Nothing to restore: version %d has the current settings.", number))
		return c.Redirect(http.StatusSeeOther, components.ConnectionURL(org.Slug, conn.PublicID, "/history"))
	case errors.Is(err, models.ErrConflict):
		return h.historyPage(c, http.StatusConflict, conn, "Not restored: another connection is now named as version "+
			strconv.FormatInt(number, 10)+" was. Rename that one first.")
	case err != nil:
		return err
	}
	h.signin.Forget(saved)
	fields := make([]string, len(changes))
	for i, ch := range changes {
		fields[i] = ch.Field
	}
	h.audit(c, &org.ID, "connection.restore", saved.DisplayName, fmt.Sprintf("id=%s version %d restored as version %d; changed: %s",
		saved.PublicID, number, saved.Version, strings.Join(fields, ", ")))
	setFlash(c, fmt.Sprintf("Version %d restored as version %d. Run a test to use these settings.", number, saved.Version))
	return c.Redirect(http.StatusSeeOther, components.ConnectionURL(org.Slug, saved.PublicID, "/edit"))
}

// versionJSON is a saved version in the API's list.
type versionJSON struct {
	Version int64    `json:"version"`
	SavedBy string   `json:"savedBy"`
	SavedAt string   `json:"savedAt"`
	Note    string   `json:"note,omitempty"`
	Current bool     `json:"current"`
	Changed []string `json:"changed"`
}

// apiConnectionVersions lists a connection's saved versions, newest first.
func (h *Handlers) apiConnectionVersions(c echo.Context) error {
	conn, err := h.apiConnection(c)
	if err != nil {
		return err
	}
	versions, err := h.store.ConnectionVersions(c.Request().Context(), currentOrg(c).ID, conn.ID)
	if err != nil {
		return err
	}
	out := make([]versionJSON, 0, len(versions))
	for _, r := range historyRows(conn, versions) {
		changed := r.Changed
		if changed == nil {
			changed = []string{}
		}
		out = append(out, versionJSON{Version: r.Version.Version, SavedBy: r.Version.SavedBy, SavedAt: r.Version.SavedAt.UTC().Format(timeFormat),
			Note: r.Version.Note, Current: r.Current, Changed: changed})
	}
	return c.JSON(http.StatusOK, map[string]any{"versions": out})
}

// apiConnectionVersion is one saved version in the document's item shape;
// with ?compare=N, also the field-by-field changes from version N to it.
func (h *Handlers) apiConnectionVersion(c echo.Context) error {
	ctx := c.Request().Context()
	org := currentOrg(c)
	conn, err := h.apiConnection(c)
	if err != nil {
		return err
	}
	number, err := strconv.ParseInt(c.Param("version"), 10, 64)
	if err != nil {
		return models.ErrNotFound
	}
	v, err := h.store.ConnectionVersionAt(ctx, org.ID, conn.ID, number)
	if err != nil {
		return err
	}
	item, err := ascode.ExportVersionItem(conn, v)
	if err != nil {
		return err
	}
	out := map[string]any{"version": item, "savedBy": v.SavedBy, "savedAt": v.SavedAt.UTC().Format(timeFormat), "note": v.Note}
	if cmp := c.QueryParam("compare"); cmp != "" {
		n, err := strconv.ParseInt(cmp, 10, 64)
		if err != nil {
			return invalid("compare", "Give the number of a saved version.")
		}
		other, err := h.store.ConnectionVersionAt(ctx, org.ID, conn.ID, n)
		if errors.Is(err, models.ErrNotFound) {
			return invalid("compare", "This connection has no version "+cmp+".")
		}
		if err != nil {
			return err
		}
		changes := ascode.CompareVersions(other, v)
		if changes == nil {
			changes = []ascode.Change{}
		}
		out["changesFrom"] = map[string]any{"version": n, "changes": changes}
	}
	return c.JSON(http.StatusOK, out)
}

// apiRestoreVersion restores a saved version as the connection's new
// version; the body names the version the caller started from.
func (h *Handlers) apiRestoreVersion(c echo.Context) error {
	var in struct {
		Version int64 `json:"version"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	org := currentOrg(c)
	conn, err := h.apiConnection(c)
	if err != nil {
		return err
	}
	number, err := strconv.ParseInt(c.Param("version"), 10, 64)
	if err != nil {
		return models.ErrNotFound
	}
	saved, changes, err := ascode.Restore(c.Request().Context(), h.store, *org, conn, number, in.Version, actorName(c))
	switch {
	case errors.Is(err, ascode.ErrStale):
		return apiFail(http.StatusConflict, "stale_version", "version", fmt.Sprintf("%s is now version %d, not %d.", conn.DisplayName, conn.Version, in.Version))
	case errors.Is(err, ascode.ErrNothingToRestore):
		return apiFail(http.StatusConflict, "nothing_to_restore", "", fmt.Sprintf("Version %d has the current settings.", number))
	case errors.Is(err, models.ErrConflict):
		return apiFail(http.StatusConflict, "name_taken", "name", "Another connection is now named as that version was.")
	case err != nil:
		return err
	}
	h.signin.Forget(saved)
	fields := make([]string, len(changes))
	for i, ch := range changes {
		fields[i] = ch.Field
	}
	h.audit(c, &org.ID, "connection.restore", saved.DisplayName, fmt.Sprintf("id=%s version %d restored as version %d; changed: %s",
		saved.PublicID, number, saved.Version, strings.Join(fields, ", ")))
	out, err := h.connectionJSON(c, saved)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"outcome": "updated", "changes": changes, "connection": out})
}
