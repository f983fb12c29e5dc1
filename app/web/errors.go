package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/app/password"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/views/pages"
)

type safeError struct {
	status         int
	title, message string
	hint           string
}

// classify turns any error into a status and fixed words safe to show.
func classify(err error) safeError {
	var he *echo.HTTPError
	switch {
	case errors.Is(err, models.ErrNotFound):
		return safeError{http.StatusNotFound, "Not found", "There is nothing here, or it is not yours to see.", "Check the address, or ask an administrator of the organization for access."}
	case errors.Is(err, authz.ErrForbidden):
		return safeError{http.StatusForbidden, "Not allowed", "Your role does not allow this.", "Ask an administrator of the organization if you need it."}
	case errors.Is(err, password.ErrBusy):
		return safeError{http.StatusServiceUnavailable, "Busy", msgBusy, "Try again in a moment."}
	case errors.Is(err, models.ErrConflict):
		return safeError{http.StatusConflict, "Changed meanwhile", "Someone changed this since you opened it.", "Reload the page and make your change again."}
	case errors.Is(err, errUnreadable):
		return safeError{http.StatusBadRequest, "Unreadable characters", "What you sent contains a character that cannot be used (a NUL byte, or bytes that are not UTF-8 text), so nothing was changed.", "Go back, remove the character (it often comes with pasted text) and try again."}
	case errors.As(err, &he):
		switch he.Code {
		case http.StatusNotFound, http.StatusMethodNotAllowed:
			return safeError{http.StatusNotFound, "Not found", "There is nothing at this address.", ""}
		case http.StatusUnauthorized:
			return safeError{http.StatusUnauthorized, "Log in first", "You need to log in to see this.", ""}
		case http.StatusForbidden:
			if he.Message == "csrf" {
				return safeError{http.StatusForbidden, "Form expired", "This form could not be checked, so nothing was changed.", "Go back, reload the page and submit the form again."}
			}
			return safeError{http.StatusForbidden, "Not allowed", "Your role does not allow this.", ""}
		case http.StatusRequestEntityTooLarge:
			return safeError{he.Code, "Too large", "What you sent is larger than this server accepts.", ""}
		case http.StatusTooManyRequests:
			return safeError{he.Code, "Too many attempts", "There were too many attempts from here.", "Wait a few minutes and try again."}
		case http.StatusBadRequest:
			return safeError{he.Code, "Bad request", "The request could not be understood.", ""}
		}
		if he.Code < 500 {
			return safeError{he.Code, http.StatusText(he.Code), http.StatusText(he.Code) + ".", ""}
		}
	}
	return safeError{http.StatusInternalServerError, "Something went wrong", "The server could not finish this request. Nothing secret was shown, and the details are in the server log.", "Try again in a moment."}
}

// handleError is echo's one error handler: it logs server errors with their
// detail and shows the browser (or API client) only fixed words.
func (h *Handlers) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	se := classify(err)
	if se.status == http.StatusServiceUnavailable {
		c.Response().Header().Set("Retry-After", "5")
	}
	if se.status == http.StatusServiceUnavailable {
		h.log.Warn("busy", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	} else if se.status >= 500 {
		h.log.Error("request failed", "method", c.Request().Method, "path", c.Request().URL.Path, "err", err)
	}
	var rerr error
	if strings.HasPrefix(c.Request().URL.Path, "/api/") {
		ae := apiErrorOf(err, se)
		rerr = c.JSON(ae.Status, ae)
	} else {
		p := h.layoutProps(c, se.title)
		rerr = render(c, se.status, pages.Error(pages.ErrorProps{Layout: p, Status: se.status, Message: se.message, Hint: se.hint}))
	}
	if rerr != nil {
		h.log.Error("render error page", "err", rerr)
	}
}
