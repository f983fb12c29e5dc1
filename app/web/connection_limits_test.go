package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestConnectionFieldLengthLimits: every field of the connection form has
// a length limit, and the message states it; nothing over a limit is
// saved. (A 1 MB value in any of them used to save.)
func TestConnectionFieldLengthLimits(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	long := func(n int) string { return strings.Repeat("a", n) }
	// distinct lists n different words of size characters (lists are
	// deduplicated before they are checked).
	distinct := func(n, size int) string {
		var words []string
		for i := range n {
			w := fmt.Sprintf("w%d_", i)
			words = append(words, w+long(size-len(w)))
		}
		return strings.Join(words, " ")
	}
	longURL := "https://idp.example.com/" + long(2000)
	tests := []struct {
		field, value, want string
	}{
		{"displayName", long(101), "at most 100 characters"},
		{"logoURL", "https://cdn.example.com/" + long(500), "at most 500 characters"},
		{"clientSecret", long(4097), "at most 4096 characters"},
		{"preset.domain", long(257) + ".okta.com", "at most 256 characters"},
		{"issuer", longURL, "at most 2000 characters"},
		{"authorizationURL", longURL, "at most 2000 characters"},
		{"tokenURL", longURL, "at most 2000 characters"},
		{"userinfoURL", longURL, "at most 2000 characters"},
		{"jwksURL", longURL, "at most 2000 characters"},
		{"endSessionURL", longURL, "at most 2000 characters"},
		{"revocationURL", longURL, "at most 2000 characters"},
		{"clientID", long(501), "at most 500 characters"},
		{"scopes", "openid " + long(201), "at most 200 characters per scope"},
		{"scopes", distinct(8, 150), "at most 1000 characters for all scopes"},
		{"claimMapping.userID", long(257), "at most 256 characters"},
		{"claimMapping.email", long(257), "at most 256 characters"},
		{"claimMapping.name", long(257), "at most 256 characters"},
		{"claimMapping.givenName", long(257), "at most 256 characters"},
		{"claimMapping.familyName", long(257), "at most 256 characters"},
		{"claimMapping.picture", long(257), "at most 256 characters"},
		{"groupsClaim", "https://example.com/" + long(300), "at most 256 characters"},
		{"forwardedLoginParams", "login_hint " + long(65), "at most 64 characters per parameter name"},
		{"forwardedLoginParams", distinct(9, 60), "at most 500 characters for all parameter names"},
		{"groupMappings", long(257) + "->admin", "at most 256 characters for a group name"},
		{"groupMappings", strings.Repeat("IT->admin\n", 1001), "at most 10000 characters for all mappings"},
	}
	for i, tc := range tests {
		t.Run(tc.field, func(t *testing.T) {
			form := manualForm(fmt.Sprintf("Okta %d", i))
			form = formWith(form, tc.field, tc.value)
			p := f.c.post(f.base()+"/connections", form)
			assertStatus(t, p, http.StatusUnprocessableEntity)
			assertContains(t, "error next to "+tc.field, p.text("error-"+tc.field), tc.want)
			if n := f.e.count("connections", ""); n != 0 {
				t.Errorf("%d connections saved, want none", n)
			}
		})
	}
	t.Run("at the limits it saves", func(t *testing.T) {
		form := formWith(manualForm("Okta"),
			"clientID", long(500), "claimMapping.email", long(256), "groupsClaim", long(256),
			"groupMappings", long(256)+"->admin", "scopes", "openid "+long(200))
		f.createConn(t, form)
	})
}
