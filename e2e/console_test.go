package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/models"
)

// consoleOrg is an org "acme" whose admin is the platform admin, with
// connections made in the store: named ones listed in tested have a passed
// test at their current settings.
type consoleOrg struct {
	a     *testApp
	org   models.Organization
	conns map[string]models.Connection
}

func newConsoleOrg(t *testing.T, names []string, tested ...string) *consoleOrg {
	t.Helper()
	a := startApp(t)
	ctx := context.Background()
	org, err := a.Store.CreateOrganization(ctx, "acme", "Acme Corp")
	if err != nil {
		t.Fatal(err)
	}
	root, err := a.Store.UserByEmail(ctx, a.AdminEmail)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Store.PutMember(ctx, org.ID, root.ID, []string{authz.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	co := &consoleOrg{a: a, org: org, conns: map[string]models.Connection{}}
	for _, name := range names {
		conn, err := a.Store.CreateConnection(ctx, org.ID, models.Connection{Protocol: models.ProtocolOIDC, Preset: strings.ToLower(name),
			DisplayName: name, Active: true, Config: `{"issuer":"https://idp.example/` + name + `"}`, Provisioning: "{}"})
		if err != nil {
			t.Fatal(err)
		}
		co.conns[name] = conn
	}
	for _, name := range tested {
		conn := co.conns[name]
		if _, err := a.Store.RecordTestRun(ctx, org.ID, models.TestRun{ConnectionID: conn.ID, ConfigVersion: conn.Version,
			ConfigHash: conn.ConfigHash, StartedByEmail: a.AdminEmail, Status: models.TestPassed, Claims: "{}", Mapped: "{}",
			FinishedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	return co
}

func (co *consoleOrg) reload(t *testing.T) models.Organization {
	t.Helper()
	o, err := co.a.Store.OrganizationBySlug(context.Background(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// eval runs js in the page and returns its value.
func eval[T any](b *browser, js string) T {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// waitFor polls js until it is true.
func (b *browser) waitFor(what, js string) {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for time.Now().Before(deadline) {
		if eval[bool](b, js) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("timed out waiting for %s (%s)", what, js)
}

func (b *browser) click(sel string) {
	b.t.Helper()
	b.do("click "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

func rowSel(conn models.Connection) string {
	return fmt.Sprintf(`[data-testid=connection-row][data-connection-id=%q]`, conn.PublicID)
}

// TestDeleteAsksInADialog: Delete is a modest button that opens a modal
// dialog over the table; for the last tested connection the dialog wants
// the name typed, and deleting turns SSO off.
func TestDeleteAsksInADialog(t *testing.T) {
	co := newConsoleOrg(t, []string{"Okta", "Entra"}, "Okta")
	if err := co.a.Store.EnableSSO(context.Background(), co.org.ID); err != nil {
		t.Fatal(err)
	}
	okta := co.conns["Okta"]
	b := newBrowser(t, co.a.URL)
	b.login(co.a.AdminEmail, co.a.AdminPassword)
	b.open("/o/acme/settings/sso")

	row := rowSel(okta)
	height := eval[float64](b, `document.querySelector('`+row+`').getBoundingClientRect().height`)
	width := eval[float64](b, `document.querySelector('`+row+` [data-testid=delete-connection]').getBoundingClientRect().width`)
	if height > 140 || width > 120 {
		t.Errorf("row %.0f px high, Delete %.0f px wide: the row stretches", height, width)
	}
	if bg := eval[string](b, `getComputedStyle(document.querySelector('`+row+` [data-testid=delete-connection]')).backgroundColor`); bg != "rgba(0, 0, 0, 0)" {
		t.Errorf("Delete is filled (%s), want an outline button", bg)
	}

	dialog := row + " [data-testid=delete-dialog]"
	b.click(row + " [data-testid=delete-connection]")
	b.waitFor("the dialog", `document.querySelector('`+dialog+`').matches(':modal')`)
	if got := b.path(); got != "/o/acme/settings/sso" {
		t.Fatalf("Delete navigated to %s instead of opening the dialog", got)
	}
	if !eval[bool](b, `document.activeElement === document.querySelector('`+dialog+` input[name=confirm]')`) {
		t.Error("the name field has no focus")
	}
	submit := dialog + " [data-testid=delete-submit]"
	if !eval[bool](b, `document.querySelector('`+submit+`').disabled`) {
		t.Error("Delete is enabled before the name is typed")
	}
	b.do("type a wrong name", chromedp.SendKeys(chromedp.CSS(dialog+" input[name=confirm]"), "Okt"))
	if !eval[bool](b, `document.querySelector('`+submit+`').disabled`) {
		t.Error("Delete is enabled with a wrong name")
	}
	b.click(dialog + " [data-testid=delete-cancel]")
	b.waitFor("the dialog to close", `!document.querySelector('`+dialog+`').open`)
	if !eval[bool](b, `document.activeElement === document.querySelector('`+row+` [data-testid=delete-connection]')`) {
		t.Error("focus did not return to Delete")
	}

	b.click(row + " [data-testid=delete-connection]")
	b.waitFor("the dialog", `document.querySelector('`+dialog+`').open`)
	b.do("type the name", chromedp.SendKeys(chromedp.CSS(dialog+" input[name=confirm]"), "a"))
	if eval[bool](b, `document.querySelector('`+submit+`').disabled`) {
		t.Fatal("Delete stays disabled with the name typed")
	}
	b.submit(submit)
	if flash := b.text("[data-testid=flash]"); !strings.Contains(flash, "Okta deleted") || !strings.Contains(flash, "SSO is off") {
		t.Errorf("flash after delete = %q", flash)
	}
	if co.reload(t).SSOEnabled {
		t.Error("SSO is still on")
	}
	if n := b.count(row); n != 0 {
		t.Error("the row is still listed")
	}

	// Another connection's dialog asks only yes or no.
	entra := rowSel(co.conns["Entra"])
	b.click(entra + " [data-testid=delete-connection]")
	b.waitFor("Entra's dialog", `document.querySelector('`+entra+` [data-testid=delete-dialog]').open`)
	if n := b.count(entra + " [data-testid=delete-dialog] input[name=confirm]"); n != 0 {
		t.Error("Entra's dialog asks for the name")
	}
	b.submit(entra + " [data-testid=delete-submit]")
	if n := b.count(entra); n != 0 {
		t.Error("Entra is still listed")
	}
	b.assertCleanConsole()
}
