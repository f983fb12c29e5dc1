package saml

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/orgsso/orgsso/app/connector"
)

var (
	_ connector.Connector   = (*samlConnector)(nil)
	_ connector.Unsolicited = (*samlConnector)(nil)
)

// DefaultClockSkew is how far the clocks of orgsso and an IdP may differ
// for NotBefore and NotOnOrAfter.
const DefaultClockSkew = 90 * time.Second

type samlConnector struct {
	cfg      Config
	idp      IdPDescriptor
	idpMeta  *saml.EntityDescriptor
	spKeys   []*rsa.PrivateKey // parallel to spCerts
	spCerts  []*x509.Certificate
	entityID string
	acsURL   string
	skew     time.Duration
	now      func() time.Time
	log      *slog.Logger
}

// pending is what Begin asks the caller to keep until the answer: the
// AuthnRequest's ID, which the Response must answer, and where it was
// asked to go.
type pending struct {
	RequestID string `json:"requestID"`
	ACS       string `json:"acs"`
}

// Open returns the connector for c, with the SP private keys of sec and
// the connection's URLs from env (ReturnURL is the ACS, EntityID the SP
// entity ID). It contacts nobody: the IdP is as MetadataXML or the fields
// typed by hand describe it.
func (c Config) Open(_ context.Context, sec Secret, env connector.Env) (connector.Connector, error) {
	if errs := c.Validate(); len(errs) > 0 {
		return nil, connector.Incomplete(errs)
	}
	if env.ReturnURL == "" || env.EntityID == "" {
		return nil, connector.NewError(connector.CodeInvalidConfig, "The connection has no ACS URL or SP entity ID.", nil)
	}
	idp, err := c.IdP()
	if err != nil {
		return nil, err
	}
	sc := &samlConnector{cfg: c, idp: idp, entityID: env.EntityID, acsURL: env.ReturnURL, skew: DefaultClockSkew,
		now: env.Clock(), log: env.Log}
	if sc.log == nil {
		sc.log = slog.New(slog.DiscardHandler)
	}
	if len(sec.SPKeys) != len(c.SPCertificates) {
		return nil, connector.NewError(connector.CodeInvalidConfig, fmt.Sprintf(
			"The connection has %d SP certificates but %d private keys. Generate or paste the key pair again.",
			len(c.SPCertificates), len(sec.SPKeys)), nil)
	}
	for i := range c.SPCertificates {
		if err := CheckSPKeyPair(c.SPCertificates[i], sec.SPKeys[i]); err != nil {
			return nil, connector.NewError(connector.CodeInvalidConfig,
				fmt.Sprintf("SP key pair %d: %s", i+1, connector.Reason(err)), err)
		}
		cert, _ := parseCertificate(c.SPCertificates[i])
		key, _ := parsePrivateKey(sec.SPKeys[i])
		sc.spCerts, sc.spKeys = append(sc.spCerts, cert), append(sc.spKeys, key)
	}
	sc.idpMeta = idpEntityDescriptor(idp)
	return sc, nil
}

// idpEntityDescriptor is d as crewjam/saml reads an IdP.
func idpEntityDescriptor(d IdPDescriptor) *saml.EntityDescriptor {
	var keys []saml.KeyDescriptor
	for _, cert := range d.Certificates {
		keys = append(keys, saml.KeyDescriptor{Use: "signing", KeyInfo: saml.KeyInfo{X509Data: saml.X509Data{
			X509Certificates: []saml.X509Certificate{{Data: base64.StdEncoding.EncodeToString(cert.Raw)}},
		}}})
	}
	return &saml.EntityDescriptor{EntityID: d.EntityID, IDPSSODescriptors: []saml.IDPSSODescriptor{{
		SSODescriptor: saml.SSODescriptor{RoleDescriptor: saml.RoleDescriptor{
			ProtocolSupportEnumeration: "urn:oasis:names:tc:SAML:2.0:protocol", KeyDescriptors: keys,
		}},
		SingleSignOnServices: []saml.Endpoint{{Binding: saml.HTTPRedirectBinding, Location: d.SSOURL}},
	}}}
}

// serviceProvider is crewjam/saml's SP for one request, at the time now.
func (c *samlConnector) serviceProvider(now time.Time, acsURL string) (*saml.ServiceProvider, error) {
	acs, err := url.Parse(acsURL)
	if err != nil {
		return nil, connector.NewError(connector.CodeInvalidConfig, "The connection's ACS URL is not valid.", err)
	}
	metadataURL, err := url.Parse(c.entityID)
	if err != nil {
		return nil, connector.NewError(connector.CodeInvalidConfig, "The connection's SP entity ID is not a valid URL.", err)
	}
	sp := &saml.ServiceProvider{
		EntityID:                         c.entityID,
		MetadataURL:                      *metadataURL,
		AcsURL:                           *acs,
		IDPMetadata:                      c.idpMeta,
		AuthnNameIDFormat:                saml.UnspecifiedNameIDFormat,
		Clock:                            dsig.NewFakeClockAt(now),
		RejectSHA1Signatures:             !c.cfg.AllowSHA1,
		AssertionConsumerServiceBindings: []string{saml.HTTPPostBinding},
		SignatureVerifier:                commentRefusingVerifier{},
	}
	if f := strings.TrimSpace(c.cfg.NameIDFormat); f != "" {
		sp.AuthnNameIDFormat = saml.NameIDFormat(f)
	}
	if len(c.spKeys) > 0 {
		sp.Key, sp.Certificate = c.spKeys[0], c.spCerts[0]
		sp.DecryptionKeys = c.spKeys[1:]
	}
	if c.cfg.SignRequests {
		sp.SignatureMethod = dsig.RSASHA256SignatureMethod
	}
	return sp, nil
}

// Begin sends the browser to the IdP with an AuthnRequest by the
// HTTP-Redirect binding, signed (SigAlg and Signature parameters) with the
// first SP key when the connection signs requests.
func (c *samlConnector) Begin(_ context.Context, req connector.LoginRequest) (string, []byte, error) {
	acsURL := req.CallbackURL
	if acsURL == "" {
		acsURL = c.acsURL
	}
	sp, err := c.serviceProvider(c.now(), acsURL)
	if err != nil {
		return "", nil, err
	}
	authn, err := sp.MakeAuthenticationRequest(c.idp.SSOURL, saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	if err != nil {
		return "", nil, connector.NewError(connector.CodeInvalidConfig, "The SAML request could not be made.", err)
	}
	redirect, err := authn.Redirect(req.State, sp)
	if err != nil {
		return "", nil, connector.NewError(connector.CodeInvalidConfig, "The SAML request could not be signed with the SP key.", err)
	}
	p, err := json.Marshal(pending{RequestID: authn.ID, ACS: acsURL})
	if err != nil {
		return "", nil, err
	}
	return redirect.String(), p, nil
}
