package oidc

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/app/outbound"
)

// Client authentication methods at the token endpoint.
const (
	AuthBasic = "client_secret_basic"
	AuthPost  = "client_secret_post"
)

// PKCE methods.
const (
	PKCENone  = "none"
	PKCEPlain = "plain"
	PKCES256  = "S256"
)

// Config is an OIDC connection's configuration, stored as JSON (no secrets).
// Zero values take the defaults noted on each field (see WithDefaults).
type Config struct {
	// Issuer is the IdP's issuer URL, compared exactly with the iss claim.
	Issuer string `json:"issuer"`
	// Discovery reads the endpoints from Issuer + /.well-known/openid-configuration.
	// When false, AuthorizationURL, TokenURL and JWKSURL are required. Each
	// endpoint URL set below overrides the discovered one either way.
	Discovery        bool   `json:"discovery"`
	AuthorizationURL string `json:"authorizationURL,omitempty"`
	TokenURL         string `json:"tokenURL,omitempty"`
	UserinfoURL      string `json:"userinfoURL,omitempty"`
	JWKSURL          string `json:"jwksURL,omitempty"`
	EndSessionURL    string `json:"endSessionURL,omitempty"`
	// RevocationURL is where the login's tokens are revoked (RFC 7009) once
	// they have served; default the discovered revocation_endpoint, if any.
	RevocationURL string `json:"revocationURL,omitempty"`
	ClientID      string `json:"clientID"`
	// ClientAuthMethod is AuthBasic (default) or AuthPost.
	ClientAuthMethod string `json:"clientAuthMethod,omitempty"`
	// Scopes requested; default openid, email, profile. openid is always sent.
	Scopes []string `json:"scopes,omitempty"`
	// PKCE is PKCES256 (default), PKCEPlain or PKCENone.
	PKCE string `json:"pkce,omitempty"`
	// ClaimsSource is connector.ClaimsFromIDToken (default) or
	// connector.ClaimsFromUserinfo.
	ClaimsSource         string                 `json:"claimsSource,omitempty"`
	RequireVerifiedEmail bool                   `json:"requireVerifiedEmail,omitempty"`
	ClaimMapping         connector.ClaimMapping `json:"claimMapping"`
	// GroupsClaim names the groups claim; default "groups". May be a URL.
	GroupsClaim string `json:"groupsClaim,omitempty"`
	// ForwardedLoginParams names the login parameters (e.g. domain_hint,
	// prompt, acr_values) that Begin passes on from
	// LoginRequest.ForwardedParams, besides login_hint, which it always
	// passes on (OpenID Connect Core §4 asks it of third-party-initiated
	// logins, and orgsso's own "sign in by email" sends it); values longer
	// than 256 bytes are dropped. Protocol parameters (protocolParams) are
	// refused.
	ForwardedLoginParams []string `json:"forwardedLoginParams,omitempty"`

	// ClientSecret is filled in by the caller from the sealed store; never
	// serialized.
	ClientSecret string `json:"-"`
}

// protocolParams may not be overridden by forwarded login parameters.
var protocolParams = []string{
	"client_id", "redirect_uri", "response_type", "response_mode", "scope", "state", "nonce",
	"code_challenge", "code_challenge_method", "code_verifier", "request", "request_uri", "client_secret",
}

// isProtocolParam reports whether name is one of protocolParams, in any case.
func isProtocolParam(name string) bool {
	return slices.ContainsFunc(protocolParams, func(p string) bool { return strings.EqualFold(p, name) })
}

// WithDefaults returns c with defaults applied and whitespace trimmed.
func (c Config) WithDefaults() Config {
	c.Issuer = strings.TrimSpace(c.Issuer)
	c.ClientID = strings.TrimSpace(c.ClientID)
	if c.ClientAuthMethod == "" {
		c.ClientAuthMethod = AuthBasic
	}
	if c.PKCE == "" {
		c.PKCE = PKCES256
	}
	if c.ClaimsSource == "" {
		c.ClaimsSource = connector.ClaimsFromIDToken
	}
	var scopes []string
	for _, s := range c.Scopes {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(scopes, s) {
			scopes = append(scopes, s)
		}
	}
	if len(scopes) == 0 {
		scopes = []string{"openid", "email", "profile"}
	}
	if !slices.Contains(scopes, "openid") {
		scopes = append([]string{"openid"}, scopes...)
	}
	c.Scopes = scopes
	if strings.TrimSpace(c.GroupsClaim) == "" {
		c.GroupsClaim = connector.DefaultGroupsClaim
	}
	c.ClaimMapping = c.ClaimMapping.WithDefaults()
	var params []string
	for _, p := range c.ForwardedLoginParams {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(params, p) {
			params = append(params, p)
		}
	}
	c.ForwardedLoginParams = params
	return c
}

// Validate returns a message per invalid field, keyed by the field's JSON
// name; an empty map means valid. It does not contact the IdP (Open does).
func (c Config) Validate() map[string]string {
	errs := map[string]string{}
	c = c.WithDefaults()
	checkURL := func(field, v string, required bool) {
		if v == "" {
			if required {
				errs[field] = "Enter a URL."
			}
			return
		}
		if msg := urlProblem(v); msg != "" {
			errs[field] = msg
		}
	}
	checkURL("issuer", c.Issuer, true)
	if u, err := url.Parse(c.Issuer); err == nil && (u.RawQuery != "" || u.Fragment != "") {
		errs["issuer"] = "The issuer cannot contain a query (?) or fragment (#)."
	}
	manual := !c.Discovery
	checkURL("authorizationURL", c.AuthorizationURL, manual)
	checkURL("tokenURL", c.TokenURL, manual)
	checkURL("jwksURL", c.JWKSURL, manual)
	checkURL("userinfoURL", c.UserinfoURL, manual && c.ClaimsSource == connector.ClaimsFromUserinfo)
	checkURL("endSessionURL", c.EndSessionURL, false)
	checkURL("revocationURL", c.RevocationURL, false)
	if c.ClientID == "" {
		errs["clientID"] = "Enter the client ID from your identity provider."
	}
	if c.ClientAuthMethod != AuthBasic && c.ClientAuthMethod != AuthPost {
		errs["clientAuthMethod"] = "Choose client_secret_basic or client_secret_post."
	}
	if c.PKCE != PKCES256 && c.PKCE != PKCEPlain && c.PKCE != PKCENone {
		errs["pkce"] = "Choose S256, plain or none."
	}
	if c.ClaimsSource != connector.ClaimsFromIDToken && c.ClaimsSource != connector.ClaimsFromUserinfo {
		errs["claimsSource"] = "Choose idtoken or userinfo."
	}
	for _, s := range c.Scopes {
		if strings.ContainsAny(s, " \t\r\n\"\\") {
			errs["scopes"] = fmt.Sprintf("The scope %q contains a space or quote; enter one scope per entry.", s)
		}
	}
	for _, p := range c.ForwardedLoginParams {
		if isProtocolParam(p) {
			errs["forwardedLoginParams"] = fmt.Sprintf(
				"%q is a protocol parameter that orgsso sets itself, so it cannot be forwarded. "+
					"Forward only login parameters such as login_hint, domain_hint, prompt or acr_values.", p)
		} else if strings.ContainsAny(p, " &=?#") {
			errs["forwardedLoginParams"] = fmt.Sprintf("%q is not a valid parameter name.", p)
		}
	}
	return errs
}

// urlProblem explains why v is not an acceptable IdP URL, or returns "".
func urlProblem(v string) string {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return "Enter a full URL starting with https://."
	}
	if u.Scheme == "http" && !outbound.IsLocalhost(u.Hostname()) {
		return "Use https; plain http is allowed only for localhost."
	}
	if u.User != nil {
		return "The URL cannot contain a user name or password."
	}
	return ""
}
