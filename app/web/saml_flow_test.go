package web_test

// SAML connections through the whole app and a real in-process SAML IdP
// (e2e/samlidp): made with the connection form from the IdP's metadata
// URL, registered at the IdP from our metadata URL, tested, and used by
// members, SP- and IdP-initiated; a replayed assertion is refused, also
// by a restarted app.

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/orgsso/orgsso/app/apptest"
	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/e2e/samlidp"
	"github.com/orgsso/orgsso/models"
)

// samlApp is the whole app with org acme, its admin alice signed in, and
// a SAML IdP whose user tester is in the IT group.
type samlApp struct {
	*trustApp
	org   models.Organization
	alice models.User
	ip    *samlidp.Server
	admin *client
}

func newSAMLApp(t *testing.T) *samlApp {
	a := newTrustApp(t)
	org := a.org("acme", "Acme")
	alice := a.user("alice@acme.test")
	a.grant(alice, org, authz.RoleAdmin)
	ip := samlidp.New(t, samlidp.WithUser(samlidp.User{Email: "tester@idp.test", GivenName: "Tess", FamilyName: "Ter", Groups: []string{"IT"}}))
	admin := a.client()
	admin.loginAs(alice)
	return &samlApp{trustApp: a, org: org, alice: alice, ip: ip, admin: admin}
}

// create makes a SAML connection with the form, from the IdP's metadata
// URL, with extra form values, and registers it at the IdP from its
// metadata URL.
func (s *samlApp) create(name string, extra ...string) models.Connection {
	s.t.Helper()
	form := formWith(url.Values{
		"preset": {"saml-custom"}, "displayName": {name}, "metadataURL": {s.ip.MetadataURL()},
		"requireSignedAssertions": {"true"}, "attributeMapping.email": {"email"}, "attributeMapping.givenName": {"firstName"},
		"attributeMapping.familyName": {"lastName"}, "groupsAttribute": {"groups"},
		"jit": {"true"}, "defaultRole": {"user"}, "groupMappings": {"IT->admin"}, "syncRoles": {"true"},
	}, extra...)
	p := s.admin.post("/o/acme/settings/sso/connections", form)
	if p.status != http.StatusSeeOther {
		s.t.Fatalf("create: %d\n%s", p.status, p.body)
	}
	conns, err := s.store.Connections(context.Background(), s.org.ID)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, c := range conns {
		if c.DisplayName == name {
			if err := s.ip.RegisterSPFromURL(context.Background(), s.app.URL+"/o/acme/saml/"+c.PublicID+"/metadata"); err != nil {
				s.t.Fatalf("the IdP cannot read our metadata: %v", err)
			}
			return c
		}
	}
	s.t.Fatalf("no connection %s after create", name)
	return models.Connection{}
}

// login runs an SP-initiated login (or test) through conn in browser c and
// returns the ACS's answer and the IdP's post, for replays.
func (s *samlApp) login(c *client, conn models.Connection, test bool) (*page, samlidp.Post) {
	s.t.Helper()
	path := "/o/acme/sso/" + conn.PublicID + "/start"
	if test {
		path += "?test=1"
	}
	p := c.get(path)
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), s.ip.SSOURL()) {
		s.t.Fatalf("start: %d to %q\n%s", p.status, p.location(), p.body)
	}
	post, err := s.ip.Login(context.Background(), p.location())
	if err != nil {
		s.t.Fatal(err)
	}
	return s.post(c, post), post
}

// post is the browser c sending the IdP's form to our ACS.
func (s *samlApp) post(c *client, post samlidp.Post) *page {
	s.t.Helper()
	acs, err := url.Parse(post.ACS)
	if err != nil || !strings.HasPrefix(post.ACS, s.app.URL+"/o/acme/saml/") {
		s.t.Fatalf("the IdP posts to %q", post.ACS)
	}
	form := url.Values{"SAMLResponse": {post.SAMLResponse}}
	if post.RelayState != "" {
		form.Set("RelayState", post.RelayState)
	}
	// A cross-site POST: no CSRF token, as an IdP's form has none.
	return c.do(http.MethodPost, acs.Path, form, http.Header{"Sec-Fetch-Site": {"cross-site"}})
}

func TestSAMLConnectionFromMetadataURLIsTestedAndUsedWithSignedRequests(t *testing.T) {
	t.Parallel()
	s := newSAMLApp(t)
	s.ip.SetRequireSignedRequests(true)
	conn := s.create("Corp SAML", "signRequests", "true")

	edit := s.admin.get("/o/acme/settings/sso/connections/" + conn.PublicID + "/edit")
	assertStatus(t, edit, http.StatusOK)
	if got, want := edit.text("acs-url"), s.app.URL+"/o/acme/saml/"+conn.PublicID+"/acs"; got != want {
		t.Errorf("ACS URL shown %q, want %q", got, want)
	}
	if got, want := edit.text("entity-id"), s.app.URL+"/o/acme/saml/"+conn.PublicID+"/metadata"; got != want {
		t.Errorf("entity ID shown %q, want %q", got, want)
	}
	if !edit.has("sp-certificates") || !edit.has("idp-certificates") {
		t.Error("the form does not show the certificates in use")
	}

	res, _ := s.login(s.admin, conn, true)
	if res.status != http.StatusSeeOther || !strings.Contains(res.location(), "/tests/") {
		t.Fatalf("test answer: %d to %q\n%s", res.status, res.location(), res.body)
	}
	if req, signed := s.ip.LastRequest(); req == nil || !signed {
		t.Fatal("the AuthnRequest was not signed")
	}
	verdict := s.admin.get(res.location())
	if got := verdict.testid("test-result").AttrOr("data-result", ""); got != models.TestPassed {
		t.Fatalf("test verdict %q: %s", got, verdict.text("test-reason"))
	}
	if !strings.Contains(verdict.body, "tester@idp.test") || !strings.Contains(verdict.body, "IT") {
		t.Error("the test result does not show the attributes received")
	}

	if err := s.store.EnableSSO(context.Background(), s.org.ID); err != nil {
		t.Fatal(err)
	}
	member := s.client()
	res, post := s.login(member, conn, false)
	if res.status != http.StatusSeeOther || res.location() != "/o/acme" {
		t.Fatalf("member login: %d to %q\n%s", res.status, res.location(), res.body)
	}
	if got, _ := meEmail(t, member); got != "tester@idp.test" {
		t.Fatalf("signed in as %q", got)
	}
	u, err := s.store.UserByEmail(context.Background(), "tester@idp.test")
	if err != nil {
		t.Fatal(err)
	}
	if roles := s.roles(u, s.org); strings.Join(roles, ",") != "admin,user" {
		t.Errorf("roles %v, want IT->admin and everyone's user", roles)
	}
	// The same answer again, in the browser that started it: refused.
	again := s.post(member, post)
	if again.status < 400 {
		t.Fatalf("a replayed answer was accepted: %d to %q", again.status, again.location())
	}
}

func TestSAMLAnswerOfOneConnectionIsRefusedAtAnothersACS(t *testing.T) {
	t.Parallel()
	s := newSAMLApp(t)
	one := s.create("One")
	two := s.create("Two")
	p := s.admin.get("/o/acme/sso/" + one.PublicID + "/start?test=1")
	post, err := s.ip.Login(context.Background(), p.location())
	if err != nil {
		t.Fatal(err)
	}
	post.ACS = strings.Replace(post.ACS, one.PublicID, two.PublicID, 1)
	res := s.post(s.admin, post)
	if res.status == http.StatusSeeOther && strings.Contains(res.location(), "/tests/") {
		verdict := s.admin.get(res.location())
		if got := verdict.testid("test-result").AttrOr("data-result", ""); got == models.TestPassed {
			t.Fatal("an answer at another connection's ACS passed the test")
		}
		return
	}
	if res.status < 400 {
		t.Fatalf("answer at another connection's ACS: %d to %q", res.status, res.location())
	}
}

func TestSAMLIdPInitiatedLoginOnlyWhenAllowedAndReplayRefusedAfterRestart(t *testing.T) {
	t.Parallel()
	s := newSAMLApp(t)
	closed := s.create("Closed")
	open := s.create("Open", "allowIdPInitiated", "true")
	for _, conn := range []models.Connection{closed, open} {
		res, _ := s.login(s.admin, conn, true)
		if v := s.admin.get(res.location()); v.testid("test-result").AttrOr("data-result", "") != models.TestPassed {
			t.Fatalf("test of %s: %s", conn.DisplayName, v.text("test-reason"))
		}
	}
	if err := s.store.EnableSSO(context.Background(), s.org.ID); err != nil {
		t.Fatal(err)
	}
	entity := func(c models.Connection) string { return s.app.URL + "/o/acme/saml/" + c.PublicID + "/metadata" }

	refused, err := s.ip.InitiateLogin(context.Background(), entity(closed), "")
	if err != nil {
		t.Fatal(err)
	}
	if res := s.post(s.client(), refused); res.status < 400 {
		t.Fatalf("IdP-initiated login through a connection that does not allow it: %d to %q", res.status, res.location())
	}

	post, err := s.ip.InitiateLogin(context.Background(), entity(open), "")
	if err != nil {
		t.Fatal(err)
	}
	member := s.client()
	if res := s.post(member, post); res.status != http.StatusSeeOther || res.location() != "/o/acme" {
		t.Fatalf("IdP-initiated login: %d to %q\n%s", res.status, res.location(), res.body)
	}
	if got, _ := meEmail(t, member); got != "tester@idp.test" {
		t.Fatalf("signed in as %q", got)
	}
	if res := s.post(s.client(), post); res.status < 400 || !strings.Contains(res.body, "already used") {
		t.Fatalf("replayed assertion: %d\n%s", res.status, res.body)
	}

	// A second app over the same database and keys (a restart, or another
	// instance) refuses it too.
	cfg := s.app.Config
	second := apptest.Start(t, apptest.Listen(t), map[string]string{
		"ORGSSO_BASE_URL": s.app.URL, "ORGSSO_DATABASE_URL": cfg.DatabaseURL, "ORGSSO_DATA_DIR": cfg.DataDir, "ORGSSO_SECRET_KEY": cfg.SecretKey,
	}, nil)
	other := (&env{t: t, srv: &httptest.Server{URL: second.URL}}).client()
	if res := s.post(other, post); res.status < 400 || !strings.Contains(res.body, "already used") {
		t.Fatalf("replayed assertion after a restart: %d\n%s", res.status, res.body)
	}
}

// The IdP's metadata can be uploaded as a file (the form is multipart);
// a file that is not metadata is refused next to the field, with the rest
// of the input kept.
func TestSAMLConnectionFromAnUploadedMetadataFile(t *testing.T) {
	t.Parallel()
	s := newSAMLApp(t)
	upload := func(name string, file []byte) *page {
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		for k, v := range map[string]string{
			"_csrf": s.admin.csrfToken(), "preset": "saml-custom", "displayName": name, "requireSignedAssertions": "true",
			"jit": "true", "defaultRole": "user", "syncRoles": "true",
		} {
			if err := w.WriteField(k, v); err != nil {
				t.Fatal(err)
			}
		}
		fw, err := w.CreateFormFile("metadataFile", "idp-metadata.xml")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(file); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		p := s.admin.doRaw(http.MethodPost, "/o/acme/settings/sso/connections", body.String(), http.Header{"Content-Type": {w.FormDataContentType()}})
		if p.doc, err = goquery.NewDocumentFromReader(strings.NewReader(p.body)); err != nil {
			t.Fatal(err)
		}
		return p
	}

	bad := upload("From a file", []byte("<html>not metadata</html>"))
	assertStatus(t, bad, http.StatusUnprocessableEntity)
	if bad.text("error-metadataFile") == "" || bad.inputValue("displayName") != "From a file" {
		t.Fatalf("a file that is not metadata: error %q, name kept %q", bad.text("error-metadataFile"), bad.inputValue("displayName"))
	}

	if p := upload("From a file", s.ip.Metadata()); p.status != http.StatusSeeOther {
		t.Fatalf("upload: %d\n%s", p.status, p.body)
	}
	conns, err := s.store.Connections(context.Background(), s.org.ID)
	if err != nil || len(conns) != 1 {
		t.Fatalf("connections: %v %v", conns, err)
	}
	conn := conns[0]
	if err := s.ip.RegisterSPFromURL(context.Background(), s.app.URL+"/o/acme/saml/"+conn.PublicID+"/metadata"); err != nil {
		t.Fatal(err)
	}
	res, _ := s.login(s.admin, conn, true)
	if v := s.admin.get(res.location()); v.testid("test-result").AttrOr("data-result", "") != models.TestPassed {
		t.Fatalf("test: %s", v.text("test-reason"))
	}
}

// A SAML test that fails says why in words and what to check at the IdP:
// the protocol's own hint, not an OpenID Connect one.
func TestSAMLFailedTestSaysWhatToCheckAtTheIdP(t *testing.T) {
	t.Parallel()
	s := newSAMLApp(t)
	conn := s.create("Unsigned")
	s.ip.SetSigning(samlidp.SignResponse) // the response, not the assertion
	res, _ := s.login(s.admin, conn, true)
	v := s.admin.get(res.location())
	if got := v.testid("test-result").AttrOr("data-result", ""); got == models.TestPassed {
		t.Fatal("an unsigned assertion passed the test")
	}
	if reason := v.text("test-reason"); !strings.Contains(strings.ToLower(reason), "assertion") {
		t.Errorf("reason %q does not say the assertion is the problem", reason)
	}
	if check := v.text("test-check"); !strings.Contains(check, "sign the assertion") {
		t.Errorf("what to check: %q", check)
	}
}

// certWithin is a self-signed certificate (PEM) that expires after d
// (before now when d is negative).
func certWithin(t *testing.T, name string, d time.Duration) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-400 * 24 * time.Hour), NotAfter: time.Now().Add(d)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// The connections table warns of an IdP certificate that expires within
// 30 days, and marks one that has expired; a certificate far from its end
// says nothing.
func TestConnectionsTableWarnsOfExpiringCertificates(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	for name, certs := range map[string][]string{
		"Soon":    {certWithin(t, "soon", 10*24*time.Hour), certWithin(t, "later", 300*24*time.Hour)},
		"Expired": {certWithin(t, "gone", -24*time.Hour)},
		"Fine":    {certWithin(t, "fine", 300*24*time.Hour)},
	} {
		cfg, err := json.Marshal(map[string]any{"entityID": "https://idp.example.com/" + name, "ssoURL": "https://idp.example.com/sso", "certificates": certs})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.e.store.CreateConnection(t.Context(), f.org.ID, models.Connection{
			Protocol: models.ProtocolSAML, Preset: "saml-custom", DisplayName: name, Active: true, Config: string(cfg), Provisioning: "{}",
		}); err != nil {
			t.Fatal(err)
		}
	}
	p := f.c.get(f.base())
	assertStatus(t, p, http.StatusOK)
	warnings := map[string]string{}
	expired := map[string]bool{}
	p.doc.Find("tr").Each(func(_ int, row *goquery.Selection) {
		name := strings.TrimSpace(row.Find(`[data-testid="connection-name"]`).Text())
		w := row.Find(`[data-testid="cert-warning"]`)
		warnings[name] = strings.TrimSpace(w.Text())
		_, expired[name] = w.Attr("data-expired")
	})
	if w := warnings["Soon"]; !strings.Contains(w, "expires in 9 days") && !strings.Contains(w, "expires in 10 days") || expired["Soon"] {
		t.Errorf("Soon: %q (expired %v)", w, expired["Soon"])
	}
	if w := warnings["Expired"]; !strings.Contains(w, "expired on") || !expired["Expired"] {
		t.Errorf("Expired: %q (expired %v)", w, expired["Expired"])
	}
	if w := warnings["Fine"]; w != "" {
		t.Errorf("Fine: %q", w)
	}
}

// An IdP that rotates its signing key, with its metadata at a URL: a
// refresh (an admin's, then the server's own) brings the new certificate,
// tells and audits the change, and keeps the connection's version and its
// passed test, so members go on signing in with the new key.
func TestSAMLMetadataRefreshFollowsAKeyRotationWithoutATest(t *testing.T) {
	t.Parallel()
	s := newSAMLApp(t)
	conn := s.create("Rotating")
	res, _ := s.login(s.admin, conn, true)
	if v := s.admin.get(res.location()); v.testid("test-result").AttrOr("data-result", "") != models.TestPassed {
		t.Fatalf("test: %s", v.text("test-reason"))
	}
	if err := s.store.EnableSSO(context.Background(), s.org.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.ip.RotateKey(); err != nil {
		t.Fatal(err)
	}
	if res, _ := s.login(s.client(), conn, false); res.status < 400 {
		t.Fatalf("before the refresh, an answer signed with the new key was accepted: %d", res.status)
	}
	p := s.admin.post("/o/acme/settings/sso/connections/"+conn.PublicID+"/refresh", nil)
	if p.status != http.StatusSeeOther || !strings.HasSuffix(p.location(), "/edit") {
		t.Fatalf("refresh: %d to %q", p.status, p.location())
	}
	if flash := s.admin.get(p.location()).body; !strings.Contains(flash, "changed its signing certificates") {
		t.Error("the admin is not told of the new certificate")
	}
	if n := s.count("audit_events", "action = ? AND details LIKE ?", "connection.refresh", "%"+conn.PublicID+"%"); n != 1 {
		t.Errorf("%d connection.refresh events, want 1", n)
	}
	now, err := s.store.ConnectionByID(context.Background(), s.org.ID, conn.ID)
	if err != nil {
		t.Fatal(err)
	}
	if now.Version != conn.Version {
		t.Errorf("a refresh moved the version %d -> %d", conn.Version, now.Version)
	}
	member := s.client()
	if res, _ := s.login(member, now, false); res.status != http.StatusSeeOther || res.location() != "/o/acme" {
		t.Fatalf("member login after the rotation: %d to %q\n%s", res.status, res.location(), res.body)
	}

	// The server's own refresh: nothing changed, nothing audited; a second
	// rotation is followed and audited as the server's.
	s.app.RefreshConnections(context.Background())
	if n := s.count("audit_events", "action = ?", "connection.refresh"); n != 1 {
		t.Errorf("an unchanged refresh was audited: %d events", n)
	}
	if err := s.ip.RotateKey(); err != nil {
		t.Fatal(err)
	}
	s.app.RefreshConnections(context.Background())
	if n := s.count("audit_events", "action = ? AND actor_email = ?", "connection.refresh", "orgsso"); n != 1 {
		t.Errorf("the server's refresh of a rotated key: %d events", n)
	}
	if res, _ := s.login(s.client(), now, false); res.status != http.StatusSeeOther || res.location() != "/o/acme" {
		t.Fatalf("member login after the second rotation: %d to %q", res.status, res.location())
	}
}
