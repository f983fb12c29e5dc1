package saml

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/e2e/samlidp"
)

const (
	acsURL     = "http://sp.test/o/acme/saml/c_1/acs"
	spEntityID = "http://sp.test/o/acme/saml/c_1/metadata"
)

var (
	alice = samlidp.User{Email: "alice@example.com", GivenName: "Alice", FamilyName: "Liddell", Groups: []string{"IT", "Sales, EMEA"},
		Attributes: map[string][]string{"department": {"R&D"}}}
	bob = samlidp.User{Email: "bob@example.com", GivenName: "Bob", FamilyName: "Builder"}
)

// spKeyPair is made once: RSA key generation is the slow part of these tests.
var spKeyPair = sync.OnceValues(func() ([2]string, error) {
	c, k, err := NewSPKeyPair(time.Now(), "orgsso test SP")
	return [2]string{c, k}, err
})

func testEnv() connector.Env { return connector.Env{ReturnURL: acsURL, EntityID: spEntityID} }

type fixture struct {
	idp *samlidp.Server
	cfg Config
	sec Secret
	c   connector.Connector
}

// setup starts a test IdP with alice (logged in) and bob, configures a
// connection from its metadata (changed by mutate), registers the SP at the
// IdP and opens the connector.
func setup(t *testing.T, mutate func(*Config)) *fixture {
	t.Helper()
	idp := samlidp.New(t, samlidp.WithUser(alice), samlidp.WithUser(bob))
	f := &fixture{idp: idp, cfg: Config{MetadataXML: string(idp.Metadata())}}
	if mutate != nil {
		mutate(&f.cfg)
	}
	if f.cfg.SignRequests || f.cfg.EncryptAssertions {
		pair, err := spKeyPair()
		if err != nil {
			t.Fatal(err)
		}
		f.cfg.SPCertificates = []string{pair[0]}
		f.sec = Secret{SPKeys: []string{pair[1]}}
	}
	f.reopen(t)
	return f
}

// reopen registers the SP's metadata at the IdP again and opens a new
// connector from f.cfg.
func (f *fixture) reopen(t *testing.T) {
	t.Helper()
	meta, err := spMetadata(f.cfg, spEntityID, acsURL)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.idp.RegisterSP(meta); err != nil {
		t.Fatal(err)
	}
	f.c, err = f.cfg.Open(context.Background(), f.sec, testEnv())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
}

// begin starts a login and returns the redirect, the request ID and the pending bytes.
func (f *fixture) begin(t *testing.T) (string, string, []byte) {
	t.Helper()
	u, pending, err := f.c.Begin(context.Background(), connector.LoginRequest{State: "st4te", CallbackURL: acsURL})
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	return u, pendingID(t, pending), pending
}

// login runs a whole SP-initiated login through the IdP.
func (f *fixture) login(t *testing.T) (connector.Identity, error) {
	t.Helper()
	u, _, pending := f.begin(t)
	post, err := f.idp.Login(context.Background(), u)
	if err != nil {
		t.Fatalf("IdP login: %v", err)
	}
	if post.RelayState != "st4te" {
		t.Fatalf("RelayState = %q", post.RelayState)
	}
	if got := relayState(post.Request()); got != "st4te" {
		t.Fatalf("Protocol.State = %q", got)
	}
	return f.c.Finish(context.Background(), post.Request(), pending)
}

// answer makes a real response to a started login, lets mutate change the
// parsed document, and gives it to Finish.
func (f *fixture) answer(t *testing.T, params samlidp.ResponseParams, mutate func(t *testing.T, root *etree.Element)) (connector.Identity, error) {
	t.Helper()
	_, id, pending := f.begin(t)
	if params.SP == "" {
		params.SP = spEntityID
	}
	if params.ACS == "" {
		params.ACS = acsURL
	}
	if params.InResponseTo == "" {
		params.InResponseTo = id
	}
	return f.c.Finish(context.Background(), f.post(t, params, mutate), pending)
}

func (f *fixture) post(t *testing.T, params samlidp.ResponseParams, mutate func(t *testing.T, root *etree.Element)) *http.Request {
	t.Helper()
	doc, err := f.idp.Response(params)
	if err != nil {
		t.Fatalf("Response: %v", err)
	}
	if mutate != nil {
		d := etree.NewDocument()
		if err := d.ReadFromBytes(doc); err != nil {
			t.Fatal(err)
		}
		mutate(t, d.Root())
		if doc, err = d.WriteToBytes(); err != nil {
			t.Fatal(err)
		}
	}
	return samlidp.PostXML(acsURL, doc, "st4te").Request()
}

func pendingID(t *testing.T, b []byte) string {
	t.Helper()
	var p pending
	if err := json.Unmarshal(b, &p); err != nil || p.RequestID == "" {
		t.Fatalf("pending %s: %v", b, err)
	}
	return p.RequestID
}

func wantCode(t *testing.T, err error, code string) *connector.Error {
	t.Helper()
	if err == nil {
		t.Fatalf("expected error %s, got success", code)
	}
	e, ok := connector.AsError(err)
	if !ok {
		t.Fatalf("error %v (%T) is not a *connector.Error", err, err)
	}
	if e.Code != code {
		t.Fatalf("code = %s (%s), want %s", e.Code, e.Error(), code)
	}
	return e
}

// assertionOf returns the Response's assertion element.
func assertionOf(t *testing.T, root *etree.Element) *etree.Element {
	t.Helper()
	a := child(root, nsAssertion, "Assertion")
	if a == nil {
		t.Fatal("no assertion")
	}
	return a
}
