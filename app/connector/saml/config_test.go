package saml

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/app/outbound"
	"github.com/orgsso/orgsso/e2e/samlidp"
)

func TestConfigOf(t *testing.T) {
	cfg, err := ConfigOf([]byte(`{"entityID":"https://idp.example.com","attributeMapping":{"email":"mail"},"requireSignedAssertions":false}`))
	if err != nil || cfg.EntityID != "https://idp.example.com" || cfg.AttributeMapping.Email != "mail" || cfg.SignedAssertionsRequired() {
		t.Fatalf("%+v %v", cfg, err)
	}
	if (Config{}).SignedAssertionsRequired() != true {
		t.Fatal("signed assertions are not required by default")
	}
	if _, err := ConfigOf([]byte(`{"issuer":"x"}`)); err == nil || !strings.Contains(err.Error(), `"issuer"`) {
		t.Fatalf("unknown key: %v", err)
	}
}

func TestValidate(t *testing.T) {
	idp := samlidp.New(t)
	cert := idp.CertificatePEM()
	tests := []struct {
		name  string
		cfg   Config
		field string // "" = valid
		says  string
	}{
		{"metadata XML", Config{MetadataXML: string(idp.Metadata())}, "", ""},
		{"metadata URL", Config{MetadataURL: "https://idp.example.com/metadata"}, "", ""},
		{"by hand", Config{EntityID: "https://idp.example.com", SSOURL: "https://idp.example.com/sso", Certificates: []string{cert}}, "", ""},
		{"nothing", Config{}, "entityID", "entity ID"},
		{"no SSO URL", Config{EntityID: "x", Certificates: []string{cert}}, "ssoURL", "single sign-on URL"},
		{"no certificate", Config{EntityID: "x", SSOURL: "https://idp.example.com/sso"}, "certificates", "signing certificate"},
		{"bad certificate", Config{EntityID: "x", SSOURL: "https://idp.example.com/sso", Certificates: []string{"hello"}}, "certificates", "not a PEM certificate"},
		{"http SSO URL", Config{EntityID: "x", SSOURL: "http://idp.example.com/sso", Certificates: []string{cert}}, "ssoURL", "https"},
		{"bad metadata URL", Config{MetadataURL: "ftp://x"}, "metadataURL", "https://"},
		{"bad metadata", Config{MetadataXML: "<html/>"}, "metadataXML", "not SAML metadata"},
		{"NameID format", Config{MetadataXML: string(idp.Metadata()), NameIDFormat: "email"}, "nameIDFormat", "NameID formats"},
		{"long attribute", Config{MetadataXML: string(idp.Metadata()), AttributeMapping: connector.ClaimMapping{Email: strings.Repeat("a", MaxAttribute+1)}},
			"attributeMapping.email", "at most 256"},
		{"long groups attribute", Config{MetadataXML: string(idp.Metadata()), GroupsAttribute: strings.Repeat("a", MaxAttribute+1)}, "groupsAttribute", "at most"},
		{"signing without a key pair", Config{MetadataXML: string(idp.Metadata()), SignRequests: true}, "spCertificates", "key pair"},
		{"bad SP certificate", Config{MetadataXML: string(idp.Metadata()), SPCertificates: []string{"x"}}, "spCertificates", "SP certificate 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			errs := tc.cfg.Validate()
			if tc.field == "" {
				if len(errs) != 0 {
					t.Fatalf("errors %v", errs)
				}
				return
			}
			if !strings.Contains(errs[tc.field], tc.says) {
				t.Fatalf("errors %v, want %s to say %q", errs, tc.field, tc.says)
			}
		})
	}
}

func TestIdPFromConfig(t *testing.T) {
	idp := samlidp.New(t)
	d, err := Config{EntityID: " https://idp.example.com ", SSOURL: "https://idp.example.com/sso", Certificates: []string{idp.CertificatePEM()}}.IdP()
	if err != nil || d.EntityID != "https://idp.example.com" || len(d.Certificates) != 1 {
		t.Fatalf("%+v %v", d, err)
	}
	d, err = Config{MetadataXML: string(idp.Metadata()), EntityID: "ignored"}.IdP()
	if err != nil || d.EntityID != idp.EntityID() || d.SSOURL != idp.SSOURL() {
		t.Fatalf("%+v %v", d, err)
	}
	_, err = Config{MetadataURL: "https://idp.example.com/metadata"}.IdP()
	if e := wantCode(t, err, connector.CodeInvalidConfig); !strings.Contains(e.Reason, "not been fetched") {
		t.Fatal(e.Reason)
	}
}

func TestParseMetadata(t *testing.T) {
	idp := samlidp.New(t)
	if err := idp.RotateKey(); err != nil {
		t.Fatal(err)
	}
	good := string(idp.Metadata())
	d, err := ParseMetadata([]byte(good))
	if err != nil || d.EntityID != idp.EntityID() || d.SSOURL != idp.SSOURL() || len(d.Certificates) != 2 {
		t.Fatalf("%+v %v", d, err)
	}
	body := strings.TrimPrefix(good, `<?xml version="1.0" encoding="UTF-8"?>`+"\n")
	entities := `<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata">` + body + `</EntitiesDescriptor>`
	if d, err := ParseMetadata([]byte(entities)); err != nil || d.EntityID != idp.EntityID() {
		t.Fatalf("EntitiesDescriptor: %+v %v", d, err)
	}
	tests := []struct{ name, doc, says string }{
		{"empty", "", "empty"},
		{"html", "<html><body>Sign in</body></html>", "root element is <html>"},
		{"not xml", "{}", "not well-formed"},
		{"DTD", `<!DOCTYPE x [<!ENTITY a "b">]>` + body, "DTD"},
		{"two IdPs", `<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata">` + body + body + `</EntitiesDescriptor>`, "2 identity providers"},
		{"SP metadata", func() string { b, _ := spMetadata(Config{}, spEntityID, acsURL); return string(b) }(), "no IDPSSODescriptor"},
		{"POST only", strings.Replace(good, "HTTP-Redirect", "HTTP-POST", 1), "only by the HTTP-POST binding"},
		{"no certificate", strings.NewReplacer("<KeyDescriptor", "<!--", "</KeyDescriptor>", "-->").Replace(good), "no signing certificate"},
		{"too large", strings.Repeat(" ", 10) + body + strings.Repeat("<!-- -->", MaxMetadata/8), "larger than 1024 KiB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseMetadata([]byte(tc.doc))
			if e := wantCode(t, err, CodeMetadataInvalid); !strings.Contains(e.Reason, tc.says) {
				t.Fatalf("reason %q does not say %q", e.Reason, tc.says)
			}
		})
	}
}

func TestFetchMetadata(t *testing.T) {
	idp := samlidp.New(t)
	client := outbound.New(outbound.Options{AllowPrivate: true})
	ctx := context.Background()
	b, err := FetchMetadata(ctx, client, idp.MetadataURL())
	if err != nil {
		t.Fatal(err)
	}
	if d, err := ParseMetadata(b); err != nil || d.EntityID != idp.EntityID() {
		t.Fatalf("%+v %v", d, err)
	}
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte("<html><body>Welcome</body></html>"))
	}))
	t.Cleanup(page.Close)
	tests := []struct{ name, url, says string }{
		{"404", page.URL + "/missing", "HTTP 404"},
		{"not metadata", page.URL + "/", "did not return usable SAML metadata"},
		{"unreachable", "http://127.0.0.1:1/metadata", "Could not read the metadata"},
		{"not a URL", "idp.example.com", "https://"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FetchMetadata(ctx, client, tc.url)
			if e := wantCode(t, err, CodeMetadataInvalid); !strings.Contains(e.Reason, tc.says) {
				t.Fatalf("reason %q does not say %q", e.Reason, tc.says)
			}
		})
	}
}

func TestSPKeyPairs(t *testing.T) {
	pair, err := spKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM := pair[0], pair[1]
	if err := CheckSPKeyPair(certPEM, keyPEM); err != nil {
		t.Fatalf("generated pair: %v", err)
	}
	cert, _ := parseCertificate(certPEM)
	if cert.PublicKey.(*rsa.PublicKey).N.BitLen() < 3072 || cert.NotAfter.Before(time.Now().AddDate(9, 11, 0)) || cert.Subject.CommonName != "orgsso test SP" {
		t.Fatalf("certificate %v until %v", cert.Subject, cert.NotAfter)
	}
	key, _ := parsePrivateKey(keyPEM)
	pkcs1 := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}))
	if err := CheckSPKeyPair(certPEM, pkcs1); err != nil {
		t.Fatalf("PKCS#1 key: %v", err)
	}
	otherKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	other := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(otherKey)}))
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	smallPEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(small)}))
	tests := []struct{ name, cert, key, says string }{
		{"keys do not match", certPEM, other, "does not belong"},
		{"small key", certPEM, smallPEM, "1024 bits"},
		{"not PEM", certPEM, "secret", "not PEM"},
		{"certificate is a key", keyPEM, keyPEM, "not a CERTIFICATE"},
		{"encrypted key", certPEM, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n", "passphrase"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckSPKeyPair(tc.cert, tc.key)
			if e := wantCode(t, err, CodeKeyPairInvalid); !strings.Contains(e.Reason, tc.says) {
				t.Fatalf("reason %q does not say %q", e.Reason, tc.says)
			}
		})
	}
	sec, err := SecretOf(Secret{SPKeys: []string{keyPEM}}.String())
	if err != nil || len(sec.SPKeys) != 1 || sec.SPKeys[0] != keyPEM {
		t.Fatalf("secret round trip: %v", err)
	}
	if sec, err := SecretOf(""); err != nil || len(sec.SPKeys) != 0 {
		t.Fatal("empty secret")
	}
}

func TestCertificates(t *testing.T) {
	idp := samlidp.New(t)
	pair, _ := spKeyPair()
	infos := Certificates(Config{MetadataXML: string(idp.Metadata()), SPCertificates: []string{pair[0]}})
	if len(infos) != 2 || infos[0].Role != "idp" || infos[1].Role != "sp" || infos[1].Subject != "CN=orgsso test SP" ||
		len(infos[0].Fingerprint) != 95 || infos[0].NotAfter.IsZero() {
		t.Fatalf("%+v", infos)
	}
}

func TestSPMetadata(t *testing.T) {
	pair, _ := spKeyPair()
	raw := []byte(`{"signRequests":true,"encryptAssertions":true,"spCertificates":[` + quote(pair[0]) + `]}`)
	// Served from the configuration alone, before the IdP's side is known.
	b, err := Protocol().Metadata(raw, testEnv())
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for _, want := range []string{`entityID="` + spEntityID + `"`, `Location="` + acsURL + `"`, `AuthnRequestsSigned="true"`,
		`WantAssertionsSigned="true"`, `use="signing"`, `use="encryption"`, "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"} {
		if !strings.Contains(doc, want) {
			t.Errorf("metadata lacks %s:\n%s", want, doc)
		}
	}
	if _, err := ParseMetadata(b); err == nil || !strings.Contains(connector.Reason(err), "no IDPSSODescriptor") {
		t.Fatalf("SP metadata read as an IdP's: %v", err)
	}
	// The test IdP, like a real one, reads it.
	idp := samlidp.New(t)
	if err := idp.RegisterSP(b); err != nil {
		t.Fatal(err)
	}
	plain, err := Protocol().Metadata([]byte(`{}`), testEnv())
	if err != nil || strings.Contains(string(plain), "KeyDescriptor") {
		t.Fatalf("metadata without keys: %s %v", plain, err)
	}
}

func quote(s string) string {
	return `"` + strings.NewReplacer("\n", `\n`).Replace(s) + `"`
}

func TestProtocol(t *testing.T) {
	p := Protocol()
	connector.NewRegistry(p) // panics when incomplete
	if p.Name != "saml" || p.Label != "SAML 2.0" || p.ReturnPath != "/saml/:conn/acs" || len(p.ReturnMethods) != 1 ||
		p.ReturnMethods[0] != http.MethodPost || p.InitiatePath != "" || p.MetadataPath != "/saml/:conn/metadata" {
		t.Fatalf("%+v", p)
	}
	if _, err := p.Open(context.Background(), []byte(`{"bogus":1}`), "", testEnv()); err == nil {
		t.Fatal("opened a config with an unknown key")
	}
}
