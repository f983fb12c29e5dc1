package connector

import "slices"

// Protocols a preset can use.
const (
	ProtocolOIDC = "oidc"
	ProtocolSAML = "saml"
)

// Claim sources for OIDC presets.
const (
	ClaimsFromIDToken  = "idtoken"
	ClaimsFromUserinfo = "userinfo"
)

// Preset is a starting configuration for a well-known identity provider,
// shown on the "new connection" page. Help steps contain "{redirect_uri}",
// which the page replaces with the org's callback URL.
type Preset struct {
	ID           string
	Name         string
	Protocol     string
	Help         []string
	Scopes       []string
	ClaimMapping ClaimMapping
	GroupsClaim  string
	// ClaimsSource is ClaimsFromIDToken or ClaimsFromUserinfo.
	ClaimsSource string
	// PKCE is "S256", "plain" or "none".
	PKCE string
	// IssuerHint is a placeholder for the issuer field.
	IssuerHint string
}

// Presets returns the built-in presets in display order, "custom" last.
// The slice is new on every call; callers may modify it.
func Presets() []Preset {
	std := []string{"openid", "email", "profile"}
	withGroups := append(slices.Clone(std), "groups")
	return []Preset{
		{
			ID: "okta", Name: "Okta", Protocol: ProtocolOIDC,
			Help: []string{
				"In the Okta admin console, open Applications → Create App Integration and choose OIDC – Web Application.",
				"Tick the Authorization Code grant type and paste {redirect_uri} as the sign-in redirect URI.",
				"To send groups, add a Groups claim named \"groups\" (filter: Matches regex .*) on the app's Sign On tab.",
				"Copy the client ID and client secret here; the issuer is your Okta domain, e.g. https://your-org.okta.com.",
			},
			Scopes: withGroups, GroupsClaim: "groups", ClaimsSource: ClaimsFromIDToken, PKCE: "S256",
			IssuerHint: "https://your-org.okta.com",
		},
		{
			ID: "entra", Name: "Microsoft Entra ID", Protocol: ProtocolOIDC,
			Help: []string{
				"In the Entra admin center, open App registrations → New registration, platform Web.",
				"Paste {redirect_uri} as the redirect URI.",
				"Under Certificates & secrets create a client secret and copy its value here.",
				"To send groups, add a groups claim under Token configuration (Security groups, emitted as Group ID or sAMAccountName).",
				"The issuer is https://login.microsoftonline.com/<tenant-id>/v2.0.",
			},
			Scopes:       std,
			ClaimMapping: ClaimMapping{Email: "preferred_username"},
			GroupsClaim:  "groups", ClaimsSource: ClaimsFromIDToken, PKCE: "S256",
			IssuerHint: "https://login.microsoftonline.com/<tenant-id>/v2.0",
		},
		{
			ID: "google", Name: "Google Workspace", Protocol: ProtocolOIDC,
			Help: []string{
				"In the Google Cloud console, open APIs & Services → Credentials → Create credentials → OAuth client ID, type Web application.",
				"Paste {redirect_uri} under Authorized redirect URIs.",
				"Copy the client ID and client secret here. Google does not send groups, so use a default role.",
			},
			Scopes: std, ClaimsSource: ClaimsFromIDToken, PKCE: "S256",
			IssuerHint: "https://accounts.google.com",
		},
		{
			ID: "auth0", Name: "Auth0", Protocol: ProtocolOIDC,
			Help: []string{
				"In the Auth0 dashboard, create an Application of type Regular Web Application.",
				"Paste {redirect_uri} under Allowed Callback URLs; the Authorization Code grant is on by default.",
				"Groups need an Action that adds a namespaced claim such as https://your-app.example.com/groups; enter that name as the groups claim.",
				"The issuer is https://<tenant>.auth0.com/ (with the trailing slash).",
			},
			Scopes: std, GroupsClaim: "https://your-app.example.com/groups", ClaimsSource: ClaimsFromIDToken, PKCE: "S256",
			IssuerHint: "https://your-tenant.auth0.com/",
		},
		{
			ID: "keycloak", Name: "Keycloak", Protocol: ProtocolOIDC,
			Help: []string{
				"In your realm, create a Client with Client authentication on and Standard flow enabled.",
				"Paste {redirect_uri} as a Valid redirect URI.",
				"To send groups, add a Group Membership mapper named \"groups\" (Full group path off) to the client's dedicated scope.",
				"The issuer is https://<host>/realms/<realm>.",
			},
			Scopes: std, GroupsClaim: "groups", ClaimsSource: ClaimsFromIDToken, PKCE: "S256",
			IssuerHint: "https://keycloak.example.com/realms/your-realm",
		},
		{
			ID: "cognito", Name: "Amazon Cognito", Protocol: ProtocolOIDC,
			Help: []string{
				"In your user pool, create an App client with a client secret; enable the Authorization code grant and the openid, email and profile scopes.",
				"Paste {redirect_uri} as an Allowed callback URL.",
				"Cognito sends group membership as cognito:groups.",
				"The issuer is https://cognito-idp.<region>.amazonaws.com/<user-pool-id>.",
			},
			Scopes: std, GroupsClaim: "cognito:groups", ClaimsSource: ClaimsFromIDToken, PKCE: "S256",
			IssuerHint: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example",
		},
		{
			ID: "ping", Name: "PingOne / PingFederate", Protocol: ProtocolOIDC,
			Help: []string{
				"Add an OIDC Web App application and enable the Authorization Code grant.",
				"Paste {redirect_uri} as a redirect URI.",
				"To send groups, map the memberOf (or group) attribute to a \"groups\" claim in the application's attribute mappings.",
				"The issuer is https://auth.pingone.com/<environment-id>/as.",
			},
			Scopes: std, GroupsClaim: "groups", ClaimsSource: ClaimsFromIDToken, PKCE: "S256",
			IssuerHint: "https://auth.pingone.com/<environment-id>/as",
		},
		{
			ID: "jumpcloud", Name: "JumpCloud", Protocol: ProtocolOIDC,
			Help: []string{
				"In the JumpCloud admin portal, add a Custom OIDC App under SSO Applications.",
				"Paste {redirect_uri} as the redirect URI and choose Authorization Code as grant type, client_secret_basic as authentication.",
				"Under Attribute Mapping, include the group attribute and name it \"groups\".",
				"JumpCloud's access tokens are opaque, so claims are read from the userinfo endpoint. The issuer is https://oauth.id.jumpcloud.com/.",
			},
			Scopes: withGroups, GroupsClaim: "groups", ClaimsSource: ClaimsFromUserinfo, PKCE: "S256",
			IssuerHint: "https://oauth.id.jumpcloud.com/",
		},
		{
			ID: "duo", Name: "Duo (Cisco)", Protocol: ProtocolOIDC,
			Help: []string{
				"In the Duo admin panel, protect a Generic OIDC Relying Party application.",
				"Paste {redirect_uri} as a Sign-In Redirect URL and allow the Authorization Code grant.",
				"Add the openid, email and profile scopes; map groups to a \"groups\" claim if you need them.",
				"Copy the issuer shown in the Duo application settings.",
			},
			Scopes: std, GroupsClaim: "groups", ClaimsSource: ClaimsFromIDToken, PKCE: "S256",
			IssuerHint: "https://sso-xxxxxxxx.sso.duosecurity.com/oidc/<client-id>",
		},
		{
			ID: "custom", Name: "Other OpenID Connect provider", Protocol: ProtocolOIDC,
			Help: []string{
				"Register a confidential web application with the Authorization Code grant.",
				"Paste {redirect_uri} as its redirect URI.",
				"Enter the issuer (discovery reads /.well-known/openid-configuration) or turn discovery off and enter the endpoints.",
			},
			Scopes: std, GroupsClaim: "groups", ClaimsSource: ClaimsFromIDToken, PKCE: "S256",
			IssuerHint: "https://idp.example.com",
		},
	}
}

// PresetByID returns the preset with id.
func PresetByID(id string) (Preset, bool) {
	for _, p := range Presets() {
		if p.ID == id {
			return p, true
		}
	}
	return Preset{}, false
}
