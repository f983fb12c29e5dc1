package saml

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/orgsso/orgsso/app/connector"
)

// SAML-specific error codes; the generic ones (signature, expiry,
// audience, issuer) are connector's.
const (
	CodeResponseInvalid     = "saml_response_invalid"
	CodeAssertionUnsigned   = "saml_assertion_unsigned"
	CodeEncryptionRequired  = "saml_encryption_required"
	CodeDecryptionFailed    = "saml_decryption_failed"
	CodeRequestMismatch     = "saml_in_response_to_mismatch"
	CodeRecipientMismatch   = "saml_recipient_mismatch"
	CodeDestinationMismatch = "saml_destination_mismatch"
	CodeUnsolicitedRefused  = "saml_unsolicited_refused"
	CodeSHA1Refused         = "saml_sha1_refused"
	CodeXMLComment          = "saml_xml_comment"
)

// OnceKind is the connector.Once kind of a SAML assertion ID.
const OnceKind = "saml-assertion"

// Size limits of an answer at the ACS, checked before any XML parsing.
const (
	maxFormBytes = 256 << 10
	maxXMLBytes  = 192 << 10
)

const (
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsDSig      = "http://www.w3.org/2000/09/xmldsig#"
	statusOK    = "urn:oasis:names:tc:SAML:2.0:status:Success"
	bearer      = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
)

func refuse(code, reason string, err error) *connector.Error {
	return connector.NewError(code, reason, err)
}

func invalid(reason string) *connector.Error {
	return refuse(CodeResponseInvalid, "The SAML response was refused: "+reason, nil)
}

// readForm parses the POST body of an answer at the ACS, at most
// maxFormBytes of it.
func readForm(r *http.Request) (url.Values, error) {
	if r.PostForm == nil {
		if r.Method != http.MethodPost {
			return nil, invalid("it did not arrive by the HTTP-POST binding.")
		}
		if r.ContentLength > maxFormBytes {
			return nil, invalid(fmt.Sprintf("it is larger than %d KiB.", maxFormBytes>>10))
		}
		r.Body = http.MaxBytesReader(nil, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(err, &tooLarge) {
				return nil, invalid(fmt.Sprintf("it is larger than %d KiB.", maxFormBytes>>10))
			}
			return nil, refuse(CodeResponseInvalid, "The SAML response was refused: its form cannot be read.", err)
		}
	}
	if len(r.PostForm.Get("SAMLResponse")) > maxFormBytes {
		return nil, invalid(fmt.Sprintf("it is larger than %d KiB.", maxFormBytes>>10))
	}
	return r.PostForm, nil
}

// Finish checks the IdP's answer to the AuthnRequest of pendingBytes.
func (c *samlConnector) Finish(_ context.Context, r *http.Request, pendingBytes []byte) (connector.Identity, error) {
	var p pending
	if err := json.Unmarshal(pendingBytes, &p); err != nil || p.RequestID == "" {
		return connector.Identity{}, refuse(connector.CodeStateInvalid, "The login state is not valid. Start the login again.", err)
	}
	if p.ACS == "" {
		p.ACS = c.acsURL
	}
	form, err := readForm(r)
	if err != nil {
		return connector.Identity{}, err
	}
	return c.accept(form.Get("SAMLResponse"), &p)
}

// FinishUnsolicited checks an answer the IdP sent without a login started
// here (IdP-initiated), if the connection allows them: it must answer no
// request, and passes every other check of Finish.
func (c *samlConnector) FinishUnsolicited(_ context.Context, r *http.Request) (connector.Identity, error) {
	if !c.cfg.AllowIdPInitiated {
		return connector.Identity{}, refuse(CodeUnsolicitedRefused,
			"This connection does not accept logins started at the identity provider (IdP-initiated). "+
				"Start the login from orgsso, or allow IdP-initiated login in the connection's settings.", nil)
	}
	form, err := readForm(r)
	if err != nil {
		return connector.Identity{}, err
	}
	return c.accept(form.Get("SAMLResponse"), nil)
}

// accept validates a SAMLResponse; p is nil for an IdP-initiated one.
func (c *samlConnector) accept(encoded string, p *pending) (connector.Identity, error) {
	if strings.TrimSpace(encoded) == "" {
		return connector.Identity{}, invalid("the identity provider's answer holds no SAMLResponse.")
	}
	doc, err := decodeBase64(encoded)
	if err != nil {
		return connector.Identity{}, refuse(CodeResponseInvalid, "The SAML response was refused: it is not valid base64.", err)
	}
	if len(doc) > maxXMLBytes {
		return connector.Identity{}, invalid(fmt.Sprintf("it is larger than %d KiB.", maxXMLBytes>>10))
	}
	if problem := checkXML(doc); problem != "" {
		return connector.Identity{}, invalid(problem)
	}
	parsed := etree.NewDocument()
	if err := parsed.ReadFromBytes(doc); err != nil || parsed.Root() == nil {
		return connector.Identity{}, refuse(CodeResponseInvalid, "The SAML response was refused: it is not well-formed XML.", err)
	}
	acsURL := c.acsURL
	var requestIDs []string
	if p != nil {
		acsURL, requestIDs = p.ACS, []string{p.RequestID}
	}
	if err := c.inspect(parsed.Root(), acsURL, p == nil); err != nil {
		return connector.Identity{}, err
	}
	now := c.now()
	sp, err := c.serviceProvider(now, acsURL)
	if err != nil {
		return connector.Identity{}, err
	}
	sp.AllowIDPInitiated = p == nil
	acs, _ := url.Parse(acsURL) // parsed in serviceProvider already
	assertion, err := parseResponse(sp, doc, requestIDs, *acs)
	if err != nil {
		return connector.Identity{}, explain(err)
	}
	until, err := c.check(assertion, acsURL, p, now)
	if err != nil {
		return connector.Identity{}, err
	}
	id, err := c.identity(assertion)
	if err != nil {
		return connector.Identity{}, err
	}
	id.Once = &connector.Once{Kind: OnceKind, ID: assertion.ID, Until: until}
	return id, nil
}

// parseResponse is crewjam/saml's validation, with any panic in it turned
// into a refusal.
func parseResponse(sp *saml.ServiceProvider, doc []byte, requestIDs []string, acs url.URL) (a *saml.Assertion, err error) {
	defer func() {
		if v := recover(); v != nil {
			a, err = nil, fmt.Errorf("SAML library panic: %v", v)
		}
	}()
	return sp.ParseXMLResponse(doc, requestIDs, acs)
}

// inspect checks the shape of the Response as received, before crewjam/saml
// sees it: exactly one assertion, as a direct child of the Response; a
// plain assertion with Subject, Conditions, AudienceRestriction, a bearer
// SubjectConfirmation for this ACS, no comments and (by default) a
// signature of its own; an issuer and destination that are ours; no SHA-1
// unless allowed; and a status of success. Refusing here needs no trust in
// the XML; accepting still waits for the signature checks.
func (c *samlConnector) inspect(root *etree.Element, acsURL string, unsolicited bool) error {
	if root.Tag != "Response" || root.NamespaceURI() != nsProtocol {
		return invalid(fmt.Sprintf("its root element is <%s>, not a SAML protocol Response.", root.Tag))
	}
	if err := checkStatus(root); err != nil {
		return err
	}
	if issuer := child(root, nsAssertion, "Issuer"); issuer != nil && strings.TrimSpace(issuer.Text()) != c.idp.EntityID {
		return c.issuerMismatch(issuer.Text())
	}
	if dest := root.SelectAttr("Destination"); dest != nil && dest.Value != acsURL {
		return refuse(CodeDestinationMismatch, fmt.Sprintf(
			"The SAML response is addressed to %q, not to this connection's ACS URL %s.", clip(dest.Value), acsURL), nil)
	}
	if unsolicited && root.SelectAttr("InResponseTo") != nil {
		return refuse(CodeRequestMismatch,
			"The SAML response answers a login request (it carries InResponseTo), but no login was started here. Start the login again.", nil)
	}
	if !c.cfg.AllowSHA1 {
		for _, el := range descendants(root) {
			if el.NamespaceURI() == nsDSig && (el.Tag == "SignatureMethod" || el.Tag == "DigestMethod") && isSHA1(el.SelectAttrValue("Algorithm", "")) {
				return refuse(CodeSHA1Refused, "The SAML response is signed with SHA-1, which this connection refuses. "+
					"Set the identity provider to sign with SHA-256, or allow SHA-1 in the connection's settings.", nil)
			}
		}
	}
	var found []*etree.Element
	for _, el := range descendants(root) {
		if el.Tag == "Assertion" || el.Tag == "EncryptedAssertion" {
			found = append(found, el)
		}
	}
	switch {
	case len(found) == 0:
		return invalid("it holds no assertion.")
	case len(found) > 1:
		return invalid(fmt.Sprintf("it holds %d assertions; orgsso accepts exactly one.", len(found)))
	case found[0].Parent() != root || found[0].NamespaceURI() != nsAssertion:
		return invalid("its assertion is not a direct child of the Response.")
	}
	a := found[0]
	if a.Tag == "EncryptedAssertion" {
		if len(c.spKeys) == 0 {
			return refuse(CodeDecryptionFailed, "The identity provider encrypted the assertion, but this connection has no SP key to decrypt it. "+
				"Turn on encrypted assertions (which makes a key pair), or turn encryption off at the identity provider.", nil)
		}
		return nil // its contents are checked once decrypted
	}
	if c.cfg.EncryptAssertions {
		// The IdP was given our encryption certificate: a plain assertion
		// means it is not configured as agreed, or someone else sent it.
		return refuse(CodeEncryptionRequired, "This connection expects encrypted assertions, but the identity provider sent a plain one. "+
			"Turn on assertion encryption at the identity provider, or turn it off in the connection's settings.", nil)
	}
	if hasComment(a) {
		return refuse(CodeXMLComment, "The SAML assertion contains XML comments, which orgsso refuses: they can hide part of a signed value such as the NameID.", nil)
	}
	if issuer := child(a, nsAssertion, "Issuer"); issuer == nil || strings.TrimSpace(issuer.Text()) != c.idp.EntityID {
		text := ""
		if issuer != nil {
			text = issuer.Text()
		}
		return c.issuerMismatch(text)
	}
	if c.cfg.SignedAssertionsRequired() && child(a, nsDSig, "Signature") == nil {
		return unsigned()
	}
	subject, conditions := child(a, nsAssertion, "Subject"), child(a, nsAssertion, "Conditions")
	if subject == nil {
		return noSubject()
	}
	if conditions == nil {
		return noConditions()
	}
	restrictions := children(conditions, nsAssertion, "AudienceRestriction")
	if len(restrictions) == 0 {
		return noAudience()
	}
	for _, ar := range restrictions {
		audiences := children(ar, nsAssertion, "Audience")
		if len(audiences) == 0 {
			return noAudience()
		}
		if !slices.ContainsFunc(audiences, func(a *etree.Element) bool { return strings.TrimSpace(a.Text()) == c.entityID }) {
			return wrongAudience(audiences[0].Text(), c.entityID)
		}
	}
	var bearers []*etree.Element
	for _, sc := range children(subject, nsAssertion, "SubjectConfirmation") {
		if sc.SelectAttrValue("Method", "") == bearer {
			bearers = append(bearers, sc)
		}
	}
	if len(bearers) == 0 {
		return noBearer()
	}
	for _, sc := range bearers {
		data := child(sc, nsAssertion, "SubjectConfirmationData")
		if data == nil {
			continue
		}
		if recipient := data.SelectAttrValue("Recipient", ""); recipient != acsURL {
			return wrongRecipient(recipient, acsURL)
		}
		if unsolicited && data.SelectAttr("InResponseTo") != nil {
			return refuse(CodeRequestMismatch,
				"The SAML assertion answers a login request (its SubjectConfirmationData carries InResponseTo), but no login was started here. Start the login again.", nil)
		}
	}
	return nil
}

// check repeats on the validated assertion what inspect checked on the
// plain one (an encrypted assertion is seen only now), with this package's
// clock skew, and returns until when the assertion must be remembered.
func (c *samlConnector) check(a *saml.Assertion, acsURL string, p *pending, now time.Time) (time.Time, error) {
	if strings.TrimSpace(a.Issuer.Value) != c.idp.EntityID {
		return time.Time{}, c.issuerMismatch(a.Issuer.Value)
	}
	if c.cfg.SignedAssertionsRequired() && a.Signature == nil {
		return time.Time{}, unsigned()
	}
	if a.ID == "" {
		return time.Time{}, invalid("its assertion has no ID.")
	}
	if a.Subject == nil {
		return time.Time{}, noSubject()
	}
	if a.Conditions == nil {
		return time.Time{}, noConditions()
	}
	if len(a.Conditions.AudienceRestrictions) == 0 {
		return time.Time{}, noAudience()
	}
	for _, ar := range a.Conditions.AudienceRestrictions {
		ok := false
		for _, aud := range ar.AllAudiences() {
			ok = ok || strings.TrimSpace(aud.Value) == c.entityID
		}
		if !ok {
			return time.Time{}, wrongAudience(ar.Audience.Value, c.entityID)
		}
	}
	until := a.Conditions.NotOnOrAfter
	if nb := a.Conditions.NotBefore; !nb.IsZero() && now.Add(c.skew).Before(nb) {
		return time.Time{}, notYetValid(nb)
	}
	if noa := a.Conditions.NotOnOrAfter; !noa.IsZero() && !now.Add(-c.skew).Before(noa) {
		return time.Time{}, expired(noa)
	}
	confirmed := false
	for _, sc := range a.Subject.SubjectConfirmations {
		if sc.Method != bearer {
			continue
		}
		data := sc.SubjectConfirmationData
		switch {
		case data == nil || data.NotOnOrAfter.IsZero():
			return time.Time{}, invalid("its bearer SubjectConfirmation has no NotOnOrAfter.")
		case data.Recipient != acsURL:
			return time.Time{}, wrongRecipient(data.Recipient, acsURL)
		case p == nil && data.InResponseTo != "":
			return time.Time{}, refuse(CodeRequestMismatch, "The SAML assertion answers a login request, but no login was started here. Start the login again.", nil)
		case p != nil && data.InResponseTo != "" && data.InResponseTo != p.RequestID:
			return time.Time{}, inResponseToMismatch()
		case !data.NotBefore.IsZero() && now.Add(c.skew).Before(data.NotBefore):
			return time.Time{}, notYetValid(data.NotBefore)
		case !now.Add(-c.skew).Before(data.NotOnOrAfter):
			return time.Time{}, expired(data.NotOnOrAfter)
		}
		confirmed = true
		if data.NotOnOrAfter.After(until) {
			until = data.NotOnOrAfter
		}
	}
	if !confirmed {
		return time.Time{}, noBearer()
	}
	return until.Add(c.skew), nil
}

// checkStatus turns a status other than success into the IdP's reason, in
// words: the second-level code says more than the first (Responder).
func checkStatus(root *etree.Element) error {
	status := child(root, nsProtocol, "Status")
	if status == nil {
		return invalid("it has no Status.")
	}
	code := child(status, nsProtocol, "StatusCode")
	if code == nil {
		return invalid("it has no StatusCode.")
	}
	top := code.SelectAttrValue("Value", "")
	if top == statusOK {
		return nil
	}
	codes := []string{shortStatus(top)}
	if second := child(code, nsProtocol, "StatusCode"); second != nil {
		codes = append(codes, shortStatus(second.SelectAttrValue("Value", "")))
	}
	reason := "The identity provider did not log the user in (status " + strings.Join(codes, " / ") + ")"
	if msg := child(status, nsProtocol, "StatusMessage"); msg != nil && strings.TrimSpace(msg.Text()) != "" {
		reason += ": “" + clip(strings.TrimSpace(msg.Text())) + "”"
	}
	return refuse(connector.CodeIdPError, reason+".", nil)
}

func shortStatus(v string) string {
	if i := strings.LastIndex(v, ":"); i >= 0 {
		return v[i+1:]
	}
	return v
}

// explain turns an error of crewjam/saml into a refusal in plain words;
// its message (never the XML) becomes the Detail.
func explain(err error) error {
	var ire *saml.InvalidResponseError
	if errors.As(err, &ire) && ire.PrivateErr != nil {
		err = ire.PrivateErr
	}
	switch {
	case errors.Is(err, errXMLComment):
		return refuse(CodeXMLComment, "The SAML assertion contains XML comments, which orgsso refuses: they can hide part of a signed value such as the NameID.", err)
	case errors.Is(err, errUntrustedCertificate) || errors.Is(err, saml.ErrUntrustedCertificate):
		return refuse(connector.CodeSignatureInvalid, "The SAML response is signed with a certificate this connection does not trust. "+
			"If the identity provider has a new signing certificate, update its metadata or certificates in the connection's settings.", err)
	case errors.Is(err, saml.ErrCertificateNotValidNow):
		return refuse(connector.CodeSignatureInvalid, "The identity provider's signing certificate has expired or is not valid yet. Ask for a current one and update the connection.", err)
	case errors.Is(err, saml.ErrUnsupported) && errors.Is(err, saml.ErrInvalidSignature) && strings.Contains(strings.ToLower(err.Error()), "sha-1"):
		return refuse(CodeSHA1Refused, "The SAML assertion is signed with SHA-1, which this connection refuses. "+
			"Set the identity provider to sign with SHA-256, or allow SHA-1 in the connection's settings.", err)
	case errors.Is(err, saml.ErrDecryptionFailed):
		return refuse(CodeDecryptionFailed, "The encrypted SAML assertion could not be decrypted with this connection's SP keys. "+
			"Check that the identity provider has the SP certificate from the current SP metadata.", err)
	case errors.Is(err, saml.ErrInvalidSignature):
		return refuse(connector.CodeSignatureInvalid, "The signature of the SAML response or assertion is not valid: it was changed after signing, or signed with another key.", err)
	case errors.Is(err, saml.ErrDestinationMismatch):
		return refuse(CodeDestinationMismatch, "The SAML response was sent for another address than this connection's ACS URL.", err)
	case errors.Is(err, saml.ErrRequestIDMismatch):
		return inResponseToMismatch()
	case errors.Is(err, saml.ErrIssuerMismatch):
		return refuse(connector.CodeIssuerMismatch, "The SAML response comes from another identity provider than this connection's.", err)
	case errors.Is(err, saml.ErrAudienceMismatch):
		return refuse(connector.CodeAudMismatch, "The SAML assertion is meant for another service provider (its Audience is not this connection's entity ID).", err)
	case errors.Is(err, saml.ErrExpired):
		return refuse(connector.CodeTokenExpired, "The SAML assertion has expired. If this happens at every login, check the clocks of orgsso and the identity provider.", err)
	case errors.Is(err, saml.ErrNotYetValid):
		return refuse(connector.CodeTokenNotYetValid, "The SAML assertion is not valid yet. Check the clocks of orgsso and the identity provider.", err)
	case errors.Is(err, saml.ErrMissingElement):
		return refuse(CodeResponseInvalid, "The SAML response was refused: an element it must have is missing.", err)
	}
	return refuse(CodeResponseInvalid, "The SAML response was refused: it did not pass validation.", err)
}

func unsigned() error {
	return refuse(CodeAssertionUnsigned, "The SAML assertion is not signed. This connection requires signed assertions: "+
		"set the identity provider to sign the assertion (not only the response).", nil)
}

func noSubject() error {
	return invalid("its assertion has no Subject, so it does not say who logged in.")
}

func noConditions() error {
	return invalid("its assertion has no Conditions, so it does not say for whom or how long it is valid.")
}

func noAudience() error {
	return refuse(connector.CodeAudMismatch, "The SAML assertion has no AudienceRestriction, so it does not say which service provider it is meant for; orgsso refuses it.", nil)
}

func noBearer() error {
	return invalid("its assertion has no bearer SubjectConfirmation, which the web browser SSO profile requires.")
}

func wrongAudience(got, want string) error {
	return refuse(connector.CodeAudMismatch, fmt.Sprintf(
		"The SAML assertion is meant for %q, not for this connection's entity ID %s. Check the SP entity ID at the identity provider.", clip(got), want), nil)
}

func wrongRecipient(got, want string) error {
	return refuse(CodeRecipientMismatch, fmt.Sprintf(
		"The SAML assertion is meant to be delivered to %q, not to this connection's ACS URL %s. Check the ACS URL at the identity provider.", clip(got), want), nil)
}

func inResponseToMismatch() error {
	return refuse(CodeRequestMismatch, "The SAML response does not answer the login request this browser started (InResponseTo differs). Start the login again.", nil)
}

func expired(at time.Time) error {
	return refuse(connector.CodeTokenExpired, fmt.Sprintf(
		"The SAML assertion expired at %s. If this happens at every login, check the clocks of orgsso and the identity provider.", at.UTC().Format(time.RFC3339)), nil)
}

func notYetValid(at time.Time) error {
	return refuse(connector.CodeTokenNotYetValid, fmt.Sprintf(
		"The SAML assertion is valid only from %s. Check the clocks of orgsso and the identity provider.", at.UTC().Format(time.RFC3339)), nil)
}

func (c *samlConnector) issuerMismatch(got string) error {
	return refuse(connector.CodeIssuerMismatch, fmt.Sprintf(
		"The SAML response was issued by %q, not by this connection's identity provider %s.", clip(strings.TrimSpace(got)), c.idp.EntityID), nil)
}

// clip shortens a value from the IdP for a message.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 200 {
		return s
	}
	return string([]rune(s)[:200]) + "…"
}

func isSHA1(alg string) bool {
	switch alg {
	case dsig.RSASHA1SignatureMethod, dsig.ECDSASHA1SignatureMethod, "http://www.w3.org/2000/09/xmldsig#dsa-sha1",
		"http://www.w3.org/2000/09/xmldsig#hmac-sha1", "http://www.w3.org/2000/09/xmldsig#sha1":
		return true
	}
	return false
}

func child(el *etree.Element, space, tag string) *etree.Element {
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == space {
			return c
		}
	}
	return nil
}

func children(el *etree.Element, space, tag string) []*etree.Element {
	var out []*etree.Element
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == space {
			out = append(out, c)
		}
	}
	return out
}

func descendants(el *etree.Element) []*etree.Element {
	var out []*etree.Element
	for _, c := range el.ChildElements() {
		out = append(out, c)
		out = append(out, descendants(c)...)
	}
	return out
}

func hasComment(el *etree.Element) bool {
	for _, tok := range el.Child {
		switch t := tok.(type) {
		case *etree.Comment:
			return true
		case *etree.Element:
			if hasComment(t) {
				return true
			}
		}
	}
	return false
}

var (
	errXMLComment           = errors.New("XML comment inside a signed element")
	errUntrustedCertificate = errors.New("signed with a certificate that is not trusted")
)

// commentRefusingVerifier is the signature check crewjam/saml calls for
// every signed element, including an assertion it has just decrypted,
// which inspect could not see: it refuses comments (exclusive
// canonicalization leaves them out of the digest, so a comment can split
// a signed NameID without breaking the signature), then verifies as
// goxmldsig does, trying each trusted certificate when the signature
// names none.
type commentRefusingVerifier struct{}

func (v commentRefusingVerifier) VerifySignature(vc *dsig.ValidationContext, el *etree.Element) error {
	_, err := v.VerifySignedElement(vc, el)
	return err
}

func (commentRefusingVerifier) VerifySignedElement(vc *dsig.ValidationContext, el *etree.Element) (*etree.Element, error) {
	if hasComment(el) {
		return nil, errXMLComment
	}
	roots, err := vc.CertificateStore.Certificates()
	if err != nil {
		return nil, err
	}
	named := el.FindElement("./Signature/KeyInfo/X509Data/X509Certificate")
	if named == nil && len(roots) > 1 {
		var lastErr error
		for _, cert := range roots {
			one := *vc
			one.CertificateStore = &dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{cert}}
			signed, err := one.Validate(el)
			if err == nil {
				return signed, nil
			}
			lastErr = err
		}
		return nil, lastErr
	}
	if named != nil {
		der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(named.Text()), ""))
		if err != nil {
			return nil, errUntrustedCertificate
		}
		trusted := false
		for _, r := range roots {
			trusted = trusted || string(r.Raw) == string(der)
		}
		if !trusted {
			return nil, errUntrustedCertificate
		}
	}
	return vc.Validate(el)
}
