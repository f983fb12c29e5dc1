package app_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/orgsso/orgsso/app"
	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/models/testdb"
)

// freeAddr is a loopback address with a port nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Shutting down lets a request in flight finish and write everything it
// meant to: here an admin's connection test whose IdP answers slowly. The
// metrics are served on their own address, not the public one, and that
// server stops too.
func TestServeFinishesInFlightRequestsOnShutdown(t *testing.T) {
	addr, metricsAddr := freeAddr(t), freeAddr(t)
	env := map[string]string{"ORGSSO_ADDR": addr, "ORGSSO_BASE_URL": "http://" + addr, "ORGSSO_DATA_DIR": t.TempDir(),
		"ORGSSO_DATABASE_URL": testdb.New(t), "ORGSSO_ALLOW_PRIVATE_IDP": "true", "ORGSSO_METRICS_ADDR": metricsAddr}
	cfg, err := app.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	admin, err := a.CreateAdmin(ctx, "admin@acme.test", "admin-password-1", false)
	if err != nil {
		t.Fatal(err)
	}
	org, err := a.Store.CreateOrganization(ctx, "acme", "Acme")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Store.PutMember(ctx, org.ID, admin.ID, []string{authz.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	// An IdP whose discovery document takes a while, then is missing. It
	// says when a request reached it, so shutdown starts mid-request.
	reached := make(chan struct{}, 1)
	slow := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case reached <- struct{}{}:
		default:
		}
		time.Sleep(700 * time.Millisecond)
		http.NotFound(w, r)
	})}
	sl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go slow.Serve(sl)
	defer slow.Close()
	conn, err := a.Store.CreateConnection(ctx, org.ID, models.Connection{Protocol: models.ProtocolOIDC, Preset: "custom", DisplayName: "Slow",
		Active: true, Config: `{"issuer":"http://` + sl.Addr().String() + `","discovery":true,"clientID":"x"}`, Provisioning: "{}"})
	if err != nil {
		t.Fatal(err)
	}

	serveCtx, stop := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- a.Serve(serveCtx) }()
	base := "http://" + addr
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	var page string
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		resp, err := c.Get(base + "/login")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			page = string(b)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start: %v", err)
		}
	}
	tok := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(page)
	if tok == nil {
		t.Fatal("no CSRF token on the login page")
	}
	resp, err := c.PostForm(base+"/login", url.Values{"_csrf": {tok[1]}, "email": {"admin@acme.test"}, "password": {"admin-password-1"}})
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %v %v", resp, err)
	}
	resp.Body.Close()

	status := func(u string) (int, string) {
		t.Helper()
		resp, err := http.Get(u)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := status(base + "/metrics"); code != http.StatusNotFound || strings.Contains(body, "orgsso_") {
		t.Fatalf("public GET /metrics = %d %.200q; want 404", code, body)
	}
	if code, body := status("http://" + metricsAddr + "/metrics"); code != http.StatusOK ||
		!strings.Contains(body, `orgsso_logins_total{connection="password",protocol="password",result="success"} 1`) {
		t.Fatalf("GET /metrics on the metrics address = %d %.300q; want 200 with the login", code, body)
	}
	if code, _ := status("http://" + metricsAddr + "/login"); code != http.StatusNotFound {
		t.Fatalf("GET /login on the metrics address = %d; want 404 (it serves /metrics alone)", code)
	}

	type result struct {
		status   int
		location string
		err      error
	}
	inFlight := make(chan result, 1)
	go func() {
		resp, err := c.Get(base + "/o/acme/sso/" + conn.PublicID + "/start?test=1")
		if err != nil {
			inFlight <- result{err: err}
			return
		}
		resp.Body.Close()
		inFlight <- result{status: resp.StatusCode, location: resp.Header.Get("Location")}
	}()
	select { // the request is waiting on the slow IdP
	case <-reached:
	case <-time.After(10 * time.Second):
		t.Fatal("the test start never reached the IdP")
	}
	stop()

	r := <-inFlight
	if r.err != nil || r.status != http.StatusSeeOther || !strings.Contains(r.location, "/tests/") {
		t.Fatalf("in-flight request during shutdown: %+v; want it finished with a redirect to its test result", r)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	runs, err := a.Store.LatestTestRuns(ctx, org.ID)
	if err != nil || runs[conn.ID].Status != models.TestFailed || runs[conn.ID].Reason == "" {
		t.Fatalf("test run written = %+v, %v; want the failed test with its reason", runs[conn.ID], err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("the server still answers after shutdown")
	}
	if _, err := http.Get("http://" + metricsAddr + "/metrics"); err == nil {
		t.Fatal("the metrics server still answers after shutdown")
	}
}

// A metrics address that cannot be bound stops the start, with the
// variable's name, and leaves the public address free.
func TestServeFailsWhenTheMetricsAddressIsTaken(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	addr := freeAddr(t)
	env := map[string]string{"ORGSSO_ADDR": addr, "ORGSSO_DATA_DIR": t.TempDir(), "ORGSSO_DATABASE_URL": testdb.New(t),
		"ORGSSO_METRICS_ADDR": taken.Addr().String()}
	cfg, err := app.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	done := make(chan error, 1)
	go func() { done <- a.Serve(context.Background()) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "ORGSSO_METRICS_ADDR") {
			t.Fatalf("Serve = %v; want an ORGSSO_METRICS_ADDR error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve started although the metrics address is taken")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("the public address is still held: %v", err)
	}
	ln.Close()
}
