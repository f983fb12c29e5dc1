package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestManySSOConnectionsPageAndSearchOnAPhone: an org with more
// connections than a page shows gets page links and a search by name; on
// a phone neither scrolls sideways and the rows stay cards; a toggle on
// page 2 acts in place and leaves the browser on page 2.
func TestManySSOConnectionsPageAndSearchOnAPhone(t *testing.T) {
	names := make([]string, 60)
	for i := range names {
		names[i] = fmt.Sprintf("Conn %03d", i+1)
	}
	co := newConsoleOrg(t, names, "Conn 055")
	if err := co.a.Store.EnableSSO(context.Background(), co.org.ID); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, co.a.URL)
	b.do("phone viewport", chromedp.EmulateViewport(390, 844))
	b.login(co.a.AdminEmail, co.a.AdminPassword)
	fits := func(where string) {
		t.Helper()
		if !eval[bool](b, "document.documentElement.scrollWidth <= window.innerWidth") {
			t.Errorf("%s scrolls sideways at 390 px: %s", where, eval[string](b, overflowJS))
		}
		if n := eval[int](b, `[...document.querySelectorAll('[data-testid=connection-row]')].filter(r => getComputedStyle(r).display === 'table-row').length`); n != 0 {
			t.Errorf("%s: %d connections are table rows at 390 px, want cards", where, n)
		}
	}

	b.open("/o/acme/settings/sso")
	if got := b.text("[data-testid=connections-showing]"); got != "Showing 1–50 of 60 connections" {
		t.Errorf("page 1 says %q", got)
	}
	if n := b.count("[data-testid=connection-row]"); n != 50 {
		t.Errorf("page 1 lists %d connections, want 50", n)
	}
	// The only usable connection is on page 2; the box names it anyway.
	if got := b.text("[data-testid=ready-connections]"); !strings.Contains(got, "Conn 055") {
		t.Errorf("the SSO box names %q, want Conn 055", got)
	}
	b.do("see the search", chromedp.WaitVisible(chromedp.CSS("[data-testid=connections-search] input[name=q]")))
	fits("page 1")
	b.shot("mobile-sso-settings-many")

	b.submit("[data-testid=connections-next]")
	if got := eval[string](b, "location.search"); got != "?page=2" {
		t.Fatalf("Next led to %q, want ?page=2", got)
	}
	if n := b.count("[data-testid=connection-row]"); n != 10 {
		t.Errorf("page 2 lists %d connections, want 10", n)
	}
	fits("page 2")

	// In place: Conn 056 goes off, the page stays page 2.
	row := rowSel(co.conns["Conn 056"])
	b.click(row + " [data-testid=toggle-active]")
	b.waitFor("Conn 056 to be off", `document.querySelector('`+row+`').dataset.active === 'false'`)
	b.htmxIdle()
	if got := eval[string](b, "location.search"); got != "?page=2" {
		t.Errorf("after the toggle the page is %q, want ?page=2", got)
	}
	if got := b.attr(row+" [data-testid=toggle-form] input[name=page]", "value"); got != "2" {
		t.Errorf("the swapped row's form carries page %q, want 2", got)
	}
	// The last usable connection still asks before it goes.
	if got := b.attr(rowSel(co.conns["Conn 055"])+" [data-testid=toggle-active]", "data-confirm"); !strings.Contains(got, "last tested connection") {
		t.Errorf("Conn 055's switch confirms %q", got)
	}

	b.fill("[data-testid=connections-search] input[name=q]", "conn 05")
	b.submit("[data-testid=connections-search] button[type=submit]")
	if n := b.count("[data-testid=connection-row]"); n != 10 {
		t.Errorf("the search lists %d connections, want Conn 050 to Conn 059", n)
	}
	if got := b.attr("[data-testid=connections-search] input[name=q]", "value"); got != "conn 05" {
		t.Errorf("the search box holds %q after the search", got)
	}
	if n := b.count("[data-testid=connections-pages]"); n != 0 {
		t.Error("ten matches get page links")
	}
	fits("the search")
	b.assertCleanConsole()
}
