package web

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// errUnreadable refuses a request whose address, query or form carries a
// NUL byte or bytes that are not UTF-8: no text column can hold them
// (PostgreSQL refuses them outright, SQLSTATE 22021), and no page of ours
// produces them.
var errUnreadable = echo.NewHTTPError(http.StatusBadRequest, "unreadable")

// readableInput refuses, before any handler reads them, a path, query or
// url-encoded form that is not readable text (see errUnreadable). Headers
// are not checked here: what is kept of them is cleaned where it is kept
// (cleanText), and net/http already refuses NUL in headers and cookies.
func (h *Handlers) readableInput(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if !readable(r.URL.Path) {
			return errUnreadable
		}
		if r.URL.RawQuery != "" {
			q, _ := url.ParseQuery(r.URL.RawQuery) // a malformed pair is left to the handler, as before
			if !readableValues(q) {
				return errUnreadable
			}
		}
		if r.Body != nil && r.Body != http.NoBody && isURLEncoded(r) {
			_ = r.ParseForm() // a malformed body is left to the handler, as before
			if !readableValues(r.PostForm) {
				return errUnreadable
			}
		}
		return next(c)
	}
}

func isURLEncoded(r *http.Request) bool {
	ct := r.Header.Get(echo.HeaderContentType)
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), echo.MIMEApplicationForm)
}

func readable(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

func readableValues(v url.Values) bool {
	for k, vs := range v {
		if !readable(k) {
			return false
		}
		for _, s := range vs {
			if !readable(s) {
				return false
			}
		}
	}
	return true
}

// cleanText makes text from a header fit to store: bytes that are not UTF-8
// and NULs are dropped, and it is cut to at most n bytes on a character
// boundary.
func cleanText(s string, n int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, ""), "\x00", "")
	return truncate(s, n)
}
