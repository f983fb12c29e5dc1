package connector

import (
	"slices"
	"testing"
)

func TestMapClaims(t *testing.T) {
	tests := []struct {
		name        string
		claims      map[string]any
		mapping     ClaimMapping
		groupsClaim string
		want        Identity
		wantCode    string
	}{
		{
			name: "standard claims and groups array",
			claims: map[string]any{"sub": "u1", "email": " a@x.com ", "email_verified": true, "name": "A", "given_name": "G",
				"family_name": "F", "picture": "p", "groups": []any{"IT", " ", "Data"}},
			want: Identity{Subject: "u1", Email: "a@x.com", EmailVerified: true, Name: "A", GivenName: "G", FamilyName: "F",
				Picture: "p", Groups: []string{"IT", "Data"}},
		},
		{
			name:   "name from given and family name",
			claims: map[string]any{"sub": "u1", "given_name": "Dana", "family_name": "Scully"},
			want:   Identity{Subject: "u1", Name: "Dana Scully", GivenName: "Dana", FamilyName: "Scully"},
		},
		{
			name:   "name from given name alone",
			claims: map[string]any{"sub": "u1", "given_name": "Dana", "name": ""},
			want:   Identity{Subject: "u1", Name: "Dana", GivenName: "Dana"},
		},
		{
			name:   "email_verified as string",
			claims: map[string]any{"sub": "u1", "email": "a@x.com", "email_verified": "true"},
			want:   Identity{Subject: "u1", Email: "a@x.com", EmailVerified: true},
		},
		{
			name:    "email from preferred_username is never verified",
			claims:  map[string]any{"sub": "u1", "preferred_username": "a@corp.com", "email_verified": true},
			mapping: ClaimMapping{Email: "preferred_username"},
			want:    Identity{Subject: "u1", Email: "a@corp.com"},
		},
		{
			name:        "URL-named groups claim as comma-separated string",
			claims:      map[string]any{"sub": "u1", "https://app.example.com/groups": "IT, Data ,"},
			groupsClaim: "https://app.example.com/groups",
			want:        Identity{Subject: "u1", Groups: []string{"IT", "Data"}},
		},
		{
			name:   "single group string",
			claims: map[string]any{"sub": "u1", "groups": "IT"},
			want:   Identity{Subject: "u1", Groups: []string{"IT"}},
		},
		{
			name:    "custom user id claim",
			claims:  map[string]any{"sub": "pairwise", "oid": "object-id"},
			mapping: ClaimMapping{UserID: "oid"},
			want:    Identity{Subject: "object-id"},
		},
		{
			name:     "missing user id",
			claims:   map[string]any{"email": "a@x.com"},
			wantCode: CodeMissingClaim,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := MapClaims(tc.claims, tc.mapping, tc.groupsClaim)
			if tc.wantCode != "" {
				if e, ok := AsError(err); !ok || e.Code != tc.wantCode {
					t.Fatalf("err = %v, want code %s", err, tc.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.Claims = nil
			if got.Subject != tc.want.Subject || got.Email != tc.want.Email || got.EmailVerified != tc.want.EmailVerified ||
				got.Name != tc.want.Name || got.GivenName != tc.want.GivenName || got.FamilyName != tc.want.FamilyName ||
				got.Picture != tc.want.Picture || !slices.Equal(got.Groups, tc.want.Groups) {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestSanitizeClaims(t *testing.T) {
	got := SanitizeClaims(map[string]any{"sub": "u", "id_token": "x", "access_token": "x", "refresh_token": "x",
		"at_hash": "x", "c_hash": "x", "nonce": "x", "custom_token": "x", "email": "e"})
	if len(got) != 2 || got["sub"] != "u" || got["email"] != "e" {
		t.Fatalf("got %v", got)
	}
}
