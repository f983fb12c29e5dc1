package connector

import (
	"fmt"
	"slices"
	"strings"
)

// Roles a group mapping may grant.
const (
	RoleAdmin = "admin"
	RoleUser  = "user"
)

// GroupMapping grants Role to members of the IdP group Group.
type GroupMapping struct {
	Group string `json:"group"`
	Role  string `json:"role"`
}

// ParseGroupMappings parses "IT->admin;DATA_SCIENCE->user". Pairs are
// separated by ";" or newlines, whitespace around names is ignored, an empty
// string means no mappings. Roles must be admin or user; group names are
// case-sensitive; an exact duplicate pair is refused. Errors name the pair.
func ParseGroupMappings(s string) ([]GroupMapping, error) {
	var out []GroupMapping
	var bad MappingErrors
	seen := map[GroupMapping]bool{}
	s = strings.ReplaceAll(s, "\n", ";")
	for i, raw := range strings.Split(s, ";") {
		pair := strings.TrimSpace(raw)
		if pair == "" {
			continue
		}
		group, role, ok := strings.Cut(pair, "->")
		group, role = strings.TrimSpace(group), strings.TrimSpace(role)
		m := GroupMapping{Group: group, Role: role}
		switch {
		case !ok:
			bad = append(bad, fmt.Errorf("mapping %d %q: write it as GROUP->ROLE, for example IT->admin", i+1, pair))
		case group == "":
			bad = append(bad, fmt.Errorf("mapping %d %q: the group name is empty", i+1, pair))
		case role != RoleAdmin && role != RoleUser:
			bad = append(bad, fmt.Errorf("mapping %d %q: the role must be admin or user, not %q", i+1, pair, role))
		case seen[m]:
			bad = append(bad, fmt.Errorf("mapping %d %q: the same mapping appears twice", i+1, pair))
		default:
			seen[m] = true
			out = append(out, m)
		}
	}
	if len(bad) > 0 {
		return nil, bad
	}
	return out, nil
}

// MappingErrors are the problems of every bad pair in a group mappings
// text, in order: a form names them all at once, not the first alone.
type MappingErrors []error

func (e MappingErrors) Error() string {
	parts := make([]string, len(e))
	for i, err := range e {
		parts[i] = err.Error()
	}
	return strings.Join(parts, "; ")
}

// FormatGroupMappings is the inverse of ParseGroupMappings.
func FormatGroupMappings(ms []GroupMapping) string {
	parts := make([]string, len(ms))
	for i, m := range ms {
		parts[i] = m.Group + "->" + m.Role
	}
	return strings.Join(parts, ";")
}

// RoleGrant is one role a user receives and why.
type RoleGrant struct {
	Role string `json:"role"`
	// Because is "IT→admin" for a group mapping or "everyone" for the
	// connection's default role.
	Because string `json:"because"`
}

// RolesFor returns the roles granted to a member of groups: one grant per
// matching mapping, in mapping order, then the default role (when not "" or
// "none") because "everyone". Group matching is exact. The order is
// deterministic for a given input.
func RolesFor(groups []string, mappings []GroupMapping, defaultRole string) []RoleGrant {
	member := make(map[string]bool, len(groups))
	for _, g := range groups {
		member[g] = true
	}
	var out []RoleGrant
	for _, m := range mappings {
		if member[m.Group] {
			out = append(out, RoleGrant{Role: m.Role, Because: m.Group + "→" + m.Role})
		}
	}
	if defaultRole != "" && defaultRole != "none" {
		out = append(out, RoleGrant{Role: defaultRole, Because: "everyone"})
	}
	return out
}

// GrantedRoles returns the distinct roles of grants, admin first.
func GrantedRoles(grants []RoleGrant) []string {
	has := map[string]bool{}
	for _, g := range grants {
		has[g.Role] = true
	}
	var out []string
	for _, r := range []string{RoleAdmin, RoleUser} {
		if has[r] {
			out = append(out, r)
			delete(has, r)
		}
	}
	for _, g := range grants { // any other role, in grant order
		if has[g.Role] {
			out = append(out, g.Role)
			delete(has, g.Role)
		}
	}
	return out
}

// ManagedRoles returns the roles a connection's mappings can grant: those
// of its group mappings and its default role. Role sync removes only these;
// a role an admin or an invite granted that no mapping can grant stays.
func ManagedRoles(mappings []GroupMapping, defaultRole string) []string {
	var out []string
	for _, m := range mappings {
		if !slices.Contains(out, m.Role) {
			out = append(out, m.Role)
		}
	}
	if defaultRole != "" && defaultRole != "none" && !slices.Contains(out, defaultRole) {
		out = append(out, defaultRole)
	}
	slices.Sort(out)
	return out
}
