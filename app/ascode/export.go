package ascode

import (
	"context"
	"fmt"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/orgsso/orgsso/models"
)

// exportItem is one connection as Export writes it; the keys are Parse's.
type exportItem struct {
	ID      string      `yaml:"id" json:"id"`
	Type    string      `yaml:"type" json:"type"`
	Name    string      `yaml:"name" json:"name"`
	Preset  string      `yaml:"preset,omitempty" json:"preset,omitempty"`
	LogoURL string      `yaml:"logoURL,omitempty" json:"logoURL,omitempty"`
	Active  bool        `yaml:"active" json:"active"`
	Version int64       `yaml:"version" json:"version"`
	Test    *exportTest `yaml:"test,omitempty" json:"test,omitempty"`
	// ACSURL and SPEntityID are a SAML connection's own addresses, to give
	// its IdP; read-only, like id and test.
	ACSURL       string     `yaml:"acsURL,omitempty" json:"acsURL,omitempty"`
	SPEntityID   string     `yaml:"spEntityID,omitempty" json:"spEntityID,omitempty"`
	Config       any        `yaml:"config" json:"config"`
	Provisioning exportProv `yaml:"provisioning" json:"provisioning"`
}

// exportTest is the latest test of a connection: read-only.
type exportTest struct {
	Status string `yaml:"status" json:"status"`
	// Version is the configuration version it ran at; current says
	// whether that is still the connection's configuration.
	Version int64  `yaml:"version" json:"version"`
	Current bool   `yaml:"current" json:"current"`
	At      string `yaml:"at" json:"at"`
}

type exportProv struct {
	JIT                 bool   `yaml:"jit" json:"jit"`
	Activation          bool   `yaml:"activation" json:"activation"`
	Consent             bool   `yaml:"consent" json:"consent"`
	DefaultRole         string `yaml:"defaultRole" json:"defaultRole"`
	GroupMappings       string `yaml:"groupMappings,omitempty" json:"groupMappings,omitempty"`
	SyncRoles           bool   `yaml:"syncRoles" json:"syncRoles"`
	LinkByVerifiedEmail bool   `yaml:"linkByVerifiedEmail" json:"linkByVerifiedEmail"`
}

// exportOne is one connection in the document's shape, ready to be
// written as YAML or JSON. It holds no secret. With srv, it shows the
// connection's own addresses (org is the connection's).
func exportOne(c models.Connection, latest *models.TestRun, org models.Organization, srv Server) (exportItem, error) {
	proto, ok := protocolFor(c.Protocol)
	if !ok {
		return exportItem{}, fmt.Errorf("connection %s: protocol %q cannot be exported", c.PublicID, c.Protocol)
	}
	cfg, err := proto.export(c.Config)
	if err != nil {
		return exportItem{}, fmt.Errorf("connection %s: config: %w", c.PublicID, err)
	}
	prov, err := provisioningOf(c)
	if err != nil {
		return exportItem{}, fmt.Errorf("connection %s: provisioning: %w", c.PublicID, err)
	}
	role := prov.DefaultRole
	if role == "" {
		role = "none"
	}
	it := exportItem{
		ID: c.PublicID, Type: c.Protocol, Name: c.DisplayName, Preset: c.Preset, LogoURL: c.LogoURL,
		Active: c.Active, Version: c.Version, Config: cfg,
		Provisioning: exportProv{JIT: prov.JIT, Activation: prov.Activation, Consent: prov.Consent, DefaultRole: role,
			GroupMappings: prov.GroupMappings, SyncRoles: prov.SyncRoles, LinkByVerifiedEmail: prov.LinkByVerifiedEmail},
	}
	if srv != nil {
		it.ACSURL, it.SPEntityID = proto.addresses(srv.Env(org, c))
	}
	if latest != nil {
		it.Test = &exportTest{Status: latest.Status, Version: latest.ConfigVersion, Current: latest.Current(c),
			At: latest.FinishedAt.UTC().Format(time.RFC3339)}
	}
	return it, nil
}

// Export writes the org's connections as a YAML document that Parse reads
// back: secrets left out, each with its read-only id, version and latest
// test, and a SAML connection's ACS URL and SP entity ID as srv derives
// them.
func Export(ctx context.Context, store Store, org models.Organization, srv Server) ([]byte, error) {
	items, err := exportItems(ctx, store, org, srv)
	if err != nil {
		return nil, err
	}
	return marshal(items)
}

func exportItems(ctx context.Context, store Store, org models.Organization, srv Server) ([]exportItem, error) {
	conns, err := store.Connections(ctx, org.ID)
	if err != nil {
		return nil, err
	}
	runs, err := store.LatestTestRuns(ctx, org.ID)
	if err != nil {
		return nil, err
	}
	items := make([]exportItem, 0, len(conns))
	for _, c := range conns {
		var latest *models.TestRun
		if r, ok := runs[c.ID]; ok {
			latest = &r
		}
		it, err := exportOne(c, latest, org, srv)
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	return items, nil
}

func marshal(v any) ([]byte, error) {
	out, err := yaml.Marshal(v)
	if err != nil {
		return nil, err
	}
	if string(out) == "[]\n" {
		return []byte("# no connections\n[]\n"), nil
	}
	return out, nil
}

// ExportJSON is Export's document as JSON, for the API.
func ExportJSON(ctx context.Context, store Store, org models.Organization, srv Server) (any, error) {
	return exportItems(ctx, store, org, srv)
}

// ExportConnection is one connection of org in the document's shape (no
// secret), with its latest test if any and its own addresses, ready to be
// written as JSON or YAML.
func ExportConnection(org models.Organization, c models.Connection, latest *models.TestRun, srv Server) (any, error) {
	return exportOne(c, latest, org, srv)
}
