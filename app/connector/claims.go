package connector

import (
	"fmt"
	"strings"
)

// ClaimMapping names the claims (or SAML attributes) the Identity fields are
// read from. Empty fields take the defaults of DefaultClaimMapping. Names are
// looked up as whole keys, so a name may contain dots or be a URL.
type ClaimMapping struct {
	UserID     string `json:"userID,omitempty"`
	Email      string `json:"email,omitempty"`
	Name       string `json:"name,omitempty"`
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
	Picture    string `json:"picture,omitempty"`
}

// DefaultGroupsClaim is the groups claim used when a connection names none.
const DefaultGroupsClaim = "groups"

// DefaultClaimMapping returns the standard OpenID Connect claim names.
func DefaultClaimMapping() ClaimMapping {
	return ClaimMapping{
		UserID:     "sub",
		Email:      "email",
		Name:       "name",
		GivenName:  "given_name",
		FamilyName: "family_name",
		Picture:    "picture",
	}
}

// WithDefaults returns m with every empty field set to its default and
// surrounding whitespace trimmed.
func (m ClaimMapping) WithDefaults() ClaimMapping {
	d := DefaultClaimMapping()
	pick := func(v, def string) string {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
		return def
	}
	return ClaimMapping{
		UserID:     pick(m.UserID, d.UserID),
		Email:      pick(m.Email, d.Email),
		Name:       pick(m.Name, d.Name),
		GivenName:  pick(m.GivenName, d.GivenName),
		FamilyName: pick(m.FamilyName, d.FamilyName),
		Picture:    pick(m.Picture, d.Picture),
	}
}

// MapClaims builds an Identity from claims using mapping (defaults filled in)
// and groupsClaim ("groups" when empty). Groups may be a JSON array of
// strings, a single string, or a comma-separated string.
//
// Name falls back to given and family name joined by a space when the name
// claim is absent or empty.
//
// EmailVerified is true only when the email comes from the "email" claim and
// "email_verified" in the same map is true (or "true"): email_verified
// vouches for the email claim, not for preferred_username or other claims.
// Callers merging several claim sources decide verification themselves.
//
// It fails with CodeMissingClaim when the user id claim is absent. Claims is
// copied into the Identity without token-like entries (see SanitizeClaims).
func MapClaims(claims map[string]any, mapping ClaimMapping, groupsClaim string) (Identity, error) {
	m := mapping.WithDefaults()
	if groupsClaim = strings.TrimSpace(groupsClaim); groupsClaim == "" {
		groupsClaim = DefaultGroupsClaim
	}
	id := Identity{
		Subject:    ClaimString(claims, m.UserID),
		Email:      strings.TrimSpace(ClaimString(claims, m.Email)),
		Name:       ClaimString(claims, m.Name),
		GivenName:  ClaimString(claims, m.GivenName),
		FamilyName: ClaimString(claims, m.FamilyName),
		Picture:    ClaimString(claims, m.Picture),
		Groups:     ClaimStrings(claims, groupsClaim),
		Claims:     SanitizeClaims(claims),
	}
	if id.Name == "" {
		// Some IdPs send only the parts.
		id.Name = strings.TrimSpace(strings.TrimSpace(id.GivenName) + " " + strings.TrimSpace(id.FamilyName))
	}
	if m.Email == "email" && id.Email != "" {
		id.EmailVerified = ClaimBool(claims, "email_verified")
	}
	if id.Subject == "" {
		return Identity{}, NewError(CodeMissingClaim,
			fmt.Sprintf("The identity provider did not send the user id claim '%s'.", m.UserID), nil)
	}
	return id, nil
}

// ClaimString returns claims[name] as a string: strings as they are, numbers
// and booleans formatted, anything else (or absent) as "".
func ClaimString(claims map[string]any, name string) string {
	switch v := claims[name].(type) {
	case string:
		return v
	case float64:
		return fmt.Sprintf("%v", v)
	case int, int64, bool:
		return fmt.Sprint(v)
	case []any:
		if len(v) == 1 {
			if s, ok := v[0].(string); ok {
				return s
			}
		}
	case []string:
		if len(v) == 1 {
			return v[0]
		}
	}
	return ""
}

// ClaimStrings returns claims[name] as a list: a JSON array of strings, a
// single string, or a comma-separated string; blanks are dropped.
func ClaimStrings(claims map[string]any, name string) []string {
	var out []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	switch v := claims[name].(type) {
	case string:
		for _, part := range strings.Split(v, ",") {
			add(part)
		}
	case []string:
		for _, s := range v {
			add(s)
		}
	case []any:
		for _, e := range v {
			switch s := e.(type) {
			case string:
				add(s)
			case float64:
				add(fmt.Sprintf("%v", s))
			}
		}
	}
	return out
}

// ClaimBool reports whether claims[name] is true or the string "true"
// (some IdPs send email_verified as a string).
func ClaimBool(claims map[string]any, name string) bool {
	switch v := claims[name].(type) {
	case bool:
		return v
	case string:
		return strings.EqualFold(v, "true")
	}
	return false
}

// secretClaims are never kept in Identity.Claims.
var secretClaims = map[string]bool{
	"id_token": true, "access_token": true, "refresh_token": true,
	"at_hash": true, "c_hash": true, "s_hash": true, "nonce": true,
	"client_secret": true, "code": true, "code_verifier": true,
}

// SanitizeClaims returns a shallow copy of claims without tokens, token
// hashes, nonces or any key ending in "_token".
func SanitizeClaims(claims map[string]any) map[string]any {
	out := make(map[string]any, len(claims))
	for k, v := range claims {
		if secretClaims[k] || strings.HasSuffix(strings.ToLower(k), "_token") {
			continue
		}
		out[k] = v
	}
	return out
}
