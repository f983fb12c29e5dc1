// Package samlidp owns the in-process SAML identity provider that tests log
// in through, the SAML counterpart of e2e/idp. New starts it on an httptest
// server with users (email, names, groups) and service providers registered
// by their metadata. It verifies AuthnRequests (signatures too, when told
// to require them), answers with an auto-posting form as the user selected
// by NextUser, and starts IdP-initiated logins. Knobs choose what it signs
// (assertion, response, both, neither), SHA-1 or SHA-256, encryption, and
// key rotation; Response returns a real signed SAMLResponse for any
// request ID, ACS and audience, and SignWith re-signs a changed one, so
// tests can tamper with genuine answers.
//
// It is test support: import it only from _test.go files.
package samlidp
