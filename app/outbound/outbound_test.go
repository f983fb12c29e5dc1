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
		{name: "loopback IP refused without AllowPrivate", client: deny, url: ok.URL, wantReason: "this address is not allowed", wantIs: ErrAddressNotAllowed},
		{name: "localhost name refused without AllowPrivate (checked after DNS)", client: deny,
			url: strings.Replace(ok.URL, "127.0.0.1", "localhost", 1), wantReason: "this address is not allowed", wantIs: ErrAddressNotAllowed},
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

// The dialer's Control function, called as the dialer calls it: with the
// resolved address. No network needed.
func TestCheckAddress(t *testing.T) {
	refused := []string{
		// The gaps of issue 14: documentation, NAT64 (to 169.254.169.254),
		// 6to4 (to 127.0.0.1), IPv4-mapped and IPv4-compatible, site-local,
		// Teredo, discard-only.
		"192.0.2.1", "198.51.100.1", "203.0.113.1", "2001:db8::1", "64:ff9b::a9fe:a9fe", "2002:7f00:1::1",
		"::ffff:127.0.0.1", "::127.0.0.1", "fec0::1", "2001::1", "100::1",
		// And what was refused before.
		"169.254.169.254", "10.0.0.1", "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "0.0.0.0",
		"100.64.0.1", "224.0.0.1", "255.255.255.255", "198.18.0.1", "::1", "::", "fe80::1", "fc00::1",
		"ff02::1", "::ffff:10.0.0.1",
	}
	allowed := []string{"8.8.8.8", "93.184.216.34", "2606:4700::1111", "2a00:1450:4001:80b::200e"}
	network := func(a netip.Addr) string {
		if a.Is4() {
			return "tcp4"
		}
		return "tcp6"
	}
	for _, s := range refused {
		t.Run(s, func(t *testing.T) {
			a := netip.MustParseAddr(s)
			for _, port := range []uint16{443, 8443} {
				addr := netip.AddrPortFrom(a, port).String()
				err := checkAddress(network(a), addr, nil)
				if !errors.Is(err, ErrAddressNotAllowed) {
					t.Fatalf("checkAddress(%s) = %v, want it refused", addr, err)
				}
				if msg := err.Error(); msg != "this address is not allowed" || strings.Contains(msg, s) {
					t.Fatalf("message %q; want only \"this address is not allowed\"", msg)
				}
			}
		})
	}
	for _, s := range allowed {
		t.Run(s, func(t *testing.T) {
			a := netip.MustParseAddr(s)
			for _, port := range []uint16{443, 8443} {
				if err := checkAddress(network(a), netip.AddrPortFrom(a, port).String(), nil); err != nil {
					t.Fatalf("checkAddress(%s:%d) = %v, want it allowed", s, port, err)
				}
			}
		})
	}
}

// A refusal names neither the address a host name resolved to nor, in the
// error it wraps, the dialled address.
func TestRefusalDoesNotNameTheResolvedAddress(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	u := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	_, err := get(t, New(Options{}), u)
	if err == nil {
		t.Fatal("localhost reached without AllowPrivate")
	}
	r := reasonOf(t, err)
	if r != "Could not connect to the identity provider at "+u+": this address is not allowed." {
		t.Fatalf("reason = %q", r)
	}
	var e *Error
	errors.As(err, &e)
	for _, msg := range []string{r, e.Err.Error()} {
		for _, leak := range []string{"127.0.0.1", "::1", "[::1]"} {
			if strings.Contains(msg, leak) {
				t.Fatalf("%q names the resolved address %s", msg, leak)
			}
		}
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
