package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/orgsso/orgsso/app/connector/saml"
	"github.com/orgsso/orgsso/e2e/idp"
	"github.com/orgsso/orgsso/e2e/samlidp"
)

// TestAPISAMLApplyExportRoundTrip applies a SAML connection through the
// API from a test IdP's metadata URL, reads it back with its ACS URL and
// SP entity ID, and applies the export again: unchanged.
func TestAPISAMLApplyExportRoundTrip(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t)
	e := f.e
	idp := samlidp.New(t)
	doc := "- type: saml\n  name: Corp SAML\n  preset: saml-custom\n  config:\n    metadataURL: " + idp.MetadataURL() +
		"\n    signRequests: true\n    attributeMapping: {email: email}\n  provisioning: {jit: true, defaultRole: user}\n"
	type applied struct {
		DryRun  bool
		Failed  int
		Results []struct{ Name, ID, Outcome, Field, Error string }
	}

	// Scenarios that change nothing: a dry run, an unknown key, two IdP sources.
	before := e.snapshot()
	var dry applied
	res := e.call("POST", "/api/v1/orgs/alpha/connections:apply?dry_run=true", f.write, "application/yaml", doc)
	res.json(t, &dry)
	if res.status != http.StatusOK || !dry.DryRun || len(dry.Results) != 1 || dry.Results[0].Outcome != "created" {
		t.Errorf("dry run: %d %s", res.status, res.body)
	}
	for _, tc := range []struct{ name, doc, field, message string }{
		{"unknown key", strings.Replace(doc, "signRequests: true", "spPrivateKey: x", 1), "config.spPrivateKey", "unknown key"},
		{"two IdP sources", strings.Replace(doc, "signRequests: true", "entityID: urn:idp", 1), "config.entityID", "metadataURL is given too"},
	} {
		var bad struct{ Code, Field, Message string }
		res := e.call("POST", "/api/v1/orgs/alpha/connections:apply", f.write, "application/yaml", tc.doc)
		res.json(t, &bad)
		if res.status != http.StatusUnprocessableEntity || bad.Field != tc.field || !strings.Contains(bad.Message, tc.message) {
			t.Errorf("%s: %d %s", tc.name, res.status, res.body)
		}
	}
	e.assertUnchanged(before)

	var out applied
	res = e.call("POST", "/api/v1/orgs/alpha/connections:apply", f.write, "application/yaml", doc)
	res.json(t, &out)
	if res.status != http.StatusOK || out.Failed != 0 || len(out.Results) != 1 || out.Results[0].Outcome != "created" {
		t.Fatalf("apply: %d %s", res.status, res.body)
	}
	id := out.Results[0].ID
	conn, err := e.store.ConnectionByPublicID(context.Background(), f.a.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := saml.ConfigOf([]byte(conn.Config))
	if err != nil || cfg.MetadataXML == "" || len(cfg.SPCertificates) != 1 || conn.SealedSecret == "" {
		t.Fatalf("stored: metadata %d bytes, %d SP certificates, sealed secret %t, err %v", len(cfg.MetadataXML), len(cfg.SPCertificates), conn.SealedSecret != "", err)
	}

	// The JSON forms show the addresses and nothing the server made.
	acs := "http://127.0.0.1/o/alpha/saml/" + id + "/acs"
	entity := "http://127.0.0.1/o/alpha/saml/" + id + "/metadata"
	for _, path := range []string{"/connections:export?format=json", "/connections", "/connections/" + id} {
		r := e.call("GET", "/api/v1/orgs/alpha"+path, f.read, "", "")
		if r.status != 200 || !strings.Contains(r.body, `"acsURL":"`+acs+`"`) || !strings.Contains(r.body, `"spEntityID":"`+entity+`"`) ||
			!strings.Contains(r.body, `"type":"saml"`) {
			t.Errorf("GET %s: %d %s", path, r.status, r.body)
		}
		for _, never := range []string{"spCertificates", "metadataXML", "PRIVATE KEY", "BEGIN CERTIFICATE"} {
			if strings.Contains(r.body, never) {
				t.Errorf("GET %s shows %s", path, never)
			}
		}
	}

	// The YAML export, applied back, is unchanged.
	exported := e.call("GET", "/api/v1/orgs/alpha/connections:export", f.read, "", "")
	if !strings.Contains(exported.body, "acsURL: "+acs) || !strings.Contains(exported.body, "spEntityID: "+entity) {
		t.Fatalf("export:\n%s", exported.body)
	}
	before = e.snapshot()
	res = e.call("POST", "/api/v1/orgs/alpha/connections:apply", f.write, "application/yaml", exported.body)
	res.json(t, &out)
	for _, r := range out.Results {
		if r.Outcome != "unchanged" {
			t.Errorf("apply of the export: %s %s %s", r.Name, r.Outcome, res.body)
		}
	}
	e.assertUnchanged(before)

	// One item through PUT, as the JSON export shows it: a change is saved
	// and the stored keys stay.
	body := `{"type":"saml","name":"Corp SAML","preset":"saml-custom","version":1,"acsURL":"` + acs + `","config":{"metadataURL":"` +
		idp.MetadataURL() + `","signRequests":true,"attributeMapping":{"email":"mail"}},"provisioning":{"jit":true,"defaultRole":"user"}}`
	var saved struct {
		Outcome    string
		Connection struct {
			Version int64
			ACSURL  string
		}
	}
	res = e.call("PUT", "/api/v1/orgs/alpha/connections/"+id, f.write, "application/json", body)
	res.json(t, &saved)
	if res.status != 200 || saved.Outcome != "updated" || saved.Connection.Version != 2 || saved.Connection.ACSURL != acs {
		t.Fatalf("update: %d %s", res.status, res.body)
	}
	after, err := e.store.ConnectionByPublicID(context.Background(), f.a.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	now, _ := saml.ConfigOf([]byte(after.Config))
	if after.SealedSecret != conn.SealedSecret || strings.Join(now.SPCertificates, "") != strings.Join(cfg.SPCertificates, "") || now.AttributeMapping.Email != "mail" {
		t.Errorf("update replaced the keys or lost the change: %+v", now.AttributeMapping)
	}
}

// A new OIDC connection applied through the API with discovery on is
// checked at its IdP in the API's org, as the form checks it: a real
// issuer is created, one without a discovery document fails at its issuer.
func TestAPIApplyChecksANewConnectionAtItsIdP(t *testing.T) {
	t.Parallel()
	f := newAPIFixture(t)
	ip := idp.NewOIDC(t)
	doc := func(name, issuer string) string {
		return "- type: oidc\n  name: " + name + "\n  preset: custom\n  config:\n    issuer: " + issuer +
			"\n    discovery: true\n    clientID: x\n    clientSecret: s3cret-value\n  provisioning: {jit: true, defaultRole: user}\n"
	}
	var out struct {
		Failed  int
		Results []struct{ Outcome, Field, Error string }
	}
	res := f.e.call("POST", "/api/v1/orgs/alpha/connections:apply", f.write, "application/yaml", doc("Real", ip.Issuer()))
	res.json(t, &out)
	if res.status != http.StatusOK || out.Failed != 0 || len(out.Results) != 1 || out.Results[0].Outcome != "created" {
		t.Fatalf("apply with discovery: %d %s", res.status, res.body)
	}
	res = f.e.call("POST", "/api/v1/orgs/alpha/connections:apply", f.write, "application/yaml", doc("Nowhere", ip.Issuer()+"/nowhere"))
	res.json(t, &out)
	if out.Failed != 1 || out.Results[0].Field != "config.issuer" {
		t.Fatalf("an issuer without a discovery document: %d %s", res.status, res.body)
	}
}
