// Package outbound owns the one HTTP client orgsso uses for every
// server-side request to an address an admin typed: OIDC discovery, JWKS,
// token and userinfo endpoints, SAML metadata URLs.
//
// The client refuses what such a request must not do: plain http to anything
// but localhost, private, loopback, link-local, reserved and other
// special-purpose addresses (checked on the resolved IP at dial time with
// code.dny.dev/ssrf, so DNS rebinding cannot slip past; refusals never say
// which address a name resolved to), more than a few redirects, slow answers and oversized bodies.
// Its errors say in plain words what went wrong (*Error).
package outbound
