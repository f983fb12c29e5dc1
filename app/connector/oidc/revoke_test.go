package oidc

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/app/outbound"
	"github.com/orgsso/orgsso/e2e/idp"
)

// After the login the IdP has revoked its tokens (RFC 7009), asked with the
// client's authentication method; a failed revocation never fails a login.
func TestRevocation(t *testing.T) {
	tests := []struct {
		name   string
		client idp.Client
		config func(*Config)
		want   []idp.Revocation // Token is compared only for being set
	}{
		{
			name:   "access token, client_secret_basic",
			client: idp.Client{ID: clientID, Secret: secret, RedirectURIs: []string{callbackURL}},
			want: []idp.Revocation{{TokenTypeHint: "access_token", ClientID: clientID, AuthMethod: idp.AuthBasic,
				Issued: "access_token", Status: http.StatusOK}},
		},
		{
			name:   "access token, client_secret_post",
			client: idp.Client{ID: clientID, Secret: secret, RedirectURIs: []string{callbackURL}, AuthMethod: idp.AuthPost},
			config: func(c *Config) { c.ClientAuthMethod = AuthPost },
			want: []idp.Revocation{{TokenTypeHint: "access_token", ClientID: clientID, AuthMethod: idp.AuthPost,
				Issued: "access_token", Status: http.StatusOK}},
		},
		{
			name:   "refresh token first, then the access token",
			client: idp.Client{ID: clientID, Secret: secret, RedirectURIs: []string{callbackURL}, RefreshTokens: true},
			config: func(c *Config) { c.Scopes = []string{"openid", "email", "offline_access"} },
			want: []idp.Revocation{
				{TokenTypeHint: "refresh_token", ClientID: clientID, AuthMethod: idp.AuthBasic, Issued: "refresh_token", Status: http.StatusOK},
				{TokenTypeHint: "access_token", ClientID: clientID, AuthMethod: idp.AuthBasic, Issued: "access_token", Status: http.StatusOK},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newIdP(t)
			srv.AddClient(tc.client)
			cfg := baseConfig(srv)
			if tc.config != nil {
				tc.config(&cfg)
			}
			if _, err := login(t, srv, open(t, cfg), nil); err != nil {
				t.Fatal(err)
			}
			got := srv.Revocations()
			if len(got) != len(tc.want) {
				t.Fatalf("revocations = %+v, want %d", got, len(tc.want))
			}
			for i, r := range got {
				if r.Token == "" {
					t.Errorf("revocation %d without a token", i)
				}
				r.Token = ""
				if r != tc.want[i] {
					t.Errorf("revocation %d = %+v, want %+v", i, r, tc.want[i])
				}
			}
		})
	}

	t.Run("also after a refused ID token", func(t *testing.T) {
		srv := newIdP(t)
		srv.TamperIDToken(func(t *idp.IDToken) { t.Claims["nonce"] = "replayed" })
		_, err := login(t, srv, open(t, baseConfig(srv)), nil)
		wantCode(t, err, connector.CodeNonceMismatch)
		if r := srv.Revocations(); len(r) != 1 || r[0].Issued != "access_token" {
			t.Fatalf("revocations = %+v", r)
		}
	})

	t.Run("a failing revocation endpoint is logged, the login succeeds", func(t *testing.T) {
		srv := newIdP(t)
		broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, `{"error":"server_error"}`, http.StatusInternalServerError)
		}))
		defer broken.Close()
		cfg := baseConfig(srv)
		cfg.RevocationURL = broken.URL + "/revoke"
		var logs syncBuffer
		c, err := cfg.Open(context.Background(), outbound.New(*testClient()), slog.New(slog.NewTextHandler(&logs, nil)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := login(t, srv, c, nil); err != nil {
			t.Fatalf("login failed with the revocation: %v", err)
		}
		if l := logs.String(); !strings.Contains(l, "token revocation failed") || !strings.Contains(l, "500") {
			t.Fatalf("log = %q", l)
		}
		if strings.Contains(logs.String(), secret) {
			t.Fatal("the log contains the client secret")
		}
		if len(srv.Revocations()) != 0 {
			t.Fatalf("revoked at the discovered endpoint despite the override: %+v", srv.Revocations())
		}
	})
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Every endpoint entered overrides the discovered one, with discovery on:
// each request goes through a proxy that counts them by path.
func TestEndpointOverridesApplyWithDiscovery(t *testing.T) {
	srv := newIdP(t)
	target, _ := url.Parse(srv.Issuer())
	var mu sync.Mutex
	hits := map[string]int{}
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		hits[r.URL.Path]++
		mu.Unlock()
		httputil.NewSingleHostReverseProxy(target).ServeHTTP(w, r)
	}))
	defer proxy.Close()

	srv.SetClaimsOnlyInUserinfo(true)
	cfg := baseConfig(srv)
	cfg.ClaimsSource = connector.ClaimsFromUserinfo
	cfg.AuthorizationURL = proxy.URL + "/authorize"
	cfg.TokenURL = proxy.URL + "/oauth/token"
	cfg.UserinfoURL = proxy.URL + "/userinfo"
	cfg.JWKSURL = proxy.URL + "/keys"
	cfg.RevocationURL = proxy.URL + "/revoke"
	cfg.EndSessionURL = proxy.URL + "/end_session"
	c := open(t, cfg)
	id, err := login(t, srv, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if id.Email != "alice@example.com" {
		t.Fatalf("identity = %+v", id)
	}
	mu.Lock()
	defer mu.Unlock()
	for _, p := range []string{"/authorize", "/oauth/token", "/userinfo", "/keys", "/revoke"} {
		if hits[p] != 1 {
			t.Errorf("%s reached through the override %d times, want 1 (all: %v)", p, hits[p], hits)
		}
	}
	if srv.DiscoveryHits() != 1 {
		t.Errorf("discovery fetched %d times, want 1", srv.DiscoveryHits())
	}
	if u, _ := c.(connector.Logouter).LogoutURL(context.Background(), "", ""); !strings.HasPrefix(u, proxy.URL+"/end_session") {
		t.Errorf("logout URL = %q", u)
	}
}
