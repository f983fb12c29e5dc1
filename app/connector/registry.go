package connector

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Protocol is one sign-in protocol (OpenID Connect, SAML): how to open a
// connection's connector from what is stored, and what the web layer must
// serve for it. app registers each protocol package's Protocol in the
// Registry that signin and web receive; neither names a protocol package.
type Protocol struct {
	// Name is the protocol as stored with a connection ("oidc").
	Name string
	// Label is its name for people ("OpenID Connect").
	Label string
	// Open opens a connector from a connection's stored configuration (the
	// protocol's own JSON) and its secret, unsealed ("" for none).
	Open func(ctx context.Context, config []byte, secret string, env Env) (Connector, error)
	// ReturnPath is where, under /o/{org}, the IdP sends the browser back
	// with its answer: an echo route path, in which ":conn" stands for the
	// connection's public id (for example "/oidc/callback", or
	// "/saml/:conn/acs" for a per-connection endpoint).
	ReturnPath string
	// ReturnMethods are the methods the IdP answers with.
	ReturnMethods []string
	// InitiatePath, if set, is where under /o/{org} the IdP may start a login
	// itself (":conn" as above), and Initiate checks such a request against
	// the connection's stored configuration (no request to the IdP: it can
	// be refused without one). It must come from the connection's IdP; the
	// result is the link to land on after the login (unchecked: the caller
	// keeps only a local one) and a login hint. A refusal is an *Error
	// whose Reason says why in words.
	InitiatePath string
	Initiate     func(config []byte, r *http.Request) (Initiation, error)
	// State reads the login state the IdP's answer carries ("" for none:
	// an IdP-initiated answer, which only a connector that is an
	// Unsolicited may accept).
	State func(r *http.Request) string
	// MetadataPath, if set, is where under /o/{org} the protocol publishes
	// a connection's own metadata (":conn" as above; a SAML SP's metadata,
	// whose URL is also its entity ID), and Metadata writes it from the
	// connection's stored configuration alone: it is served before the
	// IdP's side is filled in.
	MetadataPath string
	Metadata     func(config []byte, env Env) ([]byte, error)
	// Form is the protocol's part of the connection form.
	Form *Form
	// Hints say, per error code, what an admin should check at the IdP
	// after a failed test ("" for none: the reason says it all).
	Hints map[string]string
	// Refresh, if set, reads again what the configuration keeps of the
	// IdP (SAML metadata from its URL), so that a rotation of the IdP's keys
	// is followed without an admin: it returns the configuration with what
	// it read (nil when there is nothing to refresh) and says in words what
	// changed ("" for nothing that matters). A refresh is not a change of
	// the connection's settings: its test stays current.
	Refresh func(ctx context.Context, config []byte, env Env) (refreshed []byte, change string, err error)
	// Certificates, if set, lists the certificates a configuration relies
	// on, for warnings before they expire.
	Certificates func(config []byte) []Certificate
}

// ExpiryWarningDays is how long before a certificate a connection relies
// on expires its admins are warned.
const ExpiryWarningDays = 30

// Expiry says in words when a certificate valid until notAfter expires,
// as of now: "expired on 2027-01-31" (expired), "expires in 9 days
// (2027-01-31)" within ExpiryWarningDays, and "" (no warning) before.
func Expiry(notAfter, now time.Time) (words string, expired bool) {
	day := notAfter.UTC().Format("2006-01-02")
	switch days := int(notAfter.Sub(now).Hours() / 24); {
	case !notAfter.After(now):
		return "expired on " + day, true
	case days < ExpiryWarningDays:
		return fmt.Sprintf("expires in %d days (%s)", days, day), false
	}
	return "", false
}

// Certificate is one certificate a connection relies on.
type Certificate struct {
	// Role is whose it is: "idp" (the IdP signs with it) or "sp" (ours).
	Role     string
	Subject  string
	NotAfter time.Time
}

// Env is what a connector may use of the server.
type Env struct {
	// HTTPClient makes every request to the IdP (app/outbound).
	HTTPClient *http.Client
	Log        *slog.Logger
	// ReturnURL is where this connection's IdP answers (the protocol's
	// ReturnPath, filled in); EntityID is the connection's own metadata URL
	// ("" when its protocol has no MetadataPath), which SAML uses as the SP
	// entity ID.
	ReturnURL string
	EntityID  string
	// Now is the clock for expiry checks (nil: time.Now).
	Now func() time.Time
}

// Clock returns e.Now, or time.Now when it is not set.
func (e Env) Clock() func() time.Time {
	if e.Now == nil {
		return time.Now
	}
	return e.Now
}

// Initiation is what an IdP-initiated login asks for (an app tile, OpenID
// Connect Core §4).
type Initiation struct {
	TargetLink string
	LoginHint  string
}

// Registry holds the protocols a server speaks.
type Registry struct {
	protocols []Protocol
}

// NewRegistry returns a registry of ps, in that order.
func NewRegistry(ps ...Protocol) *Registry {
	r := &Registry{}
	for _, p := range ps {
		r.Register(p)
	}
	return r
}

// Register adds p; a second protocol of the same name is a programming error.
func (r *Registry) Register(p Protocol) {
	if _, ok := r.Get(p.Name); ok || p.Name == "" || p.Open == nil || p.ReturnPath == "" || p.State == nil ||
		(p.InitiatePath == "") != (p.Initiate == nil) || (p.MetadataPath == "") != (p.Metadata == nil) || p.Form == nil {
		panic("connector: protocol " + p.Name + " registered twice or incomplete")
	}
	r.protocols = append(r.protocols, p)
}

// Get returns the protocol of that name.
func (r *Registry) Get(name string) (Protocol, bool) {
	i := slices.IndexFunc(r.protocols, func(p Protocol) bool { return p.Name == name })
	if i < 0 {
		return Protocol{}, false
	}
	return r.protocols[i], true
}

// All returns the protocols in registration order.
func (r *Registry) All() []Protocol { return slices.Clone(r.protocols) }

// PathFor fills a protocol path's ":conn" with a connection's public id.
func PathFor(path, connPublicID string) string {
	return strings.ReplaceAll(path, ":conn", connPublicID)
}
