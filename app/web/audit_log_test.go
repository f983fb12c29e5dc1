package web_test

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orgsso/orgsso/e2e/idp"
	"github.com/orgsso/orgsso/models"
)

func seedAudit(t *testing.T, e *env, org *models.Organization, n int, actor, action, target string) {
	t.Helper()
	for i := range n {
		ev := models.AuditEvent{ActorEmail: actor, Action: action, Target: target + strconv.Itoa(i), Details: "d"}
		if org != nil {
			ev.OrgID = &org.ID
		}
		if err := e.store.Audit(t.Context(), ev); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAuditPageFiltersPagesAndExportsCSV(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	acme, beta := e.org("acme", "Acme"), e.org("beta", "Beta")
	admin := e.user("admin@acme.example")
	e.grant(admin, acme, "admin")
	seedAudit(t, e, &acme, 120, "bob@acme.example", "member.role", "m")
	seedAudit(t, e, &acme, 3, "ann@acme.example", "connection.update", "Okta")
	seedAudit(t, e, &acme, 1, "ann@acme.example", "connection.create", "=HYPERLINK(\"x\")")
	seedAudit(t, e, &beta, 5, "eve@beta.example", "member.role", "b")
	c := e.client()
	c.loginAs(admin)

	p := c.get("/o/acme/audit")
	assertStatus(t, p, http.StatusOK)
	if n := p.testid("audit-event").Length(); n != 100 {
		t.Errorf("first page lists %d events, want 100", n)
	}
	older, ok := p.testid("audit-older").Attr("href")
	if !ok {
		t.Fatal("no link to older events")
	}
	p = c.get(older)
	if n := p.testid("audit-event").Length(); n != 24 || p.has("audit-older") || !p.has("audit-newest") {
		t.Errorf("second page lists %d events (older link %v)", n, p.has("audit-older"))
	}
	if strings.Contains(c.get("/o/acme/audit?limit=500").body, "eve@beta.example") {
		t.Error("another org's events are listed")
	}

	p = c.get("/o/acme/audit?actor=ANN&action=connection.")
	if n := p.testid("audit-event").Length(); n != 4 {
		t.Errorf("actor+action prefix: %d events, want 4", n)
	}
	p = c.get("/o/acme/audit?action=connection.update&target=okta1")
	if n := p.testid("audit-event").Length(); n != 1 {
		t.Errorf("action+target: %d events, want 1", n)
	}
	today := time.Now().UTC().Format("2006-01-02")
	if n := c.get("/o/acme/audit?from=" + today + "&to=" + today + "&actor=ann").testid("audit-event").Length(); n != 4 {
		t.Errorf("today: %d events, want 4", n)
	}
	if n := c.get("/o/acme/audit?to=2000-01-01").testid("audit-event").Length(); n != 0 {
		t.Errorf("before 2000: %d events", n)
	}
	p = c.get("/o/acme/audit?from=last+week")
	assertStatus(t, p, http.StatusUnprocessableEntity)

	p = c.get("/o/acme/audit.csv?actor=ann")
	assertStatus(t, p, http.StatusOK)
	if ct := p.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("Content-Type %q", ct)
	}
	rows, err := csv.NewReader(strings.NewReader(p.body)).ReadAll()
	if err != nil {
		t.Fatalf("csv: %v\n%s", err, p.body)
	}
	if len(rows) != 5 || strings.Join(rows[0], ",") != "id,time,org,actor,action,target,details,ip" {
		t.Fatalf("csv rows %v", rows)
	}
	if rows[1][5] != `'=HYPERLINK("x")0` || rows[1][2] != "acme" || rows[1][3] != "ann@acme.example" {
		t.Errorf("newest row %v: want the formula quoted", rows[1])
	}
	all, _ := csv.NewReader(strings.NewReader(c.get("/o/acme/audit.csv").body)).ReadAll()
	if len(all) != 125 {
		t.Errorf("full csv has %d rows, want 124 events and a header", len(all))
	}
	// Not a platform admin: the platform's page is refused.
	if p := c.get("/admin/audit"); p.status != http.StatusForbidden {
		t.Errorf("org admin on /admin/audit: %d", p.status)
	}
}

func TestPlatformAuditAcrossOrgs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	acme, beta := e.org("acme", "Acme"), e.org("beta", "Beta")
	root := e.user("root@example.com")
	e.platformAdmin(root)
	seedAudit(t, e, &acme, 2, "ann@acme.example", "member.role", "a")
	seedAudit(t, e, &beta, 3, "eve@beta.example", "member.role", "b")
	seedAudit(t, e, nil, 1, "system", "admin.create", "root")
	c := e.client()
	c.loginAs(root)
	p := c.get("/admin/audit")
	assertStatus(t, p, http.StatusOK)
	if n := p.testid("audit-event").Length(); n != 6 || !strings.Contains(p.body, "Beta (beta)") || !strings.Contains(p.body, "platform") {
		t.Errorf("all orgs: %d events\n%s", n, p.body)
	}
	if n := c.get("/admin/audit?org=beta").testid("audit-event").Length(); n != 3 {
		t.Errorf("org=beta: %d events", n)
	}
	if p := c.get("/admin/audit?org=nope"); p.status != http.StatusUnprocessableEntity {
		t.Errorf("unknown org: %d", p.status)
	}
	rows, _ := csv.NewReader(strings.NewReader(c.get("/admin/audit.csv").body)).ReadAll()
	if len(rows) != 7 {
		t.Errorf("platform csv: %d rows", len(rows))
	}
	// The platform admin reads any org's own page too.
	if n := c.get("/o/beta/audit").testid("audit-event").Length(); n != 3 {
		t.Errorf("/o/beta/audit as platform admin: %d", n)
	}
}

// TestSignInsAreAudited: a refused SSO sign-in is in the org's log with
// its reason, a successful one too; a failed password login is in the
// platform's log only.
func TestSignInsAreAudited(t *testing.T) {
	a := newTrustApp(t)
	acme := a.org("acme", "Acme")
	admin := a.user("admin@acme.example")
	a.grant(admin, acme, "admin")
	a.user("taken@elsewhere.test") // an account the IdP's user may not take over
	ip := a.idpFor("acme")
	ip.AddUser(idp.User{Subject: "taker", Email: "taken@elsewhere.test", EmailVerified: true, Name: "Taker"})
	ip.AddUser(idp.User{Subject: "newbie", Email: "newbie@acme.example", EmailVerified: true, Name: "Newbie"})
	conn := a.ssoOrg(acme, admin, ip, "Acme IdP", models.Provisioning{JIT: true, DefaultRole: "user"})

	if p := a.sso(a.client(), acme, conn, ip, "taker", false); p.status != http.StatusForbidden {
		t.Fatalf("the takeover was not refused: %d", p.status)
	}
	if p := a.sso(a.client(), acme, conn, ip, "newbie", false); p.status != http.StatusSeeOther {
		t.Fatalf("newbie's login: %d\n%s", p.status, p.body)
	}
	var evs []models.AuditEvent
	if err := a.db.Write.Where("org_id = ? AND action IN ?", acme.ID, []string{"user.login", "user.login_failed"}).Order("id").Find(&evs).Error; err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 || evs[0].Action != "user.login_failed" || evs[0].Target != "Acme IdP" || !strings.Contains(evs[0].Details, "code=") || len(evs[0].Details) < 30 ||
		evs[1].Action != "user.login" || evs[1].ActorEmail != "newbie@acme.example" {
		t.Fatalf("sign-in events %+v", evs)
	}

	c := a.client()
	if p := c.login("nobody@example.com", "wrong password!"); p.status != http.StatusUnauthorized {
		t.Fatalf("bad login: %d", p.status)
	}
	if n := a.count("audit_events", "org_id IS NULL AND action = ? AND target = ?", "user.login_failed", "nobody@example.com"); n != 1 {
		t.Errorf("failed password login audited %d times on the platform log", n)
	}
	if n := a.count("audit_events", "org_id = ? AND target = ?", acme.ID, "nobody@example.com"); n != 0 {
		t.Error("a password failure is in an org's log")
	}
}
