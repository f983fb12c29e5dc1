package connector

import (
	"context"
	"net/http"
	"time"
)

// Connector is one opened identity provider connection.
//
// Implementations are long-lived and safe for concurrent use: the Cache keeps
// one per (connection id, version).
type Connector interface {
	// Begin returns where to send the browser and the state to keep until the callback.
	Begin(ctx context.Context, req LoginRequest) (redirectURL string, pending []byte, err error)
	// Finish validates the IdP's answer against the pending state and returns who logged in.
	Finish(ctx context.Context, r *http.Request, pending []byte) (Identity, error)
}

// LoginRequest is what the caller (the signin service) knows when a login starts.
type LoginRequest struct {
	// State is the random, single-use value the caller generated and under
	// which it stores the pending bytes returned by Begin.
	State string
	// CallbackURL is the redirect URI registered at the IdP (the org's
	// /o/{org}/oidc/callback). It must be the same at Begin and Finish, so
	// connectors keep it in the pending bytes.
	CallbackURL string
	// ForwardedParams are login parameters the caller received (for example
	// login_hint). A connector forwards only the ones its connection allows.
	ForwardedParams map[string]string
}

// Unsolicited is implemented by connectors that can accept an answer the
// IdP sent without a login having been started here (SAML's IdP-initiated
// login). The connector refuses it unless its connection allows it.
type Unsolicited interface {
	FinishUnsolicited(ctx context.Context, r *http.Request) (Identity, error)
}

// Once is a value the IdP promises to send only once (a SAML assertion
// ID): the caller records it until Until and refuses it a second time, on
// any instance and after restarts.
type Once struct {
	Kind  string
	ID    string
	Until time.Time
}

// Logouter is implemented by connectors that support RP-initiated logout.
type Logouter interface {
	// LogoutURL returns where to send the browser to end the IdP session, and
	// false when the IdP has no logout endpoint.
	LogoutURL(ctx context.Context, idTokenHint, postLogoutRedirect string) (string, bool)
}

// Identity is who logged in, as the IdP described them after claim mapping.
type Identity struct {
	// Subject is the stable user id at the IdP (the mapped user id claim,
	// "sub" by default). Identity links are keyed by connection + Subject.
	Subject       string `json:"subject"`
	Email         string `json:"email,omitempty"`
	EmailVerified bool   `json:"emailVerified"`
	Name          string `json:"name,omitempty"`
	GivenName     string `json:"givenName,omitempty"`
	FamilyName    string `json:"familyName,omitempty"`
	Picture       string `json:"picture,omitempty"`
	// Groups are the values of the groups claim, for group mappings.
	Groups []string `json:"groups,omitempty"`
	// Claims is everything the IdP sent about the user with tokens, token
	// hashes and nonces removed; safe to store in a TestRun and to show.
	Claims map[string]any `json:"claims,omitempty"`
	// IDTokenHint is the raw ID token, kept only so the caller can store it
	// server-side with the session and pass it as id_token_hint at logout.
	// It is a credential: never render, log or persist it in a TestRun. The
	// json:"-" tag keeps it out of any JSON encoding of an Identity.
	IDTokenHint string `json:"-"`
	// Once, when set, must be spent by the caller before the identity is
	// used.
	Once *Once `json:"-"`
}
