package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// apiOp is one route of the API as the OpenAPI document describes it.
type apiOp struct {
	method, path, id, summary string
	// perm is the permission the route declares ("connections:write"),
	// or "" for none.
	perm string
	// body and ok name the request and answer schemas ("" for none);
	// status is the answer's status.
	body, ok string
	status   int
	// params are the query parameters, by name and description.
	params [][2]string
	errors []int
}

// apiOps lists every API route; apiRoutes serves exactly these (the
// OpenAPI test checks both ways).
func apiOps() []apiOp {
	const org = "/api/v1/orgs/{org}"
	disable := [][2]string{{"disable_sso", "true to turn SSO off in the same step when this is the last usable connection"}}
	return []apiOp{
		{method: "GET", path: "/api/v1/openapi.json", id: "openapi", summary: "This document.", ok: "", status: 200},
		{method: "GET", path: "/api/v1/me", id: "me", summary: "The signed-in person (session cookie): id, email, name, orgs and roles.", ok: "Me", status: 200, errors: []int{401}},

		{method: "GET", path: org + "/connections", id: "listConnections", summary: "The org's connections in the config-as-code item shape (no secrets).", perm: "connections:read", ok: "ConnectionList", status: 200},
		{method: "POST", path: org + "/connections", id: "createConnection", summary: "Create a connection from one item (OIDC: secret as config.clientSecret; SAML: the server fetches the metadata and makes the SP keys). It needs a passed test before it serves logins.", perm: "connections:write", body: "ConnectionInput", ok: "SaveResult", status: 201, errors: []int{409, 422}},
		{method: "GET", path: org + "/connections:export", id: "exportConnections", summary: "The config-as-code document: YAML, or JSON with format=json.", perm: "connections:read", ok: "ConnectionArray", status: 200, params: [][2]string{{"format", "json for JSON; YAML otherwise"}}},
		{method: "POST", path: org + "/connections:apply", id: "applyConnections", summary: "Apply a config-as-code document (YAML or JSON): per connection created, updated, unchanged or failed.", perm: "connections:write", body: "ConnectionDocument", ok: "ApplyResult", status: 200, params: [][2]string{{"dry_run", "true to show the changes and make none"}}, errors: []int{422}},
		{method: "GET", path: org + "/connections/{conn}", id: "getConnection", summary: "One connection, with its latest test.", perm: "connections:read", ok: "Connection", status: 200},
		{method: "PUT", path: org + "/connections/{conn}", id: "updateConnection", summary: "Update a connection; version must be its current version (409 otherwise). A change is a new version that needs a new passed test.", perm: "connections:write", body: "ConnectionInput", ok: "SaveResult", status: 200, errors: []int{409, 422}},
		{method: "DELETE", path: org + "/connections/{conn}", id: "deleteConnection", summary: "Delete a connection.", perm: "connections:write", status: 204, params: disable, errors: []int{409}},
		{method: "POST", path: org + "/connections/{conn}/activate", id: "activateConnection", summary: "Switch a connection on.", perm: "connections:write", ok: "Connection", status: 200},
		{method: "POST", path: org + "/connections/{conn}/deactivate", id: "deactivateConnection", summary: "Switch a connection off.", perm: "connections:write", ok: "Connection", status: 200, params: disable, errors: []int{409}},
		{method: "POST", path: org + "/connections/{conn}/test", id: "startTest", summary: "The address where an admin's browser runs the connection's test login.", perm: "connections:write", ok: "TestStart", status: 200},
		{method: "GET", path: org + "/connections/{conn}/tests", id: "listTestRuns", summary: "The connection's test runs, newest first.", perm: "connections:read", ok: "TestRunList", status: 200},
		{method: "GET", path: org + "/connections/{conn}/versions", id: "listVersions", summary: "Every saved version of the connection (no secrets), newest first, with the fields each changed.", perm: "connections:read", ok: "VersionList", status: 200},
		{method: "GET", path: org + "/connections/{conn}/versions/{version}", id: "getVersion", summary: "One saved version in the item shape; with compare=N, the field-by-field changes from version N.", perm: "connections:read", ok: "VersionDetail", status: 200, params: [][2]string{{"compare", "another version's number"}}, errors: []int{422}},
		{method: "POST", path: org + "/connections/{conn}/versions/{version}/restore", id: "restoreVersion", summary: "Save that version's settings as a new version (the secret stays); it needs a new passed test.", perm: "connections:write", body: "RestoreInput", ok: "SaveResult", status: 200, errors: []int{409, 422}},

		{method: "GET", path: org + "/members", id: "listMembers", summary: "The org's members, a page at a time.", perm: "members:read", ok: "MemberList", status: 200, params: [][2]string{{"page", "page number, from 1"}, {"q", "only emails containing this"}}},
		{method: "PATCH", path: org + "/members/{user}", id: "updateMember", summary: "Change a member's role (admin or user) and/or status (active or disabled) in this org; the org keeps an active admin.", perm: "members:write", body: "MemberInput", ok: "Member", status: 200, errors: []int{409, 422}},
		{method: "DELETE", path: org + "/members/{user}", id: "removeMember", summary: "End a person's membership of this org (their account and other orgs are untouched).", perm: "members:write", status: 204, errors: []int{409}},
		{method: "GET", path: org + "/invites", id: "listInvites", summary: "The org's pending invites.", perm: "members:read", ok: "InviteList", status: 200},
		{method: "POST", path: org + "/invites", id: "createInvite", summary: "Invite an email with a role; the answer holds the single-use link, once.", perm: "members:write", body: "InviteInput", ok: "Invite", status: 201, errors: []int{422}},
		{method: "DELETE", path: org + "/invites/{invite}", id: "revokeInvite", summary: "Revoke a pending invite.", perm: "members:write", status: 204},

		{method: "GET", path: org + "/domains", id: "listDomains", summary: "The org's email domains and the TXT record each needs.", perm: "sso:write", ok: "DomainList", status: 200},
		{method: "POST", path: org + "/domains", id: "addDomain", summary: "Add a domain to verify.", perm: "sso:write", body: "DomainInput", ok: "Domain", status: 201, errors: []int{409, 422}},
		{method: "POST", path: org + "/domains/{domain}/verify", id: "verifyDomain", summary: "Look up the domain's TXT record and verify it.", perm: "sso:write", ok: "Domain", status: 200, errors: []int{422}},
		{method: "DELETE", path: org + "/domains/{domain}", id: "removeDomain", summary: "Remove a domain.", perm: "sso:write", status: 204},

		{method: "GET", path: org + "/audit", id: "listAuditEvents", summary: "The org's audit log, newest first, filtered, a page at a time (pass nextCursor as cursor).", perm: "audit:read", ok: "AuditPage", status: 200,
			params: [][2]string{{"actor", "actor email or token name contains"}, {"action", "action, or a prefix ending in a dot such as connection."},
				{"target", "target contains"}, {"from", "from this date or RFC 3339 time"}, {"to", "until this date (inclusive) or time (exclusive)"},
				{"cursor", "nextCursor of the previous page"}, {"limit", "events per page, 1 to 500 (default 100)"}}, errors: []int{422}},
	}
}

// OpenAPIPath is echo's route path (as Routes() lists it) in OpenAPI's form.
func OpenAPIPath(echoRoute string) string {
	parts := strings.Split(echoRoute, "/")
	for i, s := range parts {
		if name, ok := strings.CutPrefix(s, ":"); ok {
			parts[i] = "{" + name + "}"
		} else {
			parts[i] = strings.ReplaceAll(s, "\\:", ":") // an escaped colon is part of the path
		}
	}
	return strings.Join(parts, "/")
}

type schema = map[string]any

func ref(name string) schema { return schema{"$ref": "#/components/schemas/" + name} }

func obj(required []string, props schema) schema {
	s := schema{"type": "object", "properties": props}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

func arrayOf(s schema) schema { return schema{"type": "array", "items": s} }

var (
	str     = schema{"type": "string"}
	integer = schema{"type": "integer"}
	boolean = schema{"type": "boolean"}
	strList = schema{"type": "array", "items": schema{"type": "string"}}
	when    = schema{"type": "string", "format": "date-time"}
	maybe   = schema{"type": []string{"string", "null"}, "format": "date-time"}
)

// apiSchemas are the document's schemas.
func apiSchemas() schema {
	oidcConfig := obj([]string{"issuer", "clientID"}, schema{
		"issuer": str, "discovery": boolean, "authorizationURL": str, "tokenURL": str, "userinfoURL": str, "jwksURL": str,
		"endSessionURL": str, "revocationURL": str, "clientID": str,
		"clientSecret":     schema{"type": "string", "writeOnly": true, "description": "the client secret (API only; never returned)"},
		"clientAuthMethod": schema{"type": "string", "enum": []string{"client_secret_basic", "client_secret_post"}},
		"scopes":           strList, "pkce": schema{"type": "string", "enum": []string{"none", "plain", "S256"}},
		"claimsSource": schema{"type": "string", "enum": []string{"idtoken", "userinfo"}}, "requireVerifiedEmail": boolean,
		"claimMapping": obj(nil, schema{"userID": str, "email": str, "name": str, "givenName": str, "familyName": str, "picture": str}),
		"groupsClaim":  str, "forwardedLoginParams": strList,
	})
	oidcConfig["additionalProperties"] = false
	// SAML: the IdP by metadataURL, metadataXML, or entityID with ssoURL
	// and certificates (one of the three). The SP's keys are made by the
	// server, never sent.
	samlConfig := obj(nil, schema{
		"metadataURL": str, "metadataXML": str, "entityID": str, "ssoURL": str,
		"certificates":            schema{"type": "array", "items": str, "description": "the IdP's signing certificates (PEM)"},
		"requireSignedAssertions": schema{"type": "boolean", "description": "true when left out"},
		"signRequests":            schema{"type": "boolean", "description": "the server makes the SP key pair when there is none"},
		"encryptAssertions":       boolean, "allowIdPInitiated": boolean, "allowSHA1": boolean,
		"nameIDFormat":     schema{"type": "string", "description": "a SAML NameID format URN (emailAddress, persistent, transient, unspecified); empty for the IdP's choice"},
		"attributeMapping": obj(nil, schema{"userID": str, "email": str, "name": str, "givenName": str, "familyName": str, "picture": str}),
		"groupsAttribute":  str,
	})
	samlConfig["additionalProperties"] = false
	config := schema{"oneOf": []schema{oidcConfig, samlConfig}, "description": "the settings of the connection's type (oidc or saml)"}
	types := schema{"type": "string", "enum": []string{"oidc", "saml"}}
	acsURL := schema{"type": "string", "readOnly": true, "description": "SAML: the ACS URL to give the IdP"}
	spEntityID := schema{"type": "string", "readOnly": true, "description": "SAML: the SP entity ID (its metadata URL) to give the IdP"}
	prov := obj(nil, schema{"jit": boolean, "activation": boolean, "consent": boolean,
		"defaultRole": schema{"type": "string", "enum": []string{"none", "user", "admin"}}, "groupMappings": str, "syncRoles": boolean,
		"linkByVerifiedEmail": boolean})
	prov["additionalProperties"] = false
	test := obj([]string{"status", "version", "current", "at"}, schema{"status": schema{"type": "string", "enum": []string{"passed", "failed"}},
		"version": integer, "current": boolean, "at": when})
	conn := obj([]string{"id", "type", "name", "active", "version", "config", "provisioning"}, schema{
		"id": schema{"type": "string", "readOnly": true}, "type": types, "name": str,
		"preset": str, "logoURL": str, "active": boolean, "version": integer, "test": test, "config": config, "provisioning": prov,
		"acsURL": acsURL, "spEntityID": spEntityID,
	})
	input := obj([]string{"type", "name", "config"}, schema{
		"type": types, "name": str, "preset": str, "logoURL": str, "active": boolean,
		"version": schema{"type": "integer", "description": "the version the change starts from (required to update)"},
		"id":      schema{"type": "string", "readOnly": true}, "test": schema{"readOnly": true}, "config": config, "provisioning": prov,
		"acsURL": acsURL, "spEntityID": spEntityID,
	})
	input["additionalProperties"] = false
	change := obj([]string{"field", "old", "new"}, schema{"field": str, "old": str, "new": str})
	return schema{
		"Error": obj([]string{"code", "message"}, schema{"code": str, "message": str, "field": str,
			"errors": arrayOf(obj([]string{"message"}, schema{"field": str, "item": integer, "message": str}))}),
		"Me": obj([]string{"id", "email"}, schema{"id": integer, "email": str, "email_verified": boolean, "name": str, "platform_admin": boolean,
			"orgs": arrayOf(obj(nil, schema{"slug": str, "name": str, "roles": strList}))}),
		"Connection":         conn,
		"ConnectionInput":    input,
		"ConnectionList":     obj([]string{"connections"}, schema{"connections": arrayOf(ref("Connection"))}),
		"ConnectionArray":    arrayOf(ref("Connection")),
		"ConnectionDocument": arrayOf(ref("ConnectionInput")),
		"Change":             change,
		"SaveResult": obj([]string{"outcome", "connection"}, schema{"outcome": schema{"type": "string", "enum": []string{"created", "updated", "unchanged"}},
			"changes": arrayOf(ref("Change")), "connection": ref("Connection")}),
		"ApplyResult": obj([]string{"dryRun", "failed", "results"}, schema{"dryRun": boolean, "failed": integer, "results": arrayOf(obj(
			[]string{"index", "name", "outcome"}, schema{"index": integer, "name": str, "id": str,
				"outcome": schema{"type": "string", "enum": []string{"created", "updated", "unchanged", "failed"}},
				"version": integer, "changes": arrayOf(ref("Change")), "field": str, "error": str}))}),
		"VersionList": obj([]string{"versions"}, schema{"versions": arrayOf(obj([]string{"version", "savedAt", "current", "changed"},
			schema{"version": integer, "savedBy": str, "savedAt": when, "note": str, "current": boolean, "changed": strList}))}),
		"VersionDetail": obj([]string{"version", "savedAt"}, schema{"version": ref("Connection"), "savedBy": str, "savedAt": when, "note": str,
			"changesFrom": obj(nil, schema{"version": integer, "changes": arrayOf(ref("Change"))})}),
		"RestoreInput": obj([]string{"version"}, schema{"version": schema{"type": "integer", "description": "the connection's current version, as the caller saw it"}}),
		"TestStart":    obj([]string{"url", "version"}, schema{"url": str, "version": integer, "message": str}),
		"TestRun": obj([]string{"id", "configVersion", "status"}, schema{"id": integer, "configVersion": integer, "current": boolean,
			"status": str, "errorCode": str, "reason": str, "startedBy": str, "finishedAt": when}),
		"TestRunList": obj([]string{"testRuns"}, schema{"testRuns": arrayOf(ref("TestRun"))}),
		"Member": obj([]string{"id", "email", "roles", "status"}, schema{"id": integer, "email": str, "name": str, "roles": strList,
			"status": schema{"type": "string", "enum": []string{"active", "pending", "disabled"}}, "source": str, "joinedAt": when,
			"lastLoginAt": maybe, "lastConnection": str}),
		"MemberList": obj([]string{"members", "total", "page", "perPage"}, schema{"members": arrayOf(ref("Member")), "total": integer, "page": integer, "perPage": integer}),
		"MemberInput": obj(nil, schema{"role": schema{"type": "string", "enum": []string{"admin", "user"}},
			"status": schema{"type": "string", "enum": []string{"active", "disabled"}}}),
		"InviteInput": obj([]string{"email", "role"}, schema{"email": str, "role": schema{"type": "string", "enum": []string{"admin", "user"}}}),
		"Invite": obj([]string{"id", "email", "role", "expiresAt"}, schema{"id": integer, "email": str, "role": str, "createdBy": str,
			"createdAt": when, "expiresAt": when, "link": schema{"type": "string", "description": "only in the answer to the creation"}}),
		"InviteList":  obj([]string{"invites"}, schema{"invites": arrayOf(ref("Invite"))}),
		"DomainInput": obj([]string{"domain"}, schema{"domain": str}),
		"Domain": obj([]string{"id", "domain", "verified"}, schema{"id": integer, "domain": str, "verified": boolean, "verifiedAt": maybe,
			"recordName": str, "recordValue": str}),
		"DomainList": obj([]string{"domains"}, schema{"domains": arrayOf(ref("Domain"))}),
		"AuditEvent": obj([]string{"id", "at", "actor", "action"}, schema{"id": integer, "at": when, "actor": str, "action": str,
			"target": str, "details": str, "ip": str}),
		"AuditPage": obj([]string{"events", "nextCursor"}, schema{"events": arrayOf(ref("AuditEvent")),
			"nextCursor": schema{"type": []string{"string", "null"}}}),
	}
}

var errorWords = map[int]string{
	401: "No token or session, or the token is unknown, expired or revoked.",
	403: "The token's scope, or the person's role, does not allow this.",
	404: "No such org (or not the token's org), or no such resource in it.",
	409: "Stale version, taken name, or the last usable connection.",
	422: "Invalid input; field names the first problem.",
}

// OpenAPIDocument is the API's OpenAPI 3.1 description.
func OpenAPIDocument(baseURL string) map[string]any {
	paths := schema{}
	for _, op := range apiOps() {
		item, _ := paths[op.path].(schema)
		if item == nil {
			item = schema{}
			paths[op.path] = item
		}
		o := schema{"operationId": op.id, "summary": op.summary}
		var params []any
		for _, seg := range strings.Split(op.path, "/") {
			if strings.HasPrefix(seg, "{") {
				params = append(params, schema{"name": strings.Trim(seg, "{}"), "in": "path", "required": true, "schema": str})
			}
		}
		for _, p := range op.params {
			params = append(params, schema{"name": p[0], "in": "query", "description": p[1], "schema": str})
		}
		if len(params) > 0 {
			o["parameters"] = params
		}
		if op.body != "" {
			content := schema{"application/json": schema{"schema": ref(op.body)}}
			if op.id == "applyConnections" {
				content["application/yaml"] = schema{"schema": ref(op.body)}
			}
			o["requestBody"] = schema{"required": true, "content": content}
		}
		resp := schema{}
		ok := schema{"description": http.StatusText(op.status)}
		switch {
		case op.id == "openapi":
			ok["content"] = schema{"application/json": schema{"schema": schema{"type": "object"}}}
		case op.id == "exportConnections":
			ok["content"] = schema{"application/yaml": schema{"schema": ref(op.ok)}, "application/json": schema{"schema": ref(op.ok)}}
		case op.ok != "":
			ok["content"] = schema{"application/json": schema{"schema": ref(op.ok)}}
		}
		resp[strconv.Itoa(op.status)] = ok
		errs := op.errors
		if op.perm != "" {
			errs = append([]int{401, 403, 404}, errs...)
			o["security"] = []any{schema{"bearer": []any{}}, schema{"session": []any{}}}
			o["x-permission"] = op.perm
		} else {
			o["security"] = []any{}
		}
		for _, code := range errs {
			resp[strconv.Itoa(code)] = schema{"description": errorWords[code], "content": schema{"application/json": schema{"schema": ref("Error")}}}
		}
		o["responses"] = resp
		item[strings.ToLower(op.method)] = o
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": schema{"title": "orgsso API", "version": "1",
			"description": "An org's connections, members, invites, domains and audit log. Authenticate with an org's API token " +
				"(Authorization: Bearer …; a read token reads, a write token also changes; it opens its own org only) or a session cookie " +
				"with the X-CSRF-Token header for changes. Errors are {code, message, field}."},
		"servers": []any{schema{"url": baseURL}},
		"paths":   paths,
		"components": schema{
			"schemas": apiSchemas(),
			"securitySchemes": schema{
				"bearer":  schema{"type": "http", "scheme": "bearer", "description": "an org's API token, from its settings page"},
				"session": schema{"type": "apiKey", "in": "cookie", "name": "orgsso_session"},
			},
		},
	}
}

// openAPI serves the API's OpenAPI document.
func (h *Handlers) openAPI(c echo.Context) error {
	return c.JSON(http.StatusOK, OpenAPIDocument(h.opts.BaseURL))
}
