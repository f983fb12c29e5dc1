package connector

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseGroupMappings(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []GroupMapping
		wantErr string
	}{
		{name: "empty", in: "  ", want: nil},
		{name: "two pairs", in: "IT->admin;DATA_SCIENCE->user",
			want: []GroupMapping{{"IT", "admin"}, {"DATA_SCIENCE", "user"}}},
		{name: "whitespace, newlines, trailing separator", in: " IT -> admin ;\n Sales Team->user;",
			want: []GroupMapping{{"IT", "admin"}, {"Sales Team", "user"}}},
		{name: "URL-like group", in: "https://x/groups/IT->admin", want: []GroupMapping{{"https://x/groups/IT", "admin"}}},
		{name: "same group two roles", in: "IT->admin;IT->user", want: []GroupMapping{{"IT", "admin"}, {"IT", "user"}}},
		{name: "missing arrow", in: "IT->admin;DATA=user", wantErr: `mapping 2 "DATA=user": write it as GROUP->ROLE`},
		{name: "unknown role", in: "IT->owner", wantErr: `mapping 1 "IT->owner": the role must be admin or user`},
		{name: "empty group", in: "->admin", wantErr: "the group name is empty"},
		{name: "duplicate pair", in: "IT->admin; IT -> admin", wantErr: `mapping 2 "IT -> admin": the same mapping appears twice`},
		// Every bad pair is named, not the first alone.
		{name: "several bad pairs", in: "IT=admin;DATA->user;HR->owner", wantErr: `mapping 1 "IT=admin": write it as GROUP->ROLE, for example IT->admin; mapping 3 "HR->owner": the role must be admin or user`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseGroupMappings(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
			if again, _ := ParseGroupMappings(FormatGroupMappings(got)); !reflect.DeepEqual(again, got) {
				t.Fatalf("format/parse round trip: %v", again)
			}
		})
	}
}

func TestRolesFor(t *testing.T) {
	ms, _ := ParseGroupMappings("IT->admin;DATA->user;IT->user")
	tests := []struct {
		name        string
		groups      []string
		defaultRole string
		want        []RoleGrant
		wantRoles   []string
	}{
		{name: "no groups, no default", groups: nil, defaultRole: "none", want: nil, wantRoles: nil},
		{name: "default only", groups: []string{"Other"}, defaultRole: "user",
			want: []RoleGrant{{"user", "everyone"}}, wantRoles: []string{"user"}},
		{name: "mappings in order then default", groups: []string{"DATA", "IT"}, defaultRole: "user",
			want:      []RoleGrant{{"admin", "IT→admin"}, {"user", "DATA→user"}, {"user", "IT→user"}, {"user", "everyone"}},
			wantRoles: []string{"admin", "user"}},
		{name: "case-sensitive groups", groups: []string{"it"}, defaultRole: "", want: nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := RolesFor(tc.groups, ms, tc.defaultRole)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			if roles := GrantedRoles(got); !reflect.DeepEqual(roles, tc.wantRoles) {
				t.Fatalf("roles %v, want %v", roles, tc.wantRoles)
			}
		})
	}
}
