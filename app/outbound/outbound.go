package outbound

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"code.dny.dev/ssrf"
)

// Defaults for zero Options fields.
const (
	DefaultTimeout        = 10 * time.Second
	DefaultConnectTimeout = 5 * time.Second
	DefaultMaxBody        = 1 << 20 // 1 MiB
	DefaultMaxRedirects   = 5
)

// Options configures New. Zero fields take the defaults above.
type Options struct {
	// AllowPrivate turns the address check off: private, loopback,
	// link-local and reserved addresses are reachable
	// (ORGSSO_ALLOW_PRIVATE_IDP=true, and tests). Plain http still works only
	// for localhost.
	AllowPrivate bool
	// Timeout bounds one request including reading its body; each redirect
	// hop gets its own Timeout.
	Timeout time.Duration
	// ConnectTimeout bounds the TCP connect and TLS handshake.
	ConnectTimeout time.Duration
	// MaxBody is the largest response body accepted, in bytes.
	MaxBody int64
	// MaxRedirects is the most redirects followed.
	MaxRedirects int
	// TLSConfig, when set, replaces the default TLS settings (for example to
	// trust a private CA).
	TLSConfig *tls.Config
}

// Error is a refused or failed outbound request, in words an admin can act on.
type Error struct {
	// URL is the address requested (without query string).
	URL string
	// Reason is a plain sentence, e.g. "The identity provider at
	// https://idp.example.com did not answer within 10 seconds."
	Reason string
	// Err is the underlying error.
	Err error
}

// Error returns Reason.
func (e *Error) Error() string { return e.Reason }

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// ErrBodyTooLarge is wrapped by the error returned when reading a response
// body past Options.MaxBody.
var ErrBodyTooLarge = errors.New("response body too large")

// ErrAddressNotAllowed is what the address check answers, and what an
// *Error for a refused address wraps. It never names the address: a host
// name that resolves to a private address must not tell which one.
var ErrAddressNotAllowed = errors.New("this address is not allowed")

// guardian is the address check, from code.dny.dev/ssrf: every IPv4 range of
// the IANA special-purpose registry (private, loopback, link-local, shared,
// documentation, benchmarking, reserved, multicast), every IPv6 address
// outside global unicast (loopback, ::/96 IPv4-compatible, IPv4-mapped,
// NAT64, 100::/64, site- and link-local, unique local, multicast) and the
// special ranges inside it (Teredo and the rest of 2001::/23, 6to4,
// documentation). Any port: IdPs do not all listen on 443.
var guardian = ssrf.New(ssrf.WithAnyPort())

// checkAddress is the dialer's Control function when private addresses are
// not allowed: it sees the resolved address, so DNS rebinding cannot slip
// past. Its error is ErrAddressNotAllowed whatever the reason.
func checkAddress(network, address string, c syscall.RawConn) error {
	if err := guardian.Safe(network, address, c); err != nil {
		return ErrAddressNotAllowed
	}
	return nil
}

// New returns an *http.Client that applies opts' rules to every request and
// redirect. It ignores proxy environment variables: a proxy would dial on
// our behalf and hide the resolved address from the private-address check.
func New(opts Options) *http.Client {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = DefaultConnectTimeout
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.MaxRedirects <= 0 {
		opts.MaxRedirects = DefaultMaxRedirects
	}
	dialer := &net.Dialer{Timeout: opts.ConnectTimeout, KeepAlive: 30 * time.Second}
	if !opts.AllowPrivate {
		dialer.Control = checkAddress
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       opts.TLSConfig,
		TLSHandshakeTimeout:   opts.ConnectTimeout,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   10,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	rt := &transport{next: tr, opts: opts}
	return &http.Client{
		Transport: rt,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > opts.MaxRedirects {
				return &Error{URL: cleanURL(via[0].URL), Reason: fmt.Sprintf(
					"The identity provider at %s redirected more than %d times.", origin(via[0].URL), opts.MaxRedirects)}
			}
			return checkScheme(req.URL)
		},
	}
}

type transport struct {
	next http.RoundTripper
	opts Options
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := checkScheme(req.URL); err != nil {
		return nil, err
	}
	parent := req.Context()
	ctx, cancel := context.WithTimeout(parent, t.opts.Timeout)
	resp, err := t.next.RoundTrip(req.WithContext(ctx))
	if err != nil {
		cancel()
		return nil, t.explain(req.URL, parent, ctx, err)
	}
	resp.Body = &limitedBody{
		rc: resp.Body, remaining: t.opts.MaxBody, max: t.opts.MaxBody,
		cancel: cancel, t: t, u: req.URL, parent: parent, ctx: ctx,
	}
	return resp, nil
}

// explain turns a transport error into an *Error with a plain reason.
func (t *transport) explain(u *url.URL, parent, ctx context.Context, err error) error {
	var dnsErr *net.DNSError
	o := origin(u)
	switch {
	case errors.Is(err, ErrAddressNotAllowed):
		// Err is the bare sentinel: the dial error would name the address.
		return &Error{URL: cleanURL(u), Err: ErrAddressNotAllowed, Reason: fmt.Sprintf(
			"Could not connect to the identity provider at %s: this address is not allowed.", o)}
	case parent.Err() != nil:
		return err // the caller gave up; not the IdP's fault
	case ctx.Err() == context.DeadlineExceeded:
		return &Error{URL: cleanURL(u), Err: err, Reason: fmt.Sprintf(
			"The identity provider at %s did not answer within %s.", o, seconds(t.opts.Timeout))}
	case isTimeout(err):
		return &Error{URL: cleanURL(u), Err: err, Reason: fmt.Sprintf(
			"Could not connect to the identity provider at %s within %s.", o, seconds(t.opts.ConnectTimeout))}
	case errors.As(err, &dnsErr):
		return &Error{URL: cleanURL(u), Err: err, Reason: fmt.Sprintf(
			"The host name %s could not be found.", u.Hostname())}
	case errors.Is(err, syscall.ECONNREFUSED):
		return &Error{URL: cleanURL(u), Err: err, Reason: fmt.Sprintf(
			"The identity provider at %s refused the connection.", o)}
	}
	var certErr *tls.CertificateVerificationError
	if errors.As(err, &certErr) {
		return &Error{URL: cleanURL(u), Err: err, Reason: fmt.Sprintf(
			"The TLS certificate of %s is not trusted: %v", o, certErr.Err)}
	}
	return &Error{URL: cleanURL(u), Err: err, Reason: fmt.Sprintf(
		"Could not reach the identity provider at %s: %v", o, err)}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// limitedBody enforces MaxBody and releases the per-request timeout on Close.
type limitedBody struct {
	rc        io.ReadCloser
	remaining int64
	max       int64
	cancel    context.CancelFunc
	t         *transport
	u         *url.URL
	parent    context.Context
	ctx       context.Context
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.remaining <= 0 {
		// Allow a clean EOF exactly at the limit.
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n == 0 && err == io.EOF {
			return 0, io.EOF
		}
		return 0, &Error{URL: cleanURL(b.u), Err: ErrBodyTooLarge, Reason: fmt.Sprintf(
			"The identity provider at %s sent a response larger than %s.", origin(b.u), size(b.max))}
	}
	if int64(len(p)) > b.remaining {
		p = p[:b.remaining]
	}
	n, err := b.rc.Read(p)
	b.remaining -= int64(n)
	if err != nil && err != io.EOF {
		err = b.t.explain(b.u, b.parent, b.ctx, err)
	}
	return n, err
}

func (b *limitedBody) Close() error {
	err := b.rc.Close()
	b.cancel()
	return err
}

// checkScheme requires https, except http for localhost and loopback IPs.
func checkScheme(u *url.URL) error {
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if IsLocalhost(u.Hostname()) {
			return nil
		}
		return &Error{URL: cleanURL(u), Reason: fmt.Sprintf(
			"The address %s must use https; plain http is allowed only for localhost.", origin(u))}
	}
	return &Error{URL: cleanURL(u), Reason: fmt.Sprintf(
		"The address %q must start with https://.", cleanURL(u))}
}

// IsLocalhost reports whether host (without port) is localhost or a loopback
// IP literal, where plain http is acceptable.
func IsLocalhost(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	a, err := netip.ParseAddr(strings.Trim(h, "[]"))
	return err == nil && a.Unmap().IsLoopback()
}

func cleanURL(u *url.URL) string {
	c := *u
	c.RawQuery, c.Fragment, c.User = "", "", nil
	return c.String()
}

func origin(u *url.URL) string {
	return u.Scheme + "://" + u.Host
}

func seconds(d time.Duration) string {
	if d%time.Second == 0 {
		n := int(d / time.Second)
		if n == 1 {
			return "1 second"
		}
		return fmt.Sprintf("%d seconds", n)
	}
	return d.String()
}

func size(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	if n%(1<<10) == 0 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
