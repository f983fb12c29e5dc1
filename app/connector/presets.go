package connector

import (
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
)

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
// shown on the "new connection" page. Help steps of OIDC presets contain
// "{redirect_uri}", which the page replaces with the org's callback URL;
// those of SAML presets contain "{acs_url}", "{entity_id}" and
// "{metadata_url}" instead.
//
// A preset asks only for what differs per customer (its Fields) and derives
// the issuer from them (DeriveIssuer); ParseIssuer is the inverse, so a
// stored issuer is the one source of truth and the fields are shown again
// by reading it back.
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
	// Fields are the values that differ per customer, from which the issuer
	// is derived; none for a fixed issuer or one the admin types.
	Fields []PresetField
	// FixedIssuer is the issuer of a provider that has one for everybody.
	FixedIssuer string

	// issuers are templates with "{field}" placeholders, most specific
	// first: the first whose fields all have values gives the issuer.
	issuers []string
}

// PresetField is one value a preset asks for, such as a tenant ID.
type PresetField struct {
	// Name is the field's key; the form posts it as "preset." + Name.
	Name        string
	Label       string
	Help        string
	Placeholder string
	Optional    bool
	// Choices, when not empty, are the only allowed values (a select).
	Choices []Choice

	// missing is the message for a required field left empty.
	missing string
	// check cleans a non-empty value and explains what is wrong with it
	// ("" when fine); all are the other fields' raw values.
	check func(v string, all map[string]string) (clean, problem string)
	// match is the regular expression the value matches inside an issuer.
	match string
}

// Choice is one allowed value of a PresetField.
type Choice struct{ Value, Label string }

// AsksIssuer reports whether the admin types the issuer itself: the preset
// neither fixes it nor derives it from fields.
func (p Preset) AsksIssuer() bool { return p.FixedIssuer == "" && len(p.issuers) == 0 }

// DeriveIssuer checks vals (keyed by field name) and returns the issuer
// they give, or a message per field that is missing or wrong (keyed by
// field name, then the issuer is ""). A fixed issuer needs no values; a
// preset that asks for the issuer derives "".
func (p Preset) DeriveIssuer(vals map[string]string) (string, map[string]string) {
	if p.FixedIssuer != "" {
		return p.FixedIssuer, nil
	}
	problems := map[string]string{}
	clean := map[string]string{}
	for _, f := range p.Fields {
		v := strings.TrimSpace(vals[f.Name])
		switch {
		case v == "" && !f.Optional:
			problems[f.Name] = f.missing
		case v == "":
		case len(f.Choices) > 0 && !slices.ContainsFunc(f.Choices, func(c Choice) bool { return c.Value == v }):
			problems[f.Name] = "Choose one of the listed values."
		case len(v) > 255:
			problems[f.Name] = "Use at most 255 characters."
		case f.check != nil:
			c, problem := f.check(v, vals)
			if problem != "" {
				problems[f.Name] = problem
			}
			clean[f.Name] = c
		default:
			clean[f.Name] = v
		}
	}
	if len(problems) > 0 {
		return "", problems
	}
	for _, t := range p.issuers {
		if issuer, ok := fillTemplate(t, clean); ok {
			return issuer, nil
		}
	}
	return "", nil
}

// ParseIssuer reads the field values back from an issuer this preset
// derives; ok is false for any other issuer (one typed under Advanced).
func (p Preset) ParseIssuer(issuer string) (vals map[string]string, ok bool) {
	if len(p.issuers) == 0 || issuer == "" {
		return nil, false
	}
	for _, t := range p.issuers {
		m := p.issuerPattern(t).FindStringSubmatch(issuer)
		if m == nil {
			continue
		}
		vals = map[string]string{}
		for i, name := range p.issuerPattern(t).SubexpNames() {
			if name != "" {
				vals[name] = m[i]
			}
		}
		// Only what derives the very same issuer counts as read back.
		if again, problems := p.DeriveIssuer(vals); len(problems) == 0 && again == issuer {
			return vals, true
		}
	}
	return nil, false
}

func (p Preset) issuerPattern(template string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	rest := template
	for {
		before, after, found := strings.Cut(rest, "{")
		b.WriteString(regexp.QuoteMeta(before))
		if !found {
			break
		}
		name, tail, _ := strings.Cut(after, "}")
		match := `[^/?#]+`
		for _, f := range p.Fields {
			if f.Name == name && f.match != "" {
				match = f.match
			}
		}
		b.WriteString("(?P<" + name + ">" + match + ")")
		rest = tail
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// fillTemplate replaces each "{name}" with vals[name]; ok is false when a
// named value is empty.
func fillTemplate(t string, vals map[string]string) (string, bool) {
	var b strings.Builder
	rest := t
	for {
		before, after, found := strings.Cut(rest, "{")
		b.WriteString(before)
		if !found {
			return b.String(), true
		}
		name, tail, _ := strings.Cut(after, "}")
		if vals[name] == "" {
			return "", false
		}
		b.WriteString(vals[name])
		rest = tail
	}
}

var (
	guidRE      = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	labelRE     = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	awsRegionRE = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]{1,2}$`)
	poolIDRE    = regexp.MustCompile(`^([a-z0-9-]+)_[0-9A-Za-z]{1,55}$`)
	oktaASRE    = regexp.MustCompile(`^[A-Za-z0-9]{1,64}$`)
	realmRE     = regexp.MustCompile(`^[A-Za-z0-9._~-]{1,255}$`)
)

// hostName cleans a host name typed with or without https:// and a
// trailing slash; problem is "" when it is a DNS name with a dot.
func hostName(v, example string) (clean, problem string) {
	v = strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(v, "https://"), "http://"), "/"))
	labels := strings.Split(v, ".")
	ok := len(labels) >= 2 && len(v) <= 253
	for _, l := range labels {
		ok = ok && labelRE.MatchString(l)
	}
	if !ok {
		return v, "Enter a host name such as " + example + ", without https:// or a path."
	}
	return v, ""
}

func checkDomain(example string) func(string, map[string]string) (string, string) {
	return func(v string, _ map[string]string) (string, string) { return hostName(v, example) }
}

func checkGUID(what string) func(string, map[string]string) (string, string) {
	return func(v string, _ map[string]string) (string, string) {
		v = strings.ToLower(v)
		if !guidRE.MatchString(v) {
			return v, "Enter the " + what + ", a GUID such as 6f1c2b3a-1d2e-4f5a-9b8c-7d6e5f4a3b2c."
		}
		return v, ""
	}
}

func checkEntraTenant(v string, _ map[string]string) (string, string) {
	v = strings.ToLower(v)
	if guidRE.MatchString(v) {
		return v, ""
	}
	switch v {
	case "common", "organizations", "consumers":
		return v, "“" + v + "” lets any Microsoft tenant in; enter your own Directory (tenant) ID."
	}
	if clean, problem := hostName(v, "contoso.onmicrosoft.com"); problem == "" {
		return clean, ""
	}
	return v, "Enter the Directory (tenant) ID, a GUID such as 6f1c2b3a-1d2e-4f5a-9b8c-7d6e5f4a3b2c, or a verified domain such as contoso.onmicrosoft.com."
}

func checkAWSRegion(v string, _ map[string]string) (string, string) {
	v = strings.ToLower(v)
	if !awsRegionRE.MatchString(v) {
		return v, "Enter an AWS region such as eu-west-1 or us-east-1."
	}
	return v, ""
}

func checkUserPool(v string, all map[string]string) (string, string) {
	m := poolIDRE.FindStringSubmatch(v)
	if m == nil {
		return v, "Enter the user pool ID, such as eu-west-1_AbC123xyZ (region, underscore, letters and digits)."
	}
	if region := strings.ToLower(strings.TrimSpace(all["region"])); region != "" && m[1] != region {
		return v, "This pool ID is of region " + m[1] + ", not " + region + "; a user pool ID starts with its region."
	}
	return v, ""
}

func checkOktaAuthServer(v string, _ map[string]string) (string, string) {
	if !oktaASRE.MatchString(v) {
		return v, "Enter the authorization server's ID, such as default or aus1a2b3c4d5e6f7g8h9, or leave it empty."
	}
	return v, ""
}

func checkBaseURL(v string, _ map[string]string) (string, string) {
	v = strings.TrimRight(v, "/")
	u, err := url.Parse(v)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "":
		return v, "Enter the address of your Keycloak server, such as https://keycloak.example.com."
	case u.Scheme == "http" && !isLoopback(u.Hostname()):
		return v, "Use https; plain http is allowed only for localhost."
	case strings.Contains(u.Path, "/realms/"):
		return v, "Enter the server's address without /realms/…; the realm has its own field."
	}
	return v, ""
}

func isLoopback(host string) bool {
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func checkRealm(v string, _ map[string]string) (string, string) {
	if !realmRE.MatchString(v) {
		return v, "Enter the realm's name as shown in the realm menu, such as acme (letters, digits, . _ ~ -)."
	}
	return v, ""
}

// Presets returns the built-in presets in display order: the OpenID
// Connect ones, "custom" last, then the SAML ones (see samlPresets),
// "saml-custom" last; pickers filter by Protocol. They are copies: callers
// may modify them.
func Presets() []Preset {
	out := make([]Preset, len(builtinPresets()))
	for i, p := range builtinPresets() {
		out[i] = p.clone()
	}
	return out
}

// clone is p with its own copies of its slices.
func (p Preset) clone() Preset {
	p.Help, p.Scopes, p.issuers = slices.Clone(p.Help), slices.Clone(p.Scopes), slices.Clone(p.issuers)
	p.Fields = slices.Clone(p.Fields)
	for i := range p.Fields {
		p.Fields[i].Choices = slices.Clone(p.Fields[i].Choices)
	}
	return p
}

// builtinPresets are built once: they never change while the server runs.
var builtinPresets = sync.OnceValue(func() []Preset { return append(oidcPresets(), samlPresets()...) })

// oidcPresets are the OpenID Connect presets, "custom" last.
func oidcPresets() []Preset {
	std := []string{"openid", "email", "profile"}
	withGroups := append(slices.Clone(std), "groups")
	return []Preset{
		{
			ID: "okta", Name: "Okta", Protocol: ProtocolOIDC,
			Help: []string{
				"In the Okta Admin Console, open Applications → Applications → Create App Integration and choose OIDC - OpenID Connect, then Web Application.",
				"Keep the Authorization Code grant type and paste {redirect_uri} as the sign-in redirect URI; under Assignments choose who may use it, then Save.",
				"On the app's General tab, copy the Client ID and Client secret here.",
				"To send groups, on the Sign On tab edit OpenID Connect ID Token: Groups claim type Filter, name groups, Matches regex .*",
				"Your Okta domain is in the Admin Console's address and top-right menu (e.g. your-org.okta.com). With a custom authorization server (Security → API → Authorization Servers), enter its ID too, e.g. default.",
			},
			Scopes: withGroups, GroupsClaim: "groups", ClaimsSource: ClaimsFromIDToken, PKCE: "S256",
			IssuerHint: "https://your-org.okta.com",
			Fields: []PresetField{
				{missing: "Enter your Okta domain, such as your-org.okta.com.", Name: "domain", Label: "Okta domain", Placeholder: "your-org.okta.com", Help: "Your Okta org's (or custom) domain, without https://.",
					check: checkDomain("your-org.okta.com")},
				{Name: "authServer", Label: "Authorization server ID (optional)", Placeholder: "default", Optional: true,
					Help: "Only for a custom authorization server; empty uses the org authorization server.", check: checkOktaAuthServer},
			},
			issuers: []string{"https://{domain}/oauth2/{authServer}", "https://{domain}"},
		},
		{
			ID: "entra", Name: "Microsoft Entra ID", Protocol: ProtocolOIDC,
			Help: []string{
				"In the Microsoft Entra admin center, open Identity → Applications → App registrations → New registration; supported account types: this organizational directory only.",
				"Under Redirect URI choose the platform Web and paste {redirect_uri}, then Register.",
				"On the app's Overview page, copy the Application (client) ID and the Directory (tenant) ID here.",
				"Under Certificates & secrets → Client secrets → New client secret, copy the secret's Value (not its Secret ID) here.",
				"To send groups, open Token configuration → Add groups claim and choose Security groups; they arrive as group IDs in the groups claim.",
			},
			Scopes:       std,
			ClaimMapping: ClaimMapping{Email: "preferred_username"},
			GroupsClaim:  "groups", ClaimsSource: ClaimsFromIDToken, PKCE: "S256",
			IssuerHint: "https://login.microsoftonline.com/<tenant-id>/v2.0",
			Fields: []PresetField{
				{missing: "Enter the Directory (tenant) ID from the app registration's Overview page.", Name: "tenant", Label: "Directory (tenant) ID", Placeholder: "6f1c2b3a-1d2e-4f5a-9b8c-7d6e5f4a3b2c",
					Help: "On the app registration's Overview page. The GUID is safest: Entra names the tenant by its GUID in every token.", check: checkEntraTenant},
			},
			issuers: []string{"https://login.microsoftonline.com/{tenant}/v2.0"},
		},
		{
			ID: "adfs", Name: "Microsoft AD FS", Protocol: ProtocolOIDC,
			Help: []string{
				"In AD FS Management, open Application Groups → Add Application Group and choose the template Server application accessing a web API.",
				"On the Server application page, copy the Client Identifier here and add {redirect_uri} as a Redirect URI.",
				"On Configure Application Credentials, tick Generate a shared secret and copy it here.",
				"On Configure Web API, enter the same Client Identifier as the identifier; on Configure Application Permissions allow the openid, email, profile and allatclaims scopes.",
				"To send groups, add an Issuance Transform Rule to the Web API: Send LDAP Attributes as Claims, Token-Groups - Unqualified Names → outgoing claim type groups.",
				"The AD FS host is your federation service name (AD FS Management → Service → Edit Federation Service Properties), e.g. adfs.contoso.com.",
			},
			Scopes:       append(slices.Clone(std), "allatclaims"),
			ClaimMapping: ClaimMapping{Email: "upn"},
			GroupsClaim:  "groups", ClaimsSource: ClaimsFromIDToken, PKCE: "S256",
			IssuerHint: "https://adfs.contoso.com/adfs",
			Fields: []PresetField{
				{missing: "Enter your AD FS host, such as adfs.contoso.com.", Name: "host", Label: "AD FS host", Placeholder: "adfs.contoso.com", Help: "Your federation service name, without https:// or /adfs.",
					check: checkDomain("adfs.contoso.com")},
			},
			issuers: []string{"https://{host}/adfs"},
		},
		{
			ID: "google", Name: "Google Workspace", Protocol: ProtocolOIDC,
			Help: []string{
				"In the Google Cloud console, open APIs & Services → OAuth consent screen and choose the user type Internal, so only your Workspace accounts can sign in.",
				"Open APIs & Services → Credentials → Create credentials → OAuth client ID, application type Web application.",
				"Under Authorized redirect URIs add {redirect_uri}, then Create.",
				"Copy the Client ID and Client secret shown here. Google does not send groups, so use a default role (under Advanced).",
			},
			Scopes: std, ClaimsSource: ClaimsFromIDToken, PKCE: "S256",
			IssuerHint: "https://accounts.google.com", FixedIssuer: "https://accounts.google.com",
		},
		{
			ID: "auth0", Name: "Auth0", Protocol: ProtocolOIDC,
			Help: []string{
				"In the Auth0 Dashboard, open Applications → Applications → Create Application and choose Regular Web Applications.",
				"On the Settings tab, paste {redirect_uri} into Allowed Callback URLs, then Save Changes.",
				"From the same Settings tab, copy the Domain, Client ID and Client Secret here.",
				"Auth0 sends no groups by itself: add a Login Action (Actions → Triggers → post-login) that sets a namespaced claim such as https://your-app.example.com/groups, and enter that name as the groups claim under Advanced.",
			},
			Scopes: std, GroupsClaim: "https://your-app.example.com/groups", ClaimsSource: ClaimsFromIDToken, PKCE: "S256",
			IssuerHint: "https://your-tenant.auth0.com/",
			Fields: []PresetField{
				{missing: "Enter your Auth0 domain, such as your-tenant.us.auth0.com.", Name: "domain", Label: "Auth0 domain", Placeholder: "your-tenant.us.auth0.com", Help: "The application's Domain (or your custom domain), without https://.",
					check: checkDomain("your-tenant.us.auth0.com")},
			},
			issuers: []string{"https://{domain}/"},
		},
		{
			ID: "keycloak", Name: "Keycloak", Protocol: ProtocolOIDC,
			Help: []string{
				"In the Keycloak admin console, choose your realm, open Clients → Create client, client type OpenID Connect, and enter a Client ID.",
				"Turn Client authentication on, keep Standard flow enabled, and paste {redirect_uri} as a Valid redirect URI.",
				"Copy the Client ID here, and the Client secret from the client's Credentials tab.",
				"To send groups, open the client's Client scopes tab → its -dedicated scope → Add mapper → By configuration → Group Membership: token claim name groups, Full group path off.",
				"The server URL is your Keycloak address (add /auth for Keycloak 16 and older); the realm is the name in the realm menu.",
			},
			Scopes: std, GroupsClaim: "groups", ClaimsSource: ClaimsFromIDToken, PKCE: "S256",
			IssuerHint: "https://keycloak.example.com/realms/your-realm",
			Fields: []PresetField{
				{missing: "Enter the address of your Keycloak server.", Name: "baseURL", Label: "Keycloak server URL", Placeholder: "https://keycloak.example.com", Help: "Without /realms/…",
					check: checkBaseURL, match: `https?://[^?#]+?`},
				{missing: "Enter the realm's name.", Name: "realm", Label: "Realm", Placeholder: "acme", check: checkRealm},
			},
			issuers: []string{"{baseURL}/realms/{realm}"},
		},
		{
			ID: "cognito", Name: "Amazon Cognito", Protocol: ProtocolOIDC,
			Help: []string{
				"In the Amazon Cognito console, open User pools and choose your pool; copy its User pool ID (e.g. eu-west-1_AbC123xyZ) here. It starts with the region.",
				"Open App integration → App clients → Create app client, type Confidential client (Traditional web application), with a client secret.",
				"In the app client's Login pages (Hosted UI) settings, paste {redirect_uri} as an Allowed callback URL, grant type Authorization code grant, OpenID Connect scopes openid, email and profile.",
				"Copy the app client's Client ID and Client secret here. Cognito sends group membership as cognito:groups.",
			},
			Scopes: std, GroupsClaim: "cognito:groups", ClaimsSource: ClaimsFromIDToken, PKCE: "S256",
			IssuerHint: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_example",
			Fields: []PresetField{
				{missing: "Enter the AWS region of your user pool, such as eu-west-1.", Name: "region", Label: "AWS region", Placeholder: "eu-west-1", check: checkAWSRegion},
				{missing: "Enter the user pool ID.", Name: "userPool", Label: "User pool ID", Placeholder: "eu-west-1_AbC123xyZ", check: checkUserPool},
			},
			issuers: []string{"https://cognito-idp.{region}.amazonaws.com/{userPool}"},
		},
		{
			ID: "ping", Name: "PingOne", Protocol: ProtocolOIDC,
			Help: []string{
				"In the PingOne admin console, open your environment, then Applications → Applications → + (Add Application), type OIDC Web App.",
				"On the application's Configuration tab, edit it: Response Type Code, Grant Type Authorization Code, and paste {redirect_uri} as a Redirect URI.",
				"From the Configuration tab, copy the Client ID, Client Secret and Environment ID here.",
				"On the Resources tab allow the openid, email and profile scopes; to send groups, add groups (Group Names) on the Attribute Mappings tab. Then turn the application on.",
				"The region is the domain of your PingOne console: auth.pingone.com (North America), .eu, .asia or .ca. For PingFederate, use Other OpenID Connect provider.",
			},
			Scopes: std, GroupsClaim: "groups", ClaimsSource: ClaimsFromIDToken, PKCE: "S256",
			IssuerHint: "https://auth.pingone.com/<environment-id>/as",
			Fields: []PresetField{
				{missing: "Enter the PingOne Environment ID.", Name: "environment", Label: "Environment ID", Placeholder: "6f1c2b3a-1d2e-4f5a-9b8c-7d6e5f4a3b2c", check: checkGUID("Environment ID")},
				{missing: "Choose the region of your PingOne environment.", Name: "region", Label: "Region", Choices: []Choice{
					{"com", "North America (auth.pingone.com)"}, {"eu", "Europe (auth.pingone.eu)"},
					{"asia", "Asia-Pacific (auth.pingone.asia)"}, {"ca", "Canada (auth.pingone.ca)"},
				}, match: `com|eu|asia|ca`},
			},
			issuers: []string{"https://auth.pingone.{region}/{environment}/as"},
		},
		{
			ID: "jumpcloud", Name: "JumpCloud", Protocol: ProtocolOIDC,
			Help: []string{
				"In the JumpCloud Admin Portal, open SSO Applications → + Add New Application → Custom Application and choose Manage Single Sign-On (SSO) with OIDC.",
				"On the SSO tab, paste {redirect_uri} under Redirect URIs, choose Authorization Code as grant type and client_secret_basic as Client Authentication Type.",
				"Under Attribute Mapping tick the Email and Profile standard scopes and add a group attribute named groups; assign user groups on the User Groups tab.",
				"Activate the application and copy the Client ID and Client Secret (shown once) here. JumpCloud's access tokens are opaque, so claims are read from the userinfo endpoint.",
			},
			Scopes: withGroups, GroupsClaim: "groups", ClaimsSource: ClaimsFromUserinfo, PKCE: "S256",
			IssuerHint: "https://oauth.id.jumpcloud.com/", FixedIssuer: "https://oauth.id.jumpcloud.com/",
		},
		{
			ID: "duo", Name: "Duo (Cisco)", Protocol: ProtocolOIDC,
			Help: []string{
				"In the Duo Admin Panel, open Applications → Protect an Application, find Generic OIDC Relying Party and click Protect.",
				"Under Relying Party, paste {redirect_uri} as a Sign-In Redirect URL and keep the Authorization Code grant.",
				"Under Scopes allow openid, email and profile; map groups to a \"groups\" claim if you need them. Save.",
				"From the Metadata section, copy the Client ID, Client Secret and Issuer here.",
			},
			Scopes: std, GroupsClaim: "groups", ClaimsSource: ClaimsFromIDToken, PKCE: "S256",
			IssuerHint: "https://sso-xxxxxxxx.sso.duosecurity.com/oidc/<client-id>",
		},
		{
			ID: "custom", Name: "Other OpenID Connect provider", Protocol: ProtocolOIDC,
			Help: []string{
				"Register a confidential web application with the Authorization Code grant.",
				"Paste {redirect_uri} as its redirect URI.",
				"Enter the issuer (discovery reads /.well-known/openid-configuration) or turn discovery off and enter the endpoints under Advanced.",
			},
			Scopes: std, GroupsClaim: "groups", ClaimsSource: ClaimsFromIDToken, PKCE: "S256",
			IssuerHint: "https://idp.example.com",
		},
	}
}

// PresetByID returns the preset with id.
func PresetByID(id string) (Preset, bool) {
	for _, p := range builtinPresets() {
		if p.ID == id {
			return p.clone(), true
		}
	}
	return Preset{}, false
}

// CustomPreset is the preset without provider-specific defaults of a
// protocol: "custom" for OpenID Connect, "<protocol>-custom" for others.
func CustomPreset(protocol string) Preset {
	id := "custom"
	if protocol != ProtocolOIDC {
		id = protocol + "-custom"
	}
	if p, ok := PresetByID(id); ok && p.Protocol == protocol {
		return p
	}
	return Preset{ID: id, Name: "Custom", Protocol: protocol}
}
