package web

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/app/authz"
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
}

// Handlers holds what every handler uses; all handlers are its methods.
type Handlers struct {
	opts  Options
	store *models.Store
	authz *authz.Enforcer
	log   *slog.Logger
	now   func() time.Time
}

// New builds the echo server with every route.
func New(opts Options, store *models.Store, az *authz.Enforcer, log *slog.Logger) http.Handler {
	if opts.LoginLimit == 0 {
		opts.LoginLimit = 10
	}
	if opts.LoginWindow == 0 {
		opts.LoginWindow = 15 * time.Minute
	}
	h := &Handlers{opts: opts, store: store, authz: az, log: log, now: func() time.Time { return time.Now().UTC() }}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.IPExtractor = echo.ExtractIPDirect()
	e.HTTPErrorHandler = h.handleError
	h.routes(e)
	return e
}
