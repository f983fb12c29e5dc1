package connector

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// FuzzParseGroupMappings: any text either parses into mappings that are
// well formed (a trimmed, non-empty group without separators, a role of
// admin or user, no pair twice) and survive FormatGroupMappings and a
// second parse unchanged, or is refused with a message that names the
// pair. Seeds: testdata/fuzz/FuzzParseGroupMappings (scripts/fuzz-seeds.go).
func FuzzParseGroupMappings(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		ms, err := ParseGroupMappings(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "mapping ") {
				t.Fatalf("error %q does not name the mapping", err)
			}
			if ms != nil {
				t.Fatalf("mappings %v returned with error %v", ms, err)
			}
			return
		}
		seen := map[GroupMapping]bool{}
		for _, m := range ms {
			switch {
			case m.Group == "" || m.Group != strings.TrimSpace(m.Group):
				t.Fatalf("group %q is empty or untrimmed (input %q)", m.Group, s)
			case strings.ContainsAny(m.Group, ";\n") || strings.Contains(m.Group, "->"):
				t.Fatalf("group %q holds a separator (input %q)", m.Group, s)
			case m.Role != RoleAdmin && m.Role != RoleUser:
				t.Fatalf("role %q accepted (input %q)", m.Role, s)
			case seen[m]:
				t.Fatalf("pair %v twice (input %q)", m, s)
			}
			seen[m] = true
		}
		again, err := ParseGroupMappings(FormatGroupMappings(ms))
		if err != nil || !slices.Equal(again, ms) {
			t.Fatalf("format and parse again: %v, %v; want %v (input %q)", again, err, ms, s)
		}
	})
}

// FuzzMapClaims: any JSON claims with any claim mapping either map to an
// Identity whose subject is the mapped user id claim, whose groups are
// trimmed and non-blank, whose email is verified only through the "email"
// claim, and whose kept claims hold no token, nonce or secret; or fail
// with CodeMissingClaim. Seeds: testdata/fuzz/FuzzMapClaims.
func FuzzMapClaims(f *testing.F) {
	f.Fuzz(func(t *testing.T, claimsJSON []byte, userID, email, name, groupsClaim string) {
		var claims map[string]any
		if json.Unmarshal(claimsJSON, &claims) != nil {
			return
		}
		mapping := ClaimMapping{UserID: userID, Email: email, Name: name}
		id, err := MapClaims(claims, mapping, groupsClaim)
		m := mapping.WithDefaults()
		if err != nil {
			ce, ok := AsError(err)
			if !ok || ce.Code != CodeMissingClaim || ClaimString(claims, m.UserID) != "" {
				t.Fatalf("MapClaims refused %s with %v", claimsJSON, err)
			}
			return
		}
		if id.Subject == "" || id.Subject != ClaimString(claims, m.UserID) {
			t.Fatalf("subject %q, want claim %q = %q", id.Subject, m.UserID, ClaimString(claims, m.UserID))
		}
		for _, g := range id.Groups {
			if g == "" || g != strings.TrimSpace(g) {
				t.Fatalf("group %q is blank or untrimmed", g)
			}
		}
		if id.Email != strings.TrimSpace(id.Email) {
			t.Fatalf("email %q untrimmed", id.Email)
		}
		if id.EmailVerified && (m.Email != "email" || id.Email == "") {
			t.Fatalf("email %q from claim %q marked verified", id.Email, m.Email)
		}
		for k := range id.Claims {
			if secretClaims[k] || strings.HasSuffix(strings.ToLower(k), "_token") {
				t.Fatalf("kept claim %q", k)
			}
		}
		if len(id.Claims) > len(claims) {
			t.Fatalf("more claims kept (%d) than received (%d)", len(id.Claims), len(claims))
		}
	})
}
