package web_test

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/orgsso/orgsso/app/secrets"
	"github.com/orgsso/orgsso/models"
)

func TestAPIUpdateChecksVersionAndFields(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t)
	e := f.e
	url := "/api/v1/orgs/alpha/connections/" + f.connA.PublicID
	body := func(version int64, cfg string) string {
		return `{"type":"oidc","name":"Main IdP","preset":"custom","version":` + strconv.FormatInt(version, 10) + `,"config":` + cfg + `,"provisioning":{"jit":true}}`
	}
	changed := strings.Replace(apiConnConfig, `"clientID":"x"`, `"clientID":"y"`, 1)
	before := e.snapshot()

	var got struct{ Code, Message, Field string }
	res := e.call("PUT", url, f.write, "application/json", body(f.connA.Version+5, changed))
	res.json(t, &got)
	if res.status != http.StatusConflict || got.Code != "stale_version" || got.Field != "version" {
		t.Errorf("stale version: %d %s", res.status, res.body)
	}
	res = e.call("PUT", url, f.write, "application/json", body(f.connA.Version, strings.Replace(changed, `"clientID":"y"`, `"clientID":"y","pkce":"S512"`, 1)))
	res.json(t, &got)
	if res.status != http.StatusUnprocessableEntity || got.Field != "config.pkce" {
		t.Errorf("invalid pkce: %d %s", res.status, res.body)
	}
	res = e.call("PUT", url, f.write, "application/json", body(f.connA.Version, strings.Replace(changed, `"clientID":"y"`, `"clientID":"y","colour":"red"`, 1)))
	res.json(t, &got)
	if res.status != http.StatusUnprocessableEntity || got.Field != "config.colour" || !strings.Contains(got.Message, "unknown key") {
		t.Errorf("unknown key: %d %s", res.status, res.body)
	}
	res = e.call("PUT", url, f.write, "application/json", body(f.connA.Version, strings.Replace(changed, `"discovery":false`, `"discovery":"no"`, 1)))
	res.json(t, &got)
	if res.status != http.StatusUnprocessableEntity || got.Field != "config.discovery" {
		t.Errorf("wrong type: %d %s", res.status, res.body)
	}
	e.assertUnchanged(before)

	res = e.call("PUT", url, f.write, "application/json", body(f.connA.Version, changed))
	var saved struct {
		Outcome    string
		Connection struct {
			Version int64
			Config  map[string]any
		}
	}
	res.json(t, &saved)
	if res.status != 200 || saved.Outcome != "updated" || saved.Connection.Version != f.connA.Version+1 || saved.Connection.Config["clientID"] != "y" {
		t.Fatalf("update: %d %s", res.status, res.body)
	}
	if strings.Contains(res.body, "clientSecret") {
		t.Errorf("the answer mentions the secret: %s", res.body)
	}
	// The same body again changes nothing.
	res = e.call("PUT", url, f.write, "application/json", body(saved.Connection.Version, changed))
	res.json(t, &saved)
	if saved.Outcome != "unchanged" {
		t.Errorf("second update: %s", res.body)
	}
	// The change is audited as done by the token.
	var actor string
	if err := e.db.Write.Raw("SELECT actor_email FROM audit_events WHERE action = 'connection.update' ORDER BY id DESC LIMIT 1").Scan(&actor).Error; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(actor, "API token “writer”") {
		t.Errorf("audit actor = %q, want the token", actor)
	}
}

func TestAPICreateRefusesTakenNameAndKeepsSecretsOut(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t)
	e := f.e
	mk := func(name string) string {
		return `{"type":"oidc","name":"` + name + `","config":` + strings.Replace(apiConnConfig, `"clientID":"x"`, `"clientID":"x","clientSecret":"api-secret-value"`, 1) + `}`
	}
	var got struct{ Code, Field string }
	res := e.call("POST", "/api/v1/orgs/alpha/connections", f.write, "application/json", mk("main idp"))
	res.json(t, &got)
	if res.status != http.StatusConflict || got.Code != "name_taken" || got.Field != "name" {
		t.Errorf("taken name: %d %s", res.status, res.body)
	}
	res = e.call("POST", "/api/v1/orgs/alpha/connections", f.write, "application/json", mk("Second"))
	if res.status != http.StatusCreated || strings.Contains(res.body, "api-secret-value") {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	// The API never reads the server's environment or files for a secret.
	before := e.snapshot()
	for _, key := range []string{"clientSecretEnv: PATH", "clientSecretFile: /etc/hostname"} {
		doc := "- type: oidc\n  name: Sneaky\n  config: {issuer: https://s.example.com, discovery: false, authorizationURL: https://s.example.com/a, " +
			"tokenURL: https://s.example.com/t, jwksURL: https://s.example.com/k, clientID: s, " + key + "}\n"
		res := e.call("POST", "/api/v1/orgs/alpha/connections:apply", f.write, "application/yaml", doc)
		var bad struct{ Code, Field, Message string }
		res.json(t, &bad)
		if res.status != http.StatusUnprocessableEntity || !strings.HasPrefix(bad.Field, "config.clientSecret") || !strings.Contains(bad.Message, "send clientSecret") {
			t.Errorf("%s through the API: %d %s", key, res.status, res.body)
		}
	}
	e.assertUnchanged(before)
	for _, path := range []string{"/connections", "/connections:export", "/connections:export?format=json"} {
		if r := e.call("GET", "/api/v1/orgs/alpha"+path, f.read, "", ""); r.status != 200 || strings.Contains(r.body, "api-secret-value") ||
			!strings.Contains(r.body, "Second") {
			t.Errorf("GET %s: %d %s", path, r.status, r.body)
		}
	}
}

func TestAPIWithSessionCookieNeedsCSRF(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t)
	e := f.e
	admin, err := e.store.UserByEmail(t.Context(), "admin@example.com")
	if err != nil {
		t.Fatal(err)
	}
	c := e.client()
	c.loginAs(admin)
	if p := c.get("/api/v1/orgs/alpha/members"); p.status != 200 || !strings.Contains(p.body, "admin@example.com") {
		t.Fatalf("GET with session: %d %s", p.status, p.body)
	}
	if p := c.get("/api/v1/orgs/beta/members"); p.status != 404 {
		t.Errorf("GET another org with session: %d", p.status)
	}
	invite := func(header http.Header) *page {
		h := http.Header{"Content-Type": {"application/json"}}
		for k, v := range header {
			h[k] = v
		}
		return c.doRaw(http.MethodPost, "/api/v1/orgs/alpha/invites", `{"email":"csrf@example.com","role":"user"}`, h)
	}
	before := e.snapshot()
	if p := invite(nil); p.status != http.StatusForbidden || !strings.Contains(p.body, `"code":"csrf"`) {
		t.Errorf("POST with session, no CSRF token: %d %s", p.status, p.body)
	}
	e.assertUnchanged(before)
	if p := invite(http.Header{"X-Csrf-Token": {c.csrfToken()}}); p.status != http.StatusCreated || !strings.Contains(p.body, "/invite/") {
		t.Errorf("POST with session and CSRF token: %d %s", p.status, p.body)
	}
	// A bearer request does not use the cookie: an invalid token fails even
	// with a valid session beside it.
	if p := c.doRaw(http.MethodGet, "/api/v1/orgs/alpha/members", "", http.Header{"Authorization": {"Bearer osso_wrong"}}); p.status != 401 {
		t.Errorf("bad bearer with good cookie: %d", p.status)
	}
}

// doRaw sends a raw body with headers.
func (c *client) doRaw(method, path, body string, header http.Header) *page {
	c.t.Helper()
	req, err := http.NewRequest(method, c.env.srv.URL+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	buf, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return &page{status: res.StatusCode, header: res.Header, body: string(buf)}
}

func TestAPIAuditFiltersAndCursor(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t)
	e := f.e
	for i := range 5 {
		if err := e.store.Audit(t.Context(), models.AuditEvent{OrgID: &f.a.ID, ActorEmail: "bob@example.com", Action: "member.role", Target: "t" + strconv.Itoa(i) + "@example.com"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.store.Audit(t.Context(), models.AuditEvent{OrgID: &f.a.ID, ActorEmail: "ann@example.com", Action: "connection.update", Target: "Okta"}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.Audit(t.Context(), models.AuditEvent{OrgID: &f.b.ID, ActorEmail: "bob@example.com", Action: "member.role", Target: "b@example.com"}); err != nil {
		t.Fatal(err)
	}
	type page struct {
		Events []struct {
			ID     int64
			Actor  string
			Action string
			Target string
		}
		NextCursor *string
	}
	var p page
	var seen []string
	cursor := ""
	for range 4 {
		res := e.call("GET", "/api/v1/orgs/alpha/audit?actor=BOB&limit=2"+cursor, f.read, "", "")
		res.json(t, &p)
		for _, ev := range p.Events {
			if ev.Actor != "bob@example.com" {
				t.Errorf("actor filter let through %+v", ev)
			}
			seen = append(seen, ev.Target)
		}
		if p.NextCursor == nil {
			break
		}
		cursor = "&cursor=" + *p.NextCursor
	}
	if strings.Join(seen, ",") != "t4@example.com,t3@example.com,t2@example.com,t1@example.com,t0@example.com" {
		t.Errorf("paged through %v", seen)
	}
	res := e.call("GET", "/api/v1/orgs/alpha/audit?action=connection.", f.read, "", "")
	res.json(t, &p)
	if len(p.Events) != 1 || p.Events[0].Target != "Okta" {
		t.Errorf("action prefix filter: %s", res.body)
	}
	res = e.call("GET", "/api/v1/orgs/alpha/audit?target=okta&from=2000-01-01&to=2999-01-01", f.read, "", "")
	res.json(t, &p)
	if len(p.Events) != 1 {
		t.Errorf("target and time filter: %s", res.body)
	}
	res = e.call("GET", "/api/v1/orgs/alpha/audit?to=2000-01-01", f.read, "", "")
	res.json(t, &p)
	if len(p.Events) != 0 {
		t.Errorf("to filter: %s", res.body)
	}
	var bad struct{ Code, Field string }
	res = e.call("GET", "/api/v1/orgs/alpha/audit?from=yesterday", f.read, "", "")
	res.json(t, &bad)
	if res.status != 422 || bad.Field != "from" {
		t.Errorf("bad from: %d %s", res.status, res.body)
	}
}

func TestTokensPageCreatesShowsOnceAndRevokes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	acme := e.org("acme", "Acme")
	admin := e.user("admin@example.com")
	e.grant(admin, acme, "admin")
	c := e.client()
	c.loginAs(admin)
	if p := c.postRaw("/o/acme/settings/tokens", url.Values{"name": {"ci"}, "scope": {"write"}}); p.status != http.StatusForbidden {
		t.Errorf("create without CSRF token: %d", p.status)
	}
	p := c.post("/o/acme/settings/tokens", url.Values{"name": {""}, "scope": {"admin"}, "expiresDays": {"0"}})
	assertStatus(t, p, http.StatusUnprocessableEntity)
	p = c.post("/o/acme/settings/tokens", url.Values{"name": {"ci"}, "scope": {"write"}, "expiresDays": {"30"}})
	assertStatus(t, p, http.StatusOK)
	token, _ := p.doc.Find(`[data-testid="token-created"] input`).Attr("value")
	if token == "" {
		token = strings.TrimSpace(p.testid("token-created").Find("code").Text())
	}
	if !strings.HasPrefix(token, "osso_") {
		t.Fatalf("no token shown:\n%s", p.body)
	}
	var stored models.APIToken
	if err := e.db.Write.Where("org_id = ?", acme.ID).Take(&stored).Error; err != nil {
		t.Fatal(err)
	}
	if stored.TokenHash != secrets.Hash(token) || strings.Contains(stored.TokenHash, token) || stored.ExpiresAt == nil {
		t.Errorf("stored %+v", stored)
	}
	// Shown once: the list shows only its last characters.
	list := c.get("/o/acme/settings/tokens")
	if strings.Contains(list.body, token) || list.testid("token").Length() != 1 || list.text("token-last-used") != "never" {
		t.Errorf("list:\n%s", list.body)
	}
	if r := e.call("GET", "/api/v1/orgs/acme/connections", token, "", ""); r.status != 200 {
		t.Fatalf("token use: %d %s", r.status, r.body)
	}
	if list = c.get("/o/acme/settings/tokens"); list.text("token-last-used") == "never" {
		t.Error("last use not shown")
	}
	p = c.post("/o/acme/settings/tokens/"+strconv.FormatInt(stored.ID, 10)+"/revoke", nil)
	assertStatus(t, p, http.StatusSeeOther)
	if r := e.call("GET", "/api/v1/orgs/acme/connections", token, "", ""); r.status != 401 {
		t.Errorf("revoked token: %d", r.status)
	}
	acts := strings.Join(e.auditActions(&acme), " ")
	if !strings.Contains(acts, "token.create") || !strings.Contains(acts, "token.revoke") {
		t.Errorf("audit %s", acts)
	}
}

func TestAPIMemberChangesKeepAnAdmin(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t)
	e := f.e
	admin, err := e.store.UserByEmail(t.Context(), "admin@example.com")
	if err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/orgs/alpha/members/" + strconv.FormatInt(admin.ID, 10)
	before := e.snapshot()
	for _, body := range []string{`{"role":"user"}`, `{"status":"disabled"}`} {
		var got struct{ Code string }
		res := e.call("PATCH", path, f.write, "application/json", body)
		res.json(t, &got)
		if res.status != http.StatusConflict || got.Code != "last_admin" {
			t.Errorf("%s on the only admin: %d %s", body, res.status, res.body)
		}
	}
	if res := e.call("DELETE", path, f.write, "", ""); res.status != http.StatusConflict {
		t.Errorf("removing the only admin: %d %s", res.status, res.body)
	}
	var got struct{ Field string }
	res := e.call("PATCH", path, f.write, "application/json", `{"role":"owner"}`)
	res.json(t, &got)
	if res.status != http.StatusUnprocessableEntity || got.Field != "role" {
		t.Errorf("unknown role: %d %s", res.status, res.body)
	}
	res = e.call("PATCH", path, f.write, "application/json", `{"rank":"user"}`)
	res.json(t, &got)
	if res.status != http.StatusUnprocessableEntity || got.Field != "rank" {
		t.Errorf("unknown key: %d %s", res.status, res.body)
	}
	e.assertUnchanged(before)
	// The pending member becomes an active admin; then the first admin may go.
	res = e.call("PATCH", "/api/v1/orgs/alpha/members/"+strconv.FormatInt(f.memberA.ID, 10), f.write, "application/json", `{"role":"admin","status":"active"}`)
	if res.status != 200 || !strings.Contains(res.body, `"status":"active"`) || !strings.Contains(res.body, `"roles":["admin"]`) {
		t.Fatalf("promote: %d %s", res.status, res.body)
	}
	if res := e.call("DELETE", path, f.write, "", ""); res.status != http.StatusNoContent {
		t.Errorf("removing the first admin once another exists: %d %s", res.status, res.body)
	}
	acts := strings.Join(e.auditActions(&f.a), " ")
	for _, a := range []string{"member.role", "member.activate", "member.remove"} {
		if !strings.Contains(acts, a) {
			t.Errorf("audit lacks %s: %s", a, acts)
		}
	}
}
