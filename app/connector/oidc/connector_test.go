package oidc

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/app/outbound"
	"github.com/orgsso/orgsso/e2e/idp"
)

func TestLogin(t *testing.T) {
	tests := []struct {
		name   string
		idp    []idp.Option
		setup  func(*idp.OIDCServer)
		config func(*Config, *idp.OIDCServer)
		params map[string]string
		check  func(*testing.T, connector.Identity, *idp.OIDCServer)
	}{
		{
			name: "discovery, S256 PKCE, basic auth, claims from ID token",
			check: func(t *testing.T, id connector.Identity, srv *idp.OIDCServer) {
				if id.Subject != "alice" || id.Email != "alice@example.com" || !id.EmailVerified || id.Name != "Alice Liddell" ||
					id.GivenName != "Alice" || id.FamilyName != "Liddell" || id.Picture != "https://example.com/a.png" {
					t.Fatalf("identity = %+v", id)
				}
				if !slices.Equal(id.Groups, []string{"IT", "Staff"}) {
					t.Fatalf("groups = %v", id.Groups)
				}
				q := srv.LastAuthorizeParams()
				if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" {
					t.Fatalf("authorize params = %v", q)
				}
				if m := srv.LastTokenAuthMethod(); m != idp.AuthBasic {
					t.Fatalf("token auth = %s", m)
				}
				if srv.UserinfoHits() != 0 {
					t.Fatalf("userinfo fetched %d times, want 0", srv.UserinfoHits())
				}
			},
		},
		{
			name: "manual endpoints without discovery",
			config: func(c *Config, srv *idp.OIDCServer) {
				c.Discovery = false
				c.AuthorizationURL, c.TokenURL, c.JWKSURL, c.UserinfoURL = srv.AuthorizationURL(), srv.TokenURL(), srv.JWKSURL(), srv.UserinfoURL()
			},
			check: func(t *testing.T, id connector.Identity, srv *idp.OIDCServer) {
				if id.Email != "alice@example.com" {
					t.Fatalf("identity = %+v", id)
				}
				if srv.DiscoveryHits() != 0 {
					t.Fatalf("discovery fetched %d times, want 0", srv.DiscoveryHits())
				}
			},
		},
		{
			name: "plain PKCE",
			setup: func(srv *idp.OIDCServer) {
				srv.AddClient(idp.Client{ID: clientID, Secret: secret, RedirectURIs: []string{callbackURL}, RequirePKCE: true})
			},
			config: func(c *Config, _ *idp.OIDCServer) { c.PKCE = PKCEPlain },
			check: func(t *testing.T, id connector.Identity, srv *idp.OIDCServer) {
				q := srv.LastAuthorizeParams()
				if q.Get("code_challenge_method") != "plain" || q.Get("code_challenge") == "" {
					t.Fatalf("authorize params = %v", q)
				}
			},
		},
		{
			name:   "no PKCE",
			config: func(c *Config, _ *idp.OIDCServer) { c.PKCE = PKCENone },
			check: func(t *testing.T, id connector.Identity, srv *idp.OIDCServer) {
				if q := srv.LastAuthorizeParams(); q.Has("code_challenge") {
					t.Fatalf("code_challenge sent with pkce=none: %v", q)
				}
			},
		},
		{
			name: "client_secret_post",
			setup: func(srv *idp.OIDCServer) {
				srv.AddClient(idp.Client{ID: clientID, Secret: secret, RedirectURIs: []string{callbackURL}, AuthMethod: idp.AuthPost})
			},
			config: func(c *Config, _ *idp.OIDCServer) { c.ClientAuthMethod = AuthPost },
			check: func(t *testing.T, id connector.Identity, srv *idp.OIDCServer) {
				if m := srv.LastTokenAuthMethod(); m != idp.AuthPost {
					t.Fatalf("token auth = %s", m)
				}
			},
		},
		{
			name:   "userinfo mode with claims only in userinfo",
			setup:  func(srv *idp.OIDCServer) { srv.SetClaimsOnlyInUserinfo(true) },
			config: func(c *Config, _ *idp.OIDCServer) { c.ClaimsSource = connector.ClaimsFromUserinfo },
			check: func(t *testing.T, id connector.Identity, srv *idp.OIDCServer) {
				if id.Email != "alice@example.com" || !id.EmailVerified || id.Name != "Alice Liddell" || len(id.Groups) != 2 {
					t.Fatalf("identity = %+v", id)
				}
				if srv.UserinfoHits() != 1 {
					t.Fatalf("userinfo hits = %d, want 1", srv.UserinfoHits())
				}
			},
		},
		{
			name:  "opaque access token and claims missing from ID token: userinfo fetched",
			setup: func(srv *idp.OIDCServer) { srv.SetClaimsOnlyInUserinfo(true); srv.SetOpaqueAccessTokens(true) },
			check: func(t *testing.T, id connector.Identity, srv *idp.OIDCServer) {
				if id.Email != "alice@example.com" || !id.EmailVerified || srv.UserinfoHits() != 1 {
					t.Fatalf("identity = %+v, userinfo hits %d", id, srv.UserinfoHits())
				}
			},
		},
		{
			name:  "JWT access token and claims missing: no userinfo fetch in idtoken mode",
			setup: func(srv *idp.OIDCServer) { srv.SetClaimsOnlyInUserinfo(true) },
			check: func(t *testing.T, id connector.Identity, srv *idp.OIDCServer) {
				if id.Email != "" || srv.UserinfoHits() != 0 {
					t.Fatalf("identity = %+v, userinfo hits %d", id, srv.UserinfoHits())
				}
			},
		},
		{
			name: "email from preferred_username (Entra) is not verified by email_verified",
			config: func(c *Config, _ *idp.OIDCServer) {
				c.ClaimMapping = connector.ClaimMapping{Email: "preferred_username"}
			},
			check: func(t *testing.T, id connector.Identity, _ *idp.OIDCServer) {
				if id.Email != "alice@corp.example.com" || id.EmailVerified {
					t.Fatalf("identity = %+v", id)
				}
			},
		},
		{
			name:   "groups claim named by URL",
			idp:    []idp.Option{idp.WithGroupsClaim("https://app.example.com/groups")},
			config: func(c *Config, _ *idp.OIDCServer) { c.GroupsClaim = "https://app.example.com/groups" },
			check: func(t *testing.T, id connector.Identity, _ *idp.OIDCServer) {
				if !slices.Equal(id.Groups, []string{"IT", "Staff"}) {
					t.Fatalf("groups = %v", id.Groups)
				}
			},
		},
		{
			name: "email_verified counts only from the source of the email",
			setup: func(srv *idp.OIDCServer) {
				srv.SetUser("carol") // ID token: email, email_verified absent (false)
				srv.TamperUserinfo(func(c map[string]any) { delete(c, "email"); c["email_verified"] = true })
			},
			config: func(c *Config, _ *idp.OIDCServer) { c.ClaimsSource = connector.ClaimsFromUserinfo },
			check: func(t *testing.T, id connector.Identity, _ *idp.OIDCServer) {
				if id.Email != "carol@example.com" || id.EmailVerified {
					t.Fatalf("identity = %+v", id)
				}
			},
		},
		{
			name:   "forwarded login_hint only when allowed",
			config: func(c *Config, _ *idp.OIDCServer) { c.ForwardedLoginParams = []string{"login_hint"} },
			params: map[string]string{"login_hint": "alice@example.com", "prompt": "none", "nonce": "evil"},
			check: func(t *testing.T, id connector.Identity, srv *idp.OIDCServer) {
				q := srv.LastAuthorizeParams()
				if q.Get("login_hint") != "alice@example.com" || q.Has("prompt") || q.Get("nonce") == "evil" {
					t.Fatalf("authorize params = %v", q)
				}
			},
		},
		{
			name: "iat and exp within the clock skew",
			setup: func(srv *idp.OIDCServer) {
				srv.TamperIDToken(func(t *idp.IDToken) {
					t.Claims["iat"] = time.Now().Add(time.Minute).Unix()
					t.Claims["nbf"] = time.Now().Add(time.Minute).Unix()
					t.Claims["exp"] = time.Now().Add(-time.Minute).Unix()
				})
			},
			check: func(t *testing.T, id connector.Identity, _ *idp.OIDCServer) {
				if id.Subject != "alice" {
					t.Fatalf("identity = %+v", id)
				}
			},
		},
		{
			name: "name built from given and family name",
			setup: func(srv *idp.OIDCServer) {
				srv.AddUser(idp.User{Subject: "dana", Email: "dana@example.com", GivenName: "Dana", FamilyName: "Scully"})
				srv.SetUser("dana")
			},
			check: func(t *testing.T, id connector.Identity, _ *idp.OIDCServer) {
				if _, sent := id.Claims["name"]; sent {
					t.Fatalf("the IdP sent a name: %v", id.Claims)
				}
				if id.Name != "Dana Scully" || id.GivenName != "Dana" || id.FamilyName != "Scully" {
					t.Fatalf("identity = %+v", id)
				}
			},
		},
		{
			name: "claims exclude tokens; hint kept for logout only",
			check: func(t *testing.T, id connector.Identity, _ *idp.OIDCServer) {
				for _, k := range []string{"at_hash", "c_hash", "nonce", "id_token", "access_token"} {
					if _, ok := id.Claims[k]; ok {
						t.Fatalf("claims contain %s: %v", k, id.Claims)
					}
				}
				if id.Claims["iss"] == nil || id.IDTokenHint == "" {
					t.Fatalf("claims = %v, hint %q", id.Claims, id.IDTokenHint)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newIdP(t, tc.idp...)
			if tc.setup != nil {
				tc.setup(srv)
			}
			cfg := baseConfig(srv)
			if tc.config != nil {
				tc.config(&cfg, srv)
			}
			id, err := login(t, srv, open(t, cfg), tc.params)
			if err != nil {
				t.Fatalf("login: %v", err)
			}
			tc.check(t, id, srv)
		})
	}
}

// Begin forwards exactly the login parameters the connection lists, never
// a protocol parameter (even one stored before validation refused it), and
// drops values longer than 256 bytes.
func TestForwardedLoginParams(t *testing.T) {
	srv := newIdP(t)
	cfg := baseConfig(srv)
	cfg.ForwardedLoginParams = []string{"login_hint", "domain_hint", "prompt", "acr_values", "ui_locales"}
	c := open(t, cfg)
	c.(*oidcConnector).cfg.ForwardedLoginParams = append(cfg.ForwardedLoginParams, "State", "scope", "redirect_uri")
	_, err := login(t, srv, c, map[string]string{"login_hint": "alice@example.com", "domain_hint": "example.com",
		"prompt": "login", "acr_values": "urn:mfa", "ui_locales": strings.Repeat("x", 257), "max_age": "0",
		"State": "evil", "scope": "openid admin", "nonce": "evil", "redirect_uri": "https://evil.example"})
	if err != nil {
		t.Fatal(err)
	}
	q := srv.LastAuthorizeParams()
	for k, want := range map[string]string{"login_hint": "alice@example.com", "domain_hint": "example.com",
		"prompt": "login", "acr_values": "urn:mfa", "redirect_uri": callbackURL, "scope": "openid email profile"} {
		if q.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, q.Get(k), want)
		}
	}
	for _, k := range []string{"ui_locales", "max_age", "State"} {
		if q.Has(k) {
			t.Errorf("%s forwarded: %v", k, q)
		}
	}
	if q.Get("nonce") == "evil" {
		t.Errorf("nonce overridden: %v", q)
	}
}

// login_hint goes to the IdP even when the connection lists no
// parameters; nothing else unlisted does.
func TestLoginHintIsAlwaysForwarded(t *testing.T) {
	srv := newIdP(t)
	c := open(t, baseConfig(srv))
	if _, err := login(t, srv, c, map[string]string{"login_hint": "alice@example.com", "prompt": "login"}); err != nil {
		t.Fatal(err)
	}
	q := srv.LastAuthorizeParams()
	if q.Get("login_hint") != "alice@example.com" || q.Has("prompt") {
		t.Errorf("authorize params %v: want login_hint and no prompt", q)
	}
}

func TestLoginRejected(t *testing.T) {
	tests := []struct {
		name       string
		setup      func(*idp.OIDCServer)
		config     func(*Config)
		wantCode   string
		wantReason string
	}{
		{
			name:     "wrong nonce",
			setup:    func(s *idp.OIDCServer) { s.TamperIDToken(func(t *idp.IDToken) { t.Claims["nonce"] = "replayed" }) },
			wantCode: connector.CodeNonceMismatch, wantReason: "nonce does not match",
		},
		{
			name: "token for another client",
			setup: func(s *idp.OIDCServer) {
				s.TamperIDToken(func(t *idp.IDToken) { t.Claims["aud"] = "other-app"; t.Claims["azp"] = "other-app" })
			},
			wantCode:   connector.CodeAudMismatch,
			wantReason: "The ID token was issued for client 'other-app', but this connection's client ID is 'orgsso'.",
		},
		{
			name: "several audiences, azp another client",
			setup: func(s *idp.OIDCServer) {
				s.TamperIDToken(func(t *idp.IDToken) { t.Claims["aud"] = []string{clientID, "other-app"}; t.Claims["azp"] = "other-app" })
			},
			wantCode: connector.CodeAzpMismatch, wantReason: "issued to the party 'other-app'",
		},
		{
			name: "expired token",
			setup: func(s *idp.OIDCServer) {
				s.TamperIDToken(func(t *idp.IDToken) { t.Claims["exp"] = time.Now().Add(-time.Hour).Unix() })
			},
			wantCode: connector.CodeTokenExpired, wantReason: "The ID token expired at",
		},
		{
			name: "token from another issuer",
			setup: func(s *idp.OIDCServer) {
				s.TamperIDToken(func(t *idp.IDToken) { t.Claims["iss"] = "https://evil.example.com" })
			},
			wantCode: connector.CodeIssuerMismatch, wantReason: "issued by 'https://evil.example.com'",
		},
		{
			name:     "bad signature",
			setup:    func(s *idp.OIDCServer) { s.TamperIDToken(func(t *idp.IDToken) { t.SignWithUnpublishedKey = true }) },
			wantCode: connector.CodeSignatureInvalid, wantReason: "signature could not be verified",
		},
		{
			name: "at_hash mismatch",
			setup: func(s *idp.OIDCServer) {
				s.TamperIDToken(func(t *idp.IDToken) { t.Claims["at_hash"] = "AAAAAAAAAAAAAAAAAAAAAA" })
			},
			wantCode: connector.CodeAtHashMismatch, wantReason: "at_hash",
		},
		{
			name: "iat an hour in the future",
			setup: func(s *idp.OIDCServer) {
				s.TamperIDToken(func(t *idp.IDToken) { t.Claims["iat"] = time.Now().Add(time.Hour).Unix() })
			},
			wantCode:   connector.CodeTokenNotYetValid,
			wantReason: "(iat claim), which is in the future. This server's time is",
		},
		{
			name: "iat just beyond the clock skew",
			setup: func(s *idp.OIDCServer) {
				s.TamperIDToken(func(t *idp.IDToken) { t.Claims["iat"] = time.Now().Add(DefaultClockSkew + 5*time.Second).Unix() })
			},
			wantCode: connector.CodeTokenNotYetValid, wantReason: "differ by more than 2m0s",
		},
		{
			name: "nbf an hour in the future",
			setup: func(s *idp.OIDCServer) {
				s.TamperIDToken(func(t *idp.IDToken) { t.Claims["nbf"] = time.Now().Add(time.Hour).Unix() })
			},
			wantCode: connector.CodeTokenNotYetValid, wantReason: "(nbf claim), which is in the future",
		},
		{
			name: "expired beyond the clock skew",
			setup: func(s *idp.OIDCServer) {
				s.TamperIDToken(func(t *idp.IDToken) { t.Claims["exp"] = time.Now().Add(-DefaultClockSkew - 5*time.Second).Unix() })
			},
			wantCode: connector.CodeTokenExpired, wantReason: "The ID token expired at",
		},
		{
			name:     "missing exp",
			setup:    func(s *idp.OIDCServer) { s.TamperIDToken(func(t *idp.IDToken) { delete(t.Claims, "exp") }) },
			wantCode: connector.CodeMissingClaim, wantReason: "exp",
		},
		{
			name:     "missing iat",
			setup:    func(s *idp.OIDCServer) { s.TamperIDToken(func(t *idp.IDToken) { delete(t.Claims, "iat") }) },
			wantCode: connector.CodeMissingClaim, wantReason: "iat",
		},
		{
			name:     "userinfo about someone else",
			setup:    func(s *idp.OIDCServer) { s.TamperUserinfo(func(c map[string]any) { c["sub"] = "mallory" }) },
			config:   func(c *Config) { c.ClaimsSource = connector.ClaimsFromUserinfo },
			wantCode: connector.CodeUserinfoSubMismatch, wantReason: "described user 'mallory', but the ID token is for user 'alice'",
		},
		{
			name:     "unverified email when a verified one is required",
			setup:    func(s *idp.OIDCServer) { s.SetUser("carol") },
			config:   func(c *Config) { c.RequireVerifiedEmail = true },
			wantCode: connector.CodeEmailUnverified, wantReason: "'carol@example.com' is verified",
		},
		{
			name: "IdP error parameter",
			setup: func(s *idp.OIDCServer) {
				s.FailNextLogin("access_denied", "User is not assigned to the client application.")
			},
			wantCode: connector.CodeIdPError, wantReason: "access_denied — User is not assigned to the client application.",
		},
		{
			name: "client authenticates the wrong way",
			setup: func(s *idp.OIDCServer) {
				s.AddClient(idp.Client{ID: clientID, Secret: secret, RedirectURIs: []string{callbackURL}, AuthMethod: idp.AuthPost})
			},
			wantCode: connector.CodeTokenExchangeFailed, wantReason: "invalid_client",
		},
		{
			name:     "wrong client secret",
			config:   func(c *Config) { c.ClientSecret = "wrong" },
			wantCode: connector.CodeTokenExchangeFailed, wantReason: "Check the client secret",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newIdP(t)
			if tc.setup != nil {
				tc.setup(srv)
			}
			cfg := baseConfig(srv)
			if tc.config != nil {
				tc.config(&cfg)
			}
			_, err := login(t, srv, open(t, cfg), nil)
			e := wantCode(t, err, tc.wantCode)
			if !strings.Contains(e.Reason, tc.wantReason) {
				t.Fatalf("reason = %q, want it to contain %q", e.Reason, tc.wantReason)
			}
			if strings.Contains(e.Reason, secret) || strings.Contains(e.Detail, secret) {
				t.Fatalf("error leaks the client secret: %v", e)
			}
		})
	}
}

func TestFinishStateChecks(t *testing.T) {
	srv := newIdP(t)
	c := open(t, baseConfig(srv))
	ctx := context.Background()
	authURL, pending, err := c.Begin(ctx, connector.LoginRequest{State: "state-1", CallbackURL: callbackURL})
	if err != nil {
		t.Fatal(err)
	}
	cb, err := srv.Authorize(ctx, authURL)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		url      string
		pending  []byte
		wantCode string
	}{
		{name: "no pending state", url: cb.String(), pending: nil, wantCode: connector.CodeStateInvalid},
		{name: "garbage pending state", url: cb.String(), pending: []byte("{"), wantCode: connector.CodeStateInvalid},
		{name: "state from another login", url: strings.Replace(cb.String(), "state=state-1", "state=state-2", 1), pending: pending, wantCode: connector.CodeStateMismatch},
		{name: "no code", url: callbackURL + "?state=state-1", pending: pending, wantCode: connector.CodeIdPError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Finish(ctx, httptest.NewRequest("GET", tc.url, nil), tc.pending)
			wantCode(t, err, tc.wantCode)
		})
	}
}

func TestOpenFailures(t *testing.T) {
	srv := newIdP(t)
	notFound := httptest.NewServer(http.NotFoundHandler())
	defer notFound.Close()
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("<html>login</html>"))
	}))
	defer html.Close()

	tests := []struct {
		name       string
		config     Config
		client     *http.Client
		wantCode   string
		wantReason string
	}{
		{name: "discovery document missing", config: Config{Issuer: notFound.URL, Discovery: true, ClientID: clientID},
			wantCode: connector.CodeDiscoveryFailed, wantReason: "answered HTTP 404 Not Found"},
		{name: "discovery answers HTML", config: Config{Issuer: html.URL, Discovery: true, ClientID: clientID},
			wantCode: connector.CodeDiscoveryFailed, wantReason: "did not return an OpenID configuration"},
		{name: "issuer with a trailing slash", config: Config{Issuer: srv.Issuer() + "/", Discovery: true, ClientID: clientID},
			wantCode: connector.CodeIssuerMismatch, wantReason: "the issuer is '" + srv.Issuer() + "', but this connection's issuer is '" + srv.Issuer() + "/'"},
		{name: "private address refused", config: baseConfig(srv), client: outbound.New(outbound.Options{}),
			wantCode: connector.CodeDiscoveryFailed, wantReason: "this address is not allowed"},
		{name: "invalid config", config: Config{Issuer: "ftp://x", ClientID: ""},
			wantCode: connector.CodeInvalidConfig, wantReason: "clientID"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			client := tc.client
			if client == nil {
				client = outbound.New(outbound.Options{AllowPrivate: true})
			}
			_, err := tc.config.Open(context.Background(), client, nil)
			e := wantCode(t, err, tc.wantCode)
			if !strings.Contains(e.Reason, tc.wantReason) {
				t.Fatalf("reason = %q, want it to contain %q", e.Reason, tc.wantReason)
			}
		})
	}
}

func TestSteadyStateLoginFetchesNothing(t *testing.T) {
	srv := newIdP(t)
	c := open(t, baseConfig(srv))
	if _, err := login(t, srv, c, nil); err != nil {
		t.Fatal(err)
	}
	disc, jwks := srv.DiscoveryHits(), srv.JWKSHits()
	if disc != 1 || jwks != 1 {
		t.Fatalf("first login: discovery %d, jwks %d; want 1 and 1", disc, jwks)
	}
	for range 3 {
		if _, err := login(t, srv, c, nil); err != nil {
			t.Fatal(err)
		}
	}
	if srv.DiscoveryHits() != disc || srv.JWKSHits() != jwks {
		t.Fatalf("steady state fetched: discovery %d→%d, jwks %d→%d", disc, srv.DiscoveryHits(), jwks, srv.JWKSHits())
	}
}

func TestLogoutURL(t *testing.T) {
	srv := newIdP(t)
	c := open(t, baseConfig(srv))
	id, err := login(t, srv, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	lo, ok := c.(connector.Logouter)
	if !ok {
		t.Fatal("connector does not implement Logouter")
	}
	u, ok := lo.LogoutURL(context.Background(), id.IDTokenHint, "http://rp.test/logged-out")
	if !ok {
		t.Fatal("no logout URL from discovery")
	}
	parsed, _ := url.Parse(u)
	q := parsed.Query()
	if !strings.HasPrefix(u, srv.EndSessionURL()) || q.Get("id_token_hint") != id.IDTokenHint ||
		q.Get("post_logout_redirect_uri") != "http://rp.test/logged-out" || q.Get("client_id") != clientID {
		t.Fatalf("logout URL = %s", u)
	}
	back, err := srv.Authorize(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	if back.String() != "http://rp.test/logged-out" {
		t.Fatalf("after logout redirected to %s", back)
	}
	if l := srv.Logouts(); len(l) != 1 || l[0].Subject != "alice" {
		t.Fatalf("logouts = %+v", l)
	}

	t.Run("no end_session endpoint", func(t *testing.T) {
		cfg := baseConfig(srv)
		cfg.Discovery = false
		cfg.AuthorizationURL, cfg.TokenURL, cfg.JWKSURL = srv.AuthorizationURL(), srv.TokenURL(), srv.JWKSURL()
		if _, ok := open(t, cfg).(connector.Logouter).LogoutURL(context.Background(), "", ""); ok {
			t.Fatal("logout URL without an end_session endpoint")
		}
	})
}
