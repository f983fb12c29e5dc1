package web_test

// Benchmarks of a member's SSO login through the whole app against the
// in-process IdP (ES256, so the IdP's own signing does not hide our cost),
// and the bare floor: go-oidc's Exchange and Verify against the same IdP.
// Both include the IdP's authorize step. `make bench` runs them.

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/orgsso/orgsso/app/apptest"
	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/app/connector/oidc"
	"github.com/orgsso/orgsso/app/outbound"
	"github.com/orgsso/orgsso/e2e/idp"
	"github.com/orgsso/orgsso/models"
)

// benchApp is orgsso on a loopback port with one org whose tested, enabled
// connection points at a fresh IdP.
type benchApp struct {
	url  string
	srv  *apptest.Server
	idp  *idp.OIDCServer
	org  models.Organization
	conn models.Connection
}

func newBenchApp(b testing.TB) *benchApp { return newBenchAppOn(b, "") }

// newBenchAppOn is newBenchApp over the database at dbURL, migrated
// ("": a fresh one).
func newBenchAppOn(b testing.TB, dbURL string) *benchApp {
	b.Helper()
	ctx := context.Background()
	var env map[string]string
	if dbURL != "" {
		env = map[string]string{"ORGSSO_DATABASE_URL": dbURL}
	}
	srv := apptest.Start(b, apptest.Listen(b), env, nil)
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
	if err := srv.Store.PutMember(ctx, org.ID, admin.ID, []string{authz.RoleAdmin}); err != nil {
		b.Fatal(err)
	}
	conn := apptest.AddConnection(b, srv.App, org, ip, "Okta", models.Provisioning{JIT: true, SyncRoles: true, GroupMappings: "IT->admin;DATA_SCIENCE->user"})
	apptest.PassTest(b, srv.App, org, conn, ip, admin.ID)
	if err := srv.Store.SetSSO(ctx, org.ID, true, false); err != nil {
		b.Fatal(err)
	}
	return &benchApp{url: srv.URL, srv: srv, idp: ip, org: org, conn: conn}
}

// browse runs one SSO login in a fresh browser: it opens startURL, lets ip
// authorize, follows the redirect to the callback and returns the
// callback's answer, its body read, and the browser's cookies.
func browse(tb testing.TB, startURL string, ip *idp.OIDCServer) (*http.Response, []byte, http.CookieJar) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(startURL)
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || loc == "" {
		tb.Fatalf("start: %s", resp.Status)
	}
	cb, err := ip.Authorize(context.Background(), loc)
	if err != nil {
		tb.Fatal(err)
	}
	resp, err = c.Get(cb.String())
	if err != nil {
		tb.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, body, jar
}

// memberLogin runs one login in a fresh browser: start, IdP, callback,
// session. It fails b unless the member lands in the org with a session.
func (ba *benchApp) memberLogin(b testing.TB) {
	resp, _, jar := browse(b, ba.url+"/o/acme/sso/"+ba.conn.PublicID+"/start", ba.idp)
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
	versusFloor(b, "full", func() { ba.memberLogin(b) })
}

// versusFloor runs login and a floor login alternately, one each per
// iteration, and reports both times per login (name-ns/login and
// floor-ns/login) and their ratio (x-floor).
func versusFloor(b *testing.B, name string, login func()) {
	floor := floorLogin(b)
	login()
	floor()
	var measured, bare time.Duration
	for b.Loop() {
		t0 := time.Now()
		login()
		t1 := time.Now()
		floor()
		measured += t1.Sub(t0)
		bare += time.Since(t1)
	}
	b.ReportMetric(float64(measured.Nanoseconds())/float64(b.N), name+"-ns/login")
	b.ReportMetric(float64(bare.Nanoseconds())/float64(b.N), "floor-ns/login")
	b.ReportMetric(float64(measured)/float64(bare), "x-floor")
}

// BenchmarkRedirectsOnlyVsFloor is the least a login through any web app
// costs over the floor: a browser's two hops (start, callback) through a
// plain net/http server whose handlers only call our OIDC connector, with
// the state in memory and no database, middleware, provisioning or session.
// Its x-floor is the share of the full login's ratio that no app logic
// can remove.
func BenchmarkRedirectsOnlyVsFloor(b *testing.B) {
	ctx := context.Background()
	ip := idp.NewOIDC(b, idp.WithES256())
	ip.AddUser(idp.User{Subject: "bob", Email: "bob@acme.test", EmailVerified: true, Name: "Bob", Groups: []string{"DATA_SCIENCE"}})
	var (
		mu      sync.Mutex
		pending = map[string][]byte{}
	)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	b.Cleanup(srv.Close)
	callback := srv.URL + "/o/acme/oidc/callback"
	ip.AddClient(idp.Client{ID: apptest.ClientID, Secret: apptest.ClientSecret, RedirectURIs: []string{callback}})
	conn, err := oidc.Config{Issuer: ip.Issuer(), Discovery: true, ClientID: apptest.ClientID, ClientSecret: apptest.ClientSecret,
		Scopes: []string{"openid", "email", "profile", "groups"}}.Open(ctx, outbound.New(outbound.Options{AllowPrivate: true}), slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	mux.HandleFunc("GET /o/acme/start", func(w http.ResponseWriter, r *http.Request) {
		state := rand.Text()
		u, p, err := conn.Begin(r.Context(), connector.LoginRequest{State: state, CallbackURL: callback})
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		mu.Lock()
		pending[state] = p
		mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "binding", Value: state, Path: "/o/acme/", HttpOnly: true})
		w.Header().Set("Location", u)
		w.WriteHeader(http.StatusSeeOther)
	})
	mux.HandleFunc("GET /o/acme/oidc/callback", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		p, ok := pending[r.FormValue("state")]
		delete(pending, r.FormValue("state"))
		mu.Unlock()
		if !ok {
			http.Error(w, "unknown state", http.StatusBadRequest)
			return
		}
		if _, err := conn.Finish(r.Context(), r, p); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "session", Value: rand.Text(), Path: "/", HttpOnly: true})
		w.Header().Set("Location", "/o/acme")
		w.WriteHeader(http.StatusSeeOther)
	})
	versusFloor(b, "redirects", func() {
		if resp, body, _ := browse(b, srv.URL+"/o/acme/start", ip); resp.StatusCode != http.StatusSeeOther {
			b.Fatalf("callback: %s %s", resp.Status, body)
		}
	})
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
