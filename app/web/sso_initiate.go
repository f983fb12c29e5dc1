package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/app/signin"
	"github.com/orgsso/orgsso/models"
)

// initiateSSO is a connection's initiate login URI (OpenID Connect Core
// §4, third-party-initiated login): the IdP's app tile or "Login URL"
// sends the browser here, by GET or by a cross-site POST. Once the
// connection's connector accepts the request (for OIDC: iss names its
// issuer) and the target link is a page of this site, it begins an ordinary
// member login, exactly as the connection's start link does; the answer is
// then checked like any other (state, nonce, PKCE), so the request itself
// need not be trusted: it can only start a login.
func (h *Handlers) initiateSSO(c echo.Context) error {
	ctx := c.Request().Context()
	org := currentOrg(c)
	conn, err := h.store.CachedConnectionByPublicID(ctx, org.ID, c.Param("conn"))
	if err != nil {
		return err
	}
	// Only at its own protocol's initiate endpoint.
	p, ok := h.signin.Protocols().Get(conn.Protocol)
	if !ok || p.Initiate == nil || "/o/:org"+p.InitiatePath != c.Path() {
		return models.ErrNotFound
	}
	in, err := p.Initiate([]byte(conn.Config), c.Request())
	if ce, ok := connector.AsError(err); ok && ce.Code == connector.CodeInitiateRefused {
		return h.initiateRefused(c, ce.Reason)
	}
	if err != nil {
		return h.loginProblem(c, err)
	}
	returnTo, ok := h.targetLink(in.TargetLink)
	if !ok {
		return h.initiateRefused(c, "The request to start a sign-in asked to continue on another site afterwards, which is not allowed.")
	}
	req := signin.BeginRequest{Org: *org, Connection: conn, ReturnTo: returnTo}
	if in.LoginHint != "" {
		req.Forwarded = map[string]string{"login_hint": truncate(in.LoginHint, 254)}
	}
	return h.beginLogin(c, org, req)
}

// initiateRefused is the readable 400 page of a refused initiate request.
func (h *Handlers) initiateRefused(c echo.Context, msg string) error {
	return h.loginProblem(c, &signin.Problem{Status: http.StatusBadRequest, Code: "initiate_refused", Title: "Sign-in not started",
		Message: msg, Hint: "Start the sign-in from this organization's login page, or ask an administrator to check the identity provider's login URL."})
}

// targetLink turns a target_link_uri into the local path to land on after
// the login: a path on this site as it is, or a full URL on this site's
// base URL reduced to its path and query. Anything else (another host or
// scheme, "//host", backslash tricks) is refused. Empty means the default.
func (h *Handlers) targetLink(raw string) (string, bool) {
	if raw == "" {
		return "", true
	}
	if strings.HasPrefix(raw, "/") {
		p := localPath(raw)
		return p, p == raw
	}
	u, err := url.Parse(raw)
	base, berr := url.Parse(h.opts.BaseURL)
	if err != nil || berr != nil || u.Opaque != "" || u.User != nil ||
		!strings.EqualFold(u.Scheme, base.Scheme) || !strings.EqualFold(u.Host, base.Host) {
		return "", false
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	local := localPath(p)
	return local, local == p
}
