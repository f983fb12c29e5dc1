package e2e

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/orgsso/orgsso/app"
	"github.com/orgsso/orgsso/app/apptest"
)

// chromiumPath is where scripts/ensure-chromium.sh installs Debian's Chromium.
const chromiumPath = "/usr/bin/chromium"

// testTimeout bounds one browser test, and stepTimeout one step of it (so a
// missing element fails in seconds, not at the test's end); both generous
// because CI runs the tests under -race on two cores.
const (
	testTimeout = 60 * time.Second
	stepTimeout = 15 * time.Second
)

var screenshotsFlag = flag.String("screenshots", "", "write PNGs of key pages into this directory (or set ORGSSO_SCREENSHOTS)")

// screenshotDir is where named page screenshots go; empty means none are taken.
func screenshotDir() string {
	if *screenshotsFlag != "" {
		return *screenshotsFlag
	}
	return os.Getenv("ORGSSO_SCREENSHOTS")
}

// testApp is a real orgsso served in-process on a loopback port, with a fresh
// SQLite database and one platform admin.
type testApp struct {
	*app.App
	URL           string // base URL, no trailing slash
	AdminEmail    string
	AdminPassword string
}

// startApp opens the app over a temp data dir, creates a platform admin and
// serves the app's handler until the test ends.
func startApp(t *testing.T) *testApp {
	t.Helper()
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo}))
	srv := apptest.Start(t, apptest.Listen(t), nil, log)
	ta := &testApp{App: srv.App, URL: srv.URL, AdminEmail: "root@orgsso.test", AdminPassword: "platform-admin-pw-1"}
	if _, err := srv.CreateAdmin(context.Background(), ta.AdminEmail, ta.AdminPassword, false); err != nil {
		t.Fatalf("create admin: %v", err)
	}
	return ta
}

// browser is one headless Chromium tab driven through chromedp. Its methods
// fail the test on any error, so a test reads as a list of steps.
type browser struct {
	t    *testing.T
	ctx  context.Context // the tab, bounded by testTimeout
	tab  context.Context // the tab without the timeout, for the failure screenshot
	base string

	mu      sync.Mutex
	console []string // console calls, exceptions and browser log entries, in order
}

// newBrowser starts Chromium with a fresh profile. Without Chromium the test
// is skipped, except in CI where a missing browser is a failure.
func newBrowser(t *testing.T, baseURL string, extra ...chromedp.ExecAllocatorOption) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("Chromium not found at %s (run scripts/ensure-chromium.sh): %v", chromiumPath, err)
		}
		t.Skipf("Chromium not found at %s; run `make chromium` to install it", chromiumPath)
	}
	b := &browser{t: t, base: baseURL}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.WindowSize(1280, 900),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(opts, extra...)...)
	tab, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithListener(b.record))
	// Cleanups run last-in first-out: the screenshot is taken while the
	// browser still runs, then the tab and the browser close.
	t.Cleanup(cancelAlloc)
	t.Cleanup(cancelTab)
	// The first action starts the browser and ties its life to tab, which
	// has no deadline; the test's deadline is on ctx only.
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	ctx, cancel := context.WithTimeout(tab, testTimeout)
	t.Cleanup(cancel)
	b.tab, b.ctx = tab, ctx
	t.Cleanup(b.screenshotOnFailure)
	return b
}

// record keeps what the page writes to the console. It runs in the tab's
// event loop, so it only appends.
func (b *browser) record(ev any) {
	var line string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		parts := make([]string, 0, len(ev.Args))
		for _, a := range ev.Args {
			if a.Value != nil {
				parts = append(parts, string(a.Value))
			} else {
				parts = append(parts, a.Description)
			}
		}
		line = "console." + string(ev.Type) + ": " + strings.Join(parts, " ")
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		line = "exception: " + d.Text
		if d.Exception != nil {
			line += " " + d.Exception.Description
		}
	case *cdplog.EventEntryAdded:
		e := ev.Entry
		line = fmt.Sprintf("log.%s (%s): %s %s", e.Level, e.Source, e.Text, e.URL)
	default:
		return
	}
	b.mu.Lock()
	b.console = append(b.console, line)
	b.mu.Unlock()
}

// consoleLines returns what the pages wrote to the console so far.
func (b *browser) consoleLines() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.console...)
}

// assertCleanConsole fails the test when any page broke the Content Security
// Policy or threw an uncaught exception, and logs every other console line
// for the record (a 403 page, for one, logs its status as an error).
func (b *browser) assertCleanConsole() {
	b.t.Helper()
	for _, line := range b.consoleLines() {
		switch {
		case strings.Contains(line, "Content Security Policy"):
			b.t.Errorf("CSP violation: %s", line)
		case strings.HasPrefix(line, "exception:"):
			b.t.Errorf("uncaught exception: %s", line)
		default:
			b.t.Logf("browser console: %s", line)
		}
	}
}

// step returns the context for one step: the test's, cut to stepTimeout.
func (b *browser) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(b.ctx, stepTimeout)
}

// do runs steps that return nothing.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// open navigates to path (relative to the app) and returns the document's
// response, whatever its status.
func (b *browser) open(path string) *network.Response {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(b.base+path))
	if err != nil {
		b.t.Fatalf("open %s: %v", path, err)
	}
	return resp
}

// fill replaces the value of the input that sel names.
func (b *browser) fill(sel, value string) {
	b.t.Helper()
	b.do("fill "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Clear(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), value))
}

// choose selects the option with value in the select that sel names.
func (b *browser) choose(sel, value string) {
	b.t.Helper()
	b.do("choose "+value+" in "+sel, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.SetValue(chromedp.CSS(sel), value))
}

// submit clicks the button that sel names, waits for the page it leads to
// (after redirects) and returns that page's response.
func (b *browser) submit(sel string) *network.Response {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		b.t.Fatalf("submit %s: %v", sel, err)
	}
	return resp
}

// text returns the visible text of the first element sel matches, waiting for
// it to be visible.
func (b *browser) text(sel string) string {
	b.t.Helper()
	b.do("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
	ctx, cancel := b.step()
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// count returns how many elements sel matches now, without waiting.
func (b *browser) count(sel string) int {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
	if err != nil {
		b.t.Fatalf("count %s: %v", sel, err)
	}
	return n
}

// path returns the path of the current page.
func (b *browser) path() string {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("location: %v", err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		b.t.Fatalf("location %q: %v", loc, err)
	}
	return u.Path
}

// login logs in through the password form and returns the response of the
// page it lands on.
func (b *browser) login(email, password string) *network.Response {
	b.t.Helper()
	b.open("/login")
	b.fill("#email", email)
	b.fill("#password", password)
	return b.submit("[data-testid=login-submit]")
}

// shot writes a PNG of the whole current page as name.png into the
// screenshot directory, when one is set (make screenshots).
func (b *browser) shot(name string) {
	b.t.Helper()
	dir := screenshotDir()
	if dir == "" {
		return
	}
	ctx, cancel := b.step()
	defer cancel()
	b.writeScreenshot(ctx, dir, name+".png")
}

// shotView writes a PNG of what the window shows, as name.png, when a
// screenshot directory is set: for a modal dialog, which covers the window
// only.
func (b *browser) shotView(name string) {
	b.t.Helper()
	dir := screenshotDir()
	if dir == "" {
		return
	}
	ctx, cancel := b.step()
	defer cancel()
	b.saveScreenshot(ctx, chromedp.CaptureScreenshot(), dir, name+".png")
}

func (b *browser) writeScreenshot(ctx context.Context, dir, file string) {
	b.t.Helper()
	b.saveScreenshot(ctx, chromedp.FullScreenshot(100), dir, file)
}

func (b *browser) saveScreenshot(ctx context.Context, shot chromedp.Action[[]byte], dir, file string) {
	b.t.Helper()
	png, err := chromedp.Run(ctx, shot)
	if err != nil {
		b.t.Errorf("screenshot %s: %v", file, err)
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Errorf("screenshot dir: %v", err)
		return
	}
	p, err := filepath.Abs(filepath.Join(dir, file))
	if err != nil {
		b.t.Errorf("screenshot %s: %v", file, err)
		return
	}
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Errorf("screenshot %s: %v", file, err)
		return
	}
	b.t.Logf("screenshot: %s", p)
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// screenshotOnFailure saves the page a failed test ended on. It goes into the
// screenshot directory when one is set, else into a directory that outlives
// the test (t.TempDir is removed when the test ends, failed or not).
func (b *browser) screenshotOnFailure() {
	if !b.t.Failed() {
		return
	}
	ctx, cancel := context.WithTimeout(b.tab, 10*time.Second)
	defer cancel()
	if loc, err := chromedp.Run(ctx, chromedp.Location()); err == nil {
		b.t.Logf("failed on page %s", loc)
	}
	dir := screenshotDir()
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "orgsso-e2e-"); err != nil {
			b.t.Logf("no failure screenshot: %v", err)
			return
		}
	}
	b.writeScreenshot(ctx, dir, "FAIL-"+unsafeFileChars.ReplaceAllString(b.t.Name(), "_")+".png")
}

// setChecked ticks or clears the checkbox that sel names.
func (b *browser) setChecked(sel string, on bool) {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	js := fmt.Sprintf("(() => { const el = document.querySelector(%q); if (!el) return false; el.checked = %t; return true })()", sel, on)
	found, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
	if err != nil || !found {
		b.t.Fatalf("set %s checked=%t: found=%v %v", sel, on, found, err)
	}
}

// attr returns an attribute of the first element sel matches.
func (b *browser) attr(sel, name string) string {
	b.t.Helper()
	ctx, cancel := b.step()
	defer cancel()
	js := fmt.Sprintf("(() => { const el = document.querySelector(%q); return el ? (el.getAttribute(%q) || '') : '' })()", sel, name)
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.t.Fatalf("attribute %s of %s: %v", name, sel, err)
	}
	return v
}
