package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/orgsso/orgsso/e2e/idp"
	"github.com/orgsso/orgsso/models"
)

// TestSSOSessionOpensItsOrgOnly: a session that came through org A's
// connection opens A only: another org of the same person sends them to
// sign in there, an org they are not in is not found, the platform role
// does not come with it, and /api/v1/me and the dashboard show A only. A
// password session of the same person opens everything.
func TestSSOSessionOpensItsOrgOnly(t *testing.T) {
	a := newTrustApp(t)
	ctx := context.Background()
	root := a.user("root@example.com")
	orgA, orgB := a.org("orga", "Org A"), a.org("orgb", "Org B")
	a.org("orgc", "Org C")
	a.grant(root, orgA, "admin")
	a.grant(root, orgB, "admin")
	ip := a.idpFor("orga")
	ip.AddUser(idp.User{Subject: "root", Email: "root@example.com", EmailVerified: true})
	conn := a.ssoOrg(orgA, root, ip, "A IdP", models.Provisioning{JIT: false, DefaultRole: "admin"})
	orgA, _ = a.store.Organization(ctx, orgA.ID)
	// root is a platform admin who linked this IdP identity by the link step.
	if err := a.store.SetPlatformAdmin(ctx, root.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := a.store.LinkIdentity(ctx, conn.ID, "root", root.ID); err != nil {
		t.Fatal(err)
	}

	c := a.client()
	if p := a.sso(c, orgA, conn, ip, "root", false); p.status != http.StatusSeeOther || p.location() != "/o/orga" {
		t.Fatalf("SSO login: %d to %q\n%s", p.status, p.location(), p.body)
	}
	assertStatus(t, c.get("/o/orga/members"), http.StatusOK)
	p := c.get("/o/orgb/members")
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/o/orgb/login?return_to=") {
		t.Errorf("org B with A's SSO session: %d to %q, want 303 to B's login", p.status, p.location())
	}
	assertStatus(t, c.get("/o/orgc"), http.StatusNotFound)
	assertStatus(t, c.get("/admin/orgs"), http.StatusForbidden)
	if p := c.post("/o/orgb/members", nil); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/o/orgb/login") {
		t.Errorf("a POST to org B: %d to %q", p.status, p.location())
	}
	var me struct {
		PlatformAdmin bool `json:"platform_admin"`
		Orgs          []struct {
			Slug string `json:"slug"`
		} `json:"orgs"`
	}
	if err := json.Unmarshal([]byte(c.get("/api/v1/me").body), &me); err != nil {
		t.Fatal(err)
	}
	if me.PlatformAdmin || len(me.Orgs) != 1 || me.Orgs[0].Slug != "orga" {
		t.Errorf("/api/v1/me through A's SSO = %+v, want org A only and no platform role", me)
	}
	if dash := c.get("/"); dash.has("org-orgb") || !dash.has("org-orga") {
		t.Error("the dashboard of A's SSO session lists other orgs")
	}
	if a.count("memberships", "org_id = ? AND user_id = ?", orgB.ID, root.ID) != 1 {
		t.Fatal("root's membership of B is gone")
	}

	// The same person's password session opens all of it.
	pw := a.client()
	pw.loginAs(root)
	assertStatus(t, pw.get("/o/orgb/members"), http.StatusOK)
	assertStatus(t, pw.get("/admin/orgs"), http.StatusOK)
	assertStatus(t, pw.get("/o/orgc"), http.StatusOK)
}
