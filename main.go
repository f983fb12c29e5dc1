// Command orgsso is a self-hosted, multi-tenant SSO admin platform.
//
//	orgsso [serve]                                   run the server (default)
//	orgsso migrate                                   apply database migrations and exit
//	orgsso admin create --email E --password P       create or reset a platform admin
//	orgsso orgs create --slug S --name N [--admin E] create an organization
//	orgsso orgs list                                 list organizations
//	orgsso members add|invite --org S --email E [--role R]
//	                                                 add a person to an org, or invite them
//	orgsso connections export --org S                print the org's connections (oidc, saml) as YAML
//	orgsso connections apply --org S -f FILE|- [--dry-run]
//	                                                 create or update connections (oidc, saml) from YAML
//	orgsso secrets rotate                            seal every stored secret again under the newest key
//	orgsso healthcheck                               exit 0 when /healthz answers (for containers)
//
// Configuration comes from ORGSSO_* environment variables; see README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/orgsso/orgsso/app"
	"github.com/orgsso/orgsso/app/ascode"
	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/app/web"
	"github.com/orgsso/orgsso/models"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "orgsso:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	if cmd == "healthcheck" {
		return healthcheck(ctx)
	}
	cfg, err := app.LoadEnv()
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.LogLevel)
	switch cmd {
	case "serve":
		a, err := app.Open(ctx, cfg, log)
		if err != nil {
			return err
		}
		defer a.Close()
		if err := a.Bootstrap(ctx, stdout); err != nil {
			return err
		}
		return a.Serve(ctx)
	case "migrate":
		a, err := app.Open(ctx, cfg, log)
		if err != nil {
			return err
		}
		defer a.Close()
		fmt.Fprintln(stdout, "migrations applied")
		return nil
	case "admin":
		return adminCmd(ctx, cfg, log, args, stdout)
	case "orgs":
		return orgsCmd(ctx, cfg, log, args, stdout)
	case "members":
		return membersCmd(ctx, cfg, log, args, stdout)
	case "connections":
		return connectionsCmd(ctx, cfg, log, args, stdin, stdout)
	case "secrets":
		return secretsCmd(ctx, cfg, log, args, stdout)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, "usage: orgsso [serve|migrate|admin create|orgs create|orgs list|members add|members invite|connections export|connections apply|secrets rotate|healthcheck]")
		return nil
	}
	return fmt.Errorf("unknown command %q (try: serve, migrate, admin create, orgs create, orgs list, members add, members invite, connections export, connections apply, secrets rotate, healthcheck)", cmd)
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

func adminCmd(ctx context.Context, cfg app.Config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: orgsso admin create --email EMAIL --password PASSWORD")
	}
	fs := flag.NewFlagSet("admin create", flag.ContinueOnError)
	email := fs.String("email", "", "email of the platform admin")
	pw := fs.String("password", "", "password (at least 10 characters)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *email == "" || *pw == "" {
		return errors.New("usage: orgsso admin create --email EMAIL --password PASSWORD")
	}
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	u, err := a.CreateAdmin(ctx, strings.ToLower(*email), *pw, false)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "platform admin %s ready; log in at %s/login\n", u.Email, cfg.BaseURL)
	return nil
}

func orgsCmd(ctx context.Context, cfg app.Config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: orgsso orgs create|list")
	}
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	switch args[0] {
	case "list":
		orgs, err := a.Store.ListOrganizations(ctx)
		if err != nil {
			return err
		}
		for _, o := range orgs {
			fmt.Fprintf(stdout, "%s\t%s\n", o.Slug, o.Name)
		}
		return nil
	case "create":
		fs := flag.NewFlagSet("orgs create", flag.ContinueOnError)
		slug := fs.String("slug", "", "URL slug")
		name := fs.String("name", "", "display name")
		admin := fs.String("admin", "", "email of an existing account to make the org's admin")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if msg := web.ValidSlug(*slug); msg != "" {
			return fmt.Errorf("--slug: %s", msg)
		}
		orgName, msg := web.CleanOrgName(*name)
		if msg != "" {
			return fmt.Errorf("--name: %s", msg)
		}
		org, err := a.Store.CreateOrganization(ctx, *slug, orgName)
		if err != nil {
			return fmt.Errorf("create %s: %w", *slug, err)
		}
		fmt.Fprintf(stdout, "organization %s created: %s/o/%s\n", org.Slug, cfg.BaseURL, org.Slug)
		if *admin != "" {
			return addMember(ctx, a, org, *admin, authz.RoleAdmin, stdout)
		}
		return nil
	}
	return fmt.Errorf("unknown orgs command %q", args[0])
}

// healthcheck asks the local server's /healthz; it needs no database or
// secrets, so a container can run it.
func healthcheck(ctx context.Context) error {
	addr := os.Getenv("ORGSSO_ADDR")
	if addr == "" {
		addr = ":8080"
	}
	if strings.HasPrefix(addr, ":") {
		addr = "127.0.0.1" + addr
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/healthz", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("healthz answered %s", resp.Status)
	}
	return nil
}

func membersCmd(ctx context.Context, cfg app.Config, log *slog.Logger, args []string, stdout io.Writer) error {
	const usage = "usage: orgsso members add|invite --org SLUG --email EMAIL [--role admin|user]"
	if len(args) == 0 || (args[0] != "add" && args[0] != "invite") {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("members "+args[0], flag.ContinueOnError)
	slug := fs.String("org", "", "the org's slug")
	email := fs.String("email", "", "the person's email")
	role := fs.String("role", authz.RoleUser, "admin or user")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *slug == "" || *email == "" {
		return errors.New(usage)
	}
	if !authz.ValidOrgRole(*role) {
		return fmt.Errorf("--role: %q is not admin or user", *role)
	}
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	org, err := a.Store.OrganizationBySlug(ctx, *slug)
	if err != nil {
		return fmt.Errorf("--org %s: %w", *slug, err)
	}
	if args[0] == "invite" {
		// The scripted path: the same invite an admin makes on the members
		// page, whether or not the email has an account.
		link, err := a.InviteMember(ctx, org, *email, *role)
		if err != nil {
			return fmt.Errorf("invite %s to %s: %w", *email, org.Slug, err)
		}
		fmt.Fprintf(stdout, "%s invited to %s as %s. Send them this link (single use, 7 days):\n%s\n", strings.ToLower(strings.TrimSpace(*email)), org.Slug, *role, link)
		return nil
	}
	return addMember(ctx, a, org, *email, *role, stdout)
}

// connectionsCmd exports or applies an org's connections as code.
func connectionsCmd(ctx context.Context, cfg app.Config, log *slog.Logger, args []string, stdin io.Reader, stdout io.Writer) error {
	const usage = "usage: orgsso connections export --org SLUG [--connection NAME --version N] | orgsso connections apply --org SLUG -f FILE|- [--dry-run]\n" +
		"(a document lists connections of type oidc or saml; see README.md, Config as code)"
	if len(args) == 0 || (args[0] != "export" && args[0] != "apply") {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("connections "+args[0], flag.ContinueOnError)
	slug := fs.String("org", "", "the org's slug")
	file := fs.String("f", "", "the document to apply (- for standard input)")
	dryRun := fs.Bool("dry-run", false, "show what would change and change nothing")
	connName := fs.String("connection", "", "export: the connection (display name or id) whose --version to print")
	version := fs.Int64("version", 0, "export: print this saved version of --connection")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *slug == "" || (args[0] == "apply" && *file == "") || ((*connName == "") != (*version == 0)) {
		return errors.New(usage)
	}
	var doc []byte
	if args[0] == "apply" {
		var err error
		if doc, err = readDocument(*file, stdin); err != nil {
			return err
		}
	}
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	org, err := a.Store.OrganizationBySlug(ctx, *slug)
	if err != nil {
		return fmt.Errorf("--org %s: %w", *slug, err)
	}
	if args[0] == "export" && *version != 0 {
		out, err := a.ExportVersion(ctx, org, *connName, *version)
		if err != nil {
			return err
		}
		_, err = stdout.Write(out)
		return err
	}
	if args[0] == "export" {
		out, err := ascode.Export(ctx, a.Store, org, a.Signin)
		if err != nil {
			return err
		}
		_, err = stdout.Write(out)
		return err
	}
	results, err := a.ApplyConnections(ctx, org, doc, *dryRun)
	if err != nil {
		return fmt.Errorf("nothing applied:\n%w", err)
	}
	text, failed := app.FormatResults(results, *dryRun)
	fmt.Fprint(stdout, text)
	if failed > 0 {
		return fmt.Errorf("%d of %d connections failed; the others were applied as shown", failed, len(results))
	}
	return nil
}

// readDocument reads a document from a file, or standard input for "-".
func readDocument(name string, stdin io.Reader) ([]byte, error) {
	var r io.Reader = stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	doc, err := io.ReadAll(io.LimitReader(r, ascode.MaxDocument+1))
	if err != nil {
		return nil, fmt.Errorf("-f %s: %w", name, err)
	}
	return doc, nil
}

// addMember runs the operator's trusted add: an existing account joins the
// org at once; an email without one gets an invite whose link is printed.
func addMember(ctx context.Context, a *app.App, org models.Organization, email, role string, stdout io.Writer) error {
	link, err := a.AddMember(ctx, org, email, role)
	if err != nil {
		return fmt.Errorf("add %s to %s: %w", email, org.Slug, err)
	}
	if link != "" {
		fmt.Fprintf(stdout, "%s has no account yet: invited to %s as %s. Send them this link (single use, 7 days):\n%s\n", email, org.Slug, role, link)
		return nil
	}
	fmt.Fprintf(stdout, "%s added to %s as %s\n", email, org.Slug, role)
	return nil
}

// secretsCmd is "secrets rotate": every sealed value in the database is
// sealed again under the newest key of ORGSSO_SECRET_KEY, in one
// transaction, and the counts are printed. Afterwards the older keys can
// be dropped from the list.
func secretsCmd(ctx context.Context, cfg app.Config, log *slog.Logger, args []string, stdout io.Writer) error {
	if len(args) != 1 || args[0] != "rotate" {
		return errors.New("usage: orgsso secrets rotate   (ORGSSO_SECRET_KEY=NEWKEY,OLDKEY: seals everything again under NEWKEY)")
	}
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	counts, err := a.RotateSecrets(ctx)
	if err != nil {
		return err
	}
	ids := a.Sealer.KeyIDs()
	fmt.Fprintf(stdout, "sealed values now under key %s (newest of %d configured):\n", ids[0], len(ids))
	for _, n := range counts {
		fmt.Fprintf(stdout, "  %-20s %d resealed, %d already under it", n.Kind+":", n.Resealed, n.Current)
		if n.Changed > 0 {
			fmt.Fprintf(stdout, ", %d changed meanwhile and left as written", n.Changed)
		}
		fmt.Fprintln(stdout)
	}
	if len(ids) > 1 {
		fmt.Fprintf(stdout, "Once every instance runs with the new key first, the older keys can be removed from %s.\n", "ORGSSO_SECRET_KEY")
	}
	return nil
}
