package idp

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

const cb = "http://rp.test/callback"

func TestCodeFlow(t *testing.T) {
	tests := []struct {
		name  string
		opts  []Option
		setup func(*OIDCServer)
		check func(t *testing.T, s *OIDCServer, claims map[string]any, tok *oauth2.Token)
	}{
		{
			name: "RS256 with claims in the ID token",
			check: func(t *testing.T, s *OIDCServer, c map[string]any, tok *oauth2.Token) {
				if c["email"] != "bob@example.com" || c["email_verified"] != true || c["name"] != "Bob" {
					t.Fatalf("claims = %v", c)
				}
				if g, _ := c["groups"].([]any); len(g) != 1 || g[0] != "IT" {
					t.Fatalf("groups = %v", c["groups"])
				}
			},
		},
		{
			name: "ES256, URL groups claim",
			opts: []Option{WithES256(), WithGroupsClaim("https://app.example.com/groups")},
			check: func(t *testing.T, s *OIDCServer, c map[string]any, _ *oauth2.Token) {
				if s.SigningAlgorithm() != "ES256" || c["https://app.example.com/groups"] == nil {
					t.Fatalf("alg %s, claims %v", s.SigningAlgorithm(), c)
				}
			},
		},
		{
			name:  "claims only in userinfo, opaque access token",
			setup: func(s *OIDCServer) { s.SetClaimsOnlyInUserinfo(true); s.SetOpaqueAccessTokens(true) },
			check: func(t *testing.T, s *OIDCServer, c map[string]any, tok *oauth2.Token) {
				if c["email"] != nil || c["groups"] != nil {
					t.Fatalf("ID token has userinfo claims: %v", c)
				}
				if n := len(tok.AccessToken); n == 0 || countDots(tok.AccessToken) == 2 {
					t.Fatalf("access token looks like a JWT: %q", tok.AccessToken)
				}
				ui := userinfo(t, s, tok)
				if ui["email"] != "bob@example.com" || ui["groups"] == nil {
					t.Fatalf("userinfo = %v", ui)
				}
			},
		},
		{
			name:  "selected user",
			setup: func(s *OIDCServer) { s.AddUser(User{Subject: "eve", Email: "eve@example.com"}); s.SetUser("eve") },
			check: func(t *testing.T, s *OIDCServer, c map[string]any, _ *oauth2.Token) {
				if c["sub"] != "eve" || c["email_verified"] != nil {
					t.Fatalf("claims = %v", c)
				}
			},
		},
		{
			name: "tampered ID token is re-signed",
			setup: func(s *OIDCServer) {
				s.TamperIDToken(func(t *IDToken) { t.Claims["name"] = "Mallory" })
			},
			check: func(t *testing.T, s *OIDCServer, c map[string]any, _ *oauth2.Token) {
				if c["name"] != "Mallory" {
					t.Fatalf("claims = %v", c)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := append([]Option{
				WithClient(Client{ID: "rp", Secret: "sec", RedirectURIs: []string{cb}}),
				WithUser(User{Subject: "bob", Email: "bob@example.com", EmailVerified: true, Name: "Bob", Groups: []string{"IT"}}),
			}, tc.opts...)
			s := NewOIDC(t, opts...)
			if tc.setup != nil {
				tc.setup(s)
			}
			ctx := gooidc.ClientContext(context.Background(), s.Client())
			p, err := gooidc.NewProvider(ctx, s.Issuer())
			if err != nil {
				t.Fatal(err)
			}
			conf := oauth2.Config{ClientID: "rp", ClientSecret: "sec", Endpoint: p.Endpoint(), RedirectURL: cb,
				Scopes: []string{"openid", "email", "profile"}}
			back, err := s.Authorize(ctx, conf.AuthCodeURL("st", gooidc.Nonce("n1")))
			if err != nil {
				t.Fatal(err)
			}
			if back.Query().Get("state") != "st" {
				t.Fatalf("callback = %s", back)
			}
			tok, err := conf.Exchange(ctx, back.Query().Get("code"))
			if err != nil {
				t.Fatal(err)
			}
			idt, err := p.Verifier(&gooidc.Config{ClientID: "rp", SupportedSigningAlgs: []string{s.SigningAlgorithm()}}).
				Verify(ctx, tok.Extra("id_token").(string))
			if err != nil {
				t.Fatal(err)
			}
			if idt.Nonce != "n1" {
				t.Fatalf("nonce = %q", idt.Nonce)
			}
			var claims map[string]any
			idt.Claims(&claims)
			tc.check(t, s, claims, tok)
			if s.DiscoveryHits() != 1 || s.JWKSHits() != 1 || s.TokenHits() != 1 || s.AuthorizeHits() != 1 {
				t.Fatalf("hits: discovery %d jwks %d token %d authorize %d",
					s.DiscoveryHits(), s.JWKSHits(), s.TokenHits(), s.AuthorizeHits())
			}
		})
	}
}

func TestFailNextLogin(t *testing.T) {
	s := NewOIDC(t, WithClient(Client{ID: "rp", Secret: "sec", RedirectURIs: []string{cb}}), WithUser(User{Subject: "bob"}))
	s.FailNextLogin("access_denied", "not assigned")
	u := s.AuthorizationURL() + "?client_id=rp&response_type=code&scope=openid&redirect_uri=" + cb + "&state=st"
	back, err := s.Authorize(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	q := back.Query()
	if q.Get("error") != "access_denied" || q.Get("error_description") != "not assigned" || q.Get("state") != "st" {
		t.Fatalf("callback = %s", back)
	}
	if back, _ := s.Authorize(context.Background(), u); back.Query().Get("code") == "" {
		t.Fatalf("second login should succeed: %s", back)
	}
}

func TestDiscoveryAdvertisesEndpoints(t *testing.T) {
	s := NewOIDC(t, WithES256())
	resp, err := s.Client().Get(s.Issuer() + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d struct {
		Issuer     string   `json:"issuer"`
		EndSession string   `json:"end_session_endpoint"`
		JWKS       string   `json:"jwks_uri"`
		Algs       []string `json:"id_token_signing_alg_values_supported"`
	}
	json.NewDecoder(resp.Body).Decode(&d)
	if d.Issuer != s.Issuer() || d.EndSession != s.EndSessionURL() || d.JWKS != s.JWKSURL() || !slices.Equal(d.Algs, []string{"ES256"}) {
		t.Fatalf("discovery = %+v", d)
	}
}

func userinfo(t *testing.T, s *OIDCServer, tok *oauth2.Token) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.UserinfoURL(), nil)
	tok.SetAuthHeader(req)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return m
}

func countDots(s string) (n int) {
	for _, c := range s {
		if c == '.' {
			n++
		}
	}
	return n
}
