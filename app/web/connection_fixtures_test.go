package web_test

// Fixtures of the SSO settings tests: an org with an admin, connections
// created through the form or seeded in the store, and test runs.

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/orgsso/orgsso/models"
)

// ssoFixture is an org with an admin (who has a password) and a member.
type ssoFixture struct {
	e      *env
	org    models.Organization
	admin  models.User
	member models.User
	c      *client // logged in as admin
}

func newSSOFixture(t *testing.T) *ssoFixture {
	t.Helper()
	e := newEnv(t)
	org := e.org("acme", "Acme Corp")
	admin := e.user("alice@acme.example")
	member := e.user("bob@acme.example")
	e.grant(admin, org, "admin")
	e.grant(member, org, "user")
	c := e.client()
	c.loginAs(admin)
	return &ssoFixture{e: e, org: org, admin: admin, member: member, c: c}
}

func (f *ssoFixture) base() string { return "/o/" + f.org.Slug + "/settings/sso" }

func (f *ssoFixture) connURL(conn models.Connection, suffix string) string {
	return f.base() + "/connections/" + conn.PublicID + suffix
}

// manualForm is a valid connection form with discovery off, so saving it
// does not contact an IdP.
func manualForm(name string) url.Values {
	return url.Values{
		"preset":           {"okta"},
		"displayName":      {name},
		"issuer":           {"https://idp.example.com"},
		"authorizationURL": {"https://idp.example.com/authorize"},
		"tokenURL":         {"https://idp.example.com/token"},
		"jwksURL":          {"https://idp.example.com/keys"},
		"clientID":         {"client-" + name},
		"clientSecret":     {"s3cret-value-" + name},
		"clientAuthMethod": {"client_secret_basic"},
		"scopes":           {"openid email profile groups"},
		"pkce":             {"S256"},
		"claimsSource":     {"idtoken"},
		"groupsClaim":      {"groups"},
		"jit":              {"true"},
		"defaultRole":      {"user"},
		"groupMappings":    {"IT->admin;DATA_SCIENCE->user"},
		"syncRoles":        {"true"},
	}
}

func formWith(v url.Values, kv ...string) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			out.Del(kv[i])
		} else {
			out.Set(kv[i], kv[i+1])
		}
	}
	return out
}

// createConn saves a connection through the form and returns it as stored.
func (f *ssoFixture) createConn(t *testing.T, form url.Values) models.Connection {
	t.Helper()
	p := f.c.post(f.base()+"/connections", form)
	if p.status != http.StatusSeeOther {
		t.Fatalf("create connection: status %d\n%s", p.status, p.body)
	}
	return f.connByName(t, form.Get("displayName"))
}

func (f *ssoFixture) connByName(t *testing.T, name string) models.Connection {
	t.Helper()
	conns, err := f.e.store.Connections(context.Background(), f.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range conns {
		if c.DisplayName == name {
			return c
		}
	}
	t.Fatalf("no connection named %q", name)
	return models.Connection{}
}

func (f *ssoFixture) reload(t *testing.T, conn models.Connection) models.Connection {
	t.Helper()
	got, err := f.e.store.ConnectionByID(context.Background(), f.org.ID, conn.ID)
	if err != nil {
		t.Fatalf("reload connection: %v", err)
	}
	return got
}

func (f *ssoFixture) reloadOrg(t *testing.T) models.Organization {
	t.Helper()
	o, err := f.e.store.OrganizationBySlug(context.Background(), f.org.Slug)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// recordTest stores a test run of conn at its current settings.
func (f *ssoFixture) recordTest(t *testing.T, conn models.Connection, status string) models.TestRun {
	t.Helper()
	run := models.TestRun{ConnectionID: conn.ID, ConfigVersion: conn.Version, ConfigHash: conn.ConfigHash,
		StartedBy: &f.admin.ID, StartedByEmail: f.admin.Email, Status: status, Claims: "{}", Mapped: "{}"}
	if status == models.TestFailed {
		run.ErrorCode, run.Reason, run.Detail = "aud_mismatch", "The ID token was issued for client 'abc', but this connection's client ID is 'xyz'.", "oidc: expected audience"
	}
	run, err := f.e.store.RecordTestRun(context.Background(), f.org.ID, run)
	if err != nil {
		t.Fatalf("record test run: %v", err)
	}
	return run
}

// enableSSO turns SSO on in the store, as a passed enable would.
func (f *ssoFixture) enableSSO(t *testing.T, enforced bool) {
	t.Helper()
	if err := f.e.store.SetSSO(context.Background(), f.org.ID, true, enforced); err != nil {
		t.Fatal(err)
	}
}

func rowStatus(p *page, conn models.Connection) string {
	return p.doc.Find(`[data-testid="connection-row"][data-connection-id="`+conn.PublicID+`"] [data-testid="test-status"]`).AttrOr("data-status", "")
}

func ssoItoa(n int64) string { return strconv.FormatInt(n, 10) }
