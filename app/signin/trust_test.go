package signin_test

// Invariant 9 (whom an org's connection may sign in) as a matrix of its
// branches, the test preview's notes (the same decision, and invariant 10:
// they do not tell an org admin whether an account exists outside the org),
// and per-org standing (invariant 4) at the store.

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/orgsso/orgsso/app/connector/oidc"
	"github.com/orgsso/orgsso/app/secrets"
	"github.com/orgsso/orgsso/app/signin"
	"github.com/orgsso/orgsso/e2e/idp"
	"github.com/orgsso/orgsso/models"
)

// ---- helpers

// secondIdP is another connection of the same org, to another IdP.
type secondIdP struct {
	conn models.Connection
	idp  *idp.OIDCServer
}

// addConnection stores a second active connection of e.org named name, to
// a new in-process IdP, and passes a test of it (so member logins may use
// it once SSO is on).
func (e *env) addConnection(name string, prov models.Provisioning) secondIdP {
	e.t.Helper()
	ctx := context.Background()
	srv := idp.NewOIDC(e.t)
	srv.AddClient(idp.Client{ID: "orgsso", Secret: "s3cret", RedirectURIs: []string{baseURL + "/o/acme/oidc/callback"}})
	srv.AddUser(idp.User{Subject: "tester", Email: "tester@elsewhere.test", EmailVerified: true})
	cj, _ := json.Marshal(oidc.Config{Issuer: srv.Issuer(), Discovery: true, ClientID: "orgsso",
		Scopes: []string{"openid", "email", "profile", "groups"}})
	pj, _ := json.Marshal(prov)
	conn, err := e.store.CreateConnection(ctx, e.org.ID, models.Connection{Protocol: models.ProtocolOIDC, Preset: "generic",
		DisplayName: name, Active: true, Config: string(cj), Provisioning: string(pj)})
	if err != nil {
		e.t.Fatal(err)
	}
	conn.SealedSecret = e.sealer.Seal("s3cret", signin.SecretBinding(conn))
	conn.ConfigHash = conn.Fingerprint()
	if conn, err = e.store.UpdateConnection(ctx, e.org.ID, conn); err != nil {
		e.t.Fatal(err)
	}
	s := secondIdP{conn: conn, idp: srv}
	if res, err := e.via(s, "tester", true); err != nil || !res.TestRun.Passed() {
		e.t.Fatalf("test of %s: %+v %v", name, res.TestRun, err)
	}
	return s
}

// via runs a member login (or, with isTest, an admin's test) through
// another connection of the org.
func (e *env) via(s secondIdP, subject string, isTest bool) (signin.Result, error) {
	e.t.Helper()
	ctx := context.Background()
	req := signin.BeginRequest{Org: e.org, Connection: s.conn, ReturnTo: "/o/acme", IsTest: isTest}
	if isTest {
		req.UserID = &e.admin.ID
	}
	u, binding, err := e.svc.Begin(ctx, req)
	if err != nil {
		return signin.Result{}, err
	}
	s.idp.SetUser(subject)
	cb, err := s.idp.Authorize(ctx, u)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.finish(cb.String(), binding)
}

// invite stores a pending invite of e.org for email with role.
func (e *env) invite(email, role string) models.Invite {
	e.t.Helper()
	inv, err := e.store.CreateInvite(context.Background(), e.org.ID, models.Invite{Email: email, Role: role,
		TokenHash: secrets.Hash(secrets.Token()), CreatedBy: &e.admin.ID, CreatedByEmail: e.admin.Email})
	if err != nil {
		e.t.Fatal(err)
	}
	return inv
}

// inviteState reloads an invite by its token hash.
func (e *env) inviteState(inv models.Invite) models.Invite {
	e.t.Helper()
	got, err := e.store.InviteByToken(context.Background(), inv.TokenHash)
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

// otherOrg creates another org.
func (e *env) otherOrg(slug string) models.Organization {
	e.t.Helper()
	o, err := e.store.CreateOrganization(context.Background(), slug, strings.ToUpper(slug[:1])+slug[1:]+" Inc")
	if err != nil {
		e.t.Fatal(err)
	}
	return o
}

func (e *env) verifyDomain(domain string) {
	e.t.Helper()
	ctx := context.Background()
	d, err := e.store.AddDomain(ctx, e.org.ID, domain, "challenge-"+domain)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.store.MarkDomainVerified(ctx, e.org.ID, d.ID); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) mustUser(email string) models.User {
	e.t.Helper()
	u, err := e.store.UserByEmail(context.Background(), email)
	if err != nil {
		e.t.Fatalf("account %s: %v", email, err)
	}
	return u
}

func (e *env) noUser(email string) {
	e.t.Helper()
	if u, err := e.store.UserByEmail(context.Background(), email); !errors.Is(err, models.ErrNotFound) {
		e.t.Fatalf("account %s exists: %+v, %v", email, u, err)
	}
}

func (e *env) createUser(u models.User) models.User {
	e.t.Helper()
	u, err := e.store.CreateUser(context.Background(), u)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// linkedTo returns the account (conn, subject) is linked to, or 0.
func (e *env) linkedTo(conn models.Connection, subject string) int64 {
	e.t.Helper()
	l, err := e.store.IdentityLinkBySubject(context.Background(), conn.ID, subject)
	if errors.Is(err, models.ErrNotFound) {
		return 0
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return l.UserID
}

func (e *env) membership(orgID, userID int64) (models.Membership, bool) {
	e.t.Helper()
	m, err := e.store.Membership(context.Background(), orgID, userID)
	if errors.Is(err, models.ErrNotFound) {
		return m, false
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return m, true
}

// ---- invariant 9: the linking matrix

func TestLinkedSubjectSignsInThatAccount(t *testing.T) {
	e := newEnv(t, jitProv)
	e.enable()
	first, err := e.login("bob")
	if err != nil {
		t.Fatal(err)
	}
	// The IdP now asserts another email for the same subject: the link, not
	// the email, decides whom it signs in.
	e.idp.AddUser(idp.User{Subject: "bob", Email: "robert@acme.test", EmailVerified: true, Groups: []string{"DATA_SCIENCE"}})
	again, err := e.login("bob")
	if err != nil || again.User.ID != first.User.ID {
		t.Fatalf("second login = %+v, %v; want account %d", again.User, err, first.User.ID)
	}
	e.noUser("robert@acme.test")
}

func TestNewPersonWithJITGetsAccountOwnedByTheOrg(t *testing.T) {
	e := newEnv(t, jitProv)
	e.enable()
	res, err := e.login("bob")
	if err != nil {
		t.Fatal(err)
	}
	u := e.mustUser("bob@acme.test")
	if u.ID != res.User.ID || u.CreatedByOrgID == nil || *u.CreatedByOrgID != e.org.ID || u.PlatformAdmin || u.HasPassword() {
		t.Fatalf("account = %+v; want created by org %d, no password, not a platform admin", u, e.org.ID)
	}
	m, ok := e.membership(e.org.ID, u.ID)
	if !ok || m.Source != models.SourceSSO || m.Status != models.StatusActive || m.Roles != "user" {
		t.Fatalf("membership = %+v (found %v); want source sso, active, roles user", m, ok)
	}
	if e.linkedTo(e.conn, "bob") != u.ID {
		t.Fatal("the new account is not linked to (connection, subject)")
	}
}

func TestNewPersonWithJITOffAndNoInviteIsRefusedNoAccount(t *testing.T) {
	prov := jitProv
	prov.JIT = false
	e := newEnv(t, prov)
	e.enable()
	if _, err := e.login("bob"); problemCode(t, err) != "no_account" {
		t.Fatalf("err = %v", err)
	}
	e.noUser("bob@acme.test")
	if e.linkedTo(e.conn, "bob") != 0 {
		t.Fatal("a link was made")
	}
}

func TestInvitedNewPersonWithJITOffGetsAccountAndTheInvitedRole(t *testing.T) {
	// No JIT, no role mappings, and activation on: only the invite admits
	// bob, with the role it names, active at once (the invite is the
	// admin's approval).
	prov := models.Provisioning{JIT: false, Activation: true, SyncRoles: true}
	e := newEnv(t, prov)
	e.enable()
	inv := e.invite("Bob@Acme.test", "admin")
	res, err := e.login("bob")
	if err != nil {
		t.Fatalf("invited login: %v", err)
	}
	u := e.mustUser("bob@acme.test")
	if res.User.ID != u.ID || u.CreatedByOrgID == nil || *u.CreatedByOrgID != e.org.ID {
		t.Fatalf("account = %+v; want created by the org's SSO", u)
	}
	got := e.inviteState(inv)
	if got.AcceptedAt == nil || got.AcceptedBy == nil || *got.AcceptedBy != u.ID {
		t.Fatalf("invite = %+v; want accepted by %d", got, u.ID)
	}
	m, ok := e.membership(e.org.ID, u.ID)
	if !ok || m.Roles != "admin" || m.Status != models.StatusActive || m.Source != models.SourceInvite {
		t.Fatalf("membership = %+v (found %v); want admin, active, source invite", m, ok)
	}
	if e.linkedTo(e.conn, "bob") != u.ID {
		t.Fatal("not linked")
	}
	// The invite is spent: it admits nobody else.
	if _, err := e.store.PendingInvite(context.Background(), e.org.ID, "bob@acme.test"); !errors.Is(err, models.ErrNotFound) {
		t.Fatalf("invite still pending: %v", err)
	}
}

func TestInviteForAnotherEmailAdmitsNobody(t *testing.T) {
	prov := models.Provisioning{JIT: false, SyncRoles: true, DefaultRole: "user"}
	e := newEnv(t, prov)
	e.enable()
	inv := e.invite("bobby@acme.test", "admin")
	if _, err := e.login("bob"); problemCode(t, err) != "no_account" {
		t.Fatalf("err = %v", err)
	}
	e.noUser("bob@acme.test")
	if e.inviteState(inv).AcceptedAt != nil {
		t.Fatal("another email's invite was accepted")
	}
}

func TestExistingAccountWithPendingInviteIsLinkedAndAcceptsIt(t *testing.T) {
	prov := models.Provisioning{JIT: false, SyncRoles: true} // linking by email off
	e := newEnv(t, prov)
	e.enable()
	other := e.otherOrg("beta")
	bob := e.createUser(models.User{Email: "bob@acme.test", EmailVerified: true})
	if err := e.store.PutMember(context.Background(), other.ID, bob.ID, []string{"admin"}); err != nil {
		t.Fatal(err)
	}
	inv := e.invite("bob@acme.test", "user")
	res, err := e.login("bob")
	if err != nil || res.User.ID != bob.ID {
		t.Fatalf("login = %+v, %v; want the existing account %d", res.User, err, bob.ID)
	}
	if e.linkedTo(e.conn, "bob") != bob.ID {
		t.Fatal("not linked")
	}
	if got := e.inviteState(inv); got.AcceptedAt == nil || got.AcceptedBy == nil || *got.AcceptedBy != bob.ID {
		t.Fatalf("invite = %+v", got)
	}
	if m, ok := e.membership(e.org.ID, bob.ID); !ok || m.Roles != "user" || m.Status != models.StatusActive {
		t.Fatalf("membership = %+v (found %v)", m, ok)
	}
	// The account stays the other org's too, unchanged.
	if m, ok := e.membership(other.ID, bob.ID); !ok || m.Roles != "admin" || m.Status != models.StatusActive {
		t.Fatalf("membership in the other org = %+v (found %v)", m, ok)
	}
}

// An account linked to the subject (by the link step) but not a member
// accepts the org's invite for its own email at its next login, with JIT
// off; without the invite it is refused.
func TestLinkedNonMemberAcceptsAnInviteForItsEmail(t *testing.T) {
	prov := models.Provisioning{JIT: false, SyncRoles: true}
	e := newEnv(t, prov)
	e.enable()
	bob := e.createUser(models.User{Email: "bob@acme.test"})
	if err := e.store.LinkIdentity(context.Background(), e.conn.ID, "bob", bob.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.login("bob"); problemCode(t, err) != "no_account" {
		t.Fatalf("login without an invite: %v, want no_account", err)
	}
	inv := e.invite("bob@acme.test", "admin")
	res, err := e.login("bob")
	if err != nil || res.User.ID != bob.ID {
		t.Fatalf("login = %+v, %v; want the linked account %d", res.User, err, bob.ID)
	}
	if got := e.inviteState(inv); got.AcceptedAt == nil || got.AcceptedBy == nil || *got.AcceptedBy != bob.ID {
		t.Fatalf("invite = %+v", got)
	}
	if m, ok := e.membership(e.org.ID, bob.ID); !ok || m.Roles != "admin" || m.Status != models.StatusActive {
		t.Fatalf("membership = %+v (found %v), want active admin", m, ok)
	}
}

func TestExistingAccountLinksByVerifiedEmailOnlyInAVerifiedDomain(t *testing.T) {
	ctx := context.Background()
	prov := jitProv
	prov.LinkByVerifiedEmail = true
	t.Run("domain verified", func(t *testing.T) {
		e := newEnv(t, prov)
		e.enable()
		bob := e.createUser(models.User{Email: "bob@acme.test", EmailVerified: true})
		e.verifyDomain("ACME.test")
		res, err := e.login("bob")
		if err != nil || res.User.ID != bob.ID {
			t.Fatalf("login = %+v, %v; want the existing account", res.User, err)
		}
		if e.linkedTo(e.conn, "bob") != bob.ID {
			t.Fatal("not linked")
		}
	})
	t.Run("domain not verified", func(t *testing.T) {
		e := newEnv(t, prov)
		e.enable()
		bob := e.createUser(models.User{Email: "bob@acme.test", EmailVerified: true})
		// Claimed but not proven, and another domain proven: neither vouches.
		if _, err := e.store.AddDomain(ctx, e.org.ID, "acme.test", "c"); err != nil {
			t.Fatal(err)
		}
		e.verifyDomain("other.test")
		if _, err := e.login("bob"); problemCode(t, err) != "account_exists" {
			t.Fatalf("err = %v", err)
		}
		if e.linkedTo(e.conn, "bob") != 0 {
			t.Fatal("linked anyway")
		}
		if _, ok := e.membership(e.org.ID, bob.ID); ok {
			t.Fatal("made a member anyway")
		}
	})
	t.Run("domain verified by another org", func(t *testing.T) {
		e := newEnv(t, prov)
		e.enable()
		e.createUser(models.User{Email: "bob@acme.test", EmailVerified: true})
		other := e.otherOrg("beta")
		d, err := e.store.AddDomain(ctx, other.ID, "acme.test", "c")
		if err != nil {
			t.Fatal(err)
		}
		if err := e.store.MarkDomainVerified(ctx, other.ID, d.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.login("bob"); problemCode(t, err) != "account_exists" {
			t.Fatalf("err = %v", err)
		}
		if e.linkedTo(e.conn, "bob") != 0 {
			t.Fatal("linked through another org's domain")
		}
	})
}

// The org owns an account its SSO created while it belongs to no other
// org: its second connection, asserting the same verified email, links to
// it; once the account also belongs to another org, it does not.
func TestSecondConnectionLinksToAccountTheOrgsSSOCreated(t *testing.T) {
	ctx := context.Background()
	linkProv := jitProv
	linkProv.LinkByVerifiedEmail = true
	for _, tc := range []struct {
		name        string
		memberOther bool
		want        string
	}{
		{"member of no other org", false, ""},
		{"also a member of another org", true, "account_exists"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, jitProv)
			e.enable()
			second := e.addConnection("Entra", linkProv)
			first, err := e.login("bob")
			if err != nil {
				t.Fatal(err)
			}
			if first.User.CreatedByOrgID == nil || *first.User.CreatedByOrgID != e.org.ID {
				t.Fatalf("first login's account = %+v; want created by the org", first.User)
			}
			if tc.memberOther {
				if err := e.store.PutMember(ctx, e.otherOrg("beta").ID, first.User.ID, []string{"user"}); err != nil {
					t.Fatal(err)
				}
			}
			second.idp.AddUser(idp.User{Subject: "entra-bob", Email: "bob@acme.test", EmailVerified: true, Groups: []string{"DATA_SCIENCE"}})
			res, err := e.via(second, "entra-bob", false)
			if tc.want != "" {
				if problemCode(t, err) != tc.want {
					t.Fatalf("err = %v", err)
				}
				if e.linkedTo(second.conn, "entra-bob") != 0 {
					t.Fatal("linked an account another org shares")
				}
				return
			}
			if err != nil || res.User.ID != first.User.ID {
				t.Fatalf("second connection's login = %+v, %v; want account %d", res.User, err, first.User.ID)
			}
			if e.linkedTo(second.conn, "entra-bob") != first.User.ID {
				t.Fatal("not linked")
			}
		})
	}
}

// An account the org's SSO did not create is not the org's, even when it
// belongs to no other org.
func TestAccountNotCreatedByTheOrgIsNotLinkedByEmail(t *testing.T) {
	prov := jitProv
	prov.LinkByVerifiedEmail = true
	e := newEnv(t, prov)
	e.enable()
	other := e.otherOrg("beta")
	e.createUser(models.User{Email: "bob@acme.test", EmailVerified: true, CreatedByOrgID: &other.ID})
	if _, err := e.login("bob"); problemCode(t, err) != "account_exists" {
		t.Fatalf("err = %v", err)
	}
	if e.linkedTo(e.conn, "bob") != 0 {
		t.Fatal("linked anyway")
	}
}

func TestPlatformAdminsEmailNeverSignsInThroughAnOrgsConnection(t *testing.T) {
	prov := jitProv
	prov.LinkByVerifiedEmail = true
	e := newEnv(t, prov)
	e.enable()
	root := e.createUser(models.User{Email: "bob@acme.test", EmailVerified: true, PlatformAdmin: true})
	e.verifyDomain("acme.test")
	inv := e.invite("bob@acme.test", "admin")
	res, err := e.login("bob")
	if problemCode(t, err) != "account_exists" {
		t.Fatalf("err = %v", err)
	}
	if res.User.ID != 0 {
		t.Fatalf("result signs in %+v", res.User)
	}
	if e.linkedTo(e.conn, "bob") != 0 {
		t.Fatal("the platform admin's account was linked")
	}
	if _, ok := e.membership(e.org.ID, root.ID); ok {
		t.Fatal("the platform admin became a member")
	}
	if e.inviteState(inv).AcceptedAt != nil {
		t.Fatal("the invite was accepted")
	}
	// Also when the org's SSO created the account and it belongs nowhere else.
	e2 := newEnv(t, prov)
	e2.enable()
	e2.createUser(models.User{Email: "bob@acme.test", EmailVerified: true, PlatformAdmin: true, CreatedByOrgID: &e2.org.ID})
	if _, err := e2.login("bob"); problemCode(t, err) != "account_exists" {
		t.Fatalf("owned platform admin account: %v", err)
	}
	if e2.linkedTo(e2.conn, "bob") != 0 {
		t.Fatal("linked")
	}
}

func TestUnverifiedIdPEmailDoesNotAcceptAnInvite(t *testing.T) {
	prov := models.Provisioning{JIT: false, SyncRoles: true, LinkByVerifiedEmail: true}
	t.Run("no account", func(t *testing.T) {
		e := newEnv(t, prov)
		e.enable()
		e.idp.AddUser(idp.User{Subject: "bob", Email: "bob@acme.test", EmailVerified: false})
		inv := e.invite("bob@acme.test", "admin")
		if _, err := e.login("bob"); problemCode(t, err) != "no_account" {
			t.Fatalf("err = %v", err)
		}
		e.noUser("bob@acme.test")
		if e.inviteState(inv).AcceptedAt != nil {
			t.Fatal("invite accepted through an unverified email")
		}
	})
	t.Run("existing account", func(t *testing.T) {
		e := newEnv(t, prov)
		e.enable()
		e.verifyDomain("acme.test")
		bob := e.createUser(models.User{Email: "bob@acme.test", EmailVerified: true})
		e.idp.AddUser(idp.User{Subject: "bob", Email: "bob@acme.test", EmailVerified: false})
		inv := e.invite("bob@acme.test", "admin")
		if _, err := e.login("bob"); problemCode(t, err) != "account_exists" {
			t.Fatalf("err = %v", err)
		}
		if e.linkedTo(e.conn, "bob") != 0 {
			t.Fatal("linked through an unverified email")
		}
		if e.inviteState(inv).AcceptedAt != nil {
			t.Fatal("invite accepted through an unverified email")
		}
		if _, ok := e.membership(e.org.ID, bob.ID); ok {
			t.Fatal("made a member")
		}
	})
}

func TestDisabledAccountIsRefused(t *testing.T) {
	ctx := context.Background()
	t.Run("unlinked, even invited", func(t *testing.T) {
		prov := jitProv
		prov.LinkByVerifiedEmail = true
		e := newEnv(t, prov)
		e.enable()
		e.verifyDomain("acme.test")
		bob := e.createUser(models.User{Email: "bob@acme.test", EmailVerified: true, Disabled: true})
		inv := e.invite("bob@acme.test", "user")
		if _, err := e.login("bob"); problemCode(t, err) != "disabled" {
			t.Fatalf("err = %v", err)
		}
		if e.linkedTo(e.conn, "bob") != 0 || e.inviteState(inv).AcceptedAt != nil {
			t.Fatal("a disabled account was linked or accepted the invite")
		}
		if _, ok := e.membership(e.org.ID, bob.ID); ok {
			t.Fatal("a disabled account became a member")
		}
	})
	t.Run("linked", func(t *testing.T) {
		e := newEnv(t, jitProv)
		e.enable()
		first, err := e.login("bob")
		if err != nil {
			t.Fatal(err)
		}
		if err := e.store.SetUserDisabled(ctx, first.User.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := e.login("bob"); problemCode(t, err) != "disabled" {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("membership disabled in the org", func(t *testing.T) {
		e := newEnv(t, jitProv)
		e.enable()
		first, err := e.login("bob")
		if err != nil {
			t.Fatal(err)
		}
		if err := e.store.SetMemberStatus(ctx, e.org.ID, first.User.ID, models.StatusDisabled); err != nil {
			t.Fatal(err)
		}
		if _, err := e.login("bob"); problemCode(t, err) != "disabled" {
			t.Fatalf("err = %v", err)
		}
	})
}

// ---- the test preview

func previewNotes(t *testing.T, e *env, subject string) []string {
	t.Helper()
	res, err := e.test(subject)
	if err != nil || !res.TestRun.Passed() {
		t.Fatalf("test run = %+v, %v", res.TestRun, err)
	}
	var m signin.Mapped
	if err := json.Unmarshal([]byte(res.TestRun.Mapped), &m); err != nil {
		t.Fatal(err)
	}
	return m.Notes
}

func TestPreviewSaysANewAccountWouldBeCreated(t *testing.T) {
	e := newEnv(t, jitProv)
	notes := strings.Join(previewNotes(t, e, "bob"), "\n")
	if !strings.Contains(notes, "would create a new account") {
		t.Fatalf("notes = %q", notes)
	}
	e.noUser("bob@acme.test")
}

func TestPreviewNamesTheExistingMemberMasked(t *testing.T) {
	e := newEnv(t, jitProv)
	e.enable()
	if _, err := e.login("bob"); err != nil {
		t.Fatal(err)
	}
	notes := strings.Join(previewNotes(t, e, "bob"), "\n")
	if !strings.Contains(notes, "would sign in the existing member b…@acme.test") || strings.Contains(notes, "bob@acme.test") {
		t.Fatalf("notes = %q", notes)
	}
}

func TestPreviewRefusalMatchesTheLogin(t *testing.T) {
	prov := jitProv
	prov.JIT = false
	e := newEnv(t, prov)
	notes := strings.Join(previewNotes(t, e, "bob"), "\n")
	if !strings.Contains(notes, "would be refused") {
		t.Fatalf("notes = %q", notes)
	}
}

// Invariant 10: for an email whose account is outside the org, the preview
// reads exactly as it does when no account has the email, whatever that
// account is (an ordinary one, one the org's SSO created, a disabled one, a
// platform admin's).
func TestPreviewDoesNotRevealAnAccountOutsideTheOrg(t *testing.T) {
	ctx := context.Background()
	linkOn := jitProv
	linkOn.LinkByVerifiedEmail = true
	jitOff := jitProv
	jitOff.JIT = false
	activation := jitProv
	activation.Activation = true
	type account struct {
		name string
		make func(e *env)
	}
	accounts := []account{
		{"ordinary account in another org", func(e *env) {
			u := e.createUser(models.User{Email: "bob@acme.test", EmailVerified: true})
			if err := e.store.PutMember(ctx, e.otherOrg("beta").ID, u.ID, []string{"user"}); err != nil {
				e.t.Fatal(err)
			}
		}},
		{"account in no org", func(e *env) {
			e.createUser(models.User{Email: "bob@acme.test", EmailVerified: true})
		}},
		{"platform admin", func(e *env) {
			e.createUser(models.User{Email: "bob@acme.test", EmailVerified: true, PlatformAdmin: true})
		}},
		{"disabled account", func(e *env) {
			e.createUser(models.User{Email: "bob@acme.test", EmailVerified: true, Disabled: true})
		}},
	}
	for _, sc := range []struct {
		name   string
		prov   models.Provisioning
		invite bool
	}{
		{"jit", jitProv, false},
		{"jit with activation", activation, false},
		{"jit off", jitOff, false},
		{"jit off, invited", jitOff, true},
		{"link by verified email", linkOn, false},
	} {
		for _, acc := range accounts {
			t.Run(sc.name+"/"+acc.name, func(t *testing.T) {
				t.Parallel()
				none := newEnv(t, sc.prov)
				outside := newEnv(t, sc.prov)
				acc.make(outside)
				if sc.invite {
					none.invite("bob@acme.test", "user")
					outside.invite("bob@acme.test", "user")
				}
				want := previewNotes(t, none, "bob")
				got := previewNotes(t, outside, "bob")
				if !slices.Equal(got, want) {
					t.Fatalf("the preview tells the admin an account exists outside the org:\n  no account:      %q\n  outside account: %q", want, got)
				}
			})
		}
	}
}

// ---- invariant 4 at the store: standing is per org

func TestStandingInOneOrgLeavesTheOtherUnchanged(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, jitProv)
	a, b := e.org, e.otherOrg("beta")
	alice := e.createUser(models.User{Email: "alice@elsewhere.test", EmailVerified: true})
	if err := e.store.AddMember(ctx, a.ID, models.Membership{UserID: alice.ID, Roles: "user", Status: models.StatusPending, Source: models.SourceSSO}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.AddMember(ctx, b.ID, models.Membership{UserID: alice.ID, Roles: "user", Status: models.StatusPending, Source: models.SourceSSO}); err != nil {
		t.Fatal(err)
	}
	before, _ := e.membership(b.ID, alice.ID)
	check := func(step string) {
		t.Helper()
		got, ok := e.membership(b.ID, alice.ID)
		if !ok || got.Roles != before.Roles || got.Status != before.Status || got.Source != before.Source {
			t.Fatalf("after %s in org A, org B's membership = %+v (found %v); want %+v", step, got, ok, before)
		}
		acc, err := e.store.OrgAccess(ctx, alice.ID, b.ID)
		if err != nil || len(acc.Roles) != 0 {
			t.Fatalf("after %s in org A, access in B = %+v, %v; want no roles (pending)", step, acc, err)
		}
	}
	if err := e.store.SetMemberStatus(ctx, a.ID, alice.ID, models.StatusActive); err != nil {
		t.Fatal(err)
	}
	if m, _ := e.membership(a.ID, alice.ID); m.Status != models.StatusActive {
		t.Fatalf("A's membership = %+v; want active", m)
	}
	check("activation")
	if err := e.store.SetMemberRoles(ctx, a.ID, alice.ID, []string{"user", "admin"}); err != nil {
		t.Fatal(err)
	}
	if m, _ := e.membership(a.ID, alice.ID); m.Roles != "admin,user" {
		t.Fatalf("A's roles = %q", m.Roles)
	}
	check("a role change")
	if acc, err := e.store.OrgAccess(ctx, alice.ID, a.ID); err != nil || !slices.Equal(acc.Roles, []string{"admin", "user"}) {
		t.Fatalf("access in A = %+v, %v", acc, err)
	}
	if err := e.store.SetMemberStatus(ctx, a.ID, alice.ID, models.StatusDisabled); err != nil {
		t.Fatal(err)
	}
	check("disabling")
	inv, err := e.store.CreateInvite(ctx, a.ID, models.Invite{Email: alice.Email, Role: "admin", TokenHash: secrets.Hash(secrets.Token())})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.AcceptInvite(ctx, inv, alice.ID); err != nil {
		t.Fatal(err)
	}
	check("accepting an invite")
	if err := e.store.RemoveMember(ctx, a.ID, alice.ID); err != nil {
		t.Fatal(err)
	}
	check("removal")
	// And the other way round: B's changes leave A's (now re-added) alone.
	if err := e.store.PutMember(ctx, a.ID, alice.ID, []string{"user"}); err != nil {
		t.Fatal(err)
	}
	if err := e.store.SetMemberStatus(ctx, b.ID, alice.ID, models.StatusDisabled); err != nil {
		t.Fatal(err)
	}
	if err := e.store.SetMemberRoles(ctx, b.ID, alice.ID, []string{"admin"}); err != nil {
		t.Fatal(err)
	}
	if m, _ := e.membership(a.ID, alice.ID); m.Status != models.StatusActive || m.Roles != "user" {
		t.Fatalf("A's membership after changes in B = %+v", m)
	}
}
