package web

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/app/metrics"
)

// healthz answers while the process serves requests.
func (h *Handlers) healthz(c echo.Context) error {
	return c.String(http.StatusOK, "ok")
}

// showMetrics serves Prometheus metrics on the public address only when a
// bearer token is configured, and asks for it; without one the route is not
// found (metrics have their own listen address, ORGSSO_METRICS_ADDR).
func (h *Handlers) showMetrics(c echo.Context) error {
	if h.opts.MetricsToken == "" {
		return echo.ErrNotFound
	}
	MetricsHandler(h.metrics, h.opts.MetricsToken).ServeHTTP(c.Response(), c.Request())
	return nil
}

// MetricsHandler serves m's Prometheus metrics, to requests with
// "Authorization: Bearer <token>" when token is not empty. They name every
// tenant's IdP hosts and connection ids: never serve them open on a public
// address.
func MetricsHandler(m *metrics.Metrics, token string) http.Handler {
	next := m.Handler()
	if token == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="orgsso metrics"`)
			http.Error(w, "metrics need the bearer token from ORGSSO_METRICS_TOKEN", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// readyz answers 200 only when the database answers and every migration is
// applied.
func (h *Handlers) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	db := h.store.DB()
	if err := db.Ping(ctx); err != nil {
		h.log.Warn("readyz: database", "err", err)
		return c.String(http.StatusServiceUnavailable, "database unreachable")
	}
	pending, err := db.HasPending(ctx)
	if err != nil || pending {
		return c.String(http.StatusServiceUnavailable, "migrations pending")
	}
	return c.String(http.StatusOK, "ready")
}
