package web

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// healthz answers while the process serves requests.
func (h *Handlers) healthz(c echo.Context) error {
	return c.String(http.StatusOK, "ok")
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
