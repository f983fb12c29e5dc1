// Package oidc owns orgsso's OpenID Connect connector: a connection's Config
// (with validation) and Open, which returns a connector.Connector built on
// coreos/go-oidc and x/oauth2. It handles discovery or manual endpoints,
// PKCE (S256, plain or none), nonce, client_secret_basic/post, ID token
// verification with one long-lived verifier and a rate-limited JWKS cache,
// the checks go-oidc leaves to the caller (nonce, azp, at_hash, sub, iat),
// userinfo, claim mapping, and RP-initiated logout.
//
// Every server-side request goes through the *http.Client given to Open,
// normally outbound.New's.
package oidc
