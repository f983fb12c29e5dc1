package connector

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/orgsso/orgsso/app/outbound"
)

// TooLong says a setting is over its limit, stating the limit.
func TooLong(limit int) string {
	return fmt.Sprintf("Use at most %d characters.", limit)
}

// URLProblem explains why v is not an acceptable IdP address, or returns
// "": a full https URL (http only for localhost), without credentials.
func URLProblem(v string) string {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "Enter a full URL starting with https://."
	}
	if u.Scheme == "http" && !outbound.IsLocalhost(u.Hostname()) {
		return "Use https; plain http is allowed only for localhost."
	}
	if u.User != nil {
		return "The URL cannot contain a user name or password."
	}
	return ""
}

// Incomplete is the error of opening a connection whose settings have
// problems (a Validate's messages by field), naming each in field order.
func Incomplete(problems map[string]string) *Error {
	keys := make([]string, 0, len(problems))
	for k := range problems {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+problems[k])
	}
	return NewError(CodeInvalidConfig, "The connection settings are incomplete: "+strings.Join(parts, " "), nil)
}
