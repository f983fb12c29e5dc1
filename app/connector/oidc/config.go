package oidc

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/orgsso/orgsso/app/connector"
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

// Response modes: how the IdP returns the browser with the code.
const (
	ResponseQuery    = "query"     // a redirect with the code in the query (default)
	ResponseFormPost = "form_post" // an auto-submitted POST, so the code stays out of URLs and logs
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
	// ResponseMode is ResponseQuery (default) or ResponseFormPost (OAuth 2.0
	// Form Post Response Mode).
	ResponseMode string `json:"responseMode,omitempty"`
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
	if c.ResponseMode == "" {
		c.ResponseMode = ResponseQuery
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

// Length limits of the settings, in characters. They are generous for
// any real provider and keep a stored connection (and every page and
// login that reads it) small.
const (
	MaxURL       = 2000 // issuer and each endpoint
	MaxClientID  = 500
	MaxScopes    = 1000 // all scopes, as typed in the form
	MaxScope     = 200  // one scope
	MaxClaim     = 256  // each claim name, and the groups claim
	MaxParams    = 500  // all forwarded login parameter names
	MaxParamName = 64   // one forwarded login parameter name
)

// Validate returns a message per invalid field, keyed by the field's form
// name (its JSON path); an empty map means valid. It does not contact the
// IdP (Open does).
func (c Config) Validate() map[string]string {
	errs := map[string]string{}
	c = c.WithDefaults()
	long := func(s string, limit int) bool { return utf8.RuneCountInString(s) > limit }
	checkURL := func(field, v string, required bool) {
		if v == "" {
			if required {
				errs[field] = "Enter a URL."
			}
			return
		}
		if long(v, MaxURL) {
			errs[field] = connector.TooLong(MaxURL)
			return
		}
		if msg := connector.URLProblem(v); msg != "" {
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
	} else if long(c.ClientID, MaxClientID) {
		errs["clientID"] = connector.TooLong(MaxClientID)
	}
	if c.ClientAuthMethod != AuthBasic && c.ClientAuthMethod != AuthPost {
		errs["clientAuthMethod"] = "Choose client_secret_basic or client_secret_post."
	}
	if c.PKCE != PKCES256 && c.PKCE != PKCEPlain && c.PKCE != PKCENone {
		errs["pkce"] = "Choose S256, plain or none."
	}
	if c.ResponseMode != ResponseQuery && c.ResponseMode != ResponseFormPost {
		errs["responseMode"] = "Choose query or form_post."
	}
	if c.ClaimsSource != connector.ClaimsFromIDToken && c.ClaimsSource != connector.ClaimsFromUserinfo {
		errs["claimsSource"] = "Choose idtoken or userinfo."
	}
	for _, s := range c.Scopes {
		if long(s, MaxScope) {
			errs["scopes"] = fmt.Sprintf("Use at most %d characters per scope.", MaxScope)
		} else if strings.ContainsAny(s, " \t\r\n\"\\") {
			errs["scopes"] = fmt.Sprintf("The scope %q contains a space or quote; enter one scope per entry.", s)
		}
	}
	if long(strings.Join(c.Scopes, " "), MaxScopes) {
		errs["scopes"] = fmt.Sprintf("Use at most %d characters for all scopes together.", MaxScopes)
	}
	claims := []struct{ field, name string }{
		{"claimMapping.userID", c.ClaimMapping.UserID}, {"claimMapping.email", c.ClaimMapping.Email},
		{"claimMapping.name", c.ClaimMapping.Name}, {"claimMapping.givenName", c.ClaimMapping.GivenName},
		{"claimMapping.familyName", c.ClaimMapping.FamilyName}, {"claimMapping.picture", c.ClaimMapping.Picture},
		{"groupsClaim", c.GroupsClaim},
	}
	for _, cl := range claims {
		if long(cl.name, MaxClaim) {
			errs[cl.field] = connector.TooLong(MaxClaim)
		}
	}
	for _, p := range c.ForwardedLoginParams {
		if long(p, MaxParamName) {
			errs["forwardedLoginParams"] = fmt.Sprintf("Use at most %d characters per parameter name.", MaxParamName)
		} else if isProtocolParam(p) {
			errs["forwardedLoginParams"] = fmt.Sprintf(
				"%q is a protocol parameter that orgsso sets itself, so it cannot be forwarded. "+
					"Forward only login parameters such as login_hint, domain_hint, prompt or acr_values.", p)
		} else if strings.ContainsAny(p, " &=?#") {
			errs["forwardedLoginParams"] = fmt.Sprintf("%q is not a valid parameter name.", p)
		}
	}
	if long(strings.Join(c.ForwardedLoginParams, " "), MaxParams) {
		errs["forwardedLoginParams"] = fmt.Sprintf("Use at most %d characters for all parameter names together.", MaxParams)
	}
	return errs
}
