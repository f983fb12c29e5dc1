package web_test

// Regression tests of three attacks on tenant trust, over HTTP through the
// whole app and a real in-process IdP:
//
//	(a) an org admin's own IdP asserts the platform admin's email;
//	(b) an admin of org A tries to activate someone else's pending member;
//	(c) an org admin probes whether an account exists for an email.
//
// And the old bug that people an admin added could never sign in by SSO.

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orgsso/orgsso/app/apptest"
	"github.com/orgsso/orgsso/app/web"
	"github.com/orgsso/orgsso/e2e/idp"
	"github.com/orgsso/orgsso/models"
)

// trustApp is the whole app (app.Open) on a loopback port, with the
// handler tests' env pointed at it, so that its fixtures and clients work.
type trustApp struct {
	*env
	app *apptest.Server
}

func newTrustApp(t *testing.T) *trustApp {
	t.Helper()
	srv := apptest.Start(t, apptest.Listen(t), nil, nil)
	e := &env{t: t, opts: web.Options{BaseURL: srv.URL, SessionMax: 24 * time.Hour}, db: srv.DB, store: srv.Store, az: srv.Authz,
		srv: &httptest.Server{URL: srv.URL}, logs: &syncBuffer{}}
	return &trustApp{env: e, app: srv}
}

// trustIdP is an IdP that org slug's connections can use.
func (a *trustApp) idpFor(slugs ...string) *idp.OIDCServer {
	a.t.Helper()
	ip := idp.NewOIDC(a.t)
	var uris []string
	for _, s := range slugs {
		uris = append(uris, a.app.URL+"/o/"+s+"/oidc/callback")
	}
	ip.AddClient(idp.Client{ID: apptest.ClientID, Secret: apptest.ClientSecret, RedirectURIs: uris})
	ip.AddUser(idp.User{Subject: "tester", Email: "tester@idp.test", EmailVerified: true, Name: "Tester"})
	return ip
}

// ssoOrg adds an active connection of org to ip, passes its test (run by
// admin as the IdP's "tester") and turns SSO on.
func (a *trustApp) ssoOrg(org models.Organization, admin models.User, ip *idp.OIDCServer, name string, prov models.Provisioning) models.Connection {
	a.t.Helper()
	conn := apptest.AddConnection(a.t, a.app.App, org, ip, name, prov)
	ip.SetUser("tester")
	apptest.PassTest(a.t, a.app.App, org, conn, ip, admin.ID)
	if err := a.store.EnableSSO(context.Background(), org.ID); err != nil {
		a.t.Fatal(err)
	}
	return conn
}

// sso runs a login (or, with test, an admin's test) through conn in the
// browser c, as subject at ip: start, the IdP, the callback. It returns
// the callback's answer.
func (a *trustApp) sso(c *client, org models.Organization, conn models.Connection, ip *idp.OIDCServer, subject string, test bool) *page {
	a.t.Helper()
	path := "/o/" + org.Slug + "/sso/" + conn.PublicID + "/start"
	if test {
		path += "?test=1"
	}
	p := c.get(path)
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), ip.Issuer()) {
		a.t.Fatalf("start %s: %d to %q\n%s", path, p.status, p.location(), p.body)
	}
	ip.SetUser(subject)
	cb, err := ip.Authorize(context.Background(), p.location())
	if err != nil {
		a.t.Fatal(err)
	}
	if !strings.HasPrefix(cb.String(), a.app.URL+"/") {
		a.t.Fatalf("the IdP sent the browser to %s", cb)
	}
	return c.get(cb.RequestURI())
}

func (a *trustApp) verifiedDomain(org models.Organization, domain string) {
	a.t.Helper()
	ctx := context.Background()
	d, err := a.store.AddDomain(ctx, org.ID, domain, "challenge")
	if err != nil {
		a.t.Fatal(err)
	}
	if err := a.store.MarkDomainVerified(ctx, org.ID, d.ID); err != nil {
		a.t.Fatal(err)
	}
}

func (a *trustApp) membership(org models.Organization, u models.User) (models.Membership, bool) {
	a.t.Helper()
	m, err := a.store.Membership(context.Background(), org.ID, u.ID)
	if errors.Is(err, models.ErrNotFound) {
		return m, false
	}
	if err != nil {
		a.t.Fatal(err)
	}
	return m, true
}

// meEmail is who /api/v1/me says the browser is ("" when it is nobody).
func meEmail(t *testing.T, c *client) (string, bool) {
	t.Helper()
	p := c.get("/api/v1/me")
	if p.status != http.StatusOK {
		return "", false
	}
	var me struct {
		Email         string `json:"email"`
		PlatformAdmin bool   `json:"platform_admin"`
	}
	if err := json.Unmarshal([]byte(p.body), &me); err != nil {
		t.Fatalf("/api/v1/me: %v\n%s", err, p.body)
	}
	return me.Email, me.PlatformAdmin
}

// ---- (a) an org's IdP asserting the platform admin's email

func TestOrgIdPAssertingThePlatformAdminsEmailIsRefused(t *testing.T) {
	for _, tc := range []struct {
		name           string
		verifiedDomain bool
	}{
		{"link by verified email on", false},
		{"and the org verified the platform admin's domain, and invited the email", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newTrustApp(t)
			ctx := context.Background()
			root := a.user("root@platform.test")
			a.platformAdmin(root)
			eve := a.user("eve@evil.test")
			evil := a.org("evil", "Evil")
			a.grant(eve, evil, "admin")

			// Eve's IdP, which she controls, says she is root@platform.test.
			ip := a.idpFor("evil")
			ip.AddUser(idp.User{Subject: "eve-as-root", Email: "root@platform.test", EmailVerified: true, Name: "Root"})
			conn := apptest.AddConnection(t, a.app.App, evil, ip, "Evil IdP",
				models.Provisioning{JIT: true, LinkByVerifiedEmail: true, DefaultRole: "admin", SyncRoles: true})
			admin := a.client()
			admin.loginAs(eve)
			if tc.verifiedDomain {
				a.verifiedDomain(evil, "platform.test")
				p := admin.post("/o/evil/members", url.Values{"email": {"root@platform.test"}, "role": {"admin"}})
				assertStatus(t, p, http.StatusOK)
			}
			// She tests the connection and turns SSO on, through the pages.
			p := a.sso(admin, evil, conn, ip, "eve-as-root", true)
			if p.status != http.StatusSeeOther || !strings.Contains(p.location(), "/tests/") {
				t.Fatalf("test callback: %d to %q\n%s", p.status, p.location(), p.body)
			}
			assertStatus(t, admin.get(p.location()), http.StatusOK)
			if p := admin.post("/o/evil/settings/sso/enable", nil); p.status != http.StatusSeeOther {
				t.Fatalf("enable SSO: %d\n%s", p.status, p.body)
			}
			if o, err := a.store.Organization(ctx, evil.ID); err != nil || !o.SSOEnabled {
				t.Fatalf("SSO not on: %+v %v", o, err)
			}
			rootSessions := a.count("sessions", "user_id = ?", root.ID)

			// And signs in through it in a fresh browser.
			b := a.client()
			p = a.sso(b, evil, conn, ip, "eve-as-root", false)
			assertStatus(t, p, http.StatusForbidden)
			if !strings.Contains(p.body, "Account already exists") || !strings.Contains(p.body, "Link to my account") {
				t.Errorf("the refusal page does not say how to link:\n%s", p.body)
			}
			if b.session() != "" {
				t.Error("the browser got a session cookie")
			}
			if n := a.count("sessions", "user_id = ?", root.ID); n != rootSessions {
				t.Errorf("sessions of the platform admin: %d, want %d", n, rootSessions)
			}
			if email, isPA := meEmail(t, b); email == root.Email || isPA {
				t.Errorf("/api/v1/me says the browser is %q (platform admin %v)", email, isPA)
			}
			if p := b.get("/admin/orgs"); p.status == http.StatusOK {
				t.Error("/admin/orgs answered 200")
			}
			if n := a.count("identity_links", "connection_id = ?", conn.ID); n != 0 {
				t.Errorf("%d identity links made through evil's connection", n)
			}
			if _, ok := a.membership(evil, root); ok {
				t.Error("the platform admin became a member of evil")
			}
			if n := a.count("invites", "accepted_at IS NOT NULL"); n != 0 {
				t.Error("the invite was accepted")
			}
			if got := a.reloadUser(root); !got.PlatformAdmin || got.Disabled {
				t.Errorf("root = %+v", got)
			}
		})
	}
}

// The test result an org admin reads for their own IdP's claims reads the
// same whether the email is a platform admin's or has no account at all
// (invariants 9 and 10).
func TestTestResultDoesNotRevealThePlatformAdmin(t *testing.T) {
	a := newTrustApp(t)
	root := a.user("root@platform.test")
	a.platformAdmin(root)
	eve := a.user("eve@evil.test")
	evil := a.org("evil", "Evil")
	a.grant(eve, evil, "admin")
	ip := a.idpFor("evil")
	ip.AddUser(idp.User{Subject: "eve-as-root", Email: "root@platform.test", EmailVerified: true})
	ip.AddUser(idp.User{Subject: "eve-as-nobody", Email: "nobody@platform.test", EmailVerified: true})
	conn := apptest.AddConnection(t, a.app.App, evil, ip, "Evil IdP", models.Provisioning{JIT: true, LinkByVerifiedEmail: true, DefaultRole: "admin"})
	admin := a.client()
	admin.loginAs(eve)
	result := func(subject string) string {
		t.Helper()
		p := a.sso(admin, evil, conn, ip, subject, true)
		if p.status != http.StatusSeeOther {
			t.Fatalf("test callback: %d\n%s", p.status, p.body)
		}
		r := admin.get(p.location())
		assertStatus(t, r, http.StatusOK)
		return r.body
	}
	withAccount := result("eve-as-root")
	without := result("eve-as-nobody")
	norm := func(s string, email string) string {
		s = strings.ReplaceAll(s, email, "EMAIL")
		s = strings.ReplaceAll(s, email[:1]+"…@", "E…@")
		s = regexp.MustCompile(`/tests/\d+`).ReplaceAllString(s, "/tests/N")
		s = regexp.MustCompile(`eve-as-[a-z]+`).ReplaceAllString(s, "SUBJECT")
		s = regexp.MustCompile(`\d{10} \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\)`).ReplaceAllString(s, "UNIXTIME") // iat, exp, auth_time
		return normalizePage(s, a.app.URL)
	}
	if norm(withAccount, "root@platform.test") != norm(without, "nobody@platform.test") {
		t.Errorf("the test result reads differently for an email with an account outside the org:\n%s", diffLines(norm(without, "nobody@platform.test"), norm(withAccount, "root@platform.test")))
	}
}

// ---- (b) another org's admin cannot activate a pending member

func TestAdminOfAnotherOrgCannotActivateAPendingMember(t *testing.T) {
	a := newTrustApp(t)
	ctx := context.Background()
	adamA := a.user("adam@a.test")
	orgA := a.org("orga", "Org A")
	a.grant(adamA, orgA, "admin")
	bea := a.user("bea@b.test")
	orgB := a.org("orgb", "Org B")
	a.grant(bea, orgB, "admin")
	ip := a.idpFor("orgb")
	ip.AddUser(idp.User{Subject: "alice", Email: "alice@b.test", EmailVerified: true, Name: "Alice"})
	connB := a.ssoOrg(orgB, bea, ip, "B IdP", models.Provisioning{JIT: true, Activation: true, DefaultRole: "user", SyncRoles: true})
	orgB, _ = a.store.Organization(ctx, orgB.ID)

	// Alice's first login to B waits for B's admins.
	p := a.sso(a.client(), orgB, connB, ip, "alice", false)
	assertStatus(t, p, http.StatusForbidden)
	assertContains(t, "first login", p.body, "Waiting for approval")
	alice, err := a.store.UserByEmail(ctx, "alice@b.test")
	if err != nil {
		t.Fatal(err)
	}
	before, ok := a.membership(orgB, alice)
	if !ok || before.Status != models.StatusPending {
		t.Fatalf("alice in B = %+v (found %v)", before, ok)
	}

	// A's admin "adds" alice to A: an invite, not a membership.
	admin := a.client()
	admin.loginAs(adamA)
	p = admin.post("/o/orga/members", url.Values{"email": {"alice@b.test"}, "role": {"admin"}})
	assertStatus(t, p, http.StatusOK)
	if !p.has("invite-link") {
		t.Fatalf("no invite link shown:\n%s", p.body)
	}
	if _, ok := a.membership(orgA, alice); ok {
		t.Fatal("inviting made alice a member of A")
	}
	if _, err := a.store.PendingInvite(ctx, orgA.ID, "alice@b.test"); err != nil {
		t.Fatalf("no pending invite: %v", err)
	}
	// And tries to change her standing through A's member routes.
	uid := strconv.FormatInt(alice.ID, 10)
	for _, action := range []string{"activate", "enable", "disable", "remove"} {
		p := admin.post("/o/orga/members/"+uid+"/"+action, nil)
		assertStatus(t, p, http.StatusNotFound)
	}
	assertStatus(t, admin.post("/o/orga/members/"+uid+"/role", url.Values{"role": {"admin"}}), http.StatusNotFound)
	// Nor through B's, which are not A's admin's.
	if p := admin.post("/o/orgb/members/"+uid+"/activate", nil); p.status == http.StatusSeeOther || p.status == http.StatusOK {
		t.Fatalf("A's admin on B's activate route: %d", p.status)
	}

	// Alice's next login to B is still pending, her membership as it was.
	p = a.sso(a.client(), orgB, connB, ip, "alice", false)
	assertStatus(t, p, http.StatusForbidden)
	assertContains(t, "second login", p.body, "Waiting for approval")
	after, ok := a.membership(orgB, alice)
	if !ok || after.Status != before.Status || after.Roles != before.Roles {
		t.Fatalf("alice in B = %+v, want %+v", after, before)
	}
	for _, action := range a.auditActions(&orgB) {
		if strings.HasPrefix(action, "member.") {
			t.Errorf("audit of B has %q", action)
		}
	}
}

// ---- (c) inviting says nothing about accounts

// normalizePage removes what differs between two renderings of one page
// by chance: CSRF tokens, nonces, invite tokens, times, the app's address.
func normalizePage(s, baseURL string) string {
	for _, r := range []struct{ re, with string }{
		{`name="_csrf" value="[^"]*"`, `name="_csrf" value="CSRF"`},
		{`name="csrf-token" content="[^"]*"`, `name="csrf-token" content="CSRF"`},
		{`nonce="[^"]*"`, `nonce="NONCE"`},
		{`/invite/[A-Za-z0-9_\-]+`, `/invite/TOKEN`},
		{`<time[^>]*>[^<]*</time>`, `<time/>`},
		{`/invites/\d+/`, `/invites/N/`},
	} {
		s = regexp.MustCompile(r.re).ReplaceAllString(s, r.with)
	}
	return strings.ReplaceAll(s, baseURL, "BASE")
}

// diffLines shows the first lines where a and b differ.
func diffLines(a, b string) string {
	split := func(s string) []string { return strings.SplitAfter(strings.ReplaceAll(s, "\n", ""), ">") }
	al, bl := split(a), split(b)
	var out []string
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			out = append(out, "- "+x, "+ "+y)
			if len(out) > 12 {
				break
			}
		}
	}
	return strings.Join(out, "\n")
}

func TestInvitingTellsTheAdminNothingAboutAccounts(t *testing.T) {
	ctx := context.Background()
	const email = "pat@example.com"
	type world struct {
		a       *trustApp
		body    string
		status  int
		members string
		audit   []string
	}
	// Two installations alike but for one thing: in the first, pat has an
	// account (a member of another org, with a password); in the second,
	// no account has pat's email.
	build := func(t *testing.T, patExists bool) *world {
		a := newTrustApp(t)
		adam := a.user("adam@a.test")
		orgA := a.org("orga", "Org A")
		a.grant(adam, orgA, "admin")
		orgB := a.org("orgb", "Org B")
		other := "quinn@example.com"
		if patExists {
			other = email
		}
		a.grant(a.user(other), orgB, "user")
		before := a.count("users", "")
		var patHash string
		if patExists {
			patHash = *a.reloadUser(a.mustUserByEmail(email)).PasswordHash
		}
		c := a.client()
		c.loginAs(adam)
		p := c.post("/o/orga/members", url.Values{"email": {email}, "role": {"user"}})
		w := &world{a: a, body: normalizePage(p.body, a.app.URL), status: p.status}
		m := c.get("/o/orga/members")
		assertStatus(t, m, http.StatusOK)
		w.members = normalizePage(m.body, a.app.URL)
		w.audit = a.auditActions(&orgA)
		if n := a.count("users", ""); n != before {
			t.Errorf("inviting changed the number of accounts: %d -> %d", before, n)
		}
		if patExists {
			if got := a.reloadUser(a.mustUserByEmail(email)); got.PasswordHash == nil || *got.PasswordHash != patHash || got.MustChangePassword {
				t.Error("inviting changed pat's password")
			}
			if _, ok := a.membership(orgA, a.mustUserByEmail(email)); ok {
				t.Error("inviting made pat a member")
			}
		} else {
			if _, err := a.store.UserByEmail(ctx, email); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("inviting created an account for %s: %v", email, err)
			}
		}
		if n := a.count("invites", "email = ? AND accepted_at IS NULL", email); n != 1 {
			t.Errorf("pending invites for %s = %d, want 1", email, n)
		}
		return w
	}
	exists, none := build(t, true), build(t, false)
	if exists.status != http.StatusOK || none.status != http.StatusOK {
		t.Fatalf("invite status: %d with an account, %d without; want 200", exists.status, none.status)
	}
	if exists.body != none.body {
		t.Errorf("the invite response differs when an account exists:\n%s", diffLines(none.body, exists.body))
	}
	if exists.members != none.members {
		t.Errorf("the members page differs when an account exists:\n%s", diffLines(none.members, exists.members))
	}
	if strings.Join(exists.audit, ",") != strings.Join(none.audit, ",") {
		t.Errorf("audit differs: %v vs %v", exists.audit, none.audit)
	}

	// Where no account existed, pat's first SSO login to another org with
	// JIT creates it: the invite reserved nothing.
	a := none.a
	carl := a.user("carl@c.test")
	orgC := a.org("orgc", "Org C")
	a.grant(carl, orgC, "admin")
	ip := a.idpFor("orgc")
	ip.AddUser(idp.User{Subject: "pat", Email: email, EmailVerified: true, Name: "Pat"})
	connC := a.ssoOrg(orgC, carl, ip, "C IdP", models.Provisioning{JIT: true, DefaultRole: "user"})
	b := a.client()
	p := a.sso(b, orgC, connC, ip, "pat", false)
	if p.status != http.StatusSeeOther || p.location() != "/o/orgc" {
		t.Fatalf("pat's first SSO login to C: %d to %q\n%s", p.status, p.location(), p.body)
	}
	if got, _ := meEmail(t, b); got != email {
		t.Fatalf("/api/v1/me = %q", got)
	}
	pat := a.mustUserByEmail(email)
	if pat.HasPassword() {
		t.Error("pat's account has a password nobody chose")
	}
	if m, ok := a.membership(orgC, pat); !ok || m.Status != models.StatusActive {
		t.Errorf("pat in C = %+v (found %v)", m, ok)
	}
}

func (a *trustApp) mustUserByEmail(email string) models.User {
	a.t.Helper()
	u, err := a.store.UserByEmail(context.Background(), email)
	if err != nil {
		a.t.Fatalf("account %s: %v", email, err)
	}
	return u
}

// ---- the old bug: people an admin added could never sign in through SSO

func TestInvitedPersonSignsInThroughSSO(t *testing.T) {
	for _, tc := range []struct {
		name     string
		existing bool // has an account already (a member of another org)
	}{
		{"new to the platform", false},
		{"with an account elsewhere", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newTrustApp(t)
			ctx := context.Background()
			adam := a.user("adam@a.test")
			orgA := a.org("orga", "Org A")
			a.grant(adam, orgA, "admin")
			if tc.existing {
				a.grant(a.user("carol@example.com"), a.org("orgb", "Org B"), "admin")
			}
			ip := a.idpFor("orga")
			ip.AddUser(idp.User{Subject: "carol-sub", Email: "carol@example.com", EmailVerified: true, Name: "Carol"})
			// No JIT, no mapping, activation on: only the invite lets carol in.
			conn := a.ssoOrg(orgA, adam, ip, "A IdP", models.Provisioning{JIT: false, Activation: true, SyncRoles: true})

			// Before the invite she is refused.
			p := a.sso(a.client(), orgA, conn, ip, "carol-sub", false)
			assertStatus(t, p, http.StatusForbidden)

			admin := a.client()
			admin.loginAs(adam)
			assertStatus(t, admin.post("/o/orga/members", url.Values{"email": {"Carol@Example.com"}, "role": {"admin"}}), http.StatusOK)

			b := a.client()
			p = a.sso(b, orgA, conn, ip, "carol-sub", false)
			if p.status != http.StatusSeeOther || p.location() != "/o/orga" {
				t.Fatalf("invited login: %d to %q\n%s", p.status, p.location(), p.body)
			}
			if got, _ := meEmail(t, b); got != "carol@example.com" {
				t.Fatalf("/api/v1/me = %q", got)
			}
			assertStatus(t, b.get("/o/orga/settings/sso"), http.StatusOK) // an admin of A
			carol := a.mustUserByEmail("carol@example.com")
			m, ok := a.membership(orgA, carol)
			if !ok || m.Status != models.StatusActive || m.Roles != "admin" {
				t.Fatalf("carol in A = %+v (found %v)", m, ok)
			}
			if _, err := a.store.PendingInvite(ctx, orgA.ID, "carol@example.com"); !errors.Is(err, models.ErrNotFound) {
				t.Errorf("the invite is still pending: %v", err)
			}
			// The members page shows her active, with the connection.
			mp := admin.get("/o/orga/members")
			row := mp.testid("member-carol@example.com")
			if row.Length() != 1 || strings.TrimSpace(row.Find(`[data-testid="member-status"]`).Text()) != "active" ||
				!strings.Contains(row.Find(`[data-testid="member-connection"]`).Text(), "A IdP") {
				t.Errorf("members page row for carol: %q", strings.Join(strings.Fields(row.Text()), " "))
			}
			// And she comes back the next day the same way.
			if p := a.sso(a.client(), orgA, conn, ip, "carol-sub", false); p.status != http.StatusSeeOther {
				t.Fatalf("second login: %d\n%s", p.status, p.body)
			}
		})
	}
}

// ---- (d) an account pre-created by another org's IdP

// Eve's IdP asserts victim@example.com before the victim ever signs in, so
// evil's SSO creates that account and links it to eve's IdP. Later org Y
// invites victim@example.com and the real victim accepts through Y's IdP.
// Eve's IdP must not thereby open org Y: signing in through evil's
// connection must not give a session that is a member of Y.
func TestAccountPreCreatedByAnotherOrgsIdPDoesNotOpenTheInvitingOrg(t *testing.T) {
	a := newTrustApp(t)
	eve := a.user("eve@evil.test")
	evil := a.org("evil", "Evil")
	a.grant(eve, evil, "admin")
	evilIdP := a.idpFor("evil")
	evilIdP.AddUser(idp.User{Subject: "eve-as-victim", Email: "victim@example.com", EmailVerified: true})
	evilConn := a.ssoOrg(evil, eve, evilIdP, "Evil IdP", models.Provisioning{JIT: true, DefaultRole: "user"})
	evil, _ = a.store.Organization(context.Background(), evil.ID)
	if p := a.sso(a.client(), evil, evilConn, evilIdP, "eve-as-victim", false); p.status != http.StatusSeeOther {
		t.Fatalf("eve's pre-creating login: %d\n%s", p.status, p.body)
	}

	yann := a.user("yann@y.test")
	orgY := a.org("orgy", "Org Y")
	a.grant(yann, orgY, "admin")
	yIdP := a.idpFor("orgy")
	yIdP.AddUser(idp.User{Subject: "victim", Email: "victim@example.com", EmailVerified: true})
	yConn := a.ssoOrg(orgY, yann, yIdP, "Y IdP", models.Provisioning{JIT: false, SyncRoles: true})
	orgY, _ = a.store.Organization(context.Background(), orgY.ID)
	admin := a.client()
	admin.loginAs(yann)
	assertStatus(t, admin.post("/o/orgy/members", url.Values{"email": {"victim@example.com"}, "role": {"admin"}}), http.StatusOK)
	// The victim signs in to Y (accepted, or refused and told to link: either
	// is safe for Y so long as eve's IdP gets no way in).
	a.sso(a.client(), orgY, yConn, yIdP, "victim", false)

	b := a.client()
	if p := a.sso(b, evil, evilConn, evilIdP, "eve-as-victim", false); p.status != http.StatusSeeOther {
		t.Logf("eve's later login: %d", p.status)
	}
	if p := b.get("/o/orgy/members"); p.status == http.StatusOK {
		t.Fatal("signing in through evil's IdP opens org Y's members page")
	}
	if p := b.get("/o/orgy"); p.status == http.StatusOK {
		t.Fatal("signing in through evil's IdP opens org Y")
	}
}
