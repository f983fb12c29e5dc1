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
