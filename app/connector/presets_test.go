package connector

import (
	"strings"
	"testing"
)

func TestPresets(t *testing.T) {
	want := []string{"okta", "entra", "google", "auth0", "keycloak", "cognito", "ping", "jumpcloud", "duo", "custom"}
	ps := Presets()
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
		})
	}
	t.Run("provider specifics", func(t *testing.T) {
		entra, _ := PresetByID("entra")
		cognito, _ := PresetByID("cognito")
		jc, _ := PresetByID("jumpcloud")
		google, _ := PresetByID("google")
		if entra.ClaimMapping.Email != "preferred_username" || entra.GroupsClaim != "groups" ||
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
