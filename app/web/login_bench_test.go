package web_test

// Benchmarks of a member's SSO login through the whole app against the
// in-process IdP (ES256, so the IdP's own signing does not hide our cost),
// and the bare floor: go-oidc's Exchange and Verify against the same IdP.
// Both include the IdP's authorize step. `make bench` runs them.

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/orgsso/orgsso/app/apptest"
	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/e2e/idp"
	"github.com/orgsso/orgsso/models"
)

// benchApp is orgsso on a loopback port with one org whose tested, enabled
// connection points at a fresh IdP.
type benchApp struct {
	url  string
	idp  *idp.OIDCServer
	conn models.Connection
}

func newBenchApp(b *testing.B) *benchApp {
	b.Helper()
	ctx := context.Background()
	srv := apptest.Start(b, apptest.Listen(b), nil, nil)
	ip := idp.NewOIDC(b, idp.WithES256())
	ip.AddClient(idp.Client{ID: apptest.ClientID, Secret: apptest.ClientSecret, RedirectURIs: []string{srv.URL + "/o/acme/oidc/callback"}})
	ip.AddUser(idp.User{Subject: "bob", Email: "bob@acme.test", EmailVerified: true, Name: "Bob", Groups: []string{"DATA_SCIENCE"}})
	org, err := srv.Store.CreateOrganization(ctx, "acme", "Acme")
	if err != nil {
		b.Fatal(err)
	}
	admin, err := srv.Store.CreateUser(ctx, models.User{Email: "admin@acme.test"})
	if err != nil {
		b.Fatal(err)
	}
	if err := srv.Authz.SetRoles(ctx, admin.ID, org.ID, []string{authz.RoleAdmin}); err != nil {
		b.Fatal(err)
	}
	conn := apptest.AddConnection(b, srv.App, org, ip, "Okta", models.Provisioning{JIT: true, SyncRoles: true, GroupMappings: "IT->admin;DATA_SCIENCE->user"})
	apptest.PassTest(b, srv.App, org, conn, ip, admin.ID)
	if err := srv.Store.SetSSO(ctx, org.ID, true, false); err != nil {
		b.Fatal(err)
	}
	return &benchApp{url: srv.URL, idp: ip, conn: conn}
}

// memberLogin runs one login in a fresh browser: start, IdP, callback,
// session. It fails b unless the member lands in the org with a session.
func (ba *benchApp) memberLogin(b *testing.B) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(ba.url + "/o/acme/sso/" + ba.conn.PublicID + "/start")
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || loc == "" {
		b.Fatalf("start: %s", resp.Status)
	}
	cb, err := ba.idp.Authorize(context.Background(), loc)
	if err != nil {
		b.Fatal(err)
	}
	resp, err = c.Get(cb.String())
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/o/acme" {
		b.Fatalf("callback: %s to %q", resp.Status, resp.Header.Get("Location"))
	}
	u, _ := url.Parse(ba.url)
	if len(jar.Cookies(u)) == 0 {
		b.Fatal("no session cookie after login")
	}
}

// BenchmarkFullLogin is a member's whole SSO login: start (LoginState),
// authorize at the IdP, callback (state, code exchange, ID token checks,
// provisioning, role sync, session). After the loop it checks that no
// discovery or JWKS fetch happened per login.
func BenchmarkFullLogin(b *testing.B) {
	ba := newBenchApp(b)
	ba.memberLogin(b) // warm: the connector is open and its keys fetched
	disc, jwks := ba.idp.DiscoveryHits(), ba.idp.JWKSHits()
	b.ResetTimer()
	for b.Loop() {
		ba.memberLogin(b)
	}
	b.StopTimer()
	if d, j := ba.idp.DiscoveryHits()-disc, ba.idp.JWKSHits()-jwks; d != 0 || j != 0 {
		b.Fatalf("steady-state logins fetched discovery %d and JWKS %d times, want 0", d, j)
	}
}

// BenchmarkFloor is the least any OIDC login costs against the same IdP:
// authorize, go-oidc Exchange and Verify, with one long-lived verifier.
func BenchmarkFloor(b *testing.B) {
	login := floorLogin(b)
	login()
	b.ResetTimer()
	for b.Loop() {
		login()
	}
}

// BenchmarkFullLoginVsFloor alternates one full login and one floor login
// per iteration and reports their ratio (x-floor), so that the machine's
// drift during the run does not skew the comparison.
func BenchmarkFullLoginVsFloor(b *testing.B) {
	ba := newBenchApp(b)
	floor := floorLogin(b)
	ba.memberLogin(b)
	floor()
	var full, bare time.Duration
	for b.Loop() {
		t0 := time.Now()
		ba.memberLogin(b)
		t1 := time.Now()
		floor()
		full += t1.Sub(t0)
		bare += time.Since(t1)
	}
	b.ReportMetric(float64(full.Nanoseconds())/float64(b.N), "full-ns/login")
	b.ReportMetric(float64(bare.Nanoseconds())/float64(b.N), "floor-ns/login")
	b.ReportMetric(float64(full)/float64(bare), "x-floor")
}

// floorLogin returns one bare login against a new ES256 IdP.
func floorLogin(b *testing.B) func() {
	ctx := context.Background()
	const redirect = "http://rp.test/callback"
	ip := idp.NewOIDC(b, idp.WithES256())
	ip.AddClient(idp.Client{ID: "floor", Secret: "s3cret", RedirectURIs: []string{redirect}})
	ip.AddUser(idp.User{Subject: "bob", Email: "bob@acme.test", EmailVerified: true, Groups: []string{"DATA_SCIENCE"}})
	provider, err := gooidc.NewProvider(ctx, ip.Issuer())
	if err != nil {
		b.Fatal(err)
	}
	verifier := provider.Verifier(&gooidc.Config{ClientID: "floor"})
	cfg := oauth2.Config{ClientID: "floor", ClientSecret: "s3cret", Endpoint: provider.Endpoint(), RedirectURL: redirect,
		Scopes: []string{"openid", "email", "profile", "groups"}}
	return func() {
		cb, err := ip.Authorize(ctx, cfg.AuthCodeURL("state", gooidc.Nonce("nonce")))
		if err != nil {
			b.Fatal(err)
		}
		tok, err := cfg.Exchange(ctx, cb.Query().Get("code"))
		if err != nil {
			b.Fatal(err)
		}
		raw, _ := tok.Extra("id_token").(string)
		if _, err := verifier.Verify(ctx, raw); err != nil {
			b.Fatal(err)
		}
	}
}
