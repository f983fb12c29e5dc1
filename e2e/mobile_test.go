package e2e

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/models"
)

// overflowJS lists what sticks out of the viewport on the right, for the
// failure message.
const overflowJS = `(() => {
	const w = window.innerWidth, out = [];
	for (const el of document.querySelectorAll('body *')) {
		const r = el.getBoundingClientRect();
		if (r.width > 0 && r.right > w + 1) {
			let inScroller = false;
			for (let p = el.parentElement; p; p = p.parentElement) {
				const ox = getComputedStyle(p).overflowX;
				if ((ox === 'auto' || ox === 'scroll' || ox === 'hidden') && p.getBoundingClientRect().right <= w + 1) { inScroller = true; break; }
			}
			if (!inScroller) out.push(el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).replace(/ /g, '.') : '') +
				(el.dataset.testid ? '[' + el.dataset.testid + ']' : '') + ' right=' + Math.round(r.right));
		}
	}
	return out.slice(0, 8).join(', ');
})()`

// TestNoPageScrollsSidewaysOnAPhone opens every main page at 390 px wide
// (an iPhone's width) and fails when the document is wider than the
// viewport: the header collapses, connections become cards, long values
// scroll inside their own box.
func TestNoPageScrollsSidewaysOnAPhone(t *testing.T) {
	co := newConsoleOrg(t, []string{"Okta", "Entra"}, "Okta")
	ctx := context.Background()
	store := co.a.Store
	if err := store.EnableSSO(ctx, co.org.ID); err != nil {
		t.Fatal(err)
	}
	okta, entra := co.conns["Okta"], co.conns["Entra"]
	passed, err := store.LatestTestRuns(ctx, co.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("x", 120)
	passedRun, err := store.RecordTestRun(ctx, co.org.ID, models.TestRun{ConnectionID: okta.ID, ConfigVersion: okta.Version, ConfigHash: okta.ConfigHash,
		StartedByEmail: co.a.AdminEmail, Status: models.TestPassed, FinishedAt: time.Now(),
		Claims: `{"sub":"00u1abcdefghijklmnopqrstuvwxyz0123456789abcdefghij","email":"alice.with.a.long.address@acme-corporation.example","groups":["IT","DATA_SCIENCE"],"https://app.example/claims/groups":"` + long + `"}`,
		Mapped: `{"subject":"00u1abcdefghijklmnopqrstuvwxyz0123456789abcdefghij","email":"alice.with.a.long.address@acme-corporation.example","email_verified":true,"name":"Alice","groups":["IT"]}`})
	if err != nil {
		t.Fatal(err)
	}
	_ = passed
	failedRun, err := store.RecordTestRun(ctx, co.org.ID, models.TestRun{ConnectionID: entra.ID, ConfigVersion: entra.Version, ConfigHash: entra.ConfigHash,
		StartedByEmail: co.a.AdminEmail, Status: models.TestFailed, FinishedAt: time.Now(), Claims: "{}", Mapped: "{}",
		ErrorCode: "aud_mismatch", Reason: "The ID token was issued for client 'abc', but this connection's client ID is 'xyz'.",
		Detail: "oidc: expected audience \"xyz\" got [\"abc\"] " + long})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := store.CreateUser(ctx, models.User{Email: "bob.with.a.long.address@acme-corporation.example", Name: "Bob Example-Longname"})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.PutMember(ctx, co.org.ID, bob.ID, []string{authz.RoleUser}); err != nil {
		t.Fatal(err)
	}
	if err := store.Audit(ctx, models.AuditEvent{OrgID: &co.org.ID, ActorEmail: co.a.AdminEmail, Action: "connection.update",
		Target: "Okta", Details: "id=" + okta.PublicID + " changed: issuer, clientID, scopes, groupsClaim, claimMapping " + long}); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, co.a.URL)
	b.do("phone viewport", chromedp.EmulateViewport(390, 844))
	check := func(path string) {
		t.Helper()
		b.open(path)
		if got := b.path(); got != strings.SplitN(path, "?", 2)[0] {
			t.Fatalf("%s: landed on %s", path, got)
		}
		fits := eval[bool](b, "document.documentElement.scrollWidth <= window.innerWidth")
		if !fits {
			width := eval[int](b, "document.documentElement.scrollWidth")
			t.Errorf("%s scrolls sideways at 390 px: %d px wide; sticking out: %s", path, width, eval[string](b, overflowJS))
		}
	}
	check("/login")
	check("/o/acme/login")
	b.login(co.a.AdminEmail, co.a.AdminPassword)
	check("/")
	check("/o/acme/settings/sso")
	if n := eval[int](b, `[...document.querySelectorAll('[data-testid=connection-row]')].filter(r => getComputedStyle(r).display === 'table-row').length`); n != 0 {
		t.Errorf("%d connections are table rows at 390 px, want cards", n)
	}
	b.shot("mobile-sso-settings")
	// The header's links fold behind a menu button.
	if eval[bool](b, `document.querySelector('[data-testid=nav-members]').offsetParent !== null`) {
		t.Error("the header's links show at 390 px: the navigation does not collapse")
	}
	b.click("[data-testid=nav-toggle]")
	b.waitFor("the menu", `document.querySelector('[data-testid=nav-members]').offsetParent !== null`)
	if eval[string](b, `document.querySelector('[data-testid=nav-toggle]').getAttribute('aria-expanded')`) != "true" {
		t.Error("the menu button does not say it is expanded")
	}
	if !eval[bool](b, "document.documentElement.scrollWidth <= window.innerWidth") {
		t.Errorf("the open menu scrolls sideways: %s", eval[string](b, overflowJS))
	}
	check("/o/acme/members")
	check("/o/acme/audit")
	check("/account")
	check("/o/acme/settings/sso/connections/" + okta.PublicID + "/tests/" + strconv.FormatInt(passedRun.ID, 10))
	check("/o/acme/settings/sso/connections/" + entra.PublicID + "/tests/" + strconv.FormatInt(failedRun.ID, 10))
	check("/o/acme/settings/sso/connections/" + okta.PublicID + "/edit")
	b.assertCleanConsole()
}
