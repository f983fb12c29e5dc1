package saml

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/orgsso/orgsso/app/connector"
)

// NameID formats an admin may ask for; "" leaves the choice to the IdP.
const (
	NameIDEmail       = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
	NameIDPersistent  = "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"
	NameIDTransient   = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
	NameIDUnspecified = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
)

// NameIDFormats are the formats Validate accepts.
var nameIDFormats = []string{NameIDEmail, NameIDPersistent, NameIDTransient, NameIDUnspecified}

// Config is a SAML connection's configuration, stored as JSON (no secrets:
// the SP's private keys travel in the sealed Secret).
type Config struct {
	// MetadataURL is where the IdP publishes its metadata; MetadataXML is
	// that metadata as last fetched, or as uploaded.
	MetadataURL       string     `json:"metadataURL,omitempty"`
	MetadataXML       string     `json:"metadataXML,omitempty"`
	MetadataFetchedAt *time.Time `json:"metadataFetchedAt,omitempty"`
	// EntityID, SSOURL and Certificates describe the IdP by hand, when
	// there is no metadata.
	EntityID string `json:"entityID,omitempty"`
	SSOURL   string `json:"ssoURL,omitempty"`
	// Certificates are the IdP's signing certificates (PEM); during a key
	// rotation several are trusted at once.
	Certificates []string `json:"certificates,omitempty"`
	// RequireSignedAssertions refuses an assertion without a signature of
	// its own, even inside a signed Response; nil means true.
	RequireSignedAssertions *bool `json:"requireSignedAssertions,omitempty"`
	SignRequests            bool  `json:"signRequests,omitempty"`
	// EncryptAssertions publishes the SP certificates for encryption and
	// then refuses an assertion that arrives unencrypted.
	EncryptAssertions bool `json:"encryptAssertions,omitempty"`
	AllowIdPInitiated bool `json:"allowIdPInitiated,omitempty"`
	// AllowSHA1 accepts signatures and digests made with SHA-1.
	AllowSHA1 bool `json:"allowSHA1,omitempty"`
	// NameIDFormat is asked for in AuthnRequests; "" for unspecified.
	NameIDFormat string `json:"nameIDFormat,omitempty"`
	// AttributeMapping names the attributes the Identity is read from;
	// an empty UserID means the NameID.
	AttributeMapping connector.ClaimMapping `json:"attributeMapping"`
	GroupsAttribute  string                 `json:"groupsAttribute,omitempty"`
	// SPCertificates are the SP's own certificates (PEM), oldest first; the
	// private keys are in the Secret, in the same order. The first signs
	// AuthnRequests; all are published in the SP metadata and all their
	// keys decrypt.
	SPCertificates []string `json:"spCertificates,omitempty"`
}

// ConfigOf decodes a SAML connection's stored configuration. Unknown keys
// are an error that names the key.
func ConfigOf(raw []byte) (Config, error) {
	var cfg Config
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			return Config{}, fmt.Errorf("unknown SAML setting %s", name)
		}
		return Config{}, fmt.Errorf("the SAML settings are not valid JSON: %w", err)
	}
	if dec.More() {
		return Config{}, errors.New("the SAML settings hold more than one JSON object")
	}
	return cfg, nil
}

// SignedAssertionsRequired reports whether an assertion must carry its own
// signature (RequireSignedAssertions, true when unset).
func (c Config) SignedAssertionsRequired() bool {
	return c.RequireSignedAssertions == nil || *c.RequireSignedAssertions
}

// Length limits of the settings, in characters (certificates and metadata
// in bytes).
const (
	MaxURL          = 2000
	MaxEntityID     = 1024
	MaxAttribute    = 256 // each attribute name, and the groups attribute
	MaxCertificate  = 16 << 10
	MaxCertificates = 10
	MaxMetadata     = 1 << 20
)

// Validate returns a message per invalid field, keyed by the field's form
// name (its JSON path); an empty map means valid. It does not contact the
// IdP.
func (c Config) Validate() map[string]string {
	errs := map[string]string{}
	long := func(s string, limit int) bool { return utf8.RuneCountInString(s) > limit }
	metadataURL, metadataXML := strings.TrimSpace(c.MetadataURL), strings.TrimSpace(c.MetadataXML)
	if metadataURL != "" {
		if long(metadataURL, MaxURL) {
			errs["metadataURL"] = connector.TooLong(MaxURL)
		} else if msg := connector.URLProblem(metadataURL); msg != "" {
			errs["metadataURL"] = msg
		}
	}
	if metadataXML != "" {
		if len(metadataXML) > MaxMetadata {
			errs["metadataXML"] = fmt.Sprintf("The metadata is larger than %d KiB.", MaxMetadata>>10)
		} else if _, err := ParseMetadata([]byte(metadataXML)); err != nil {
			errs["metadataXML"] = connector.Reason(err)
		}
	}
	byHand := metadataURL == "" && metadataXML == ""
	entityID, ssoURL := strings.TrimSpace(c.EntityID), strings.TrimSpace(c.SSOURL)
	switch {
	case long(entityID, MaxEntityID):
		errs["entityID"] = connector.TooLong(MaxEntityID)
	case byHand && entityID == "":
		errs["entityID"] = "Enter the identity provider's entity ID (its issuer), or give its metadata instead."
	}
	switch {
	case ssoURL == "":
		if byHand {
			errs["ssoURL"] = "Enter the identity provider's single sign-on URL, or give its metadata instead."
		}
	case long(ssoURL, MaxURL):
		errs["ssoURL"] = connector.TooLong(MaxURL)
	default:
		if msg := connector.URLProblem(ssoURL); msg != "" {
			errs["ssoURL"] = msg
		}
	}
	switch {
	case len(c.Certificates) > MaxCertificates:
		errs["certificates"] = fmt.Sprintf("Enter at most %d certificates.", MaxCertificates)
	case byHand && len(c.Certificates) == 0:
		errs["certificates"] = "Enter the identity provider's signing certificate (PEM), or give its metadata instead."
	default:
		for i, p := range c.Certificates {
			if _, err := parseCertificate(p); err != nil {
				errs["certificates"] = fmt.Sprintf("Certificate %d: %s", i+1, err.Error())
				break
			}
		}
	}
	if f := strings.TrimSpace(c.NameIDFormat); f != "" && !slices.Contains(nameIDFormats, f) {
		errs["nameIDFormat"] = "Choose one of the NameID formats: " + strings.Join(nameIDFormats, ", ") + ", or leave it empty."
	}
	attrs := []struct{ field, name string }{
		{"attributeMapping.userID", c.AttributeMapping.UserID}, {"attributeMapping.email", c.AttributeMapping.Email},
		{"attributeMapping.name", c.AttributeMapping.Name}, {"attributeMapping.givenName", c.AttributeMapping.GivenName},
		{"attributeMapping.familyName", c.AttributeMapping.FamilyName}, {"attributeMapping.picture", c.AttributeMapping.Picture},
		{"groupsAttribute", c.GroupsAttribute},
	}
	for _, a := range attrs {
		if long(a.name, MaxAttribute) {
			errs[a.field] = connector.TooLong(MaxAttribute)
		}
	}
	switch {
	case len(c.SPCertificates) > MaxCertificates:
		errs["spCertificates"] = fmt.Sprintf("Keep at most %d SP certificates.", MaxCertificates)
	case (c.SignRequests || c.EncryptAssertions) && len(c.SPCertificates) == 0:
		errs["spCertificates"] = "Signing requests and encrypted assertions need an SP key pair: generate one, or paste a certificate and its private key."
	default:
		for i, p := range c.SPCertificates {
			if _, err := parseCertificate(p); err != nil {
				errs["spCertificates"] = fmt.Sprintf("SP certificate %d: %s", i+1, err.Error())
				break
			}
		}
	}
	return errs
}

// IdP returns the identity provider as this connection knows it: from
// MetadataXML when there is some, else from the fields typed by hand.
func (c Config) IdP() (IdPDescriptor, error) {
	if strings.TrimSpace(c.MetadataXML) != "" {
		return ParseMetadata([]byte(c.MetadataXML))
	}
	d := IdPDescriptor{EntityID: strings.TrimSpace(c.EntityID), SSOURL: strings.TrimSpace(c.SSOURL)}
	for i, p := range c.Certificates {
		cert, err := parseCertificate(p)
		if err != nil {
			return IdPDescriptor{}, connector.NewError(connector.CodeInvalidConfig,
				fmt.Sprintf("The identity provider's certificate %d cannot be used: %s", i+1, err.Error()), err)
		}
		d.Certificates = append(d.Certificates, cert)
	}
	switch {
	case strings.TrimSpace(c.MetadataURL) != "" && d.EntityID == "":
		return IdPDescriptor{}, connector.NewError(connector.CodeInvalidConfig,
			"The identity provider's metadata has not been fetched from "+c.MetadataURL+" yet. Save the connection again to fetch it.", nil)
	case d.EntityID == "" || d.SSOURL == "" || len(d.Certificates) == 0:
		return IdPDescriptor{}, connector.NewError(connector.CodeInvalidConfig,
			"The identity provider is not described yet: give its metadata, or its entity ID, single sign-on URL and signing certificate.", nil)
	}
	return d, nil
}

// parseCertificate reads one PEM certificate, or bare base64 DER as
// metadata and some IdP consoles show it.
func parseCertificate(s string) (*x509.Certificate, error) {
	s = strings.TrimSpace(s)
	if len(s) > MaxCertificate {
		return nil, fmt.Errorf("it is larger than %d KiB", MaxCertificate>>10)
	}
	var der []byte
	if block, rest := pem.Decode([]byte(s)); block != nil {
		if block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("it is a PEM %q block, not a CERTIFICATE", block.Type)
		}
		if len(bytes.TrimSpace(rest)) > 0 {
			return nil, errors.New("enter one certificate per entry")
		}
		der = block.Bytes
	} else {
		b, err := decodeBase64(s)
		if err != nil || len(b) == 0 {
			return nil, errors.New("it is not a PEM certificate (-----BEGIN CERTIFICATE-----)")
		}
		der = b
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, errors.New("it is not a valid X.509 certificate")
	}
	return cert, nil
}
