package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/orgsso/orgsso/models"
)

func TestSSOSettingsPage(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)

	t.Run("empty", func(t *testing.T) {
		p := f.c.get(f.base())
		assertStatus(t, p, http.StatusOK)
		if !p.has("connections-empty") {
			t.Error("no empty state")
		}
		assertContains(t, "empty state", p.text("connections-empty"), "Connect an OpenID Connect or SAML provider")
		for id, want := range map[string]string{
			"redirect-uri":    f.e.opts.BaseURL + "/o/acme/oidc/callback",
			"post-logout-uri": f.e.opts.BaseURL + "/o/acme/login",
			"login-url":       f.e.opts.BaseURL + "/o/acme/login",
		} {
			if got := p.text(id); got != want {
				t.Errorf("%s = %q, want %q", id, got, want)
			}
			if p.doc.Find(`button[data-copy="#`+id+`"]`).Length() != 1 {
				t.Errorf("%s has no copy button", id)
			}
		}
		assertContains(t, "gate", p.text("sso-state"), "SSO is OFF for Acme Corp.")
		if _, disabled := p.testid("enable-sso").Attr("disabled"); !disabled {
			t.Error("Enable SSO is not disabled without a ready connection")
		}
		assertContains(t, "gate", p.text("gate-needs"), "Connect a provider first")
		// The next action comes before the greyed Enable SSO.
		connect := strings.Index(p.body, `data-testid="new-connection"`)
		enable := strings.Index(p.body, `data-testid="enable-sso"`)
		if connect < 0 || enable < 0 || connect > enable {
			t.Errorf("Connect (at %d) is not above Enable SSO (at %d)", connect, enable)
		}
	})

	okta := f.createConn(t, manualForm("Okta"))
	entra := f.createConn(t, formWith(manualForm("Entra"), "preset", "entra", "logoURL", "https://cdn.example.com/entra.png"))
	f.recordTest(t, okta, models.TestPassed)
	f.recordTest(t, entra, models.TestFailed)

	t.Run("table", func(t *testing.T) {
		p := f.c.get(f.base())
		assertStatus(t, p, http.StatusOK)
		rows := p.testid("connection-row")
		if rows.Length() != 2 {
			t.Fatalf("%d rows, want 2", rows.Length())
		}
		if got := rowStatus(p, okta); got != "passed" {
			t.Errorf("okta status %q", got)
		}
		if got := rowStatus(p, entra); got != "failed" {
			t.Errorf("entra status %q", got)
		}
		row := p.doc.Find(`[data-connection-id="` + entra.PublicID + `"]`)
		if src, _ := row.Find("img.logo").Attr("src"); src != "https://cdn.example.com/entra.png" {
			t.Errorf("entra logo %q", src)
		}
		row = p.doc.Find(`[data-connection-id="` + okta.PublicID + `"]`)
		if src, _ := row.Find("img.logo").Attr("src"); !strings.Contains(src, "okta") {
			t.Errorf("okta logo %q", src)
		}
		if href, _ := row.Find(`[data-testid="test-connection"]`).Attr("href"); href != "/o/acme/sso/"+okta.PublicID+"/start?test=1" {
			t.Errorf("test link %q", href)
		}
		sw := row.Find(`input[role="switch"]`)
		if hx, _ := sw.Attr("hx-post"); hx != f.connURL(okta, "/toggle") {
			t.Errorf("toggle hx-post %q", hx)
		}
		if _, on := sw.Attr("checked"); !on {
			t.Error("active switch not checked")
		}
		if got := strings.TrimSpace(row.Find(`[data-testid="connection-id"]`).Text()); got != okta.PublicID {
			t.Errorf("id %q", got)
		}
		if row.Find("time[data-relative]").Length() != 1 {
			t.Error("no relative last-update time")
		}
		if _, disabled := p.testid("enable-sso").Attr("disabled"); disabled {
			t.Error("Enable SSO is disabled although Okta is ready")
		}
		assertContains(t, "ready list", p.text("ready-connections"), "Okta")
		// A failed row says why, not only that it failed.
		note := p.doc.Find(`[data-connection-id="` + entra.PublicID + `"] [data-testid="test-note"]`).Text()
		assertContains(t, "failed row", note, "The ID token was issued for client 'abc'")
	})
}

func TestSSOGateNamesWhatEachConnectionNeeds(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	okta := f.createConn(t, manualForm("Okta"))
	entra := f.createConn(t, manualForm("Entra"))
	google := f.createConn(t, manualForm("Google"))
	f.recordTest(t, okta, models.TestPassed)
	f.recordTest(t, entra, models.TestFailed)
	// Okta is edited after its test.
	assertStatus(t, f.c.post(f.connURL(okta, ""), formWith(manualForm("Okta"), "version", "1", "clientID", "other")), http.StatusSeeOther)

	p := f.c.get(f.base())
	assertStatus(t, p, http.StatusOK)
	hint := func(conn models.Connection) *goquery.Selection {
		return p.doc.Find(`[data-testid="gate-hint"][data-connection-id="` + conn.PublicID + `"]`)
	}
	assertContains(t, "okta hint", hint(okta).Text(), "Okta changed since its last test — test it again.")
	if href := hint(okta).Find("a").AttrOr("href", ""); href != "/o/acme/sso/"+okta.PublicID+"/start?test=1" {
		t.Errorf("okta hint links to %q, want its test", href)
	}
	assertContains(t, "entra hint", hint(entra).Text(), "Entra's last test failed: The ID token was issued for client 'abc'")
	assertContains(t, "google hint", hint(google).Text(), "Google has not been tested yet")
	if strings.Contains(p.body, "there is none yet") {
		t.Error("the gate still says there is none yet")
	}

	// With SSO on and nothing usable, the warning names the same steps.
	f.enableSSO(t, false)
	p = f.c.get(f.base())
	assertContains(t, "warning", p.text("sso-no-ready"), "Okta changed since its last test — test it again.")
}

func TestEnableSSO(t *testing.T) {
	t.Parallel()

	refuse := func(t *testing.T, f *ssoFixture) {
		t.Helper()
		p := f.c.post(f.base()+"/enable", nil)
		assertStatus(t, p, http.StatusUnprocessableEntity)
		assertContains(t, "gate error", p.text("form-error"), "no active connection has passed a test at its current settings")
		if f.reloadOrg(t).SSOEnabled {
			t.Error("SSO was enabled")
		}
	}

	t.Run("without connections", func(t *testing.T) {
		t.Parallel()
		refuse(t, newSSOFixture(t))
	})
	t.Run("untested", func(t *testing.T) {
		t.Parallel()
		f := newSSOFixture(t)
		f.createConn(t, manualForm("Okta"))
		refuse(t, f)
	})
	t.Run("failed test", func(t *testing.T) {
		t.Parallel()
		f := newSSOFixture(t)
		f.recordTest(t, f.createConn(t, manualForm("Okta")), models.TestFailed)
		refuse(t, f)
	})
	t.Run("passed at an older version", func(t *testing.T) {
		t.Parallel()
		f := newSSOFixture(t)
		conn := f.createConn(t, manualForm("Okta"))
		f.recordTest(t, conn, models.TestPassed)
		assertStatus(t, f.c.post(f.connURL(conn, ""), formWith(manualForm("Okta"), "version", "1", "clientID", "other")), http.StatusSeeOther)
		refuse(t, f)
	})
	t.Run("passed but inactive", func(t *testing.T) {
		t.Parallel()
		f := newSSOFixture(t)
		conn := f.createConn(t, manualForm("Okta"))
		f.recordTest(t, conn, models.TestPassed)
		assertStatus(t, f.c.post(f.connURL(conn, "/toggle"), url.Values{"active": {"false"}}), http.StatusSeeOther)
		refuse(t, f)
	})
	t.Run("passed at the current version", func(t *testing.T) {
		t.Parallel()
		f := newSSOFixture(t)
		conn := f.createConn(t, manualForm("Okta"))
		f.recordTest(t, conn, models.TestPassed)
		p := f.c.post(f.base()+"/enable", nil)
		assertRedirect(t, p, f.base())
		if !f.reloadOrg(t).SSOEnabled {
			t.Fatal("SSO is not enabled")
		}
		assertContains(t, "gate", f.c.get(f.base()).text("sso-state"), "SSO is ON")
		if got := f.e.auditActions(&f.org); got[len(got)-1] != "sso.enable" {
			t.Errorf("audit = %v", got)
		}

		assertRedirect(t, f.c.post(f.base()+"/disable", nil), f.base())
		if f.reloadOrg(t).SSOEnabled {
			t.Error("SSO still on after disable")
		}
		if got := f.e.auditActions(&f.org); got[len(got)-1] != "sso.disable" {
			t.Errorf("audit = %v", got)
		}
	})
}

func TestEnforceSSO(t *testing.T) {
	t.Parallel()

	// setup: an org whose only admin has no password, SSO on through a
	// tested connection with the given group mappings and default role.
	setup := func(t *testing.T, mappings, defaultRole string) *ssoFixture {
		f := newSSOFixture(t)
		noPW := f.e.user("sso-admin@acme.example", func(u *models.User) { u.PasswordHash = nil })
		f.e.grant(noPW, f.org, "admin")
		f.e.grant(f.admin, f.org, "user")
		f.c = f.e.client()
		f.c.loginAs(noPW)
		conn := f.createConn(t, formWith(manualForm("Okta"), "groupMappings", mappings, "defaultRole", defaultRole))
		f.recordTest(t, conn, models.TestPassed)
		f.enableSSO(t, false)
		return f
	}
	enforce := func(f *ssoFixture, on string) *page {
		return f.c.post(f.base()+"/enforce", url.Values{"enforce": {on}})
	}
	// confirm asks to require SSO, checks that the confirmation names
	// way (who keeps a way in) and changes nothing yet, then confirms.
	confirm := func(t *testing.T, f *ssoFixture, way string) *page {
		t.Helper()
		p := enforce(f, "true")
		assertStatus(t, p, http.StatusOK)
		assertContains(t, "confirmation", p.text("enforce-confirm"), "Require SSO for members of Acme Corp?")
		assertContains(t, "who keeps a way in", p.text("enforce-ways"), way)
		if f.reloadOrg(t).SSOEnforced {
			t.Fatal("enforced before the confirmation")
		}
		return f.c.post(f.base()+"/enforce", url.Values{"enforce": {"true"}, "confirmed": {"1"}})
	}

	t.Run("refused without an admin way in", func(t *testing.T) {
		t.Parallel()
		f := setup(t, "DATA_SCIENCE->user", "user")
		p := enforce(f, "true")
		assertStatus(t, p, http.StatusUnprocessableEntity)
		msg := p.text("form-error")
		assertContains(t, "message", msg, "no admin of Acme Corp could still log in")
		assertContains(t, "message", msg, "maps anyone to admin")
		assertContains(t, "message", msg, "has a password")
		if f.reloadOrg(t).SSOEnforced {
			t.Error("enforced")
		}
	})
	t.Run("allowed with a group mapping to admin", func(t *testing.T) {
		t.Parallel()
		f := setup(t, "IT->admin", "user")
		assertRedirect(t, confirm(t, f, "members of the group IT who sign in through Okta"), f.base())
		if !f.reloadOrg(t).SSOEnforced {
			t.Error("not enforced")
		}
		if got := f.e.auditActions(&f.org); got[len(got)-1] != "sso.enforce" {
			t.Errorf("audit = %v", got)
		}
		assertRedirect(t, enforce(f, "false"), f.base())
		if o := f.reloadOrg(t); o.SSOEnforced || !o.SSOEnabled {
			t.Errorf("after turning off: enabled %v enforced %v", o.SSOEnabled, o.SSOEnforced)
		}
	})
	t.Run("allowed with admin as everyone's role", func(t *testing.T) {
		t.Parallel()
		f := setup(t, "", "admin")
		assertRedirect(t, confirm(t, f, "everyone who signs in through Okta"), f.base())
	})
	t.Run("allowed with a password admin", func(t *testing.T) {
		t.Parallel()
		f := setup(t, "", "user")
		f.e.grant(f.admin, f.org, "admin") // alice has a password
		assertRedirect(t, confirm(t, f, "admin "+f.admin.Email+", with a password"), f.base())
		if !f.reloadOrg(t).SSOEnforced {
			t.Error("not enforced")
		}
		assertContains(t, "headline", f.c.get(f.base()).text("sso-state"), "SSO is ON and required for members of Acme Corp.")
		// Disabling SSO clears enforcement.
		assertRedirect(t, f.c.post(f.base()+"/disable", nil), f.base())
		if o := f.reloadOrg(t); o.SSOEnabled || o.SSOEnforced {
			t.Errorf("after disable: enabled %v enforced %v", o.SSOEnabled, o.SSOEnforced)
		}
	})
	t.Run("in place with htmx", func(t *testing.T) {
		t.Parallel()
		f := setup(t, "IT->admin", "user")
		p := f.c.get(f.base())
		form := p.testid("enforce-form")
		if form.AttrOr("hx-post", "") != f.base()+"/enforce" || form.AttrOr("hx-trigger", "") != "change" || form.AttrOr("hx-target", "") != "#sso-gate" {
			t.Errorf("enforce form does not act in place: %s", p.body)
		}
		if form.Find(`input[name="_csrf"]`).Length() != 1 || !strings.Contains(form.Find("noscript").Text(), `type="submit"`) {
			t.Error("enforce form has no plain-form fallback with its CSRF token")
		}
		htmx := func(form url.Values) *page {
			form.Set("_csrf", f.c.csrfToken())
			return f.c.do(http.MethodPost, f.base()+"/enforce", form, http.Header{"Hx-Request": {"true"}})
		}
		p = htmx(url.Values{"enforce": {"true"}})
		assertStatus(t, p, http.StatusOK)
		if !strings.HasPrefix(p.body, `<article id="sso-gate"`) {
			t.Fatalf("htmx answer is not the SSO box:\n%s", p.body)
		}
		dlg := p.testid("enforce-confirm")
		if _, open := dlg.Attr("open"); !open || dlg.Is("dialog") == false {
			t.Errorf("the confirmation is not an open dialog")
		}
		assertContains(t, "who keeps a way in", p.text("enforce-ways"), "IT → admin")
		if f.reloadOrg(t).SSOEnforced {
			t.Fatal("enforced before the confirmation")
		}
		p = htmx(url.Values{"enforce": {"true"}, "confirmed": {"1"}})
		assertStatus(t, p, http.StatusOK)
		assertContains(t, "headline", p.text("sso-state"), "SSO is ON and required for members of Acme Corp.")
		assertContains(t, "notice", p.text("gate-notice"), "must now log in with SSO")
		if !f.reloadOrg(t).SSOEnforced {
			t.Fatal("not enforced")
		}
		// Off needs no confirmation: an unchecked switch sends no value.
		p = htmx(url.Values{})
		assertStatus(t, p, http.StatusOK)
		assertContains(t, "headline", p.text("sso-state"), "SSO is ON for Acme Corp.")
		if f.reloadOrg(t).SSOEnforced {
			t.Fatal("still enforced")
		}
	})
	t.Run("refused in place with htmx", func(t *testing.T) {
		t.Parallel()
		f := setup(t, "DATA_SCIENCE->user", "user")
		form := url.Values{"enforce": {"true"}, "confirmed": {"1"}, "_csrf": {f.c.csrfToken()}}
		p := f.c.do(http.MethodPost, f.base()+"/enforce", form, http.Header{"Hx-Request": {"true"}})
		assertStatus(t, p, http.StatusOK)
		assertContains(t, "message", p.text("form-error"), "no admin of Acme Corp could still log in")
		if p.has("enforce-confirm") {
			t.Error("a refused change asks for confirmation")
		}
		if _, on := p.testid("enforce-switch").Attr("checked"); on {
			t.Error("the switch shows on after a refusal")
		}
		if f.reloadOrg(t).SSOEnforced {
			t.Error("enforced")
		}
	})
	t.Run("refused while SSO is off", func(t *testing.T) {
		t.Parallel()
		f := newSSOFixture(t)
		p := enforce(f, "true")
		assertStatus(t, p, http.StatusUnprocessableEntity)
		assertContains(t, "message", p.text("form-error"), "Enable SSO first")
	})
}

func TestLastUsableConnection(t *testing.T) {
	t.Parallel()

	// setup: SSO on; Okta is the only active connection with a passed
	// current test; Entra is active but untested.
	setup := func(t *testing.T) (*ssoFixture, models.Connection, models.Connection) {
		f := newSSOFixture(t)
		okta := f.createConn(t, manualForm("Okta"))
		entra := f.createConn(t, manualForm("Entra"))
		f.recordTest(t, okta, models.TestPassed)
		f.enableSSO(t, false)
		return f, okta, entra
	}
	htmx := func(f *ssoFixture, path string, form url.Values) *page {
		form = formWith(form, "_csrf", f.c.csrfToken())
		return f.c.do(http.MethodPost, path, form, http.Header{"Hx-Request": {"true"}})
	}
	assertOn := func(t *testing.T, f *ssoFixture, conn models.Connection) {
		t.Helper()
		if !f.reload(t, conn).Active {
			t.Error("the connection was turned off")
		}
		if !f.reloadOrg(t).SSOEnabled {
			t.Error("SSO was turned off")
		}
	}

	t.Run("toggle off refused without confirmation", func(t *testing.T) {
		t.Parallel()
		f, okta, _ := setup(t)
		p := f.c.post(f.connURL(okta, "/toggle"), url.Values{"active": {"false"}})
		assertStatus(t, p, http.StatusUnprocessableEntity)
		assertContains(t, "row message", p.text("row-message"), "only tested, active connection")
		assertOn(t, f, okta)
	})
	t.Run("htmx toggle off refused in the row", func(t *testing.T) {
		t.Parallel()
		f, okta, _ := setup(t)
		p := htmx(f, f.connURL(okta, "/toggle"), url.Values{"active": {"false"}})
		assertStatus(t, p, http.StatusOK)
		if strings.Contains(p.body, "<html") {
			t.Error("htmx got a whole page, want the row")
		}
		assertContains(t, "row message", p.text("row-message"), "only tested, active connection")
		if !p.has("toggle-disable-sso") {
			t.Error("the row offers no way to confirm")
		}
		assertOn(t, f, okta)
	})
	t.Run("toggle off with confirmation turns SSO off too", func(t *testing.T) {
		t.Parallel()
		f, okta, _ := setup(t)
		p := f.c.post(f.connURL(okta, "/toggle"), url.Values{"active": {"false"}, "disable_sso": {"1"}})
		assertRedirect(t, p, f.base())
		if f.reload(t, okta).Active {
			t.Error("still active")
		}
		if o := f.reloadOrg(t); o.SSOEnabled {
			t.Error("SSO still on")
		}
		got := strings.Join(f.e.auditActions(&f.org), ",")
		assertContains(t, "audit", got, "sso.disable,connection.deactivate")
	})
	t.Run("other connections toggle freely", func(t *testing.T) {
		t.Parallel()
		f, _, entra := setup(t)
		p := htmx(f, f.connURL(entra, "/toggle"), url.Values{"active": {"false"}})
		assertStatus(t, p, http.StatusOK)
		// A bare <tr> does not survive HTML parsing outside a table, so
		// the row is checked in the raw answer.
		assertContains(t, "row", p.body, `data-connection-id="`+entra.PublicID+`" data-active="false"`)
		if !strings.HasPrefix(p.body, "<tr") || strings.Contains(p.body, "<html") {
			t.Errorf("htmx answer is not the row\n%s", p.body)
		}
		assertContains(t, "out-of-band SSO box", p.body, `<template><article id="sso-gate"`)
		assertContains(t, "out-of-band SSO box", p.body, `hx-swap-oob="true"`)
		if f.reload(t, entra).Active {
			t.Error("entra still active")
		}
		p = htmx(f, f.connURL(entra, "/toggle"), url.Values{"active": {"true"}})
		assertStatus(t, p, http.StatusOK)
		if !f.reload(t, entra).Active {
			t.Error("entra not active again")
		}
		got := strings.Join(f.e.auditActions(&f.org), ",")
		assertContains(t, "audit", got, "connection.deactivate,connection.activate")
	})
	t.Run("delete refused without the typed name", func(t *testing.T) {
		t.Parallel()
		f, okta, _ := setup(t)
		for _, typed := range []string{"", "okta", "Entra"} {
			p := f.c.post(f.connURL(okta, "/delete"), url.Values{"confirm": {typed}, "disable_sso": {"1"}})
			assertStatus(t, p, http.StatusUnprocessableEntity)
			assertContains(t, "row message", p.text("row-message"), "type its name Okta")
			assertOn(t, f, okta)
		}
		p := f.c.get(f.base())
		form := p.doc.Find(`[data-connection-id="` + okta.PublicID + `"] form[data-confirm-type]`)
		if got := form.AttrOr("data-confirm-type", ""); got != "Okta" {
			t.Errorf("delete form data-confirm-type = %q", got)
		}
		assertContains(t, "delete confirm text", form.Text(), "also turns SSO off")
		if form.ParentsFiltered(`dialog[data-testid="delete-dialog"]`).Length() != 1 {
			t.Error("the typed confirmation is not in a dialog")
		}

		// Without scripts, Delete leads to a page with the same form.
		del := p.doc.Find(`[data-connection-id="` + okta.PublicID + `"] [data-testid="delete-connection"]`)
		href := del.AttrOr("href", "")
		if href != f.connURL(okta, "/delete") || del.AttrOr("data-dialog", "") == "" {
			t.Errorf("Delete href %q data-dialog %q", href, del.AttrOr("data-dialog", ""))
		}
		page := f.c.get(href)
		assertStatus(t, page, http.StatusOK)
		form = page.testid("delete-page").Find("form")
		if form.AttrOr("method", "") != "post" || form.AttrOr("action", "") != f.connURL(okta, "/delete") ||
			form.AttrOr("data-confirm-type", "") != "Okta" || form.Find(`input[name="_csrf"]`).Length() != 1 ||
			form.Find(`input[name="confirm"]`).Length() != 1 {
			t.Errorf("delete page form:\n%s", page.body)
		}
		assertOn(t, f, okta)
	})
	t.Run("delete with the typed name turns SSO off too", func(t *testing.T) {
		t.Parallel()
		f, okta, _ := setup(t)
		p := f.c.post(f.connURL(okta, "/delete"), url.Values{"confirm": {"Okta"}})
		assertRedirect(t, p, f.base())
		if n := f.e.count("connections", "id = ?", okta.ID); n != 0 {
			t.Error("not deleted")
		}
		if f.reloadOrg(t).SSOEnabled {
			t.Error("SSO still on")
		}
		got := strings.Join(f.e.auditActions(&f.org), ",")
		assertContains(t, "audit", got, "sso.disable,connection.delete")
	})
	t.Run("deleting another connection needs no typed name", func(t *testing.T) {
		t.Parallel()
		f, _, entra := setup(t)
		page := f.c.get(f.connURL(entra, "/delete"))
		assertStatus(t, page, http.StatusOK)
		form := page.testid("delete-page").Find("form")
		if _, typed := form.Attr("data-confirm-type"); typed || form.Find(`input[name="confirm"]`).Length() != 0 {
			t.Error("deleting a connection that is not the last usable one asks for its name")
		}
		assertContains(t, "delete page", form.Text(), "Delete Entra?")
		assertRedirect(t, f.c.post(f.connURL(entra, "/delete"), nil), f.base())
		if n := f.e.count("connections", "id = ?", entra.ID); n != 0 {
			t.Error("not deleted")
		}
		if !f.reloadOrg(t).SSOEnabled {
			t.Error("SSO turned off")
		}
	})
}

func TestSSOSettingsAccess(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	conn := f.createConn(t, manualForm("Okta"))
	run := f.recordTest(t, conn, models.TestPassed)

	other := f.e.org("globex", "Globex")
	outsider := f.e.user("olga@globex.example")
	f.e.grant(outsider, other, "admin")

	routes := []struct{ method, path string }{
		{http.MethodGet, f.base()},
		{http.MethodPost, f.base() + "/enable"},
		{http.MethodPost, f.base() + "/disable"},
		{http.MethodPost, f.base() + "/enforce"},
		{http.MethodGet, f.base() + "/connections/new"},
		{http.MethodGet, f.base() + "/connections/new?preset=okta"},
		{http.MethodPost, f.base() + "/connections"},
		{http.MethodGet, f.connURL(conn, "/edit")},
		{http.MethodPost, f.connURL(conn, "")},
		{http.MethodPost, f.connURL(conn, "/toggle")},
		{http.MethodGet, f.connURL(conn, "/delete")},
		{http.MethodPost, f.connURL(conn, "/delete")},
		{http.MethodGet, f.connURL(conn, "/tests/"+ssoItoa(run.ID))},
	}
	member := f.e.client()
	member.loginAs(f.member)
	outside := f.e.client()
	outside.loginAs(outsider)

	before := f.e.snapshot()
	beforeConn := f.reload(t, conn)
	for _, r := range routes {
		t.Run(r.method+" "+r.path, func(t *testing.T) {
			form := manualForm("Hijacked")
			form.Set("version", "1")
			form.Set("confirm", "Okta")
			form.Set("enforce", "true")
			send := func(c *client) *page {
				if r.method == http.MethodGet {
					return c.get(r.path)
				}
				return c.post(r.path, form)
			}
			assertStatus(t, send(member), http.StatusForbidden)
			assertStatus(t, send(outside), http.StatusNotFound)
		})
	}
	f.e.assertUnchanged(before)
	if after := f.reload(t, conn); after != beforeConn {
		t.Errorf("connection changed:\n%+v\n%+v", beforeConn, after)
	}

	t.Run("another org's connection id is not found", func(t *testing.T) {
		globexConn, err := f.e.store.CreateConnection(t.Context(), other.ID, models.Connection{Protocol: models.ProtocolOIDC, DisplayName: "G", Config: "{}", Provisioning: "{}"})
		if err != nil {
			t.Fatal(err)
		}
		assertStatus(t, f.c.get(f.base()+"/connections/"+globexConn.PublicID+"/edit"), http.StatusNotFound)
		assertStatus(t, f.c.get(f.base()+"/connections/"+globexConn.PublicID+"/delete"), http.StatusNotFound)
		assertStatus(t, f.c.post(f.base()+"/connections/"+globexConn.PublicID+"/delete", nil), http.StatusNotFound)
		if n := f.e.count("connections", "id = ?", globexConn.ID); n != 1 {
			t.Error("the other org's connection was deleted")
		}
	})
}
