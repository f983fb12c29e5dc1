package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orgsso/orgsso/app/apptest"
	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/app/secrets"
	"github.com/orgsso/orgsso/models"
)

// newSetupLink makes a link through the admin's page and returns its path.
func newSetupLink(t *testing.T, admin *client, org, name, preset string) string {
	t.Helper()
	p := admin.post("/o/"+org+"/settings/setup-links", url.Values{"connectionName": {name}, "preset": {preset}})
	assertStatus(t, p, http.StatusOK)
	link, _ := p.doc.Find(`[data-testid="setup-link-created"] input`).Attr("value")
	if link == "" {
		link = strings.TrimSpace(p.testid("setup-link-created").Find("code").Text())
	}
	i := strings.Index(link, "/setup/")
	if i < 0 {
		t.Fatalf("no link shown:\n%s", p.body)
	}
	return link[i:]
}

// setupForm is the link's form for an IdP without discovery.
func setupForm(clientID, secret string) url.Values {
	return url.Values{"preset": {"okta"}, "issuer": {"https://idp.example.com"}, "authorizationURL": {"https://idp.example.com/authorize"},
		"tokenURL": {"https://idp.example.com/token"}, "jwksURL": {"https://idp.example.com/keys"}, "clientID": {clientID},
		"clientSecret": {secret}, "clientAuthMethod": {"client_secret_basic"}, "scopes": {"openid email"}, "pkce": {"S256"},
		"claimsSource": {"idtoken"}, "requireVerifiedEmail": {"true"}}
}

// TestSetupLinkCreatesOneConnectionAndNothingElse: the link's visitor, who
// has no account, creates and edits its one connection; the name, the
// switch and the provisioning rules stay the org's; every other page and
// action is refused; everything is audited as the link's.
func TestSetupLinkCreatesOneConnectionAndNothingElse(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	e := f.e
	other := f.createConn(t, manualForm("Other"))
	link := newSetupLink(t, f.c, "acme", "Customer IdP", "okta")
	var stored models.SetupLink
	if err := e.db.Write.Where("org_id = ?", f.org.ID).Take(&stored).Error; err != nil {
		t.Fatal(err)
	}
	token := strings.TrimPrefix(link, "/setup/")
	if stored.TokenHash != secrets.Hash(token) || (stored.ExpiresAt.Sub(stored.CreatedAt)-72*time.Hour).Abs() > time.Second {
		t.Errorf("stored link %+v", stored)
	}
	if list := f.c.get("/o/acme/settings/setup-links"); strings.Contains(list.body, token) || list.testid("setup-link").Length() != 1 {
		t.Errorf("the list shows the token, or not the link")
	}

	v := e.client() // the customer's IT admin: no account
	p := v.get(link)
	assertStatus(t, p, http.StatusOK)
	if !strings.Contains(p.text("setup-help"), "/o/acme/oidc/callback") {
		t.Errorf("the page does not give the redirect URI:\n%s", p.text("setup-help"))
	}
	form := setupForm("customer-client", "customer-secret-value")
	// Trying to name another connection, or to set who gets in as what.
	form.Set("displayName", "Other")
	form.Set("defaultRole", "admin")
	form.Set("groupMappings", "Everyone->admin")
	form.Set("jit", "true")
	p = v.post(link, form)
	assertRedirect(t, p, link)
	conn := f.connByName(t, "Customer IdP")
	if conn.Active {
		t.Error("a connection made through a link is switched on")
	}
	prov, _ := signinProvisioning(conn)
	if prov.DefaultRole != "user" || prov.GroupMappings != "" {
		t.Errorf("provisioning %+v: the link set roles", prov)
	}
	if got := f.reload(t, other); got.Version != other.Version || got.Config != other.Config {
		t.Error("the link changed another connection")
	}
	if strings.Contains(v.get(link).body, "customer-secret-value") {
		t.Error("the page shows the secret")
	}

	// An edit: a new version, the secret kept when left empty, the admin's
	// own settings (logo, provisioning) kept.
	if err := e.db.Write.Exec("UPDATE connections SET logo_url = ?, provisioning = ? WHERE id = ?",
		"https://logo.example/x.png", `{"jit":true,"defaultRole":"admin","groupMappings":"IT->admin"}`, conn.ID).Error; err != nil {
		t.Fatal(err)
	}
	edit := setupForm("customer-client-2", "")
	edit.Set("version", strconv.FormatInt(conn.Version, 10))
	if p := v.post(link, edit); p.status != http.StatusSeeOther {
		t.Fatalf("edit: %d %s", p.status, p.text("form-error"))
	}
	got := f.reload(t, conn)
	if got.Version != conn.Version+1 || got.SealedSecret != conn.SealedSecret || got.LogoURL != "https://logo.example/x.png" ||
		!strings.Contains(got.Provisioning, "IT->admin") || !strings.Contains(got.Config, "customer-client-2") {
		t.Errorf("after the edit: %+v", got)
	}
	before := e.snapshot()
	stale := setupForm("customer-client-3", "")
	stale.Set("version", strconv.FormatInt(conn.Version, 10))
	assertStatus(t, v.post(link, stale), http.StatusConflict)
	e.assertUnchanged(before)

	// Everything else is refused to the link's visitor.
	for _, path := range []string{"/o/acme/settings/sso", "/o/acme/members", f.connURL(other, "/edit"), "/o/acme/settings/setup-links", "/o/acme/audit"} {
		if p := v.get(path); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/login") {
			t.Errorf("GET %s: %d to %q", path, p.status, p.location())
		}
	}
	for _, path := range []string{"/o/acme/settings/sso/enable", f.connURL(conn, "/toggle"), "/o/acme/members", f.connURL(other, "/delete")} {
		if p := v.post(path, url.Values{"active": {"true"}, "email": {"x@example.com"}, "role": {"admin"}}); p.status != http.StatusSeeOther ||
			!strings.HasPrefix(p.location(), "/login") {
			t.Errorf("POST %s: %d to %q", path, p.status, p.location())
		}
	}
	if p := v.get("/api/v1/orgs/acme/connections"); p.status != http.StatusUnauthorized {
		t.Errorf("API: %d", p.status)
	}
	e.assertUnchanged(before)

	// A plain save, with no provisioning fields at all, works.
	second := newSetupLink(t, f.c, "acme", "Second IdP", "okta")
	if p := v.post(second, setupForm("second-client", "second-secret")); p.status != http.StatusSeeOther {
		t.Fatalf("plain save: %d %s", p.status, p.text("form-error"))
	}

	var actors []string
	if err := e.db.Write.Raw("SELECT actor_email FROM audit_events WHERE org_id = ? AND action LIKE 'connection.%' AND target = ?",
		f.org.ID, "Customer IdP").Scan(&actors).Error; err != nil {
		t.Fatal(err)
	}
	if len(actors) != 2 {
		t.Fatalf("link actions audited: %v", actors)
	}
	for _, a := range actors {
		if !strings.Contains(a, "setup link") {
			t.Errorf("audited as %q, not as the link", a)
		}
	}
}

func TestSetupLinkExpiresAndIsRevocable(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	e := f.e
	link := newSetupLink(t, f.c, "acme", "Customer IdP", "okta")
	v := e.client()
	assertStatus(t, v.get(link), http.StatusOK)

	// Expired: nothing works.
	if err := e.db.Write.Exec("UPDATE setup_links SET expires_at = ?", time.Now().Add(-time.Minute).UTC()).Error; err != nil {
		t.Fatal(err)
	}
	before := e.snapshot()
	if p := v.get(link); p.status != http.StatusNotFound || !p.has("setup-gone") {
		t.Errorf("expired link: %d", p.status)
	}
	if p := v.post(link, setupForm("c", "s")); p.status != http.StatusNotFound {
		t.Errorf("save through an expired link: %d", p.status)
	}
	if p := v.get(link + "/test"); p.status != http.StatusNotFound {
		t.Errorf("test through an expired link: %d", p.status)
	}
	e.assertUnchanged(before)

	// Revoked: the same, even before it expires.
	if err := e.db.Write.Exec("UPDATE setup_links SET expires_at = ?", time.Now().Add(time.Hour).UTC()).Error; err != nil {
		t.Fatal(err)
	}
	assertStatus(t, v.get(link), http.StatusOK)
	var id int64
	if err := e.db.Write.Raw("SELECT id FROM setup_links").Scan(&id).Error; err != nil {
		t.Fatal(err)
	}
	assertStatus(t, f.c.post("/o/acme/settings/setup-links/"+strconv.FormatInt(id, 10)+"/revoke", nil), http.StatusSeeOther)
	if p := v.post(link, setupForm("c", "s")); p.status != http.StatusNotFound {
		t.Errorf("save through a revoked link: %d", p.status)
	}
	if n := e.count("connections", ""); n != 0 {
		t.Errorf("%d connections", n)
	}
	if p := v.get("/setup/not-a-link"); p.status != http.StatusNotFound {
		t.Errorf("unknown link: %d", p.status)
	}
	acts := strings.Join(e.auditActions(&f.org), " ")
	if !strings.Contains(acts, "setup_link.create") || !strings.Contains(acts, "setup_link.revoke") {
		t.Errorf("audit %s", acts)
	}
}

// TestSetupLinkRunsTheTest: the link's visitor runs a real test through
// an IdP and sees the verdict; the test is the link's in the audit log.
func TestSetupLinkRunsTheTest(t *testing.T) {
	a := newTrustApp(t)
	acme := a.org("acme", "Acme")
	admin := a.user("admin@acme.example")
	a.grant(admin, acme, "admin")
	ip := a.idpFor("acme")
	conn := apptest.AddConnection(t, a.app.App, acme, ip, "Customer IdP", models.Provisioning{JIT: true})
	ac := a.client()
	ac.loginAs(admin)
	link := newSetupLink(t, ac, "acme", "Customer IdP", "custom")

	v := a.client()
	p := v.get(link + "/test")
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), ip.Issuer()) {
		t.Fatalf("test start: %d to %q\n%s", p.status, p.location(), p.body)
	}
	ip.SetUser("tester")
	cb, err := ip.Authorize(context.Background(), p.location())
	if err != nil {
		t.Fatal(err)
	}
	p = v.get(cb.RequestURI())
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/setup/-/tests/") {
		t.Fatalf("callback: %d to %q\n%s", p.status, p.location(), p.body)
	}
	p = v.get(p.location())
	assertStatus(t, p, http.StatusOK)
	if r, _ := p.testid("test-result").Attr("data-result"); r != "passed" {
		t.Errorf("verdict %q\n%s", r, p.body)
	}
	if strings.Contains(p.body, "tester@idp.test") {
		t.Error("the verdict shows the claims")
	}
	run, err := a.store.PassedTestRun(context.Background(), acme.ID, conn)
	if err != nil || run.StartedBy != nil {
		t.Errorf("passed run %+v, %v", run, err)
	}
	if n := a.count("audit_events", "org_id = ? AND action = ? AND actor_email LIKE ?", acme.ID, "connection.test", "setup link%"); n != 1 {
		t.Errorf("test audited as the link %d times", n)
	}
	// Another browser without the link sees no verdict.
	if p := a.client().get("/setup/-/tests/" + strconv.FormatInt(run.ID, 10)); p.status != http.StatusNotFound {
		t.Errorf("verdict without the link: %d", p.status)
	}
}

func signinProvisioning(c models.Connection) (models.Provisioning, error) {
	var p models.Provisioning
	err := json.Unmarshal([]byte(c.Provisioning), &p)
	return p, err
}

// A setup link's visitor can create the connection with discovery on: the
// IdP is asked for its discovery document on save, in the link's org.
func TestSetupLinkCreatesAConnectionWithDiscovery(t *testing.T) {
	t.Parallel()
	a := newTrustApp(t)
	org := a.org("acme", "Acme")
	alice := a.user("alice@acme.test")
	a.grant(alice, org, authz.RoleAdmin)
	admin := a.client()
	admin.loginAs(alice)
	ip := a.idpFor("acme")
	link := newSetupLink(t, admin, "acme", "Customer IdP", "okta")
	v := a.client()
	form := url.Values{"preset": {"okta"}, "issuer": {ip.Issuer()}, "discovery": {"true"}, "clientID": {apptest.ClientID},
		"clientSecret": {apptest.ClientSecret}, "clientAuthMethod": {"client_secret_basic"}, "scopes": {"openid email"},
		"pkce": {"S256"}, "claimsSource": {"idtoken"}}
	p := v.post(link, form)
	if p.status != http.StatusSeeOther {
		t.Fatalf("save with discovery: %d\n%s", p.status, p.text("error-issuer"))
	}
	form.Set("issuer", ip.Issuer()+"/nowhere")
	if p := v.post(link, form); p.status != http.StatusUnprocessableEntity && p.status != http.StatusConflict {
		t.Fatalf("an issuer without discovery document: %d", p.status)
	}
}
