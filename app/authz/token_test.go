package authz_test

import (
	"testing"

	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/models"
)

// TestCanToken: a write token may do what the org's admin role may, in its
// own org only; a read token only reads; no token reaches the platform or
// another org, and an unknown scope nothing.
func TestCanToken(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	A, B, P := authz.Domain(w.orgA), authz.Domain(w.orgB), authz.Platform
	tests := []struct {
		scope, dom, obj, act string
		want                 bool
	}{
		{models.ScopeWrite, A, "connections", "write", true},
		{models.ScopeWrite, A, "members", "write", true},
		{models.ScopeWrite, A, "sso", "write", true},
		{models.ScopeWrite, A, "audit", "read", true},
		{models.ScopeRead, A, "connections", "read", true},
		{models.ScopeRead, A, "audit", "read", true},
		{models.ScopeRead, A, "connections", "write", false},
		{models.ScopeRead, A, "members", "write", false},
		{models.ScopeRead, A, "sso", "write", false},
		{models.ScopeWrite, B, "connections", "read", false},
		{models.ScopeWrite, P, "orgs", "read", false},
		{models.ScopeWrite, P, "settings", "write", false},
		{"admin", A, "connections", "read", false},
		{models.ScopeWrite, A, "orgs", "write", false},
	}
	for _, tc := range tests {
		got, err := w.az.CanToken(w.orgA, tc.scope, tc.dom, tc.obj, tc.act)
		if err != nil || got != tc.want {
			t.Errorf("CanToken(org A, %s, %s, %s, %s) = %v, %v; want %v", tc.scope, tc.dom, tc.obj, tc.act, got, err, tc.want)
		}
	}
}
