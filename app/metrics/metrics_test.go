package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandlerExposesRecordedMetrics(t *testing.T) {
	m := New()
	m.Logins.WithLabelValues("c_abc", "oidc", "success").Inc()
	m.RateLimited.WithLabelValues("login").Inc()
	m.TestRuns.WithLabelValues("oidc", "passed").Inc()
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) }))
	defer idp.Close()
	client := &http.Client{Transport: m.InstrumentIdP(nil)}
	resp, err := client.Get(idp.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`orgsso_logins_total{connection="c_abc",protocol="oidc",result="success"} 1`,
		`orgsso_rate_limit_refusals_total{endpoint="login"} 1`,
		`orgsso_connection_tests_total{protocol="oidc",result="passed"} 1`,
		`orgsso_idp_request_duration_seconds_count{host="` + strings.TrimPrefix(idp.URL, "http://") + `",outcome="2xx"} 1`,
		"go_goroutines",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}
