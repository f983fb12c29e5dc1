// Package pages holds one templ component per page, each with its props struct.
package pages

import (
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/orgsso/orgsso/views/components"
)

func itoa(n int) string { return strconv.Itoa(n) }

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// optTime is a time that may not have happened yet ("never").
func optTime(t *time.Time) string {
	if t == nil {
		return "never"
	}
	return components.ShortTime(*t)
}

func joinRoles(roles []string) string {
	if len(roles) == 0 {
		return "no role"
	}
	return strings.Join(roles, ", ")
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
