package connector

import (
	"strings"
	"testing"
)

func TestPresets(t *testing.T) {
	want := []string{"okta", "entra", "adfs", "google", "auth0", "keycloak", "cognito", "ping", "jumpcloud", "duo", "custom"}
	var ps []Preset
	for _, p := range Presets() {
		if p.Protocol == ProtocolOIDC {
			ps = append(ps, p)
		}
	}
	if len(ps) != len(want) {
		t.Fatalf("%d presets, want %d", len(ps), len(want))
	}
	for i, id := range want {
		t.Run(id, func(t *testing.T) {
			p, ok := PresetByID(id)
			if !ok || ps[i].ID != id {
				t.Fatalf("preset %s missing or out of order", id)
			}
			if p.Name == "" || p.Protocol != ProtocolOIDC || len(p.Help) == 0 || p.PKCE == "" || p.IssuerHint == "" {
				t.Fatalf("incomplete preset %+v", p)
			}
			if !strings.Contains(strings.Join(p.Help, " "), "{redirect_uri}") {
				t.Fatalf("help does not say where to paste the redirect URI")
			}
			if p.Scopes[0] != "openid" {
				t.Fatalf("scopes %v", p.Scopes)
			}
			for _, f := range p.Fields {
				if f.Label == "" || (!f.Optional && f.missing == "") {
					t.Errorf("field %s has no label or no message when empty", f.Name)
				}
			}
			if p.AsksIssuer() != (id == "duo" || id == "custom") {
				t.Errorf("AsksIssuer = %v", p.AsksIssuer())
			}
		})
	}
	t.Run("provider specifics", func(t *testing.T) {
		entra, _ := PresetByID("entra")
		adfs, _ := PresetByID("adfs")
		cognito, _ := PresetByID("cognito")
		jc, _ := PresetByID("jumpcloud")
		google, _ := PresetByID("google")
		if entra.ClaimMapping.Email != "preferred_username" || entra.GroupsClaim != "groups" ||
			adfs.ClaimMapping.Email != "upn" ||
			cognito.GroupsClaim != "cognito:groups" || jc.ClaimsSource != ClaimsFromUserinfo || google.GroupsClaim != "" {
			t.Fatal("preset specifics wrong")
		}
	})
	t.Run("callers get a copy", func(t *testing.T) {
		Presets()[0].Scopes[0] = "changed"
		if p, _ := PresetByID("okta"); p.Scopes[0] != "openid" {
			t.Fatal("Presets shares state")
		}
	})
	if _, ok := PresetByID("nope"); ok {
		t.Fatal("unknown preset found")
	}
}

// TestPresetDerivedIssuer derives each preset's issuer from the fields it
// asks for, and reads the fields back from that issuer (what the edit form
// shows).
func TestPresetDerivedIssuer(t *testing.T) {
	const guid = "6f1c2b3a-1d2e-4f5a-9b8c-7d6e5f4a3b2c"
	tests := []struct {
		name   string
		preset string
		vals   map[string]string
		want   string
		// back are the values read back, when they differ from vals
		// (cleaned: no https://, lower case, no trailing slash).
		back map[string]string
	}{
		{"google is fixed", "google", nil, "https://accounts.google.com", nil},
		{"jumpcloud is fixed", "jumpcloud", nil, "https://oauth.id.jumpcloud.com/", nil},
		{"entra by tenant GUID", "entra", map[string]string{"tenant": guid}, "https://login.microsoftonline.com/" + guid + "/v2.0", nil},
		{"entra GUID in capitals", "entra", map[string]string{"tenant": strings.ToUpper(guid)}, "https://login.microsoftonline.com/" + guid + "/v2.0",
			map[string]string{"tenant": guid}},
		{"entra by verified domain", "entra", map[string]string{"tenant": "contoso.onmicrosoft.com"}, "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0", nil},
		{"adfs host", "adfs", map[string]string{"host": "adfs.contoso.com"}, "https://adfs.contoso.com/adfs", nil},
		{"adfs host pasted as URL", "adfs", map[string]string{"host": "https://ADFS.contoso.com/"}, "https://adfs.contoso.com/adfs",
			map[string]string{"host": "adfs.contoso.com"}},
		{"okta org server", "okta", map[string]string{"domain": "acme.okta.com"}, "https://acme.okta.com", map[string]string{"domain": "acme.okta.com"}},
		{"okta custom server", "okta", map[string]string{"domain": "login.acme.com", "authServer": "default"}, "https://login.acme.com/oauth2/default", nil},
		{"okta server id", "okta", map[string]string{"domain": "acme.okta.com", "authServer": "aus1a2b3c4d5e6f7g8h9"}, "https://acme.okta.com/oauth2/aus1a2b3c4d5e6f7g8h9", nil},
		{"auth0 domain", "auth0", map[string]string{"domain": "acme.eu.auth0.com"}, "https://acme.eu.auth0.com/", nil},
		{"cognito", "cognito", map[string]string{"region": "eu-west-1", "userPool": "eu-west-1_AbC123xyZ"}, "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyZ", nil},
		{"cognito govcloud", "cognito", map[string]string{"region": "us-gov-west-1", "userPool": "us-gov-west-1_Q1w2E3"}, "https://cognito-idp.us-gov-west-1.amazonaws.com/us-gov-west-1_Q1w2E3", nil},
		{"keycloak", "keycloak", map[string]string{"baseURL": "https://sso.acme.com", "realm": "acme"}, "https://sso.acme.com/realms/acme", nil},
		{"keycloak legacy /auth, trailing slash", "keycloak", map[string]string{"baseURL": "https://sso.acme.com/auth/", "realm": "acme"}, "https://sso.acme.com/auth/realms/acme",
			map[string]string{"baseURL": "https://sso.acme.com/auth", "realm": "acme"}},
		{"keycloak on localhost", "keycloak", map[string]string{"baseURL": "http://localhost:8081", "realm": "dev"}, "http://localhost:8081/realms/dev", nil},
		{"ping north america", "ping", map[string]string{"environment": guid, "region": "com"}, "https://auth.pingone.com/" + guid + "/as", nil},
		{"ping europe", "ping", map[string]string{"environment": guid, "region": "eu"}, "https://auth.pingone.eu/" + guid + "/as", nil},
		{"ping asia", "ping", map[string]string{"environment": guid, "region": "asia"}, "https://auth.pingone.asia/" + guid + "/as", nil},
		{"ping canada", "ping", map[string]string{"environment": guid, "region": "ca"}, "https://auth.pingone.ca/" + guid + "/as", nil},
		{"custom asks", "custom", nil, "", nil},
		{"duo asks", "duo", nil, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := PresetByID(tc.preset)
			got, problems := p.DeriveIssuer(tc.vals)
			if len(problems) != 0 || got != tc.want {
				t.Fatalf("DeriveIssuer(%v) = %q, %v; want %q", tc.vals, got, problems, tc.want)
			}
			if len(p.Fields) == 0 {
				if _, ok := p.ParseIssuer(got); ok {
					t.Error("a preset without fields read fields from an issuer")
				}
				return
			}
			back := tc.back
			if back == nil {
				back = tc.vals
			}
			vals, ok := p.ParseIssuer(got)
			if !ok {
				t.Fatalf("ParseIssuer(%q) failed", got)
			}
			for _, f := range p.Fields {
				if vals[f.Name] != back[f.Name] {
					t.Errorf("read back %s = %q, want %q", f.Name, vals[f.Name], back[f.Name])
				}
			}
		})
	}
}

func TestPresetFieldProblems(t *testing.T) {
	tests := []struct {
		name   string
		preset string
		vals   map[string]string
		field  string
		want   string
	}{
		{"entra missing tenant", "entra", nil, "tenant", "Enter the Directory (tenant) ID"},
		{"entra tenant not a GUID or domain", "entra", map[string]string{"tenant": "6f1c2b3a-nope"}, "tenant", "a GUID such as"},
		{"entra common tenant", "entra", map[string]string{"tenant": "common"}, "tenant", "any Microsoft tenant"},
		{"adfs host with path", "adfs", map[string]string{"host": "adfs.contoso.com/adfs"}, "host", "without https:// or a path"},
		{"adfs single label", "adfs", map[string]string{"host": "adfs"}, "host", "host name such as adfs.contoso.com"},
		{"okta domain with spaces", "okta", map[string]string{"domain": "my org.okta.com"}, "domain", "your-org.okta.com"},
		{"okta auth server with a slash", "okta", map[string]string{"domain": "acme.okta.com", "authServer": "oauth2/default"}, "authServer", "or leave it empty"},
		{"auth0 missing", "auth0", map[string]string{"domain": " "}, "domain", "Enter your Auth0 domain"},
		{"cognito region typo", "cognito", map[string]string{"region": "eu-west", "userPool": "eu-west-1_AbC"}, "region", "such as eu-west-1"},
		{"cognito region as name", "cognito", map[string]string{"region": "Ireland", "userPool": "eu-west-1_AbC"}, "region", "such as eu-west-1"},
		{"cognito pool of another region", "cognito", map[string]string{"region": "eu-west-1", "userPool": "us-east-1_AbC"}, "userPool", "region us-east-1, not eu-west-1"},
		{"cognito pool without region", "cognito", map[string]string{"region": "eu-west-1", "userPool": "AbC123"}, "userPool", "eu-west-1_AbC123xyZ"},
		{"cognito missing pool", "cognito", map[string]string{"region": "eu-west-1"}, "userPool", "Enter the user pool ID"},
		{"keycloak not a URL", "keycloak", map[string]string{"baseURL": "sso.acme.com", "realm": "acme"}, "baseURL", "address of your Keycloak server"},
		{"keycloak plain http", "keycloak", map[string]string{"baseURL": "http://sso.acme.com", "realm": "acme"}, "baseURL", "Use https"},
		{"keycloak realm in base", "keycloak", map[string]string{"baseURL": "https://sso.acme.com/realms/acme", "realm": "acme"}, "baseURL", "without /realms/"},
		{"keycloak realm with slash", "keycloak", map[string]string{"baseURL": "https://sso.acme.com", "realm": "a/b"}, "realm", "realm's name"},
		{"ping environment not a GUID", "ping", map[string]string{"environment": "env-1", "region": "eu"}, "environment", "GUID"},
		{"ping unknown region", "ping", map[string]string{"environment": "6f1c2b3a-1d2e-4f5a-9b8c-7d6e5f4a3b2c", "region": "us"}, "region", "Choose one"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := PresetByID(tc.preset)
			got, problems := p.DeriveIssuer(tc.vals)
			if got != "" {
				t.Errorf("issuer %q derived from bad values", got)
			}
			if !strings.Contains(problems[tc.field], tc.want) {
				t.Errorf("problem with %s = %q, want it to contain %q (all: %v)", tc.field, problems[tc.field], tc.want, problems)
			}
		})
	}
}

func TestPresetParseIssuerRefusesOthers(t *testing.T) {
	tests := []struct{ preset, issuer string }{
		{"entra", "https://login.microsoftonline.com/common/v2.0"},
		{"entra", "https://sts.windows.net/6f1c2b3a-1d2e-4f5a-9b8c-7d6e5f4a3b2c/"},
		{"okta", "https://acme.okta.com/oauth2/default/extra"},
		{"cognito", "https://cognito-idp.eu-west-1.amazonaws.com/us-east-1_AbC"},
		{"keycloak", "https://sso.acme.com/realms/"},
		{"ping", "https://auth.pingone.com/not-a-guid/as"},
		{"adfs", "https://adfs.contoso.com/adfs/"},
		{"auth0", "https://acme.auth0.com"},
	}
	for _, tc := range tests {
		t.Run(tc.preset+" "+tc.issuer, func(t *testing.T) {
			p, _ := PresetByID(tc.preset)
			if vals, ok := p.ParseIssuer(tc.issuer); ok {
				t.Errorf("read %v from an issuer the preset does not derive", vals)
			}
		})
	}
}

func TestSAMLPresets(t *testing.T) {
	want := []string{"saml-okta", "saml-entra", "saml-google", "saml-jumpcloud", "saml-duo", "saml-custom"}
	var ids []string
	for _, p := range Presets() {
		if p.Protocol == ProtocolSAML {
			ids = append(ids, p.ID)
		}
	}
	if strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Fatalf("SAML presets %v, want %v", ids, want)
	}
	for _, id := range want {
		t.Run(id, func(t *testing.T) {
			p, ok := PresetByID(id)
			if !ok || p.Name == "" || len(p.Help) == 0 || p.ClaimMapping.Email == "" || p.GroupsClaim == "" || len(p.Fields) != 0 {
				t.Fatalf("incomplete preset %+v", p)
			}
			help := strings.Join(p.Help, " ")
			if !strings.Contains(help, PlaceholderACSURL) || !strings.Contains(help, PlaceholderEntityID) || strings.Contains(help, "{redirect_uri}") {
				t.Fatalf("help does not say where the ACS URL and entity ID go: %s", help)
			}
		})
	}
	entra, _ := PresetByID("saml-entra")
	if entra.Name != "Microsoft Entra ID / AD FS" ||
		entra.ClaimMapping.Email != "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress" ||
		entra.GroupsClaim != "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups" {
		t.Fatalf("entra %+v", entra)
	}
}
