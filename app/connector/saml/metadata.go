package saml

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/crewjam/saml"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/app/outbound"
)

// CodeMetadataInvalid is the code of metadata that cannot be used.
const CodeMetadataInvalid = "saml_metadata_invalid"

// IdPDescriptor is the identity provider's side of a connection: who it is,
// where logins start and which certificates sign its answers.
type IdPDescriptor struct {
	EntityID     string
	SSOURL       string // HTTP-Redirect binding
	Certificates []*x509.Certificate
	SLOURL       string // HTTP-Redirect binding, "" when none
}

// maxXMLDepth bounds the nesting of any XML orgsso parses from an IdP.
const maxXMLDepth = 64

// checkXML scans doc before any parser builds a tree from it: it refuses
// DTDs (and so entity declarations: no XML bombs), processing
// instructions other than the XML declaration, and deep nesting. It
// returns a plain-words problem, or "".
func checkXML(doc []byte) string {
	dec := xml.NewDecoder(bytes.NewReader(doc))
	dec.Strict = true
	depth := 0
	for {
		tok, err := dec.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "It is not well-formed XML."
		}
		switch t := tok.(type) {
		case xml.Directive:
			return "It contains a DTD or entity declaration (<!DOCTYPE …>), which orgsso refuses."
		case xml.ProcInst:
			if t.Target != "xml" {
				return "It contains an XML processing instruction, which orgsso refuses."
			}
		case xml.StartElement:
			if depth++; depth > maxXMLDepth {
				return fmt.Sprintf("Its elements are nested more than %d deep.", maxXMLDepth)
			}
		case xml.EndElement:
			depth--
		}
	}
	if depth != 0 {
		return "It is not well-formed XML."
	}
	return ""
}

// ParseMetadata reads an IdP's metadata: an EntityDescriptor with an
// IDPSSODescriptor, or an EntitiesDescriptor holding exactly one such
// entity. Its error, a *connector.Error, says what is missing.
func ParseMetadata(doc []byte) (IdPDescriptor, error) {
	bad := func(reason string, err error) (IdPDescriptor, error) {
		return IdPDescriptor{}, connector.NewError(CodeMetadataInvalid, reason, err)
	}
	doc = bytes.TrimSpace(doc)
	if len(doc) == 0 {
		return bad("The metadata is empty.", nil)
	}
	if len(doc) > MaxMetadata {
		return bad(fmt.Sprintf("The metadata is larger than %d KiB.", MaxMetadata>>10), nil)
	}
	if problem := checkXML(doc); problem != "" {
		return bad("This is not SAML metadata: "+problem, nil)
	}
	var root struct{ XMLName xml.Name }
	if err := xml.Unmarshal(doc, &root); err != nil {
		return bad("This is not SAML metadata: it is not well-formed XML.", err)
	}
	const mdNS = "urn:oasis:names:tc:SAML:2.0:metadata"
	var entities []saml.EntityDescriptor
	switch root.XMLName {
	case xml.Name{Space: mdNS, Local: "EntityDescriptor"}:
		var ed saml.EntityDescriptor
		if err := xml.Unmarshal(doc, &ed); err != nil {
			return bad("The metadata's EntityDescriptor cannot be read: "+plainXMLError(err), err)
		}
		entities = append(entities, ed)
	case xml.Name{Space: mdNS, Local: "EntitiesDescriptor"}:
		var eds saml.EntitiesDescriptor
		if err := xml.Unmarshal(doc, &eds); err != nil {
			return bad("The metadata's EntitiesDescriptor cannot be read: "+plainXMLError(err), err)
		}
		entities = collectEntities(eds)
	default:
		return bad(fmt.Sprintf("This is not SAML metadata: its root element is <%s>, not an EntityDescriptor in the SAML metadata namespace.", root.XMLName.Local), nil)
	}
	var idps []saml.EntityDescriptor
	for _, ed := range entities {
		if len(ed.IDPSSODescriptors) > 0 {
			idps = append(idps, ed)
		}
	}
	switch {
	case len(idps) == 0:
		return bad("The metadata describes no identity provider (no IDPSSODescriptor); is it the service provider's metadata?", nil)
	case len(idps) > 1:
		return bad(fmt.Sprintf("The metadata describes %d identity providers; give the metadata of just the one to use.", len(idps)), nil)
	}
	ed := idps[0]
	d := IdPDescriptor{EntityID: strings.TrimSpace(ed.EntityID)}
	if d.EntityID == "" {
		return bad("The metadata's EntityDescriptor has no entityID.", nil)
	}
	var postOnly bool
	for _, idp := range ed.IDPSSODescriptors {
		for _, s := range idp.SingleSignOnServices {
			switch s.Binding {
			case saml.HTTPRedirectBinding:
				if d.SSOURL == "" {
					d.SSOURL = strings.TrimSpace(s.Location)
				}
			case saml.HTTPPostBinding:
				postOnly = true
			}
		}
		for _, s := range idp.SingleLogoutServices {
			if s.Binding == saml.HTTPRedirectBinding && d.SLOURL == "" {
				d.SLOURL = strings.TrimSpace(s.Location)
			}
		}
		for _, kd := range idp.KeyDescriptors {
			if kd.Use != "" && kd.Use != "signing" {
				continue
			}
			for _, xc := range kd.KeyInfo.X509Data.X509Certificates {
				cert, err := parseCertificate(xc.Data)
				if err != nil {
					return bad("A signing certificate in the metadata cannot be read: "+err.Error()+".", err)
				}
				d.Certificates = append(d.Certificates, cert)
			}
		}
	}
	switch {
	case d.SSOURL == "" && postOnly:
		return bad("The identity provider's metadata offers single sign-on only by the HTTP-POST binding; orgsso sends requests by the HTTP-Redirect binding.", nil)
	case d.SSOURL == "":
		return bad("The metadata has no SingleSignOnService with the HTTP-Redirect binding.", nil)
	case connector.URLProblem(d.SSOURL) != "":
		return bad("The metadata's single sign-on URL "+d.SSOURL+" cannot be used: "+connector.URLProblem(d.SSOURL), nil)
	case len(d.Certificates) == 0:
		return bad("The metadata has no signing certificate (no KeyDescriptor with an X509Certificate).", nil)
	}
	return d, nil
}

func collectEntities(eds saml.EntitiesDescriptor) []saml.EntityDescriptor {
	out := append([]saml.EntityDescriptor(nil), eds.EntityDescriptors...)
	for _, inner := range eds.EntitiesDescriptors {
		out = append(out, collectEntities(inner)...)
	}
	return out
}

func plainXMLError(err error) string {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("it is not well-formed XML (line %d).", se.Line)
	}
	return "its content does not follow the SAML metadata schema."
}

// FetchMetadata reads an IdP's metadata from url through client (nil:
// outbound.New's default), within ctx's deadline and MaxMetadata bytes,
// and checks that it is metadata ParseMetadata accepts. Errors are
// *connector.Error with a reason an admin can act on.
func FetchMetadata(ctx context.Context, client *http.Client, url string) ([]byte, error) {
	fail := func(reason string, err error) ([]byte, error) {
		return nil, connector.NewError(CodeMetadataInvalid, reason, err)
	}
	if msg := connector.URLProblem(url); msg != "" {
		return fail("The metadata URL cannot be used: "+msg, nil)
	}
	if client == nil {
		client = outbound.New(outbound.Options{MaxBody: MaxMetadata})
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fail("The metadata URL cannot be used.", err)
	}
	req.Header.Set("Accept", "application/samlmetadata+xml, application/xml, text/xml")
	resp, err := client.Do(req)
	if err != nil {
		var oe *outbound.Error
		if errors.As(err, &oe) {
			return fail("Could not read the metadata at "+url+". "+oe.Reason, err)
		}
		return fail("Could not read the metadata at "+url+": the identity provider did not answer.", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fail(fmt.Sprintf("Could not read the metadata at %s: it answered HTTP %s. Check the metadata URL.", url, resp.Status), nil)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxMetadata+1))
	if err != nil {
		var oe *outbound.Error
		if errors.As(err, &oe) {
			return fail("Could not read the metadata at "+url+". "+oe.Reason, err)
		}
		return fail("Could not read the metadata at "+url+": the answer broke off.", err)
	}
	if len(body) > MaxMetadata {
		return fail(fmt.Sprintf("The metadata at %s is larger than %d KiB.", url, MaxMetadata>>10), nil)
	}
	if _, err := ParseMetadata(body); err != nil {
		return fail("The address "+url+" did not return usable SAML metadata. "+connector.Reason(err), err)
	}
	return body, nil
}

// spMetadata writes the SP's metadata from the configuration alone:
// entity ID, ACS (HTTP-POST), and each SP certificate for signing and/or
// encryption as the connection uses them.
func spMetadata(c Config, entityID, acsURL string) ([]byte, error) {
	var keys []saml.KeyDescriptor
	for i, p := range c.SPCertificates {
		cert, err := parseCertificate(p)
		if err != nil {
			return nil, connector.NewError(connector.CodeInvalidConfig,
				fmt.Sprintf("SP certificate %d cannot be read: %s", i+1, err.Error()), err)
		}
		info := saml.KeyInfo{X509Data: saml.X509Data{X509Certificates: []saml.X509Certificate{
			{Data: base64.StdEncoding.EncodeToString(cert.Raw)},
		}}}
		if c.SignRequests {
			keys = append(keys, saml.KeyDescriptor{Use: "signing", KeyInfo: info})
		}
		if c.EncryptAssertions {
			keys = append(keys, saml.KeyDescriptor{Use: "encryption", KeyInfo: info, EncryptionMethods: []saml.EncryptionMethod{
				{Algorithm: "http://www.w3.org/2009/xmlenc11#aes256-gcm"},
				{Algorithm: "http://www.w3.org/2009/xmlenc11#aes128-gcm"},
				{Algorithm: "http://www.w3.org/2001/04/xmlenc#aes256-cbc"},
				{Algorithm: "http://www.w3.org/2001/04/xmlenc#aes128-cbc"},
			}})
		}
	}
	yes, signRequests := true, c.SignRequests
	sp := saml.SPSSODescriptor{
		SSODescriptor: saml.SSODescriptor{
			RoleDescriptor: saml.RoleDescriptor{
				ProtocolSupportEnumeration: "urn:oasis:names:tc:SAML:2.0:protocol",
				KeyDescriptors:             keys,
			},
		},
		AuthnRequestsSigned:  &signRequests,
		WantAssertionsSigned: &yes,
		AssertionConsumerServices: []saml.IndexedEndpoint{
			{Binding: saml.HTTPPostBinding, Location: acsURL, Index: 1, IsDefault: &yes},
		},
	}
	if f := strings.TrimSpace(c.NameIDFormat); f != "" {
		sp.NameIDFormats = []saml.NameIDFormat{saml.NameIDFormat(f)}
	}
	ed := saml.EntityDescriptor{EntityID: entityID, SPSSODescriptors: []saml.SPSSODescriptor{sp}}
	out, err := xml.MarshalIndent(ed, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), out...), nil
}

// decodeBase64 decodes standard base64 with any line breaks and spaces.
func decodeBase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, s)
	return base64.StdEncoding.DecodeString(s)
}
