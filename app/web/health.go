package web

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// healthz answers while the process serves requests.
func (h *Handlers) healthz(c echo.Context) error {
	return c.String(http.StatusOK, "ok")
}

// showMetrics serves Prometheus metrics, behind a bearer token when one is
// configured.
func (h *Handlers) showMetrics(c echo.Context) error {
	if t := h.opts.MetricsToken; t != "" {
		got := strings.TrimPrefix(c.Request().Header.Get("Authorization"), "Bearer ")
		if subtle.ConstantTimeCompare([]byte(got), []byte(t)) != 1 {
			return c.String(http.StatusUnauthorized, "metrics need the bearer token from ORGSSO_METRICS_TOKEN")
		}
	}
	h.metrics.Handler().ServeHTTP(c.Response(), c.Request())
	return nil
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
