package ascode_test

import (
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orgsso/orgsso/app/ascode"
	"github.com/orgsso/orgsso/app/connector/oidc"
	"github.com/orgsso/orgsso/app/secrets"
	"github.com/orgsso/orgsso/app/signin"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/models/testdb"
)

const oktaSecret = "okta-secret-value-never-shown"

// okta is a document with one connection whose secret comes from the
// environment.
const okta = `
- type: oidc
  name: Okta
  preset: okta
  active: true
  config:
    issuer: https://tenant.okta.com
    discovery: true
    clientID: abc
    clientSecretEnv: OKTA_SECRET
    pkce: S256
    groupsClaim: groups
    claimMapping: {email: email}
    scopes: [openid, email, profile, groups]
  provisioning: {jit: true, activation: false, defaultRole: user, syncRoles: true, groupMappings: "IT->admin;DATA_SCIENCE->user"}
`

type fixture struct {
	store  *models.Store
	sealer *secrets.Sealer
	org    models.Organization
	env    map[string]string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := testdb.Open(t, testdb.New(t))
	store := models.NewStore(db)
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	sealer, err := secrets.New(key)
	if err != nil {
		t.Fatal(err)
	}
	org, err := store.CreateOrganization(context.Background(), "acme", "Acme")
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{store: store, sealer: sealer, org: org, env: map[string]string{"OKTA_SECRET": oktaSecret}}
}

func (f *fixture) opts() ascode.Options {
	return ascode.Options{
		Env:      func(k string) (string, bool) { v, ok := f.env[k]; return v, ok },
		ReadFile: os.ReadFile,
		Actor:    ascode.Actor{Email: "operator"},
	}
}

func (f *fixture) apply(t *testing.T, doc string, opts ascode.Options) ([]ascode.Result, error) {
	t.Helper()
	items, err := ascode.Parse([]byte(doc))
	if err != nil {
		return nil, err
	}
	return ascode.Apply(context.Background(), f.store, f.sealer, f.org, items, opts)
}

func (f *fixture) mustApply(t *testing.T, doc string) []ascode.Result {
	t.Helper()
	res, err := f.apply(t, doc, f.opts())
	if err != nil {
		t.Fatalf("apply: %v", err)
	}
	return res
}

func (f *fixture) conn(t *testing.T, name string) models.Connection {
	t.Helper()
	conns, err := f.store.Connections(context.Background(), f.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range conns {
		if c.DisplayName == name {
			return c
		}
	}
	t.Fatalf("no connection %q", name)
	return models.Connection{}
}

func (f *fixture) auditCount(t *testing.T) int {
	t.Helper()
	evs, err := f.store.AuditEvents(context.Background(), f.org.ID, 1000)
	if err != nil {
		t.Fatal(err)
	}
	return len(evs)
}

func outcomes(res []ascode.Result) string {
	var parts []string
	for _, r := range res {
		parts = append(parts, r.Name+"="+r.Outcome)
	}
	return strings.Join(parts, " ")
}

func TestApplyCreatesThenSecondApplyChangesNothing(t *testing.T) {
	f := newFixture(t)
	res := f.mustApply(t, okta)
	if got := outcomes(res); got != "Okta=created" {
		t.Fatalf("first apply: %s", got)
	}
	c := f.conn(t, "Okta")
	if c.Version != 1 || !c.Active || c.Preset != "okta" || c.Protocol != "oidc" {
		t.Fatalf("created %+v", c)
	}
	secret, err := f.sealer.Open(c.SealedSecret, signin.SecretBinding(c))
	if err != nil || secret != oktaSecret {
		t.Fatalf("stored secret = %q, %v", secret, err)
	}
	cfg, err := oidc.ConfigOf([]byte(c.Config))
	if err != nil || cfg.Issuer != "https://tenant.okta.com" || cfg.ClientID != "abc" || len(cfg.Scopes) != 4 {
		t.Fatalf("config %+v %v", cfg, err)
	}
	prov, _ := signin.ProvisioningOf(c)
	if !prov.JIT || prov.DefaultRole != "user" || prov.GroupMappings != "IT->admin;DATA_SCIENCE->user" {
		t.Fatalf("provisioning %+v", prov)
	}
	if c.ConfigHash != c.Fingerprint() {
		t.Error("config hash is not the connection's fingerprint: a test could not bind to it")
	}
	audits := f.auditCount(t)

	// The same document again, with the version the first apply gave.
	time.Sleep(10 * time.Millisecond)
	again := strings.Replace(okta, "  active: true\n", "  active: true\n  version: 1\n", 1)
	for range 2 {
		res = f.mustApply(t, again)
		if got := outcomes(res); got != "Okta=unchanged" {
			t.Fatalf("second apply: %s (changes %v)", got, res[0].Changes)
		}
	}
	after := f.conn(t, "Okta")
	if after.Version != c.Version || !after.UpdatedAt.Equal(c.UpdatedAt) || after.SealedSecret != c.SealedSecret || after.ConfigHash != c.ConfigHash {
		t.Errorf("an unchanged apply wrote: before %+v after %+v", c, after)
	}
	if n := f.auditCount(t); n != audits {
		t.Errorf("an unchanged apply audited: %d events, want %d", n, audits)
	}
}

func TestExportAppliesBackUnchanged(t *testing.T) {
	f := newFixture(t)
	f.mustApply(t, okta)
	out, err := ascode.Export(context.Background(), f.store, f.org, nil)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(out)
	c := f.conn(t, "Okta")
	for _, want := range []string{"id: " + c.PublicID, "version: 1", "name: Okta", "issuer: https://tenant.okta.com", "defaultRole: user"} {
		if !strings.Contains(doc, want) {
			t.Errorf("export lacks %q:\n%s", want, doc)
		}
	}
	if strings.Contains(doc, oktaSecret) || strings.Contains(doc, c.SealedSecret) || strings.Contains(doc, "clientSecret") {
		t.Errorf("export holds the secret:\n%s", doc)
	}
	res := f.mustApply(t, doc)
	if got := outcomes(res); got != "Okta=unchanged" {
		t.Fatalf("apply of the export: %s %v\n%s", got, res[0].Changes, doc)
	}
}

func TestExportShowsLatestTest(t *testing.T) {
	f := newFixture(t)
	f.mustApply(t, okta)
	c := f.conn(t, "Okta")
	if _, err := f.store.RecordTestRun(context.Background(), f.org.ID, models.TestRun{ConnectionID: c.ID, ConfigVersion: c.Version,
		ConfigHash: c.ConfigHash, Status: models.TestPassed}); err != nil {
		t.Fatal(err)
	}
	out, err := ascode.Export(context.Background(), f.store, f.org, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"status: passed", "current: true"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("export lacks %q:\n%s", want, out)
		}
	}
}

func TestApplyUpdateIsNewVersionNeedingTest(t *testing.T) {
	f := newFixture(t)
	f.mustApply(t, okta)
	c := f.conn(t, "Okta")
	if _, err := f.store.RecordTestRun(context.Background(), f.org.ID, models.TestRun{ConnectionID: c.ID, ConfigVersion: c.Version,
		ConfigHash: c.ConfigHash, Status: models.TestPassed}); err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(okta, "  active: true\n", "  active: true\n  version: 1\n", 1)
	doc = strings.Replace(doc, "pkce: S256", "pkce: plain", 1)
	res := f.mustApply(t, doc)
	if got := outcomes(res); got != "Okta=updated" || res[0].Version != 2 {
		t.Fatalf("apply: %s version %d", got, res[0].Version)
	}
	if len(res[0].Changes) != 1 || res[0].Changes[0].Field != "config.pkce" || res[0].Changes[0].Old != "S256" || res[0].Changes[0].New != "plain" {
		t.Errorf("changes = %v, want config.pkce S256 -> plain", res[0].Changes)
	}
	after := f.conn(t, "Okta")
	if _, err := f.store.PassedTestRun(context.Background(), f.org.ID, after); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("the applied version counts as tested (err %v): it must need a new test", err)
	}
}

func TestApplyVersionConflictFailsThatItemOnly(t *testing.T) {
	f := newFixture(t)
	f.mustApply(t, okta)
	before := f.conn(t, "Okta")
	doc := strings.Replace(okta, "  active: true\n", "  active: true\n  version: 7\n", 1)
	doc = strings.Replace(doc, "pkce: S256", "pkce: plain", 1)
	doc = strings.Replace(doc, "clientSecretEnv: OKTA_SECRET", "clientSecretEnv: OTHER_SECRET", 1)
	doc = strings.Replace(doc, "active: true\n  version: 7", "active: false\n  version: 7", 1)
	f.env["OTHER_SECRET"] = "another-secret"
	doc += `
- type: oidc
  name: Keycloak
  config: {issuer: "https://kc.example.com/realms/acme", discovery: true, clientID: kc, clientSecretEnv: OKTA_SECRET}
`
	res := f.mustApply(t, doc)
	if got := outcomes(res); got != "Okta=failed Keycloak=created" {
		t.Fatalf("apply: %s", got)
	}
	if res[0].Field != "version" || !strings.Contains(res[0].Error, "now version 1") {
		t.Errorf("failure = %s: %s", res[0].Field, res[0].Error)
	}
	after := f.conn(t, "Okta")
	if after.Version != before.Version || after.Config != before.Config || after.SealedSecret != before.SealedSecret ||
		after.Active != before.Active || !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("a stale item changed the connection: before %+v after %+v", before, after)
	}
}

func TestApplyExistingWithoutVersionFails(t *testing.T) {
	f := newFixture(t)
	f.mustApply(t, okta)
	res := f.mustApply(t, strings.Replace(okta, "pkce: S256", "pkce: plain", 1))
	if res[0].Outcome != ascode.Failed || res[0].Field != "version" || !strings.Contains(res[0].Error, "give version: 1") {
		t.Fatalf("got %+v", res[0])
	}
}

func TestParseRefusesUnknownKeysAndWrongTypes(t *testing.T) {
	cases := []struct {
		name, doc string
		want      []string // each must appear in the error
	}{
		{"unknown item key", "- type: oidc\n  name: Okta\n  colour: blue\n  config: {issuer: https://x.example, clientID: a}\n",
			[]string{`item 1 ("Okta"): colour: unknown key`}},
		{"unknown config key", "- type: oidc\n  name: Okta\n  config: {issuer: https://x.example, clientId: a}\n",
			[]string{`item 1 ("Okta"): config.clientId: unknown key`}},
		{"unknown claim mapping key", "- type: oidc\n  name: Okta\n  config: {issuer: https://x.example, clientID: a, claimMapping: {mail: email}}\n",
			[]string{`item 1 ("Okta"): config.claimMapping.mail: unknown key`}},
		{"unknown provisioning key", "- type: oidc\n  name: Okta\n  config: {issuer: https://x.example, clientID: a}\n  provisioning: {jitt: true}\n",
			[]string{`item 1 ("Okta"): provisioning.jitt: unknown key`}},
		{"bool as text", "- type: oidc\n  name: Okta\n  config: {issuer: https://x.example, clientID: a, discovery: \"yes\"}\n",
			[]string{`item 1 ("Okta"): config.discovery: want true or false, got the text "yes"`}},
		{"number for text", "- type: oidc\n  name: Okta\n  config: {issuer: https://x.example, clientID: 1234}\n",
			[]string{`item 1 ("Okta"): config.clientID: want text, got the number 1234`}},
		{"text for list", "- type: oidc\n  name: Okta\n  config: {issuer: https://x.example, clientID: a, scopes: openid email}\n",
			[]string{`config.scopes: want a list of text`}},
		{"version as text", "- type: oidc\n  name: Okta\n  version: three\n  config: {issuer: https://x.example, clientID: a}\n",
			[]string{`item 1 ("Okta"): version: want a whole number, got the text "three"`}},
		{"second item named", "- type: oidc\n  name: A\n  config: {issuer: https://x.example, clientID: a}\n- type: oidc\n  name: B\n  config: {issuer: https://x.example, clientID: [a]}\n",
			[]string{`item 2 ("B"): config.clientID: want text, got a list`}},
		{"not a list", "type: oidc\nname: Okta\n", []string{"want a list of connections"}},
		{"unknown type", "- type: ldap\n  name: Okta\n  config: {}\n", []string{`type: unknown type "ldap"`}},
		{"key twice", "- type: oidc\n  name: Okta\n  name: Okta2\n  config: {issuer: https://x.example, clientID: a}\n", []string{"name: this key is given twice"}},
		{"duplicate names", "- type: oidc\n  name: Okta\n  config: {issuer: https://x.example, clientID: a}\n- type: oidc\n  name: OKTA\n  config: {issuer: https://x.example, clientID: a}\n",
			[]string{`item 2 ("OKTA"): name: the same name as item 1`}},
		{"alias", "- type: oidc\n  name: &n Okta\n  preset: *n\n  config: {issuer: https://x.example, clientID: a}\n", []string{"preset: aliases"}},
		{"invisible name", "- type: oidc\n  name: \"Ok\u200bta\"\n  config: {issuer: https://x.example, clientID: a}\n", []string{"name: This name has an invisible character"}},
		{"broken yaml", "- type: oidc\n  name: [\n", []string{"not valid YAML"}},
		{"all errors at once", "- type: oidc\n  name: A\n  x: 1\n  config: {issuer: 1, y: 2}\n",
			[]string{"x: unknown key", "config.issuer: want text", "config.y: unknown key"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			items, err := ascode.Parse([]byte(tc.doc))
			if err == nil {
				t.Fatalf("parsed: %+v", items)
			}
			var es ascode.Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error %T %v, want ascode.Errors", err, err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestApplyRefusesInvalidSettingsAndWritesNothing(t *testing.T) {
	f := newFixture(t)
	doc := okta + `
- type: oidc
  name: Bad
  preset: nosuch
  logoURL: http://logo.example/x.png
  config: {issuer: "ftp://x", clientID: a, pkce: S512, clientSecretEnv: OKTA_SECRET}
  provisioning: {defaultRole: owner, groupMappings: "IT=>admin"}
`
	_, err := f.apply(t, doc, f.opts())
	for _, want := range []string{`item 2 ("Bad"): config.issuer:`, "config.pkce: Choose S256", "preset: unknown preset", "logoURL:",
		"provisioning.defaultRole:", "provisioning.groupMappings:"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
	if conns, _ := f.store.Connections(context.Background(), f.org.ID); len(conns) != 0 {
		t.Errorf("a document with an invalid item created %d connections", len(conns))
	}
}

func TestApplySecretsFromEnvAndFileAreNeverPrinted(t *testing.T) {
	f := newFixture(t)
	file := filepath.Join(t.TempDir(), "secret")
	const fileSecret = "file-secret-value-never-shown"
	if err := os.WriteFile(file, []byte(fileSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	doc := okta + `
- type: oidc
  name: Keycloak
  config: {issuer: "https://kc.example.com/realms/acme", discovery: true, clientID: kc, clientSecretFile: "` + file + `"}
`
	res := f.mustApply(t, doc)
	if got := outcomes(res); got != "Okta=created Keycloak=created" {
		t.Fatalf("apply: %s", got)
	}
	kc := f.conn(t, "Keycloak")
	if s, err := f.sealer.Open(kc.SealedSecret, signin.SecretBinding(kc)); err != nil || s != fileSecret {
		t.Errorf("file secret stored as %q, %v", s, err)
	}
	for _, r := range res {
		for _, ch := range r.Changes {
			if strings.Contains(ch.String(), oktaSecret) || strings.Contains(ch.String(), fileSecret) {
				t.Errorf("a change shows the secret: %s", ch)
			}
		}
	}
	// A changed secret is a change, shown without its value.
	f.env["OKTA_SECRET"] = "rotated-secret-value"
	doc2 := strings.Replace(okta, "  active: true\n", "  active: true\n  version: 1\n", 1)
	res = f.mustApply(t, doc2)
	if res[0].Outcome != ascode.Updated || len(res[0].Changes) != 1 || res[0].Changes[0].Field != "config.clientSecretEnv" {
		t.Fatalf("rotated secret: %+v", res[0])
	}
	if s := res[0].Changes[0].String(); strings.Contains(s, "rotated-secret-value") || strings.Contains(s, oktaSecret) {
		t.Errorf("change shows a secret: %s", s)
	}
	// Missing sources are errors naming the key, not the value.
	delete(f.env, "OKTA_SECRET")
	_, err := f.apply(t, strings.Replace(okta, "name: Okta", "name: Okta2", 1), f.opts())
	if err == nil || !strings.Contains(err.Error(), `item 1 ("Okta2"): config.clientSecretEnv: the environment variable OKTA_SECRET is not set`) {
		t.Errorf("missing env: %v", err)
	}
	_, err = f.apply(t, strings.Replace(doc, file, file+".missing", 1), f.opts())
	if err == nil || !strings.Contains(err.Error(), "config.clientSecretFile: cannot read the file") {
		t.Errorf("missing file: %v", err)
	}
	// A secret written into the document is refused outside the API.
	_, err = f.apply(t, strings.Replace(okta, "clientSecretEnv: OKTA_SECRET", "clientSecret: inline-value", 1), f.opts())
	if err == nil || !strings.Contains(err.Error(), "config.clientSecret: do not write secrets into the file") || strings.Contains(err.Error(), "inline-value") {
		t.Errorf("inline secret: %v", err)
	}
}

func TestApplyNewConnectionNeedsSecret(t *testing.T) {
	f := newFixture(t)
	_, err := f.apply(t, strings.Replace(okta, "    clientSecretEnv: OKTA_SECRET\n", "", 1), f.opts())
	if err == nil || !strings.Contains(err.Error(), `item 1 ("Okta"): config.clientSecretEnv: a new connection needs its client secret`) {
		t.Fatalf("err = %v", err)
	}
}

func TestApplyDryRunWritesNothing(t *testing.T) {
	f := newFixture(t)
	opts := f.opts()
	opts.DryRun = true
	res, err := f.apply(t, okta, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := outcomes(res); got != "Okta=created" {
		t.Fatalf("dry run: %s", got)
	}
	var fields []string
	for _, ch := range res[0].Changes {
		fields = append(fields, ch.Field)
	}
	joined := strings.Join(fields, " ")
	for _, want := range []string{"config.issuer", "config.clientID", "provisioning.jit", "config.clientSecretEnv"} {
		if !strings.Contains(joined, want) {
			t.Errorf("dry-run changes %v lack %s", fields, want)
		}
	}
	if conns, _ := f.store.Connections(context.Background(), f.org.ID); len(conns) != 0 {
		t.Fatalf("dry run created %d connections", len(conns))
	}
	f.mustApply(t, okta)
	before := f.conn(t, "Okta")
	audits := f.auditCount(t)
	doc := strings.Replace(okta, "  active: true\n", "  active: true\n  version: 1\n", 1)
	doc = strings.Replace(doc, "clientID: abc", "clientID: xyz", 1)
	res, err = f.apply(t, doc, opts)
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Outcome != ascode.Updated || len(res[0].Changes) != 1 || res[0].Changes[0].String() != "config.clientID: abc -> xyz" {
		t.Fatalf("dry-run update: %+v", res[0])
	}
	after := f.conn(t, "Okta")
	if after.Version != before.Version || after.Config != before.Config || f.auditCount(t) != audits {
		t.Error("dry run wrote")
	}
}

func TestApplyDeactivateRespectsLastUsable(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.mustApply(t, okta)
	c := f.conn(t, "Okta")
	if _, err := f.store.RecordTestRun(ctx, f.org.ID, models.TestRun{ConnectionID: c.ID, ConfigVersion: c.Version,
		ConfigHash: c.ConfigHash, Status: models.TestPassed}); err != nil {
		t.Fatal(err)
	}
	if err := f.store.EnableSSO(ctx, f.org.ID); err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(okta, "  active: true\n", "  active: false\n  version: 1\n", 1)
	doc = strings.Replace(doc, "clientID: abc", "clientID: xyz", 1)
	res := f.mustApply(t, doc)
	if res[0].Outcome != ascode.Failed || res[0].Field != "active" {
		t.Fatalf("got %+v", res[0])
	}
	after := f.conn(t, "Okta")
	if !after.Active || after.Version != 1 {
		t.Errorf("refused item changed the connection: %+v", after)
	}
}
