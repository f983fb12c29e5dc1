package idp

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// storage is a compact in-memory op.Storage. It reads clients, users and
// toggles from its server under the server's lock.
type storage struct{ s *OIDCServer }

var _ op.Storage = storage{}

type authRequest struct {
	id          string
	clientID    string
	redirectURI string
	state       string
	nonce       string
	scopes      []string
	respType    oidc.ResponseType
	respMode    oidc.ResponseMode
	challenge   *oidc.CodeChallenge
	subject     string
	done        bool
	authTime    time.Time
	created     time.Time
}

func (a *authRequest) GetID() string                         { return a.id }
func (a *authRequest) GetACR() string                        { return "" }
func (a *authRequest) GetAMR() []string                      { return []string{"pwd"} }
func (a *authRequest) GetAudience() []string                 { return []string{a.clientID} }
func (a *authRequest) GetAuthTime() time.Time                { return a.authTime }
func (a *authRequest) GetClientID() string                   { return a.clientID }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge { return a.challenge }
func (a *authRequest) GetNonce() string                      { return a.nonce }
func (a *authRequest) GetRedirectURI() string                { return a.redirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType    { return a.respType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode    { return a.respMode }
func (a *authRequest) GetScopes() []string                   { return a.scopes }
func (a *authRequest) GetState() string                      { return a.state }
func (a *authRequest) GetSubject() string                    { return a.subject }
func (a *authRequest) Done() bool                            { return a.done }

type accessToken struct {
	subject  string
	clientID string
	scopes   []string
	expires  time.Time
}

type key struct {
	id   string
	alg  jose.SignatureAlgorithm
	priv crypto.Signer
}

func (k *key) SignatureAlgorithm() jose.SignatureAlgorithm { return k.alg }
func (k *key) Algorithm() jose.SignatureAlgorithm          { return k.alg }
func (k *key) ID() string                                  { return k.id }
func (k *key) Use() string                                 { return "sig" }

// signingKey adapts key to op.SigningKey (private key) ...
type signingKey struct{ *key }

func (k signingKey) Key() any { return k.priv }

// publicKey adapts key to op.Key (public key).
type publicKey struct{ *key }

func (k publicKey) Key() any { return k.priv.Public() }

type client struct {
	c Client
	s *OIDCServer
}

func (c client) GetID() string                       { return c.c.ID }
func (c client) RedirectURIs() []string              { return c.c.RedirectURIs }
func (c client) PostLogoutRedirectURIs() []string    { return c.c.PostLogoutRedirectURIs }
func (c client) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c client) GrantTypes() []oidc.GrantType {
	if c.c.RefreshTokens {
		return []oidc.GrantType{oidc.GrantTypeCode, oidc.GrantTypeRefreshToken}
	}
	return []oidc.GrantType{oidc.GrantTypeCode}
}
func (c client) LoginURL(id string) string      { return c.s.Issuer() + "/login?id=" + id }
func (c client) IDTokenLifetime() time.Duration { return 5 * time.Minute }
func (c client) DevMode() bool                  { return true } // allows http redirect URIs
func (c client) IsScopeAllowed(string) bool     { return true }
func (c client) ClockSkew() time.Duration       { return 0 }
func (c client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}

func (c client) AuthMethod() oidc.AuthMethod {
	switch c.c.AuthMethod {
	case AuthPost:
		return oidc.AuthMethodPost
	case AuthNone:
		return oidc.AuthMethodNone
	}
	return oidc.AuthMethodBasic
}

func (c client) AccessTokenType() op.AccessTokenType {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if c.s.opaqueAccessTokens {
		return op.AccessTokenTypeBearer
	}
	return op.AccessTokenTypeJWT
}

// IDTokenUserinfoClaimsAssertion false makes op drop profile and email
// claims from ID tokens issued with an access token.
func (c client) IDTokenUserinfoClaimsAssertion() bool {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	return !c.s.claimsOnlyInUserinfo
}

func (st storage) CreateAuthRequest(_ context.Context, r *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	s := st.s
	s.mu.Lock()
	defer s.mu.Unlock()
	a := &authRequest{
		id: randomID(), clientID: r.ClientID, redirectURI: r.RedirectURI, state: r.State, nonce: r.Nonce,
		scopes: r.Scopes, respType: r.ResponseType, respMode: r.ResponseMode, created: time.Now(),
	}
	if r.CodeChallenge != "" {
		a.challenge = &oidc.CodeChallenge{Challenge: r.CodeChallenge, Method: r.CodeChallengeMethod}
	}
	s.authRequests[a.id] = a
	return a, nil
}

func (st storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	if a, ok := st.s.authRequests[id]; ok {
		return a, nil
	}
	return nil, errors.New("auth request not found")
}

func (st storage) AuthRequestByCode(_ context.Context, code string) (op.AuthRequest, error) {
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	if a, ok := st.s.authRequests[st.s.codes[code]]; ok {
		return a, nil
	}
	return nil, errors.New("code not found")
}

func (st storage) SaveAuthCode(_ context.Context, id, code string) error {
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	st.s.codes[code] = id
	return nil
}

func (st storage) DeleteAuthRequest(_ context.Context, id string) error {
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	delete(st.s.authRequests, id)
	for code, rid := range st.s.codes {
		if rid == id {
			delete(st.s.codes, code)
		}
	}
	return nil
}

func (st storage) CreateAccessToken(_ context.Context, r op.TokenRequest) (string, time.Time, error) {
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	var clientID string
	if a, ok := r.(op.AuthRequest); ok {
		clientID = a.GetClientID()
	}
	id := randomID()
	exp := time.Now().Add(5 * time.Minute)
	st.s.tokens[id] = &accessToken{subject: r.GetSubject(), clientID: clientID, scopes: r.GetScopes(), expires: exp}
	return id, exp, nil
}

// CreateAccessAndRefreshTokens issues both for a login with offline_access
// by a client with RefreshTokens. Refreshing is not supported: the refresh
// token exists to be revoked.
func (st storage) CreateAccessAndRefreshTokens(ctx context.Context, r op.TokenRequest, current string) (string, string, time.Time, error) {
	if current != "" {
		return "", "", time.Time{}, errors.New("refreshing is not supported by the test IdP")
	}
	id, exp, err := st.CreateAccessToken(ctx, r)
	if err != nil {
		return "", "", time.Time{}, err
	}
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	refresh := randomID()
	st.s.refreshTokens[refresh] = st.s.tokens[id]
	return id, refresh, exp, nil
}

func (st storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, op.ErrInvalidRefreshToken
}

func (st storage) TerminateSession(_ context.Context, userID, clientID string) error {
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	st.s.logouts = append(st.s.logouts, Logout{Subject: userID, ClientID: clientID})
	return nil
}

// RevokeToken forgets an access token (by id) or a refresh token.
func (st storage) RevokeToken(_ context.Context, token, _, _ string) *oidc.Error {
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	delete(st.s.tokens, token)
	delete(st.s.refreshTokens, token)
	return nil
}

func (st storage) GetRefreshTokenInfo(_ context.Context, clientID, token string) (string, string, error) {
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	if t, ok := st.s.refreshTokens[token]; ok && t.clientID == clientID {
		return t.subject, token, nil
	}
	return "", "", op.ErrInvalidRefreshToken
}

func (st storage) SigningKey(context.Context) (op.SigningKey, error) {
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	return signingKey{st.s.keys[len(st.s.keys)-1]}, nil
}

func (st storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	return []jose.SignatureAlgorithm{st.s.keys[len(st.s.keys)-1].alg}, nil
}

func (st storage) KeySet(context.Context) ([]op.Key, error) {
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	out := make([]op.Key, len(st.s.keys))
	for i, k := range st.s.keys {
		out[i] = publicKey{k}
	}
	return out, nil
}

func (st storage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	c, ok := st.s.clients[id]
	if !ok {
		return nil, fmt.Errorf("client %q not found", id)
	}
	return client{c: c, s: st.s}, nil
}

func (st storage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	c, ok := st.s.clients[id]
	if !ok || c.Secret != secret {
		return errors.New("invalid client id or secret")
	}
	return nil
}

// SetUserinfoFromScopes fills ID token claims.
func (st storage) SetUserinfoFromScopes(_ context.Context, ui *oidc.UserInfo, subject, _ string, scopes []string) error {
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	ui.Subject = subject
	if st.s.claimsOnlyInUserinfo {
		return nil
	}
	return st.s.fillUserinfo(ui, subject, scopes)
}

// SetUserinfoFromToken fills the userinfo endpoint's answer.
func (st storage) SetUserinfoFromToken(_ context.Context, ui *oidc.UserInfo, tokenID, subject, _ string) error {
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	t, ok := st.s.tokens[tokenID]
	if !ok || time.Now().After(t.expires) {
		return errors.New("token is invalid or has expired")
	}
	ui.Subject = t.subject
	return st.s.fillUserinfo(ui, t.subject, t.scopes)
}

func (st storage) SetIntrospectionFromToken(_ context.Context, r *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	st.s.mu.Lock()
	defer st.s.mu.Unlock()
	if t, ok := st.s.tokens[tokenID]; ok && time.Now().Before(t.expires) {
		r.Active, r.Subject, r.ClientID = true, t.subject, t.clientID
	}
	return nil
}

func (st storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (st storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errors.New("jwt profile is not supported by the test IdP")
}

func (st storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errors.New("jwt profile is not supported by the test IdP")
}

func (st storage) Health(context.Context) error { return nil }

// fillUserinfo sets the claims of subject granted by scopes. Groups are sent
// whenever the user has any, as most IdPs configured with a groups claim do.
// Callers hold s.mu.
func (s *OIDCServer) fillUserinfo(ui *oidc.UserInfo, subject string, scopes []string) error {
	u, ok := s.users[subject]
	if !ok {
		return fmt.Errorf("user %q not found", subject)
	}
	ui.Subject = subject
	if slices.Contains(scopes, oidc.ScopeEmail) {
		ui.Email = u.Email
		ui.EmailVerified = oidc.Bool(u.EmailVerified)
	}
	if slices.Contains(scopes, oidc.ScopeProfile) {
		ui.Name, ui.GivenName, ui.FamilyName = u.Name, u.GivenName, u.FamilyName
		ui.PreferredUsername, ui.Picture = u.PreferredUsername, u.Picture
	}
	if len(u.Groups) > 0 {
		ui.AppendClaims(s.groupsClaim, slices.Clone(u.Groups))
	}
	for k, v := range u.Extra {
		ui.AppendClaims(k, v)
	}
	return nil
}
