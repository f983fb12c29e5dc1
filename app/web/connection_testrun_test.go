package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/app/signin"
	"github.com/orgsso/orgsso/models"
)

func TestTestResultPage(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	conn := f.createConn(t, manualForm("Okta"))

	claims, _ := json.Marshal(map[string]any{"sub": "00u1ab", "email": "bob@acme.example", "email_verified": true,
		"name": "Bob Example", "groups": []string{"IT", "DATA_SCIENCE"}})
	mapped, _ := json.Marshal(signin.Mapped{Subject: "00u1ab", Email: "bob@acme.example", EmailVerified: true, Name: "Bob Example",
		Groups: []string{"IT", "DATA_SCIENCE"},
		Grants: []connector.RoleGrant{{Role: "admin", Because: "IT→admin"}, {Role: "user", Because: "DATA_SCIENCE→user"}},
		Roles:  []string{"admin", "user"}, Notes: []string{"A new account would be created at the first login."}})
	passed, err := f.e.store.RecordTestRun(context.Background(), f.org.ID, models.TestRun{
		ConnectionID: conn.ID, ConfigVersion: conn.Version, ConfigHash: conn.ConfigHash, StartedBy: &f.admin.ID,
		StartedByEmail: f.admin.Email, Status: models.TestPassed, Claims: string(claims), Mapped: string(mapped)})
	if err != nil {
		t.Fatal(err)
	}
	failed := f.recordTest(t, conn, models.TestFailed)
	url := func(run models.TestRun) string { return f.connURL(conn, "/tests/"+ssoItoa(run.ID)) }

	t.Run("passed", func(t *testing.T) {
		p := f.c.get(url(passed))
		assertStatus(t, p, http.StatusOK)
		res := p.testid("test-result")
		if got := res.AttrOr("data-result", ""); got != "passed" {
			t.Errorf("data-result = %q", got)
		}
		// The headline is the verdict only; what, which version, when and
		// who are on the line below.
		if head := strings.Join(strings.Fields(res.Find("h1").Text()), " "); head != "✓ Test passed" {
			t.Errorf("headline = %q, want the verdict only", head)
		}
		meta := strings.Join(strings.Fields(p.text("test-meta")), " ")
		for _, want := range []string{"Okta", "version 1", "UTC", "by alice@acme.example"} {
			assertContains(t, "line below the headline", meta, want)
		}
		if p.has("test-reason") || p.has("test-stale") {
			t.Error("a passed current test shows a reason or a stale warning")
		}
		assertContains(t, "claims", p.text("claims"), "bob@acme.example")
		if got := strings.TrimSpace(p.doc.Find(`[data-claim="groups"] td`).Text()); got != "IT, DATA_SCIENCE" {
			t.Errorf("groups claim = %q", got)
		}
		roles := p.text("mapped-roles")
		assertContains(t, "roles", roles, "admin (IT→admin)")
		assertContains(t, "roles", roles, "user (DATA_SCIENCE→user)")
		assertContains(t, "email", p.text("email-verified"), "verified")
		assertContains(t, "notes", p.text("mapped-notes"), "new account")
		if !p.has("enable-sso") {
			t.Error("no Enable SSO button although this test unlocks it")
		}
		if href := p.testid("run-again").AttrOr("href", ""); href != "/o/acme/sso/"+conn.PublicID+"/start?test=1" {
			t.Errorf("run again = %q", href)
		}
	})

	t.Run("failed", func(t *testing.T) {
		p := f.c.get(url(failed))
		assertStatus(t, p, http.StatusOK)
		if got := p.testid("test-result").AttrOr("data-result", ""); got != "failed" {
			t.Errorf("data-result = %q", got)
		}
		assertContains(t, "reason", p.text("test-reason"), "issued for client 'abc'")
		assertContains(t, "check", p.text("test-check"), "client ID")
		assertContains(t, "detail", p.text("test-detail"), "aud_mismatch")
		if p.has("enable-sso") {
			t.Error("a failed test offers Enable SSO")
		}
		if p.has("claims") {
			t.Error("a failed test shows a claims table")
		}
	})

	t.Run("no enable button while SSO is on", func(t *testing.T) {
		f.enableSSO(t, false)
		defer func() { _ = f.e.store.SetSSO(context.Background(), f.org.ID, false, false) }()
		if p := f.c.get(url(passed)); p.has("enable-sso") {
			t.Error("Enable SSO shown while SSO is on")
		}
	})

	t.Run("stale after an edit", func(t *testing.T) {
		assertStatus(t, f.c.post(f.connURL(conn, ""), formWith(manualForm("Okta"), "version", "1", "clientID", "other")), http.StatusSeeOther)
		p := f.c.get(url(passed))
		assertStatus(t, p, http.StatusOK)
		assertContains(t, "stale", p.text("test-stale"), "now version 2")
		if p.has("enable-sso") {
			t.Error("a stale test offers Enable SSO")
		}
	})

	t.Run("unknown tests are not found", func(t *testing.T) {
		other := f.createConn(t, manualForm("Entra"))
		assertStatus(t, f.c.get(f.connURL(other, "/tests/"+ssoItoa(passed.ID))), http.StatusNotFound)
		assertStatus(t, f.c.get(f.connURL(conn, "/tests/999999")), http.StatusNotFound)
		assertStatus(t, f.c.get(f.connURL(conn, "/tests/x")), http.StatusNotFound)
	})
}

func TestNewConnectionPresets(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)

	p := f.c.get(f.base() + "/connections/new")
	assertStatus(t, p, http.StatusOK)
	var ids []string
	for _, n := range p.testid("preset").Nodes {
		for _, a := range n.Attr {
			if a.Key == "data-preset" {
				ids = append(ids, a.Val)
			}
		}
	}
	for _, pr := range connector.Presets() {
		if pr.Protocol == connector.ProtocolOIDC && !strings.Contains(strings.Join(ids, ","), pr.ID) {
			t.Errorf("preset %s missing from the picker (%v)", pr.ID, ids)
		}
	}

	tests := []struct {
		preset string
		check  func(t *testing.T, p *page)
	}{
		{"entra", func(t *testing.T, p *page) {
			if got := p.inputValue("claimMapping.email"); got != "preferred_username" {
				t.Errorf("email claim = %q", got)
			}
			if _, on := p.doc.Find(`input[name="requireVerifiedEmail"]`).Attr("checked"); on {
				t.Error("Entra requires a verified email, but its email comes from preferred_username")
			}
		}},
		{"jumpcloud", func(t *testing.T, p *page) {
			if got := p.doc.Find(`select[name="claimsSource"] option[selected]`).AttrOr("value", ""); got != "userinfo" {
				t.Errorf("claims source = %q", got)
			}
			if got := p.inputValue("scopes"); got != "openid email profile groups" {
				t.Errorf("scopes = %q", got)
			}
		}},
		{"okta", func(t *testing.T, p *page) {
			if got := p.inputValue("groupsClaim"); got != "groups" {
				t.Errorf("groups claim = %q", got)
			}
			if got := p.doc.Find(`select[name="pkce"] option[selected]`).AttrOr("value", ""); got != "S256" {
				t.Errorf("pkce = %q", got)
			}
			help := p.text("setup-help")
			assertContains(t, "help", help, "paste "+f.e.opts.BaseURL+"/o/acme/oidc/callback as the sign-in redirect URI")
			if strings.Contains(help, "{redirect_uri}") {
				t.Error("placeholder left in the help")
			}
			if p.doc.Find(`[data-testid="setup-help"] button[data-copy]`).Length() == 0 {
				t.Error("no copy button in the help")
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.preset, func(t *testing.T) {
			p := f.c.get(f.base() + "/connections/new?preset=" + tc.preset)
			assertStatus(t, p, http.StatusOK)
			if got := p.doc.Find(`input[name="preset"]`).AttrOr("value", ""); got != tc.preset {
				t.Errorf("preset field = %q", got)
			}
			tc.check(t, p)
		})
	}
}
