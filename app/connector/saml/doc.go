// Package saml owns orgsso's SAML 2.0 connector: a connection's Config
// (with validation), the IdP's metadata (parsed, or fetched from a URL),
// the SP's own key pairs and metadata, and Open, which returns a
// connector.Connector built on crewjam/saml.
//
// Begin sends an AuthnRequest by the HTTP-Redirect binding, signed with the
// SP's first key when the connection asks for it. Finish and
// FinishUnsolicited take the IdP's answer at the ACS (HTTP-POST binding)
// and accept it only after checks of their own around crewjam/saml's:
// limits on size and shape before any parsing (no DTDs, exactly one
// assertion as a direct child of the Response, no comments inside it,
// Subject and Conditions present), and after it a signed assertion (unless
// the connection allows a signed Response alone), audience, bearer
// confirmation, recipient, issuer and validity window with a small clock
// skew. The assertion's ID comes back as a connector.Once that the caller
// spends, so an assertion is accepted once.
//
// The XML the IdP sends is never logged: it names people.
package saml
