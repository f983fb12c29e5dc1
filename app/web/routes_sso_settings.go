package web

import "github.com/labstack/echo/v4"

// ssoSettingsRoutes are an org's single sign-on settings: the connections
// table and SSO gate, the connection form, toggles, deletion and test
// results. org is the /o/:org group (login required, org resolved).
func (h *Handlers) ssoSettingsRoutes(org *echo.Group) {
	read := h.RequirePermission("connections", "read")
	write := h.RequirePermission("connections", "write")
	sso := h.RequirePermission("sso", "write")

	org.GET("/settings/sso", h.showSSOSettings, read)
	org.POST("/settings/sso/enable", h.enableSSO, sso)
	org.POST("/settings/sso/disable", h.disableSSO, sso)
	org.POST("/settings/sso/enforce", h.enforceSSO, sso)

	org.GET("/settings/sso/connections/new", h.showNewConnection, write)
	org.POST("/settings/sso/connections", h.createConnection, write)
	org.GET("/settings/sso/connections/:conn/edit", h.showEditConnection, read)
	org.POST("/settings/sso/connections/:conn", h.updateConnection, write)
	org.POST("/settings/sso/connections/:conn/toggle", h.toggleConnection, write)
	org.GET("/settings/sso/connections/:conn/delete", h.showDeleteConnection, write)
	org.POST("/settings/sso/connections/:conn/delete", h.deleteConnection, write)
	org.GET("/settings/sso/connections/:conn/tests/:test", h.showTestResult, read)
}
