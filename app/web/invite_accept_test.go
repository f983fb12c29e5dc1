package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/orgsso/orgsso/app/apptest"
	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/app/secrets"
	"github.com/orgsso/orgsso/e2e/idp"
	"github.com/orgsso/orgsso/models"
)

// invite stores an invite of o for email with role and returns its link's
// token; edit changes the invite before it is stored.
func (e *env) invite(o models.Organization, email, role string, edit ...func(*models.Invite)) (string, models.Invite) {
	e.t.Helper()
	token := secrets.Token()
	inv := models.Invite{Email: email, Role: role, TokenHash: secrets.Hash(token)}
	for _, f := range edit {
		f(&inv)
	}
	inv, err := e.store.CreateInvite(context.Background(), o.ID, inv)
	if err != nil {
		e.t.Fatalf("create invite: %v", err)
	}
	return token, inv
}

// inviteWithToken stores an invite whose link's token is token.
func (e *env) inviteWithToken(o models.Organization, email, role, token string) models.Invite {
	e.t.Helper()
	inv, err := e.store.CreateInvite(context.Background(), o.ID, models.Invite{Email: email, Role: role, TokenHash: secrets.Hash(token)})
	if err != nil {
		e.t.Fatalf("create invite: %v", err)
	}
	return inv
}

// csrfInviteToken is the link token of root's invite in the CSRF fixture.
const csrfInviteToken = "csrf-invite-token"

func (e *env) reloadInvite(inv models.Invite) models.Invite {
	e.t.Helper()
	got, err := e.store.InviteByToken(context.Background(), inv.TokenHash)
	if err != nil {
		e.t.Fatalf("reload invite: %v", err)
	}
	return got
}

func (e *env) membership(u models.User, o models.Organization) (models.Membership, bool) {
	e.t.Helper()
	m, err := e.store.Membership(context.Background(), o.ID, u.ID)
	if err != nil {
		return m, false
	}
	return m, true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// An existing account logs in with its password from the invite page and
// accepts: it becomes an active member with the invited role, the invite
// is spent, and a second accept is refused with a readable page.
func TestInviteAcceptedByPasswordLogin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	acme := e.org("acme", "Acme Corp")
	bob := e.user("bob@example.com")
	token, inv := e.invite(acme, "Bob@Example.com", "admin")
	c := e.client()

	p := c.get("/invite/" + token)
	assertStatus(t, p, http.StatusOK)
	if got := p.testid("invite").AttrOr("data-state", ""); got != "visitor" {
		t.Errorf("state %q, want visitor", got)
	}
	if p.text("invite-org") != "Acme Corp" || p.text("invite-email") != "bob@example.com" || p.text("invite-role") != "admin" {
		t.Errorf("invite page shows org %q, email %q, role %q", p.text("invite-org"), p.text("invite-email"), p.text("invite-role"))
	}
	login, _ := p.testid("invite-login").Attr("href")
	if login != "/login?return_to="+url.QueryEscape("/invite/"+token) {
		t.Errorf("log in link %q", login)
	}
	// Sign-up is off (the default): an invite does not open it.
	if p.has("invite-register") {
		t.Error("the invite offers to create an account while sign-up is off")
	}

	// The password login comes back to the invite.
	p = c.post("/login", url.Values{"email": {"bob@example.com"}, "password": {testPassword}, "return_to": {"/invite/" + token}})
	assertRedirect(t, p, "/invite/"+token)
	p = c.get("/invite/" + token)
	assertStatus(t, p, http.StatusOK)
	if !p.has("invite-accept") {
		t.Fatalf("no accept button for the invited account:\n%s", p.body)
	}
	p = c.post("/invite/"+token+"/accept", nil)
	assertRedirect(t, p, "/o/acme")
	m, ok := e.membership(bob, acme)
	if !ok || m.Status != models.StatusActive || m.Roles != "admin" || m.Source != models.SourceInvite {
		t.Errorf("membership %+v (found %v), want active admin from the invite", m, ok)
	}
	if got := e.reloadInvite(inv); got.AcceptedAt == nil || got.AcceptedBy == nil || *got.AcceptedBy != bob.ID {
		t.Errorf("invite not spent by bob: %+v", got)
	}
	if !contains(e.auditActions(&acme), "invite.accept") {
		t.Errorf("audit %v has no invite.accept", e.auditActions(&acme))
	}
	assertStatus(t, c.get("/o/acme"), http.StatusOK)

	// Spent: accepting again, or opening the link, says so.
	for _, p := range []*page{c.post("/invite/"+token+"/accept", nil), c.get("/invite/" + token)} {
		assertStatus(t, p, http.StatusGone)
		assertContains(t, "message", p.text("error-message"), "already used")
	}
}

// Someone signed in as another email is told so and offered to log out;
// their accept is refused and changes nothing.
func TestInviteRefusesAnotherSignedInEmail(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	acme := e.org("acme", "Acme Corp")
	alice := e.user("alice@example.com")
	e.user("bob@example.com")
	token, inv := e.invite(acme, "bob@example.com", "user")
	c := e.client()
	c.loginAs(alice)

	p := c.get("/invite/" + token)
	assertStatus(t, p, http.StatusOK)
	if !p.has("invite-other-user") || !p.has("invite-logout") || p.has("invite-accept") {
		t.Fatalf("page for another account: other-user %v, logout %v, accept %v", p.has("invite-other-user"), p.has("invite-logout"), p.has("invite-accept"))
	}
	assertContains(t, "notice", p.text("invite-other-user"), "alice@example.com")

	p = c.post("/invite/"+token+"/accept", nil)
	assertStatus(t, p, http.StatusForbidden)
	assertContains(t, "page", p.body, "This invite is for bob@example.com")
	if _, ok := e.membership(alice, acme); ok {
		t.Error("alice joined through bob's invite")
	}
	if got := e.reloadInvite(inv); !got.Pending(time.Now()) {
		t.Error("the refused accept spent the invite")
	}
}

// Expired, revoked and unknown invites are refused with a readable page
// wherever the link is used: the page, the accept, the sign-up.
func TestInviteExpiredRevokedOrUnknown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	acme := e.org("acme", "Acme Corp")
	e.setSetting(models.SettingAllowSignup, "true") // so that sign-up through the invite is reached
	bob := e.user("bob@example.com")
	expired, _ := e.invite(acme, "bob@example.com", "user", func(i *models.Invite) { i.ExpiresAt = time.Now().Add(-time.Hour) })
	revoked, rinv := e.invite(acme, "bob@example.com", "user")
	if _, err := e.store.RevokeInvite(context.Background(), acme.ID, rinv.ID); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	c.loginAs(bob)
	visitor := e.client()
	for _, tc := range []struct {
		name, token string
		status      int
		says        string
	}{
		{"expired", expired, http.StatusGone, "has expired"},
		{"revoked", revoked, http.StatusGone, "was revoked"},
		{"unknown", "no-such-token", http.StatusNotFound, "not valid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.t, visitor.t = t, t
			for what, p := range map[string]*page{
				"page":    c.get("/invite/" + tc.token),
				"accept":  c.post("/invite/"+tc.token+"/accept", nil),
				"sign-up": visitor.get("/register?invite=" + tc.token),
			} {
				if p.status != tc.status {
					t.Errorf("%s: status %d, want %d", what, p.status, tc.status)
				}
				if got := p.text("error-message"); !strings.Contains(got, tc.says) {
					t.Errorf("%s: message %q, want it to say %q", what, got, tc.says)
				}
			}
		})
	}
	if _, ok := e.membership(bob, acme); ok {
		t.Error("bob joined through a dead invite")
	}
}

// With platform sign-up off, an invite's link still opens the sign-up form,
// with the email fixed to the invite's; the new account is a member with
// the invited role and is logged in, in the org. An email that has an
// account gets a link to log in instead.
// With sign-up off, an invite does not open it: the link passes through the
// org admin's hands, and an account made with it would carry a password
// the admin chose for someone else's email.
func TestInviteDoesNotOpenSignupWhenItIsOff(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	acme := e.org("acme", "Acme Corp")
	e.setSetting(models.SettingAllowSignup, "false")
	token, inv := e.invite(acme, "new@example.com", "user")
	c := e.client()
	assertStatus(t, c.get("/register?invite="+token), http.StatusNotFound)
	p := c.post("/register", url.Values{"invite": {token}, "password": {"my own long password"}})
	assertStatus(t, p, http.StatusNotFound)
	if e.count("users", "email = ?", "new@example.com") != 0 || e.reloadInvite(inv).AcceptedAt != nil {
		t.Error("an account was created through the invite with sign-up off")
	}
}

func TestRegisterThroughInvite(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	acme := e.org("acme", "Acme Corp")
	e.setSetting(models.SettingAllowSignup, "true")
	token, inv := e.invite(acme, "new@example.com", "user")
	c := e.client()

	if href, _ := c.get("/invite/" + token).testid("invite-register").Attr("href"); href != "/register?invite="+token {
		t.Errorf("register link %q", href)
	}
	p := c.get("/register?invite=" + token)
	assertStatus(t, p, http.StatusOK)
	field := p.testid("register-email")
	if v, _ := field.Attr("value"); v != "new@example.com" {
		t.Errorf("email field %q", v)
	}
	if _, ro := field.Attr("readonly"); !ro {
		t.Error("the email field is editable")
	}
	if p.inputValue("invite") != token {
		t.Error("no hidden invite token in the form")
	}

	// The form's email is ignored: the account is the invite's.
	p = c.post("/register", url.Values{"invite": {token}, "email": {"other@example.com"}, "name": {"New"}, "password": {"my own long password"}})
	assertRedirect(t, p, "/o/acme")
	u, err := e.store.UserByEmail(context.Background(), "new@example.com")
	if err != nil {
		t.Fatalf("account not created: %v", err)
	}
	if _, err := e.store.UserByEmail(context.Background(), "other@example.com"); err == nil {
		t.Error("an account was created for the form's email")
	}
	if m, ok := e.membership(u, acme); !ok || m.Status != models.StatusActive || m.Roles != "user" {
		t.Errorf("membership %+v (found %v), want active user", m, ok)
	}
	if e.reloadInvite(inv).AcceptedAt == nil {
		t.Error("invite not spent")
	}
	c.assertLoggedInAs("new@example.com")
	assertStatus(t, c.get("/o/acme"), http.StatusOK)
	if a := e.auditActions(&acme); !contains(a, "invite.accept") {
		t.Errorf("audit %v has no invite.accept", a)
	}

	t.Run("an account exists", func(t *testing.T) {
		e := e.in(t)
		e.user("old@example.com")
		token, inv := e.invite(acme, "old@example.com", "admin")
		c := e.client()
		login := "/login?return_to=" + url.QueryEscape("/invite/"+token)
		// The form looks the same whether or not an account exists.
		p := c.get("/register?invite=" + token)
		assertStatus(t, p, http.StatusOK)
		if p.has("register-account-exists") {
			t.Error("the invite's sign-up form tells whoever holds the link that an account exists")
		}
		users := e.count("users", "")
		p = c.post("/register", url.Values{"invite": {token}, "password": {"my own long password"}})
		assertStatus(t, p, http.StatusConflict)
		assertContains(t, "notice", p.text("register-account-exists"), "An account for old@example.com exists")
		if href, _ := p.testid("register-login-link").Attr("href"); href != login {
			t.Errorf("log in link %q, want %q", href, login)
		}
		if e.count("users", "") != users || e.reloadInvite(inv).AcceptedAt != nil || c.session() != "" {
			t.Error("the refused sign-up changed something")
		}
	})
}

// An org that requires SSO offers only its identity provider on the invite
// page, and refuses to accept by password or to create a password account.
func TestInviteRefusesPasswordAcceptanceWhenOrgEnforcesSSO(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	acme := e.org("acme", "Acme Corp")
	admin := e.user("admin@example.com")
	e.grant(admin, acme, "admin")
	conn, _ := seedConnection(t, e, acme, admin)
	if err := e.store.SetSSO(context.Background(), acme.ID, true, true); err != nil {
		t.Fatal(err)
	}
	e.setSetting(models.SettingAllowSignup, "true") // even so, no password account through its invite
	bob := e.user("bob@example.com")
	token, inv := e.invite(acme, "bob@example.com", "user")

	v := e.client()
	p := v.get("/invite/" + token)
	assertStatus(t, p, http.StatusOK)
	if p.has("invite-login") || p.has("invite-register") {
		t.Error("password ways offered for an org that requires SSO")
	}
	want := "/o/acme/sso/" + conn.PublicID + "/start?login_hint=" + url.QueryEscape("bob@example.com") + "&return_to=" + url.QueryEscape("/o/acme")
	if href, _ := p.doc.Find(`[data-testid="invite-sso"][data-connection-id="` + conn.PublicID + `"]`).Attr("href"); href != want {
		t.Errorf("SSO button %q, want %q", href, want)
	}
	assertRedirect(t, v.get("/register?invite="+token), "/invite/"+token)
	p = v.post("/register", url.Values{"invite": {token}, "password": {"my own long password"}})
	assertStatus(t, p, http.StatusForbidden)
	assertContains(t, "message", p.text("error-message"), "requires single sign-on")

	c := e.client()
	c.loginAs(bob)
	p = c.get("/invite/" + token)
	assertStatus(t, p, http.StatusOK)
	if p.has("invite-accept") || !p.has("invite-sso-required") || !p.has("invite-sso") {
		t.Errorf("page for a password session: accept %v, sso-required %v, sso buttons %v", p.has("invite-accept"), p.has("invite-sso-required"), p.has("invite-sso"))
	}
	p = c.post("/invite/"+token+"/accept", nil)
	assertStatus(t, p, http.StatusForbidden)
	assertContains(t, "page", p.body, "requires single sign-on")
	if _, ok := e.membership(bob, acme); ok {
		t.Error("bob joined by password an org that requires SSO")
	}
	if _, err := e.store.UserByEmail(context.Background(), "bob@example.com"); err != nil {
		t.Fatal(err)
	}
	if !e.reloadInvite(inv).Pending(time.Now()) {
		t.Error("the refused accept spent the invite")
	}
}

// ---- SSO round trips against the in-process IdP

// ssoApp is the whole app with org "acme" whose tested, enabled OIDC
// connection "Okta" points at an in-process IdP.
type ssoApp struct {
	t    *testing.T
	srv  *apptest.Server
	idp  *idp.OIDCServer
	org  models.Organization
	conn models.Connection
}

func newSSOApp(t *testing.T, prov models.Provisioning) *ssoApp {
	t.Helper()
	ctx := context.Background()
	srv := apptest.Start(t, apptest.Listen(t), nil, nil)
	ip := idp.NewOIDC(t)
	ip.AddClient(idp.Client{ID: apptest.ClientID, Secret: apptest.ClientSecret, RedirectURIs: []string{srv.URL + "/o/acme/oidc/callback"}})
	ip.AddUser(idp.User{Subject: "admin-sub", Email: "admin@acme.test", EmailVerified: true, Name: "Admin"})
	org, err := srv.Store.CreateOrganization(ctx, "acme", "Acme")
	if err != nil {
		t.Fatal(err)
	}
	admin, err := srv.Store.CreateUser(ctx, models.User{Email: "admin@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Store.PutMember(ctx, org.ID, admin.ID, []string{authz.RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	conn := apptest.AddConnection(t, srv.App, org, ip, "Okta", prov)
	apptest.PassTest(t, srv.App, org, conn, ip, admin.ID)
	if err := srv.Store.SetSSO(ctx, org.ID, true, false); err != nil {
		t.Fatal(err)
	}
	return &ssoApp{t: t, srv: srv, idp: ip, org: org, conn: conn}
}

func (a *ssoApp) user(email string, edit ...func(*models.User)) models.User {
	a.t.Helper()
	u := models.User{Email: email, EmailVerified: true}
	for _, f := range edit {
		f(&u)
	}
	u, err := a.srv.Store.CreateUser(context.Background(), u)
	if err != nil {
		a.t.Fatal(err)
	}
	return u
}

// browser is a cookie jar that does not follow redirects.
type browser struct {
	a  *ssoApp
	hc *http.Client
}

func (a *ssoApp) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{a: a, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// loginAs plants a session for u, as a password login leaves it.
func (b *browser) loginAs(u models.User) {
	b.a.t.Helper()
	id := secrets.Token()
	now := time.Now().UTC()
	if err := b.a.srv.Store.CreateSession(context.Background(), models.Session{IDHash: hashID(id), UserID: u.ID,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		b.a.t.Fatal(err)
	}
	base, _ := url.Parse(b.a.srv.URL)
	b.hc.Jar.SetCookies(base, []*http.Cookie{{Name: sessionCookie, Value: id, Path: "/"}})
}

// get fetches path (or an absolute URL) and parses the answer.
func (b *browser) get(path string) *page {
	b.a.t.Helper()
	if strings.HasPrefix(path, "/") {
		path = b.a.srv.URL + path
	}
	res, err := b.hc.Get(path)
	if err != nil {
		b.a.t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(body)))
	if err != nil {
		b.a.t.Fatal(err)
	}
	return &page{status: res.StatusCode, header: res.Header, body: string(body), doc: doc}
}

// sso follows a start link through the IdP (as subject) and returns the
// callback's answer.
func (b *browser) sso(startPath, subject string) *page {
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
	return b.get(cb.String())
}

// whoami is the email the server knows the browser as ("" for none).
func (b *browser) whoami() string {
	b.a.t.Helper()
	p := b.get("/account")
	if p.status != http.StatusOK {
		return ""
	}
	return p.text("account-email")
}

func (a *ssoApp) auditActions() []string {
	a.t.Helper()
	var out []string
	if err := a.srv.Store.DB().Write.Table("audit_events").Where("org_id = ?", a.org.ID).Order("id").Pluck("action", &out).Error; err != nil {
		a.t.Fatal(err)
	}
	return out
}

// Through the invite page's SSO button, with accounts not created at first
// sign-in (JIT off): the IdP asserts the invited email as verified, so the
// login creates the account and accepts the invite with its role.
func TestInviteAcceptedThroughSSO(t *testing.T) {
	t.Parallel()
	a := newSSOApp(t, models.Provisioning{JIT: false})
	a.idp.AddUser(idp.User{Subject: "carol-sub", Email: "carol@acme.test", EmailVerified: true, Name: "Carol"})
	token := secrets.Token()
	inv, err := a.srv.Store.CreateInvite(context.Background(), a.org.ID, models.Invite{Email: "carol@acme.test", Role: "admin", TokenHash: secrets.Hash(token)})
	if err != nil {
		t.Fatal(err)
	}
	b := a.browser()
	p := b.get("/invite/" + token)
	assertStatus(t, p, http.StatusOK)
	start, ok := p.doc.Find(`[data-testid="invite-sso"][data-connection-id="` + a.conn.PublicID + `"]`).Attr("href")
	if !ok {
		t.Fatalf("no SSO button on the invite page:\n%s", p.body)
	}
	p = b.sso(start, "carol-sub")
	assertRedirect(t, p, "/o/acme")
	carol, err := a.srv.Store.UserByEmail(context.Background(), "carol@acme.test")
	if err != nil {
		t.Fatalf("no account for carol: %v", err)
	}
	m, err := a.srv.Store.Membership(context.Background(), a.org.ID, carol.ID)
	if err != nil || m.Status != models.StatusActive || m.Roles != "admin" {
		t.Errorf("membership %+v (%v), want active admin", m, err)
	}
	if got, _ := a.srv.Store.InviteByToken(context.Background(), inv.TokenHash); got.AcceptedAt == nil {
		t.Error("invite not spent")
	}
	if !contains(a.auditActions(), "invite.accept") {
		t.Errorf("audit %v has no invite.accept", a.auditActions())
	}
	if got := b.whoami(); got != "carol@acme.test" {
		t.Errorf("signed in as %q", got)
	}
	// Spent: the link now says so.
	p = a.browser().get("/invite/" + token)
	assertStatus(t, p, http.StatusGone)
}

// The link step: a signed-in platform admin, whom the connection may never
// sign in on its own, links their IdP identity from the org login page;
// the identity is linked to that account, the audit says identity.link, and
// a later plain SSO login through the connection signs in that account.
func TestLinkStepLinksTheSignedInAccount(t *testing.T) {
	t.Parallel()
	a := newSSOApp(t, models.Provisioning{JIT: false})
	ctx := context.Background()
	a.idp.AddUser(idp.User{Subject: "root-sub", Email: "root@acme.test", EmailVerified: true, Name: "Root"})
	root := a.user("root@acme.test", func(u *models.User) { u.PlatformAdmin = true })
	if err := a.srv.Store.PutMember(ctx, a.org.ID, root.ID, []string{authz.RoleUser}); err != nil {
		t.Fatal(err)
	}
	start := "/o/acme/sso/" + a.conn.PublicID + "/start"

	// Before the link, the connection may not sign in a platform admin.
	p := a.browser().sso(start, "root-sub")
	assertStatus(t, p, http.StatusForbidden)
	assertContains(t, "refusal", p.text("error-message"), "already exists")

	b := a.browser()
	b.loginAs(root)
	p = b.get("/o/acme/login")
	assertStatus(t, p, http.StatusOK)
	link, ok := p.testid("link-" + a.conn.PublicID).Attr("href")
	if !ok || !strings.Contains(link, "link=1") {
		t.Fatalf("no link button (%q) on the org login page:\n%s", link, p.body)
	}
	p = b.sso(link, "root-sub")
	assertRedirect(t, p, "/account")
	l, err := a.srv.Store.IdentityLinkBySubject(ctx, a.conn.ID, "root-sub")
	if err != nil || l.UserID != root.ID {
		t.Fatalf("link %+v (%v), want to root", l, err)
	}
	if !contains(a.auditActions(), "identity.link") {
		t.Errorf("audit %v has no identity.link", a.auditActions())
	}
	p = b.get("/account")
	if got := p.doc.Find(`[data-testid="account-link"][data-connection-id="` + a.conn.PublicID + `"]`).Length(); got != 1 {
		t.Errorf("account page lists %d links to Okta, want 1", got)
	}

	// A later plain login through the connection signs in that account.
	fresh := a.browser()
	p = fresh.sso(start, "root-sub")
	assertRedirect(t, p, "/o/acme")
	if got := fresh.whoami(); got != "root@acme.test" {
		t.Errorf("plain SSO login signed in %q, want root@acme.test", got)
	}
}

// A link start needs a signed-in person: a visitor is sent to log in.
func TestLinkStartWhenNotSignedInGoesToLogin(t *testing.T) {
	t.Parallel()
	a := newSSOApp(t, models.Provisioning{JIT: true})
	start := "/o/acme/sso/" + a.conn.PublicID + "/start?link=1"
	p := a.browser().get(start)
	assertRedirect(t, p, "/login?return_to="+url.QueryEscape(start))
	var states int64
	if err := a.srv.Store.DB().Write.Model(&models.LoginState{}).Where("is_link = ?", true).Count(&states).Error; err != nil {
		t.Fatal(err)
	}
	if states != 0 {
		t.Errorf("%d link states stored for a visitor", states)
	}
}

// An identity already linked to another account is not linked again: the
// link step ends on a readable page and the link stays where it was.
func TestLinkRefusedWhenIdentityLinkedElsewhere(t *testing.T) {
	t.Parallel()
	a := newSSOApp(t, models.Provisioning{JIT: false})
	ctx := context.Background()
	a.idp.AddUser(idp.User{Subject: "dave-sub", Email: "dave@acme.test", EmailVerified: true})
	dave := a.user("dave@acme.test")
	if err := a.srv.Store.LinkIdentity(ctx, a.conn.ID, "dave-sub", dave.ID); err != nil {
		t.Fatal(err)
	}
	eve := a.user("eve@elsewhere.test")
	if err := a.srv.Store.PutMember(ctx, a.org.ID, eve.ID, []string{authz.RoleUser}); err != nil {
		t.Fatal(err)
	}
	b := a.browser()
	b.loginAs(eve)
	p := b.sso("/o/acme/sso/"+a.conn.PublicID+"/start?link=1", "dave-sub")
	assertStatus(t, p, http.StatusConflict)
	assertContains(t, "message", p.text("error-message"), "already linked to another account")
	if l, err := a.srv.Store.IdentityLinkBySubject(ctx, a.conn.ID, "dave-sub"); err != nil || l.UserID != dave.ID {
		t.Errorf("link %+v (%v), want still dave's", l, err)
	}
	if contains(a.auditActions(), "identity.link") {
		t.Error("identity.link audited for a refused link")
	}
	if got := b.whoami(); got != "eve@elsewhere.test" {
		t.Errorf("after the refused link the browser is %q, want still eve", got)
	}
}
