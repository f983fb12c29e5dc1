package web

import (
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/app/metrics"
	"github.com/orgsso/orgsso/app/secrets"
	"github.com/orgsso/orgsso/app/signin"
	"github.com/orgsso/orgsso/models"
)

// Options are the settings the web layer needs from the app's Config.
type Options struct {
	BaseURL       string
	SecureCookies bool
	SessionIdle   time.Duration
	SessionMax    time.Duration
	// LoginLimit attempts per LoginWindow are allowed per email and, times
	// four, per client address.
	LoginLimit  int
	LoginWindow time.Duration
	// HashWait is how long a request waits for one of the few password
	// hashing slots before it is answered "busy" (503).
	HashWait time.Duration
	// MetricsToken, when set, serves /metrics on this handler to requests
	// bearing it; when empty, /metrics is not found here.
	MetricsToken string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For header
	// names the client; without any, the client is the connection's peer.
	TrustedProxies []netip.Prefix
}

// Deps are the services the handlers use.
type Deps struct {
	Store   *models.Store
	Authz   *authz.Enforcer
	Signin  *signin.Service
	Sealer  *secrets.Sealer
	Metrics *metrics.Metrics
	Log     *slog.Logger
	// Resolver looks up the TXT records that prove an org's domain.
	Resolver TXTResolver
}

// Handlers holds what every handler uses; all handlers are its methods.
type Handlers struct {
	opts     Options
	store    *models.Store
	authz    *authz.Enforcer
	signin   *signin.Service
	sealer   *secrets.Sealer
	metrics  *metrics.Metrics
	log      *slog.Logger
	resolver TXTResolver
	now      func() time.Time
	// idpRoutes are the protocols' endpoints for IdPs (route paths), which
	// CSRF does not apply to.
	idpRoutes map[string]bool
}

// New builds the echo server with every route.
func New(opts Options, d Deps) http.Handler {
	if opts.LoginLimit == 0 {
		opts.LoginLimit = 10
	}
	if opts.LoginWindow == 0 {
		opts.LoginWindow = 15 * time.Minute
	}
	if opts.HashWait <= 0 {
		opts.HashWait = 5 * time.Second
	}
	// Zero limits would end every session at once: a login would seem to
	// work and leave the browser logged out. Use the Config defaults.
	if opts.SessionIdle <= 0 {
		opts.SessionIdle = 12 * time.Hour
	}
	if opts.SessionMax <= 0 {
		opts.SessionMax = 7 * 24 * time.Hour
	}
	if d.Metrics == nil {
		d.Metrics = metrics.New()
	}
	if d.Resolver == nil {
		d.Resolver = net.DefaultResolver
	}
	h := &Handlers{opts: opts, store: d.Store, authz: d.Authz, signin: d.Signin, sealer: d.Sealer, metrics: d.Metrics, log: d.Log, resolver: d.Resolver,
		now: func() time.Time { return time.Now().UTC() }, idpRoutes: map[string]bool{}}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.IPExtractor = echo.ExtractIPDirect()
	if len(opts.TrustedProxies) > 0 {
		// Only the listed proxies are trusted; the default private and
		// loopback ranges are not, so a client cannot claim an address.
		trust := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
		for _, p := range opts.TrustedProxies {
			trust = append(trust, echo.TrustIPRange(prefixToIPNet(p)))
		}
		e.IPExtractor = echo.ExtractIPFromXFFHeader(trust...)
	}
	e.HTTPErrorHandler = h.handleError
	h.routes(e)
	return e
}

func prefixToIPNet(p netip.Prefix) *net.IPNet {
	p = p.Masked()
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}
