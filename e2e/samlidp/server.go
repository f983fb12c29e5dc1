package samlidp

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // the test IdP must check SHA-1 request signatures too
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml"
	"github.com/crewjam/saml/xmlenc"
	dsig "github.com/russellhaering/goxmldsig"
)

// Signing says what the IdP signs.
type Signing int

// What the IdP signs: the assertion (the default), the response, both or
// neither.
const (
	SignAssertion Signing = iota
	SignResponse
	SignBoth
	SignNeither
)

// Attribute names the IdP sends, as Okta's generic template does.
const (
	AttrEmail      = "email"
	AttrFirstName  = "firstName"
	AttrLastName   = "lastName"
	AttrGroups     = "groups"
	NameIDEmail    = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
	bearer         = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
	statusSuccess  = "urn:oasis:names:tc:SAML:2.0:status:Success"
	entityIDFormat = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"
)

// User is a person who can log in at the test IdP.
type User struct {
	Email      string
	GivenName  string
	FamilyName string
	Groups     []string
	// NameID is the subject; the email when empty.
	NameID string
	// Attributes are sent besides email, firstName, lastName and groups.
	Attributes map[string][]string
}

// Key is a signing key pair.
type Key struct {
	Key  *rsa.PrivateKey
	Cert *x509.Certificate
}

// NewKey makes a 2048-bit RSA key with a self-signed certificate valid
// for a year.
func NewKey(commonName string) (*Key, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: commonName},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(1, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Key{Key: k, Cert: cert}, nil
}

// CertPEM returns the certificate as PEM.
func (k *Key) CertPEM() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: k.Cert.Raw}))
}

// sp is a registered service provider.
type sp struct {
	entityID   string
	acs        string
	signing    []*x509.Certificate
	encryption *x509.Certificate
}

// Option configures New.
type Option func(*Server)

// WithUser adds u; the first user added is the one who logs in.
func WithUser(u User) Option { return func(s *Server) { s.addUser(u) } }

// Server is a running in-process SAML identity provider.
type Server struct {
	srv *httptest.Server

	mu                    sync.Mutex
	keys                  []*Key // all published; the last one signs
	users                 map[string]User
	next                  string
	sps                   map[string]*sp
	signing               Signing
	sha1                  bool
	encrypt               bool
	requireSignedRequests bool
	failStatus            []string // second-level code, message
	lastRequest           *saml.AuthnRequest
	lastRequestSigned     bool
}

// New starts a test IdP on 127.0.0.1 (plain http) and closes it when the
// test ends.
func New(t testing.TB, opts ...Option) *Server {
	t.Helper()
	k, err := NewKey("samlidp")
	if err != nil {
		t.Fatalf("samlidp: %v", err)
	}
	s := &Server{keys: []*Key{k}, users: map[string]User{}, sps: map[string]*sp{}}
	for _, o := range opts {
		o(s)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metadata", s.serveMetadata)
	mux.HandleFunc("GET /sso", s.serveSSO)
	mux.HandleFunc("GET /initiate", s.serveInitiate)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// URL returns the server's base URL.
func (s *Server) URL() string { return s.srv.URL }

// EntityID returns the IdP's entity ID (its metadata URL).
func (s *Server) EntityID() string { return s.srv.URL + "/metadata" }

// MetadataURL returns where the metadata is served.
func (s *Server) MetadataURL() string { return s.srv.URL + "/metadata" }

// SSOURL returns the single sign-on URL (HTTP-Redirect binding).
func (s *Server) SSOURL() string { return s.srv.URL + "/sso" }

// InitiateURL returns the URL that starts an IdP-initiated login for the
// SP of that entity ID.
func (s *Server) InitiateURL(spEntityID, relayState string) string {
	return s.srv.URL + "/initiate?" + url.Values{"sp": {spEntityID}, "RelayState": {relayState}}.Encode()
}

// Client returns an *http.Client for talking to the server directly.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// Key returns the current signing key.
func (s *Server) Key() *Key {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.keys[len(s.keys)-1]
}

// CertificatePEM returns the current signing certificate as PEM.
func (s *Server) CertificatePEM() string { return s.Key().CertPEM() }

func (s *Server) addUser(u User) {
	s.users[strings.ToLower(u.Email)] = u
	if s.next == "" {
		s.next = strings.ToLower(u.Email)
	}
}

// AddUser adds (or replaces) u; the first user added logs in first.
func (s *Server) AddUser(u User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addUser(u)
}

// NextUser selects who logs in from now on, by email.
func (s *Server) NextUser(email string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next = strings.ToLower(email)
}

// SetSigning chooses what the IdP signs.
func (s *Server) SetSigning(v Signing) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.signing = v
}

// SetSHA1 signs with RSA-SHA1 and SHA-1 digests when on (SHA-256 otherwise).
func (s *Server) SetSHA1(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sha1 = on
}

// SetEncrypt encrypts assertions to the SP's encryption certificate when on.
func (s *Server) SetEncrypt(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.encrypt = on
}

// SetRequireSignedRequests refuses AuthnRequests without a valid
// HTTP-Redirect binding signature by a signing certificate of the SP's
// metadata when on.
func (s *Server) SetRequireSignedRequests(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requireSignedRequests = on
}

// FailNextLogin makes the next login answer with status Responder and the
// given second-level status code (such as
// urn:oasis:names:tc:SAML:2.0:status:AuthnFailed) and message.
func (s *Server) FailNextLogin(code, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failStatus = []string{code, message}
}

// RotateKey publishes a new signing key next to the old ones and signs with
// it from now on.
func (s *Server) RotateKey() error {
	k, err := NewKey("samlidp rotated")
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.keys = append(s.keys, k)
	return nil
}

// LastRequest returns the latest AuthnRequest received and whether it
// carried a valid signature.
func (s *Server) LastRequest() (*saml.AuthnRequest, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastRequest, s.lastRequestSigned
}

// Metadata returns the IdP's metadata: every published signing
// certificate, and single sign-on by the HTTP-Redirect binding.
func (s *Server) Metadata() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	var keys []saml.KeyDescriptor
	for _, k := range s.keys {
		keys = append(keys, saml.KeyDescriptor{Use: "signing", KeyInfo: saml.KeyInfo{X509Data: saml.X509Data{
			X509Certificates: []saml.X509Certificate{{Data: base64.StdEncoding.EncodeToString(k.Cert.Raw)}},
		}}})
	}
	want := s.requireSignedRequests
	ed := saml.EntityDescriptor{EntityID: s.EntityID(), IDPSSODescriptors: []saml.IDPSSODescriptor{{
		SSODescriptor: saml.SSODescriptor{
			RoleDescriptor: saml.RoleDescriptor{ProtocolSupportEnumeration: "urn:oasis:names:tc:SAML:2.0:protocol", KeyDescriptors: keys},
			NameIDFormats:  []saml.NameIDFormat{NameIDEmail},
		},
		WantAuthnRequestsSigned: &want,
		SingleSignOnServices:    []saml.Endpoint{{Binding: saml.HTTPRedirectBinding, Location: s.SSOURL()}},
	}}}
	out, err := xml.MarshalIndent(ed, "", "  ")
	if err != nil {
		panic(err)
	}
	return append([]byte(xml.Header), out...)
}

func (s *Server) serveMetadata(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	_, _ = w.Write(s.Metadata())
}

// RegisterSP registers a service provider by its metadata: its entity ID,
// HTTP-POST ACS and certificates.
func (s *Server) RegisterSP(metadata []byte) error {
	var ed saml.EntityDescriptor
	if err := xml.Unmarshal(metadata, &ed); err != nil {
		return fmt.Errorf("samlidp: SP metadata: %w", err)
	}
	if len(ed.SPSSODescriptors) == 0 {
		return errors.New("samlidp: SP metadata has no SPSSODescriptor")
	}
	d := ed.SPSSODescriptors[0]
	p := &sp{entityID: ed.EntityID}
	for _, a := range d.AssertionConsumerServices {
		if a.Binding == saml.HTTPPostBinding {
			p.acs = a.Location
			break
		}
	}
	if p.acs == "" {
		return errors.New("samlidp: SP metadata has no HTTP-POST AssertionConsumerService")
	}
	for _, kd := range d.KeyDescriptors {
		for _, xc := range kd.KeyInfo.X509Data.X509Certificates {
			der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(xc.Data), ""))
			if err != nil {
				return err
			}
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				return err
			}
			if kd.Use == "" || kd.Use == "signing" {
				p.signing = append(p.signing, cert)
			}
			if (kd.Use == "" || kd.Use == "encryption") && p.encryption == nil {
				p.encryption = cert
			}
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sps[p.entityID] = p
	return nil
}

// RegisterSPFromURL fetches an SP's metadata and registers it.
func (s *Server) RegisterSPFromURL(ctx context.Context, metadataURL string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, metadataURL, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("samlidp: SP metadata at %s: %s", metadataURL, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	return s.RegisterSP(b)
}

// Post is an answer the IdP's auto-posting form sends to an ACS.
type Post struct {
	ACS          string
	SAMLResponse string
	RelayState   string
}

// XML returns the decoded SAMLResponse.
func (p Post) XML() []byte {
	b, _ := base64.StdEncoding.DecodeString(p.SAMLResponse)
	return b
}

// Request returns the POST a browser sends to the ACS with the form.
func (p Post) Request() *http.Request {
	form := url.Values{"SAMLResponse": {p.SAMLResponse}}
	if p.RelayState != "" {
		form.Set("RelayState", p.RelayState)
	}
	r := httptest.NewRequest(http.MethodPost, p.ACS, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return r
}

// PostXML returns a Post of a (changed) response document.
func PostXML(acs string, doc []byte, relayState string) Post {
	return Post{ACS: acs, SAMLResponse: base64.StdEncoding.EncodeToString(doc), RelayState: relayState}
}

var (
	formAction = regexp.MustCompile(`<form[^>]*action="([^"]*)"`)
	formField  = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`)
)

// Login drives a browser through authURL (the SP's redirect to the SSO URL)
// as the next user and returns what the IdP's form posts to the ACS.
func (s *Server) Login(ctx context.Context, authURL string) (Post, error) {
	return s.fetchForm(ctx, authURL)
}

// InitiateLogin starts an IdP-initiated login for the SP and returns what
// the IdP's form posts to its ACS.
func (s *Server) InitiateLogin(ctx context.Context, spEntityID, relayState string) (Post, error) {
	return s.fetchForm(ctx, s.InitiateURL(spEntityID, relayState))
}

func (s *Server) fetchForm(ctx context.Context, u string) (Post, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Post{}, err
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		return Post{}, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return Post{}, fmt.Errorf("samlidp: %s answered %s: %s", u, resp.Status, bytes.TrimSpace(body))
	}
	m := formAction.FindSubmatch(body)
	if m == nil {
		return Post{}, fmt.Errorf("samlidp: no form in the answer: %s", body)
	}
	p := Post{ACS: html.UnescapeString(string(m[1]))}
	for _, f := range formField.FindAllSubmatch(body, -1) {
		switch v := html.UnescapeString(string(f[2])); string(f[1]) {
		case "SAMLResponse":
			p.SAMLResponse = v
		case "RelayState":
			p.RelayState = v
		}
	}
	return p, nil
}

func writeForm(w http.ResponseWriter, p Post) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	fmt.Fprintf(w, `<!doctype html><html><body onload="document.forms[0].submit()">`+
		`<form method="post" action="%s">`+
		`<input type="hidden" name="SAMLResponse" value="%s">`+
		`<input type="hidden" name="RelayState" value="%s">`+
		`<noscript><button type="submit">Continue</button></noscript></form></body></html>`,
		html.EscapeString(p.ACS), html.EscapeString(p.SAMLResponse), html.EscapeString(p.RelayState))
}

// serveSSO takes an AuthnRequest by the HTTP-Redirect binding and answers
// with the form, as the next user.
func (s *Server) serveSSO(w http.ResponseWriter, r *http.Request) {
	authn, signed, err := s.readRequest(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.lastRequest, s.lastRequestSigned = authn, signed
	p := s.sps[issuerOf(authn)]
	s.mu.Unlock()
	acs := authn.AssertionConsumerServiceURL
	if acs == "" {
		acs = p.acs
	}
	if acs != p.acs {
		http.Error(w, "samlidp: the AssertionConsumerServiceURL is not the SP's", http.StatusBadRequest)
		return
	}
	doc, err := s.Response(ResponseParams{SP: p.entityID, ACS: acs, InResponseTo: authn.ID})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeForm(w, PostXML(acs, doc, r.URL.Query().Get("RelayState")))
}

func issuerOf(r *saml.AuthnRequest) string {
	if r.Issuer == nil {
		return ""
	}
	return r.Issuer.Value
}

// readRequest decodes and checks an AuthnRequest, and its signature when
// it has one (required when requireSignedRequests is on).
func (s *Server) readRequest(r *http.Request) (*saml.AuthnRequest, bool, error) {
	q := r.URL.Query()
	raw, err := base64.StdEncoding.DecodeString(q.Get("SAMLRequest"))
	if err != nil {
		return nil, false, errors.New("samlidp: SAMLRequest is not base64")
	}
	inflated, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(raw)), 1<<20))
	if err != nil {
		return nil, false, errors.New("samlidp: SAMLRequest is not deflated")
	}
	var authn saml.AuthnRequest
	if err := xml.Unmarshal(inflated, &authn); err != nil {
		return nil, false, fmt.Errorf("samlidp: AuthnRequest: %w", err)
	}
	s.mu.Lock()
	p, ok := s.sps[issuerOf(&authn)]
	require := s.requireSignedRequests
	s.mu.Unlock()
	switch {
	case !ok:
		return nil, false, fmt.Errorf("samlidp: unknown SP %q", issuerOf(&authn))
	case authn.Destination != "" && authn.Destination != s.SSOURL():
		return nil, false, fmt.Errorf("samlidp: Destination %q is not the SSO URL", authn.Destination)
	}
	signed := false
	if q.Get("Signature") != "" {
		if err := verifyRedirectSignature(r.URL.RawQuery, p.signing); err != nil {
			return nil, false, err
		}
		signed = true
	}
	if require && !signed {
		return nil, false, errors.New("samlidp: this IdP requires signed AuthnRequests")
	}
	return &authn, signed, nil
}

// verifyRedirectSignature checks the HTTP-Redirect binding signature over
// the raw query parameters, in the order the binding fixes.
func verifyRedirectSignature(rawQuery string, certs []*x509.Certificate) error {
	rawParams := map[string]string{}
	for _, part := range strings.Split(rawQuery, "&") {
		k, v, _ := strings.Cut(part, "=")
		rawParams[k] = v
	}
	signed := "SAMLRequest=" + rawParams["SAMLRequest"]
	if v, ok := rawParams["RelayState"]; ok {
		signed += "&RelayState=" + v
	}
	signed += "&SigAlg=" + rawParams["SigAlg"]
	sigAlg, _ := url.QueryUnescape(rawParams["SigAlg"])
	sigB64, _ := url.QueryUnescape(rawParams["Signature"])
	sig, err := base64.StdEncoding.DecodeString(sigB64)
	if err != nil {
		return errors.New("samlidp: Signature is not base64")
	}
	var hash crypto.Hash
	var digest []byte
	switch sigAlg {
	case dsig.RSASHA256SignatureMethod:
		sum := sha256.Sum256([]byte(signed))
		hash, digest = crypto.SHA256, sum[:]
	case dsig.RSASHA1SignatureMethod:
		sum := sha1.Sum([]byte(signed)) //nolint:gosec
		hash, digest = crypto.SHA1, sum[:]
	default:
		return fmt.Errorf("samlidp: unsupported SigAlg %q", sigAlg)
	}
	for _, c := range certs {
		if pub, ok := c.PublicKey.(*rsa.PublicKey); ok && rsa.VerifyPKCS1v15(pub, hash, digest, sig) == nil {
			return nil
		}
	}
	return errors.New("samlidp: the AuthnRequest signature does not verify with the SP's signing certificates")
}

// serveInitiate starts an IdP-initiated login: a response to no request.
func (s *Server) serveInitiate(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p, ok := s.sps[r.URL.Query().Get("sp")]
	s.mu.Unlock()
	if !ok {
		http.Error(w, "samlidp: unknown SP", http.StatusBadRequest)
		return
	}
	doc, err := s.Response(ResponseParams{SP: p.entityID, ACS: p.acs})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeForm(w, PostXML(p.acs, doc, r.URL.Query().Get("RelayState")))
}

// ResponseParams describe a response to make.
type ResponseParams struct {
	// SP is the audience (the SP's entity ID).
	SP string
	// ACS is the Destination and Recipient.
	ACS string
	// InResponseTo is the request ID answered; "" for IdP-initiated.
	InResponseTo string
	// User is who logged in, by email; "" for the next user.
	User string
	// Now is the issue time; zero for time.Now().
	Now time.Time
	// Tamper, if set, changes the assertion before it is signed.
	Tamper func(*saml.Assertion)
	// TamperSigned, if set, changes the assertion element after it is
	// signed and before it is encrypted.
	TamperSigned func(*etree.Element)
}

// Response returns a SAML Response document, signed (and encrypted) as the
// knobs say, with the current signing key.
func (s *Server) Response(p ResponseParams) ([]byte, error) {
	s.mu.Lock()
	key := s.keys[len(s.keys)-1]
	signing, useSHA1, encrypt := s.signing, s.sha1, s.encrypt
	email := strings.ToLower(p.User)
	if email == "" {
		email = s.next
	}
	u, ok := s.users[email]
	fail := s.failStatus
	s.failStatus = nil
	var encryptTo *x509.Certificate
	if sp := s.sps[p.SP]; sp != nil {
		encryptTo = sp.encryption
	}
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("samlidp: no user %q: call AddUser and NextUser", email)
	}
	now := p.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.UTC().Truncate(time.Millisecond)
	resp := &saml.Response{ID: randomID(), InResponseTo: p.InResponseTo, Version: "2.0", IssueInstant: now, Destination: p.ACS,
		Issuer: &saml.Issuer{Format: entityIDFormat, Value: s.EntityID()},
		Status: saml.Status{StatusCode: saml.StatusCode{Value: statusSuccess}}}
	if fail != nil {
		resp.Status = saml.Status{StatusCode: saml.StatusCode{Value: "urn:oasis:names:tc:SAML:2.0:status:Responder",
			StatusCode: &saml.StatusCode{Value: fail[0]}}, StatusMessage: &saml.StatusMessage{Value: fail[1]}}
		return docBytes(resp.Element())
	}
	a := s.assertion(p, u, now)
	if p.Tamper != nil {
		p.Tamper(a)
	}
	assertionEl := a.Element()
	var err error
	if signing == SignAssertion || signing == SignBoth {
		if assertionEl, err = SignWith(key, assertionEl, useSHA1); err != nil {
			return nil, err
		}
	}
	if p.TamperSigned != nil {
		p.TamperSigned(assertionEl)
	}
	if encrypt {
		if encryptTo == nil {
			return nil, errors.New("samlidp: the SP publishes no encryption certificate")
		}
		if assertionEl, err = encryptAssertion(assertionEl, encryptTo); err != nil {
			return nil, err
		}
	}
	respEl := resp.Element()
	respEl.AddChild(assertionEl)
	if signing == SignResponse || signing == SignBoth {
		if respEl, err = SignWith(key, respEl, useSHA1); err != nil {
			return nil, err
		}
	}
	return docBytes(respEl)
}

func (s *Server) assertion(p ResponseParams, u User, now time.Time) *saml.Assertion {
	nameID := u.NameID
	if nameID == "" {
		nameID = u.Email
	}
	attrs := []saml.Attribute{
		attribute(AttrEmail, u.Email), attribute(AttrFirstName, u.GivenName), attribute(AttrLastName, u.FamilyName),
		attribute(AttrGroups, u.Groups...),
	}
	for name, vals := range u.Attributes {
		attrs = append(attrs, attribute(name, vals...))
	}
	return &saml.Assertion{
		ID: randomID(), IssueInstant: now, Version: "2.0",
		Issuer: saml.Issuer{Format: entityIDFormat, Value: s.EntityID()},
		Subject: &saml.Subject{
			NameID: &saml.NameID{Format: NameIDEmail, Value: nameID},
			SubjectConfirmations: []saml.SubjectConfirmation{{Method: bearer, SubjectConfirmationData: &saml.SubjectConfirmationData{
				InResponseTo: p.InResponseTo, NotOnOrAfter: now.Add(5 * time.Minute), Recipient: p.ACS,
			}}},
		},
		Conditions: &saml.Conditions{NotBefore: now.Add(-30 * time.Second), NotOnOrAfter: now.Add(5 * time.Minute),
			AudienceRestrictions: []saml.AudienceRestriction{{Audience: saml.Audience{Value: p.SP}}}},
		AuthnStatements: []saml.AuthnStatement{{AuthnInstant: now, SessionIndex: randomID(), AuthnContext: saml.AuthnContext{
			AuthnContextClassRef: &saml.AuthnContextClassRef{Value: "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"},
		}}},
		AttributeStatements: []saml.AttributeStatement{{Attributes: attrs}},
	}
}

func attribute(name string, vals ...string) saml.Attribute {
	a := saml.Attribute{Name: name, NameFormat: "urn:oasis:names:tc:SAML:2.0:attrname-format:basic"}
	for _, v := range vals {
		a.Values = append(a.Values, saml.AttributeValue{Type: "xs:string", Value: v})
	}
	return a
}

// SignWith returns el with an enveloped signature by k (exclusive
// canonicalization; RSA-SHA256, or RSA-SHA1 with SHA-1 digests), placed
// after its Issuer as the schema wants.
func SignWith(k *Key, el *etree.Element, useSHA1 bool) (*etree.Element, error) {
	ks := dsig.TLSCertKeyStore(tls.Certificate{Certificate: [][]byte{k.Cert.Raw}, PrivateKey: k.Key})
	ctx := dsig.NewDefaultSigningContext(ks)
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	method := dsig.RSASHA256SignatureMethod
	if useSHA1 {
		method = dsig.RSASHA1SignatureMethod
	}
	if err := ctx.SetSignatureMethod(method); err != nil {
		return nil, err
	}
	signed, err := ctx.SignEnveloped(el)
	if err != nil {
		return nil, err
	}
	sig := signed.Child[len(signed.Child)-1]
	signed.RemoveChildAt(len(signed.Child) - 1)
	at := 0
	for i, c := range signed.Child {
		if e, ok := c.(*etree.Element); ok && e.Tag == "Issuer" {
			at = i + 1
		}
	}
	signed.InsertChildAt(at, sig)
	return signed, nil
}

func encryptAssertion(el *etree.Element, to *x509.Certificate) (*etree.Element, error) {
	doc := etree.NewDocument()
	doc.SetRoot(el.Copy())
	plain, err := doc.WriteToBytes()
	if err != nil {
		return nil, err
	}
	enc := xmlenc.OAEP()
	enc.BlockCipher = xmlenc.AES256GCM
	data, err := enc.Encrypt(to, plain, nil)
	if err != nil {
		return nil, err
	}
	data.CreateAttr("Type", "http://www.w3.org/2001/04/xmlenc#Element")
	out := etree.NewElement("saml:EncryptedAssertion")
	out.AddChild(data)
	return out, nil
}

func docBytes(el *etree.Element) ([]byte, error) {
	doc := etree.NewDocument()
	doc.SetRoot(el)
	return doc.WriteToBytes()
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "_" + hex.EncodeToString(b)
}
