package oidc

import (
	"context"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/orgsso/orgsso/app/connector"
)

// Length limits of the form's own fields, in characters.
const (
	maxSecret      = 4096
	maxPresetField = 256 // each of a preset's fields (tenant, domain …)
)

// The form's fields that are not settings of their own.
const (
	fieldSecret      = "clientSecret"
	fieldIssuerShown = "issuerShown"
	presetPrefix     = "preset."
)

// form is OpenID Connect's part of the connection form.
func form() *connector.Form {
	return &connector.Form{
		Fields: []connector.FormField{
			{Name: "issuer", Label: "Issuer URL"}, {Name: "clientID", Label: "Client ID", UpFront: true},
			{Name: fieldSecret, Label: "Client secret", UpFront: true},
			{Name: "discovery", Label: "Discovery"}, {Name: "authorizationURL", Label: "Authorization endpoint"},
			{Name: "tokenURL", Label: "Token endpoint"}, {Name: "userinfoURL", Label: "Userinfo endpoint"}, {Name: "jwksURL", Label: "JWKS URI"},
			{Name: "endSessionURL", Label: "End-session endpoint"}, {Name: "revocationURL", Label: "Revocation endpoint"},
			{Name: "clientAuthMethod", Label: "Client authentication"}, {Name: "scopes", Label: "Scopes"}, {Name: "pkce", Label: "PKCE"},
			{Name: "responseMode", Label: "Answer by"}, {Name: "claimsSource", Label: "Read claims from"},
			{Name: "requireVerifiedEmail", Label: "Require a verified email"},
			{Name: "claimMapping.userID", Label: "User ID claim"}, {Name: "claimMapping.email", Label: "Email claim"},
			{Name: "claimMapping.name", Label: "Name claim"}, {Name: "claimMapping.givenName", Label: "Given name claim"},
			{Name: "claimMapping.familyName", Label: "Family name claim"}, {Name: "claimMapping.picture", Label: "Picture claim"},
			{Name: "groupsClaim", Label: "Groups claim"}, {Name: "forwardedLoginParams", Label: "Forwarded login parameters"},
		},
		SecretFields: []string{fieldSecret},
		ReturnLabel:  "Redirect URI",
		ReturnID:     "redirect-uri",
		New:          newValues,
		Show:         showValues,
		Read:         readForm,
	}
}

// newValues are a new connection's starting values from its preset.
func newValues(p connector.Preset) connector.FormValues {
	return connector.FormValues{
		"issuer":           p.FixedIssuer,
		fieldIssuerShown:   p.FixedIssuer,
		"discovery":        "true",
		"clientAuthMethod": AuthBasic,
		"scopes":           strings.Join(p.Scopes, " "),
		"pkce":             p.PKCE,
		"responseMode":     ResponseQuery,
		"claimsSource":     p.ClaimsSource,
		// An email mapped from another claim is never verified, so
		// requiring verification would refuse every login.
		"requireVerifiedEmail":    connector.Check(p.ClaimMapping.Email == "" || p.ClaimMapping.Email == "email"),
		"claimMapping.userID":     p.ClaimMapping.UserID,
		"claimMapping.email":      p.ClaimMapping.Email,
		"claimMapping.name":       p.ClaimMapping.Name,
		"claimMapping.givenName":  p.ClaimMapping.GivenName,
		"claimMapping.familyName": p.ClaimMapping.FamilyName,
		"claimMapping.picture":    p.ClaimMapping.Picture,
		"groupsClaim":             p.GroupsClaim,
	}
}

// showValues shows a stored configuration in the form; the selects show
// the effective choice.
func showValues(raw []byte, p connector.Preset) (connector.FormValues, error) {
	cfg, err := ConfigOf(raw)
	if err != nil {
		return nil, err
	}
	d := cfg.WithDefaults()
	v := connector.FormValues{
		fieldIssuerShown: cfg.Issuer,
		"issuer":         cfg.Issuer, "discovery": connector.Check(cfg.Discovery),
		"authorizationURL": cfg.AuthorizationURL, "tokenURL": cfg.TokenURL, "userinfoURL": cfg.UserinfoURL,
		"jwksURL": cfg.JWKSURL, "endSessionURL": cfg.EndSessionURL, "revocationURL": cfg.RevocationURL,
		"clientID": cfg.ClientID, "clientAuthMethod": d.ClientAuthMethod, "scopes": strings.Join(cfg.Scopes, " "),
		"pkce": d.PKCE, "responseMode": d.ResponseMode, "claimsSource": d.ClaimsSource,
		"requireVerifiedEmail": connector.Check(cfg.RequireVerifiedEmail),
		"claimMapping.userID":  cfg.ClaimMapping.UserID, "claimMapping.email": cfg.ClaimMapping.Email,
		"claimMapping.name": cfg.ClaimMapping.Name, "claimMapping.givenName": cfg.ClaimMapping.GivenName,
		"claimMapping.familyName": cfg.ClaimMapping.FamilyName, "claimMapping.picture": cfg.ClaimMapping.Picture,
		"groupsClaim": cfg.GroupsClaim, "forwardedLoginParams": strings.Join(cfg.ForwardedLoginParams, " "),
	}
	// The preset's fields are not stored: the issuer is the one source of
	// truth (also for config as code), and they are read back from it.
	if len(p.Fields) > 0 {
		fields, _ := p.ParseIssuer(cfg.Issuer)
		for name, value := range fields {
			v[presetPrefix+name] = value
		}
	}
	return v, nil
}

// readForm checks the submitted section: the preset's fields give the
// issuer, the rest is the configuration.
func readForm(_ context.Context, in connector.FormInput) connector.FormResult {
	v := connector.FormValues{}
	for name, value := range in.Values {
		v[name] = value
	}
	v["scopes"] = strings.Join(SplitList(v["scopes"]), " ")
	v["forwardedLoginParams"] = strings.Join(SplitList(v["forwardedLoginParams"]), " ")
	res := connector.FormResult{Values: v, Problems: map[string]string{}}
	fromFields, fieldErrs := resolveIssuer(v, in.Preset)
	cfg := configOf(v)
	for field, msg := range cfg.Validate() {
		if field == "issuer" && fromFields && len(fieldErrs) > 0 {
			continue // the fields say what is missing
		}
		res.Problems[field] = msg
	}
	for field, msg := range fieldErrs {
		res.Problems[field] = msg
	}
	for _, f := range in.Preset.Fields {
		if utf8.RuneCountInString(v[presetPrefix+f.Name]) > maxPresetField {
			res.Problems[presetPrefix+f.Name] = connector.TooLong(maxPresetField)
		}
	}
	secret := in.Values[fieldSecret]
	switch {
	case utf8.RuneCountInString(secret) > maxSecret:
		res.Problems[fieldSecret] = connector.TooLong(maxSecret)
	case secret != "":
		res.Secret = &secret
	case in.Stored == nil:
		res.Problems[fieldSecret] = "Enter the client secret from your identity provider."
	}
	delete(v, fieldSecret)
	res.Check = cfg.Discovery
	res.CheckField = "issuer"
	if fromFields && len(in.Preset.Fields) > 0 {
		res.CheckField = presetPrefix + in.Preset.Fields[0].Name
	}
	if len(res.Problems) == 0 {
		raw, err := json.Marshal(cfg)
		if err != nil {
			res.Problems["issuer"] = err.Error()
		}
		res.Config = raw
	}
	return res
}

// resolveIssuer decides the issuer a preset's form gives, and sets it in
// v. The issuer field (under Advanced) starts as issuerShown; while the
// admin leaves it so, and it came from the preset (derived from its
// fields, or fixed), the issuer comes from the fields again. An issuer the
// admin typed is kept, unless the fields were changed too and give
// another one: then neither is guessed and the form says so. fromFields
// reports that the issuer is the fields'; problems are by form field.
func resolveIssuer(v connector.FormValues, p connector.Preset) (fromFields bool, problems map[string]string) {
	if p.AsksIssuer() {
		return false, nil
	}
	typed, shown := v["issuer"], v[fieldIssuerShown]
	_, parses := p.ParseIssuer(shown)
	shownFromPreset := shown == "" || shown == p.FixedIssuer || parses
	fromFields = typed == "" || (typed == shown && shownFromPreset)
	fields := map[string]string{}
	for _, f := range p.Fields {
		fields[f.Name] = v[presetPrefix+f.Name]
	}
	derived, fieldProblems := p.DeriveIssuer(fields)
	problems = map[string]string{}
	for name, msg := range fieldProblems {
		// A field left empty is a problem only when it is to give the issuer.
		if fromFields || strings.TrimSpace(fields[name]) != "" {
			problems[presetPrefix+name] = msg
		}
	}
	if fromFields {
		v["issuer"] = derived
		// Shown again after another field's error, the derived issuer is
		// still the fields' own.
		v[fieldIssuerShown] = derived
		return true, problems
	}
	if len(p.Fields) == 0 || len(problems) > 0 || derived == "" || derived == typed {
		return false, problems
	}
	if !parses || derived != shown { // the fields changed as well
		problems["issuer"] = "This issuer differs from the one the fields above give (" + derived + "). " +
			"Empty this field to use theirs, or change the fields back."
	}
	return false, problems
}

// configOf is the configuration the form's values describe (no secret).
func configOf(v connector.FormValues) Config {
	return Config{
		Issuer: v["issuer"], Discovery: v.On("discovery"),
		AuthorizationURL: v["authorizationURL"], TokenURL: v["tokenURL"], UserinfoURL: v["userinfoURL"],
		JWKSURL: v["jwksURL"], EndSessionURL: v["endSessionURL"], RevocationURL: v["revocationURL"],
		ClientID: v["clientID"], ClientAuthMethod: v["clientAuthMethod"], Scopes: SplitList(v["scopes"]), PKCE: v["pkce"],
		ResponseMode: storedResponseMode(v["responseMode"]), ClaimsSource: v["claimsSource"], RequireVerifiedEmail: v.On("requireVerifiedEmail"),
		ClaimMapping: connector.ClaimMapping{
			UserID: v["claimMapping.userID"], Email: v["claimMapping.email"], Name: v["claimMapping.name"],
			GivenName: v["claimMapping.givenName"], FamilyName: v["claimMapping.familyName"], Picture: v["claimMapping.picture"],
		},
		GroupsClaim:          v["groupsClaim"],
		ForwardedLoginParams: SplitList(v["forwardedLoginParams"]),
	}
}

// storedResponseMode keeps the default response mode implicit, so that
// connections saved before the setting existed stay unchanged when their
// form is saved again as it is.
func storedResponseMode(m string) string {
	if m == ResponseQuery {
		return ""
	}
	return m
}

// SplitList splits a list typed with spaces, commas or new lines.
func SplitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == ',' || r == '\n' || r == '\r' || r == '\t'
	})
}
