package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/models"
)

// routeKind says who may use a route.
type routeKind int

const (
	kindPublic      routeKind = iota // anyone; covered by its own tests
	kindOrgPublic                    // anyone, in an org's URL (the member side of SSO)
	kindLoggedIn                     // anyone logged in
	kindPlatform                     // platform admins only
	kindPlatformOrg                  // platform admins only, on an org named in the URL
	kindOrgMember                    // any member of the org in the URL
	kindOrgAdmin                     // admins of the org in the URL
)

// matrixRoute is one row of the route table under test. form is what a
// permitted request would send, so that a refused one would have changed
// something had it been let through.
type matrixRoute struct {
	method, path string
	kind         routeKind
	form         func(f *matrixFixture, org models.Organization) url.Values
	// lenient: a permitted POST must get past authorization but need not
	// change anything with this form (its own tests cover what it does).
	lenient bool
	// shows: a permitted POST answers 200 with a page (it shows something
	// once, such as an invite link) rather than 303.
	shows bool
}

// matrixRoutes lists every route of routes.go. TestAuthzMatrixCoversEveryRoute
// fails when a route is added without a row here.
var matrixRoutes = []matrixRoute{
	{method: "GET", path: "/static/*", kind: kindPublic},
	{method: "HEAD", path: "/static/*", kind: kindPublic},
	{method: "GET", path: "/healthz", kind: kindPublic},
	{method: "GET", path: "/readyz", kind: kindPublic},
	{method: "GET", path: "/metrics", kind: kindPublic}, // 404 unless Options.MetricsToken is set, then bearer (metrics_test.go)
	{method: "GET", path: "/login", kind: kindPublic},
	{method: "POST", path: "/login", kind: kindPublic},
	{method: "POST", path: "/logout", kind: kindPublic},
	{method: "GET", path: "/register", kind: kindPublic},
	{method: "POST", path: "/register", kind: kindPublic},
	// The invite pages check the invite's token and the signed-in email;
	// their own tests cover them (invite_accept_test.go).
	{method: "GET", path: "/invite/:token", kind: kindPublic},
	{method: "POST", path: "/invite/:token/accept", kind: kindPublic},
	// A setup link's pages check its token (setup_links_test.go).
	{method: "GET", path: "/setup/-/tests/:test", kind: kindPublic},
	{method: "GET", path: "/setup/:token", kind: kindPublic},
	{method: "POST", path: "/setup/:token", kind: kindPublic},
	{method: "GET", path: "/setup/:token/test", kind: kindPublic},

	{method: "GET", path: "/o/:org/login", kind: kindOrgPublic},
	{method: "GET", path: "/o/:org/sso/:conn/start", kind: kindOrgPublic},
	{method: "GET", path: "/o/:org/sso/:conn/initiate", kind: kindOrgPublic},
	{method: "POST", path: "/o/:org/sso/:conn/initiate", kind: kindOrgPublic},
	{method: "GET", path: "/o/:org/oidc/callback", kind: kindOrgPublic},
	{method: "POST", path: "/o/:org/oidc/callback", kind: kindOrgPublic},
	{method: "POST", path: "/o/:org/saml/:conn/acs", kind: kindOrgPublic},
	{method: "GET", path: "/o/:org/saml/:conn/metadata", kind: kindOrgPublic},
	{method: "POST", path: "/o/:org/consent", kind: kindOrgPublic},

	{method: "GET", path: "/", kind: kindLoggedIn},
	{method: "GET", path: "/account", kind: kindLoggedIn},
	{method: "GET", path: "/account/password", kind: kindLoggedIn},
	{method: "POST", path: "/account/password", kind: kindLoggedIn},
	{method: "GET", path: "/api/v1/me", kind: kindLoggedIn},
	// The session named must be the viewer's own (sessions_test.go).
	{method: "POST", path: "/account/sessions/:session/revoke", kind: kindPublic},

	{method: "GET", path: "/admin/orgs", kind: kindPlatform},
	{method: "POST", path: "/admin/orgs", kind: kindPlatform, form: func(*matrixFixture, models.Organization) url.Values {
		return url.Values{"name": {"Created"}, "slug": {"created"}}
	}},
	{method: "GET", path: "/admin/settings", kind: kindPlatform},
	{method: "GET", path: "/admin/audit", kind: kindPlatform},
	{method: "GET", path: "/admin/audit.csv", kind: kindPlatform},
	{method: "POST", path: "/admin/settings", kind: kindPlatform, form: func(*matrixFixture, models.Organization) url.Values {
		return url.Values{"allow_signup": {"true"}}
	}},
	{method: "POST", path: "/admin/orgs/:org/rename", kind: kindPlatformOrg, form: func(_ *matrixFixture, _ models.Organization) url.Values {
		return url.Values{"name": {"Renamed"}}
	}},
	{method: "POST", path: "/admin/orgs/:org/delete", kind: kindPlatformOrg, form: func(_ *matrixFixture, o models.Organization) url.Values {
		return url.Values{"confirm": {o.Slug}}
	}},

	{method: "GET", path: "/o/:org", kind: kindOrgMember},
	{method: "GET", path: "/o/:org/members", kind: kindOrgAdmin},
	{method: "GET", path: "/o/:org/audit", kind: kindOrgAdmin},
	{method: "GET", path: "/o/:org/audit.csv", kind: kindOrgAdmin},
	{method: "POST", path: "/o/:org/members", kind: kindOrgAdmin, shows: true, form: func(*matrixFixture, models.Organization) url.Values {
		return url.Values{"email": {"free@example.com"}, "role": {"admin"}}
	}},
	{method: "POST", path: "/o/:org/invites/:invite/revoke", kind: kindOrgAdmin},
	{method: "POST", path: "/o/:org/members/:user/role", kind: kindOrgAdmin, form: func(*matrixFixture, models.Organization) url.Values {
		return url.Values{"role": {"admin"}}
	}},
	{method: "POST", path: "/o/:org/members/:user/remove", kind: kindOrgAdmin},
	{method: "POST", path: "/o/:org/members/:user/sessions/end", kind: kindOrgAdmin},
	{method: "POST", path: "/o/:org/members/:user/activate", kind: kindOrgAdmin},
	{method: "POST", path: "/o/:org/members/:user/disable", kind: kindOrgAdmin},
	// The {user} is pending, not disabled: enabling lets the request through and changes nothing.
	{method: "POST", path: "/o/:org/members/:user/enable", kind: kindOrgAdmin, lenient: true},

	{method: "GET", path: "/o/:org/settings/domains", kind: kindOrgAdmin},
	{method: "POST", path: "/o/:org/settings/domains", kind: kindOrgAdmin, form: func(*matrixFixture, models.Organization) url.Values {
		return url.Values{"domain": {"matrix.example"}}
	}},
	// Verifying needs a published TXT record (domains_test.go); here, who gets through.
	{method: "POST", path: "/o/:org/settings/domains/:domain/verify", kind: kindOrgAdmin, lenient: true},
	{method: "POST", path: "/o/:org/settings/domains/:domain/remove", kind: kindOrgAdmin},

	// SSO settings: their behaviour is tested in sso_settings_test.go; here,
	// who gets through. A permitted POST need not succeed with this form.
	{method: "GET", path: "/o/:org/settings/sso", kind: kindOrgAdmin},
	{method: "POST", path: "/o/:org/settings/sso/enable", kind: kindOrgAdmin, lenient: true},
	{method: "POST", path: "/o/:org/settings/sso/disable", kind: kindOrgAdmin, lenient: true},
	{method: "POST", path: "/o/:org/settings/sso/enforce", kind: kindOrgAdmin, lenient: true, form: func(*matrixFixture, models.Organization) url.Values {
		return url.Values{"enforce": {"true"}}
	}},
	{method: "GET", path: "/o/:org/settings/sso/connections/new", kind: kindOrgAdmin},
	{method: "POST", path: "/o/:org/settings/sso/connections", kind: kindOrgAdmin, lenient: true, form: connectionForm},
	{method: "GET", path: "/o/:org/settings/sso/connections/:conn/edit", kind: kindOrgAdmin},
	{method: "POST", path: "/o/:org/settings/sso/connections/:conn", kind: kindOrgAdmin, lenient: true, form: connectionForm},
	{method: "POST", path: "/o/:org/settings/sso/connections/:conn/toggle", kind: kindOrgAdmin, lenient: true, form: func(*matrixFixture, models.Organization) url.Values {
		return url.Values{"active": {"false"}}
	}},
	{method: "GET", path: "/o/:org/settings/sso/connections/:conn/delete", kind: kindOrgAdmin},
	{method: "POST", path: "/o/:org/settings/sso/connections/:conn/delete", kind: kindOrgAdmin, lenient: true, form: func(f *matrixFixture, o models.Organization) url.Values {
		return url.Values{"confirm": {f.conn(o).DisplayName}}
	}},
	{method: "GET", path: "/o/:org/settings/sso/connections/:conn/tests/:test", kind: kindOrgAdmin},

	{method: "GET", path: "/o/:org/settings/sso/connections/:conn/history", kind: kindOrgAdmin},
	// Refreshing a connection without a metadata URL changes nothing.
	{method: "POST", path: "/o/:org/settings/sso/connections/:conn/refresh", kind: kindOrgAdmin, lenient: true},
	// Version 1 is the current one: restoring it is let through and changes nothing.
	{method: "POST", path: "/o/:org/settings/sso/connections/:conn/history/:version/restore", kind: kindOrgAdmin, lenient: true, form: func(f *matrixFixture, o models.Organization) url.Values {
		return url.Values{"current": {strconv.FormatInt(f.conn(o).Version, 10)}}
	}},
	{method: "GET", path: "/o/:org/settings/setup-links", kind: kindOrgAdmin},
	{method: "POST", path: "/o/:org/settings/setup-links", kind: kindOrgAdmin, shows: true, form: func(*matrixFixture, models.Organization) url.Values {
		return url.Values{"connectionName": {"Matrix"}, "preset": {"okta"}}
	}},
	{method: "POST", path: "/o/:org/settings/setup-links/:link/revoke", kind: kindOrgAdmin},
	{method: "GET", path: "/o/:org/settings/tokens", kind: kindOrgAdmin},
	{method: "POST", path: "/o/:org/settings/tokens", kind: kindOrgAdmin, shows: true, form: func(*matrixFixture, models.Organization) url.Values {
		return url.Values{"name": {"matrix"}, "scope": {"write"}}
	}},
	{method: "POST", path: "/o/:org/settings/tokens/:token/revoke", kind: kindOrgAdmin},
}

// connectionForm would save a connection, were it let through.
func connectionForm(f *matrixFixture, o models.Organization) url.Values {
	return url.Values{
		"version": {strconv.FormatInt(f.conn(o).Version, 10)}, "preset": {"generic"}, "protocol": {"oidc"},
		"displayName": {"Hijacked"}, "issuer": {"https://idp.example.com"},
		"authorizationURL": {"https://idp.example.com/authorize"}, "tokenURL": {"https://idp.example.com/token"},
		"jwksURL": {"https://idp.example.com/keys"}, "clientID": {"hijack"}, "clientSecret": {"hijack-secret"},
		"clientAuthMethod": {"client_secret_basic"}, "scopes": {"openid email"}, "pkce": {"S256"},
		"claimsSource": {"idtoken"}, "jit": {"true"}, "defaultRole": {"admin"},
	}
}

func TestAuthzMatrixCoversEveryRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	listed := map[string]bool{}
	for _, r := range matrixRoutes {
		listed[r.method+" "+r.path] = true
	}
	served := map[string]bool{}
	for _, r := range e.echo.Routes() {
		if r.Method == echo.RouteNotFound {
			continue
		}
		if strings.HasPrefix(r.Path, "/api/v1/orgs/") || r.Path == "/api/v1/openapi.json" {
			continue // the JSON API: api_matrix_test.go covers every route of it, as the OpenAPI document lists them
		}
		key := r.Method + " " + r.Path
		served[key] = true
		if !listed[key] {
			t.Errorf("route %s is not in matrixRoutes: add it with who may use it", key)
		}
	}
	for key := range listed {
		if !served[key] {
			t.Errorf("matrixRoutes lists %s, which routes.go no longer serves", key)
		}
	}
}

// matrixFixture is two orgs and one person in each position.
type matrixFixture struct {
	e                  *env
	a, b               models.Organization
	adminA, userA      models.User
	adminB             models.User
	pendingA, pendingB models.User // pending members, the {user} of member routes
	outsider, platform models.User
	connA, connB       models.Connection       // a connection of each org, the {conn}
	runA, runB         models.TestRun          // a test run of each, the {test}
	invites            []models.Invite         // a pending invite of a and of b, the {invite}
	domains            []models.VerifiedDomain // a domain of a and of b, the {domain}
	tokens             []models.APIToken       // an API token of a and of b, the {token}
	links              []models.SetupLink      // a setup link of a and of b, the {link}
}

func newMatrixFixture(t *testing.T) *matrixFixture {
	e := newEnv(t)
	f := &matrixFixture{e: e}
	f.a = e.org("alpha", "Alpha")
	f.b = e.org("beta", "Beta")
	f.adminA = e.user("admin-a@example.com")
	f.userA = e.user("user-a@example.com")
	f.adminB = e.user("admin-b@example.com")
	f.pendingA = e.user("pending-a@example.com")
	f.pendingB = e.user("pending-b@example.com")
	f.outsider = e.user("outsider@example.com")
	f.platform = e.user("root@example.com")
	e.user("free@example.com")
	e.grant(f.adminA, f.a, "admin")
	e.grant(f.userA, f.a, "user")
	e.grantPending(f.pendingA, f.a, "user")
	e.grant(f.adminB, f.b, "admin")
	e.grantPending(f.pendingB, f.b, "user")
	e.platformAdmin(f.platform)
	f.connA, f.runA = seedConnection(t, e, f.a, f.adminA)
	f.connB, f.runB = seedConnection(t, e, f.b, f.adminB)
	for _, o := range []models.Organization{f.a, f.b} {
		inv, err := e.store.CreateInvite(t.Context(), o.ID, models.Invite{Email: "invited@example.com", Role: "user", TokenHash: o.Slug + "-token"})
		if err != nil {
			t.Fatal(err)
		}
		d, err := e.store.AddDomain(t.Context(), o.ID, o.Slug+".example", "challenge")
		if err != nil {
			t.Fatal(err)
		}
		tok, err := e.store.CreateAPIToken(t.Context(), o.ID, models.APIToken{Name: "ci", Scope: models.ScopeRead, TokenHash: o.Slug + "-api-token"})
		if err != nil {
			t.Fatal(err)
		}
		f.invites = append(f.invites, inv)
		f.domains = append(f.domains, d)
		f.tokens = append(f.tokens, tok)
		sl, err := e.store.CreateSetupLink(t.Context(), o.ID, models.SetupLink{TokenHash: o.Slug + "-setup", ConnectionName: "Main IdP"})
		if err != nil {
			t.Fatal(err)
		}
		f.links = append(f.links, sl)
	}
	return f
}

// seedConnection stores an active connection with a passed test.
func seedConnection(t *testing.T, e *env, o models.Organization, by models.User) (models.Connection, models.TestRun) {
	t.Helper()
	conn, err := e.store.CreateConnection(t.Context(), o.ID, models.Connection{
		Protocol: models.ProtocolOIDC, Preset: "generic", DisplayName: "Main IdP", Active: true,
		Config: `{"issuer":"https://idp.example.com","clientID":"x"}`, Provisioning: "{}",
	})
	if err != nil {
		t.Fatalf("seed connection: %v", err)
	}
	run, err := e.store.RecordTestRun(t.Context(), o.ID, models.TestRun{
		ConnectionID: conn.ID, ConfigVersion: conn.Version, ConfigHash: conn.ConfigHash, StartedBy: &by.ID,
		StartedByEmail: by.Email, Status: models.TestPassed, Claims: "{}", Mapped: "{}",
	})
	if err != nil {
		t.Fatalf("seed test run: %v", err)
	}
	return conn, run
}

func (f *matrixFixture) conn(o models.Organization) models.Connection {
	if o.ID == f.b.ID {
		return f.connB
	}
	return f.connA
}

// url fills a route's parameters for org o.
func (f *matrixFixture) url(path string, o models.Organization) string {
	member, run := f.pendingA, f.runA
	if o.ID == f.b.ID {
		member, run = f.pendingB, f.runB
	}
	inv, dom, tok, link := f.invites[0], f.domains[0], f.tokens[0], f.links[0]
	if o.ID == f.b.ID {
		inv, dom, tok, link = f.invites[1], f.domains[1], f.tokens[1], f.links[1]
	}
	r := strings.NewReplacer(":org", o.Slug, ":user", strconv.FormatInt(member.ID, 10),
		":conn", f.conn(o).PublicID, ":test", strconv.FormatInt(run.ID, 10),
		":invite", strconv.FormatInt(inv.ID, 10), ":domain", strconv.FormatInt(dom.ID, 10), ":token", strconv.FormatInt(tok.ID, 10), ":version", "1", ":link", strconv.FormatInt(link.ID, 10))
	return r.Replace(path)
}

func (f *matrixFixture) formFor(r matrixRoute, o models.Organization) url.Values {
	if r.form == nil {
		return url.Values{}
	}
	return r.form(f, o)
}

type actor struct {
	name string
	user *models.User // nil: logged out
	// member is true for the orgs the actor has a role in; admin where it
	// administers.
	member, admin func(models.Organization) bool
}

func (f *matrixFixture) actors() []actor {
	isA := func(o models.Organization) bool { return o.ID == f.a.ID }
	never := func(models.Organization) bool { return false }
	return []actor{
		{name: "logged out", member: never, admin: never},
		{name: "outsider", user: &f.outsider, member: never, admin: never},
		{name: "user of A", user: &f.userA, member: isA, admin: never},
		{name: "admin of A", user: &f.adminA, member: isA, admin: isA},
		{name: "platform admin", user: &f.platform, member: never, admin: never},
	}
}

// want is the status an actor gets on a route in org o; permitted is true
// when the request is let through (a POST then changes something).
func (f *matrixFixture) want(a actor, r matrixRoute, o models.Organization) (status int, permitted bool) {
	get := r.method == http.MethodGet
	ok := http.StatusOK
	if !get {
		ok = http.StatusSeeOther
	}
	if a.user == nil {
		if strings.HasPrefix(r.path, "/api/") {
			return http.StatusUnauthorized, false
		}
		return http.StatusSeeOther, false // to the login page
	}
	isPlatform := a.user.ID == f.platform.ID
	switch r.kind {
	case kindLoggedIn:
		if !get {
			// Let through, the empty form fails validation: nothing changes.
			return http.StatusUnprocessableEntity, false
		}
		return ok, true
	case kindPlatform:
		if isPlatform {
			return ok, true
		}
		return http.StatusForbidden, false
	case kindPlatformOrg:
		// Decided on the platform, before the org is even looked up.
		if isPlatform {
			return ok, true
		}
		return http.StatusForbidden, false
	case kindOrgAdmin, kindOrgMember:
		switch {
		case isPlatform:
			return ok, true
		case !a.member(o):
			// No role in the org: 404, so that slugs do not leak.
			return http.StatusNotFound, false
		case r.kind == kindOrgMember || (r.kind == kindOrgAdmin && a.admin(o)):
			return ok, true
		default:
			return http.StatusForbidden, false
		}
	}
	panic(fmt.Sprintf("no expectation for kind %d", r.kind))
}

// TestAuthzMatrix sends every guarded route, for org A and org B, as each
// actor, and checks the status and that a refused request changed nothing.
// Permitted state-changing requests run in a fresh fixture each and must
// change something, which proves the refused ones would have.
func TestAuthzMatrix(t *testing.T) {
	t.Parallel()
	f := newMatrixFixture(t)
	clients := map[string]*client{}
	for _, a := range f.actors() {
		c := f.e.client()
		if a.user != nil {
			c.loginAs(*a.user)
		}
		clients[a.name] = c
	}

	for _, r := range matrixRoutes {
		if r.kind == kindPublic {
			continue
		}
		orgs := []models.Organization{f.a, f.b}
		if r.kind == kindPlatform || r.kind == kindLoggedIn {
			orgs = orgs[:1] // the URL names no org
		}
		for _, o := range orgs {
			for _, a := range f.actors() {
				name := fmt.Sprintf("%s %s/%s/%s", r.method, r.path, o.Slug, a.name)
				t.Run(name, func(t *testing.T) {
					e := f.e.in(t)
					c := clients[a.name]
					c.t = t
					path := f.url(r.path, o)

					if r.kind == kindOrgPublic {
						// The SSO routes have their own tests; here they must
						// only answer without failing, whoever asks.
						var p *page
						if r.method == http.MethodGet {
							p = c.get(path)
						} else {
							p = c.post(path, f.formFor(r, o))
						}
						if p.status >= 500 {
							t.Fatalf("status %d", p.status)
						}
						return
					}

					status, permitted := f.want(a, r, o)
					if permitted && r.method != http.MethodGet {
						testPermittedPost(t, r, o, a)
						return
					}
					before := e.snapshot()
					var p *page
					if r.method == http.MethodGet {
						p = c.get(path)
					} else {
						p = c.post(path, f.formFor(r, o))
					}
					if p.status != status {
						t.Fatalf("status %d (Location %q), want %d", p.status, p.location(), status)
					}
					e.assertUnchanged(before)
					switch {
					case a.user == nil && strings.HasPrefix(r.path, "/api/"):
						if ct := p.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
							t.Errorf("Content-Type %q, want JSON", ct)
						}
					case a.user == nil && r.method == http.MethodGet:
						if want := "/login?return_to=" + url.QueryEscape(path); p.location() != want {
							t.Errorf("Location %q, want %q", p.location(), want)
						}
					case a.user == nil:
						if p.location() != "/login" {
							t.Errorf("Location %q, want /login", p.location())
						}
					case status == http.StatusForbidden || status == http.StatusNotFound:
						if got := p.testid("error-page").AttrOr("data-status", ""); got != strconv.Itoa(status) {
							t.Errorf("error page status %q, want %d", got, status)
						}
					}
				})
			}
		}
	}
}

// testPermittedPost sends a permitted POST in a fresh fixture and checks
// that it went through and changed something.
func testPermittedPost(t *testing.T, r matrixRoute, o models.Organization, a actor) {
	t.Helper()
	f := newMatrixFixture(t)
	// Fresh fixtures are built in the same order, so ids and slugs match.
	if f.a.ID != o.ID && f.b.ID != o.ID {
		t.Fatalf("fixture org ids changed")
	}
	c := f.e.client()
	c.loginAs(f.e.reloadUser(*a.user))
	before := f.e.snapshot()
	p := c.post(f.url(r.path, o), f.formFor(r, o))
	if r.lenient {
		switch {
		case p.status == http.StatusForbidden || p.status == http.StatusNotFound || p.status == http.StatusUnauthorized:
			t.Fatalf("status %d: a permitted request was refused", p.status)
		case p.status >= 500:
			t.Fatalf("status %d", p.status)
		}
		return
	}
	want := http.StatusSeeOther
	if r.shows {
		want = http.StatusOK
	}
	if p.status != want {
		t.Fatalf("status %d (Location %q), want %d", p.status, p.location(), want)
	}
	if after := f.e.snapshot(); fmt.Sprint(before) == fmt.Sprint(after) {
		t.Errorf("a permitted %s %s changed nothing", r.method, r.path)
	}
}
