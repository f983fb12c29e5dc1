package oidc

import (
	"fmt"
	"strings"
	"testing"

	"github.com/orgsso/orgsso/app/connector"
)

func TestValidate(t *testing.T) {
	ok := Config{Issuer: "https://idp.example.com", Discovery: true, ClientID: "abc"}
	tests := []struct {
		name      string
		mutate    func(*Config)
		wantField string // "" means valid
	}{
		{name: "minimal discovery config", mutate: func(*Config) {}},
		{name: "localhost http issuer", mutate: func(c *Config) { c.Issuer = "http://localhost:8081/realms/x" }},
		{name: "missing issuer", mutate: func(c *Config) { c.Issuer = "" }, wantField: "issuer"},
		{name: "http issuer on a public host", mutate: func(c *Config) { c.Issuer = "http://idp.example.com" }, wantField: "issuer"},
		{name: "issuer not a URL", mutate: func(c *Config) { c.Issuer = "idp.example.com" }, wantField: "issuer"},
		{name: "issuer with query", mutate: func(c *Config) { c.Issuer = "https://idp.example.com/?x=1" }, wantField: "issuer"},
		{name: "missing client id", mutate: func(c *Config) { c.ClientID = " " }, wantField: "clientID"},
		{name: "manual endpoints required without discovery", mutate: func(c *Config) { c.Discovery = false }, wantField: "tokenURL"},
		{name: "manual endpoints given", mutate: func(c *Config) {
			c.Discovery = false
			c.AuthorizationURL, c.TokenURL, c.JWKSURL = "https://i/a", "https://i/t", "https://i/k"
		}},
		{name: "manual userinfo mode needs userinfo URL", mutate: func(c *Config) {
			c.Discovery = false
			c.AuthorizationURL, c.TokenURL, c.JWKSURL = "https://i/a", "https://i/t", "https://i/k"
			c.ClaimsSource = connector.ClaimsFromUserinfo
		}, wantField: "userinfoURL"},
		{name: "bad auth method", mutate: func(c *Config) { c.ClientAuthMethod = "private_key_jwt" }, wantField: "clientAuthMethod"},
		{name: "bad pkce", mutate: func(c *Config) { c.PKCE = "S512" }, wantField: "pkce"},
		{name: "bad claims source", mutate: func(c *Config) { c.ClaimsSource = "token" }, wantField: "claimsSource"},
		{name: "scope with a space", mutate: func(c *Config) { c.Scopes = []string{"openid email"} }, wantField: "scopes"},
		{name: "forwarding a protocol param", mutate: func(c *Config) { c.ForwardedLoginParams = []string{"redirect_uri"} }, wantField: "forwardedLoginParams"},
		{name: "forwarding login params", mutate: func(c *Config) {
			c.ForwardedLoginParams = []string{"login_hint", "domain_hint", "prompt", "acr_values", " "}
		}},
		{name: "http end session on public host", mutate: func(c *Config) { c.EndSessionURL = "http://idp.example.com/logout" }, wantField: "endSessionURL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.mutate(&c)
			errs := c.Validate()
			if tc.wantField == "" {
				if len(errs) != 0 {
					t.Fatalf("unexpected errors: %v", errs)
				}
				return
			}
			if errs[tc.wantField] == "" {
				t.Fatalf("no error for %s; got %v", tc.wantField, errs)
			}
		})
	}
}

// Each protocol parameter is refused by name, in any case, with a message
// that says why and what may be forwarded.
func TestValidateRefusesProtocolParams(t *testing.T) {
	for _, p := range []string{"state", "nonce", "redirect_uri", "client_id", "response_type", "scope",
		"code_challenge", "code_challenge_method", "code_verifier", "Nonce", "STATE"} {
		c := Config{Issuer: "https://idp.example.com", Discovery: true, ClientID: "abc", ForwardedLoginParams: []string{"login_hint", p}}
		msg := c.Validate()["forwardedLoginParams"]
		want := fmt.Sprintf("%q is a protocol parameter that orgsso sets itself, so it cannot be forwarded.", p)
		if !strings.HasPrefix(msg, want) || !strings.Contains(msg, "login_hint, domain_hint, prompt or acr_values") {
			t.Errorf("%s: message %q", p, msg)
		}
	}
}

func TestWithDefaults(t *testing.T) {
	c := Config{Scopes: []string{"email", " groups ", "email"}}.WithDefaults()
	if got := c.Scopes; len(got) != 3 || got[0] != "openid" || got[1] != "email" || got[2] != "groups" {
		t.Fatalf("scopes = %q", got)
	}
	if c.PKCE != PKCES256 || c.ClientAuthMethod != AuthBasic || c.ClaimsSource != connector.ClaimsFromIDToken ||
		c.GroupsClaim != "groups" || c.ClaimMapping.Email != "email" {
		t.Fatalf("defaults = %+v", c)
	}
}
