package web_test

// The shared harness of the handler tests: a real SQLite database in
// t.TempDir(), migrated; the real enforcer and store; the real handler from
// web.New on an httptest.Server; and browser-like clients with a cookie jar
// that do not follow redirects, so every test sees the status and Location
// the server sent.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"
	"golang.org/x/net/html"

	"github.com/orgsso/orgsso/app"
	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/app/password"
	"github.com/orgsso/orgsso/app/secrets"
	"github.com/orgsso/orgsso/app/signin"
	"github.com/orgsso/orgsso/app/web"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/models/testdb"
)

// testPassword is every test account's password. Its argon2id hash is
// computed once: hashing costs about a second under the race detector.
const testPassword = "correct horse battery staple"

var (
	hashOnce sync.Once
	testHash string
	hashErr  error
)

func passwordHash(t testing.TB) string {
	t.Helper()
	hashOnce.Do(func() { testHash, hashErr = password.Hash(context.Background(), testPassword) })
	if hashErr != nil {
		t.Fatalf("hash test password: %v", hashErr)
	}
	return testHash
}

// sessionCookie is the session cookie's name without SecureCookies.
const sessionCookie = "orgsso_session"

// env is one orgsso under test.
type env struct {
	t     *testing.T
	opts  web.Options
	db    *models.DB
	store *models.Store
	az    *authz.Enforcer
	echo  *echo.Echo
	srv   *httptest.Server
	logs  *syncBuffer

	// resolver answers the DNS TXT lookups of domain verification.
	resolver *fakeResolver
}

// newEnv starts an orgsso on a fresh database. Options default to generous
// limits so that only the tests about rate limits meet them; mutate
// changes them.
func newEnv(t *testing.T, mutate ...func(*web.Options)) *env {
	t.Helper()
	db := testdb.Open(t, testdb.New(t))
	store := models.NewStore(db)
	az, err := authz.New(store, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("authz: %v", err)
	}
	t.Cleanup(az.Close)
	store.OnAccessChange(az.Changed)
	opts := web.Options{
		BaseURL:     "http://127.0.0.1",
		SessionIdle: time.Hour,
		SessionMax:  24 * time.Hour,
		LoginLimit:  1000,
		LoginWindow: 15 * time.Minute,
		// Parallel tests share the few hashing slots, and a hash takes
		// about a second under the race detector.
		HashWait: 10 * time.Minute,
	}
	for _, m := range mutate {
		m(&opts)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	sealer, err := secrets.New(key)
	if err != nil {
		t.Fatalf("sealer: %v", err)
	}
	resolver := &fakeResolver{}
	h := web.New(opts, web.Deps{
		Store:  store,
		Authz:  az,
		Signin: signin.New(signin.Options{BaseURL: opts.BaseURL}, store, sealer, app.Protocols(), log),
		Sealer: sealer,
		Log:    log,

		Resolver: resolver,
	})
	e, ok := h.(*echo.Echo)
	if !ok {
		t.Fatalf("web.New returned %T, want *echo.Echo", h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close) // runs before the db closes: cleanups are LIFO
	return &env{t: t, opts: opts, db: db, store: store, az: az, echo: e, srv: srv, logs: logs, resolver: resolver}
}

// in returns the same env reporting to t: subtests use it so that a
// failing helper fails the subtest that called it.
func (e *env) in(t *testing.T) *env {
	cp := *e
	cp.t = t
	return &cp
}

// ---- fixtures

// user creates an active account with testPassword; edit changes it first.
func (e *env) user(email string, edit ...func(*models.User)) models.User {
	e.t.Helper()
	hash := passwordHash(e.t)
	u := models.User{Email: email, EmailVerified: true, PasswordHash: &hash}
	for _, f := range edit {
		f(&u)
	}
	u, err := e.store.CreateUser(context.Background(), u)
	if err != nil {
		e.t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

func disabled(u *models.User) { u.Disabled = true }

// grantPending makes u a member of o with roles, waiting for activation.
func (e *env) grantPending(u models.User, o models.Organization, roles ...string) {
	e.t.Helper()
	e.grant(u, o, roles...)
	if err := e.store.SetMemberStatus(context.Background(), o.ID, u.ID, models.StatusPending); err != nil {
		e.t.Fatalf("pending: %v", err)
	}
}

func (e *env) org(slug, name string) models.Organization {
	e.t.Helper()
	o, err := e.store.CreateOrganization(context.Background(), slug, name)
	if err != nil {
		e.t.Fatalf("create org %s: %v", slug, err)
	}
	return o
}

func (e *env) grant(u models.User, o models.Organization, roles ...string) {
	e.t.Helper()
	if err := e.store.PutMember(context.Background(), o.ID, u.ID, roles); err != nil {
		e.t.Fatalf("set roles: %v", err)
	}
}

func (e *env) platformAdmin(u models.User) {
	e.t.Helper()
	if err := e.store.SetPlatformAdmin(context.Background(), u.ID, true); err != nil {
		e.t.Fatalf("platform admin: %v", err)
	}
}

func (e *env) roles(u models.User, o models.Organization) []string {
	e.t.Helper()
	m, err := e.store.Membership(context.Background(), o.ID, u.ID)
	if errors.Is(err, models.ErrNotFound) {
		return nil
	}
	if err != nil {
		e.t.Fatalf("roles: %v", err)
	}
	return m.RoleList()
}

func (e *env) reloadUser(u models.User) models.User {
	e.t.Helper()
	got, err := e.store.UserByID(context.Background(), u.ID)
	if err != nil {
		e.t.Fatalf("load user %d: %v", u.ID, err)
	}
	return got
}

func (e *env) setSetting(key, value string) {
	e.t.Helper()
	if err := e.store.SetSetting(context.Background(), key, value); err != nil {
		e.t.Fatalf("set setting: %v", err)
	}
}

// auditActions lists the actions recorded, oldest first, for an org (or,
// with org nil, for the platform).
func (e *env) auditActions(org *models.Organization) []string {
	e.t.Helper()
	q := e.db.Write.Table("audit_events").Order("id")
	if org != nil {
		q = q.Where("org_id = ?", org.ID)
	} else {
		q = q.Where("org_id IS NULL")
	}
	var out []string
	if err := q.Pluck("action", &out).Error; err != nil {
		e.t.Fatalf("audit: %v", err)
	}
	return out
}

func (e *env) count(table string, where string, args ...any) int64 {
	e.t.Helper()
	var n int64
	q := e.db.Write.Table(table)
	if where != "" {
		q = q.Where(where, args...)
	}
	if err := q.Count(&n).Error; err != nil {
		e.t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// snapshot is every piece of state a request could change, to prove that a
// refused request changed nothing.
type snapshot struct {
	Orgs, Members, Users, Settings, Connections, Invites, Domains []string
	Sessions, Audit, TestRuns, IdentityLinks                      int64
}

func (e *env) snapshot() snapshot {
	e.t.Helper()
	var s snapshot
	lines := func(query string) []string {
		rows, err := e.db.Write.Raw(query).Rows()
		if err != nil {
			e.t.Fatalf("snapshot %q: %v", query, err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				e.t.Fatalf("snapshot scan: %v", err)
			}
			out = append(out, v)
		}
		if err := rows.Err(); err != nil {
			e.t.Fatalf("snapshot rows: %v", err)
		}
		sort.Strings(out)
		return out
	}
	s.Orgs = lines(`SELECT slug || '|' || name || '|' || sso_enabled || '|' || sso_enforced || '|' || version FROM organizations`)
	s.Members = lines(`SELECT org_id || '|' || user_id || '|' || roles || '|' || status FROM memberships`)
	s.Users = lines(`SELECT email || '|' || disabled || '|' || platform_admin || '|' || must_change_password || '|' || COALESCE(password_hash, '') FROM users`)
	s.Invites = lines(`SELECT org_id || '|' || email || '|' || role || '|' || (accepted_at IS NULL) || '|' || (revoked_at IS NULL) FROM invites`)
	s.Domains = lines(`SELECT org_id || '|' || domain || '|' || (verified_at IS NULL) FROM verified_domains`)
	s.Settings = lines(`SELECT key || '=' || value FROM settings`)
	s.Connections = lines(`SELECT org_id || '|' || public_id || '|' || display_name || '|' || active || '|' || version || '|' || config || '|' || provisioning || '|' || sealed_secret FROM connections`)
	s.TestRuns = e.count("test_runs", "")
	s.IdentityLinks = e.count("identity_links", "")
	s.Sessions = e.count("sessions", "")
	s.Audit = e.count("audit_events", "")
	return s
}

func (e *env) assertUnchanged(before snapshot) {
	e.t.Helper()
	after := e.snapshot()
	if fmt.Sprint(before) != fmt.Sprint(after) {
		e.t.Errorf("state changed:\nbefore %+v\nafter  %+v", before, after)
	}
}

// ---- clients

// client is a browser: a cookie jar and no automatic redirects.
type client struct {
	t   *testing.T
	env *env
	hc  *http.Client
}

func (e *env) client() *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &client{t: e.t, env: e, hc: &http.Client{
		Jar:           jar,
		Timeout:       30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// page is one response, read and parsed.
type page struct {
	status int
	header http.Header
	body   string
	doc    *goquery.Document
}

func (p *page) location() string { return p.header.Get("Location") }

// testid finds the elements with this data-testid.
func (p *page) testid(id string) *goquery.Selection {
	return p.doc.Find(`[data-testid="` + id + `"]`)
}

func (p *page) text(id string) string { return strings.TrimSpace(p.testid(id).Text()) }

func (p *page) has(id string) bool { return p.testid(id).Length() > 0 }

// inputValue is the value of the input named name.
func (p *page) inputValue(name string) string {
	v, _ := p.doc.Find(`input[name="` + name + `"]`).Attr("value")
	return v
}

func (c *client) do(method, path string, form url.Values, header http.Header) *page {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.env.srv.URL+path, body)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(b))
	if err != nil {
		c.t.Fatalf("%s %s: parse: %v", method, path, err)
	}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		if problem := badAttributes(b); problem != "" {
			c.t.Errorf("%s %s: malformed HTML: %s", method, path, problem)
		}
	}
	return &page{status: res.StatusCode, header: res.Header, body: string(b), doc: doc}
}

// badAttributes finds what a browser would silently drop or misread in a
// page: an attribute given twice on one element, or one whose name is a
// word of template code (a templ "if … else" inside a tag once rendered a
// literal "else" attribute on every input).
func badAttributes(page []byte) string {
	z := html.NewTokenizer(bytes.NewReader(page))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			seen := map[string]bool{}
			for _, a := range tok.Attr {
				if seen[a.Key] {
					return "<" + tok.Data + "> has " + a.Key + " twice"
				}
				seen[a.Key] = true
				switch a.Key {
				case "if", "else", "switch", "case", "{", "}":
					return "<" + tok.Data + "> has an attribute named " + a.Key
				}
			}
		}
	}
}

func (c *client) get(path string) *page { return c.do(http.MethodGet, path, nil, nil) }

// postRaw posts form as it is, with no CSRF token added.
func (c *client) postRaw(path string, form url.Values) *page {
	if form == nil {
		form = url.Values{}
	}
	return c.do(http.MethodPost, path, form, nil)
}

// csrfToken reads the token a page hands out: the login form's hidden
// _csrf field, or, once logged in, the page's csrf-token meta tag.
func (c *client) csrfToken() string {
	c.t.Helper()
	p := c.get("/login")
	if p.status == http.StatusOK {
		if v, ok := p.doc.Find(`form[data-testid="login-form"] input[name="_csrf"]`).Attr("value"); ok && v != "" {
			return v
		}
		c.t.Fatalf("login page has no _csrf field:\n%s", p.body)
	}
	p = c.get("/account/password")
	v, _ := p.doc.Find(`meta[name="csrf-token"]`).Attr("content")
	if p.status != http.StatusOK || v == "" {
		c.t.Fatalf("no CSRF token: GET /account/password = %d", p.status)
	}
	return v
}

// post submits form with the CSRF token a page handed out, as a browser
// submitting that page's form would.
func (c *client) post(path string, form url.Values) *page {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("_csrf", c.csrfToken())
	return c.do(http.MethodPost, path, f, nil)
}

// login submits the login form.
func (c *client) login(email, pw string) *page {
	c.t.Helper()
	return c.post("/login", url.Values{"email": {email}, "password": {pw}})
}

// mustLogin logs in through the form and fails the test unless it worked.
func (c *client) mustLogin(email string) {
	c.t.Helper()
	p := c.login(email, testPassword)
	if p.status != http.StatusSeeOther || c.session() == "" {
		c.t.Fatalf("login %s: status %d, session %q\n%s", email, p.status, c.session(), p.body)
	}
}

// loginAs plants a live session for u, as a login would leave it, without
// the cost of checking a password (about a second under the race
// detector). Tests about logging in use login; the rest use this.
func (c *client) loginAs(u models.User) {
	c.t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		c.t.Fatal(err)
	}
	id := base64.RawURLEncoding.EncodeToString(b)
	now := time.Now().UTC()
	err := c.env.store.CreateSession(context.Background(), models.Session{
		IDHash: hashID(id), UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(c.env.opts.SessionMax),
	})
	if err != nil {
		c.t.Fatalf("plant session: %v", err)
	}
	c.setCookie(sessionCookie, id)
}

// hashID is how the server keys a session id in the sessions table.
func hashID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

func (c *client) serverURL() *url.URL {
	u, err := url.Parse(c.env.srv.URL)
	if err != nil {
		c.t.Fatal(err)
	}
	return u
}

func (c *client) cookie(name string) string {
	for _, ck := range c.hc.Jar.Cookies(c.serverURL()) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

func (c *client) setCookie(name, value string) {
	c.hc.Jar.SetCookies(c.serverURL(), []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// session is the session cookie's value, "" when there is none.
func (c *client) session() string { return c.cookie(sessionCookie) }

// assertLoggedOut checks that the client is treated as a visitor: a page
// behind the login sends it to the login form.
func (c *client) assertLoggedOut() {
	c.t.Helper()
	p := c.get("/")
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/login") {
		c.t.Errorf("GET / = %d (Location %q), want 303 to /login", p.status, p.location())
	}
}

// assertLoggedInAs checks that the server knows the client as email.
func (c *client) assertLoggedInAs(email string) {
	c.t.Helper()
	p := c.get("/")
	if p.status != http.StatusOK {
		c.t.Fatalf("GET / = %d (Location %q), want 200", p.status, p.location())
	}
	if got := p.text("nav-account"); got != email {
		c.t.Errorf("logged in as %q, want %q", got, email)
	}
}

// ---- assertions

func assertStatus(t *testing.T, p *page, want int) {
	t.Helper()
	if p.status != want {
		body := p.body
		if len(body) > 2000 {
			body = body[:2000]
		}
		t.Fatalf("status %d, want %d (Location %q)\n%s", p.status, want, p.location(), body)
	}
}

func assertRedirect(t *testing.T, p *page, want string) {
	t.Helper()
	if p.status != http.StatusSeeOther || p.location() != want {
		t.Fatalf("got %d to %q, want 303 to %q", p.status, p.location(), want)
	}
}

func assertContains(t *testing.T, what, s, sub string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Errorf("%s = %q, want it to contain %q", what, s, sub)
	}
}

// syncBuffer collects the server log.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
