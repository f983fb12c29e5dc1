package web

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/app/signin"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/views/pages"
)

// stateHints say what to do after a failed test whose answer could not
// be matched to it, whatever the protocol; each protocol's Hints say what
// to check at its IdP.
var stateHints = map[string]string{
	connector.CodeInvalidConfig: "Check the connection's settings and save them again.",
	connector.CodeStateExpired:  "Run the test again and finish it within ten minutes.",
	connector.CodeStateMismatch: "Run the test again in the same browser, with cookies allowed for this site.",
}

// checkHint is what to check after a test of conn failed with code.
func (h *Handlers) checkHint(conn models.Connection, code string) string {
	if p, ok := h.signin.Protocols().Get(conn.Protocol); ok && p.Hints[code] != "" {
		return p.Hints[code]
	}
	return stateHints[code]
}

// timeClaims are the standard claims that hold seconds since the epoch.
var timeClaims = map[string]bool{"iat": true, "exp": true, "nbf": true, "auth_time": true, "updated_at": true}

// claimRows writes out the claims a test received, sorted by name.
func claimRows(raw string) []pages.ClaimRow {
	var claims map[string]any
	if err := json.Unmarshal([]byte(raw), &claims); err != nil {
		return nil
	}
	names := make([]string, 0, len(claims))
	for k := range claims {
		names = append(names, k)
	}
	sort.Strings(names)
	rows := make([]pages.ClaimRow, 0, len(names))
	for _, k := range names {
		value := claimText(claims[k])
		if f, ok := claims[k].(float64); ok && timeClaims[k] {
			value += " (" + time.Unix(int64(f), 0).UTC().Format("2006-01-02 15:04:05 UTC") + ")"
		}
		rows = append(rows, pages.ClaimRow{Name: k, Value: value})
	}
	return rows
}

func claimText(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return "null"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = claimText(e)
		}
		return strings.Join(parts, ", ")
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64) // 1795421381, not 1.795421381e+09
	case bool:
		return strconv.FormatBool(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func mappedIdentity(raw string) pages.MappedIdentity {
	var m signin.Mapped
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return pages.MappedIdentity{}
	}
	out := pages.MappedIdentity{Subject: m.Subject, Email: m.Email, EmailVerified: m.EmailVerified, Name: m.Name,
		Groups: m.Groups, Notes: m.Notes}
	for _, g := range m.Grants {
		out.Grants = append(out.Grants, pages.RoleGrant{Role: g.Role, Because: g.Because})
	}
	return out
}

// showTestResult shows one test of a connection: the verdict first, then
// what the IdP sent and what it maps to.
func (h *Handlers) showTestResult(c echo.Context) error {
	org := currentOrg(c)
	conn, err := h.connectionFromURL(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("test"), 10, 64)
	if err != nil {
		return models.ErrNotFound
	}
	run, err := h.store.TestRun(c.Request().Context(), org.ID, conn.ID, id)
	if err != nil {
		return err
	}
	title := "Test failed"
	if run.Passed() {
		title = "Test passed"
	}
	p := pages.TestResultProps{
		Layout: h.layoutProps(c, title+" · "+conn.DisplayName), Org: *org, Connection: conn, Run: run,
		Current: run.Current(conn), Check: h.checkHint(conn, run.ErrorCode),
		Claims: claimRows(run.Claims), Mapped: mappedIdentity(run.Mapped),
	}
	p.CanEnable = !org.SSOEnabled && run.Passed() && p.Current && conn.Active
	return render(c, http.StatusOK, pages.TestResult(p))
}
