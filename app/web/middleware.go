package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/app/secrets"
	"github.com/orgsso/orgsso/models"
)

// Context keys.
const (
	ctxUser    = "orgsso.user"
	ctxSession = "orgsso.session"
	ctxOrg     = "orgsso.org"
	ctxCSRF    = "orgsso.csrf"
)

const (
	flashCookie = "orgsso_flash"
	csrfField   = "_csrf"
	csrfHeader  = "X-CSRF-Token"
)

func (h *Handlers) sessionCookieName() string {
	if h.opts.SecureCookies {
		return "__Host-orgsso_session"
	}
	return "orgsso_session"
}

// securityHeaders sets the headers every response carries: a CSP that
// allows only our own assets, no framing, no sniffing, no referrer leaks.
func (h *Handlers) securityHeaders() echo.MiddlewareFunc {
	hsts := 0
	if h.opts.SecureCookies {
		hsts = 31536000
	}
	return middleware.SecureWithConfig(middleware.SecureConfig{
		XSSProtection:         "0",
		ContentTypeNosniff:    "nosniff",
		XFrameOptions:         "DENY",
		HSTSMaxAge:            hsts,
		ReferrerPolicy:        "same-origin",
		ContentSecurityPolicy: "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
	})
}

// csrf protects every state-changing request with a token that must come
// back in the form body (_csrf) or the X-CSRF-Token header (htmx, from the
// page's csrf-token meta tag); never from the query string, which leaks
// into logs, history and Referer headers.
//
// The token is bound to what the request acts as: with a session it is
// derived from the session's id (sessionCSRF), so a token from another
// session, or one an attacker planted in a cookie, does not pass; without
// one (the login and sign-up forms) it is a random value in a cookie, named
// __Host- on https so that no other host can set it.
//
// A browser's Sec-Fetch-Site header is believed only when it says
// same-origin; cross-site is refused, even with a token, and same-site, none
// or no header need the token. Only the IdP-facing endpoints are exempt: the
// callback, protected by its own single-use state, and the initiate login
// URI, which only begins a login whose answer is checked like any other.
// It runs after loadSession.
func (h *Handlers) csrf(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if currentToken(c) != nil {
			// An API request authenticated by its bearer token alone
			// (apiAuth read no cookie): a browser never adds that header
			// to a cross-site request.
			return next(c)
		}
		want := h.issueCSRF(c)
		c.Response().Header().Add(echo.HeaderVary, echo.HeaderCookie)
		switch c.Request().Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
			return next(c)
		}
		if h.idpRoutes[c.Path()] {
			// The IdP posts here (form_post, a SAML ACS); the single-use
			// state and the browser binding protect it instead. An initiate
			// login URI is posted to by the IdP too; it begins a login,
			// nothing more.
			return next(c)
		}
		switch c.Request().Header.Get("Sec-Fetch-Site") {
		case "same-origin":
			return next(c)
		case "cross-site":
			return errCSRF
		}
		got := c.Request().Header.Get(csrfHeader)
		if got == "" {
			got = c.Request().PostFormValue(csrfField)
		}
		if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			return errCSRF
		}
		return next(c)
	}
}

var errCSRF = echo.NewHTTPError(http.StatusForbidden, "csrf")

func (h *Handlers) csrfCookieName() string {
	if h.opts.SecureCookies {
		return "__Host-orgsso_csrf"
	}
	return "orgsso_csrf"
}

// issueCSRF returns the token this request must carry and that its pages
// hand out: the session's, or the visitor's from the CSRF cookie (set here
// when missing or malformed).
func (h *Handlers) issueCSRF(c echo.Context) string {
	if currentSession(c) != nil {
		if ck, err := c.Cookie(h.sessionCookieName()); err == nil && ck.Value != "" {
			tok := sessionCSRF(ck.Value)
			c.Set(ctxCSRF, tok)
			return tok
		}
	}
	if ck, err := c.Cookie(h.csrfCookieName()); err == nil && isToken(ck.Value) {
		c.Set(ctxCSRF, ck.Value)
		return ck.Value
	}
	return h.newVisitorCSRF(c)
}

// newVisitorCSRF gives a browser without a session a fresh CSRF token.
func (h *Handlers) newVisitorCSRF(c echo.Context) string {
	tok := secrets.Token()
	c.SetCookie(&http.Cookie{Name: h.csrfCookieName(), Value: tok, Path: "/", HttpOnly: true,
		Secure: h.opts.SecureCookies, SameSite: http.SameSiteLaxMode})
	c.Set(ctxCSRF, tok)
	return tok
}

// sessionCSRF is the CSRF token of the session with this id: a MAC keyed
// by the id, which only the browser holding the session cookie (HttpOnly)
// and the server see. The id's stored hash does not give it, and the token
// does not give the id.
func sessionCSRF(sessionID string) string {
	m := hmac.New(sha256.New, []byte(sessionID))
	m.Write([]byte("orgsso csrf v1"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// isToken reports whether s looks like a secrets.Token.
func isToken(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == 32
}

func csrfToken(c echo.Context) string {
	t, _ := c.Get(ctxCSRF).(string)
	return t
}

// loadSession finds the session cookie's live session and its user, and ends
// sessions that are past their idle or absolute limit or whose user is no
// longer active.
func (h *Handlers) loadSession(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ck, err := c.Cookie(h.sessionCookieName())
		if err != nil || ck.Value == "" {
			return next(c)
		}
		ctx := c.Request().Context()
		idHash := secrets.Hash(ck.Value)
		sess, user, err := h.store.SessionWithUser(ctx, idHash)
		if errors.Is(err, models.ErrNotFound) {
			h.clearSessionCookie(c)
			return next(c)
		}
		if err != nil {
			return err
		}
		now := h.now()
		if now.Sub(sess.LastSeenAt) > h.opts.SessionIdle {
			_ = h.store.DeleteSession(ctx, idHash)
			h.clearSessionCookie(c)
			return next(c)
		}
		if user.Disabled {
			_ = h.store.DeleteSession(ctx, idHash)
			h.clearSessionCookie(c)
			return next(c)
		}
		if now.Sub(sess.LastSeenAt) > time.Minute {
			if err := h.store.TouchSession(ctx, idHash, now); err != nil {
				h.log.Warn("touch session", "err", err)
			}
		}
		c.Set(ctxUser, &user)
		c.Set(ctxSession, &sess)
		return next(c)
	}
}

// startSession logs user in: any session the browser had ends and a new one
// with a fresh id begins (rotation), the CSRF token is renewed, and the
// login is recorded — all in one write. login carries the session's hints
// and the audit event (actor, target and address are filled in here) and,
// for an SSO login, the spent state and the member's profile and role
// update (signin.Result.Member), which the same write makes.
func (h *Handlers) startSession(c echo.Context, user models.User, login models.Login) error {
	sess, ev := login.Session, login.Audit
	replaced := ""
	if ck, err := c.Cookie(h.sessionCookieName()); err == nil && ck.Value != "" {
		replaced = secrets.Hash(ck.Value)
	}
	id := secrets.Token()
	now := h.now()
	sess.IDHash = secrets.Hash(id)
	sess.UserID = user.ID
	sess.CreatedAt = now
	sess.LastSeenAt = now
	sess.ExpiresAt = now.Add(h.opts.SessionMax)
	sess.IP = c.RealIP()
	sess.UserAgent = cleanText(c.Request().UserAgent(), 200)
	ev.ActorID, ev.ActorEmail, ev.Target, ev.IP = &user.ID, user.Email, user.Email, c.RealIP()
	login.Session, login.Audit, login.Replaces = sess, ev, replaced
	if err := h.store.StartSession(c.Request().Context(), login); err != nil {
		return err
	}
	c.SetCookie(&http.Cookie{
		Name: h.sessionCookieName(), Value: id, Path: "/", HttpOnly: true,
		Secure: h.opts.SecureCookies, SameSite: http.SameSiteLaxMode,
		MaxAge: int(h.opts.SessionMax / time.Second),
	})
	// The visitor's CSRF token ends; the session's own begins.
	c.SetCookie(&http.Cookie{Name: h.csrfCookieName(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: h.opts.SecureCookies})
	c.Set(ctxCSRF, sessionCSRF(id))
	c.Set(ctxUser, &user)
	return nil
}

// endSession logs the browser out.
func (h *Handlers) endSession(c echo.Context) error {
	if sess := currentSession(c); sess != nil {
		if err := h.store.DeleteSession(c.Request().Context(), sess.IDHash); err != nil {
			return err
		}
	}
	h.clearSessionCookie(c)
	h.newVisitorCSRF(c) // the session's token ends with it
	return nil
}

func (h *Handlers) clearSessionCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: h.sessionCookieName(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: h.opts.SecureCookies, SameSite: http.SameSiteLaxMode})
}

func currentUser(c echo.Context) *models.User {
	u, _ := c.Get(ctxUser).(*models.User)
	return u
}

func currentSession(c echo.Context) *models.Session {
	s, _ := c.Get(ctxSession).(*models.Session)
	return s
}

func currentOrg(c echo.Context) *models.Organization {
	o, _ := c.Get(ctxOrg).(*models.Organization)
	return o
}

func orgDomain(o *models.Organization) string { return authz.Domain(o.ID) }

// requireLogin sends a logged-out browser to the login page (API calls get
// 401), and a user holding a one-time password to the password page.
func (h *Handlers) requireLogin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if strings.HasSuffix(c.Path(), "/*") {
			// echo runs group middleware on its not-found catch-all routes
			// too: an unknown address is a 404, not a reason to log in.
			return next(c)
		}
		u := currentUser(c)
		if u == nil {
			if strings.HasPrefix(c.Request().URL.Path, "/api/") {
				return echo.NewHTTPError(http.StatusUnauthorized, "log in first")
			}
			if c.Request().Method != http.MethodGet {
				return c.Redirect(http.StatusSeeOther, "/login")
			}
			return c.Redirect(http.StatusSeeOther, "/login?return_to="+url.QueryEscape(c.Request().URL.RequestURI()))
		}
		if u.MustChangePassword && c.Path() != "/account/password" && c.Path() != "/logout" {
			return c.Redirect(http.StatusSeeOther, "/account/password")
		}
		return next(c)
	}
}

// resolveOrg loads the org named by the URL's {org}; an unknown slug is 404.
func (h *Handlers) resolveOrg(next echo.HandlerFunc) echo.HandlerFunc {
	return h.resolveOrgWith(h.store.OrganizationBySlug)(next)
}

// resolveSigninOrg is resolveOrg for the member sign-in routes, which run at
// every login: the org may come from the Store's short cache, because
// nothing a cached row decides there is final. A refusal is decided again
// on the stored rows (signin's admit) and a login completes only if its
// connection is unchanged when the session is written (models.Login.Through).
func (h *Handlers) resolveSigninOrg(next echo.HandlerFunc) echo.HandlerFunc {
	return h.resolveOrgWith(h.store.CachedOrganizationBySlug)(next)
}

func (h *Handlers) resolveOrgWith(load func(context.Context, string) (models.Organization, error)) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			org, err := load(c.Request().Context(), c.Param("org"))
			if err != nil {
				return err
			}
			c.Set(ctxOrg, &org)
			return next(c)
		}
	}
}

// RequirePermission lets the request through only when the user may do act
// on obj in the URL's org (or, on routes without an org, on the platform).
// Someone with no role in the org gets 404, so org slugs do not leak;
// a member without the permission gets 403.
func (h *Handlers) RequirePermission(obj, act string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			u := currentUser(c)
			if u == nil {
				return echo.NewHTTPError(http.StatusUnauthorized, "log in first")
			}
			dom := authz.Platform
			org := currentOrg(c)
			if org != nil {
				dom = orgDomain(org)
			}
			if scope := sessionOrg(c); scope != 0 && (org == nil || org.ID != scope) {
				return h.outOfScope(c, org)
			}
			ok, err := h.can(c, dom, obj, act)
			if err != nil {
				return err
			}
			if ok {
				return next(c)
			}
			if org != nil {
				if roles, err := h.authz.Roles(u.ID, org.ID); err == nil && len(roles) == 0 {
					return models.ErrNotFound
				}
			}
			return authz.ErrForbidden
		}
	}
}

// sessionOrg is the one org a session opens when it came through an org's
// connection (0: a session of the person's own, by password, opens all of
// their orgs and their platform role).
func sessionOrg(c echo.Context) int64 {
	if s := currentSession(c); s != nil && s.OrgID != nil {
		return *s.OrgID
	}
	return 0
}

// can asks authz with what the session may use: a session an org's IdP
// opened acts with the person's roles in that org only.
func (h *Handlers) can(c echo.Context, dom, obj, act string) (bool, error) {
	u := currentUser(c)
	if sessionOrg(c) != 0 {
		return h.authz.CanAsMember(u.ID, dom, obj, act)
	}
	return h.authz.Can(u.ID, dom, obj, act)
}

// isPlatformAdmin reports whether the viewer acts as a platform admin now:
// never through a session an org's IdP opened.
func (h *Handlers) isPlatformAdmin(c echo.Context) bool {
	u := currentUser(c)
	return u != nil && sessionOrg(c) == 0 && h.authz.IsPlatformAdmin(u.ID)
}

// outOfScope answers a request for another org, or the platform, with a
// session that an org's IdP opened: a member of that org is sent to sign in
// there; anyone else finds nothing; the platform needs the person's own
// sign-in.
func (h *Handlers) outOfScope(c echo.Context, org *models.Organization) error {
	if org == nil {
		return echo.NewHTTPError(http.StatusForbidden, "You signed in through an organization's single sign-on, which opens that organization only. Log in with your password to manage the platform.")
	}
	roles, err := h.authz.Roles(currentUser(c).ID, org.ID)
	if err != nil {
		return err
	}
	if len(roles) == 0 {
		return models.ErrNotFound
	}
	setFlash(c, "Your sign-in opens another organization only. Sign in to "+org.Name+" to continue.")
	return c.Redirect(http.StatusSeeOther, "/o/"+org.Slug+"/login?return_to="+url.QueryEscape(c.Request().URL.Path))
}

// setFlash leaves a one-line message for the next page.
func setFlash(c echo.Context, msg string) {
	c.SetCookie(&http.Cookie{Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString([]byte(msg)), Path: "/", MaxAge: 60, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

func takeFlash(c echo.Context) string {
	ck, err := c.Cookie(flashCookie)
	if err != nil || ck.Value == "" {
		return ""
	}
	c.SetCookie(&http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
	b, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if err != nil {
		return ""
	}
	return truncate(string(b), 300)
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// localPath returns p when it is a path on this site, else "/". It refuses
// absolute URLs, scheme-relative "//host", backslash tricks browsers
// treat as "//", and ASCII control characters anywhere, the fragment
// included (url.Parse lets them through there, and they would reach the
// Location header).
func localPath(p string) string {
	if p == "" || !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.ContainsRune(p, '\\') ||
		strings.ContainsFunc(p, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return "/"
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return p
}

// when applies middleware only to requests for which cond holds (a login
// start is open to all, but a test start needs an admin).
func (h *Handlers) when(cond func(echo.Context) bool, mws ...echo.MiddlewareFunc) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		guarded := next
		for i := len(mws) - 1; i >= 0; i-- {
			guarded = mws[i](guarded)
		}
		return func(c echo.Context) error {
			if cond(c) {
				return guarded(c)
			}
			return next(c)
		}
	}
}

// requireOrgSSO keeps members of an org that requires SSO out unless their
// session came through one of that org's connections: a password session
// (from another org, say) does not open it. The org's admins and platform
// admins keep their way in (invariant 3).
func (h *Handlers) requireOrgSSO(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		org, u := currentOrg(c), currentUser(c)
		if org == nil || u == nil || !org.SSOEnforced || h.isPlatformAdmin(c) {
			return next(c)
		}
		roles, err := h.authz.Roles(u.ID, org.ID)
		if err != nil {
			return err
		}
		if len(roles) == 0 || slices.Contains(roles, authz.RoleAdmin) {
			return next(c) // non-members get their 404 from RequirePermission
		}
		if sessionOrg(c) == org.ID {
			return next(c) // the session came through one of this org's connections
		}
		setFlash(c, org.Name+" requires single sign-on: sign in through its identity provider.")
		return c.Redirect(http.StatusSeeOther, "/o/"+org.Slug+"/login")
	}
}
