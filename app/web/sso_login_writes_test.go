package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/mattn/go-sqlite3"

	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/app/secrets"
	"github.com/orgsso/orgsso/e2e/idp"
	"github.com/orgsso/orgsso/models"
)

// syncProv maps IT to admin and DATA_SCIENCE to user, synced at each login.
var syncProv = models.Provisioning{JIT: true, SyncRoles: true, GroupMappings: "IT->admin;DATA_SCIENCE->user"}

// countCommits counts the write transactions committed on the app's write
// connection from now on, with SQLite's commit hook (a read-only
// transaction does not fire it; the write pool is one connection). It
// skips the test on PostgreSQL.
func countCommits(t *testing.T, db *models.DB) *atomic.Int64 {
	t.Helper()
	if db.Dialect != models.DialectSQLite {
		t.Skip("counts commits with SQLite's commit hook")
	}
	sqlDB, err := db.Write.DB()
	if err != nil {
		t.Fatal(err)
	}
	if n := sqlDB.Stats().MaxOpenConnections; n != 1 {
		t.Fatalf("the write pool has up to %d connections, want 1", n)
	}
	conn, err := sqlDB.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var n atomic.Int64
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*sqlite3.SQLiteConn)
		if !ok {
			return fmt.Errorf("the write connection is a %T", dc)
		}
		c.RegisterCommitHook(func() int { n.Add(1); return 0 })
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return &n
}

// callbackOf follows a start link to the IdP (as subject) and returns the
// callback URL the IdP sends the browser to, without opening it.
func (b *browser) callbackOf(startPath, subject string) string {
	b.a.t.Helper()
	p := b.get(startPath)
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), b.a.idp.Issuer()) {
		b.a.t.Fatalf("start %s: %d to %q\n%s", startPath, p.status, p.location(), p.body)
	}
	b.a.idp.SetUser(subject)
	cb, err := b.a.idp.Authorize(context.Background(), p.location())
	if err != nil {
		b.a.t.Fatal(err)
	}
	return cb.String()
}

// post submits form as a browser submitting a page's form does.
func (b *browser) post(path string, form url.Values) *page {
	b.a.t.Helper()
	res, err := b.hc.PostForm(b.a.srv.URL+path, form)
	if err != nil {
		b.a.t.Fatalf("POST %s: %v", path, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(body)))
	if err != nil {
		b.a.t.Fatal(err)
	}
	return &page{status: res.StatusCode, header: res.Header, body: string(body), doc: doc}
}

func (a *ssoApp) start() string { return "/o/acme/sso/" + a.conn.PublicID + "/start" }

func (a *ssoApp) rolesOf(email string) []string {
	a.t.Helper()
	ctx := context.Background()
	u, err := a.srv.Store.UserByEmail(ctx, email)
	if err != nil {
		a.t.Fatal(err)
	}
	m, err := a.srv.Store.Membership(ctx, a.org.ID, u.ID)
	if err != nil {
		a.t.Fatal(err)
	}
	return m.RoleList()
}

// events returns the org's audit events with action, oldest first.
func (a *ssoApp) events(action string) []models.AuditEvent {
	a.t.Helper()
	var out []models.AuditEvent
	if err := a.srv.Store.DB().Write.Where("org_id = ? AND action = ?", a.org.ID, action).Order("id").Find(&out).Error; err != nil {
		a.t.Fatal(err)
	}
	return out
}

// The callback of a member's SSO login commits once for a returning member,
// whether or not their profile and roles change (they are written with the
// session), and twice for a first login (the admission, then the session).
func TestSSOCallbackWriteTransactions(t *testing.T) {
	t.Parallel()
	a := newSSOApp(t, syncProv)
	a.idp.AddUser(idp.User{Subject: "bob-sub", Email: "bob@acme.test", EmailVerified: true, Name: "Bob", Groups: []string{"DATA_SCIENCE"}})
	commits := countCommits(t, a.srv.Store.DB())
	login := func(want int64) {
		t.Helper()
		b := a.browser()
		cb := b.callbackOf(a.start(), "bob-sub")
		before := commits.Load()
		assertRedirect(t, b.get(cb), "/o/acme")
		if got := commits.Load() - before; got != want {
			t.Errorf("the callback committed %d write transactions, want %d", got, want)
		}
	}
	login(2) // first login (JIT): the account, link and membership; then the session
	if got := a.rolesOf("bob@acme.test"); !slices.Equal(got, []string{"user"}) {
		t.Fatalf("roles after the first login = %v", got)
	}
	login(1) // returning, nothing changed
	a.idp.AddUser(idp.User{Subject: "bob-sub", Email: "bob@acme.test", EmailVerified: true, Name: "Robert", Groups: []string{"IT"}})
	login(1) // returning with a new name and a new group: still one
	if got := a.rolesOf("bob@acme.test"); !slices.Equal(got, []string{"admin"}) {
		t.Errorf("roles after the group change = %v, want [admin]", got)
	}
	if u, _ := a.srv.Store.UserByEmail(context.Background(), "bob@acme.test"); u.Name != "Robert" {
		t.Errorf("name after the change = %q, want Robert", u.Name)
	}
}

// A returning member whose IdP groups changed: the role sync is written
// with the session, with its change log row (what other instances read)
// and the member.roles_synced event in its usual form, before user.login.
func TestSSORoleSyncIsWrittenWithTheSession(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newSSOApp(t, syncProv)
	a.idp.AddUser(idp.User{Subject: "bob-sub", Email: "bob@acme.test", EmailVerified: true, Name: "Bob", Groups: []string{"DATA_SCIENCE"}})
	assertRedirect(t, a.browser().sso(a.start(), "bob-sub"), "/o/acme")
	bob, err := a.srv.Store.UserByEmail(ctx, "bob@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	rev, err := a.srv.Store.AuthzRevision(ctx)
	if err != nil {
		t.Fatal(err)
	}

	a.idp.AddUser(idp.User{Subject: "bob-sub", Email: "bob@acme.test", EmailVerified: true, Name: "Bob", Groups: []string{"IT"}})
	b := a.browser()
	assertRedirect(t, b.sso(a.start(), "bob-sub"), "/o/acme")
	if got := a.rolesOf("bob@acme.test"); !slices.Equal(got, []string{"admin"}) {
		t.Fatalf("roles = %v, want [admin]", got)
	}
	changes, err := a.srv.Store.AccessChanges(ctx, rev, rev+100, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || changes[0].UserID != bob.ID || changes[0].OrgID != a.org.ID || changes[0].Revision != rev+1 {
		t.Errorf("access changes after revision %d = %+v, want one for bob in the org at %d", rev, changes, rev+1)
	}
	synced := a.events("member.roles_synced")
	if len(synced) != 1 || synced[0].Details != "user -> admin" || synced[0].Target != bob.Email ||
		synced[0].ActorID == nil || *synced[0].ActorID != bob.ID {
		t.Fatalf("member.roles_synced events = %+v, want one of bob, \"user -> admin\"", synced)
	}
	logins := a.events("user.login")
	if len(logins) != 2 || logins[1].ID < synced[0].ID {
		t.Errorf("user.login events %+v: want the second after the role sync", logins)
	}
	// The session the login wrote acts with the new role at once.
	if p := b.get("/o/acme/members"); p.status != http.StatusOK {
		t.Errorf("members page as the new admin: %d", p.status)
	}
}

// The connection is switched off while the IdP answers the code exchange
// of a returning member whose groups and name changed: the login is
// refused at commit, and neither the roles, the profile, the change log
// nor any audit event of the change is written.
func TestSSOLoginRefusedAtCommitWritesNoRoleSync(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newSSOApp(t, syncProv)
	a.idp.AddUser(idp.User{Subject: "bob-sub", Email: "bob@acme.test", EmailVerified: true, Name: "Bob", Groups: []string{"DATA_SCIENCE"}})
	assertRedirect(t, a.browser().sso(a.start(), "bob-sub"), "/o/acme")
	rev, err := a.srv.Store.AuthzRevision(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var sessions, events int64
	count := func() (int64, int64) {
		t.Helper()
		var s, e int64
		a.srv.Store.DB().Write.Model(&models.Session{}).Count(&s)
		a.srv.Store.DB().Write.Model(&models.AuditEvent{}).Where("org_id = ?", a.org.ID).Count(&e)
		return s, e
	}
	sessions, events = count()

	a.idp.AddUser(idp.User{Subject: "bob-sub", Email: "bob@acme.test", EmailVerified: true, Name: "Robert", Groups: []string{"IT"}})
	var switched atomic.Bool
	a.idp.TamperIDToken(func(*idp.IDToken) {
		if switched.CompareAndSwap(false, true) {
			// Straight to the database, as another instance's write looks to this one.
			if err := a.srv.Store.DB().Write.Exec("UPDATE connections SET active = ? WHERE id = ?", false, a.conn.ID).Error; err != nil {
				t.Error(err)
			}
		}
	})
	p := a.browser().sso(a.start(), "bob-sub")
	if !switched.Load() {
		t.Fatal("the connection was not switched off during the code exchange")
	}
	assertStatus(t, p, http.StatusConflict)
	assertContains(t, "page", p.text("error-message"), "settings changed")

	if got := a.rolesOf("bob@acme.test"); !slices.Equal(got, []string{"user"}) {
		t.Errorf("roles = %v after a refused login, want still [user]", got)
	}
	if u, _ := a.srv.Store.UserByEmail(ctx, "bob@acme.test"); u.Name != "Bob" {
		t.Errorf("name = %q after a refused login, want still Bob", u.Name)
	}
	if now, _ := a.srv.Store.AuthzRevision(ctx); now != rev {
		t.Errorf("authz revision moved from %d to %d for a refused login", rev, now)
	}
	if s, e := count(); s != sessions || e != events {
		t.Errorf("sessions %d -> %d, org audit events %d -> %d for a refused login; want no new ones", sessions, s, events, e)
	}
}

// A first login that waits for consent and accepts an invite: the invite's
// role is one the connection's mappings manage, so the role sync at that
// login takes it away (the mappings say who is admin). The sync rides with
// the session the consent answer writes.
func TestConsentAnswerWritesTheRoleSync(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	prov := syncProv
	prov.Consent = true
	a := newSSOApp(t, prov)
	a.idp.AddUser(idp.User{Subject: "carol-sub", Email: "carol@acme.test", EmailVerified: true, Name: "Carol", Groups: []string{"DATA_SCIENCE"}})
	if _, err := a.srv.Store.CreateInvite(ctx, a.org.ID, models.Invite{Email: "carol@acme.test", Role: authz.RoleAdmin, TokenHash: secrets.Hash(secrets.Token())}); err != nil {
		t.Fatal(err)
	}
	b := a.browser()
	p := b.sso(a.start(), "carol-sub")
	assertStatus(t, p, http.StatusOK)
	token := p.inputValue("token")
	if token == "" {
		t.Fatalf("no consent page:\n%s", p.body)
	}
	p = b.post("/o/acme/consent", url.Values{"_csrf": {p.inputValue("_csrf")}, "token": {token}, "decision": {"accept"}})
	assertRedirect(t, p, "/o/acme")
	if got := a.rolesOf("carol@acme.test"); !slices.Equal(got, []string{"user"}) {
		t.Errorf("roles = %v, want [user]: the role sync of the consent answer was lost", got)
	}
	if synced := a.events("member.roles_synced"); len(synced) != 1 || synced[0].Details != "admin,user -> user" {
		t.Errorf("member.roles_synced events = %+v", synced)
	}
	for _, action := range []string{"user.provision", "invite.accept", "user.login"} {
		if len(a.events(action)) != 1 {
			t.Errorf("audit %v: want one %s", a.auditActions(), action)
		}
	}
}

// The link step of a signed-in member whose IdP groups map to a role they
// lack: the link is made and the role sync rides with the session the
// link's login writes.
func TestLinkStepWritesTheRoleSync(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newSSOApp(t, models.Provisioning{SyncRoles: true, GroupMappings: "IT->admin"})
	a.idp.AddUser(idp.User{Subject: "eve-sub", Email: "eve@elsewhere.test", EmailVerified: true, Name: "Eve", Groups: []string{"IT"}})
	eve := a.user("eve@elsewhere.test")
	if err := a.srv.Store.PutMember(ctx, a.org.ID, eve.ID, []string{authz.RoleUser}); err != nil {
		t.Fatal(err)
	}
	b := a.browser()
	b.loginAs(eve)
	p := b.sso(a.start()+"?link=1&return_to=/account", "eve-sub")
	assertRedirect(t, p, "/account")
	if l, err := a.srv.Store.IdentityLinkBySubject(ctx, a.conn.ID, "eve-sub"); err != nil || l.UserID != eve.ID {
		t.Fatalf("link %+v (%v), want to eve", l, err)
	}
	if got := a.rolesOf("eve@elsewhere.test"); !slices.Equal(got, []string{"admin", "user"}) {
		t.Errorf("roles = %v, want [admin user]: the role sync of the link's login was lost", got)
	}
	if synced := a.events("member.roles_synced"); len(synced) != 1 || synced[0].Details != "user -> admin,user" {
		t.Errorf("member.roles_synced events = %+v", synced)
	}
}
