package web

import "github.com/labstack/echo/v4"

// apiRoutes is the JSON API's route table. Each route declares the same
// permission as the page that does the same (routes.go); openapi.go
// describes every one of them (api_openapi_test.go checks both ways).
// Colons in paths are escaped: ":export" is a literal, not a parameter.
func (h *Handlers) apiRoutes(e *echo.Echo) {
	e.GET("/api/v1/openapi.json", h.openAPI)

	api := e.Group("/api/v1/orgs/:org", h.apiAuth, h.apiRequireAuth, h.csrf, h.readableInput, h.apiResolveOrg)
	read := func(obj string) echo.MiddlewareFunc { return h.apiPermission(obj, "read") }
	write := func(obj string) echo.MiddlewareFunc { return h.apiPermission(obj, "write") }

	api.GET("/connections", h.apiListConnections, read("connections"))
	api.POST("/connections", h.apiCreateConnection, write("connections"))
	api.GET("/connections\\:export", h.apiExportConnections, read("connections"))
	api.POST("/connections\\:apply", h.apiApplyConnections, write("connections"))
	api.GET("/connections/:conn", h.apiGetConnection, read("connections"))
	api.PUT("/connections/:conn", h.apiUpdateConnection, write("connections"))
	api.DELETE("/connections/:conn", h.apiDeleteConnection, write("connections"))
	api.POST("/connections/:conn/activate", h.apiSetActive(true), write("connections"))
	api.POST("/connections/:conn/deactivate", h.apiSetActive(false), write("connections"))
	api.POST("/connections/:conn/test", h.apiStartTest, write("connections"))
	api.GET("/connections/:conn/tests", h.apiTestRuns, read("connections"))
	api.GET("/connections/:conn/versions", h.apiConnectionVersions, read("connections"))
	api.GET("/connections/:conn/versions/:version", h.apiConnectionVersion, read("connections"))
	api.POST("/connections/:conn/versions/:version/restore", h.apiRestoreVersion, write("connections"))

	api.GET("/members", h.apiMembers, read("members"))
	api.PATCH("/members/:user", h.apiUpdateMember, write("members"))
	api.DELETE("/members/:user", h.apiRemoveMember, write("members"))
	api.GET("/invites", h.apiInvites, read("members"))
	api.POST("/invites", h.apiCreateInvite, write("members"))
	api.DELETE("/invites/:invite", h.apiRevokeInvite, write("members"))

	// Domains are SSO settings: the pages need sso write even to list them.
	api.GET("/domains", h.apiDomains, write("sso"))
	api.POST("/domains", h.apiAddDomain, write("sso"))
	api.POST("/domains/:domain/verify", h.apiVerifyDomain, write("sso"))
	api.DELETE("/domains/:domain", h.apiRemoveDomain, write("sso"))

	api.GET("/audit", h.apiAudit, read("audit"))
}
