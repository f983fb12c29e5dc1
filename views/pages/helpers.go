// Package pages holds one templ component per page, each with its props struct.
package pages

import (
	"net/url"
	"strconv"
	"strings"
)

func itoa(n int) string { return strconv.Itoa(n) }

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func joinRoles(roles []string) string {
	if len(roles) == 0 {
		return "no role"
	}
	return strings.Join(roles, ", ")
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
