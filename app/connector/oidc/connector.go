package oidc

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/app/outbound"
)

var (
	_ connector.Connector = (*oidcConnector)(nil)
	_ connector.Logouter  = (*oidcConnector)(nil)
)

// defaultAlgs are accepted for ID tokens when discovery lists none or is off.
var defaultAlgs = []string{
	oidc.RS256, oidc.RS384, oidc.RS512, oidc.ES256, oidc.ES384, oidc.ES512,
	oidc.PS256, oidc.PS384, oidc.PS512, oidc.EdDSA,
}

// DefaultClockSkew is how far the clocks of orgsso and an IdP may differ:
// an ID token is accepted until exp plus the skew, and refused when its nbf
// or iat lies more than the skew in the future.
const DefaultClockSkew = 2 * time.Minute

// maxForwardedValue is the longest login parameter value forwarded to the
// IdP; longer values are dropped, not cut (a cut login_hint names someone else).
const maxForwardedValue = 256

type oidcConnector struct {
	cfg        Config
	client     *http.Client
	timeout    time.Duration // of one outbound request
	logger     *slog.Logger
	provider   *oidc.Provider
	verifier   *oidc.IDTokenVerifier
	keys       *keySet
	oauth      oauth2.Config // RedirectURL set per login
	endSession string
	revocation string
	skew       time.Duration
	now        func() time.Time
}

// Open returns the connector for c. With discovery on it fetches the
// discovery document through httpClient and fails with a *connector.Error
// (CodeDiscoveryFailed or CodeIssuerMismatch). The connector keeps one
// provider, one ID token verifier and one key cache for its lifetime; keep
// it in a connector.Cache. A nil httpClient means outbound.New(Options{}),
// a nil logger discards.
func (c Config) Open(ctx context.Context, httpClient *http.Client, logger *slog.Logger) (connector.Connector, error) {
	c = c.WithDefaults()
	if errs := c.Validate(); len(errs) > 0 {
		return nil, connector.Incomplete(errs)
	}
	if httpClient == nil {
		httpClient = outbound.New(outbound.Options{})
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ctx = oidc.ClientContext(ctx, httpClient)

	oc := &oidcConnector{cfg: c, client: httpClient, timeout: outbound.DefaultTimeout, logger: logger,
		skew: DefaultClockSkew, now: time.Now}
	if httpClient.Timeout > 0 {
		oc.timeout = httpClient.Timeout
	}
	// Every endpoint entered in the form overrides the discovered one,
	// whatever the discovery setting.
	var meta struct {
		Auth       string   `json:"authorization_endpoint"`
		Token      string   `json:"token_endpoint"`
		Userinfo   string   `json:"userinfo_endpoint"`
		JWKS       string   `json:"jwks_uri"`
		EndSession string   `json:"end_session_endpoint"`
		Revocation string   `json:"revocation_endpoint"`
		Algs       []string `json:"id_token_signing_alg_values_supported"`
	}
	if c.Discovery {
		p, err := oidc.NewProvider(ctx, c.Issuer)
		if err != nil {
			return nil, discoveryError(c.Issuer, err)
		}
		if err := p.Claims(&meta); err != nil {
			return nil, connector.NewError(connector.CodeDiscoveryFailed,
				"The discovery document of "+c.Issuer+" could not be read.", err)
		}
	}
	override := func(configured, discovered string) string {
		if configured != "" {
			return configured
		}
		return discovered
	}
	jwksURL := override(c.JWKSURL, meta.JWKS)
	if jwksURL == "" {
		return nil, connector.NewError(connector.CodeDiscoveryFailed,
			"The identity provider does not publish a JWKS (jwks_uri) to verify ID tokens with.", nil)
	}
	algs := allowedAlgs(meta.Algs)
	oc.provider = (&oidc.ProviderConfig{
		IssuerURL:   c.Issuer,
		AuthURL:     override(c.AuthorizationURL, meta.Auth),
		TokenURL:    override(c.TokenURL, meta.Token),
		UserInfoURL: override(c.UserinfoURL, meta.Userinfo),
		JWKSURL:     jwksURL,
		Algorithms:  algs,
	}).NewProvider(ctx)
	oc.endSession = override(c.EndSessionURL, meta.EndSession)
	oc.revocation = override(c.RevocationURL, meta.Revocation)
	oc.keys = newKeySet(jwksURL, httpClient, oc.timeout)
	oc.verifier = oidc.NewVerifier(c.Issuer, oc.keys, &oidc.Config{
		ClientID:             c.ClientID,
		SupportedSigningAlgs: algs,
		// exp, nbf and iat are checked in checkIDToken with one clock skew.
		SkipExpiryCheck: true,
	})
	endpoint := oc.provider.Endpoint()
	endpoint.AuthStyle = oauth2.AuthStyleInHeader
	if c.ClientAuthMethod == AuthPost {
		endpoint.AuthStyle = oauth2.AuthStyleInParams
	}
	oc.oauth = oauth2.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret, Endpoint: endpoint, Scopes: c.Scopes}
	return oc, nil
}

// allowedAlgs keeps the asymmetric algorithms of the discovery list: a
// client secret is never a verification key here, and "none" never is.
func allowedAlgs(advertised []string) []string {
	var out []string
	for _, a := range advertised {
		if slices.Contains(defaultAlgs, a) {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return defaultAlgs
	}
	return out
}

func discoveryError(issuer string, err error) error {
	var mismatch *oidc.IssuerMismatchError
	if errors.As(err, &mismatch) {
		return connector.NewError(connector.CodeIssuerMismatch, fmt.Sprintf(
			"The discovery document says the issuer is '%s', but this connection's issuer is '%s'. "+
				"Enter the issuer exactly as the identity provider shows it, including any trailing slash.",
			mismatch.Discovered, mismatch.Provided), err)
	}
	wellKnown := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	var oe *outbound.Error
	if errors.As(err, &oe) {
		return connector.NewError(connector.CodeDiscoveryFailed,
			"Could not read the OpenID configuration at "+wellKnown+". "+oe.Reason, err)
	}
	// go-oidc formats (not wraps) these: "404 Not Found: <body>",
	// "unable to read response body: <outbound reason>", "failed to decode".
	msg := err.Error()
	if status, _, ok := strings.Cut(msg, ": "); ok && len(status) > 4 && status[3] == ' ' && status[0] >= '1' && status[0] <= '5' {
		return connector.NewError(connector.CodeDiscoveryFailed, fmt.Sprintf(
			"Could not read the OpenID configuration at %s: it answered HTTP %s. Check the issuer URL, or turn discovery off and enter the endpoints.",
			wellKnown, status), err)
	}
	if rest, ok := strings.CutPrefix(msg, "unable to read response body: "); ok {
		return connector.NewError(connector.CodeDiscoveryFailed,
			"Could not read the OpenID configuration at "+wellKnown+". "+rest, err)
	}
	if strings.Contains(msg, "failed to decode provider discovery object") {
		return connector.NewError(connector.CodeDiscoveryFailed,
			"The address "+wellKnown+" did not return an OpenID configuration (JSON). Check the issuer URL.", err)
	}
	return connector.NewError(connector.CodeDiscoveryFailed, fmt.Sprintf(
		"Could not read the OpenID configuration at %s. Check the issuer URL, or turn discovery off and enter the endpoints.",
		wellKnown), err)
}

// pending is the per-login state kept by the caller between Begin and Finish.
type pending struct {
	State       string `json:"s"`
	Nonce       string `json:"n"`
	Verifier    string `json:"v,omitempty"`
	CallbackURL string `json:"r"`
}

// Begin implements connector.Connector.
func (oc *oidcConnector) Begin(ctx context.Context, req connector.LoginRequest) (string, []byte, error) {
	if req.State == "" || req.CallbackURL == "" {
		return "", nil, errors.New("oidc: Begin needs a state and a callback URL")
	}
	p := pending{State: req.State, Nonce: oauth2.GenerateVerifier(), CallbackURL: req.CallbackURL}
	opts := []oauth2.AuthCodeOption{oidc.Nonce(p.Nonce)}
	if oc.cfg.ResponseMode == ResponseFormPost {
		opts = append(opts, oauth2.SetAuthURLParam("response_mode", ResponseFormPost))
	}
	switch oc.cfg.PKCE {
	case PKCES256:
		p.Verifier = oauth2.GenerateVerifier()
		opts = append(opts, oauth2.S256ChallengeOption(p.Verifier))
	case PKCEPlain:
		p.Verifier = oauth2.GenerateVerifier()
		opts = append(opts, oauth2.SetAuthURLParam("code_challenge", p.Verifier),
			oauth2.SetAuthURLParam("code_challenge_method", "plain"))
	}
	forward := oc.cfg.ForwardedLoginParams
	if !slices.Contains(forward, "login_hint") {
		forward = append([]string{"login_hint"}, forward...)
	}
	for _, name := range forward {
		v := req.ForwardedParams[name]
		switch {
		case v == "" || isProtocolParam(name):
		case len(v) > maxForwardedValue:
			oc.logger.Info("oidc: login parameter too long, not forwarded", "param", name, "length", len(v))
		default:
			opts = append(opts, oauth2.SetAuthURLParam(name, v))
		}
	}
	conf := oc.oauth
	conf.RedirectURL = req.CallbackURL
	b, err := json.Marshal(p)
	if err != nil {
		return "", nil, err
	}
	return conf.AuthCodeURL(req.State, opts...), b, nil
}

// Finish implements connector.Connector.
func (oc *oidcConnector) Finish(ctx context.Context, r *http.Request, pendingBytes []byte) (connector.Identity, error) {
	var p pending
	if len(pendingBytes) == 0 || json.Unmarshal(pendingBytes, &p) != nil || p.Nonce == "" {
		return connector.Identity{}, connector.NewError(connector.CodeStateInvalid,
			"This login has no matching start (it may have expired or been used already). Start the login again.", nil)
	}
	params := r.URL.Query()
	if r.Method == http.MethodPost { // response_mode=form_post
		if err := r.ParseForm(); err == nil {
			params = r.Form
		}
	}
	if e := params.Get("error"); e != "" {
		return connector.Identity{}, idpError(e, params.Get("error_description"), params.Get("error_uri"))
	}
	if subtle.ConstantTimeCompare([]byte(params.Get("state")), []byte(p.State)) != 1 {
		return connector.Identity{}, connector.NewError(connector.CodeStateMismatch,
			"The identity provider's answer belongs to a different login. Start the login again.", nil)
	}
	code := params.Get("code")
	if code == "" {
		return connector.Identity{}, connector.NewError(connector.CodeIdPError,
			"The identity provider redirected back without an authorization code.", nil)
	}

	ctx = oidc.ClientContext(ctx, oc.client)
	conf := oc.oauth
	conf.RedirectURL = p.CallbackURL
	var opts []oauth2.AuthCodeOption
	if p.Verifier != "" {
		opts = append(opts, oauth2.VerifierOption(p.Verifier))
	}
	tok, err := conf.Exchange(ctx, code, opts...)
	if err != nil {
		return connector.Identity{}, exchangeError(conf.Endpoint.TokenURL, err)
	}
	// The tokens served this login only (userinfo); none is kept after it.
	defer oc.revoke(ctx, tok)
	rawIDToken, _ := tok.Extra("id_token").(string)
	if rawIDToken == "" {
		return connector.Identity{}, connector.NewError(connector.CodeTokenExchangeFailed,
			"The token endpoint answered without an ID token. Make sure the 'openid' scope is allowed for this client.", nil)
	}
	idToken, err := oc.verifier.Verify(ctx, rawIDToken)
	if err != nil {
		return connector.Identity{}, oc.verifyError(rawIDToken, err)
	}
	idClaims := map[string]any{}
	if err := idToken.Claims(&idClaims); err != nil {
		return connector.Identity{}, connector.NewError(connector.CodeSignatureInvalid, "The ID token's claims are not valid JSON.", err)
	}
	if err := oc.checkIDToken(idToken, idClaims, p, tok.AccessToken); err != nil {
		return connector.Identity{}, err
	}

	claims, sources := idClaims, map[string]map[string]any{}
	for k := range idClaims {
		sources[k] = idClaims
	}
	if oc.needsUserinfo(idClaims, tok.AccessToken) {
		ui, err := oc.userinfo(ctx, tok, idToken.Subject)
		if err != nil {
			return connector.Identity{}, err
		}
		claims = make(map[string]any, len(idClaims)+len(ui))
		for k, v := range idClaims {
			claims[k] = v
		}
		preferUserinfo := oc.cfg.ClaimsSource == connector.ClaimsFromUserinfo
		for k, v := range ui {
			if _, inID := idClaims[k]; !inID || preferUserinfo {
				claims[k] = v
				sources[k] = ui
			}
		}
		claims["sub"] = idToken.Subject
	}

	id, err := connector.MapClaims(claims, oc.cfg.ClaimMapping, oc.cfg.GroupsClaim)
	if err != nil {
		return connector.Identity{}, err
	}
	// email_verified vouches only for the "email" claim of the same source.
	id.EmailVerified = false
	if oc.cfg.ClaimMapping.Email == "email" && id.Email != "" {
		if src := sources["email"]; src != nil {
			id.EmailVerified = connector.ClaimBool(src, "email_verified")
		}
	}
	if oc.cfg.RequireVerifiedEmail {
		if id.Email == "" {
			return connector.Identity{}, connector.NewError(connector.CodeMissingClaim, fmt.Sprintf(
				"The identity provider did not send an email address (claim '%s').", oc.cfg.ClaimMapping.Email), nil)
		}
		if !id.EmailVerified {
			return connector.Identity{}, connector.NewError(connector.CodeEmailUnverified, fmt.Sprintf(
				"The identity provider did not confirm that the email address '%s' is verified (email_verified is not true), "+
					"and this connection requires a verified email.", id.Email), nil)
		}
	}
	id.IDTokenHint = rawIDToken
	return id, nil
}

// checkIDToken does what go-oidc's Verify leaves to the caller.
func (oc *oidcConnector) checkIDToken(t *oidc.IDToken, claims map[string]any, p pending, accessToken string) error {
	if subtle.ConstantTimeCompare([]byte(t.Nonce), []byte(p.Nonce)) != 1 {
		return connector.NewError(connector.CodeNonceMismatch,
			"The ID token's nonce does not match the one sent with this login, so it may have been replayed. Start the login again.",
			fmt.Errorf("nonce present: %v", t.Nonce != ""))
	}
	if t.Subject == "" {
		return connector.NewError(connector.CodeMissingClaim, "The ID token has no subject (sub claim).", nil)
	}
	if t.IssuedAt.IsZero() {
		return connector.NewError(connector.CodeMissingClaim, "The ID token has no issue time (iat claim).", nil)
	}
	if err := oc.checkTimes(t, claims); err != nil {
		return err
	}
	azp := connector.ClaimString(claims, "azp")
	if (len(t.Audience) > 1 || azp != "") && azp != oc.cfg.ClientID {
		reason := fmt.Sprintf("The ID token was issued to the party '%s', but this connection's client ID is '%s'.", azp, oc.cfg.ClientID)
		if azp == "" {
			reason = fmt.Sprintf("The ID token has several audiences (%s) but no authorized party (azp) claim naming this connection's client ID '%s'.",
				strings.Join(t.Audience, ", "), oc.cfg.ClientID)
		}
		return connector.NewError(connector.CodeAzpMismatch, reason, nil)
	}
	if t.AccessTokenHash != "" {
		if err := t.VerifyAccessToken(accessToken); err != nil {
			return connector.NewError(connector.CodeAtHashMismatch,
				"The ID token's at_hash does not match the access token it came with.", err)
		}
	}
	return nil
}

// checkTimes checks exp, nbf and iat against this server's clock, allowing
// oc.skew either way.
func (oc *oidcConnector) checkTimes(t *oidc.IDToken, claims map[string]any) error {
	now := oc.now()
	clocks := fmt.Sprintf(" This server's time is %s; if the two differ by more than %s, check the clocks of this server and the identity provider.",
		formatTime(now), oc.skew)
	if t.Expiry.IsZero() {
		return connector.NewError(connector.CodeMissingClaim, "The ID token has no expiry time (exp claim).", nil)
	}
	if now.After(t.Expiry.Add(oc.skew)) {
		return connector.NewError(connector.CodeTokenExpired, "The ID token expired at "+formatTime(t.Expiry)+"."+clocks, nil)
	}
	if nbf, ok := claims["nbf"].(float64); ok {
		if at := time.Unix(int64(nbf), 0); at.After(now.Add(oc.skew)) {
			return connector.NewError(connector.CodeTokenNotYetValid,
				"The ID token is not valid before "+formatTime(at)+" (nbf claim), which is in the future."+clocks, nil)
		}
	}
	if t.IssuedAt.After(now.Add(oc.skew)) {
		return connector.NewError(connector.CodeTokenNotYetValid,
			"The ID token says it was issued at "+formatTime(t.IssuedAt)+" (iat claim), which is in the future."+clocks, nil)
	}
	return nil
}

func formatTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") }

// verifyError explains a failed go-oidc Verify. go-oidc reports only expiry
// with a typed error, so the token's (unverified) claims are compared with
// what was expected to name the cause; anything else is a signature problem.
func (oc *oidcConnector) verifyError(raw string, err error) error {
	msg := err.Error()
	if strings.HasPrefix(msg, "failed to verify signature") || strings.Contains(msg, "malformed jwt") {
		// Signature (or parsing) failed before any claim was checked.
		reason := "The ID token's signature could not be verified with the identity provider's published keys."
		switch {
		case strings.Contains(msg, "malformed jwt"):
			reason = "The ID token is not a valid signed JWT, or uses a signing algorithm this connection does not accept."
		case strings.Contains(msg, errUnknownKey.Error()):
			var h struct {
				Kid string `json:"kid"`
			}
			_ = unverifiedPart(raw, 0, &h)
			reason = fmt.Sprintf("The ID token is signed with the key '%s', which the identity provider does not publish at %s, "+
				"even after fetching its keys again.", h.Kid, oc.keys.url)
		case strings.Contains(msg, "fetching keys"):
			reason = "The identity provider's signing keys (JWKS) could not be fetched to verify the ID token."
			var oe *outbound.Error
			if last := oc.keys.lastError(); errors.As(last, &oe) {
				reason += " " + oe.Reason
			}
		}
		return connector.NewError(connector.CodeSignatureInvalid, reason, err)
	}
	var c struct {
		Iss string   `json:"iss"`
		Aud audience `json:"aud"`
	}
	_ = unverifiedClaims(raw, &c)
	if c.Iss != oc.cfg.Issuer {
		return connector.NewError(connector.CodeIssuerMismatch, fmt.Sprintf(
			"The ID token was issued by '%s', but this connection's issuer is '%s'.", c.Iss, oc.cfg.Issuer), err)
	}
	if !slices.Contains(c.Aud, oc.cfg.ClientID) {
		return connector.NewError(connector.CodeAudMismatch, fmt.Sprintf(
			"The ID token was issued for client '%s', but this connection's client ID is '%s'.",
			strings.Join(c.Aud, "', '"), oc.cfg.ClientID), err)
	}
	return connector.NewError(connector.CodeSignatureInvalid, "The ID token could not be verified.", err)
}

type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) == nil {
		*a = []string{s}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(a))
}

func unverifiedClaims(raw string, v any) error { return unverifiedPart(raw, 1, v) }

// unverifiedPart decodes part i (0 header, 1 claims) of a compact JWS.
func unverifiedPart(raw string, i int, v any) error {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return errors.New("not a JWS")
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// needsUserinfo: always in userinfo mode; otherwise only when the access
// token is opaque (so claims cannot be in it either) and the ID token lacks
// the user id or email claim. A JWT access token is often meant for another
// API and may be refused by the userinfo endpoint, so we do not try then.
func (oc *oidcConnector) needsUserinfo(idClaims map[string]any, accessToken string) bool {
	if oc.cfg.ClaimsSource == connector.ClaimsFromUserinfo {
		return true
	}
	if accessToken == "" || isJWT(accessToken) || oc.provider.UserInfoEndpoint() == "" {
		return false
	}
	m := oc.cfg.ClaimMapping
	return connector.ClaimString(idClaims, m.UserID) == "" || connector.ClaimString(idClaims, m.Email) == ""
}

func isJWT(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil {
		return false
	}
	var h struct {
		Alg string `json:"alg"`
	}
	return json.Unmarshal(b, &h) == nil && h.Alg != ""
}

func (oc *oidcConnector) userinfo(ctx context.Context, tok *oauth2.Token, subject string) (map[string]any, error) {
	if oc.provider.UserInfoEndpoint() == "" {
		return nil, connector.NewError(connector.CodeUserinfoFailed,
			"This connection reads claims from the userinfo endpoint, but the identity provider has none configured.", nil)
	}
	ui, err := oc.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		reason := "The userinfo endpoint " + oc.provider.UserInfoEndpoint() + " did not answer with the user's claims."
		var oe *outbound.Error
		if errors.As(err, &oe) {
			reason += " " + oe.Reason
		}
		return nil, connector.NewError(connector.CodeUserinfoFailed, reason, err)
	}
	if subtle.ConstantTimeCompare([]byte(ui.Subject), []byte(subject)) != 1 {
		return nil, connector.NewError(connector.CodeUserinfoSubMismatch, fmt.Sprintf(
			"The userinfo endpoint described user '%s', but the ID token is for user '%s'.", ui.Subject, subject), nil)
	}
	claims := map[string]any{}
	if err := ui.Claims(&claims); err != nil {
		return nil, connector.NewError(connector.CodeUserinfoFailed, "The userinfo answer is not a JSON object.", err)
	}
	return claims, nil
}

func idpError(code, description, uri string) error {
	reason := "The identity provider refused the login: " + code
	if description != "" {
		reason += " — " + description
	}
	if !strings.HasSuffix(reason, ".") {
		reason += "."
	}
	switch code {
	case "access_denied":
		reason += " The user may not be assigned to this application, or cancelled."
	case "unauthorized_client", "invalid_client":
		reason += " Check the client ID and that the authorization code grant is enabled for it."
	case "invalid_scope":
		reason += " Remove scopes the identity provider does not support."
	case "invalid_request":
		reason += " Check that the redirect URI registered at the identity provider is exactly this organization's callback URL."
	}
	detail := fmt.Errorf("error=%q error_description=%q error_uri=%q", code, description, uri)
	return connector.NewError(connector.CodeIdPError, reason, detail)
}

func exchangeError(tokenURL string, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		reason := "The token endpoint refused the authorization code"
		if re.ErrorCode != "" {
			reason += ": " + re.ErrorCode
			if re.ErrorDescription != "" {
				reason += " — " + re.ErrorDescription
			}
		} else if re.Response != nil {
			reason += " (HTTP " + re.Response.Status + ")"
		}
		reason = strings.TrimSuffix(reason, ".") + "."
		switch re.ErrorCode {
		case "invalid_client", "unauthorized_client":
			reason += " Check the client secret and the client authentication method (basic or post)."
		case "invalid_grant":
			reason += " The code may have expired or been used, the redirect URI may differ, or the PKCE setting may not match the identity provider's."
		}
		return connector.NewError(connector.CodeTokenExchangeFailed, reason,
			fmt.Errorf("token endpoint %s: %s %s", tokenURL, re.ErrorCode, re.ErrorDescription))
	}
	reason := "Could not exchange the authorization code at " + tokenURL + "."
	var oe *outbound.Error
	if errors.As(err, &oe) {
		reason += " " + oe.Reason
	}
	return connector.NewError(connector.CodeTokenExchangeFailed, reason, err)
}

// revoke asks the IdP to revoke the login's refresh token (if any) and
// access token (RFC 7009), authenticating as at the token endpoint. It is
// bounded by the outbound timeout, runs even when the request was
// cancelled, and only logs failures: the login does not depend on it.
func (oc *oidcConnector) revoke(ctx context.Context, tok *oauth2.Token) {
	if oc.revocation == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), oc.timeout)
	defer cancel()
	// The refresh token first: revoking it often revokes its access tokens too.
	for _, t := range []struct{ hint, value string }{
		{"refresh_token", tok.RefreshToken},
		{"access_token", tok.AccessToken},
	} {
		if t.value == "" {
			continue
		}
		if err := oc.revokeOne(ctx, t.hint, t.value); err != nil {
			oc.logger.Warn("oidc: token revocation failed", "endpoint", oc.revocation, "token_type", t.hint, "err", err)
		}
	}
}

func (oc *oidcConnector) revokeOne(ctx context.Context, hint, token string) error {
	form := url.Values{"token": {token}, "token_type_hint": {hint}}
	if oc.cfg.ClientAuthMethod == AuthPost {
		form.Set("client_id", oc.cfg.ClientID)
		form.Set("client_secret", oc.cfg.ClientSecret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, oc.revocation, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if oc.cfg.ClientAuthMethod != AuthPost {
		// RFC 6749 §2.3.1: form-encode the credentials before Basic.
		req.SetBasicAuth(url.QueryEscape(oc.cfg.ClientID), url.QueryEscape(oc.cfg.ClientSecret))
	}
	resp, err := oc.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.NewDecoder(io.LimitReader(resp.Body, 4096)).Decode(&e)
		return fmt.Errorf("revocation endpoint answered %s %s", resp.Status, e.Error)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	return nil
}

// LogoutURL implements connector.Logouter using the end_session endpoint
// (from discovery or the configured endSessionURL).
func (oc *oidcConnector) LogoutURL(_ context.Context, idTokenHint, postLogoutRedirect string) (string, bool) {
	if oc.endSession == "" {
		return "", false
	}
	u, err := url.Parse(oc.endSession)
	if err != nil {
		oc.logger.Warn("oidc: invalid end_session endpoint", "url", oc.endSession, "err", err)
		return "", false
	}
	q := u.Query()
	if idTokenHint != "" {
		q.Set("id_token_hint", idTokenHint)
	}
	if postLogoutRedirect != "" {
		q.Set("post_logout_redirect_uri", postLogoutRedirect)
	}
	q.Set("client_id", oc.cfg.ClientID)
	u.RawQuery = q.Encode()
	return u.String(), true
}
