// Package apptest starts real orgsso apps for tests and benchmarks in other
// packages: the whole app (app.Open) over a fresh database (models/testdb)
// served on a loopback port, plus fixtures that set up an org's OIDC
// connection to the in-process IdP (e2e/idp) and pass its test for real.
package apptest

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/orgsso/orgsso/app"
	"github.com/orgsso/orgsso/app/connector/oidc"
	"github.com/orgsso/orgsso/app/signin"
	"github.com/orgsso/orgsso/e2e/idp"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/models/testdb"
)

// Server is an app serving on a loopback port.
type Server struct {
	*app.App
	// URL is where this server listens (http://127.0.0.1:port).
	URL string
}

// Listen opens a loopback listener, so that a base URL can be known before
// the app starts.
func Listen(tb testing.TB) net.Listener {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	return ln
}

// Start opens the app and serves it on ln until tb ends. The configuration
// is the defaults of a test: base URL = ln's address, a temporary data dir,
// a fresh database of the run's dialect (testdb.New), private IdP addresses
// allowed; env overrides any of them (an https ORGSSO_BASE_URL serves TLS
// with a self-signed certificate). log nil discards the logs.
func Start(tb testing.TB, ln net.Listener, env map[string]string, log *slog.Logger) *Server {
	tb.Helper()
	url := "http://" + ln.Addr().String()
	vars := map[string]string{
		"ORGSSO_BASE_URL": url, "ORGSSO_DATA_DIR": tb.TempDir(), "ORGSSO_ALLOW_PRIVATE_IDP": "true",
	}
	for k, v := range env {
		vars[k] = v
	}
	if vars["ORGSSO_DATABASE_URL"] == "" {
		vars["ORGSSO_DATABASE_URL"] = testdb.New(tb)
	}
	cfg, err := app.ConfigFromEnv(func(k string) string { return vars[k] })
	if err != nil {
		ln.Close()
		tb.Fatalf("config: %v", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a, err := app.Open(context.Background(), cfg, log)
	if err != nil {
		ln.Close()
		tb.Fatalf("open app: %v", err)
	}
	tb.Cleanup(func() {
		if err := a.Close(); err != nil {
			tb.Errorf("close app: %v", err)
		}
	})
	srv := httptest.NewUnstartedServer(a.Handler)
	srv.Listener.Close()
	srv.Listener = ln
	if strings.HasPrefix(cfg.BaseURL, "https://") {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	tb.Cleanup(srv.Close)
	return &Server{App: a, URL: cfg.BaseURL}
}

// ClientID and ClientSecret are the credentials AddConnection configures;
// register them at the IdP.
const (
	ClientID     = "orgsso"
	ClientSecret = "s3cret"
)

// AddConnection stores an active OIDC connection of org to ip (discovery on,
// client ClientID) with the secret sealed, at version 1; edit changes its
// configuration first.
func AddConnection(tb testing.TB, a *app.App, org models.Organization, ip *idp.OIDCServer, name string, prov models.Provisioning, edit ...func(*oidc.Config)) models.Connection {
	tb.Helper()
	cfg := oidc.Config{Issuer: ip.Issuer(), Discovery: true, ClientID: ClientID, Scopes: []string{"openid", "email", "profile", "groups"}}
	for _, e := range edit {
		e(&cfg)
	}
	cj, _ := json.Marshal(cfg)
	pj, _ := json.Marshal(prov)
	conn, err := a.Store.CreateConnectionWith(context.Background(), org.ID, models.Connection{Protocol: models.ProtocolOIDC, Preset: "custom",
		DisplayName: name, Active: true, Config: string(cj), Provisioning: string(pj)}, func(c *models.Connection) {
		c.SealedSecret = a.Sealer.Seal(ClientSecret, signin.SecretBinding(*c))
		c.ConfigHash = c.Fingerprint()
	})
	if err != nil {
		tb.Fatal(err)
	}
	return conn
}

// PassTest runs a real test login of conn, started by adminID, as ip's
// current user, and fails tb unless it passes.
func PassTest(tb testing.TB, a *app.App, org models.Organization, conn models.Connection, ip *idp.OIDCServer, adminID int64) {
	tb.Helper()
	ctx := context.Background()
	u, binding, err := a.Signin.Begin(ctx, signin.BeginRequest{Org: org, Connection: conn, IsTest: true, UserID: &adminID})
	if err != nil {
		tb.Fatal(err)
	}
	cb, err := ip.Authorize(ctx, u)
	if err != nil {
		tb.Fatal(err)
	}
	res, err := a.Signin.Finish(ctx, org, signin.Answer{Protocol: conn.Protocol, Request: httptest.NewRequest("GET", cb.String(), nil), Cookie: binding})
	if err != nil || !res.TestRun.Passed() {
		tb.Fatalf("test login: %+v %v", res.TestRun, err)
	}
}
