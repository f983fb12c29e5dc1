package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/app/signin"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/views/components"
	"github.com/orgsso/orgsso/views/pages"
)

const (
	loginCookie   = "orgsso_login"
	consentCookie = "orgsso_consent"
	testCookie    = "orgsso_test"
)

// enabledConnections are the connections a member may log in through:
// usable ones (active, with a passed test at their present configuration),
// in an org with SSO on.
func (h *Handlers) enabledConnections(c echo.Context, org *models.Organization) ([]models.Connection, error) {
	if !org.SSOEnabled {
		return nil, nil
	}
	return h.store.UsableConnectionRows(c.Request().Context(), org.ID)
}

// showOrgLogin is the org's member login page.
func (h *Handlers) showOrgLogin(c echo.Context) error {
	org := currentOrg(c)
	conns, err := h.enabledConnections(c, org)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, pages.OrgLogin(pages.OrgLoginProps{
		Layout: h.layoutProps(c, "Sign in to "+org.Name), Org: *org, Connections: conns,
		ReturnTo: localPath(c.QueryParam("return_to")), LoggedOut: c.QueryParam("logged_out") != "",
		CanLink: currentUser(c) != nil,
	}))
}

func isTestStart(c echo.Context) bool { return c.QueryParam("test") == "1" }

// isLinkStart is a signed-in person's start of the link step (a test
// start is never a link).
func isLinkStart(c echo.Context) bool { return c.QueryParam("link") == "1" && !isTestStart(c) }

// startSSO begins a login through a connection (or an admin's test of it)
// and sends the browser to the IdP.
func (h *Handlers) startSSO(c echo.Context) error {
	ctx := c.Request().Context()
	org := currentOrg(c)
	req := signin.BeginRequest{Org: *org, ReturnTo: localPath(c.QueryParam("return_to")), IsTest: isTestStart(c)}
	// A member's start may use a cached connection (see resolveSigninOrg);
	// an admin's test runs on the stored one.
	lookup := h.store.CachedConnectionByPublicID
	if req.IsTest {
		lookup = h.store.ConnectionByPublicID
	}
	conn, err := lookup(ctx, org.ID, c.Param("conn"))
	if err != nil {
		return err
	}
	req.Connection = conn
	// Every other parameter of the start URL is offered; the connector
	// forwards only those its connection lists, length-limited.
	for name, values := range c.QueryParams() {
		if v := strings.TrimSpace(values[0]); v != "" && name != "test" && name != "link" && name != "return_to" {
			if req.Forwarded == nil {
				req.Forwarded = map[string]string{}
			}
			req.Forwarded[name] = v
		}
	}
	if req.IsTest {
		uid := currentUser(c).ID
		req.UserID = &uid
	} else if isLinkStart(c) {
		// Another org's IdP may not link identities to the account it
		// signed in: linking needs the person's own sign-in, or this org's.
		if scope := sessionOrg(c); scope != 0 && scope != org.ID {
			return echo.NewHTTPError(http.StatusForbidden, "You signed in through another organization's single sign-on. Log in with your password to link this sign-in to your account.")
		}
		// The identity that comes back is linked to this account, and only
		// while this account is still the one signed in (signin.link).
		uid := currentUser(c).ID
		req.IsLink, req.UserID = true, &uid
	}
	return h.beginLogin(c, org, req)
}

// beginLogin starts req's login (or test) through signin and sends the
// browser to the IdP with the cookies that bind the answer to it.
func (h *Handlers) beginLogin(c echo.Context, org *models.Organization, req signin.BeginRequest) error {
	ctx := c.Request().Context()
	conn := req.Connection
	req.Cookie = h.loginCookie(c)
	redirectURL, cookie, err := h.signin.Begin(ctx, req)
	if err != nil {
		if _, ok := connector.AsError(err); ok && req.IsTest {
			run, rerr := h.signin.FailTest(ctx, *org, conn, *req.UserID, err)
			if rerr != nil {
				return rerr
			}
			h.metrics.TestRuns.WithLabelValues(conn.Protocol, run.Status).Inc()
			return c.Redirect(http.StatusSeeOther, components.ConnectionURL(org.Slug, conn.PublicID, "/tests/"+itoa64(run.ID)))
		}
		return h.loginProblem(c, err)
	}
	h.setLoginCookie(c, org, cookie)
	if req.IsTest {
		h.setTestCookie(c, org, conn.PublicID)
		h.audit(c, &org.ID, "connection.test_start", conn.DisplayName, "version="+itoa64(conn.Version))
	} else {
		h.takeTestCookie(c, org) // this browser's answer is a member's now
	}
	return c.Redirect(http.StatusSeeOther, redirectURL)
}

// ssoCallback is the org's return endpoint of a protocol (the OIDC
// redirect URI, a SAML ACS): it finishes the login whose state came back,
// then shows a test result or logs the member in.
//
// An admin's test always ends on its verdict, also when the answer cannot
// be matched to it: signin records a test whose own state was refused
// (another browser, a lost cookie, expired) as failed; an answer that
// names no login at all (no state, or an unknown one) is recorded as a
// failed test of the connection this browser last started a test of, when
// its signed-in person may test it. Either way nothing of the answer is
// used, and anyone who may not see the verdict sees the refusal.
func (h *Handlers) ssoCallback(protocol string) echo.HandlerFunc {
	return func(c echo.Context) error { return h.finishSSO(c, protocol) }
}

// finishSSO is ssoCallback for the return endpoint of protocol.
func (h *Handlers) finishSSO(c echo.Context, protocol string) error {
	ctx := c.Request().Context()
	org := currentOrg(c)
	var viewer int64
	if u := currentUser(c); u != nil {
		viewer = u.ID
	}
	testing := h.takeTestCookie(c, org)
	res, err := h.signin.Finish(ctx, *org, signin.Answer{
		Protocol: protocol, Connection: c.Param("conn"), Request: c.Request(), Cookie: h.loginCookie(c), Viewer: viewer,
	})
	h.setLoginCookie(c, org, res.Cookie)
	if err != nil && !res.Matched && testing != "" && signin.IsStateProblem(err) && h.mayTest(c, org) {
		if conn, cerr := h.store.ConnectionByPublicID(ctx, org.ID, testing); cerr == nil {
			run, rerr := h.signin.FailUnmatchedTest(ctx, *org, conn, viewer, c.Request(), err)
			if rerr != nil {
				return rerr
			}
			res = signin.Result{Connection: conn, IsTest: true, TestRun: run}
		}
	}
	if res.IsTest && res.TestRun.ID != 0 {
		h.metrics.TestRuns.WithLabelValues(res.Connection.Protocol, res.TestRun.Status).Inc()
		if res.ReturnTo == setupTestsPath { // begun through a setup link (setup_links.go)
			return h.finishSetupTest(c, org, res)
		}
		h.audit(c, &org.ID, "connection.test", res.Connection.DisplayName,
			"version="+itoa64(res.TestRun.ConfigVersion)+" result="+res.TestRun.Status)
		if err == nil || h.mayTest(c, org) {
			return c.Redirect(http.StatusSeeOther, components.ConnectionURL(org.Slug, res.Connection.PublicID, "/tests/"+itoa64(res.TestRun.ID)))
		}
	}
	if err != nil {
		conn := "unknown"
		if res.Connection.PublicID != "" {
			conn = res.Connection.PublicID
		}
		h.metrics.Logins.WithLabelValues(conn, protocol, problemCode(err)).Inc()
		h.auditSigninFailure(c, org, res, err)
		return h.loginProblem(c, err)
	}
	return h.finishLogin(c, org, res)
}

// mayTest reports whether the viewer may test the org's connections (and
// so see a test's verdict), with what their session may use.
func (h *Handlers) mayTest(c echo.Context, org *models.Organization) bool {
	if currentUser(c) == nil {
		return false
	}
	if scope := sessionOrg(c); scope != 0 && scope != org.ID {
		return false
	}
	ok, err := h.can(c, orgDomain(org), "connections", "write")
	return err == nil && ok
}

// finishLogin logs the member in (or asks for consent first) after a
// successful callback or consent.
func (h *Handlers) finishLogin(c echo.Context, org *models.Organization, res signin.Result) error {
	if res.Consent != nil {
		h.setConsentCookie(c, org, res.Consent.Binding)
		cp := res.Consent
		return render(c, http.StatusOK, pages.Consent(pages.ConsentProps{Layout: h.layoutProps(c, "Join "+org.Name),
			OrgSlug: org.Slug, OrgName: cp.OrgName, Via: cp.Via, Token: cp.Token, Email: cp.Email, Name: cp.Name,
			Groups: cp.Groups, Roles: cp.Roles}))
	}
	err := h.startSession(c, res.User, models.Login{
		Session: models.Session{LogoutHint: res.LogoutHint},
		Audit:   models.AuditEvent{OrgID: &org.ID, Action: "user.login", Details: "sso connection=" + res.Connection.DisplayName},
		Through: &models.Through{ConnectionID: res.Connection.ID, Version: res.Connection.Version},
		Spend:   res.Spend,
		Member:  res.Member, // the profile and roles the IdP gives, in the same write
	})
	switch {
	case errors.Is(err, models.ErrConnectionChanged):
		h.metrics.Logins.WithLabelValues(res.Connection.PublicID, res.Connection.Protocol, signin.CodeConfigChanged).Inc()
		return h.loginProblem(c, signin.Interrupted(err))
	case errors.Is(err, models.ErrAlreadyUsed):
		err = signin.SpentProblem(err)
		h.metrics.Logins.WithLabelValues(res.Connection.PublicID, res.Connection.Protocol, problemCode(err)).Inc()
		return h.loginProblem(c, err)
	}
	if err != nil {
		return err
	}
	h.metrics.Logins.WithLabelValues(res.Connection.PublicID, res.Connection.Protocol, "success").Inc()
	returnTo := res.ReturnTo
	if returnTo == "" || returnTo == "/" {
		returnTo = "/o/" + org.Slug
	}
	return c.Redirect(http.StatusSeeOther, localPath(returnTo))
}

// answerConsent takes a person's answer to the first-login consent page.
func (h *Handlers) answerConsent(c echo.Context) error {
	org := currentOrg(c)
	res, err := h.signin.AnswerConsent(c.Request().Context(), *org, c.FormValue("token"), h.takeConsentCookie(c, org),
		c.FormValue("decision") == "accept")
	if err != nil {
		return h.loginProblem(c, err)
	}
	if res.Declined {
		return render(c, http.StatusOK, pages.Error(pages.ErrorProps{Layout: h.layoutProps(c, "Not joined"), Status: http.StatusOK,
			Message: "You declined, so no account was created and nothing about you was kept.",
			Hint:    "If you change your mind, sign in again from the login page of " + org.Name + "."}))
	}
	return h.finishLogin(c, org, res)
}

// loginCookie is the browser's login cookie for the current org: its
// logins in flight, sealed (signin owns the format).
func (h *Handlers) loginCookie(c echo.Context) string {
	if ck, err := c.Cookie(loginCookie); err == nil {
		return ck.Value
	}
	return ""
}

// setLoginCookie stores the logins in flight, or clears the cookie when
// none remain. The IdP's answer comes back from another site, by a GET
// redirect or (form_post, SAML) a cross-site POST, on which browsers send
// only SameSite=None cookies; those must be Secure, so on https the cookie
// is SameSite=None; Secure, and on plain http (a local try-out) Lax,
// which still carries the GET return.
func (h *Handlers) setLoginCookie(c echo.Context, org *models.Organization, value string) {
	ck := h.crossSiteCookie(org, loginCookie, value, int(h.signin.StateTTL()/time.Second))
	if value == "" {
		if _, err := c.Cookie(loginCookie); err != nil {
			return // nothing to clear
		}
		ck.MaxAge = -1
	}
	c.SetCookie(ck)
}

// crossSiteCookie is a cookie under the org's path that the IdP's answer
// brings back (see setLoginCookie).
func (h *Handlers) crossSiteCookie(org *models.Organization, name, value string, maxAge int) *http.Cookie {
	ck := &http.Cookie{Name: name, Value: value, Path: "/o/" + org.Slug + "/", HttpOnly: true, MaxAge: maxAge,
		Secure: h.opts.SecureCookies, SameSite: http.SameSiteLaxMode}
	if h.opts.SecureCookies {
		ck.SameSite = http.SameSiteNoneMode
	}
	return ck
}

// setConsentCookie binds a first login waiting for consent to this browser.
func (h *Handlers) setConsentCookie(c echo.Context, org *models.Organization, binding string) {
	c.SetCookie(&http.Cookie{Name: consentCookie, Value: binding, Path: "/o/" + org.Slug + "/",
		HttpOnly: true, Secure: h.opts.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: 600})
}

// takeConsentCookie reads the consent binding and clears it: it serves one
// answer only.
func (h *Handlers) takeConsentCookie(c echo.Context, org *models.Organization) string {
	binding := ""
	if ck, err := c.Cookie(consentCookie); err == nil {
		binding = ck.Value
	}
	c.SetCookie(&http.Cookie{Name: consentCookie, Value: "", Path: "/o/" + org.Slug + "/", MaxAge: -1, HttpOnly: true, Secure: h.opts.SecureCookies})
	return binding
}

// setTestCookie remembers in the browser which connection its admin is
// testing. It decides nothing: it only says which connection an answer that
// names no login was meant for, and is used only for a viewer who may test
// that connection.
func (h *Handlers) setTestCookie(c echo.Context, org *models.Organization, connPublicID string) {
	c.SetCookie(h.crossSiteCookie(org, testCookie, connPublicID, int(h.signin.StateTTL()/time.Second)))
}

// takeTestCookie reads the connection under test, if any, and clears it:
// it serves one answer only.
func (h *Handlers) takeTestCookie(c echo.Context, org *models.Organization) string {
	ck, err := c.Cookie(testCookie)
	if err != nil {
		return ""
	}
	c.SetCookie(h.crossSiteCookie(org, testCookie, "", -1))
	return ck.Value
}

// loginProblem shows a failed login as a readable page; only unexpected
// errors become 500s.
func (h *Handlers) loginProblem(c echo.Context, err error) error {
	var p *signin.Problem
	if !errors.As(err, &p) {
		if ce, ok := connector.AsError(err); ok {
			h.log.Warn("sso", "code", ce.Code, "err", err)
			p = &signin.Problem{Status: http.StatusBadGateway, Title: "Sign-in failed", Message: ce.Reason,
				Hint: "Try again; if it keeps failing, tell an administrator of your organization."}
		} else {
			return err
		}
	} else if p.Err != nil {
		h.log.Info("sso login refused", "code", p.Code, "err", p.Err)
	}
	lp := h.layoutProps(c, p.Title)
	ep := pages.ErrorProps{Layout: lp, Status: p.Status, Message: p.Message, Hint: p.Hint}
	if org := currentOrg(c); org != nil {
		// A member stays with the org: its sign-in page, not the platform's.
		ep.Next, ep.NextLabel = "/o/"+org.Slug+"/login", "Back to "+org.Name+"'s sign-in page"
	}
	return render(c, p.Status, pages.Error(ep))
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// problemCode is the short code of a login failure, for metrics.
func problemCode(err error) string {
	var p *signin.Problem
	if errors.As(err, &p) {
		return p.Code
	}
	if ce, ok := connector.AsError(err); ok {
		return ce.Code
	}
	return "error"
}
