package main

import (
	"bytes"
	"context"
	"log/slog"
	"regexp"
	"strings"
	"testing"

	"github.com/orgsso/orgsso/app"
	"github.com/orgsso/orgsso/models"
)

// runCLI runs the binary's command line on a data folder of its own.
func runCLI(t *testing.T, dir string, args ...string) (string, error) {
	t.Helper()
	return runCLIWith(t, dir, "", args...)
}

// runCLIWith runs the command line with stdin as its standard input.
func runCLIWith(t *testing.T, dir, stdin string, args ...string) (string, error) {
	t.Helper()
	t.Setenv("ORGSSO_DATA_DIR", dir)
	t.Setenv("ORGSSO_DATABASE_URL", dir+"/orgsso.db")
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String(), err
}

var inviteLink = regexp.MustCompile(`http://localhost:8080/invite/[A-Za-z0-9_-]{20,}`)

// TestOperatorAddsPeople: the command line is trusted: an existing account
// joins the org at once, an email without one gets an invite link, and
// nothing else is created.
func TestOperatorAddsPeople(t *testing.T) {
	dir := t.TempDir()
	if _, err := runCLI(t, dir, "admin", "create", "--email", "root@example.com", "--password", "a long password"); err != nil {
		t.Fatal(err)
	}
	out, err := runCLI(t, dir, "orgs", "create", "--slug", "acme", "--name", "Acme", "--admin", "root@example.com")
	if err != nil || !strings.Contains(out, "root@example.com added to acme as admin") {
		t.Fatalf("orgs create --admin (existing account): %q, %v", out, err)
	}
	out, err = runCLI(t, dir, "members", "add", "--org", "acme", "--email", "New@Example.com", "--role", "user")
	if err != nil || !inviteLink.MatchString(out) {
		t.Fatalf("members add (no account): %q, %v", out, err)
	}
	if _, err := runCLI(t, dir, "members", "add", "--org", "acme", "--email", "x@example.com", "--role", "owner"); err == nil {
		t.Error("an unknown role was accepted")
	}
	if _, err := runCLI(t, dir, "members", "add", "--org", "nope", "--email", "x@example.com"); err == nil {
		t.Error("an unknown org was accepted")
	}

	cfg, err := app.ConfigFromEnv(func(k string) string {
		return map[string]string{"ORGSSO_DATA_DIR": dir, "ORGSSO_DATABASE_URL": dir + "/orgsso.db"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Open(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ctx := context.Background()
	org, err := a.Store.OrganizationBySlug(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	root, _ := a.Store.UserByEmail(ctx, "root@example.com")
	if m, err := a.Store.Membership(ctx, org.ID, root.ID); err != nil || m.Roles != "admin" || m.Status != models.StatusActive {
		t.Errorf("root's membership = %+v, %v; want active admin", m, err)
	}
	if _, err := a.Store.UserByEmail(ctx, "new@example.com"); err == nil {
		t.Error("members add created an account for an email without one")
	}
	if inv, err := a.Store.PendingInvite(ctx, org.ID, "new@example.com"); err != nil || inv.Role != "user" {
		t.Errorf("pending invite = %+v, %v; want one for user", inv, err)
	}
}
