package web

import (
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/static"
)

// routes is the whole route table with the middleware and permission of
// every route.
func (h *Handlers) routes(e *echo.Echo) {
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true, DisablePrintStack: true}))
	e.Use(h.requestLog)
	e.Use(h.securityHeaders())
	e.Use(middleware.BodyLimit("2M"))

	assets := echo.WrapHandler(static.New().Handler())
	e.GET(static.Prefix+"*", assets)
	e.HEAD(static.Prefix+"*", assets)
	e.GET("/healthz", h.healthz)
	e.GET("/readyz", h.readyz)
	e.GET("/metrics", h.showMetrics)

	// Unreadable input is refused once the session is known, so that the
	// error page is the person's own.
	app := e.Group("", h.loadSession, h.csrf, h.readableInput)
	app.GET("/login", h.showLogin)
	app.POST("/login", h.login)
	app.POST("/logout", h.logout)
	app.GET("/register", h.showRegister, h.requireSignup)
	app.POST("/register", h.register, h.requireSignup)
	// An invite link: public, the page says how to accept it.
	app.GET("/invite/:token", h.showInvite)
	app.POST("/invite/:token/accept", h.acceptInvite, h.requireLogin)
	// A setup link: the one connection it names and its test, nothing else.
	app.GET("/setup/-/tests/:test", h.showSetupTestResult)
	app.GET("/setup/:token", h.showSetup)
	app.POST("/setup/:token", h.saveSetup)
	app.GET("/setup/:token/test", h.startSetupTest)

	// The member side of SSO: open to everyone, protected by single-use state.
	sso := app.Group("/o/:org", h.resolveSigninOrg)
	sso.GET("/login", h.showOrgLogin)
	sso.GET("/sso/:conn/start", h.startSSO, h.when(isTestStart, h.requireLogin, h.RequirePermission("connections", "write")),
		h.when(isLinkStart, h.requireLogin))
	// Each protocol's endpoints for the IdP: where it answers (its redirect
	// URI or ACS) and, if it has one, where it starts a login itself (OpenID
	// Connect Core §4), by GET or by a cross-site POST. They are exempt from
	// CSRF: an answer is judged by its single-use state and browser
	// binding, and a start can only start a login.
	for _, p := range h.signin.Protocols().All() {
		for _, m := range p.ReturnMethods {
			sso.Add(m, p.ReturnPath, h.ssoCallback(p.Name))
			h.idpRoutes["/o/:org"+p.ReturnPath] = true
		}
		if p.MetadataPath != "" {
			sso.GET(p.MetadataPath, h.connectionMetadata(p))
		}
		if p.InitiatePath != "" {
			sso.GET(p.InitiatePath, h.initiateSSO)
			sso.POST(p.InitiatePath, h.initiateSSO)
			h.idpRoutes["/o/:org"+p.InitiatePath] = true
		}
	}
	sso.POST("/consent", h.answerConsent)

	auth := app.Group("", h.requireLogin)
	auth.GET("/", h.showDashboard)
	auth.GET("/account", h.showAccount)
	auth.GET("/account/password", h.showChangePassword)
	auth.POST("/account/password", h.changePassword)
	auth.POST("/account/sessions/:session/revoke", h.revokeSession)
	auth.GET("/api/v1/me", h.me)

	platform := auth.Group("/admin")
	platform.GET("/orgs", h.showOrgs, h.RequirePermission("orgs", "read"))
	platform.POST("/orgs", h.createOrg, h.RequirePermission("orgs", "write"))
	// The permission comes first: it is the platform's, whatever org is named.
	platform.POST("/orgs/:org/rename", h.renameOrg, h.RequirePermission("orgs", "write"), h.resolveOrg)
	platform.POST("/orgs/:org/delete", h.deleteOrg, h.RequirePermission("orgs", "write"), h.resolveOrg)
	platform.GET("/audit", h.showAudit, h.RequirePermission("audit", "read"))
	platform.GET("/audit.csv", h.exportAuditCSV, h.RequirePermission("audit", "read"))
	platform.GET("/settings", h.showSettings, h.RequirePermission("settings", "read"))
	platform.POST("/settings", h.saveSettings, h.RequirePermission("settings", "write"))

	org := auth.Group("/o/:org", h.resolveOrg, h.requireOrgSSO)
	org.GET("", h.showOrgHome, h.RequirePermission("org", "read"))
	org.GET("/members", h.showMembers, h.RequirePermission("members", "read"))
	org.POST("/members", h.inviteMember, h.RequirePermission("members", "write"))
	org.POST("/invites/:invite/revoke", h.revokeInvite, h.RequirePermission("members", "write"))
	org.POST("/members/:user/role", h.changeMemberRole, h.RequirePermission("members", "write"))
	org.POST("/members/:user/remove", h.removeMember, h.RequirePermission("members", "write"))
	org.POST("/members/:user/sessions/end", h.endMemberSessions, h.RequirePermission("members", "write"))
	org.POST("/members/:user/activate", h.setMemberStatus(models.StatusActive, "member.activate", "can now sign in", models.StatusPending),
		h.RequirePermission("members", "write"))
	org.POST("/members/:user/disable", h.setMemberStatus(models.StatusDisabled, "member.disable", "is disabled in this organization", models.StatusActive, models.StatusPending),
		h.RequirePermission("members", "write"))
	org.POST("/members/:user/enable", h.setMemberStatus(models.StatusActive, "member.enable", "is enabled again", models.StatusDisabled),
		h.RequirePermission("members", "write"))
	org.GET("/audit", h.showAudit, h.RequirePermission("audit", "read"))
	org.GET("/audit.csv", h.exportAuditCSV, h.RequirePermission("audit", "read"))
	org.GET("/settings/domains", h.showDomains, h.RequirePermission("sso", "write"))
	org.POST("/settings/domains", h.addDomain, h.RequirePermission("sso", "write"))
	org.POST("/settings/domains/:domain/verify", h.verifyDomain, h.RequirePermission("sso", "write"))
	org.POST("/settings/domains/:domain/remove", h.removeDomain, h.RequirePermission("sso", "write"))
	h.ssoSettingsRoutes(org)
	org.GET("/settings/sso/connections/:conn/history", h.showConnectionHistory, h.RequirePermission("connections", "read"))
	org.POST("/settings/sso/connections/:conn/refresh", h.refreshConnection, h.RequirePermission("connections", "write"))
	org.POST("/settings/sso/connections/:conn/history/:version/restore", h.restoreConnectionVersion, h.RequirePermission("connections", "write"))
	org.GET("/settings/setup-links", h.showSetupLinks, h.RequirePermission("connections", "write"))
	org.POST("/settings/setup-links", h.createSetupLink, h.RequirePermission("connections", "write"))
	org.POST("/settings/setup-links/:link/revoke", h.revokeSetupLink, h.RequirePermission("connections", "write"))
	org.GET("/settings/tokens", h.showTokens, h.RequirePermission("tokens", "write"))
	org.POST("/settings/tokens", h.createToken, h.RequirePermission("tokens", "write"))
	org.POST("/settings/tokens/:token/revoke", h.revokeToken, h.RequirePermission("tokens", "write"))

	h.apiRoutes(e)
}

// requestLog writes one structured line per request; the query string is
// left out because it carries codes and state during logins.
func (h *Handlers) requestLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := h.now()
		err := next(c)
		status := c.Response().Status
		if err != nil {
			status = classify(err).status
		}
		level := slog.LevelInfo
		if status >= http.StatusInternalServerError {
			level = slog.LevelError
		}
		h.log.Log(c.Request().Context(), level, "request", "method", c.Request().Method, "path", c.Request().URL.Path,
			"status", status, "duration_ms", h.now().Sub(start).Milliseconds(), "ip", c.RealIP())
		return err
	}
}
