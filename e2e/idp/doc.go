// Package idp owns the in-process identity providers that tests log in
// through. NewOIDC starts a real OpenID provider (zitadel/oidc's op package
// over an in-memory storage) on an httptest server, with registered clients
// and users, a login step that completes as the currently selected user, and
// hooks for negative tests: tampered ID tokens and userinfo answers, IdP
// errors, opaque access tokens, claims only in userinfo, key rotation.
//
// It is test support: import it only from _test.go files and from the
// load harness (e2e/load), which runs it as a process of its own.
package idp
