package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/orgsso/orgsso/app/ascode"
	"github.com/orgsso/orgsso/app/web"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/models/names"
)

// operator is the actor of changes made on the command line.
const operator = "operator"

// ApplyConnections applies a config-as-code document to an org's
// connections as the operator, reading secrets from this process's
// environment and files.
func (a *App) ApplyConnections(ctx context.Context, org models.Organization, doc []byte, dryRun bool) ([]ascode.Result, error) {
	items, err := ascode.Parse(doc)
	if err != nil {
		return nil, err
	}
	return ascode.Apply(ctx, a.Store, a.Sealer, org, items, ascode.Options{
		DryRun:   dryRun,
		Env:      os.LookupEnv,
		ReadFile: os.ReadFile,
		CheckIdP: a.Signin.Check,
		Forget:   a.Signin.Forget,
		Server:   a.Signin,
		Actor:    ascode.Actor{Email: operator, Via: "config as code (command line)"},
		Log:      a.Log,
	})
}

// ExportVersion prints one saved version of the org's connection named
// (by display name or public id) as a one-item document.
func (a *App) ExportVersion(ctx context.Context, org models.Organization, connection string, version int64) ([]byte, error) {
	conns, err := a.Store.Connections(ctx, org.ID)
	if err != nil {
		return nil, err
	}
	for _, c := range conns {
		if c.PublicID == connection || names.Equal(c.DisplayName, connection) {
			v, err := a.Store.ConnectionVersionAt(ctx, org.ID, c.ID, version)
			if errors.Is(err, models.ErrNotFound) {
				return nil, fmt.Errorf("--version: %s has no version %d (it is at version %d)", c.DisplayName, version, c.Version)
			}
			if err != nil {
				return nil, err
			}
			return ascode.ExportVersion(c, v)
		}
	}
	return nil, fmt.Errorf("--connection: %s has no connection %q", org.Slug, connection)
}

// InviteMember invites an email to an org with a role, as the operator,
// through the members page's own invite path; it returns the link to send.
func (a *App) InviteMember(ctx context.Context, org models.Organization, email, role string) (string, error) {
	link, errs, err := web.NewInvite(ctx, a.Store, a.Config.BaseURL, org, email, role, web.Inviter{Email: operator})
	if err != nil {
		return "", err
	}
	if len(errs) > 0 {
		keys := make([]string, 0, len(errs))
		for k := range errs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		msgs := make([]string, len(keys))
		for i, k := range keys {
			msgs[i] = "--" + k + ": " + errs[k]
		}
		return "", errors.New(strings.Join(msgs, "; "))
	}
	return link, nil
}

// FormatResults writes apply results as lines for a person: one per item,
// then its changes indented.
func FormatResults(results []ascode.Result, dryRun bool) (string, int) {
	var b strings.Builder
	failed := 0
	for _, r := range results {
		outcome := r.Outcome
		if dryRun && outcome != ascode.Unchanged && outcome != ascode.Failed {
			outcome = "would be " + outcome
		}
		id := ""
		if r.ID != "" {
			id = " " + r.ID
		}
		ver := ""
		if r.Version > 0 {
			ver = fmt.Sprintf(" version %d", r.Version)
		}
		fmt.Fprintf(&b, "%s: %s%s%s\n", r.Name, outcome, id, ver)
		if r.Outcome == ascode.Failed {
			failed++
			field := ""
			if r.Field != "" {
				field = r.Field + ": "
			}
			fmt.Fprintf(&b, "  %s%s\n", field, r.Error)
			continue
		}
		for _, ch := range r.Changes {
			fmt.Fprintf(&b, "  %s\n", ch)
		}
		if r.Outcome != ascode.Unchanged && !dryRun && !onlyActive(r.Changes) {
			fmt.Fprintf(&b, "  run a test of %s before members can sign in with this version\n", r.Name)
		}
	}
	return b.String(), failed
}

func onlyActive(chs []ascode.Change) bool {
	for _, ch := range chs {
		if ch.Field != "active" {
			return false
		}
	}
	return true
}
