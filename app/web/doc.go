// Package web is the only package that knows echo. It owns the route table
// (routes.go), the middleware that every request passes (security headers,
// session, CSRF, org resolution and RequirePermission), the one error handler
// and the one templ render helper, and one file per resource and action with
// its test beside it.
//
// Route map (see routes.go for the permission on each):
//
//	GET  /healthz /readyz                      liveness, readiness
//	GET  /login  POST /login  POST /logout     password login, logout
//	GET  /register  POST /register             local sign-up (when the platform allows it)
//	GET  /account/password  POST …             change password (forced after a one-time password)
//	GET  /                                     the viewer's organizations
//	GET  /admin/orgs  POST /admin/orgs         platform admin: organizations
//	POST /admin/orgs/{org}/rename|delete
//	GET  /admin/settings  POST …               platform settings (allow local sign-up)
//	GET  /o/{org}                              org start page (members)
//	GET  /o/{org}/members  POST …              members and roles (org admins)
//	POST /o/{org}/members/{id}/role|remove|activate
//	GET  /o/{org}/audit                        audit log (org admins)
//	GET  /api/v1/me                            the signed-in user as JSON
package web
