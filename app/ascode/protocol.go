package ascode

import (
	"context"

	"gopkg.in/yaml.v3"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/app/secrets"
	"github.com/orgsso/orgsso/app/signin"
	"github.com/orgsso/orgsso/models"
)

// protocol is what the document needs of a connection protocol: reading
// its config keys, checking them, comparing, storing and exporting
// configs.
type protocol interface {
	// parseConfig reads the item's config map into the document's config
	// (JSON) and where its secret comes from.
	parseConfig(p *parser, n *yaml.Node, path string) (config string, secret SecretRef)
	// validate returns a message per invalid key of a document's config,
	// keyed by its path under config.
	validate(config string) map[string]string
	// document is a stored config reduced to what a document says of it:
	// without what the server made of it (fetched metadata, its own keys).
	document(config string) string
	// equal reports whether two configs say the same in a document.
	equal(a, b string) bool
	// export is a stored config as the document shows it.
	export(config string) (any, error)
	// secretInDocument reports whether a new connection's secret is named
	// by the document (OIDC's client secret) rather than made by the
	// server (SAML's SP keys).
	secretInDocument() bool
	// stored is the config to store for the item, against the stored
	// connection; it may contact the IdP, so a dry run never calls it.
	stored(ctx context.Context, in storeInput) (storeResult, error)
	// addresses are the connection's own addresses that export shows,
	// read-only: a SAML ACS URL and SP entity ID ("" for none).
	addresses(env connector.Env) (acsURL, spEntityID string)
	// restored is the config of a restored version with what the server
	// made kept as it is now (the secret stays the current one, so the
	// keys it goes with must too).
	restored(version, current string) string
}

// storeInput is what a protocol may use to make the config to store.
type storeInput struct {
	org  models.Organization
	item Item
	// existing is the stored connection (nil for a new one); want is the
	// connection to be saved, with the document's config.
	existing *models.Connection
	want     models.Connection
	sealer   *secrets.Sealer
	opts     Options
}

// storeResult is the config to store, or the problem that stops it.
type storeResult struct {
	config string
	// secret, when not nil, replaces the stored secret; secretField names
	// it in the list of changes.
	secret      *string
	secretField string
	// field and problem say why the item cannot be stored.
	field, problem string
}

// protocolFor returns the protocol of a document's type.
func protocolFor(t string) (protocol, bool) {
	switch t {
	case models.ProtocolOIDC:
		return oidcProtocol{}, true
	case models.ProtocolSAML:
		return samlProtocol{}, true
	}
	return nil, false
}

// protocolNames are the types a document may use.
func protocolNames() []string { return []string{models.ProtocolOIDC, models.ProtocolSAML} }

// Server is what Apply and Export use of the sign-in service
// (*signin.Service): the protocols it speaks, for SAML's form section that
// makes a connection's stored settings, and a connection's environment
// with its own addresses.
type Server interface {
	Protocols() *connector.Registry
	Env(org models.Organization, conn models.Connection) connector.Env
}

var _ Server = (*signin.Service)(nil)

// openSecret opens a connection's sealed secret ("" when it has none).
func openSecret(sealer *secrets.Sealer, c models.Connection) (string, error) {
	if c.SealedSecret == "" {
		return "", nil
	}
	return sealer.Open(c.SealedSecret, signin.SecretBinding(c))
}
