package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/app/signin"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/views/components"
	"github.com/orgsso/orgsso/views/pages"
)

const (
	bindingCookie = "orgsso_login"
	testCookie    = "orgsso_test"
)

// enabledConnections are the connections a member may log in through:
// usable ones (active, with a passed test at their present configuration),
// in an org with SSO on.
func (h *Handlers) enabledConnections(c echo.Context, org *models.Organization) ([]models.Connection, error) {
	if !org.SSOEnabled {
		return nil, nil
	}
	states, err := h.connStates(c.Request().Context(), org.ID)
	if err != nil {
		return nil, err
	}
	var out []models.Connection
	for _, s := range states {
		if s.usable() {
			out = append(out, s.conn)
		}
	}
	return out, nil
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
	req := signin.BeginRequest{Org: *org, ReturnTo: localPath(c.QueryParam("return_to")), IsTest: isTestStart(c), ClientKey: c.RealIP()}
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
	redirectURL, binding, err := h.signin.Begin(ctx, req)
	if err != nil {
		if _, ok := connector.AsError(err); ok && req.IsTest {
			run, rerr := h.signin.FailTest(ctx, *org, conn, *req.UserID, err)
			if rerr != nil {
				return rerr
			}
			h.metrics.TestRuns.WithLabelValues(conn.Protocol, run.Status).Inc()
			return c.Redirect(http.StatusSeeOther, components.ConnectionURL(org.Slug, conn.PublicID, "/tests/"+itoa64(run.ID)))
		}
		if problemCode(err) == "too_many_logins" {
			h.metrics.RateLimited.WithLabelValues("sso_start").Inc()
		}
		return h.loginProblem(c, err)
	}
	h.setBindingCookie(c, org, binding)
	if req.IsTest {
		h.setTestCookie(c, org, conn.PublicID)
		h.audit(c, &org.ID, "connection.test_start", conn.DisplayName, "version="+itoa64(conn.Version))
	} else {
		h.takeTestCookie(c, org) // this browser's answer is a member's now
	}
	return c.Redirect(http.StatusSeeOther, redirectURL)
}

// ssoCallback is the org's OIDC redirect URI: it finishes the login whose
// state came back, then shows a test result or logs the member in.
//
// An admin's test always ends on its verdict, also when the answer cannot
// be matched to it: signin records a test whose own state was refused
// (another browser, a lost cookie, expired) as failed; an answer that
// names no login at all (no state, or an unknown one) is recorded as a
// failed test of the connection this browser last started a test of, when
// its signed-in person may test it. Either way nothing of the answer is
// used, and anyone who may not see the verdict sees the refusal.
func (h *Handlers) ssoCallback(c echo.Context) error {
	ctx := c.Request().Context()
	org := currentOrg(c)
	var viewer int64
	if u := currentUser(c); u != nil {
		viewer = u.ID
	}
	testing := h.takeTestCookie(c, org)
	res, err := h.signin.Finish(ctx, *org, c.Request(), h.takeBindingCookie(c, org), viewer)
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
		h.metrics.Logins.WithLabelValues(conn, models.ProtocolOIDC, problemCode(err)).Inc()
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
		h.setBindingCookie(c, org, res.Consent.Binding)
		cp := res.Consent
		return render(c, http.StatusOK, pages.Consent(pages.ConsentProps{Layout: h.layoutProps(c, "Join "+org.Name),
			OrgSlug: org.Slug, OrgName: cp.OrgName, Via: cp.Via, Token: cp.Token, Email: cp.Email, Name: cp.Name,
			Groups: cp.Groups, Roles: cp.Roles}))
	}
	err := h.startSession(c, res.User, models.Login{
		Session: models.Session{LogoutHint: res.LogoutHint},
		Audit:   models.AuditEvent{OrgID: &org.ID, Action: "user.login", Details: "sso connection=" + res.Connection.DisplayName},
		Through: &models.Through{ConnectionID: res.Connection.ID, Version: res.Connection.Version},
	})
	if errors.Is(err, models.ErrConnectionChanged) {
		h.metrics.Logins.WithLabelValues(res.Connection.PublicID, res.Connection.Protocol, signin.CodeConfigChanged).Inc()
		return h.loginProblem(c, signin.Interrupted(err))
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
	res, err := h.signin.AnswerConsent(c.Request().Context(), *org, c.FormValue("token"), h.takeBindingCookie(c, org),
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

func (h *Handlers) setBindingCookie(c echo.Context, org *models.Organization, binding string) {
	c.SetCookie(&http.Cookie{Name: bindingCookie, Value: binding, Path: "/o/" + org.Slug + "/",
		HttpOnly: true, Secure: h.opts.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: 600})
}

// setTestCookie remembers in the browser which connection its admin is
// testing. It decides nothing: it only says which connection an answer that
// names no login was meant for, and is used only for a viewer who may test
// that connection.
func (h *Handlers) setTestCookie(c echo.Context, org *models.Organization, connPublicID string) {
	c.SetCookie(&http.Cookie{Name: testCookie, Value: connPublicID, Path: "/o/" + org.Slug + "/",
		HttpOnly: true, Secure: h.opts.SecureCookies, SameSite: http.SameSiteLaxMode, MaxAge: 600})
}

// takeTestCookie reads the connection under test, if any, and clears it:
// it serves one answer only.
func (h *Handlers) takeTestCookie(c echo.Context, org *models.Organization) string {
	ck, err := c.Cookie(testCookie)
	if err != nil {
		return ""
	}
	c.SetCookie(&http.Cookie{Name: testCookie, Value: "", Path: "/o/" + org.Slug + "/", MaxAge: -1, HttpOnly: true, Secure: h.opts.SecureCookies})
	return ck.Value
}

// takeBindingCookie reads the browser binding of a login and clears it: it
// serves one answer only.
func (h *Handlers) takeBindingCookie(c echo.Context, org *models.Organization) string {
	binding := ""
	if ck, err := c.Cookie(bindingCookie); err == nil {
		binding = ck.Value
	}
	c.SetCookie(&http.Cookie{Name: bindingCookie, Value: "", Path: "/o/" + org.Slug + "/", MaxAge: -1, HttpOnly: true, Secure: h.opts.SecureCookies})
	return binding
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
