package ascode_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orgsso/orgsso/app/ascode"
	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/app/connector/oidc"
	"github.com/orgsso/orgsso/app/connector/saml"
	"github.com/orgsso/orgsso/app/signin"
	"github.com/orgsso/orgsso/e2e/samlidp"
	"github.com/orgsso/orgsso/models"
)

const baseURL = "http://localhost:8080"

// countingTransport counts the requests the server makes to IdPs.
type countingTransport struct{ n atomic.Int64 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

// samlFixture is a fixture with a sign-in service that speaks SAML and a
// test IdP publishing its metadata.
type samlFixture struct {
	*fixture
	idp     *samlidp.Server
	signin  *signin.Service
	fetches *countingTransport
}

func newSAMLFixture(t *testing.T) *samlFixture {
	t.Helper()
	f := newFixture(t)
	fetches := &countingTransport{}
	reg := connector.NewRegistry(oidc.Protocol(), saml.Protocol())
	svc := signin.New(signin.Options{BaseURL: baseURL, HTTPClient: &http.Client{Transport: fetches}}, f.store, f.sealer, reg,
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	return &samlFixture{fixture: f, idp: samlidp.New(t), signin: svc, fetches: fetches}
}

func (f *samlFixture) opts() ascode.Options {
	o := f.fixture.opts()
	o.Server = f.signin
	return o
}

func (f *samlFixture) apply(t *testing.T, doc string, opts ascode.Options) []ascode.Result {
	t.Helper()
	res, err := f.fixture.apply(t, doc, opts)
	if err != nil {
		t.Fatalf("apply: %v\n%s", err, doc)
	}
	return res
}

func (f *samlFixture) export(t *testing.T) string {
	t.Helper()
	out, err := ascode.Export(context.Background(), f.store, f.org, f.signin)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// oktaSAML is a SAML connection whose IdP is described by its metadata URL.
func (f *samlFixture) oktaSAML() string {
	return `
- type: saml
  name: Okta SAML
  preset: saml-okta
  config:
    metadataURL: ` + f.idp.MetadataURL() + `
    signRequests: true
    nameIDFormat: urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress
    attributeMapping: {email: email, name: displayName}
    groupsAttribute: groups
  provisioning: {jit: true, defaultRole: user}
`
}

func (f *samlFixture) secretOf(t *testing.T, c models.Connection) saml.Secret {
	t.Helper()
	plain, err := f.sealer.Open(c.SealedSecret, signin.SecretBinding(c))
	if err != nil {
		t.Fatalf("the sealed secret does not open: %v", err)
	}
	s, err := saml.SecretOf(plain)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestApplySAMLFetchesMetadataAndMakesKeys(t *testing.T) {
	f := newSAMLFixture(t)
	res := f.apply(t, f.oktaSAML(), f.opts())
	if got := outcomes(res); got != "Okta SAML=created" {
		t.Fatalf("apply: %s %+v", got, res)
	}
	if n := f.fetches.n.Load(); n != 1 {
		t.Errorf("%d requests to the IdP, want the one metadata fetch", n)
	}
	c := f.conn(t, "Okta SAML")
	if c.Protocol != models.ProtocolSAML || c.Preset != "saml-okta" || c.Version != 1 {
		t.Errorf("stored %s/%s version %d", c.Protocol, c.Preset, c.Version)
	}
	cfg, err := saml.ConfigOf([]byte(c.Config))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MetadataURL != f.idp.MetadataURL() || !strings.Contains(cfg.MetadataXML, f.idp.EntityID()) || cfg.MetadataFetchedAt == nil {
		t.Errorf("metadata not fetched and stored: url %q fetched %v xml %d bytes", cfg.MetadataURL, cfg.MetadataFetchedAt, len(cfg.MetadataXML))
	}
	if idp, err := cfg.IdP(); err != nil || idp.SSOURL != f.idp.SSOURL() {
		t.Errorf("IdP from the stored metadata: %+v, %v", idp, err)
	}
	if !cfg.SignRequests || !cfg.SignedAssertionsRequired() || cfg.AttributeMapping.Email != "email" || cfg.GroupsAttribute != "groups" {
		t.Errorf("settings not stored as written: %+v", cfg)
	}
	if len(cfg.SPCertificates) != 1 {
		t.Fatalf("SP certificates = %d, want the one made for signing", len(cfg.SPCertificates))
	}
	if sec := f.secretOf(t, c); len(sec.SPKeys) != 1 || saml.CheckSPKeyPair(cfg.SPCertificates[0], sec.SPKeys[0]) != nil {
		t.Errorf("the sealed secret does not hold the private key of the SP certificate (%d keys)", len(sec.SPKeys))
	}
	if strings.Contains(c.Config, "PRIVATE KEY") {
		t.Error("the private key is in the stored config")
	}
	if c.ConfigHash != c.Fingerprint() {
		t.Error("config hash not over what was stored")
	}
	var fields []string
	for _, ch := range res[0].Changes {
		fields = append(fields, ch.Field)
	}
	if joined := strings.Join(fields, " "); !strings.Contains(joined, "config.metadataURL") || !strings.Contains(joined, "config.spCertificates") ||
		strings.Contains(joined, "config.metadataXML") {
		t.Errorf("changes %v: want the document's keys and the new key pair, not the fetched metadata", fields)
	}
	// The sign-in service opens it: the stored config and secret go together.
	if _, err := f.signin.Open(context.Background(), f.org, c); err != nil {
		t.Errorf("the applied connection does not open: %v", err)
	}
}

func TestExportSAMLShowsAddressesAndAppliesBackUnchanged(t *testing.T) {
	f := newSAMLFixture(t)
	f.apply(t, f.oktaSAML(), f.opts())
	c := f.conn(t, "Okta SAML")
	doc := f.export(t)
	acs := baseURL + "/o/acme/saml/" + c.PublicID + "/acs"
	entity := baseURL + "/o/acme/saml/" + c.PublicID + "/metadata"
	for _, want := range []string{"type: saml", "acsURL: " + acs, "spEntityID: " + entity, "metadataURL: " + f.idp.MetadataURL(),
		"signRequests: true", "requireSignedAssertions: true", "groupsAttribute: groups", "email: email"} {
		if !strings.Contains(doc, want) {
			t.Errorf("export lacks %q:\n%s", want, doc)
		}
	}
	for _, never := range []string{"metadataXML", "metadataFetchedAt", "spCertificates", "BEGIN", "PRIVATE"} {
		if strings.Contains(doc, never) {
			t.Errorf("export holds %s, which the server made:\n%s", never, doc)
		}
	}
	audits := f.auditCount(t)
	res := f.apply(t, doc, f.opts())
	if got := outcomes(res); got != "Okta SAML=unchanged" {
		t.Fatalf("apply of the export: %s %v\n%s", got, res[0].Changes, doc)
	}
	after := f.conn(t, "Okta SAML")
	if after.Version != 1 || after.Config != c.Config || after.SealedSecret != c.SealedSecret || f.auditCount(t) != audits {
		t.Error("an unchanged apply wrote")
	}
	if n := f.fetches.n.Load(); n != 1 {
		t.Errorf("%d metadata fetches, want 1: an unchanged apply fetched again", n)
	}

	// A change of the document's own keys keeps the fetched metadata and the keys.
	doc = strings.Replace(doc, "groupsAttribute: groups", "groupsAttribute: memberOf", 1)
	res = f.apply(t, doc, f.opts())
	if got := outcomes(res); got != "Okta SAML=updated" || res[0].Version != 2 {
		t.Fatalf("apply of a change: %s %+v", got, res[0])
	}
	if len(res[0].Changes) != 1 || res[0].Changes[0].String() != "config.groupsAttribute: groups -> memberOf" {
		t.Errorf("changes = %v", res[0].Changes)
	}
	after = f.conn(t, "Okta SAML")
	before, _ := saml.ConfigOf([]byte(c.Config))
	now, _ := saml.ConfigOf([]byte(after.Config))
	if now.MetadataXML != before.MetadataXML || !now.MetadataFetchedAt.Equal(*before.MetadataFetchedAt) ||
		strings.Join(now.SPCertificates, "") != strings.Join(before.SPCertificates, "") || after.SealedSecret != c.SealedSecret {
		t.Error("an edit of other settings refetched the metadata or replaced the keys")
	}
	if now.GroupsAttribute != "memberOf" {
		t.Errorf("groupsAttribute = %q", now.GroupsAttribute)
	}
	if n := f.fetches.n.Load(); n != 1 {
		t.Errorf("%d metadata fetches, want 1", n)
	}
}

func TestApplySAMLByHandRoundTrips(t *testing.T) {
	f := newSAMLFixture(t)
	// The certificate indented as a YAML block, with a trailing newline:
	// the stored form is the form's.
	cert := strings.ReplaceAll(strings.TrimSpace(f.idp.CertificatePEM()), "\n", "\n        ")
	doc := `
- type: saml
  name: By hand
  config:
    entityID: ` + f.idp.EntityID() + `
    ssoURL: ` + f.idp.SSOURL() + `
    certificates:
      - |
        ` + cert + `
    requireSignedAssertions: false
    allowIdPInitiated: true
`
	res := f.apply(t, doc, f.opts())
	if got := outcomes(res); got != "By hand=created" {
		t.Fatalf("apply: %s %+v", got, res)
	}
	c := f.conn(t, "By hand")
	if c.Preset != "saml-custom" || c.SealedSecret != "" {
		t.Errorf("preset %q, sealed secret %q: want saml-custom and none (no keys needed)", c.Preset, c.SealedSecret)
	}
	if n := f.fetches.n.Load(); n != 0 {
		t.Errorf("%d requests to the IdP, want none", n)
	}
	exported := f.export(t)
	res = f.apply(t, exported, f.opts())
	if got := outcomes(res); got != "By hand=unchanged" {
		t.Fatalf("apply of the export: %s %v\n%s", got, res[0].Changes, exported)
	}
	if !strings.Contains(exported, "requireSignedAssertions: false") || !strings.Contains(exported, "BEGIN CERTIFICATE") {
		t.Errorf("export:\n%s", exported)
	}
	// The original document, with its version, is unchanged too.
	res = f.apply(t, strings.Replace(doc, "  config:", "  version: 1\n  config:", 1), f.opts())
	if got := outcomes(res); got != "By hand=unchanged" {
		t.Errorf("apply of the document again: %s %v", got, res[0].Changes)
	}
}

func TestParseSAMLRefusesUnknownKeysAndTwoIdPSources(t *testing.T) {
	f := newSAMLFixture(t)
	u := f.idp.MetadataURL()
	tests := []struct {
		name, config string
		want         []string
	}{
		{"unknown key", `{metadataURL: ` + u + `, spPrivateKey: abc}`, []string{`item 1 ("S"): config.spPrivateKey: unknown key`}},
		{"server-made key", `{metadataURL: ` + u + `, spCertificates: [abc]}`, []string{`config.spCertificates: unknown key`}},
		{"unknown mapping key", `{metadataURL: ` + u + `, attributeMapping: {mail: email}}`, []string{`config.attributeMapping.mail: unknown key`}},
		{"url and xml", `{metadataURL: ` + u + `, metadataXML: "<x/>"}`,
			[]string{`config.metadataXML: give the identity provider one way: metadataURL is given too`}},
		{"url and by hand", `{metadataURL: ` + u + `, entityID: urn:idp}`,
			[]string{`config.entityID: give the identity provider one way: metadataURL is given too`}},
		{"xml and by hand", `{metadataXML: "<x/>", ssoURL: https://idp.example/sso}`,
			[]string{`config.ssoURL: give the identity provider one way: metadataXML is given too`}},
		{"wrong type", `{metadataURL: ` + u + `, signRequests: "yes"}`, []string{`config.signRequests: want true or false`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ascode.Parse([]byte("- type: saml\n  name: S\n  config: " + tc.config + "\n"))
			if err == nil {
				t.Fatal("parsed")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	if n := f.fetches.n.Load(); n != 0 {
		t.Errorf("parsing made %d requests", n)
	}
}

func TestApplySAMLDryRunFetchesAndWritesNothing(t *testing.T) {
	f := newSAMLFixture(t)
	opts := f.opts()
	opts.DryRun = true
	res := f.apply(t, f.oktaSAML(), opts)
	if got := outcomes(res); got != "Okta SAML=created" {
		t.Fatalf("dry run: %s %+v", got, res)
	}
	if conns, _ := f.store.Connections(context.Background(), f.org.ID); len(conns) != 0 {
		t.Fatalf("dry run created %d connections", len(conns))
	}
	if n := f.fetches.n.Load(); n != 0 {
		t.Errorf("dry run made %d requests to the IdP", n)
	}
	f.apply(t, f.oktaSAML(), f.opts())
	before := f.conn(t, "Okta SAML")
	audits := f.auditCount(t)
	doc := strings.Replace(f.export(t), "signRequests: true", "signRequests: false", 1)
	doc = strings.Replace(doc, "encryptAssertions: false", "encryptAssertions: true", 1)
	res = f.apply(t, doc, opts)
	if res[0].Outcome != ascode.Updated || res[0].Version != 2 || len(res[0].Changes) != 2 {
		t.Fatalf("dry-run update: %+v", res[0])
	}
	after := f.conn(t, "Okta SAML")
	if after.Version != before.Version || after.Config != before.Config || after.SealedSecret != before.SealedSecret || f.auditCount(t) != audits {
		t.Error("dry run wrote")
	}
	if n := f.fetches.n.Load(); n != 1 {
		t.Errorf("%d requests to the IdP, want the first real apply's one", n)
	}
}

func TestApplySAMLUnreachableMetadataFailsThatItem(t *testing.T) {
	f := newSAMLFixture(t)
	doc := strings.Replace(f.oktaSAML(), f.idp.MetadataURL(), f.idp.URL()+"/no-such-metadata", 1)
	res := f.apply(t, doc, f.opts())
	if res[0].Outcome != ascode.Failed || res[0].Field != "config.metadataURL" || res[0].Error == "" {
		t.Fatalf("got %+v, want a failure at config.metadataURL", res[0])
	}
	if conns, _ := f.store.Connections(context.Background(), f.org.ID); len(conns) != 0 {
		t.Fatalf("a failed item created %d connections", len(conns))
	}
}

func TestApplySAMLWithoutServerFails(t *testing.T) {
	f := newSAMLFixture(t)
	res := f.apply(t, f.oktaSAML(), f.fixture.opts())
	if res[0].Outcome != ascode.Failed {
		t.Fatalf("got %+v", res[0])
	}
	if conns, _ := f.store.Connections(context.Background(), f.org.ID); len(conns) != 0 {
		t.Fatal("stored")
	}
}

// Restoring an older version of a SAML connection brings back its
// settings, not its keys: the sealed secret stays the current one, so the
// SP certificates that go with it stay too, and the connection still opens.
func TestRestoreSAMLVersionKeepsTheCurrentKeys(t *testing.T) {
	f := newSAMLFixture(t)
	ctx := context.Background()
	f.apply(t, f.oktaSAML(), f.opts())
	v1 := f.conn(t, "Okta SAML")
	cfg, err := saml.ConfigOf([]byte(v1.Config))
	if err != nil {
		t.Fatal(err)
	}
	sec := f.secretOf(t, v1)
	cert, key, err := saml.NewSPKeyPair(time.Now(), "second")
	if err != nil {
		t.Fatal(err)
	}
	cfg.SPCertificates = append(cfg.SPCertificates, cert)
	sec.SPKeys = append(sec.SPKeys, key)
	cfg.GroupsAttribute = "memberOf"
	raw, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	v1.Config, v1.SealedSecret = string(raw), f.sealer.Seal(sec.String(), signin.SecretBinding(v1))
	v1.ConfigHash = v1.Fingerprint()
	v2, err := f.store.UpdateConnection(ctx, f.org.ID, v1)
	if err != nil {
		t.Fatal(err)
	}
	restored, changes, err := ascode.Restore(ctx, f.store, f.org, v2, 1, v2.Version, "admin@acme.test")
	if err != nil || len(changes) == 0 {
		t.Fatalf("restore: %v %v", changes, err)
	}
	got, err := saml.ConfigOf([]byte(restored.Config))
	if err != nil {
		t.Fatal(err)
	}
	if got.GroupsAttribute != "groups" {
		t.Errorf("groups attribute %q, want version 1's", got.GroupsAttribute)
	}
	if len(got.SPCertificates) != 2 {
		t.Fatalf("%d SP certificates after the restore, want the current 2 that go with the sealed keys", len(got.SPCertificates))
	}
	if _, err := f.signin.Open(ctx, f.org, restored); err != nil {
		t.Fatalf("the restored connection does not open: %v", err)
	}
}
