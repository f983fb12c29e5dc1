package web

import (
	"errors"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/app/ascode"
	"github.com/orgsso/orgsso/app/secrets"
	"github.com/orgsso/orgsso/models"
)

// The JSON API under /api/v1/orgs/{org}: the same resources as the pages,
// for programs. A request is authenticated by an org's API token
// (Authorization: Bearer …), or by the session cookie like the pages, and
// passes the same Casbin checks as the pages (RequirePermission, or
// authz.CanToken for a token). Bearer requests are exempt from the cookie
// CSRF check: a browser does not add that header to a cross-site request.

const ctxToken = "orgsso.token"

// tokenPrefix starts every API token, so that one found in a log or a
// repository is recognised.
const tokenPrefix = "osso_"

func currentToken(c echo.Context) *models.APIToken {
	t, _ := c.Get(ctxToken).(*models.APIToken)
	return t
}

// tokenActor names a token in the audit log and in updated_by.
func tokenActor(t *models.APIToken) string {
	return "API token “" + t.Name + "” (#" + strconv.FormatInt(t.ID, 10) + ")"
}

// actorName is who the request acts as: the token or the signed-in person.
func actorName(c echo.Context) string {
	if t := currentToken(c); t != nil {
		return tokenActor(t)
	}
	if u := currentUser(c); u != nil {
		return u.Email
	}
	return ""
}

// apiError is an API answer other than success: its status and the JSON
// body {code, message, field}.
type apiError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	// Errors lists every problem of a document, when there are several.
	Errors []apiFieldError `json:"errors,omitempty"`
}

type apiFieldError struct {
	Field   string `json:"field,omitempty"`
	Item    int    `json:"item,omitempty"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func apiFail(status int, code, field, message string) error {
	return &apiError{Status: status, Code: code, Field: field, Message: message}
}

// invalid is a 422 for one field.
func invalid(field, message string) error {
	return apiFail(http.StatusUnprocessableEntity, "invalid", field, message)
}

// fieldErrors is a 422 listing problems by field.
func fieldErrors(errs map[string]string) error {
	e := &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid"}
	for _, k := range sortedKeys(errs) {
		e.Errors = append(e.Errors, apiFieldError{Field: k, Message: errs[k]})
	}
	e.Field, e.Message = e.Errors[0].Field, e.Errors[0].Message
	return e
}

// documentError is a 422 for a config-as-code document's problems.
func documentError(es ascode.Errors) error {
	e := &apiError{Status: http.StatusUnprocessableEntity, Code: "invalid", Message: es.Error()}
	for _, fe := range es {
		e.Errors = append(e.Errors, apiFieldError{Field: fe.Field, Item: fe.Item, Message: fe.Message})
	}
	if len(es) > 0 {
		e.Field = es[0].Field
	}
	return e
}

// apiErrorOf is the JSON answer of any error on an API path.
func apiErrorOf(err error, se safeError) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var es ascode.Errors
	if errors.As(err, &es) {
		errors.As(documentError(es), &ae)
		return ae
	}
	code := map[int]string{
		http.StatusBadRequest: "bad_request", http.StatusUnauthorized: "unauthorized", http.StatusForbidden: "forbidden",
		http.StatusNotFound: "not_found", http.StatusConflict: "conflict", http.StatusRequestEntityTooLarge: "too_large",
		http.StatusTooManyRequests: "too_many_requests", http.StatusServiceUnavailable: "busy",
	}[se.status]
	if code == "" {
		code = "error"
	}
	if se.status == http.StatusForbidden && err == errCSRF {
		code = "csrf"
		se.message = "A request made with the session cookie needs the X-CSRF-Token header; programs should use an API token."
	}
	return &apiError{Status: se.status, Code: code, Message: se.message}
}

// apiAuth authenticates an API request: a bearer token when the
// Authorization header carries one (the session cookie is then not read
// at all), else the session like the pages. An unknown, expired or
// revoked token is a 401.
func (h *Handlers) apiAuth(next echo.HandlerFunc) echo.HandlerFunc {
	session := h.loadSession(next)
	return func(c echo.Context) error {
		header := c.Request().Header.Get(echo.HeaderAuthorization)
		if header == "" {
			return session(c)
		}
		scheme, value, _ := strings.Cut(header, " ")
		value = strings.TrimSpace(value)
		if !strings.EqualFold(scheme, "Bearer") || value == "" {
			return apiFail(http.StatusUnauthorized, "unauthorized", "", "Send an API token as Authorization: Bearer <token>.")
		}
		ctx := c.Request().Context()
		t, err := h.store.APITokenByHash(ctx, secrets.Hash(value))
		if errors.Is(err, models.ErrNotFound) || (err == nil && !t.Usable(h.now())) {
			return apiFail(http.StatusUnauthorized, "invalid_token", "", "This API token is unknown, expired or revoked.")
		}
		if err != nil {
			return err
		}
		if err := h.store.TouchAPIToken(ctx, t.ID); err != nil {
			h.log.Warn("touch api token", "err", err)
		}
		c.Set(ctxToken, &t)
		return next(c)
	}
}

// apiRequireAuth answers 401 to a request with neither token nor session.
func (h *Handlers) apiRequireAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if currentToken(c) == nil && currentUser(c) == nil {
			return apiFail(http.StatusUnauthorized, "unauthorized", "", "Send an API token as Authorization: Bearer <token>, or log in.")
		}
		if u := currentUser(c); u != nil && currentToken(c) == nil && u.MustChangePassword {
			return apiFail(http.StatusForbidden, "password_change_required", "", "Choose a new password at /account/password first.")
		}
		return next(c)
	}
}

// apiResolveOrg loads the URL's org. A token of another org finds nothing:
// 404, as for an org that does not exist.
func (h *Handlers) apiResolveOrg(next echo.HandlerFunc) echo.HandlerFunc {
	return h.resolveOrg(func(c echo.Context) error {
		if t := currentToken(c); t != nil && t.OrgID != currentOrg(c).ID {
			return models.ErrNotFound
		}
		return next(c)
	})
}

// apiPermission is RequirePermission for the API: a token may do what the
// org's admin role may (reading only, for a read token), in its own org;
// a session is checked exactly as on the pages.
func (h *Handlers) apiPermission(obj, act string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		session := h.RequirePermission(obj, act)(next)
		return func(c echo.Context) error {
			t := currentToken(c)
			if t == nil {
				return session(c)
			}
			ok, err := h.authz.CanToken(t.OrgID, t.Scope, orgDomain(currentOrg(c)), obj, act)
			if err != nil {
				return err
			}
			if !ok {
				return apiFail(http.StatusForbidden, "forbidden", "", "This token's scope ("+t.Scope+") does not allow this.")
			}
			return next(c)
		}
	}
}

// readBody reads a request body up to the API's limit.
func readBody(c echo.Context) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(c.Request().Body, ascode.MaxDocument+1))
	if err != nil {
		return nil, apiFail(http.StatusBadRequest, "bad_request", "", "The body could not be read.")
	}
	if len(b) > ascode.MaxDocument {
		return nil, apiFail(http.StatusRequestEntityTooLarge, "too_large", "", "The body is too large.")
	}
	return b, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
