package signin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/app/connector/oidc"
	"github.com/orgsso/orgsso/app/outbound"
	"github.com/orgsso/orgsso/app/secrets"
	"github.com/orgsso/orgsso/app/signin"
	"github.com/orgsso/orgsso/e2e/idp"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/models/testdb"
)

const baseURL = "http://orgsso.test"

// env is one org with one OIDC connection to a real in-process IdP.
type env struct {
	t      testing.TB
	store  *models.Store
	az     *authz.Enforcer
	sealer *secrets.Sealer
	svc    *signin.Service
	org    models.Organization
	idp    *idp.OIDCServer
	conn   models.Connection
	admin  models.User
	logs   *syncBuffer // everything the service logged
	// skew moves the service's clock ahead (nanoseconds).
	skew *atomic.Int64
}

// advance moves the service's clock ahead by d.
func (e *env) advance(d time.Duration) { e.skew.Add(int64(d)) }

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newEnv(t testing.TB, prov models.Provisioning, idpOpts ...idp.Option) *env {
	t.Helper()
	ctx := context.Background()
	db := testdb.Open(t, testdb.New(t))
	store := models.NewStore(db)
	az, err := authz.New(store, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(az.Close)
	store.OnAccessChange(az.Changed)
	sealer, err := secrets.New(make([]byte, secrets.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	skew := &atomic.Int64{}
	now := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	svc := signin.New(signin.Options{BaseURL: baseURL, Now: now, HTTPClient: outbound.New(outbound.Options{AllowPrivate: true})}, store, sealer,
		connector.NewRegistry(oidc.Protocol()), log)
	org, err := store.CreateOrganization(ctx, "acme", "Acme Corp")
	if err != nil {
		t.Fatal(err)
	}
	admin, err := store.CreateUser(ctx, models.User{Email: "admin@acme.test", EmailVerified: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.PutMember(ctx, org.ID, admin.ID, []string{authz.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	srv := idp.NewOIDC(t, idpOpts...)
	srv.AddClient(idp.Client{ID: "orgsso", Secret: "s3cret", RedirectURIs: []string{baseURL + "/o/acme/oidc/callback"},
		PostLogoutRedirectURIs: []string{baseURL + "/o/acme/login"}})
	srv.AddUser(idp.User{Subject: "alice", Email: "alice@acme.test", EmailVerified: true, Name: "Alice", Groups: []string{"IT"}})
	srv.AddUser(idp.User{Subject: "bob", Email: "bob@acme.test", EmailVerified: true, Name: "Bob", Groups: []string{"DATA_SCIENCE"}})
	e := &env{t: t, store: store, az: az, sealer: sealer, svc: svc, org: org, idp: srv, admin: admin, logs: logs, skew: skew}
	e.conn = e.createConnection(oidc.Config{Issuer: srv.Issuer(), Discovery: true, ClientID: "orgsso",
		Scopes: []string{"openid", "email", "profile", "groups"}}, prov)
	return e
}

// createConnection stores an active connection with the secret sealed.
func (e *env) createConnection(cfg oidc.Config, prov models.Provisioning) models.Connection {
	e.t.Helper()
	ctx := context.Background()
	cj, _ := json.Marshal(cfg)
	pj, _ := json.Marshal(prov)
	conn, err := e.store.CreateConnection(ctx, e.org.ID, models.Connection{Protocol: models.ProtocolOIDC, Preset: "okta",
		DisplayName: "Okta", Active: true, Config: string(cj), Provisioning: string(pj)})
	if err != nil {
		e.t.Fatal(err)
	}
	conn.SealedSecret = e.sealer.Seal("s3cret", signin.SecretBinding(conn))
	conn.ConfigHash = conn.Fingerprint()
	conn, err = e.store.UpdateConnection(ctx, e.org.ID, conn)
	if err != nil {
		e.t.Fatal(err)
	}
	return conn
}

// edit changes the connection's provisioning (a new version, untested).
func (e *env) edit(prov models.Provisioning) {
	e.t.Helper()
	pj, _ := json.Marshal(prov)
	e.conn.Provisioning = string(pj)
	e.conn.ConfigHash = e.conn.Fingerprint()
	c, err := e.store.UpdateConnection(context.Background(), e.org.ID, e.conn)
	if err != nil {
		e.t.Fatal(err)
	}
	e.conn = c
	e.svc.Forget(c)
}

// enable marks the connection tested at its present version (through a
// real test login) and turns SSO on.
func (e *env) enable() {
	e.t.Helper()
	res, err := e.test("alice")
	if err != nil || !res.TestRun.Passed() {
		e.t.Fatalf("test login: %+v %v", res.TestRun, err)
	}
	if err := e.store.SetSSO(context.Background(), e.org.ID, true, false); err != nil {
		e.t.Fatal(err)
	}
	e.org.SSOEnabled = true
}

// begin starts a login and drives the IdP; it returns the callback request
// and the browser's login cookie.
func (e *env) begin(subject string, isTest bool) (callback, binding string, err error) {
	e.t.Helper()
	ctx := context.Background()
	req := signin.BeginRequest{Org: e.org, Connection: e.conn, ReturnTo: "/o/acme", IsTest: isTest}
	if isTest {
		req.UserID = &e.admin.ID
	}
	u, binding, err := e.svc.Begin(ctx, req)
	if err != nil {
		return "", "", err
	}
	e.idp.SetUser(subject)
	cb, err := e.idp.Authorize(ctx, u)
	if err != nil {
		e.t.Fatal(err)
	}
	return cb.String(), binding, nil
}

// finish hands the callback to Finish with the browser's login cookie and
// completes a member's login as the web layer does (commit).
func (e *env) finish(callback, cookie string) (signin.Result, error) {
	r := httptest.NewRequest("GET", callback, nil)
	res, err := e.svc.Finish(context.Background(), e.org, signin.Answer{Protocol: e.conn.Protocol, Request: r, Cookie: cookie})
	if err == nil {
		err = e.commit(res)
	}
	return res, err
}

// commit writes a member's login as the web layer does: a session, in one
// transaction with the spent state and the member's profile and role
// update.
func (e *env) commit(res signin.Result) error {
	if res.User.ID == 0 {
		return nil
	}
	now := time.Now()
	err := e.store.StartSession(context.Background(), models.Login{
		Session: models.Session{IDHash: secrets.Hash(secrets.Token()), UserID: res.User.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)},
		Audit: models.AuditEvent{OrgID: &e.org.ID, ActorID: &res.User.ID, ActorEmail: res.User.Email, Action: "user.login",
			Target: res.User.Email, Details: "sso connection=" + res.Connection.DisplayName},
		Through: &models.Through{ConnectionID: res.Connection.ID, Version: res.Connection.Version},
		Spend:   res.Spend,
		Member:  res.Member,
	})
	if errors.Is(err, models.ErrAlreadyUsed) {
		return signin.SpentProblem(err)
	}
	return err
}

func (e *env) login(subject string) (signin.Result, error) {
	e.t.Helper()
	cb, binding, err := e.begin(subject, false)
	if err != nil {
		return signin.Result{}, err
	}
	return e.finish(cb, binding)
}

func (e *env) test(subject string) (signin.Result, error) {
	e.t.Helper()
	cb, binding, err := e.begin(subject, true)
	if err != nil {
		return signin.Result{}, err
	}
	return e.finish(cb, binding)
}
