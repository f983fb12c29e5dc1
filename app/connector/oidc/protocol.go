package oidc

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/orgsso/orgsso/app/connector"
)

// Name is the protocol as stored with a connection.
const Name = connector.ProtocolOIDC

// Protocol is OpenID Connect as app registers it.
func Protocol() connector.Protocol {
	return connector.Protocol{
		Name:          Name,
		Label:         "OpenID Connect",
		Open:          openStored,
		ReturnPath:    "/oidc/callback",
		ReturnMethods: []string{http.MethodGet, http.MethodPost}, // a redirect, or response_mode=form_post
		InitiatePath:  "/sso/:conn/initiate",
		Initiate:      initiate,
		State:         func(r *http.Request) string { return r.FormValue("state") },
		Form:          form(),
		Hints:         hints,
	}
}

// hints say what to check at the OpenID provider after a failed test.
var hints = map[string]string{
	connector.CodeDiscoveryFailed:     "Check the issuer URL: it must be the exact issuer your provider shows, and its /.well-known/openid-configuration must be reachable from this server.",
	connector.CodeIssuerMismatch:      "Copy the issuer exactly as your provider's discovery document writes it, including any trailing slash.",
	connector.CodeTokenExchangeFailed: "Check the client ID, the client secret and the client authentication method, and that the redirect URI registered at the provider is exactly this organization's.",
	connector.CodeSignatureInvalid:    "Check that the issuer and the JWKS URI belong to the same provider; the provider may also have rotated its keys.",
	connector.CodeTokenExpired:        "Check that this server's clock and the provider's are right.",
	connector.CodeTokenNotYetValid:    "Check that this server's clock and the provider's are right.",
	connector.CodeAudMismatch:         "Check the client ID: it must be the one of the application you registered at the provider.",
	connector.CodeAzpMismatch:         "Check the client ID: it must be the one of the application you registered at the provider.",
	connector.CodeNonceMismatch:       "Start the test again from this page; a login must finish in the browser that began it.",
	connector.CodeEmailUnverified:     "Verify the email address at the provider, or turn off \"Require a verified email\" if the provider never sends email_verified.",
	connector.CodeUserinfoFailed:      "Check the userinfo endpoint and that the scopes include openid; some providers need the profile or email scope for userinfo.",
	connector.CodeMissingClaim:        "Check the claim mapping, and that the provider's application sends that claim (add the scope or a claim mapper at the provider).",
	connector.CodeIdPError:            "The provider refused the login; its message is above. Check the application's settings and who is assigned to it at the provider.",
}

// ConfigOf decodes an OIDC connection's stored configuration.
func ConfigOf(raw []byte) (Config, error) {
	var cfg Config
	err := json.Unmarshal(raw, &cfg)
	return cfg, err
}

func openStored(ctx context.Context, raw []byte, secret string, env connector.Env) (connector.Connector, error) {
	cfg, err := ConfigOf(raw)
	if err != nil {
		return nil, connector.NewError(connector.CodeInvalidConfig, "This connection's stored settings cannot be read. Save them again.", err)
	}
	cfg.ClientSecret = secret
	return cfg.Open(ctx, env.HTTPClient, env.Log)
}

// initiate is OpenID Connect Core §4's third-party-initiated login: the
// request must name the connection's issuer (iss); it may carry
// target_link_uri and login_hint. The request need not be trusted beyond
// that: it can only start a login, whose answer is checked like any other.
func initiate(raw []byte, r *http.Request) (connector.Initiation, error) {
	cfg, err := ConfigOf(raw)
	if err != nil {
		return connector.Initiation{}, err
	}
	iss := strings.TrimSpace(r.FormValue("iss"))
	switch {
	case iss == "":
		return connector.Initiation{}, connector.NewError(connector.CodeInitiateRefused,
			"The identity provider's request to start a sign-in did not say which identity provider it is (no iss parameter).", nil)
	case !sameIssuer(iss, cfg.Issuer):
		return connector.Initiation{}, connector.NewError(connector.CodeInitiateRefused,
			"The request to start a sign-in came from an identity provider other than the one this sign-in option uses.", nil)
	}
	return connector.Initiation{TargetLink: r.FormValue("target_link_uri"), LoginHint: strings.TrimSpace(r.FormValue("login_hint"))}, nil
}

// sameIssuer compares an issuer as sent with the configured one: exactly,
// but for a trailing slash, which IdPs and admins add or drop freely.
func sameIssuer(sent, configured string) bool {
	return configured != "" && strings.TrimSuffix(sent, "/") == strings.TrimSuffix(configured, "/")
}
