package signin_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/app/signin"
	"github.com/orgsso/orgsso/e2e/idp"
	"github.com/orgsso/orgsso/models"
)

var jitProv = models.Provisioning{JIT: true, SyncRoles: true, GroupMappings: "IT->admin;DATA_SCIENCE->user"}

func problemCode(t *testing.T, err error) string {
	t.Helper()
	var p *signin.Problem
	if !errors.As(err, &p) {
		t.Fatalf("want a *signin.Problem, got %v", err)
	}
	return p.Code
}

func (e *env) roles(u models.User) []string {
	m, err := e.store.Membership(context.Background(), e.org.ID, u.ID)
	if errors.Is(err, models.ErrNotFound) {
		return []string{}
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return m.RoleList()
}

func TestMemberLoginCreatesAccountWithMappedRole(t *testing.T) {
	e := newEnv(t, jitProv)
	e.enable()
	res, err := e.login("bob")
	if err != nil {
		t.Fatal(err)
	}
	if res.User.Email != "bob@acme.test" || !res.User.EmailVerified || res.User.Name != "Bob" {
		t.Fatalf("user = %+v", res.User)
	}
	if got := e.roles(res.User); !slices.Equal(got, []string{"user"}) {
		t.Fatalf("roles = %v, want [user]", got)
	}
	if res.ReturnTo != "/o/acme" {
		t.Fatalf("return_to = %q", res.ReturnTo)
	}
}

func TestRoleSyncAddsAndRemovesAcrossLogins(t *testing.T) {
	e := newEnv(t, jitProv)
	e.enable()
	first, err := e.login("alice")
	if err != nil {
		t.Fatal(err)
	}
	if got := e.roles(first.User); !slices.Equal(got, []string{"admin"}) {
		t.Fatalf("first login roles = %v, want [admin]", got)
	}
	// At the IdP, alice leaves IT and joins DATA_SCIENCE.
	e.idp.AddUser(idp.User{Subject: "alice", Email: "alice@acme.test", EmailVerified: true, Groups: []string{"DATA_SCIENCE"}})
	second, err := e.login("alice")
	if err != nil {
		t.Fatal(err)
	}
	if second.User.ID != first.User.ID {
		t.Fatal("second login made another account")
	}
	if got := e.roles(second.User); !slices.Equal(got, []string{"user"}) {
		t.Fatalf("second login roles = %v, want [user] (admin removed, user added)", got)
	}
	// With no mapped group left, the member loses access.
	e.idp.AddUser(idp.User{Subject: "alice", Email: "alice@acme.test", EmailVerified: true})
	if _, err := e.login("alice"); problemCode(t, err) != "no_role" {
		t.Fatalf("login without groups: %v", err)
	}
	if got := e.roles(second.User); len(got) != 0 {
		t.Fatalf("roles after groups gone = %v, want none", got)
	}
	// The refused login wrote its role sync itself (no session follows),
	// with its event.
	if got := e.actions("member.roles_synced"); !slices.Equal(got, []string{"admin -> user", "user -> none"}) {
		t.Fatalf("member.roles_synced events = %q", got)
	}
}

func TestWithoutSyncMappedRolesAreOnlyAdded(t *testing.T) {
	prov := jitProv
	prov.SyncRoles = false
	e := newEnv(t, prov)
	e.enable()
	first, err := e.login("alice")
	if err != nil {
		t.Fatal(err)
	}
	e.idp.AddUser(idp.User{Subject: "alice", Email: "alice@acme.test", EmailVerified: true, Groups: []string{"DATA_SCIENCE"}})
	if _, err := e.login("alice"); err != nil {
		t.Fatal(err)
	}
	if got := e.roles(first.User); !slices.Equal(got, []string{"admin", "user"}) {
		t.Fatalf("roles = %v, want [admin user]", got)
	}
}

func TestJITOffRefusesUnknownPeople(t *testing.T) {
	prov := jitProv
	prov.JIT = false
	e := newEnv(t, prov)
	e.enable()
	if _, err := e.login("bob"); problemCode(t, err) != "no_account" {
		t.Fatalf("err = %v", err)
	}
	if _, err := e.store.UserByEmail(context.Background(), "bob@acme.test"); !errors.Is(err, models.ErrNotFound) {
		t.Fatal("an account was created with JIT off")
	}
}

func TestActivationLeavesNewAccountsPending(t *testing.T) {
	prov := jitProv
	prov.Activation = true
	e := newEnv(t, prov)
	e.enable()
	_, err := e.login("bob")
	if problemCode(t, err) != "pending" {
		t.Fatalf("err = %v", err)
	}
	u, err := e.store.UserByEmail(context.Background(), "bob@acme.test")
	if err != nil {
		t.Fatal(err)
	}
	if m, err := e.store.Membership(context.Background(), e.org.ID, u.ID); err != nil || m.Status != models.StatusPending {
		t.Fatalf("membership = %+v, %v; want pending", m, err)
	}
	if err := e.store.SetMemberStatus(context.Background(), e.org.ID, u.ID, models.StatusActive); err != nil {
		t.Fatal(err)
	}
	if _, err := e.login("bob"); err != nil {
		t.Fatalf("login after activation: %v", err)
	}
}

func TestStateIsSingleUse(t *testing.T) {
	e := newEnv(t, jitProv)
	e.enable()
	cb, binding, err := e.begin("bob", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.finish(cb, binding); err != nil {
		t.Fatal(err)
	}
	if _, err := e.finish(cb, binding); problemCode(t, err) != connector.CodeStateExpired {
		t.Fatalf("replayed callback: %v", err)
	}
}

func TestCallbackFromAnotherBrowserIsRefused(t *testing.T) {
	e := newEnv(t, jitProv)
	e.enable()
	cb, _, err := e.begin("bob", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.finish(cb, "another-browser"); problemCode(t, err) != connector.CodeStateMismatch {
		t.Fatalf("err = %v", err)
	}
}

func TestMemberLoginNeedsPassedTestAtCurrentVersion(t *testing.T) {
	e := newEnv(t, jitProv)
	if err := e.store.SetSSO(context.Background(), e.org.ID, true, false); err != nil {
		t.Fatal(err)
	}
	e.org.SSOEnabled = true
	if _, err := e.login("bob"); problemCode(t, err) != "untested" {
		t.Fatalf("untested connection: %v", err)
	}
	e.enable()
	if _, err := e.login("bob"); err != nil {
		t.Fatalf("tested connection: %v", err)
	}
	e.edit(models.Provisioning{JIT: true, DefaultRole: "user"})
	if _, err := e.login("bob"); problemCode(t, err) != "untested" {
		t.Fatalf("edited connection: %v", err)
	}
}

func TestLoginBegunBeforeAnEditDoesNotComplete(t *testing.T) {
	e := newEnv(t, jitProv)
	e.enable()
	cb, binding, err := e.begin("bob", false)
	if err != nil {
		t.Fatal(err)
	}
	e.edit(models.Provisioning{JIT: true, DefaultRole: "admin"})
	if _, err := e.finish(cb, binding); problemCode(t, err) != "config_changed" {
		t.Fatalf("err = %v", err)
	}
}

func TestLoginBegunBeforeDeactivationDoesNotComplete(t *testing.T) {
	e := newEnv(t, jitProv)
	e.enable()
	cb, binding, err := e.begin("bob", false)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.SetConnectionActive(context.Background(), e.org.ID, e.conn.ID, false, "admin@acme.test"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.finish(cb, binding); problemCode(t, err) != "not_enabled" {
		t.Fatalf("err = %v", err)
	}
}

func TestTestRunRecordsClaimsAndMappingWithoutTokens(t *testing.T) {
	e := newEnv(t, jitProv)
	res, err := e.test("alice")
	if err != nil {
		t.Fatal(err)
	}
	run := res.TestRun
	if !run.Passed() || !run.Current(e.conn) || run.StartedByEmail != "admin@acme.test" {
		t.Fatalf("run = %+v", run)
	}
	for _, secret := range []string{"access_token", "id_token", "s3cret", "eyJ"} {
		if strings.Contains(run.Claims, secret) || strings.Contains(run.Mapped, secret) {
			t.Fatalf("test run stores %q: %s %s", secret, run.Claims, run.Mapped)
		}
	}
	var m signin.Mapped
	if err := json.Unmarshal([]byte(run.Mapped), &m); err != nil {
		t.Fatal(err)
	}
	if m.Email != "alice@acme.test" || !slices.Equal(m.Roles, []string{"admin"}) || len(m.Grants) != 1 || m.Grants[0].Because != "IT→admin" {
		t.Fatalf("mapped = %+v", m)
	}
	// A test changes nothing for the person tested.
	if _, err := e.store.UserByEmail(context.Background(), "alice@acme.test"); !errors.Is(err, models.ErrNotFound) {
		t.Fatal("a test login created an account")
	}
}

func TestFailedTestExplainsTheAudienceInWords(t *testing.T) {
	e := newEnv(t, jitProv)
	e.idp.TamperIDToken(func(tok *idp.IDToken) { tok.Claims["aud"] = "someone-else" })
	res, err := e.test("alice")
	if err != nil {
		t.Fatal(err)
	}
	if res.TestRun.Passed() || res.TestRun.ErrorCode != connector.CodeAudMismatch {
		t.Fatalf("run = %+v", res.TestRun)
	}
	if !strings.Contains(res.TestRun.Reason, "someone-else") || !strings.Contains(res.TestRun.Reason, "orgsso") {
		t.Fatalf("reason %q does not name both client ids", res.TestRun.Reason)
	}
}

func TestExistingAccountLinksOnlyWhenTheOrgVouches(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name           string
		link           bool
		domainVerified bool
		wantErr        string
	}{
		{"linking off", false, true, "account_exists"},
		{"domain not verified by the org", true, false, "account_exists"},
		{"domain verified and linking on", true, true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			prov := jitProv
			prov.LinkByVerifiedEmail = tc.link
			e := newEnv(t, prov)
			e.enable()
			local, err := e.store.CreateUser(ctx, models.User{Email: "bob@acme.test", EmailVerified: true})
			if err != nil {
				t.Fatal(err)
			}
			if tc.domainVerified {
				d, err := e.store.AddDomain(ctx, e.org.ID, "acme.test", "challenge")
				if err != nil {
					t.Fatal(err)
				}
				if err := e.store.MarkDomainVerified(ctx, e.org.ID, d.ID); err != nil {
					t.Fatal(err)
				}
			}
			res, err := e.login("bob")
			if tc.wantErr != "" {
				if problemCode(t, err) != tc.wantErr {
					t.Fatalf("err = %v", err)
				}
				if _, lerr := e.store.IdentityLinkBySubject(ctx, e.conn.ID, "bob"); !errors.Is(lerr, models.ErrNotFound) {
					t.Fatal("identity linked anyway")
				}
				return
			}
			if err != nil || res.User.ID != local.ID {
				t.Fatalf("login = %+v, %v; want the existing account", res.User, err)
			}
		})
	}
}

// Starting logins writes nothing: each lives sealed in the browser's
// cookie, which keeps the newest MaxPendingLogins; the oldest is dropped
// (its answer is refused), the newest still finishes.
func TestLoginStartWritesNothingAndTheCookieKeepsTheNewest(t *testing.T) {
	e := newEnv(t, jitProv)
	e.enable()
	ctx := context.Background()
	e.idp.SetUser("bob")
	rows := func() (n int64) {
		e.store.DB().Read.Raw("SELECT (SELECT COUNT(*) FROM login_states) + (SELECT COUNT(*) FROM used_once)").Scan(&n)
		return n
	}
	before := rows()
	var cookie string
	var callbacks []string
	for i := 0; i < signin.MaxPendingLogins+3; i++ {
		u, next, err := e.svc.Begin(ctx, signin.BeginRequest{Org: e.org, Connection: e.conn, Cookie: cookie})
		if err != nil {
			t.Fatal(err)
		}
		cookie = next
		cb, err := e.idp.Authorize(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		callbacks = append(callbacks, cb.String())
	}
	if n := rows() - before; n != 0 {
		t.Fatalf("starting logins wrote %d rows", n)
	}
	if n := strings.Count(cookie, "~") + 1; n != signin.MaxPendingLogins || len(cookie) > 4000 {
		t.Fatalf("cookie holds %d logins in %d bytes", n, len(cookie))
	}
	if _, err := e.finish(callbacks[0], cookie); problemCode(t, err) != connector.CodeStateExpired {
		t.Fatalf("the dropped oldest login: %v", err)
	}
	res, err := e.finish(callbacks[len(callbacks)-1], cookie)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(res.Cookie, "~") + 1; n != signin.MaxPendingLogins-1 {
		t.Fatalf("after finishing one, the cookie holds %d logins", n)
	}
}

// A login's cookie opens only under its org: copied to another org's
// path, it is refused as another browser's.
func TestLoginCookieOfAnotherOrgIsRefused(t *testing.T) {
	e := newEnv(t, jitProv)
	e.enable()
	cb, cookie, err := e.begin("bob", false)
	if err != nil {
		t.Fatal(err)
	}
	other := e.org
	other.ID++
	r := httptest.NewRequest("GET", cb, nil)
	if _, err := e.svc.Finish(context.Background(), other, signin.Answer{Protocol: e.conn.Protocol, Request: r, Cookie: cookie}); problemCode(t, err) != connector.CodeStateMismatch {
		t.Fatalf("another org's cookie: %v", err)
	}
}

func TestLogoutURLCarriesHintAndRedirect(t *testing.T) {
	e := newEnv(t, jitProv)
	e.enable()
	res, err := e.login("bob")
	if err != nil {
		t.Fatal(err)
	}
	// A JWT starts with the base64 of `{"alg`; "eyJ" alone turns up in
	// sealed bytes by chance about once in two hundred runs.
	if res.LogoutHint == "" || strings.Contains(res.LogoutHint, "eyJhbGci") {
		t.Fatalf("logout hint %q: want sealed, non-empty", res.LogoutHint)
	}
	u, err := url.Parse(e.svc.LogoutURL(context.Background(), res.LogoutHint))
	if err != nil || u.Host == "" {
		t.Fatalf("logout url %v %v", u, err)
	}
	q := u.Query()
	if q.Get("id_token_hint") == "" || q.Get("post_logout_redirect_uri") != baseURL+"/o/acme/login" {
		t.Fatalf("logout query = %v", q)
	}
}

func TestConsentCreatesTheAccountOnlyWhenAccepted(t *testing.T) {
	ctx := context.Background()
	prov := jitProv
	prov.Consent = true
	e := newEnv(t, prov)
	e.enable()

	res, err := e.login("bob")
	if err != nil || res.Consent == nil {
		t.Fatalf("first login = %+v, %v; want a consent question", res, err)
	}
	c := res.Consent
	if c.Email != "bob@acme.test" || !slices.Equal(c.Groups, []string{"DATA_SCIENCE"}) || !slices.Equal(c.Roles, []string{"user"}) {
		t.Fatalf("consent shows %+v", c)
	}
	if _, err := e.store.UserByEmail(ctx, "bob@acme.test"); !errors.Is(err, models.ErrNotFound) {
		t.Fatal("the account exists before consent")
	}
	if _, err := e.svc.AnswerConsent(ctx, e.org, c.Token, "another-browser", true); problemCode(t, err) != connector.CodeStateMismatch {
		t.Fatalf("answer from another browser: %v", err)
	}

	// The refused answer used the token up: the person starts again and declines.
	res, err = e.login("bob")
	if err != nil || res.Consent == nil {
		t.Fatal(err)
	}
	declined, err := e.svc.AnswerConsent(ctx, e.org, res.Consent.Token, res.Consent.Binding, false)
	if err != nil || !declined.Declined {
		t.Fatalf("decline = %+v, %v", declined, err)
	}
	if _, err := e.store.UserByEmail(ctx, "bob@acme.test"); !errors.Is(err, models.ErrNotFound) {
		t.Fatal("declining created the account")
	}

	// Accepted: the account is made with the mapped role, and the token is spent.
	res, err = e.login("bob")
	if err != nil || res.Consent == nil {
		t.Fatal(err)
	}
	accepted, err := e.svc.AnswerConsent(ctx, e.org, res.Consent.Token, res.Consent.Binding, true)
	if err != nil || accepted.User.Email != "bob@acme.test" {
		t.Fatalf("accept = %+v, %v", accepted, err)
	}
	if err := e.commit(accepted); err != nil {
		t.Fatal(err)
	}
	if got := e.roles(accepted.User); !slices.Equal(got, []string{"user"}) {
		t.Fatalf("roles = %v", got)
	}
	if _, err := e.svc.AnswerConsent(ctx, e.org, res.Consent.Token, res.Consent.Binding, true); problemCode(t, err) != connector.CodeStateExpired {
		t.Fatalf("second answer: %v", err)
	}
	// Known people are not asked again.
	again, err := e.login("bob")
	if err != nil || again.Consent != nil || again.User.ID != accepted.User.ID {
		t.Fatalf("second login = %+v, %v", again, err)
	}
}

// Invariant 5: whatever happens, the logs carry no client secret and no
// token (a JWT starts with "eyJ").
func TestLogsCarryNoSecretsOrTokens(t *testing.T) {
	e := newEnv(t, jitProv)
	e.idp.TamperIDToken(func(tok *idp.IDToken) { tok.Claims["aud"] = "someone-else" })
	if res, err := e.test("alice"); err != nil || res.TestRun.Passed() {
		t.Fatalf("tampered test: %+v %v", res.TestRun, err)
	}
	e.idp.TamperIDToken(nil)
	e.enable()
	if _, err := e.login("bob"); err != nil {
		t.Fatal(err)
	}
	e.idp.TamperIDToken(func(tok *idp.IDToken) { tok.Claims["nonce"] = "forged" })
	if _, err := e.login("bob"); err == nil {
		t.Fatal("a forged nonce logged in")
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "nonce") {
		t.Fatalf("the failures were not logged at all:\n%s", logs)
	}
	for _, secret := range []string{"s3cret", "eyJ"} {
		if strings.Contains(logs, secret) {
			t.Fatalf("logs contain %q:\n%s", secret, logs)
		}
	}
}

// A test whose answer comes back after the state's time is recorded as a
// failed test that says it expired and how long a test may take; a
// member's late answer is refused as expired, and neither signs anyone in.
func TestLateAnswerIsExpired(t *testing.T) {
	e := newEnv(t, jitProv)
	e.enable()
	cb, cookie, err := e.begin("bob", true)
	if err != nil {
		t.Fatal(err)
	}
	e.advance(11 * time.Minute)
	res, err := e.finish(cb, cookie)
	if problemCode(t, err) != connector.CodeStateExpired {
		t.Fatalf("late test answer: %v", err)
	}
	if res.TestRun.Status != models.TestFailed || !strings.Contains(res.TestRun.Reason, "This test expired") ||
		!strings.Contains(res.TestRun.Reason, "10 minutes") {
		t.Fatalf("recorded run: %+v", res.TestRun)
	}
	cb, cookie, err = e.begin("bob", false)
	if err != nil {
		t.Fatal(err)
	}
	e.advance(11 * time.Minute)
	if res, err := e.finish(cb, cookie); problemCode(t, err) != connector.CodeStateExpired || res.User.ID != 0 {
		t.Fatalf("late member answer: %+v %v", res.User, err)
	}
}

// A returning member whose name and groups changed: Finish decides the
// profile and role update and writes none of it; the update rides with the
// session (env.commit, as the web layer writes it), so a session refused
// at commit (the connection switched off meanwhile) leaves the member as
// they were, and one written brings the new roles, profile and the
// member.roles_synced event.
func TestReturningMemberUpdateIsWrittenOnlyWithTheSession(t *testing.T) {
	ctx := context.Background()
	for _, refused := range []bool{true, false} {
		t.Run(map[bool]string{true: "refused at commit", false: "committed"}[refused], func(t *testing.T) {
			e := newEnv(t, jitProv)
			e.enable()
			first, err := e.login("alice")
			if err != nil {
				t.Fatal(err)
			}
			if got := e.actions("user.provision"); !slices.Equal(got, []string{"connection=Okta status=active"}) {
				t.Errorf("user.provision events = %q", got)
			}
			e.idp.AddUser(idp.User{Subject: "alice", Email: "alice@acme.test", EmailVerified: true, Name: "Alice Smith", Groups: []string{"DATA_SCIENCE"}})
			cb, binding, err := e.begin("alice", false)
			if err != nil {
				t.Fatal(err)
			}
			res, err := e.svc.Finish(ctx, e.org, signin.Answer{Protocol: e.conn.Protocol, Request: httptest.NewRequest("GET", cb, nil), Cookie: binding})
			if err != nil {
				t.Fatal(err)
			}
			up := res.Member
			if up == nil || !up.SetRoles || !slices.Equal(up.Roles, []string{"user"}) || up.Profile == nil || up.Profile.Name != "Alice Smith" ||
				len(up.Events) != 1 || up.Events[0].Action != "member.roles_synced" || up.Events[0].Details != "admin -> user" {
				t.Fatalf("Result.Member = %+v", up)
			}
			if res.User.Name != "Alice Smith" {
				t.Errorf("Result.User.Name = %q, want the refreshed name", res.User.Name)
			}
			stays := func(when string) {
				t.Helper()
				if got := e.roles(first.User); !slices.Equal(got, []string{"admin"}) {
					t.Errorf("%s: roles = %v, want still [admin]", when, got)
				}
				if u, _ := e.store.UserByID(ctx, first.User.ID); u.Name != "Alice" {
					t.Errorf("%s: name = %q, want still Alice", when, u.Name)
				}
				if got := e.actions("member.roles_synced"); len(got) != 0 {
					t.Errorf("%s: member.roles_synced events %q", when, got)
				}
			}
			stays("after Finish")
			if refused {
				if err := e.store.DB().Write.Exec("UPDATE connections SET active = ? WHERE id = ?", false, e.conn.ID).Error; err != nil {
					t.Fatal(err)
				}
				if err := e.commit(res); !errors.Is(err, models.ErrConnectionChanged) {
					t.Fatalf("commit = %v, want ErrConnectionChanged", err)
				}
				stays("after the refused commit")
				return
			}
			if err := e.commit(res); err != nil {
				t.Fatal(err)
			}
			if got := e.roles(first.User); !slices.Equal(got, []string{"user"}) {
				t.Errorf("roles = %v, want [user]", got)
			}
			if u, _ := e.store.UserByID(ctx, first.User.ID); u.Name != "Alice Smith" {
				t.Errorf("name = %q, want Alice Smith", u.Name)
			}
			if got := e.actions("member.roles_synced"); !slices.Equal(got, []string{"admin -> user"}) {
				t.Errorf("member.roles_synced events = %q", got)
			}
		})
	}
}

// actions returns the details of the org's audit events with action,
// oldest first.
func (e *env) actions(action string) []string {
	e.t.Helper()
	var out []string
	if err := e.store.DB().Write.Table("audit_events").Where("org_id = ? AND action = ?", e.org.ID, action).Order("id").Pluck("details", &out).Error; err != nil {
		e.t.Fatal(err)
	}
	return out
}
