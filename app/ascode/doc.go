// Package ascode is configuration as code for an org's connections: the
// YAML (or JSON) document that `orgsso connections export|apply` and the
// API's connections:export and connections:apply read and write.
//
// Parse reads a document strictly: an unknown key or a value of the wrong
// type is an error naming the item and the key, and nothing is applied.
// Apply then creates or updates each item by display name through the
// store's versioned update, so an item whose version is not the stored one
// fails alone and changes nothing; an item equal to what is stored is left
// untouched (not even updated_at moves). OIDC client secrets come from
// clientSecretEnv / clientSecretFile (or, through the API, clientSecret)
// and are never written back out. An applied change is a new version,
// which needs a passed test before it serves logins, like any edit.
//
// SAML connections name no secret: their SP keys, like the metadata
// fetched from metadataURL, are made by the server. Applying one has SAML's
// form section (through the registry of Options.Server) make the stored
// settings exactly as a save of the connection form does, and comparing
// looks at what the document says only, so re-applying an export is
// unchanged. A dry run contacts no IdP. Export shows a SAML connection's
// read-only acsURL and spEntityID, which Parse accepts and ignores.
//
// The protocol specifics (config keys and their mapping to oidc.Config and
// saml.Config) live in oidc.go and saml.go, behind the small protocol
// interface of protocol.go; everything else is protocol-neutral.
package ascode
