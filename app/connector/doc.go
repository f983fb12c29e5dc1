// Package connector owns the protocol abstraction of orgsso's single sign-on:
// the Connector interface every protocol implements, the Identity it returns,
// the plain-words Error it fails with, claim mapping, group-to-role mapping,
// the IdP presets shown on the "new connection" page, and a Cache of opened
// connectors keyed by (connection id, version).
//
// It turns "a connection config + an HTTP request" into "an Identity or an
// error" and knows nothing of orgs, users, roles, storage or HTTP frameworks.
// It imports only the standard library.
package connector
