package e2e

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/orgsso/orgsso/app"
	"github.com/orgsso/orgsso/app/connector/oidc"
	"github.com/orgsso/orgsso/app/signin"
	"github.com/orgsso/orgsso/e2e/idp"
	"github.com/orgsso/orgsso/models"
)

// addConnection stores an active OIDC connection of org to ip's client
// "orgsso" (secret "s3cret").
func addConnection(t *testing.T, a *app.App, org models.Organization, ip *idp.OIDCServer, prov models.Provisioning) models.Connection {
	t.Helper()
	cj, _ := json.Marshal(oidc.Config{Issuer: ip.Issuer(), Discovery: true, ClientID: "orgsso", Scopes: []string{"openid", "email", "profile", "groups"}})
	pj, _ := json.Marshal(prov)
	conn, err := a.Store.CreateConnectionWith(context.Background(), org.ID, models.Connection{Protocol: models.ProtocolOIDC, Preset: "custom",
		DisplayName: "IdP", Active: true, Config: string(cj), Provisioning: string(pj)}, func(c *models.Connection) {
		c.SealedSecret = a.Sealer.Seal("s3cret", signin.SecretBinding(*c))
		c.ConfigHash = c.Fingerprint()
	})
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// passTest runs a real test login of conn as ip's current user, started by
// adminID, and fails t unless it passes.
func passTest(t *testing.T, a *app.App, org models.Organization, conn models.Connection, ip *idp.OIDCServer, adminID int64) {
	t.Helper()
	ctx := context.Background()
	u, binding, err := a.Signin.Begin(ctx, signin.BeginRequest{Org: org, Connection: conn, IsTest: true, UserID: &adminID, ClientKey: "fixture"})
	if err != nil {
		t.Fatal(err)
	}
	cb, err := ip.Authorize(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.Signin.Finish(ctx, org, httptest.NewRequest("GET", cb.String(), nil), binding)
	if err != nil || !res.TestRun.Passed() {
		t.Fatalf("test login: %+v %v", res.TestRun, err)
	}
}
