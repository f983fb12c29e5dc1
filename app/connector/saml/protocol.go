package saml

import (
	"context"
	"net/http"

	"github.com/orgsso/orgsso/app/connector"
)

// Name is the protocol as stored with a connection.
const Name = connector.ProtocolSAML

// Protocol is SAML 2.0 as app registers it. The IdP answers at the
// connection's ACS by the HTTP-POST binding; an IdP-initiated login comes
// there too, without RelayState, so there is no initiate path.
func Protocol() connector.Protocol {
	return connector.Protocol{
		Name:          Name,
		Label:         "SAML 2.0",
		Open:          openStored,
		ReturnPath:    "/saml/:conn/acs",
		ReturnMethods: []string{http.MethodPost},
		State:         relayState,
		MetadataPath:  "/saml/:conn/metadata",
		Metadata:      metadata,
		Form:          form(),
		Hints:         hints,
		Refresh:       refresh,
		Certificates:  certificates,
	}
}

// relayState reads the RelayState of an answer at the ACS, "" for an
// IdP-initiated login (or a body too large to read).
func relayState(r *http.Request) string {
	form, err := readForm(r)
	if err != nil {
		return ""
	}
	return form.Get("RelayState")
}

func openStored(ctx context.Context, raw []byte, secret string, env connector.Env) (connector.Connector, error) {
	cfg, err := ConfigOf(raw)
	if err != nil {
		return nil, connector.NewError(connector.CodeInvalidConfig, "This connection's stored settings cannot be read. Save them again.", err)
	}
	sec, err := SecretOf(secret)
	if err != nil {
		return nil, connector.NewError(connector.CodeInvalidConfig, "This connection's SP private keys cannot be read. Generate or paste a key pair again.", err)
	}
	return cfg.Open(ctx, sec, env)
}

// metadata writes the SP metadata of a connection from its stored
// configuration alone, before the IdP's side is filled in.
func metadata(raw []byte, env connector.Env) ([]byte, error) {
	cfg, err := ConfigOf(raw)
	if err != nil {
		return nil, connector.NewError(connector.CodeInvalidConfig, "This connection's stored settings cannot be read. Save them again.", err)
	}
	return spMetadata(cfg, env.EntityID, env.ReturnURL)
}

// hints say what to check at the SAML IdP after a failed test.
var hints = map[string]string{
	connector.CodeSignatureInvalid: "Check the identity provider's signing certificate: fetch its metadata again (it may have rotated its key), or paste the new certificate beside the old one.",
	connector.CodeIssuerMismatch:   "Check the IdP entity ID: it must be the Issuer your provider puts in its answers, as its metadata states it.",
	connector.CodeAudMismatch:      "Give the provider this connection's entity ID (its metadata URL, shown beside the form) as the audience, or import the metadata there again.",
	connector.CodeTokenExpired:     "Check that this server's clock and the provider's are right.",
	connector.CodeTokenNotYetValid: "Check that this server's clock and the provider's are right.",
	connector.CodeMissingClaim:     "Check the attribute mapping, and that the provider's application sends those attributes (add attribute statements there).",
	connector.CodeIdPError:         "The provider refused the sign-in; its status and message are above. Check who is assigned to the application at the provider.",
	CodeAssertionUnsigned:          "Have the provider sign the assertion (not only the response), or turn off \"Require signed assertions\" if it cannot.",
	CodeEncryptionRequired:         "Have the provider encrypt assertions to the certificate in this connection's metadata, or turn off \"Encrypted assertions\".",
	CodeDecryptionFailed:           "Import this connection's metadata at the provider again: it encrypts to a certificate of ours that is not among this connection's keys.",
	CodeRecipientMismatch:          "Give the provider this connection's ACS URL exactly as shown beside the form.",
	CodeDestinationMismatch:        "Give the provider this connection's ACS URL exactly as shown beside the form.",
	CodeRequestMismatch:            "Start the test again from this page; a sign-in must finish in the browser that began it.",
	CodeUnsolicitedRefused:         "Start sign-ins from orgsso, or allow sign-in started at the identity provider under Advanced settings.",
	CodeSHA1Refused:                "Have the provider sign with SHA-256; allow SHA-1 under Advanced settings only if it cannot.",
	CodeXMLComment:                 "The answer was altered on its way (a comment inside a signed value); do not use it, and check what is between the provider and this server.",
	CodeResponseInvalid:            "Check that the provider's application is a SAML 2.0 application posting to this connection's ACS URL.",
	CodeMetadataInvalid:            "Check the metadata URL or file: it must be your provider's SAML 2.0 IdP metadata.",
}
