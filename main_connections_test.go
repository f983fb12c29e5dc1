package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const cliDoc = `
- type: oidc
  name: Okta
  preset: okta
  config:
    issuer: https://tenant.okta.com
    discovery: false
    authorizationURL: https://tenant.okta.com/oauth2/v1/authorize
    tokenURL: https://tenant.okta.com/oauth2/v1/token
    jwksURL: https://tenant.okta.com/oauth2/v1/keys
    clientID: abc
    clientSecretEnv: CLI_OKTA_SECRET
  provisioning: {jit: true, defaultRole: user}
`

// TestConnectionsAsCode runs export and apply from the command line:
// a dry run changes nothing, apply creates, a second apply of the export
// reports unchanged, stdin works, the secret is never printed, and a
// document with an unknown key applies nothing.
func TestConnectionsAsCode(t *testing.T) {
	dir := t.TempDir()
	const secret = "cli-secret-value-never-printed"
	t.Setenv("CLI_OKTA_SECRET", secret)
	if _, err := runCLI(t, dir, "orgs", "create", "--slug", "acme", "--name", "Acme"); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "conns.yaml")
	if err := os.WriteFile(file, []byte(cliDoc), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runCLI(t, dir, "connections", "apply", "--org", "acme", "-f", file, "--dry-run")
	if err != nil || !strings.Contains(out, "Okta: would be created") || !strings.Contains(out, "config.clientID: (none) -> abc") {
		t.Fatalf("dry run: %q, %v", out, err)
	}
	if out, _ := runCLI(t, dir, "connections", "export", "--org", "acme"); strings.Contains(out, "Okta") {
		t.Fatalf("dry run created a connection:\n%s", out)
	}
	out, err = runCLI(t, dir, "connections", "apply", "--org", "acme", "-f", file)
	if err != nil || !strings.Contains(out, "Okta: created c_") || !strings.Contains(out, "run a test of Okta") {
		t.Fatalf("apply: %q, %v", out, err)
	}
	exported, err := runCLI(t, dir, "connections", "export", "--org", "acme")
	if err != nil || !strings.Contains(exported, "name: Okta") || !strings.Contains(exported, "version: 1") {
		t.Fatalf("export: %q, %v", exported, err)
	}
	out, err = runCLIWith(t, dir, exported, "connections", "apply", "--org", "acme", "-f", "-")
	if err != nil || !strings.Contains(out, "Okta: unchanged") {
		t.Fatalf("apply of the export from stdin: %q, %v", out, err)
	}
	for _, s := range []string{out, exported} {
		if strings.Contains(s, secret) {
			t.Errorf("the secret was printed:\n%s", s)
		}
	}
	bad := strings.Replace(exported, "name: Okta", "name: Okta\n  colour: blue", 1)
	bad = strings.Replace(bad, "clientID: abc", "clientID: changed", 1)
	_, err = runCLIWith(t, dir, bad, "connections", "apply", "--org", "acme", "-f", "-")
	if err == nil || !strings.Contains(err.Error(), `item 1 ("Okta"): colour: unknown key`) {
		t.Fatalf("unknown key: %v", err)
	}
	if again, _ := runCLI(t, dir, "connections", "export", "--org", "acme"); again != exported {
		t.Errorf("a refused document changed the org:\n%s\nwant\n%s", again, exported)
	}
	changed := strings.Replace(exported, "clientID: abc", "clientID: v2", 1)
	if out, err := runCLIWith(t, dir, changed, "connections", "apply", "--org", "acme", "-f", "-"); err != nil || !strings.Contains(out, "Okta: updated") {
		t.Fatalf("update: %q, %v", out, err)
	}
	v1, err := runCLI(t, dir, "connections", "export", "--org", "acme", "--connection", "okta", "--version", "1")
	if err != nil || !strings.Contains(v1, "clientID: abc") || !strings.Contains(v1, "version: 1") || strings.Contains(v1, secret) {
		t.Fatalf("export --version 1: %q, %v", v1, err)
	}
	if _, err := runCLI(t, dir, "connections", "export", "--org", "acme", "--connection", "okta", "--version", "9"); err == nil || !strings.Contains(err.Error(), "no version 9") {
		t.Errorf("export of a version that does not exist: %v", err)
	}
	stale := strings.Replace(exported, "version: 1", "version: 9", 1)
	stale = strings.Replace(stale, "clientID: abc", "clientID: changed", 1)
	out, err = runCLIWith(t, dir, stale, "connections", "apply", "--org", "acme", "-f", "-")
	if err == nil || !strings.Contains(out, "Okta: failed") || !strings.Contains(out, "version: written against version 9") {
		t.Fatalf("stale: %q, %v", out, err)
	}
}

// TestOrgsListAndMembersInvite: the scripted self-hosting commands.
func TestOrgsListAndMembersInvite(t *testing.T) {
	dir := t.TempDir()
	for _, slug := range []string{"acme", "beta"} {
		if _, err := runCLI(t, dir, "orgs", "create", "--slug", slug, "--name", strings.ToUpper(slug)); err != nil {
			t.Fatal(err)
		}
	}
	out, err := runCLI(t, dir, "orgs", "list")
	if err != nil || out != "acme\tACME\nbeta\tBETA\n" {
		t.Fatalf("orgs list: %q, %v", out, err)
	}
	out, err = runCLI(t, dir, "members", "invite", "--org", "beta", "--email", "Ann@Example.com", "--role", "admin")
	if err != nil || !inviteLink.MatchString(out) || !strings.Contains(out, "ann@example.com invited to beta as admin") {
		t.Fatalf("members invite: %q, %v", out, err)
	}
	if _, err := runCLI(t, dir, "members", "invite", "--org", "beta", "--email", "not-an-email", "--role", "user"); err == nil || !strings.Contains(err.Error(), "--email") {
		t.Errorf("a bad email: %v", err)
	}
}
