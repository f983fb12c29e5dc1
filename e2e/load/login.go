package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// newTransport is the connection pool every simulated browser of a run
// shares (keep-alive, as browsers keep connections open), sized for users.
func newTransport(users int) *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		MaxIdleConns:        4 * users,
		MaxIdleConnsPerHost: 2 * users,
		IdleConnTimeout:     90 * time.Second,
	}
}

// login is one person logging in with a fresh browser (empty cookie jar):
// the start URL, the IdP's redirects, the callback and the landing page,
// each body read in full. It returns how long it took and, for a failure,
// what kind of failure ("" for a success).
func login(ctx context.Context, tr http.RoundTripper, t target) (time.Duration, string) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Transport: tr, Jar: jar, Timeout: 60 * time.Second}
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.start, nil)
	if err != nil {
		return 0, err.Error()
	}
	resp, err := c.Do(req)
	if err != nil {
		return time.Since(start), transportKind(err)
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	switch {
	case err != nil:
		return d, transportKind(err)
	case resp.StatusCode != http.StatusOK:
		return d, fmt.Sprintf("HTTP %d at %s", resp.StatusCode, t.where(resp.Request.URL))
	case resp.Request.URL.Path != t.landing:
		return d, "landed on " + t.where(resp.Request.URL)
	}
	return d, ""
}

// where names a URL in an error kind: its path, with the connection id
// replaced so that kinds stay few, prefixed by "IdP" off the RP's host.
func (t target) where(u *url.URL) string {
	p := u.Path
	if t.conn != "" {
		p = strings.ReplaceAll(p, t.conn, "{conn}")
	}
	if s, err := url.Parse(t.start); err == nil && s.Host != u.Host {
		return "IdP " + p
	}
	return p
}

// transportKind is a short, stable name for a client-side failure.
func transportKind(err error) string {
	switch msg := err.Error(); {
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) || strings.Contains(msg, "Timeout"):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case strings.Contains(msg, "connection refused"):
		return "connection refused"
	case strings.Contains(msg, "connection reset"):
		return "connection reset"
	case strings.Contains(msg, "stopped after"):
		return "too many redirects"
	case strings.Contains(msg, "EOF"):
		return "EOF"
	default:
		var ue *url.Error
		if errors.As(err, &ue) {
			return ue.Err.Error()
		}
		return msg
	}
}

// batch is the outcome of many logins.
type batch struct {
	latencies []time.Duration // of the successes
	errors    map[string]int  // failures by kind
	elapsed   time.Duration   // wall time of the whole batch
}

func (b *batch) add(o batch) {
	b.latencies = append(b.latencies, o.latencies...)
	if b.errors == nil {
		b.errors = map[string]int{}
	}
	for k, n := range o.errors {
		b.errors[k] += n
	}
	b.elapsed += o.elapsed
}

func (b batch) failures() int {
	n := 0
	for _, v := range b.errors {
		n += v
	}
	return n
}

// drive runs users concurrent simulated people against t, each logging in
// again as soon as the last login ended, until the deadline (when
// dur > 0) or until count logins have started in all (when count > 0).
// Logins in flight at the deadline are finished and counted.
func drive(ctx context.Context, tr http.RoundTripper, t target, users int, dur time.Duration, count int) batch {
	var (
		mu      sync.Mutex
		all     = batch{errors: map[string]int{}}
		started atomic.Int64
		wg      sync.WaitGroup
	)
	begin := time.Now()
	deadline := begin.Add(dur)
	more := func() bool {
		if ctx.Err() != nil {
			return false
		}
		if count > 0 {
			return started.Add(1) <= int64(count)
		}
		return time.Now().Before(deadline)
	}
	for range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine batch
			mine.errors = map[string]int{}
			for more() {
				d, kind := login(ctx, tr, t)
				if kind == "" {
					mine.latencies = append(mine.latencies, d)
				} else {
					mine.errors[kind]++
				}
			}
			mu.Lock()
			all.add(mine)
			mu.Unlock()
		}()
	}
	wg.Wait()
	all.elapsed = time.Since(begin)
	return all
}
