package e2e

// Several orgsso instances on one PostgreSQL database must behave as one.

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orgsso/orgsso/app/apptest"
	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/e2e/idp"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/models/testdb"
)

// onInstance sends a request meant for the shared base URL to one instance.
func onInstance(raw string, inst *apptest.Server) string {
	u, _ := url.Parse(raw)
	target, _ := url.Parse(inst.URL)
	u.Scheme, u.Host = target.Scheme, target.Host
	return u.String()
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// httpBrowser is a cookie-keeping client that does not follow redirects.
// Its jar is keyed by the shared base URL, so cookies set by one instance
// go to the other, as behind a load balancer.
type httpBrowser struct {
	t    *testing.T
	base *url.URL
	jar  *cookiejar.Jar
	c    *http.Client
}

func newHTTPBrowser(t *testing.T, base string) *httpBrowser {
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(base)
	return &httpBrowser{t: t, base: u, jar: jar, c: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *httpBrowser) do(inst *apptest.Server, method, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, onInstance(b.base.String()+path, inst), body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	logical, _ := url.Parse(b.base.String() + path)
	for _, ck := range b.jar.Cookies(logical) {
		req.AddCookie(ck)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	b.jar.SetCookies(logical, resp.Cookies())
	data, _ := io.ReadAll(resp.Body)
	return resp, string(data)
}

func (b *httpBrowser) login(inst *apptest.Server, email, password string) {
	b.t.Helper()
	_, page := b.do(inst, "GET", "/login", nil)
	m := csrfInput.FindStringSubmatch(page)
	if m == nil {
		b.t.Fatal("no CSRF token on the login page")
	}
	resp, _ := b.do(inst, "POST", "/login", url.Values{"_csrf": {m[1]}, "email": {email}, "password": {password}})
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("login as %s: %s", email, resp.Status)
	}
}

func TestTwoInstancesOnOnePostgresBehaveAsOne(t *testing.T) {
	dbURL := testdb.NewPostgres(t) // skips when no PostgreSQL server is reachable
	ctx := context.Background()
	ln1, ln2 := apptest.Listen(t), apptest.Listen(t)
	// Both instances build URLs on one base (instance 1's address, as a load
	// balancer's would be) and share the database and the secret key.
	shared := map[string]string{"ORGSSO_BASE_URL": "http://" + ln1.Addr().String(), "ORGSSO_DATABASE_URL": dbURL,
		"ORGSSO_SECRET_KEY": base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))}
	one, two := apptest.Start(t, ln1, shared, nil), apptest.Start(t, ln2, shared, nil)
	base := shared["ORGSSO_BASE_URL"]

	// An org with a tested, enabled OIDC connection (set up through instance 1).
	ip := idp.NewOIDC(t)
	ip.AddClient(idp.Client{ID: "orgsso", Secret: "s3cret", RedirectURIs: []string{base + "/o/acme/oidc/callback"}})
	ip.AddUser(idp.User{Subject: "bob", Email: "bob@acme.test", EmailVerified: true, Groups: []string{"DATA_SCIENCE"}})
	org, err := one.Store.CreateOrganization(ctx, "acme", "Acme")
	if err != nil {
		t.Fatal(err)
	}
	admin, err := one.CreateAdmin(ctx, "admin@acme.test", "admin-password-1", false)
	if err != nil {
		t.Fatal(err)
	}
	if err := one.Store.PutMember(ctx, org.ID, admin.ID, []string{authz.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	conn := apptest.AddConnection(t, one.App, org, ip, "IdP", models.Provisioning{JIT: true, SyncRoles: true, GroupMappings: "DATA_SCIENCE->user"})

	// The admin's test starts on instance 1 and finishes on instance 2.
	adminBrowser := newHTTPBrowser(t, base)
	adminBrowser.login(one, "admin@acme.test", "admin-password-1")
	resp, _ := adminBrowser.do(one, "GET", "/o/acme/sso/"+conn.PublicID+"/start?test=1", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("test start on instance 1: %s", resp.Status)
	}
	ip.SetUser("bob")
	cb, err := ip.Authorize(ctx, resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	resp, _ = adminBrowser.do(two, "GET", strings.TrimPrefix(cb.String(), base), nil)
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "/tests/") {
		t.Fatalf("test callback on instance 2: %s to %q", resp.Status, resp.Header.Get("Location"))
	}
	if _, err := one.Store.PassedTestRun(ctx, org.ID, conn); err != nil {
		t.Fatalf("no passed test recorded: %v", err)
	}
	if err := one.Store.SetSSO(ctx, org.ID, true, false); err != nil {
		t.Fatal(err)
	}

	// A member's login begins on instance 1 and finishes on instance 2; the
	// same callback replayed on instance 1 is refused (single use across instances).
	member := newHTTPBrowser(t, base)
	resp, _ = member.do(one, "GET", "/o/acme/sso/"+conn.PublicID+"/start", nil)
	cb, err = ip.Authorize(ctx, resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	callback := strings.TrimPrefix(cb.String(), base)
	resp, _ = member.do(two, "GET", callback, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/o/acme" {
		t.Fatalf("member callback on instance 2: %s to %q", resp.Status, resp.Header.Get("Location"))
	}
	replay := newHTTPBrowser(t, base)
	cbURL, _ := url.Parse(base + callback)
	replay.jar.SetCookies(cbURL, member.jar.Cookies(cbURL))
	if resp, _ := replay.do(one, "GET", callback, nil); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("replayed callback on instance 1: %s, want 400", resp.Status)
	}

	// A rate limit counts attempts on every instance together.
	for i := 1; i <= 4; i++ {
		inst := one
		if i%2 == 0 {
			inst = two
		}
		ok, err := inst.Store.Hit(ctx, "login:email:eve@acme.test", time.Minute, 3)
		if err != nil {
			t.Fatal(err)
		}
		if want := i <= 3; ok != want {
			t.Fatalf("attempt %d (instance %d): allowed=%v, want %v", i, 2-i%2, ok, want)
		}
	}

	// The member is a "user": no members page on instance 2 ...
	if resp, _ := member.do(two, "GET", "/o/acme/members", nil); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("member on members page: %s, want 403", resp.Status)
	}
	// ... until the admin makes them an admin on instance 1.
	bob, err := one.Store.UserByEmail(ctx, "bob@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	// Bob's role was granted on instance 2; instance 1 sees it within a second.
	var page string
	for deadline := time.Now().Add(time.Second); ; time.Sleep(50 * time.Millisecond) {
		_, page = adminBrowser.do(one, "GET", "/o/acme/members", nil)
		if strings.Contains(page, "bob@acme.test") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("instance 1 does not list the member created on instance 2 after a second")
		}
	}
	m := csrfInput.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no CSRF token on the members page")
	}
	resp, _ = adminBrowser.do(one, "POST", "/o/acme/members/"+itoa(bob.ID)+"/role", url.Values{"_csrf": {m[1]}, "role": {"admin"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("role change on instance 1: %s", resp.Status)
	}
	deadline := time.Now().Add(time.Second)
	for {
		resp, _ := member.do(two, "GET", "/o/acme/members", nil)
		if resp.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance 2 still answers %s a second after the role change on instance 1", resp.Status)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
