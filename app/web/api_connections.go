package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/app/ascode"
	"github.com/orgsso/orgsso/models"
)

// ascodeOptions are the options of an apply or save made through the API:
// secrets come inline (clientSecret), never from the server's environment
// or files.
func (h *Handlers) ascodeOptions(c echo.Context, dryRun bool) ascode.Options {
	actor := ascode.Actor{Email: actorName(c), IP: c.RealIP(), Via: "API"}
	if t := currentToken(c); t != nil {
		actor.Via = tokenActor(t)
	} else if u := currentUser(c); u != nil {
		actor.ID = &u.ID
	}
	return ascode.Options{
		DryRun:        dryRun,
		InlineSecrets: true,
		CheckIdP:      h.signin.Check,
		Forget:        h.signin.Forget,
		Server:        h.signin,
		Actor:         actor,
		Log:           h.log,
	}
}

// apiListConnections lists the org's connections in the document's shape.
func (h *Handlers) apiListConnections(c echo.Context) error {
	items, err := ascode.ExportJSON(c.Request().Context(), h.store, *currentOrg(c), h.signin)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"connections": items})
}

// apiConnection loads the URL's connection of the org.
func (h *Handlers) apiConnection(c echo.Context) (models.Connection, error) {
	return h.store.ConnectionByPublicID(c.Request().Context(), currentOrg(c).ID, c.Param("conn"))
}

// connectionJSON is a connection in the document's shape with its latest test.
func (h *Handlers) connectionJSON(c echo.Context, conn models.Connection) (any, error) {
	runs, err := h.store.LatestTestRuns(c.Request().Context(), conn.OrgID)
	if err != nil {
		return nil, err
	}
	var latest *models.TestRun
	if r, ok := runs[conn.ID]; ok {
		latest = &r
	}
	return ascode.ExportConnection(*currentOrg(c), conn, latest, h.signin)
}

func (h *Handlers) apiGetConnection(c echo.Context) error {
	conn, err := h.apiConnection(c)
	if err != nil {
		return err
	}
	out, err := h.connectionJSON(c, conn)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// apiSaveConnection creates (target nil) or updates a connection from a
// body in the document's item shape.
func (h *Handlers) apiSaveConnection(c echo.Context, target *models.Connection) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	it, err := ascode.ParseItem(body)
	if err != nil {
		return err
	}
	res, err := ascode.Save(c.Request().Context(), h.store, h.sealer, *currentOrg(c), it, target, h.ascodeOptions(c, false))
	if errors.Is(err, ascode.ErrNameTaken) {
		var es ascode.Errors
		errors.As(err, &es)
		return apiFail(http.StatusConflict, "name_taken", "name", es[0].Message)
	}
	if err != nil {
		return err
	}
	if res.Outcome == ascode.Failed {
		if res.Stale {
			return apiFail(http.StatusConflict, "stale_version", "version", res.Error)
		}
		return invalid(res.Field, res.Error)
	}
	conn, err := h.store.ConnectionByPublicID(c.Request().Context(), currentOrg(c).ID, res.ID)
	if err != nil {
		return err
	}
	out, err := h.connectionJSON(c, conn)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if res.Outcome == ascode.Created {
		status = http.StatusCreated
	}
	return c.JSON(status, map[string]any{"outcome": res.Outcome, "changes": res.Changes, "connection": out})
}

func (h *Handlers) apiCreateConnection(c echo.Context) error { return h.apiSaveConnection(c, nil) }

func (h *Handlers) apiUpdateConnection(c echo.Context) error {
	conn, err := h.apiConnection(c)
	if err != nil {
		return err
	}
	return h.apiSaveConnection(c, &conn)
}

// disableSSOParam is the API's form of the pages' confirmation: switching
// off or deleting the last usable connection turns SSO off only when asked.
func disableSSOParam(c echo.Context) bool {
	v, _ := strconv.ParseBool(c.QueryParam("disable_sso"))
	return v
}

func lastUsableError(conn models.Connection) error {
	return apiFail(http.StatusConflict, "last_usable_connection", "",
		conn.DisplayName+" is the only tested, active connection and SSO is on: members would have no way to sign in. "+
			"Send disable_sso=true to turn SSO off in the same step, or test another connection first.")
}

func (h *Handlers) apiDeleteConnection(c echo.Context) error {
	org := currentOrg(c)
	conn, err := h.apiConnection(c)
	if err != nil {
		return err
	}
	ssoOff, err := h.store.RetireConnection(c.Request().Context(), org.ID, conn.ID, true, disableSSOParam(c), actorName(c))
	if errors.Is(err, models.ErrLastUsable) {
		return lastUsableError(conn)
	}
	if err != nil {
		return err
	}
	if ssoOff {
		h.audit(c, &org.ID, "sso.disable", org.Slug, "turned off with the deletion of the last usable connection "+conn.DisplayName)
	}
	h.signin.Forget(conn)
	h.audit(c, &org.ID, "connection.delete", conn.DisplayName, "id="+conn.PublicID)
	return c.NoContent(http.StatusNoContent)
}

// apiSetActive switches a connection on or off.
func (h *Handlers) apiSetActive(active bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		org := currentOrg(c)
		conn, err := h.apiConnection(c)
		if err != nil {
			return err
		}
		if conn.Active != active {
			ssoOff := false
			if active {
				err = h.store.SetConnectionActive(ctx, org.ID, conn.ID, true, actorName(c))
			} else {
				ssoOff, err = h.store.RetireConnection(ctx, org.ID, conn.ID, false, disableSSOParam(c), actorName(c))
			}
			if errors.Is(err, models.ErrLastUsable) {
				return lastUsableError(conn)
			}
			if err != nil {
				return err
			}
			if ssoOff {
				h.audit(c, &org.ID, "sso.disable", org.Slug, "turned off with the last usable connection "+conn.DisplayName)
			}
			action := "connection.activate"
			if !active {
				action = "connection.deactivate"
			}
			h.audit(c, &org.ID, action, conn.DisplayName, "id="+conn.PublicID)
			if conn, err = h.apiConnection(c); err != nil {
				return err
			}
		}
		out, err := h.connectionJSON(c, conn)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, out)
	}
}

// apiStartTest returns the address where an admin's browser runs the
// connection's test: a test is a real login through the IdP, so it needs
// a person at a browser signed in to orgsso.
func (h *Handlers) apiStartTest(c echo.Context) error {
	org := currentOrg(c)
	conn, err := h.apiConnection(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{
		"url":     h.opts.BaseURL + "/o/" + org.Slug + "/sso/" + conn.PublicID + "/start?test=1",
		"version": conn.Version,
		"message": "Open this address in a browser signed in as an admin of " + org.Name + "; the result appears under the connection's test runs.",
	})
}

// testRunJSON is a test run as the API shows it: the verdict, not the claims.
type testRunJSON struct {
	ID            int64  `json:"id"`
	ConfigVersion int64  `json:"configVersion"`
	Current       bool   `json:"current"`
	Status        string `json:"status"`
	ErrorCode     string `json:"errorCode,omitempty"`
	Reason        string `json:"reason,omitempty"`
	StartedBy     string `json:"startedBy"`
	FinishedAt    string `json:"finishedAt"`
}

func (h *Handlers) apiTestRuns(c echo.Context) error {
	conn, err := h.apiConnection(c)
	if err != nil {
		return err
	}
	runs, err := h.store.TestRuns(c.Request().Context(), currentOrg(c).ID, conn.ID, 100)
	if err != nil {
		return err
	}
	out := make([]testRunJSON, 0, len(runs))
	for _, r := range runs {
		out = append(out, testRunJSON{ID: r.ID, ConfigVersion: r.ConfigVersion, Current: r.Current(conn), Status: r.Status,
			ErrorCode: r.ErrorCode, Reason: r.Reason, StartedBy: r.StartedByEmail, FinishedAt: r.FinishedAt.UTC().Format(timeFormat)})
	}
	return c.JSON(http.StatusOK, map[string]any{"testRuns": out})
}

// timeFormat is how the API writes times (RFC 3339, UTC).
const timeFormat = "2006-01-02T15:04:05Z07:00"

// apiExportConnections answers the config-as-code document: YAML by
// default (what `orgsso connections export` prints), JSON when asked for.
func (h *Handlers) apiExportConnections(c echo.Context) error {
	ctx := c.Request().Context()
	org := currentOrg(c)
	if c.QueryParam("format") == "json" {
		items, err := ascode.ExportJSON(ctx, h.store, *org, h.signin)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, items)
	}
	doc, err := ascode.Export(ctx, h.store, *org, h.signin)
	if err != nil {
		return err
	}
	return c.Blob(http.StatusOK, "application/yaml; charset=utf-8", doc)
}

// apiApplyConnections applies a document (YAML or JSON) like `orgsso
// connections apply`; ?dry_run=true shows the changes and makes none.
func (h *Handlers) apiApplyConnections(c echo.Context) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	items, err := ascode.Parse(body)
	if err != nil {
		return err
	}
	dry, _ := strconv.ParseBool(c.QueryParam("dry_run"))
	results, err := ascode.Apply(c.Request().Context(), h.store, h.sealer, *currentOrg(c), items, h.ascodeOptions(c, dry))
	if err != nil {
		return err
	}
	failed := 0
	for _, r := range results {
		if r.Outcome == ascode.Failed {
			failed++
		}
	}
	if results == nil {
		results = []ascode.Result{}
	}
	return c.JSON(http.StatusOK, map[string]any{"dryRun": dry, "failed": failed, "results": results})
}
