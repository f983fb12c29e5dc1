package oidc

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/app/outbound"
	"github.com/orgsso/orgsso/e2e/idp"
)

const (
	callbackURL = "http://rp.test/o/acme/oidc/callback"
	clientID    = "orgsso"
	secret      = "s3cret"
)

var (
	alice = idp.User{Subject: "alice", Email: "alice@example.com", EmailVerified: true, Name: "Alice Liddell",
		GivenName: "Alice", FamilyName: "Liddell", PreferredUsername: "alice@corp.example.com",
		Picture: "https://example.com/a.png", Groups: []string{"IT", "Staff"}}
	carol = idp.User{Subject: "carol", Email: "carol@example.com", EmailVerified: false, Name: "Carol"}
)

// newIdP starts a test IdP with the orgsso client and alice (logged in) and carol.
func newIdP(t testing.TB, opts ...idp.Option) *idp.OIDCServer {
	t.Helper()
	opts = append([]idp.Option{
		idp.WithClient(idp.Client{ID: clientID, Secret: secret, RedirectURIs: []string{callbackURL},
			PostLogoutRedirectURIs: []string{"http://rp.test/logged-out"}}),
		idp.WithUser(alice), idp.WithUser(carol),
	}, opts...)
	return idp.NewOIDC(t, opts...)
}

func baseConfig(srv *idp.OIDCServer) Config {
	return Config{Issuer: srv.Issuer(), Discovery: true, ClientID: clientID, ClientSecret: secret}
}

func testClient() *outbound.Options { return &outbound.Options{AllowPrivate: true} }

func open(t testing.TB, cfg Config) connector.Connector {
	t.Helper()
	c, err := cfg.Open(context.Background(), outbound.New(*testClient()), nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return c
}

// login runs Begin, drives the browser through the IdP and runs Finish.
func login(t testing.TB, srv *idp.OIDCServer, c connector.Connector, params map[string]string) (connector.Identity, error) {
	t.Helper()
	ctx := context.Background()
	state := randomState()
	authURL, pending, err := c.Begin(ctx, connector.LoginRequest{State: state, CallbackURL: callbackURL, ForwardedParams: params})
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	cb, err := srv.Authorize(ctx, authURL)
	if err != nil {
		t.Fatalf("authorize: %v", err)
	}
	return c.Finish(ctx, newCallbackRequest(cb.String()), pending)
}

func randomState() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func wantCode(t testing.TB, err error, code string) *connector.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("expected error %s, got success", code)
	}
	e, ok := connector.AsError(err)
	if !ok {
		t.Fatalf("error %v (%T) is not a *connector.Error", err, err)
	}
	if e.Code != code {
		t.Fatalf("code = %s (%s), want %s", e.Code, e.Error(), code)
	}
	return e
}

func newCallbackRequest(u string) *http.Request { return httptest.NewRequest("GET", u, nil) }
