package saml

import (
	"fmt"
	"strings"

	"github.com/crewjam/saml"

	"github.com/orgsso/orgsso/app/connector"
)

// Default attribute names, used for the mapping fields a connection leaves
// empty: the names most IdPs send in their generic SAML templates
// (Okta, JumpCloud, Duo, Google). An empty user ID means the NameID.
const (
	DefaultEmailAttribute      = "email"
	DefaultGivenNameAttribute  = "firstName"
	DefaultFamilyNameAttribute = "lastName"
	DefaultGroupsAttribute     = "groups"
)

// mapping returns the connection's attribute mapping with defaults.
func (c Config) mapping() (connector.ClaimMapping, string) {
	m := c.AttributeMapping
	pick := func(v, def string) string {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
		return def
	}
	m = connector.ClaimMapping{
		UserID:     strings.TrimSpace(m.UserID),
		Email:      pick(m.Email, DefaultEmailAttribute),
		Name:       strings.TrimSpace(m.Name),
		GivenName:  pick(m.GivenName, DefaultGivenNameAttribute),
		FamilyName: pick(m.FamilyName, DefaultFamilyNameAttribute),
		Picture:    strings.TrimSpace(m.Picture),
	}
	return m, pick(c.GroupsAttribute, DefaultGroupsAttribute)
}

// identity reads who logged in from a validated assertion only.
//
// EmailVerified is true whenever there is an email: SAML has no
// verification flag, and the address comes from an assertion the IdP
// signed (or from a Response it signed around it) and that this
// connection's admin chose to trust as the authority for its users. The
// signin service still decides what a verified email may link (invariant
// 9: verified domains, invites).
func (c *samlConnector) identity(a *saml.Assertion) (connector.Identity, error) {
	attrs := map[string][]string{}
	friendly := map[string][]string{}
	var order []string
	for _, st := range a.AttributeStatements {
		for _, attr := range st.Attributes {
			var vals []string
			for _, v := range attr.Values {
				switch {
				case v.NameID != nil:
					vals = append(vals, v.NameID.Value)
				case !v.Nil:
					vals = append(vals, v.Value)
				}
			}
			if _, seen := attrs[attr.Name]; !seen {
				order = append(order, attr.Name)
			}
			attrs[attr.Name] = append(attrs[attr.Name], vals...)
			if attr.FriendlyName != "" {
				friendly[attr.FriendlyName] = append(friendly[attr.FriendlyName], vals...)
			}
		}
	}
	values := func(name string) []string {
		if name == "" {
			return nil
		}
		if v, ok := attrs[name]; ok {
			return v
		}
		return friendly[name]
	}
	first := func(name string) string {
		for _, v := range values(name) {
			if v = strings.TrimSpace(v); v != "" {
				return v
			}
		}
		return ""
	}
	claims := map[string]any{}
	for _, name := range order {
		if v := attrs[name]; len(v) == 1 {
			claims[name] = v[0]
		} else {
			claims[name] = v
		}
	}
	var nameID, nameIDFormat string
	if a.Subject.NameID != nil {
		nameID, nameIDFormat = strings.TrimSpace(a.Subject.NameID.Value), a.Subject.NameID.Format
		claims["NameID"] = nameID
		if nameIDFormat != "" {
			claims["NameIDFormat"] = nameIDFormat
		}
	}
	for _, st := range a.AuthnStatements {
		if st.SessionIndex != "" {
			claims["SessionIndex"] = st.SessionIndex
			break
		}
	}
	m, groupsAttr := c.cfg.mapping()
	id := connector.Identity{
		Email:      first(m.Email),
		Name:       first(m.Name),
		GivenName:  first(m.GivenName),
		FamilyName: first(m.FamilyName),
		Picture:    first(m.Picture),
		Claims:     connector.SanitizeClaims(claims),
	}
	if m.UserID == "" {
		id.Subject = nameID
	} else {
		id.Subject = first(m.UserID)
	}
	if id.Email == "" && nameIDFormat == NameIDEmail && strings.Contains(nameID, "@") {
		id.Email = nameID
	}
	id.EmailVerified = id.Email != ""
	if id.Name == "" {
		id.Name = strings.TrimSpace(id.GivenName + " " + id.FamilyName)
	}
	for _, g := range values(groupsAttr) {
		if g = strings.TrimSpace(g); g != "" {
			id.Groups = append(id.Groups, g)
		}
	}
	if id.Subject == "" {
		if m.UserID == "" {
			return connector.Identity{}, refuse(connector.CodeMissingClaim, "The SAML assertion has no NameID to identify the user by.", nil)
		}
		return connector.Identity{}, refuse(connector.CodeMissingClaim,
			fmt.Sprintf("The identity provider did not send the user id attribute '%s'.", m.UserID), nil)
	}
	return id, nil
}
