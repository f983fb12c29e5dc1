package e2e

import (
	"context"
	"fmt"
	"strconv"
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

// htmxIdle waits until htmx has no request, swap or settle in flight, so
// that content it swapped in has its triggers wired.
func (b *browser) htmxIdle() {
	b.t.Helper()
	b.waitFor("htmx to settle", `!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')`)
	time.Sleep(100 * time.Millisecond)
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

// TestRequireSSOSwitchConfirmsInPlace: the "Require SSO for members"
// switch acts in place like the other switches, after a modal
// confirmation that names who keeps a way in; the headline then says SSO
// is required.
func TestRequireSSOSwitchConfirmsInPlace(t *testing.T) {
	co := newConsoleOrg(t, []string{"Okta"}, "Okta")
	if err := co.a.Store.EnableSSO(context.Background(), co.org.ID); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, co.a.URL)
	b.login(co.a.AdminEmail, co.a.AdminPassword)
	b.open("/o/acme/settings/sso")
	if n := b.count("[data-testid=enforce-submit]"); n != 0 {
		t.Error("a Save button shows beside the switch")
	}
	b.do("mark the page", chromedp.Evaluate[chromedp.Void]("window.samePage = true"))

	b.click("[data-testid=enforce-switch]")
	b.waitFor("the confirmation", `!!document.querySelector('[data-testid=enforce-confirm]') && document.querySelector('[data-testid=enforce-confirm]').matches(':modal')`)
	if ways := b.text("[data-testid=enforce-ways]"); !strings.Contains(ways, "admin "+co.a.AdminEmail+", with a password") {
		t.Errorf("who keeps a way in = %q", ways)
	}
	if co.reload(t).SSOEnforced {
		t.Fatal("required before the confirmation")
	}
	b.shotView("require-sso-confirm")

	// Cancel leaves it off.
	b.click("[data-testid=enforce-cancel]")
	b.waitFor("the box without the confirmation", `!document.querySelector('[data-testid=enforce-confirm]')`)
	b.htmxIdle()
	if eval[bool](b, `document.querySelector('[data-testid=enforce-switch]').checked`) || co.reload(t).SSOEnforced {
		t.Fatal("cancel left SSO required")
	}

	b.click("[data-testid=enforce-switch]")
	b.waitFor("the confirmation", `!!document.querySelector('[data-testid=enforce-confirm]')`)
	b.click("[data-testid=enforce-confirm-submit]")
	b.waitFor("the headline", `document.querySelector('[data-testid=sso-state]').textContent.includes('required')`)
	b.htmxIdle()
	if !co.reload(t).SSOEnforced {
		t.Fatal("SSO is not required")
	}
	if !eval[bool](b, "window.samePage === true") {
		t.Error("the page reloaded: the switch did not act in place")
	}
	if !eval[bool](b, `document.querySelector('[data-testid=enforce-switch]').checked`) {
		t.Error("the switch is off")
	}

	// Off again, in place, without a confirmation.
	b.click("[data-testid=enforce-switch]")
	b.waitFor("the headline", `!document.querySelector('[data-testid=sso-state]').textContent.includes('required')`)
	if co.reload(t).SSOEnforced {
		t.Error("still required")
	}
	b.assertCleanConsole()
}

// TestRoleChangesOnSelect: choosing a role in the members table saves it
// at once, in place, with no Change button.
func TestRoleChangesOnSelect(t *testing.T) {
	co := newConsoleOrg(t, nil)
	ctx := context.Background()
	bob, err := co.a.Store.CreateUser(ctx, models.User{Email: "bob@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := co.a.Store.PutMember(ctx, co.org.ID, bob.ID, []string{authz.RoleUser}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, co.a.URL)
	b.login(co.a.AdminEmail, co.a.AdminPassword)
	b.open("/o/acme/members")
	row := `[data-testid="member-bob@acme.test"]`
	if n := b.count(row + " button"); n == 0 {
		t.Fatal("no row actions")
	}
	if eval[bool](b, `[...document.querySelectorAll('`+row+` button')].some(x => x.textContent.trim() === 'Change' && x.offsetParent !== null)`) {
		t.Error("a Change button shows")
	}
	b.do("mark the page", chromedp.Evaluate[chromedp.Void]("window.samePage = true"))
	b.do("choose admin", chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('`+row+` [data-testid=role-select]');
		s.value = 'admin'; s.dispatchEvent(new Event('change', {bubbles: true})) })()`))
	if msg := b.text(row + " [data-testid=row-message]"); !strings.Contains(msg, "bob@acme.test is now admin") {
		t.Errorf("row message = %q", msg)
	}
	if !eval[bool](b, "window.samePage === true") {
		t.Error("the page reloaded")
	}
	m, err := co.a.Store.Membership(ctx, co.org.ID, bob.ID)
	if err != nil || m.Roles != authz.RoleAdmin {
		t.Errorf("bob's roles = %q, %v; want admin", m.Roles, err)
	}
	b.assertCleanConsole()
}

// TestPolish: the org login buttons have no bullets and one width, setup
// steps show their numbers, breadcrumbs use one separator, connection
// names stay on one line, and the test result's headline is the verdict
// only.
func TestPolish(t *testing.T) {
	co := newConsoleOrg(t, []string{"Okta", "Entra Workforce Tenant"}, "Okta", "Entra Workforce Tenant")
	ctx := context.Background()
	if err := co.a.Store.EnableSSO(ctx, co.org.ID); err != nil {
		t.Fatal(err)
	}
	okta := co.conns["Okta"]
	run, err := co.a.Store.RecordTestRun(ctx, co.org.ID, models.TestRun{ConnectionID: okta.ID, ConfigVersion: okta.Version, ConfigHash: okta.ConfigHash,
		StartedByEmail: co.a.AdminEmail, Status: models.TestPassed, Claims: `{"sub":"00u-alice","email":"alice@acme.test"}`, Mapped: "{}", FinishedAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, co.a.URL)
	b.open("/o/acme/login")
	if n := b.count("[data-testid=sso-button]"); n != 2 {
		t.Fatalf("%d sign-in buttons, want 2", n)
	}
	if marker := eval[string](b, `getComputedStyle(document.querySelector('ul.sso-buttons li')).listStyleType`); marker != "none" {
		t.Errorf("sign-in buttons have list markers (%s)", marker)
	}
	if widths := eval[[]float64](b, `[...document.querySelectorAll('[data-testid=sso-button]')].map(a => Math.round(a.getBoundingClientRect().width))`); len(widths) != 2 || widths[0] != widths[1] {
		t.Errorf("sign-in button widths %v, want equal", widths)
	}

	b.login(co.a.AdminEmail, co.a.AdminPassword)
	b.open("/o/acme/settings/sso/connections/new?preset=okta")
	steps := eval[[]string](b, `[...document.querySelectorAll('[data-testid=setup-help] ol > li')].map(li => getComputedStyle(li).display + ' ' + getComputedStyle(li).listStyleType)`)
	if len(steps) == 0 {
		t.Fatal("no setup steps")
	}
	for _, s := range steps {
		if s != "list-item decimal" {
			t.Errorf("a setup step is %q, want a numbered list item", s)
		}
	}

	b.open("/o/acme/settings/sso/connections/" + okta.PublicID + "/tests/" + strconv.FormatInt(run.ID, 10))
	if head := b.text("[data-testid=test-result] h1"); head != "✓ Test passed" {
		t.Errorf("headline %q, want the verdict only", head)
	}
	if meta := b.text("[data-testid=test-meta]"); !strings.Contains(meta, "UTC") || !strings.Contains(meta, co.a.AdminEmail) {
		t.Errorf("line below the headline = %q", meta)
	}
	seps := eval[[]string](b, `[...document.querySelectorAll('nav[aria-label=breadcrumb] li:not(:last-child)')].map(li => getComputedStyle(li, '::after').content)`)
	if len(seps) < 2 {
		t.Fatalf("breadcrumb separators %q", seps)
	}
	for _, s := range seps {
		if s != `"›"` {
			t.Errorf("breadcrumb separator %s, want \"›\"", s)
		}
	}
	if crumbs := b.text("nav[aria-label=breadcrumb]"); strings.Contains(crumbs, ">") || strings.Count(crumbs, "›") != 0 {
		t.Errorf("breadcrumb text %q carries its own separators", crumbs)
	}

	b.open("/o/acme/settings/sso")
	lines := eval[[]int](b, `[...document.querySelectorAll('[data-testid=connection-name]')].map(n => { const r = document.createRange(); r.selectNodeContents(n); return r.getClientRects().length })`)
	for i, n := range lines {
		if n != 1 {
			t.Errorf("connection name %d wraps onto %d lines", i, n)
		}
	}
	b.assertCleanConsole()
}

// TestFailedSaveLeadsToEachError: after a failed save the error summary has
// the focus (so it is what the admin sees and what a screen reader reads),
// and each of its links takes the admin to its field, opening the folded
// Advanced section when the field is in it.
func TestFailedSaveLeadsToEachError(t *testing.T) {
	co := newConsoleOrg(t, nil)
	b := newBrowser(t, co.a.URL)
	b.login(co.a.AdminEmail, co.a.AdminPassword)
	b.open("/o/acme/settings/sso/connections/new?preset=custom")
	b.fill("#displayName", "Corp IdP")
	b.do("open Advanced", chromedp.Click(chromedp.CSS("[data-testid=advanced] > summary"), chromedp.NodeVisible))
	b.fill("#scopes", `openid "email`)
	b.submit("[data-testid=connection-form] button[type=submit]")
	b.waitFor("the error summary to have the focus", `document.activeElement && document.activeElement.matches('[data-error-summary]')`)
	// Fold Advanced again, as a long form may be: the link opens it.
	if eval[bool](b, `document.querySelector('[data-testid=advanced]').open = false`) {
		t.Fatal("could not fold Advanced")
	}
	b.click(`[data-error-summary] a[href="#scopes"]`)
	b.waitFor("the scopes field to have the focus", `document.activeElement && document.activeElement.id === 'scopes'`)
	if !eval[bool](b, `document.querySelector('[data-testid=advanced]').open`) {
		t.Error("the link did not open the Advanced section around its field")
	}
	b.click(`[data-error-summary] a[href="#clientID"]`)
	b.waitFor("the client ID field to have the focus", `document.activeElement && document.activeElement.id === 'clientID'`)
	b.assertCleanConsole()
}

// TestGroupMappingsAsRows: the group mappings are rows (IdP group, role,
// remove) that write the GROUP->ROLE text the form sends, and the text is
// still there to edit instead.
func TestGroupMappingsAsRows(t *testing.T) {
	co := newConsoleOrg(t, nil)
	b := newBrowser(t, co.a.URL)
	b.login(co.a.AdminEmail, co.a.AdminPassword)
	b.open("/o/acme/settings/sso/connections/new?preset=custom")
	b.do("open Advanced", chromedp.Click(chromedp.CSS("[data-testid=advanced] > summary"), chromedp.NodeVisible))
	if !eval[bool](b, `document.querySelector('#groupMappings').closest('label').hidden && !document.querySelector('[data-testid=mapping-rows]').hidden`) {
		t.Fatal("the mappings are not shown as rows")
	}
	b.addMapping("IT", "admin")
	b.addMapping("DATA_SCIENCE", "user")
	b.addMapping("HR", "user")
	b.click("[data-mapping-row]:nth-child(3) [data-mapping-remove]")
	if got := eval[string](b, `document.querySelector('#groupMappings').value`); got != "IT->admin;DATA_SCIENCE->user" {
		t.Fatalf("the rows wrote %q", got)
	}
	// The text is the other way in.
	b.click("[data-testid=mapping-as-text]")
	if eval[bool](b, `document.querySelector('#groupMappings').closest('label').hidden`) {
		t.Fatal("Edit as text did not show the text")
	}
	b.assertCleanConsole()
}

// addMapping adds a group mapping row (the Advanced section open) and fills it in.
func (b *browser) addMapping(group, role string) {
	b.t.Helper()
	b.click("[data-testid=mapping-add]")
	row := "[data-mapping-row]:last-child"
	b.do("type the group "+group, chromedp.SendKeys(chromedp.CSS(row+" [data-mapping-group]"), group))
	b.do("choose "+role, chromedp.SetValue(chromedp.CSS(row+" [data-mapping-role]"), role))
	if !eval[bool](b, `document.querySelector('`+row+` [data-mapping-role]').dispatchEvent(new Event('change', {bubbles: true}))`) {
		b.t.Fatal("the role change was not dispatched")
	}
}
