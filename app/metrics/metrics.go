// Package metrics owns orgsso's Prometheus metrics: one registry per app
// (no global default registry), the collectors the other packages record
// into, and the /metrics handler.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the collectors of one orgsso instance.
type Metrics struct {
	registry *prometheus.Registry
	// Logins counts finished logins by connection (public id, or "password"),
	// protocol (oidc, saml, password) and result ("success" or a failure code).
	Logins *prometheus.CounterVec
	// TestRuns counts connection tests by protocol and result.
	TestRuns *prometheus.CounterVec
	// RateLimited counts requests refused by a rate limit, by endpoint.
	RateLimited *prometheus.CounterVec
	// IdPRequests observes the latency of requests to identity providers,
	// by host and outcome (HTTP status class or "error").
	IdPRequests *prometheus.HistogramVec
}

// New registers the collectors on a new registry, with the Go runtime and
// process collectors.
func New() *Metrics {
	r := prometheus.NewRegistry()
	m := &Metrics{
		registry: r,
		Logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orgsso_logins_total", Help: "Finished logins by connection, protocol and result.",
		}, []string{"connection", "protocol", "result"}),
		TestRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orgsso_connection_tests_total", Help: "Connection test runs by protocol and result.",
		}, []string{"protocol", "result"}),
		RateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orgsso_rate_limit_refusals_total", Help: "Requests refused by a rate limit, by endpoint.",
		}, []string{"endpoint"}),
		IdPRequests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "orgsso_idp_request_duration_seconds", Help: "Latency of requests to identity providers.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"host", "outcome"}),
	}
	r.MustRegister(m.Logins, m.TestRuns, m.RateLimited, m.IdPRequests,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// InstrumentIdP wraps a transport so every request to an IdP is observed.
func (m *Metrics) InstrumentIdP(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		start := time.Now()
		resp, err := next.RoundTrip(r)
		outcome := "error"
		if err == nil {
			outcome = strconv.Itoa(resp.StatusCode/100) + "xx"
		}
		m.IdPRequests.WithLabelValues(r.URL.Host, outcome).Observe(time.Since(start).Seconds())
		return resp, err
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
