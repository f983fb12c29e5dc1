package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/orgsso/orgsso/app/web"
)

// /metrics names every tenant's IdP hosts and connection ids: the public
// handler does not serve it at all unless a bearer token is configured.
func TestMetricsNotOnThePublicAddressByDefault(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.client()
	c.login("nobody@example.com", "wrong-password") // something to count
	for _, h := range []http.Header{nil, {"Authorization": {"Bearer "}}, {"Authorization": {"Bearer anything"}}} {
		p := c.do(http.MethodGet, "/metrics", nil, h)
		if p.status != http.StatusNotFound || strings.Contains(p.body, "orgsso_") {
			t.Fatalf("GET /metrics with %v = %d %.200q; want 404 and no metrics", h, p.status, p.body)
		}
	}
}

func TestMetricsOnThePublicAddressWantTheBearerToken(t *testing.T) {
	t.Parallel()
	const token = "metrics-token-0123456789abcdef"
	e := newEnv(t, func(o *web.Options) { o.MetricsToken = token })
	c := e.client()
	c.login("nobody@example.com", "wrong-password")
	for name, h := range map[string]http.Header{
		"no header":        nil,
		"empty bearer":     {"Authorization": {"Bearer "}},
		"wrong token":      {"Authorization": {"Bearer " + token + "x"}},
		"token, no Bearer": {"Authorization": {token}},
		"basic":            {"Authorization": {"Basic " + token}},
	} {
		p := c.do(http.MethodGet, "/metrics", nil, h)
		if p.status != http.StatusUnauthorized || strings.Contains(p.body, "orgsso_") || p.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: GET /metrics = %d %.200q; want 401 with WWW-Authenticate and no metrics", name, p.status, p.body)
		}
	}
	p := c.do(http.MethodGet, "/metrics", nil, http.Header{"Authorization": {"Bearer " + token}})
	if p.status != http.StatusOK || !strings.Contains(p.body, `orgsso_logins_total{connection="password"`) {
		t.Fatalf("GET /metrics with the token = %d %.300q; want 200 with the login counter", p.status, p.body)
	}
}
