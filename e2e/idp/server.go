package idp

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Client authentication methods for Client.AuthMethod.
const (
	AuthBasic = "client_secret_basic"
	AuthPost  = "client_secret_post"
	AuthNone  = "none"
)

// Client is a relying party registered at the test IdP.
type Client struct {
	ID     string
	Secret string
	// RedirectURIs must contain the exact callback URL used by the RP.
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	// AuthMethod is AuthBasic (default), AuthPost or AuthNone. The token
	// endpoint refuses a confidential client that authenticates the other way.
	AuthMethod string
	// RequirePKCE makes the token endpoint refuse a code exchanged without
	// a code_verifier.
	RequirePKCE bool
	// RefreshTokens lets the client use the refresh_token grant: a login
	// that asks for the offline_access scope then gets a refresh token.
	RefreshTokens bool
}

// User is a person who can log in at the test IdP.
type User struct {
	Subject           string
	Email             string
	EmailVerified     bool
	Name              string
	GivenName         string
	FamilyName        string
	PreferredUsername string
	Picture           string
	Groups            []string
	// Extra claims, added to the ID token and userinfo as they are.
	Extra map[string]any
}

// IDToken is an ID token about to leave the token endpoint, for TamperIDToken.
type IDToken struct {
	// Claims are the token's claims; change them freely.
	Claims map[string]any
	// SignWithUnpublishedKey signs the token with a key that is not in the
	// JWKS (same key id), so its signature cannot be verified.
	SignWithUnpublishedKey bool
	// UnpublishedKeyID, when set, signs the token with a new key under this
	// key id, which the JWKS never contains (a rotation that never happened).
	UnpublishedKeyID string
}

// Revocation is one request to the revocation endpoint (RFC 7009), as the
// IdP received it.
type Revocation struct {
	Token         string
	TokenTypeHint string
	ClientID      string
	// AuthMethod is how the client authenticated: AuthBasic, AuthPost or
	// AuthNone.
	AuthMethod string
	// Issued is "access_token" or "refresh_token" when Token is one the token
	// endpoint issued, "" otherwise.
	Issued string
	// Status is the HTTP status the endpoint answered.
	Status int
}

// Logout is one session terminated at the end_session endpoint.
type Logout struct {
	Subject  string
	ClientID string
}

// Option configures NewOIDC.
type Option func(*OIDCServer)

// WithES256 signs tokens with an ECDSA P-256 key instead of RSA 2048 (RS256).
func WithES256() Option { return func(s *OIDCServer) { s.alg = jose.ES256 } }

// WithClient registers c.
func WithClient(c Client) Option { return func(s *OIDCServer) { s.clients[c.ID] = c } }

// WithUser adds u; the first user added is the one who logs in.
func WithUser(u User) Option {
	return func(s *OIDCServer) {
		s.users[u.Subject] = u
		if s.current == "" {
			s.current = u.Subject
		}
	}
}

// WithGroupsClaim names the groups claim (default "groups").
func WithGroupsClaim(name string) Option { return func(s *OIDCServer) { s.groupsClaim = name } }

// OIDCServer is a running in-process OpenID provider.
type OIDCServer struct {
	srv      *httptest.Server
	provider *op.Provider
	alg      jose.SignatureAlgorithm

	discoveryHits, jwksHits, tokenHits, userinfoHits, authorizeHits atomic.Int64
	jwksDelay                                                       atomic.Int64 // nanoseconds

	mu                   sync.Mutex
	keys                 []*key // the last one signs
	clients              map[string]Client
	users                map[string]User
	current              string
	groupsClaim          string
	opaqueAccessTokens   bool
	claimsOnlyInUserinfo bool
	tamperIDToken        func(*IDToken)
	tamperUserinfo       func(map[string]any)
	failLogin            *url.Values
	authRequests         map[string]*authRequest
	codes                map[string]string
	tokens               map[string]*accessToken
	refreshTokens        map[string]*accessToken // refresh token → the grant it renews
	logouts              []Logout
	revocations          []Revocation
	issued               map[string]string // token → "access_token" | "refresh_token"
	lastAuthorize        url.Values
	lastTokenAuth        string
}

// NewOIDC starts a test IdP on 127.0.0.1 (plain http) and closes it when the
// test ends. Without WithClient/WithUser it has no clients or users yet.
func NewOIDC(t testing.TB, opts ...Option) *OIDCServer {
	t.Helper()
	s := &OIDCServer{
		alg: jose.RS256, clients: map[string]Client{}, users: map[string]User{}, groupsClaim: "groups",
		authRequests: map[string]*authRequest{}, codes: map[string]string{}, tokens: map[string]*accessToken{},
		refreshTokens: map[string]*accessToken{}, issued: map[string]string{},
	}
	for _, o := range opts {
		o(s)
	}
	k, err := newKey(s.alg)
	if err != nil {
		t.Fatalf("idp: %v", err)
	}
	s.keys = []*key{k}

	var h http.Handler = http.NotFoundHandler()
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(s.srv.Close)

	cfg := &op.Config{CodeMethodS256: true, AuthMethodPost: true}
	if _, err := rand.Read(cfg.CryptoKey[:]); err != nil {
		t.Fatalf("idp: %v", err)
	}
	s.provider, err = op.NewProvider(cfg, storage{s}, op.StaticIssuer(s.srv.URL), op.WithAllowInsecure())
	if err != nil {
		t.Fatalf("idp: %v", err)
	}
	h = s.routes()
	return s
}

// Issuer returns the issuer URL (also the base URL), e.g. http://127.0.0.1:41234.
func (s *OIDCServer) Issuer() string { return s.srv.URL }

// Client returns an *http.Client for talking to the server directly.
func (s *OIDCServer) Client() *http.Client { return s.srv.Client() }

// AuthorizationURL, TokenURL, UserinfoURL, JWKSURL and EndSessionURL return
// the endpoints, for connections configured without discovery.
func (s *OIDCServer) AuthorizationURL() string { return s.Issuer() + "/authorize" }

// TokenURL returns the token endpoint.
func (s *OIDCServer) TokenURL() string { return s.Issuer() + "/oauth/token" }

// UserinfoURL returns the userinfo endpoint.
func (s *OIDCServer) UserinfoURL() string { return s.Issuer() + "/userinfo" }

// JWKSURL returns the JWKS endpoint.
func (s *OIDCServer) JWKSURL() string { return s.Issuer() + "/keys" }

// EndSessionURL returns the end_session endpoint.
func (s *OIDCServer) EndSessionURL() string { return s.Issuer() + "/end_session" }

// RevocationURL returns the revocation endpoint (RFC 7009).
func (s *OIDCServer) RevocationURL() string { return s.Issuer() + "/revoke" }

// SigningAlgorithm returns "RS256" or "ES256".
func (s *OIDCServer) SigningAlgorithm() string { return string(s.alg) }

// AddClient registers (or replaces) c.
func (s *OIDCServer) AddClient(c Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clients[c.ID] = c
}

// AddUser adds (or replaces) u; the first user added becomes the current one.
func (s *OIDCServer) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[u.Subject] = u
	if s.current == "" {
		s.current = u.Subject
	}
}

// SetUser selects who logs in at the next authorization requests, by subject.
func (s *OIDCServer) SetUser(subject string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.current = subject
}

// SetGroupsClaim renames the groups claim, e.g. "https://app.example.com/groups".
func (s *OIDCServer) SetGroupsClaim(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groupsClaim = name
}

// SetOpaqueAccessTokens issues encrypted, non-JWT access tokens when on
// (JWT access tokens otherwise).
func (s *OIDCServer) SetOpaqueAccessTokens(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opaqueAccessTokens = on
}

// SetClaimsOnlyInUserinfo leaves email, profile and groups claims out of ID
// tokens when on; they are then only available from the userinfo endpoint.
func (s *OIDCServer) SetClaimsOnlyInUserinfo(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.claimsOnlyInUserinfo = on
}

// TamperIDToken makes the token endpoint pass every ID token through fn
// and re-sign it, until called with nil. Use it for wrong audiences, nonces,
// expiry, issuers and signatures.
func (s *OIDCServer) TamperIDToken(fn func(*IDToken)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tamperIDToken = fn
}

// TamperUserinfo makes the userinfo endpoint pass every answer through fn,
// until called with nil.
func (s *OIDCServer) TamperUserinfo(fn func(claims map[string]any)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tamperUserinfo = fn
}

// FailNextLogin makes the next login redirect back to the client with
// error=code and error_description=description instead of a code.
func (s *OIDCServer) FailNextLogin(code, description string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failLogin = &url.Values{"error": {code}, "error_description": {description}}
}

// RotateKey publishes a new signing key (with a new key id) next to the old
// ones and signs with it from now on.
func (s *OIDCServer) RotateKey() {
	k, err := newKey(s.alg)
	if err != nil {
		panic(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append(s.keys, k)
}

// RotateKeyDroppingOld replaces every published key by a new one (with a new
// key id) and signs with it from now on: tokens signed before no longer
// verify.
func (s *OIDCServer) RotateKeyDroppingOld() {
	k, err := newKey(s.alg)
	if err != nil {
		panic(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = []*key{k}
}

// KeyIDs returns the published key ids; the last one signs.
func (s *OIDCServer) KeyIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, len(s.keys))
	for i, k := range s.keys {
		ids[i] = k.id
	}
	return ids
}

// SetJWKSDelay makes the JWKS endpoint wait d before answering, so tests can
// have several requests arrive while one fetch is under way.
func (s *OIDCServer) SetJWKSDelay(d time.Duration) { s.jwksDelay.Store(int64(d)) }

// Revocations returns the requests received at the revocation endpoint.
func (s *OIDCServer) Revocations() []Revocation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.revocations)
}

// DiscoveryHits counts requests to /.well-known/openid-configuration.
func (s *OIDCServer) DiscoveryHits() int64 { return s.discoveryHits.Load() }

// JWKSHits counts requests to the JWKS endpoint.
func (s *OIDCServer) JWKSHits() int64 { return s.jwksHits.Load() }

// TokenHits counts requests to the token endpoint.
func (s *OIDCServer) TokenHits() int64 { return s.tokenHits.Load() }

// UserinfoHits counts requests to the userinfo endpoint.
func (s *OIDCServer) UserinfoHits() int64 { return s.userinfoHits.Load() }

// AuthorizeHits counts requests to the authorization endpoint.
func (s *OIDCServer) AuthorizeHits() int64 { return s.authorizeHits.Load() }

// LastAuthorizeParams returns the query of the latest authorization request.
func (s *OIDCServer) LastAuthorizeParams() url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastAuthorize
}

// LastTokenAuthMethod returns how the latest token request authenticated:
// AuthBasic, AuthPost or AuthNone.
func (s *OIDCServer) LastTokenAuthMethod() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastTokenAuth
}

// Logouts returns the sessions ended at the end_session endpoint.
func (s *OIDCServer) Logouts() []Logout {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.logouts)
}

// Authorize drives a browser through authURL: it follows the IdP's
// redirects (the login step completes as the current user) and returns the
// first URL outside the IdP, normally the RP callback with code and state.
// An answer by form_post comes back as the form's action with its fields in
// the query (a callback takes both alike).
func (s *OIDCServer) Authorize(ctx context.Context, authURL string) (*url.URL, error) {
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	base, _ := url.Parse(s.Issuer())
	next := authURL
	for range 10 {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
		if err != nil {
			return nil, err
		}
		resp, err := c.Do(req)
		if err != nil {
			return nil, err
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil {
			if posted, ok := formPost(body); ok {
				return posted, nil
			}
			return nil, fmt.Errorf("idp: %s answered %s without a redirect: %s", next, resp.Status, bytes.TrimSpace(body))
		}
		if loc.Host != base.Host {
			return loc, nil
		}
		next = loc.String()
	}
	return nil, errors.New("idp: too many redirects")
}

func (s *OIDCServer) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/login", s.login)
	mux.Handle("/", s.provider)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			s.discoveryHits.Add(1)
		case "/keys":
			s.jwksHits.Add(1)
			if d := time.Duration(s.jwksDelay.Load()); d > 0 {
				select {
				case <-time.After(d):
				case <-r.Context().Done():
					return
				}
			}
		case "/authorize":
			s.authorizeHits.Add(1)
			s.mu.Lock()
			s.lastAuthorize = r.URL.Query()
			s.mu.Unlock()
		case "/oauth/token":
			s.tokenHits.Add(1)
			s.token(w, r, mux)
			return
		case "/userinfo":
			s.userinfoHits.Add(1)
			s.userinfo(w, r, mux)
			return
		case "/revoke":
			s.revoke(w, r, mux)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// login completes an authorization request as the current user: the test
// IdP has no login form.
func (s *OIDCServer) login(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	s.mu.Lock()
	a, ok := s.authRequests[id]
	fail := s.failLogin
	s.failLogin = nil
	user := s.current
	_, known := s.users[user]
	if ok && fail == nil && known {
		a.subject, a.done, a.authTime = user, true, time.Now()
	}
	s.mu.Unlock()
	switch {
	case !ok:
		http.Error(w, "unknown auth request", http.StatusBadRequest)
	case fail != nil:
		q := *fail
		q.Set("state", a.state)
		http.Redirect(w, r, a.redirectURI+sep(a.redirectURI)+q.Encode(), http.StatusFound)
	case !known:
		http.Error(w, fmt.Sprintf("no user %q: call AddUser and SetUser", user), http.StatusInternalServerError)
	default:
		http.Redirect(w, r, s.Issuer()+"/authorize/callback?id="+url.QueryEscape(id), http.StatusFound)
	}
}

func sep(u string) string {
	if strings.Contains(u, "?") {
		return "&"
	}
	return "?"
}

// token enforces the registered client authentication method, then lets op
// answer and applies TamperIDToken.
func (s *OIDCServer) token(w http.ResponseWriter, r *http.Request, next http.Handler) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	method := AuthNone
	clientID := r.PostForm.Get("client_id")
	if id, _, ok := r.BasicAuth(); ok {
		method, clientID = AuthBasic, id
	} else if r.PostForm.Get("client_secret") != "" {
		method = AuthPost
	}
	s.mu.Lock()
	s.lastTokenAuth = method
	c, known := s.clients[clientID]
	tamper := s.tamperIDToken
	s.mu.Unlock()
	want := c.AuthMethod
	if want == "" {
		want = AuthBasic
	}
	if known && method != want {
		writeJSON(w, http.StatusUnauthorized, map[string]string{
			"error": "invalid_client", "error_description": fmt.Sprintf("client must authenticate with %s, not %s", want, method)})
		return
	}
	if known && c.RequirePKCE && r.PostForm.Get("code_verifier") == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "code_verifier required"})
		return
	}
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	var resp map[string]any
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &resp) != nil {
		copyRecorded(w, rec)
		return
	}
	s.mu.Lock()
	for _, kind := range []string{"access_token", "refresh_token"} {
		if t, _ := resp[kind].(string); t != "" {
			s.issued[t] = kind
		}
	}
	s.mu.Unlock()
	if tamper == nil {
		copyRecorded(w, rec)
		return
	}
	raw, _ := resp["id_token"].(string)
	signed, err := s.tamper(raw, tamper)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	resp["id_token"] = signed
	writeJSON(w, http.StatusOK, resp)
}

// revoke records the request, then lets op answer (it checks the client's
// credentials and revokes the token in storage).
func (s *OIDCServer) revoke(w http.ResponseWriter, r *http.Request, next http.Handler) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rv := Revocation{Token: r.PostForm.Get("token"), TokenTypeHint: r.PostForm.Get("token_type_hint"),
		ClientID: r.PostForm.Get("client_id"), AuthMethod: AuthNone}
	if id, _, ok := r.BasicAuth(); ok {
		rv.AuthMethod, rv.ClientID = AuthBasic, id
	} else if r.PostForm.Get("client_secret") != "" {
		rv.AuthMethod = AuthPost
	}
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	rv.Status = rec.Code
	s.mu.Lock()
	rv.Issued = s.issued[rv.Token]
	s.revocations = append(s.revocations, rv)
	s.mu.Unlock()
	copyRecorded(w, rec)
}

func (s *OIDCServer) tamper(raw string, fn func(*IDToken)) (string, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return "", errors.New("idp: id_token is not a JWS")
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", err
	}
	t := &IDToken{}
	if err := json.Unmarshal(payload, &t.Claims); err != nil {
		return "", err
	}
	fn(t)
	s.mu.Lock()
	k := s.keys[len(s.keys)-1]
	s.mu.Unlock()
	priv, kid := k.priv, k.id
	if t.SignWithUnpublishedKey || t.UnpublishedKeyID != "" {
		other, err := newKey(s.alg)
		if err != nil {
			return "", err
		}
		priv = other.priv
		if t.UnpublishedKeyID != "" {
			kid = t.UnpublishedKeyID
		}
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: k.alg, Key: &jose.JSONWebKey{Key: priv, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	body, err := json.Marshal(t.Claims)
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(body)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

func (s *OIDCServer) userinfo(w http.ResponseWriter, r *http.Request, next http.Handler) {
	s.mu.Lock()
	tamper := s.tamperUserinfo
	s.mu.Unlock()
	if tamper == nil {
		next.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	next.ServeHTTP(rec, r)
	var claims map[string]any
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &claims) != nil {
		copyRecorded(w, rec)
		return
	}
	tamper(claims)
	writeJSON(w, http.StatusOK, claims)
}

func copyRecorded(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func newKey(alg jose.SignatureAlgorithm) (*key, error) {
	var priv crypto.Signer
	var err error
	if alg == jose.ES256 {
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	} else {
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		return nil, fmt.Errorf("idp: generating %s key: %w", alg, err)
	}
	return &key{id: randomID(), alg: alg, priv: priv}, nil
}

func randomID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

var (
	formAction = regexp.MustCompile(`<form method="post" action="([^"]+)">`)
	formInput  = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`)
)

// formPost reads the auto-submitted form of a form_post answer as the URL
// it posts to with its fields in the query.
func formPost(page []byte) (*url.URL, bool) {
	m := formAction.FindSubmatch(page)
	if m == nil {
		return nil, false
	}
	u, err := url.Parse(html.UnescapeString(string(m[1])))
	if err != nil {
		return nil, false
	}
	q := url.Values{}
	for _, in := range formInput.FindAllSubmatch(page, -1) {
		q.Set(html.UnescapeString(string(in[1])), html.UnescapeString(string(in[2])))
	}
	u.RawQuery = q.Encode()
	return u, true
}
