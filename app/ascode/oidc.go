package ascode

import (
	"context"
	"encoding/json"
	"reflect"

	"gopkg.in/yaml.v3"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/app/connector/oidc"
)

// oidcProtocol maps the document's OIDC keys to oidc.Config.
type oidcProtocol struct{}

// oidcDoc is an OIDC config as written in a document; the keys are
// oidc.Config's JSON names.
type oidcDoc struct {
	Issuer               string    `yaml:"issuer" json:"issuer"`
	Discovery            bool      `yaml:"discovery" json:"discovery"`
	AuthorizationURL     string    `yaml:"authorizationURL,omitempty" json:"authorizationURL,omitempty"`
	TokenURL             string    `yaml:"tokenURL,omitempty" json:"tokenURL,omitempty"`
	UserinfoURL          string    `yaml:"userinfoURL,omitempty" json:"userinfoURL,omitempty"`
	JWKSURL              string    `yaml:"jwksURL,omitempty" json:"jwksURL,omitempty"`
	EndSessionURL        string    `yaml:"endSessionURL,omitempty" json:"endSessionURL,omitempty"`
	RevocationURL        string    `yaml:"revocationURL,omitempty" json:"revocationURL,omitempty"`
	ClientID             string    `yaml:"clientID" json:"clientID"`
	ClientAuthMethod     string    `yaml:"clientAuthMethod,omitempty" json:"clientAuthMethod,omitempty"`
	Scopes               []string  `yaml:"scopes,omitempty,flow" json:"scopes,omitempty"`
	PKCE                 string    `yaml:"pkce,omitempty" json:"pkce,omitempty"`
	ResponseMode         string    `yaml:"responseMode,omitempty" json:"responseMode,omitempty"`
	ClaimsSource         string    `yaml:"claimsSource,omitempty" json:"claimsSource,omitempty"`
	RequireVerifiedEmail bool      `yaml:"requireVerifiedEmail" json:"requireVerifiedEmail"`
	ClaimMapping         *claimDoc `yaml:"claimMapping,omitempty" json:"claimMapping,omitempty"`
	GroupsClaim          string    `yaml:"groupsClaim,omitempty" json:"groupsClaim,omitempty"`
	ForwardedLoginParams []string  `yaml:"forwardedLoginParams,omitempty,flow" json:"forwardedLoginParams,omitempty"`
}

type claimDoc struct {
	UserID     string `yaml:"userID,omitempty" json:"userID,omitempty"`
	Email      string `yaml:"email,omitempty" json:"email,omitempty"`
	Name       string `yaml:"name,omitempty" json:"name,omitempty"`
	GivenName  string `yaml:"givenName,omitempty" json:"givenName,omitempty"`
	FamilyName string `yaml:"familyName,omitempty" json:"familyName,omitempty"`
	Picture    string `yaml:"picture,omitempty" json:"picture,omitempty"`
}

func (oidcProtocol) parseConfig(p *parser, n *yaml.Node, path string) (string, SecretRef) {
	var c oidc.Config
	var secret SecretRef
	secretKey := func(key string) field {
		return func(n *yaml.Node, full string) {
			var v string
			p.str(&v)(n, full)
			if v == "" {
				return
			}
			if secret.Key != "" {
				p.fail(n, full, "give the secret once: %s is given too", secret.Key)
				return
			}
			secret = SecretRef{Key: key, Value: v}
		}
	}
	cm := &c.ClaimMapping
	p.mapping(n, path, map[string]field{
		"issuer":               p.str(&c.Issuer),
		"discovery":            p.boolean(&c.Discovery),
		"authorizationURL":     p.str(&c.AuthorizationURL),
		"tokenURL":             p.str(&c.TokenURL),
		"userinfoURL":          p.str(&c.UserinfoURL),
		"jwksURL":              p.str(&c.JWKSURL),
		"endSessionURL":        p.str(&c.EndSessionURL),
		"revocationURL":        p.str(&c.RevocationURL),
		"clientID":             p.str(&c.ClientID),
		"clientSecretEnv":      secretKey("clientSecretEnv"),
		"clientSecretFile":     secretKey("clientSecretFile"),
		"clientSecret":         secretKey("clientSecret"),
		"clientAuthMethod":     p.str(&c.ClientAuthMethod),
		"scopes":               p.list(&c.Scopes),
		"pkce":                 p.str(&c.PKCE),
		"responseMode":         p.str(&c.ResponseMode),
		"claimsSource":         p.str(&c.ClaimsSource),
		"requireVerifiedEmail": p.boolean(&c.RequireVerifiedEmail),
		"claimMapping": func(n *yaml.Node, full string) {
			p.mapping(n, full, map[string]field{
				"userID": p.str(&cm.UserID), "email": p.str(&cm.Email), "name": p.str(&cm.Name),
				"givenName": p.str(&cm.GivenName), "familyName": p.str(&cm.FamilyName), "picture": p.str(&cm.Picture),
			})
		},
		"groupsClaim":          p.str(&c.GroupsClaim),
		"forwardedLoginParams": p.list(&c.ForwardedLoginParams),
	})
	b, err := json.Marshal(c)
	if err != nil { // a struct of strings and bools always marshals
		p.fail(n, path, "%v", err)
	}
	return string(b), secret
}

func decodeOIDC(config string) (oidc.Config, error) {
	var c oidc.Config
	err := jsonUnmarshal(config, &c)
	if len(c.Scopes) == 0 {
		c.Scopes = nil
	}
	if len(c.ForwardedLoginParams) == 0 {
		c.ForwardedLoginParams = nil
	}
	return c, err
}

func (oidcProtocol) validate(config string) map[string]string {
	c, err := decodeOIDC(config)
	if err != nil {
		return map[string]string{"": "the stored settings cannot be read"}
	}
	return c.Validate()
}

func (oidcProtocol) equal(a, b string) bool {
	ca, err1 := decodeOIDC(a)
	cb, err2 := decodeOIDC(b)
	return err1 == nil && err2 == nil && reflect.DeepEqual(ca, cb)
}

func (oidcProtocol) export(config string) (any, error) {
	c, err := decodeOIDC(config)
	if err != nil {
		return nil, err
	}
	d := oidcDoc{
		Issuer: c.Issuer, Discovery: c.Discovery,
		AuthorizationURL: c.AuthorizationURL, TokenURL: c.TokenURL, UserinfoURL: c.UserinfoURL, JWKSURL: c.JWKSURL,
		EndSessionURL: c.EndSessionURL, RevocationURL: c.RevocationURL,
		ClientID: c.ClientID, ClientAuthMethod: c.ClientAuthMethod, Scopes: c.Scopes, PKCE: c.PKCE,
		ResponseMode: c.ResponseMode, ClaimsSource: c.ClaimsSource, RequireVerifiedEmail: c.RequireVerifiedEmail,
		GroupsClaim: c.GroupsClaim, ForwardedLoginParams: c.ForwardedLoginParams,
	}
	if m := c.ClaimMapping; m != (connector.ClaimMapping{}) {
		d.ClaimMapping = &claimDoc{UserID: m.UserID, Email: m.Email, Name: m.Name, GivenName: m.GivenName,
			FamilyName: m.FamilyName, Picture: m.Picture}
	}
	return d, nil
}

func (oidcProtocol) document(config string) string { return config }

// secretInDocument: the client secret is the IdP's, so the document names
// where to read it.
func (oidcProtocol) secretInDocument() bool { return true }

// stored: an OIDC config is stored as the document says it.
func (oidcProtocol) stored(_ context.Context, in storeInput) (storeResult, error) {
	return storeResult{config: in.item.Config}, nil
}

// addresses: an OIDC connection's redirect URI is the org's, shown on its
// settings page, not per connection.
func (oidcProtocol) addresses(connector.Env) (string, string) { return "", "" }

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }

// restored: an OIDC config holds nothing the server made.
func (oidcProtocol) restored(version, _ string) string { return version }
