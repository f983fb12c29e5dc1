// Package app is orgsso's composition root: it reads the Config, opens and
// migrates the database, builds the enforcer, the sealer and the web server,
// and runs them. Nothing imports app.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/app/connector/oidc"
	"github.com/orgsso/orgsso/app/connector/saml"
	"github.com/orgsso/orgsso/app/metrics"
	"github.com/orgsso/orgsso/app/outbound"
	"github.com/orgsso/orgsso/app/password"
	"github.com/orgsso/orgsso/app/secrets"
	"github.com/orgsso/orgsso/app/signin"
	"github.com/orgsso/orgsso/app/web"
	"github.com/orgsso/orgsso/models"
)

// Protocols are the sign-in protocols orgsso speaks: each protocol package
// and the line that registers it here.
func Protocols() *connector.Registry {
	return connector.NewRegistry(
		oidc.Protocol(),
		saml.Protocol(),
	)
}

// App is a running orgsso: its database, store, enforcer and HTTP handler.
type App struct {
	Config  Config
	DB      *models.DB
	Store   *models.Store
	Authz   *authz.Enforcer
	Sealer  *secrets.Sealer
	Signin  *signin.Service
	Metrics *metrics.Metrics
	Handler http.Handler
	Log     *slog.Logger
}

// Open connects to the database, applies pending migrations and builds
// every part. Close releases them.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*App, error) {
	sealer, keys, err := openSealer(cfg)
	if err != nil {
		return nil, err
	}
	db, err := models.Open(cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx); err != nil {
		_ = db.Close()
		return nil, err
	}
	store := models.NewStore(db)
	if err := checkKeys(ctx, store, sealer, keys, cfg); err != nil {
		_ = db.Close()
		return nil, err
	}
	az, err := authz.New(store, log)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	store.OnAccessChange(az.Changed)
	a := &App{Config: cfg, DB: db, Store: store, Authz: az, Sealer: sealer, Log: log}
	a.Metrics = metrics.New()
	idpClient := outbound.New(outbound.Options{AllowPrivate: cfg.AllowPrivateIdP})
	idpClient.Transport = a.Metrics.InstrumentIdP(idpClient.Transport)
	a.Signin = signin.New(signin.Options{BaseURL: cfg.BaseURL, HTTPClient: idpClient}, store, sealer, Protocols(), log)
	a.Handler = web.New(web.Options{
		BaseURL:        cfg.BaseURL,
		SecureCookies:  cfg.SecureCookies(),
		SessionIdle:    cfg.SessionIdle,
		SessionMax:     cfg.SessionMax,
		MetricsToken:   cfg.MetricsToken,
		TrustedProxies: cfg.TrustedProxies,
	}, web.Deps{Store: store, Authz: az, Signin: a.Signin, Sealer: sealer, Metrics: a.Metrics, Log: log,
		Resolver: net.DefaultResolver})
	return a, nil
}

// Close stops the enforcer's watcher and closes the database.
func (a *App) Close() error {
	a.Authz.Close()
	return a.DB.Close()
}

// CreateAdmin creates a platform admin with a password, or makes an existing
// account one and sets its password. mustChange forces a new password at
// the first login.
func (a *App) CreateAdmin(ctx context.Context, email, pw string, mustChange bool) (models.User, error) {
	if msg := password.Validate(pw); msg != "" && !mustChange {
		return models.User{}, errors.New("password: " + msg)
	}
	hash, err := password.Hash(ctx, pw)
	if err != nil {
		return models.User{}, err
	}
	user, err := a.Store.UserByEmail(ctx, email)
	switch {
	case errors.Is(err, models.ErrNotFound):
		user, err = a.Store.CreateUser(ctx, models.User{Email: email, EmailVerified: true, PasswordHash: &hash, MustChangePassword: mustChange})
		if err != nil {
			return user, err
		}
	case err != nil:
		return user, err
	default:
		if err := a.Store.SetPassword(ctx, user.ID, hash, mustChange); err != nil {
			return user, err
		}
	}
	if err := a.Store.SetPlatformAdmin(ctx, user.ID, true); err != nil {
		return user, err
	}
	return user, a.Store.Audit(ctx, models.AuditEvent{Action: "admin.create", Target: user.Email, ActorEmail: "system"})
}

// firstAdminEmail is the account made on a first start without
// ORGSSO_ADMIN_EMAIL.
const firstAdminEmail = "admin@orgsso.localhost"

// Bootstrap makes sure someone can log in: the env-provided admin is
// created (its password is not reset on later starts), or, when the
// platform has no admin at all, one is created with a one-time password
// that is printed once to out.
func (a *App) Bootstrap(ctx context.Context, out io.Writer) error {
	admins, err := a.Store.PlatformAdmins(ctx)
	if err != nil {
		return err
	}
	if a.Config.AdminEmail != "" {
		if u, err := a.Store.UserByEmail(ctx, a.Config.AdminEmail); err == nil && u.PlatformAdmin {
			return nil
		}
		if _, err := a.CreateAdmin(ctx, a.Config.AdminEmail, a.Config.AdminPassword, false); err != nil {
			return err
		}
		fmt.Fprintf(out, "\norgsso: platform admin %s created from ORGSSO_ADMIN_EMAIL.\nLog in at %s/login\n\n", a.Config.AdminEmail, a.Config.BaseURL)
		return nil
	}
	if len(admins) > 0 {
		return nil
	}
	otp := password.OneTime()
	if _, err := a.CreateAdmin(ctx, firstAdminEmail, otp, true); err != nil {
		return err
	}
	fmt.Fprintf(out, `
  orgsso is ready. Log in as the first platform admin:

    URL:       %s/login
    Email:     %s
    Password:  %s   (one-time: you choose your own at first login)

  This password is printed only now. Lost it? Set a new one with:
    orgsso admin create --email %[2]s --password '...'     (from a checkout: go run . admin create ...)

`, a.Config.BaseURL, firstAdminEmail, otp)
	return nil
}

// Serve runs the HTTP server, and the metrics server when
// Config.MetricsAddr is set, until ctx ends, then lets in-flight requests
// finish (up to 15 s) before returning. Both addresses are bound before
// either serves: a metrics address in use stops the start.
func (a *App) Serve(ctx context.Context) error {
	base := func(net.Listener) context.Context { return context.WithoutCancel(ctx) }
	servers := []*http.Server{{
		Addr:              a.Config.Addr,
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       base,
	}}
	if a.Config.MetricsAddr != "" {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", web.MetricsHandler(a.Metrics, a.Config.MetricsToken))
		servers = append(servers, &http.Server{
			Addr:              a.Config.MetricsAddr,
			Handler:           mux,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       10 * time.Second,
			WriteTimeout:      30 * time.Second,
			IdleTimeout:       2 * time.Minute,
			BaseContext:       base,
		})
	}
	names := []string{"ORGSSO_ADDR", "ORGSSO_METRICS_ADDR"}
	listeners := make([]net.Listener, 0, len(servers))
	for i, srv := range servers {
		addr := srv.Addr
		if addr == "" {
			addr = ":http"
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			for _, l := range listeners {
				_ = l.Close()
			}
			return fmt.Errorf("%s: %w", names[i], err)
		}
		listeners = append(listeners, ln)
	}
	go a.purgeLoop(ctx)
	if a.Config.MetadataRefresh > 0 {
		go a.refreshLoop(ctx, a.Config.MetadataRefresh)
	}
	errc := make(chan error, len(servers))
	for i, srv := range servers {
		go func() { errc <- srv.Serve(listeners[i]) }()
	}
	a.Log.Info("orgsso listening", "addr", a.Config.Addr, "base_url", a.Config.BaseURL, "database", a.DB.Dialect)
	if a.Config.MetricsAddr != "" {
		a.Log.Info("metrics listening", "addr", a.Config.MetricsAddr, "path", "/metrics")
	}
	running := len(servers)
	var stopped error // a server that stopped on its own
	select {
	case stopped = <-errc:
		running--
	case <-ctx.Done():
		a.Log.Info("shutting down: finishing in-flight requests")
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	errs := []error{stopped}
	var wg sync.WaitGroup
	shut := make([]error, len(servers))
	for i, srv := range servers {
		wg.Go(func() { shut[i] = srv.Shutdown(shutdownCtx) })
	}
	wg.Wait()
	errs = append(errs, shut...)
	for ; running > 0; running-- {
		if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (a *App) purgeLoop(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		if err := a.Store.PurgeExpired(ctx, time.Hour); err != nil && ctx.Err() == nil {
			a.Log.Warn("purge expired rows", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// refreshLoop refreshes what every connection keeps of its IdP
// (RefreshConnections) every interval, starting a minute after start-up.
func (a *App) refreshLoop(ctx context.Context, interval time.Duration) {
	t := time.NewTimer(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		a.RefreshConnections(ctx)
		t.Reset(interval)
	}
}

// RefreshConnections reads again, for every connection whose protocol can,
// what it keeps of its IdP (SAML metadata from its URL), so that an IdP's
// key rotation is followed; a change is audited in the connection's org,
// and a failure is audited there too, for its admins to see.
func (a *App) RefreshConnections(ctx context.Context) {
	for _, p := range a.Signin.Protocols().All() {
		if p.Refresh == nil {
			continue
		}
		var after int64
		for {
			conns, err := a.Store.ConnectionsOfProtocol(ctx, p.Name, after, 100)
			if err != nil {
				a.Log.Warn("refresh: list connections", "err", err)
				return
			}
			if len(conns) == 0 {
				break
			}
			for _, conn := range conns {
				after = conn.ID
				a.refreshOne(ctx, conn)
			}
		}
	}
}

func (a *App) refreshOne(ctx context.Context, conn models.Connection) {
	org, err := a.Store.Organization(ctx, conn.OrgID)
	if err != nil {
		return
	}
	_, change, refreshed, err := a.Signin.Refresh(ctx, org, conn)
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		a.Log.Warn("refresh connection", "connection", conn.PublicID, "err", err)
	}
	action, details := signin.RefreshAudit(conn, change, refreshed, err)
	if action == "" {
		return
	}
	event := models.AuditEvent{OrgID: &org.ID, ActorEmail: "orgsso", Action: action, Target: conn.DisplayName, Details: details}
	if err := a.Store.Audit(ctx, event); err != nil {
		a.Log.Warn("audit refresh", "err", err)
	}
}

// AddMember is the operator's trusted way to add someone to an org (the
// command line): an existing account becomes an active member with role
// (or gets the role, if a member already); an email without an account
// gets an invite, whose link it returns.
func (a *App) AddMember(ctx context.Context, org models.Organization, email, role string) (inviteLink string, err error) {
	user, err := a.Store.UserByEmail(ctx, email)
	if errors.Is(err, models.ErrNotFound) {
		return a.InviteMember(ctx, org, email, role)
	}
	if err != nil {
		return "", err
	}
	roles := []string{role}
	if m, err := a.Store.Membership(ctx, org.ID, user.ID); err == nil {
		roles = append(roles, m.RoleList()...)
	}
	if err := a.Store.PutMember(ctx, org.ID, user.ID, roles); err != nil {
		return "", err
	}
	return "", a.Store.Audit(ctx, models.AuditEvent{OrgID: &org.ID, ActorEmail: "operator", Action: "member.add", Target: user.Email, Details: "role=" + role})
}
