package web_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/orgsso/orgsso/app/connector/oidc"
	"github.com/orgsso/orgsso/models"
)

const tenantID = "6f1c2b3a-1d2e-4f5a-9b8c-7d6e5f4a3b2c"

// presetForm is a valid form of a preset that asks for fields, with
// discovery off so that saving it contacts no IdP.
func presetForm(preset, name string, fields ...string) url.Values {
	v := url.Values{
		"preset":           {preset},
		"displayName":      {name},
		"authorizationURL": {"https://idp.example.com/authorize"},
		"tokenURL":         {"https://idp.example.com/token"},
		"jwksURL":          {"https://idp.example.com/keys"},
		"clientID":         {"client-" + name},
		"clientSecret":     {"s3cret-value-" + name},
		"clientAuthMethod": {"client_secret_basic"},
		"scopes":           {"openid email profile"},
		"pkce":             {"S256"},
		"claimsSource":     {"idtoken"},
		"groupsClaim":      {"groups"},
		"jit":              {"true"},
		"defaultRole":      {"user"},
	}
	for i := 0; i+1 < len(fields); i += 2 {
		v.Set("preset."+fields[i], fields[i+1])
	}
	return v
}

func storedOIDC(t *testing.T, conn models.Connection) oidc.Config {
	t.Helper()
	var cfg oidc.Config
	if err := json.Unmarshal([]byte(conn.Config), &cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// TestNewConnectionAsksOnlyWhatDiffers: each preset's form shows its few
// fields, the client ID and secret up front, and folds the rest.
func TestNewConnectionAsksOnlyWhatDiffers(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	tests := []struct {
		preset string
		// upFront are the visible fields besides displayName, clientID and clientSecret.
		upFront []string
		issuer  string // the issuer field's starting value
	}{
		{"okta", []string{"preset.domain", "preset.authServer"}, ""},
		{"entra", []string{"preset.tenant"}, ""},
		{"adfs", []string{"preset.host"}, ""},
		{"google", nil, "https://accounts.google.com"},
		{"auth0", []string{"preset.domain"}, ""},
		{"keycloak", []string{"preset.baseURL", "preset.realm"}, ""},
		{"cognito", []string{"preset.region", "preset.userPool"}, ""},
		{"ping", []string{"preset.environment", "preset.region"}, ""},
		{"jumpcloud", nil, "https://oauth.id.jumpcloud.com/"},
		{"duo", []string{"issuer"}, ""},
		{"custom", []string{"issuer"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.preset, func(t *testing.T) {
			p := f.c.get(f.base() + "/connections/new?preset=" + tc.preset)
			assertStatus(t, p, http.StatusOK)
			var visible []string
			p.doc.Find(`[data-testid="connection-form"] input, [data-testid="connection-form"] select`).Each(func(_ int, s *goquery.Selection) {
				if s.AttrOr("type", "") == "hidden" || s.ParentsFiltered(`[data-testid="advanced"]`).Length() > 0 {
					return
				}
				visible = append(visible, s.AttrOr("name", ""))
			})
			want := append([]string{"displayName"}, tc.upFront...)
			want = append(want, "clientID", "clientSecret")
			if strings.Join(visible, " ") != strings.Join(want, " ") {
				t.Errorf("visible fields %v, want %v", visible, want)
			}
			if n := len(visible); n < 3 || n > 5 {
				t.Errorf("%d visible fields, want 3 to 5", n)
			}
			adv := p.testid("advanced")
			if _, open := adv.Attr("open"); open {
				t.Error("Advanced is open on a new form")
			}
			if adv.Find(`[name="issuer"]`).Length() == 0 && tc.upFront[0] != "issuer" {
				t.Error("the issuer is not editable under Advanced")
			}
			if got := p.inputValue("issuer"); got != tc.issuer {
				t.Errorf("issuer = %q, want %q", got, tc.issuer)
			}
			help := p.text("setup-help")
			if !strings.Contains(help, f.e.opts.BaseURL+"/o/acme/oidc/callback") || strings.Contains(help, "{redirect_uri}") {
				t.Errorf("setup help does not show our redirect URI: %q", help)
			}
		})
	}
	t.Run("adfs maps email from upn", func(t *testing.T) {
		p := f.c.get(f.base() + "/connections/new?preset=adfs")
		if got := p.inputValue("claimMapping.email"); got != "upn" {
			t.Errorf("email claim = %q", got)
		}
	})
}

func TestPresetFieldValidation(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	tests := []struct {
		name  string
		form  url.Values
		field string
		want  string
	}{
		{"entra tenant missing", presetForm("entra", "Entra"), "preset.tenant", "Enter the Directory (tenant) ID"},
		{"entra tenant neither GUID nor domain", presetForm("entra", "Entra", "tenant", "6f1c2b3a_1d2e"), "preset.tenant", "a GUID such as"},
		{"entra common tenant", presetForm("entra", "Entra", "tenant", "common"), "preset.tenant", "any Microsoft tenant"},
		{"adfs host with scheme path", presetForm("adfs", "ADFS", "host", "https://adfs.contoso.com/adfs/ls"), "preset.host", "without https:// or a path"},
		{"okta domain", presetForm("okta", "Okta", "domain", "not a domain"), "preset.domain", "your-org.okta.com"},
		{"cognito region", presetForm("cognito", "Cognito", "region", "Ireland", "userPool", "eu-west-1_AbC123"), "preset.region", "such as eu-west-1"},
		{"cognito pool of another region", presetForm("cognito", "Cognito", "region", "eu-west-1", "userPool", "us-east-1_AbC123"), "preset.userPool", "starts with its region"},
		{"keycloak http server", presetForm("keycloak", "Keycloak", "baseURL", "http://sso.acme.example", "realm", "acme"), "preset.baseURL", "Use https"},
		{"keycloak realm", presetForm("keycloak", "Keycloak", "baseURL", "https://sso.acme.example", "realm", "acme/x"), "preset.realm", "realm's name"},
		{"ping environment", presetForm("ping", "Ping", "environment", "env-1", "region", "eu"), "preset.environment", "GUID"},
		{"ping region", presetForm("ping", "Ping", "environment", tenantID, "region", "mars"), "preset.region", "Choose one"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := f.c.post(f.base()+"/connections", tc.form)
			assertStatus(t, p, http.StatusUnprocessableEntity)
			assertContains(t, "error next to "+tc.field, p.text("error-"+tc.field), tc.want)
			if inv := p.doc.Find(`[name="`+tc.field+`"]`).AttrOr("aria-invalid", ""); inv != "true" {
				t.Errorf("field %s is not marked invalid", tc.field)
			}
			// A text input shows the value as typed (a select cannot show
			// a value it does not offer).
			if p.doc.Find(`input[name="`+tc.field+`"]`).Length() > 0 {
				if got, typed := p.inputValue(tc.field), tc.form.Get(tc.field); got != typed {
					t.Errorf("input %s = %q, want the typed %q kept", tc.field, got, typed)
				}
			}
			if p.has("error-issuer") {
				t.Errorf("an issuer error besides the field's: %q", p.text("error-issuer"))
			}
			if _, open := p.testid("advanced").Attr("open"); open {
				t.Error("Advanced opened for an error outside it")
			}
			if n := f.e.count("connections", ""); n != 0 {
				t.Errorf("%d connections saved, want none", n)
			}
		})
	}
	t.Run("an error under Advanced opens it", func(t *testing.T) {
		p := f.c.post(f.base()+"/connections", formWith(presetForm("entra", "Entra", "tenant", tenantID), "tokenURL", ""))
		assertStatus(t, p, http.StatusUnprocessableEntity)
		if _, open := p.testid("advanced").Attr("open"); !open {
			t.Error("Advanced stays folded over the token endpoint's error")
		}
		if got := p.inputValue("preset.tenant"); got != tenantID {
			t.Errorf("tenant = %q, want it kept", got)
		}
		if got := p.inputValue("issuer"); got != "https://login.microsoftonline.com/"+tenantID+"/v2.0" {
			t.Errorf("issuer shown = %q, want the derived one", got)
		}
	})
}

// TestSavePresetConnections saves one connection per representative preset
// through the form and checks the derived issuer is what is stored.
func TestSavePresetConnections(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	tests := []struct {
		name   string
		form   url.Values
		issuer string
		check  func(t *testing.T, cfg oidc.Config)
	}{
		{"entra tenant", presetForm("entra", "Entra", "tenant", strings.ToUpper(tenantID)),
			"https://login.microsoftonline.com/" + tenantID + "/v2.0", nil},
		{"cognito", presetForm("cognito", "Cognito", "region", "eu-west-1", "userPool", "eu-west-1_AbC123xyZ"),
			"https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyZ", nil},
		{"keycloak", presetForm("keycloak", "Keycloak", "baseURL", "https://sso.acme.example/", "realm", "acme"),
			"https://sso.acme.example/realms/acme", nil},
		{"google's fixed issuer, posted unchanged", formWith(presetForm("google", "Google"), "issuer", "https://accounts.google.com", "issuerShown", "https://accounts.google.com"),
			"https://accounts.google.com", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			conn := f.createConn(t, tc.form)
			if conn.Preset != tc.form.Get("preset") {
				t.Errorf("preset = %q", conn.Preset)
			}
			cfg := storedOIDC(t, conn)
			if cfg.Issuer != tc.issuer {
				t.Errorf("stored issuer = %q, want %q", cfg.Issuer, tc.issuer)
			}
			if strings.Contains(conn.Config, "preset.") || strings.Contains(conn.Config, "presetFields") {
				t.Errorf("preset fields stored beside the issuer: %s", conn.Config)
			}
		})
	}
}

// TestPresetEditRoundTrip: the edit form shows the preset's fields read
// back from the stored issuer, and saving them changes the issuer.
func TestPresetEditRoundTrip(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	conn := f.createConn(t, presetForm("cognito", "Cognito", "region", "eu-west-1", "userPool", "eu-west-1_AbC123xyZ"))
	oldIssuer := "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyZ"

	edit := f.c.get(f.connURL(conn, "/edit"))
	assertStatus(t, edit, http.StatusOK)
	for name, want := range map[string]string{"preset.region": "eu-west-1", "preset.userPool": "eu-west-1_AbC123xyZ", "issuer": oldIssuer, "issuerShown": oldIssuer} {
		if got := edit.inputValue(name); got != want {
			t.Errorf("edit form %s = %q, want %q", name, got, want)
		}
	}

	// Posts what the browser sends: every input of the edit form as shown.
	formOf := func(p *page) url.Values {
		v := url.Values{}
		p.doc.Find(`[data-testid="connection-form"] input, [data-testid="connection-form"] select, [data-testid="connection-form"] textarea`).Each(func(_ int, s *goquery.Selection) {
			name := s.AttrOr("name", "")
			switch {
			case s.Is("select"):
				v.Set(name, s.Find("option[selected]").AttrOr("value", ""))
			case s.Is("textarea"):
				v.Set(name, s.Text())
			case s.AttrOr("type", "") == "checkbox":
				if _, on := s.Attr("checked"); on {
					v.Set(name, "true")
				}
			default:
				v.Set(name, s.AttrOr("value", ""))
			}
		})
		return v
	}

	t.Run("unchanged", func(t *testing.T) {
		p := f.c.post(f.connURL(conn, ""), formOf(edit))
		assertStatus(t, p, http.StatusSeeOther)
		if got := f.reload(t, conn); got.Version != conn.Version {
			t.Errorf("version %d -> %d for an unchanged form", conn.Version, got.Version)
		}
	})
	t.Run("change the pool", func(t *testing.T) {
		p := f.c.post(f.connURL(conn, ""), formWith(formOf(edit), "preset.userPool", "eu-west-1_New456"))
		assertStatus(t, p, http.StatusSeeOther)
		got := f.reload(t, conn)
		if cfg := storedOIDC(t, got); cfg.Issuer != "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_New456" {
			t.Errorf("issuer = %q after changing the pool", cfg.Issuer)
		}
		again := f.c.get(f.connURL(conn, "/edit"))
		if v := again.inputValue("preset.userPool"); v != "eu-west-1_New456" {
			t.Errorf("pool shown = %q after saving", v)
		}
		edit, conn = again, got
	})
	custom := "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_New456/"
	t.Run("type another issuer under Advanced", func(t *testing.T) {
		p := f.c.post(f.connURL(conn, ""), formWith(formOf(edit), "issuer", custom))
		assertStatus(t, p, http.StatusSeeOther)
		got := f.reload(t, conn)
		if cfg := storedOIDC(t, got); cfg.Issuer != custom {
			t.Errorf("issuer = %q, want the typed %q kept", cfg.Issuer, custom)
		}
		again := f.c.get(f.connURL(conn, "/edit"))
		if again.inputValue("preset.userPool") != "" || !again.has("issuer-elsewhere") {
			t.Error("the fields are shown as if they gave the typed issuer")
		}
		edit, conn = again, got
		// Saved again as shown, the typed issuer stays.
		assertStatus(t, f.c.post(f.connURL(conn, ""), formOf(edit)), http.StatusSeeOther)
		if cfg := storedOIDC(t, f.reload(t, conn)); cfg.Issuer != custom {
			t.Errorf("issuer = %q after saving the form unchanged", cfg.Issuer)
		}
	})
	t.Run("fields and issuer changed apart are refused", func(t *testing.T) {
		form := formWith(formOf(edit), "preset.region", "eu-west-1", "preset.userPool", "eu-west-1_Other789")
		p := f.c.post(f.connURL(conn, ""), form)
		assertStatus(t, p, http.StatusUnprocessableEntity)
		assertContains(t, "issuer error", p.text("error-issuer"), "differs from the one the fields above give (https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other789)")
		if _, open := p.testid("advanced").Attr("open"); !open {
			t.Error("Advanced is folded over the issuer's error")
		}
		// Emptying the issuer uses the fields.
		assertStatus(t, f.c.post(f.connURL(conn, ""), formWith(form, "issuer", "")), http.StatusSeeOther)
		if cfg := storedOIDC(t, f.reload(t, conn)); cfg.Issuer != "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Other789" {
			t.Errorf("issuer = %q", cfg.Issuer)
		}
	})
}

// TestPresetDiscoveryProblemShownAtField: with discovery on, an IdP that
// does not answer at the derived issuer is reported next to the preset's
// field, and nothing is saved; one that does is saved.
func TestPresetDiscoveryProblemShownAtField(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	var fetched atomic.Int32
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/realms/acme/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		fetched.Add(1)
		iss := srv.URL + "/realms/acme"
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": iss, "authorization_endpoint": iss + "/protocol/openid-connect/auth",
			"token_endpoint": iss + "/protocol/openid-connect/token", "jwks_uri": iss + "/protocol/openid-connect/certs",
			"userinfo_endpoint": iss + "/protocol/openid-connect/userinfo", "response_types_supported": []string{"code"},
			"subject_types_supported": []string{"public"}, "id_token_signing_alg_values_supported": []string{"RS256"},
		})
	}))
	t.Cleanup(srv.Close)

	form := formWith(presetForm("keycloak", "Keycloak", "baseURL", srv.URL, "realm", "wrong"), "discovery", "true")
	p := f.c.post(f.base()+"/connections", form)
	assertStatus(t, p, http.StatusUnprocessableEntity)
	if !p.has("error-preset.baseURL") {
		t.Errorf("no error next to the server URL; errors: %q", p.text("error-summary"))
	}
	if n := f.e.count("connections", ""); n != 0 {
		t.Fatalf("%d connections saved, want none", n)
	}

	conn := f.createConn(t, formWith(form, "preset.realm", "acme"))
	if fetched.Load() == 0 {
		t.Error("the discovery document was not fetched")
	}
	if cfg := storedOIDC(t, conn); cfg.Issuer != srv.URL+"/realms/acme" || !cfg.Discovery {
		t.Errorf("stored %+v", cfg)
	}
}
