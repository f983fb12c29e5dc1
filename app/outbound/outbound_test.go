package outbound

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, c *http.Client, u string) ([]byte, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}

func reasonOf(t *testing.T, err error) string {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *outbound.Error", err, err)
	}
	return e.Reason
}

func TestRules(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello")
	}))
	defer ok.Close()
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(make([]byte, 2048))
	}))
	defer big.Close()
	exact := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(make([]byte, 1024))
	}))
	defer exact.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	var loop *httptest.Server
	loop = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, loop.URL+"/again", http.StatusFound)
	}))
	defer loop.Close()
	toHTTP := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://idp.example.com/", http.StatusFound)
	}))
	defer toHTTP.Close()
	var twice *httptest.Server
	twice = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			http.Redirect(w, r, twice.URL+"/end", http.StatusFound)
			return
		}
		io.WriteString(w, "arrived")
	}))
	defer twice.Close()

	allow := New(Options{AllowPrivate: true, MaxBody: 1024, Timeout: 300 * time.Millisecond})
	deny := New(Options{AllowPrivate: false})

	tests := []struct {
		name       string
		client     *http.Client
		url        string
		wantBody   string
		wantReason string // substring; empty means success
		wantIs     error
	}{
		{name: "localhost http allowed with AllowPrivate", client: allow, url: ok.URL, wantBody: "hello"},
		{name: "redirects followed", client: allow, url: twice.URL, wantBody: "arrived"},
		{name: "body at the limit is fine", client: allow, url: exact.URL},
		{name: "body over the limit", client: allow, url: big.URL, wantReason: "sent a response larger than 1 KiB", wantIs: ErrBodyTooLarge},
		{name: "total timeout", client: allow, url: slow.URL, wantReason: "did not answer within 300ms"},
		{name: "too many redirects", client: allow, url: loop.URL, wantReason: "redirected more than 5 times"},
		{name: "redirect to plain http on a public host refused", client: allow, url: toHTTP.URL, wantReason: "must use https"},
		{name: "plain http to a public host refused", client: allow, url: "http://idp.example.com/.well-known/openid-configuration", wantReason: "must use https"},
		{name: "other scheme refused", client: allow, url: "ftp://idp.example.com/", wantReason: "must start with https://"},
		{name: "loopback IP refused without AllowPrivate", client: deny, url: ok.URL, wantReason: "resolves to 127.0.0.1, a private or local network address"},
		{name: "localhost name refused without AllowPrivate (checked after DNS)", client: deny,
			url: strings.Replace(ok.URL, "127.0.0.1", "localhost", 1), wantReason: "a private or local network address"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body, err := get(t, tc.client, tc.url)
			if tc.wantReason == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if tc.wantBody != "" && string(body) != tc.wantBody {
					t.Fatalf("body = %q, want %q", body, tc.wantBody)
				}
				return
			}
			if err == nil {
				t.Fatalf("expected an error containing %q", tc.wantReason)
			}
			if r := reasonOf(t, err); !strings.Contains(r, tc.wantReason) {
				t.Fatalf("reason = %q, want it to contain %q", r, tc.wantReason)
			}
			if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
				t.Fatalf("error %v is not %v", err, tc.wantIs)
			}
		})
	}
}

func TestHTTPSWithCustomCA(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "secure")
	}))
	defer srv.Close()
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())

	t.Run("trusted CA", func(t *testing.T) {
		c := New(Options{AllowPrivate: true, TLSConfig: &tls.Config{RootCAs: pool}})
		body, err := get(t, c, srv.URL)
		if err != nil || string(body) != "secure" {
			t.Fatalf("got %q, %v", body, err)
		}
	})
	t.Run("untrusted certificate explained", func(t *testing.T) {
		c := New(Options{AllowPrivate: true})
		_, err := get(t, c, srv.URL)
		if r := reasonOf(t, err); !strings.Contains(r, "is not trusted") {
			t.Fatalf("reason = %q", r)
		}
	})
}

func TestConnectionRefusedExplained(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL
	srv.Close()
	_, err := get(t, New(Options{AllowPrivate: true}), u)
	if r := reasonOf(t, err); !strings.Contains(r, "refused the connection") {
		t.Fatalf("reason = %q", r)
	}
}

func TestCallerCancellationIsNotBlamedOnIdP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	_, err := New(Options{AllowPrivate: true}).Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	var e *Error
	if errors.As(err, &e) {
		t.Fatalf("caller cancellation reported as IdP failure: %q", e.Reason)
	}
}

func TestForbidden(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1", true}, {"10.1.2.3", true}, {"172.16.0.1", true}, {"192.168.1.1", true},
		{"169.254.169.254", true}, {"0.0.0.0", true}, {"100.64.0.1", true}, {"224.0.0.1", true},
		{"255.255.255.255", true}, {"::1", true}, {"::", true}, {"fe80::1", true}, {"fc00::1", true},
		{"ff02::1", true}, {"::ffff:127.0.0.1", true}, {"::ffff:10.0.0.1", true},
		{"8.8.8.8", false}, {"93.184.216.34", false}, {"2606:4700::1111", false},
	}
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			if got := Forbidden(netip.MustParseAddr(tc.addr)); got != tc.want {
				t.Fatalf("Forbidden(%s) = %v, want %v", tc.addr, got, tc.want)
			}
		})
	}
}

func TestIsLocalhost(t *testing.T) {
	tests := map[string]bool{
		"localhost": true, "LOCALHOST": true, "app.localhost": true, "127.0.0.1": true, "127.9.9.9": true,
		"::1": true, "[::1]": true, "example.com": false, "10.0.0.1": false, "localhost.example.com": false,
	}
	for host, want := range tests {
		t.Run(host, func(t *testing.T) {
			if got := IsLocalhost(host); got != want {
				t.Fatalf("IsLocalhost(%q) = %v, want %v", host, got, want)
			}
		})
	}
}
