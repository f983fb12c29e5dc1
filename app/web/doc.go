// Package web is the only package that knows echo. It owns the route table
// (routes.go), the middleware that every request passes (security headers,
// session, CSRF, org resolution and RequirePermission), the one error handler
// and the one templ render helper, and one file per resource and action with
// its test beside it.
//
// A session that came through an org's connection opens that org only
// (RequirePermission): an org's IdP vouches for a person in that org and
// nowhere else, and never for the platform admin role.
//
// Route map (see routes.go for the permission on each):
//
//	GET  /healthz /readyz                      liveness, readiness
//	GET  /login  POST /login  POST /logout     password login, "sign in with SSO" by email domain, logout
//	GET  /register  POST /register             local sign-up (when the platform allows it, or with ?invite=)
//	GET  /invite/{token}  POST …/accept        an invite: accept by password or through the org's SSO
//	GET  /account                              the viewer's orgs, linked sign-ins and live sessions
//	POST /account/sessions/{id hash}/revoke    end one of the viewer's sessions (their own one: log out)
//	GET  /account/password  POST …             change password (forced after a one-time admin password)
//	GET  /                                     the viewer's organizations
//	GET  /admin/orgs  POST /admin/orgs         platform admin: organizations
//	POST /admin/orgs/{org}/rename|delete
//	GET  /admin/settings  POST …               platform settings (allow local sign-up)
//	GET  /o/{org}                              org start page (members)
//	GET  /o/{org}/members  POST …              members (paginated, by email), invites (org admins)
//	POST /o/{org}/members/{id}/role|remove|activate|disable|enable   (role: htmx gets the row back)
//	POST /o/{org}/members/{id}/sessions/end    end the member's sessions this org's IdPs opened
//	POST /o/{org}/invites/{id}/revoke
//	GET  /o/{org}/settings/domains  POST …     verified email domains (DNS TXT challenge)
//	POST /o/{org}/settings/domains/{id}/verify|remove
//	GET  /o/{org}/audit  …/audit.csv           audit log (org admins): filters, cursor pages, CSV
//	GET  /admin/audit  /admin/audit.csv        the same across every org and the platform (platform admins)
//	GET  /o/{org}/settings/tokens  POST …      API tokens (hashed, shown once); POST …/tokens/{id}/revoke
//	GET  /o/{org}/settings/setup-links  POST … setup links; POST …/setup-links/{id}/revoke
//	GET|POST /setup/{token}  GET …/test        a setup link: its one connection and its test (no account)
//	GET  /setup/-/tests/{test}                 the verdict of a test begun through a setup link
//	GET  /o/{org}/login                        the org's SSO buttons (everyone)
//	GET  /o/{org}/sso/{conn}/start             begin a login; ?test=1 an admin's test; ?link=1 the link step
//	GET|POST /o/{org}/sso/{conn}/initiate      the connection's initiate login URI (OIDC Core §4; iss, login_hint, target_link_uri)
//	GET|POST /o/{org}/oidc/callback            the org's OIDC redirect URI
//	POST /o/{org}/consent                      answer to the first-login consent page
//	GET  /o/{org}/settings/sso                 connections table (?page=, ?q= by name; 50 a page), redirect URIs, Enable SSO gate
//	POST /o/{org}/settings/sso/enable|disable|enforce   (enforce: in place with htmx, on after confirmed=1)
//	GET  /o/{org}/settings/sso/connections/new  preset picker and form; POST …/connections creates
//	GET  …/connections/{conn}/edit             edit form; POST …/connections/{conn} saves (with version)
//	POST …/connections/{conn}/toggle|delete    active switch (htmx), deletion
//	GET  …/connections/{conn}/delete           the deletion's confirmation without scripts (else a dialog)
//	GET  …/connections/{conn}/tests/{test}     a test's result: claims received and what they map to
//	GET  …/connections/{conn}/history          saved versions, ?from=&to= compare; POST …/history/{n}/restore
//	GET  /api/v1/me                            the signed-in user as JSON
//	GET  /api/v1/openapi.json                  the API's OpenAPI 3.1 document (api_openapi.go)
//	…    /api/v1/orgs/{org}/…                  the JSON API (api_routes.go): bearer token or session
//	GET  /metrics                              Prometheus metrics, only with ORGSSO_METRICS_TOKEN (bearer); else 404
package web
