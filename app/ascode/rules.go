package ascode

import (
	"fmt"
	"net/url"
	"unicode/utf8"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/models/names"
)

// Limits of a connection's own fields, in characters; they are the
// connection form's (app/web), and the OIDC settings' are oidc.Max*.
const (
	MaxDisplayName  = 100
	MaxLogoURL      = 500
	MaxSecret       = 4096
	MaxGroupMapping = 256
	MaxGroupMaps    = 10000
)

func tooLong(s string, limit int) bool { return utf8.RuneCountInString(s) > limit }

func cleanName(name string) (string, error) { return names.Clean(name) }

func nameKey(name string) string { return names.Key(name) }

// checkBasics returns a message per invalid protocol-neutral field of an
// item (name, logo, provisioning), keyed by the document's key path.
func checkBasics(it Item) map[string]string {
	errs := map[string]string{}
	if tooLong(it.Name, MaxDisplayName) {
		errs["name"] = connector.TooLong(MaxDisplayName)
	}
	if tooLong(it.LogoURL, MaxLogoURL) {
		errs["logoURL"] = connector.TooLong(MaxLogoURL)
	} else if it.LogoURL != "" {
		u, err := url.Parse(it.LogoURL)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
			errs["logoURL"] = "Enter a full https:// address of an image, or leave it out."
		}
	}
	if tooLong(it.Secret, MaxSecret) {
		errs["config."+it.SecretRef.Key] = "The secret is longer than " + fmt.Sprint(MaxSecret) + " characters."
	}
	prov := it.Provisioning
	switch prov.DefaultRole {
	case "", "user", "admin":
	default:
		errs["provisioning.defaultRole"] = "Choose none, user or admin."
	}
	if tooLong(prov.GroupMappings, MaxGroupMaps) {
		errs["provisioning.groupMappings"] = fmt.Sprintf("Use at most %d characters for all mappings together.", MaxGroupMaps)
	} else if ms, err := connector.ParseGroupMappings(prov.GroupMappings); err != nil {
		errs["provisioning.groupMappings"] = "Check " + err.Error() + "."
	} else {
		for i, m := range ms {
			if tooLong(m.Group, MaxGroupMapping) {
				errs["provisioning.groupMappings"] = fmt.Sprintf("Check mapping %d: use at most %d characters for a group name.", i+1, MaxGroupMapping)
				break
			}
		}
	}
	return errs
}

// presetFor checks an item's preset against its type; "" is the type's
// custom preset ("custom", "saml-custom").
func presetFor(it Item) (string, string) {
	id := it.Preset
	if id == "" {
		id = connector.CustomPreset(it.Type).ID
	}
	p, ok := connector.PresetByID(id)
	if !ok {
		var ids []string
		for _, pr := range connector.Presets() {
			if pr.Protocol == it.Type {
				ids = append(ids, pr.ID)
			}
		}
		return id, fmt.Sprintf("unknown preset %q; the %s presets are %v", id, it.Type, ids)
	}
	if p.Protocol != it.Type {
		return id, fmt.Sprintf("the preset %q is for %s connections, not %s", id, p.Protocol, it.Type)
	}
	return id, ""
}

// provisioningOf decodes a stored connection's provisioning rules.
func provisioningOf(c models.Connection) (models.Provisioning, error) {
	var p models.Provisioning
	if c.Provisioning == "" {
		return p, nil
	}
	err := jsonUnmarshal(c.Provisioning, &p)
	return p, err
}
