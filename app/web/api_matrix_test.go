package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orgsso/orgsso/app/secrets"
	"github.com/orgsso/orgsso/app/web"
	"github.com/orgsso/orgsso/models"
)

// apiFixture is two orgs, each with a connection (tested), an invite and a
// domain, and API tokens of A in every state and a write token of B.
type apiFixture struct {
	e                                            *env
	a, b                                         models.Organization
	connA                                        models.Connection
	invA                                         models.Invite
	domA                                         models.VerifiedDomain
	memberA                                      models.User // a pending user of A, the {user}
	read, write, expired, revoked, otherOrgWrite string
}

// apiConnConfig is a valid OIDC configuration without discovery, so that
// saving it asks no IdP.
const apiConnConfig = `{"issuer":"https://idp.example.com","discovery":false,"authorizationURL":"https://idp.example.com/authorize",` +
	`"tokenURL":"https://idp.example.com/token","jwksURL":"https://idp.example.com/keys","clientID":"x","claimMapping":{}}`

func (e *env) apiToken(o models.Organization, name, scope string, edit ...func(*models.APIToken)) string {
	e.t.Helper()
	value := "osso_" + secrets.Token()
	t := models.APIToken{Name: name, Scope: scope, TokenHash: secrets.Hash(value), Hint: value[len(value)-4:]}
	for _, f := range edit {
		f(&t)
	}
	if _, err := e.store.CreateAPIToken(context.Background(), o.ID, t); err != nil {
		e.t.Fatalf("token: %v", err)
	}
	return value
}

func newAPIFixture(t *testing.T) *apiFixture {
	e := newEnv(t)
	f := &apiFixture{e: e}
	ctx := context.Background()
	f.a, f.b = e.org("alpha", "Alpha"), e.org("beta", "Beta")
	admin := e.user("admin@example.com")
	e.grant(admin, f.a, "admin")
	f.memberA = e.user("member@example.com")
	e.grantPending(f.memberA, f.a, "user")
	for _, o := range []models.Organization{f.a, f.b} {
		conn, err := e.store.CreateConnection(ctx, o.ID, models.Connection{Protocol: models.ProtocolOIDC, Preset: "custom",
			DisplayName: "Main IdP", Active: true, Config: apiConnConfig, Provisioning: `{"jit":true}`})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.RecordTestRun(ctx, o.ID, models.TestRun{ConnectionID: conn.ID, ConfigVersion: conn.Version,
			ConfigHash: conn.ConfigHash, Status: models.TestPassed, StartedByEmail: admin.Email}); err != nil {
			t.Fatal(err)
		}
		inv, err := e.store.CreateInvite(ctx, o.ID, models.Invite{Email: "invited@example.com", Role: "user", TokenHash: o.Slug + "-inv"})
		if err != nil {
			t.Fatal(err)
		}
		d, err := e.store.AddDomain(ctx, o.ID, o.Slug+".example", "challenge-"+o.Slug)
		if err != nil {
			t.Fatal(err)
		}
		if o.ID == f.a.ID {
			// A second version, so that there is an earlier one to restore.
			conn.Config = strings.Replace(conn.Config, `"clientID":"x"`, `"clientID":"x2"`, 1)
			conn.ConfigHash = conn.Fingerprint()
			if conn, err = e.store.UpdateConnection(ctx, o.ID, conn); err != nil {
				t.Fatal(err)
			}
			f.connA, f.invA, f.domA = conn, inv, d
			e.resolver.set("_orgsso-challenge."+d.Domain, "orgsso-verification=challenge-"+o.Slug)
		}
	}
	f.read = e.apiToken(f.a, "reader", models.ScopeRead)
	f.write = e.apiToken(f.a, "writer", models.ScopeWrite)
	past := time.Now().Add(-time.Hour)
	f.expired = e.apiToken(f.a, "old", models.ScopeWrite, func(t *models.APIToken) { t.ExpiresAt = &past })
	f.revoked = e.apiToken(f.a, "gone", models.ScopeWrite, func(t *models.APIToken) { t.RevokedAt = &past })
	f.otherOrgWrite = e.apiToken(f.b, "b-writer", models.ScopeWrite)
	return f
}

// apiResponse is one API answer.
type apiResponse struct {
	status int
	header http.Header
	body   string
}

func (r apiResponse) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
}

// call makes an API request with a bearer token ("" for none).
func (e *env) call(method, path, token, contentType, body string) apiResponse {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return apiResponse{status: res.StatusCode, header: res.Header, body: string(b)}
}

// apiRoute is one row of the API scenario table.
type apiRoute struct {
	method, path string // echo's path, :org and the other parameters to fill
	write        bool   // needs a write token
	// sso: the pages need sso write even to read (domains): a read token
	// is refused.
	sso  bool
	ok   int
	body func(f *apiFixture) string
	yaml bool
}

var apiRoutes = []apiRoute{
	{method: "GET", path: "/connections", ok: 200},
	{method: "POST", path: "/connections", write: true, ok: 201, body: func(*apiFixture) string {
		return `{"type":"oidc","name":"New IdP","config":{"issuer":"https://new.example.com","discovery":false,` +
			`"authorizationURL":"https://new.example.com/a","tokenURL":"https://new.example.com/t","jwksURL":"https://new.example.com/k",` +
			`"clientID":"n","clientSecret":"new-secret"}}`
	}},
	{method: "GET", path: "/connections\\:export", ok: 200},
	{method: "POST", path: "/connections\\:apply", write: true, ok: 200, yaml: true, body: func(*apiFixture) string {
		return "- type: oidc\n  name: Applied\n  config: {issuer: https://ap.example.com, discovery: false, authorizationURL: https://ap.example.com/a, " +
			"tokenURL: https://ap.example.com/t, jwksURL: https://ap.example.com/k, clientID: ap, clientSecret: s}\n"
	}},
	{method: "GET", path: "/connections/:conn", ok: 200},
	{method: "PUT", path: "/connections/:conn", write: true, ok: 200, body: func(f *apiFixture) string {
		return `{"type":"oidc","name":"Main IdP","preset":"custom","version":` + strconv.FormatInt(f.connA.Version, 10) + `,"config":` +
			strings.Replace(apiConnConfig, `"clientID":"x"`, `"clientID":"changed"`, 1) + `,"provisioning":{"jit":true}}`
	}},
	{method: "DELETE", path: "/connections/:conn", write: true, ok: 204},
	{method: "POST", path: "/connections/:conn/activate", write: true, ok: 200},
	{method: "POST", path: "/connections/:conn/deactivate", write: true, ok: 200},
	{method: "POST", path: "/connections/:conn/test", write: true, ok: 200},
	{method: "GET", path: "/connections/:conn/tests", ok: 200},
	{method: "GET", path: "/connections/:conn/versions", ok: 200},
	{method: "GET", path: "/connections/:conn/versions/:version", ok: 200},
	{method: "POST", path: "/connections/:conn/versions/:version/restore", write: true, ok: 200, body: func(f *apiFixture) string {
		return `{"version":2}` // the fixture's connection A was saved twice: version 1 is restored as 3
	}},
	{method: "GET", path: "/members", ok: 200},
	{method: "PATCH", path: "/members/:user", write: true, ok: 200, body: func(*apiFixture) string { return `{"role":"admin","status":"active"}` }},
	{method: "DELETE", path: "/members/:user", write: true, ok: 204},
	{method: "GET", path: "/invites", ok: 200},
	{method: "POST", path: "/invites", write: true, ok: 201, body: func(*apiFixture) string { return `{"email":"new@example.com","role":"user"}` }},
	{method: "DELETE", path: "/invites/:invite", write: true, ok: 204},
	{method: "GET", path: "/domains", sso: true, ok: 200},
	{method: "POST", path: "/domains", write: true, ok: 201, body: func(*apiFixture) string { return `{"domain":"new.example"}` }},
	{method: "POST", path: "/domains/:domain/verify", write: true, ok: 200},
	{method: "DELETE", path: "/domains/:domain", write: true, ok: 204},
	{method: "GET", path: "/audit", ok: 200},
}

func (f *apiFixture) url(r apiRoute, o models.Organization) string {
	p := strings.NewReplacer("\\:", ":", ":conn", f.connA.PublicID, ":invite", strconv.FormatInt(f.invA.ID, 10),
		":domain", strconv.FormatInt(f.domA.ID, 10), ":user", strconv.FormatInt(f.memberA.ID, 10), ":version", "1").Replace(r.path)
	return "/api/v1/orgs/" + o.Slug + p
}

// TestAPIScenarios runs every API route with no token, a read token, a
// write token, a token of another org, and an expired and a revoked
// token. Refused requests change nothing.
func TestAPIScenarios(t *testing.T) {
	t.Parallel()
	for _, r := range apiRoutes {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			f := newAPIFixture(t)
			e := f.e.in(t)
			body, ctype := "", ""
			if r.body != nil {
				body, ctype = r.body(f), "application/json"
				if r.yaml {
					ctype = "application/yaml"
				}
			}
			url := f.url(r, f.a)
			refused := []struct {
				name, token string
				status      int
				code        string
			}{
				{"no token", "", 401, "unauthorized"},
				{"expired token", f.expired, 401, "invalid_token"},
				{"revoked token", f.revoked, 401, "invalid_token"},
				{"token of another org", f.otherOrgWrite, 404, "not_found"},
				{"unknown token", "osso_not-a-token", 401, "invalid_token"},
			}
			if r.write || r.sso {
				refused = append(refused, struct {
					name, token string
					status      int
					code        string
				}{"read token", f.read, 403, "forbidden"})
			}
			before := e.snapshot()
			for _, c := range refused {
				res := e.call(r.method, url, c.token, ctype, body)
				var got struct{ Code, Message string }
				res.json(t, &got)
				if res.status != c.status || got.Code != c.code || got.Message == "" {
					t.Errorf("%s: %d %s, want %d {code: %s, message}", c.name, res.status, res.body, c.status, c.code)
				}
			}
			e.assertUnchanged(before)
			if !r.write && !r.sso {
				if res := e.call(r.method, url, f.read, ctype, body); res.status != r.ok {
					t.Errorf("read token: %d %s, want %d", res.status, res.body, r.ok)
				}
			}
			res := e.call(r.method, url, f.write, ctype, body)
			if res.status != r.ok {
				t.Fatalf("write token: %d %s, want %d", res.status, res.body, r.ok)
			}
			if r.write {
				after := e.snapshot()
				if after.Audit <= before.Audit && r.path != "/connections/:conn/activate" && r.path != "/connections/:conn/test" {
					t.Errorf("a change through the API left no audit event")
				}
			}
		})
	}
}

// TestAPIScenariosCoverEveryRoute fails when an API route is served
// without a row in apiRoutes.
func TestAPIScenariosCoverEveryRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	listed := map[string]bool{
		"GET /api/v1/openapi.json": true, // public (api_openapi_test.go)
		"GET /api/v1/me":           true, // the session's own (security_test.go)
	}
	for _, r := range apiRoutes {
		listed[r.method+" "+web.OpenAPIPath("/api/v1/orgs/:org"+r.path)] = true
	}
	for k := range apiRouteKeys(e.echo) {
		if !listed[k] {
			t.Errorf("API route %s has no row in apiRoutes", k)
		}
	}
}
