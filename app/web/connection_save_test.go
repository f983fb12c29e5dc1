package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/orgsso/orgsso/app/connector/oidc"
	"github.com/orgsso/orgsso/e2e/idp"
	"github.com/orgsso/orgsso/models"
)

func TestCreateConnectionValidation(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	const secret = "do-not-echo-this-secret"

	tests := []struct {
		name   string
		form   url.Values
		field  string
		want   string
		keepIn string // an input that must be shown again: name=value
	}{
		{"bad issuer", formWith(manualForm("Okta"), "issuer", "not a url"), "issuer", "Enter a full URL", "issuer=not a url"},
		{"plain http issuer", formWith(manualForm("Okta"), "issuer", "http://idp.example.com"), "issuer", "Use https", "clientID=client-Okta"},
		{"missing client id", formWith(manualForm("Okta"), "clientID", ""), "clientID", "Enter the client ID", "displayName=Okta"},
		{"bad group mapping pair", formWith(manualForm("Okta"), "groupMappings", "IT->admin;DATA=>user"), "groupMappings", `"DATA=>user"`, "displayName=Okta"},
		{"unknown role in mapping", formWith(manualForm("Okta"), "groupMappings", "IT->owner"), "groupMappings", `not "owner"`, "issuer=https://idp.example.com"},
		{"missing endpoints without discovery", formWith(manualForm("Okta"), "tokenURL", ""), "tokenURL", "Enter a URL", "displayName=Okta"},
		{"missing name", formWith(manualForm("Okta"), "displayName", ""), "displayName", "Enter the name", "clientID=client-Okta"},
		{"logo not https", formWith(manualForm("Okta"), "logoURL", "http://cdn.example.com/x.png"), "logoURL", "https://", "displayName=Okta"},
		{"forwarded protocol param", formWith(manualForm("Okta"), "forwardedLoginParams", "login_hint state"), "forwardedLoginParams", `"state"`, "displayName=Okta"},
		{"missing secret", formWith(manualForm("Okta"), "clientSecret", ""), "clientSecret", "client secret", "displayName=Okta"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			form := tc.form
			if form.Get("clientSecret") != "" {
				form = formWith(form, "clientSecret", secret)
			}
			p := f.c.post(f.base()+"/connections", form)
			assertStatus(t, p, http.StatusUnprocessableEntity)
			assertContains(t, "error next to "+tc.field, p.text("error-"+tc.field), tc.want)
			if inv, _ := p.doc.Find(`[name="` + tc.field + `"]`).Attr("aria-invalid"); inv != "true" {
				t.Errorf("field %s is not marked invalid", tc.field)
			}
			name, value, _ := strings.Cut(tc.keepIn, "=")
			if got := p.inputValue(name); got != value {
				t.Errorf("input %s = %q, want the user's %q kept", name, got, value)
			}
			if strings.Contains(p.body, secret) {
				t.Error("the client secret was echoed back in the page")
			}
			if got := p.inputValue("clientSecret"); got != "" {
				t.Errorf("secret field value = %q, want empty", got)
			}
			title := p.doc.Find("title").Text()
			if !strings.Contains(title, "error") {
				t.Errorf("title %q does not count the errors", title)
			}
			if n := f.e.count("connections", ""); n != 0 {
				t.Errorf("%d connections saved, want none", n)
			}
		})
	}

	t.Run("group mapping text is kept as typed", func(t *testing.T) {
		p := f.c.post(f.base()+"/connections", formWith(manualForm("Okta"), "groupMappings", "IT->admin;DATA=>user"))
		assertStatus(t, p, http.StatusUnprocessableEntity)
		if got := p.doc.Find(`textarea[name="groupMappings"]`).Text(); got != "IT->admin;DATA=>user" {
			t.Errorf("group mappings = %q", got)
		}
	})
}

func TestCreateConnectionSealsSecret(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	const secret = "s3cret-value-Okta"

	p := f.c.post(f.base()+"/connections", manualForm("Okta"))
	conn := f.connByName(t, "Okta")
	assertRedirect(t, p, f.connURL(conn, "/edit"))

	if conn.Version != 1 || !conn.Active || conn.Protocol != models.ProtocolOIDC || conn.Preset != "okta" {
		t.Errorf("stored %+v, want version 1, active, oidc, okta", conn)
	}
	if conn.SealedSecret == "" || strings.Contains(conn.SealedSecret, secret) {
		t.Errorf("sealed_secret = %q: want it set and not containing the plaintext", conn.SealedSecret)
	}
	if strings.Contains(conn.Config, secret) || strings.Contains(conn.Provisioning, secret) {
		t.Error("the secret is in the stored config")
	}
	if conn.ConfigHash != conn.Fingerprint() {
		t.Error("config_hash is not the connection's fingerprint")
	}
	if conn.UpdatedBy != f.admin.Email {
		t.Errorf("updated_by = %q", conn.UpdatedBy)
	}
	var cfg oidc.Config
	if err := json.Unmarshal([]byte(conn.Config), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.ClientID != "client-Okta" || cfg.Discovery || len(cfg.Scopes) != 4 {
		t.Errorf("config = %+v", cfg)
	}
	var prov models.Provisioning
	if err := json.Unmarshal([]byte(conn.Provisioning), &prov); err != nil {
		t.Fatal(err)
	}
	if !prov.JIT || prov.DefaultRole != "user" || prov.GroupMappings != "IT->admin;DATA_SCIENCE->user" || !prov.SyncRoles {
		t.Errorf("provisioning = %+v", prov)
	}

	edit := f.c.get(p.location())
	assertStatus(t, edit, http.StatusOK)
	assertContains(t, "flash", edit.text("flash"), "Saved. Run a test to use these settings.")
	if strings.Contains(edit.body, secret) || strings.Contains(edit.body, conn.SealedSecret) {
		t.Error("the edit page shows the secret")
	}
	assertContains(t, "secret help", edit.body, "A secret is set; leave empty to keep it.")
	if !edit.has("test-connection") {
		t.Error("the edit page has no Test button")
	}
	if got := edit.inputValue("version"); got != "1" {
		t.Errorf("hidden version = %q, want 1", got)
	}

	t.Run("an edit with an empty secret keeps it", func(t *testing.T) {
		p := f.c.post(f.connURL(conn, ""), formWith(manualForm("Okta"), "clientSecret", "", "version", "1", "clientID", "new-client"))
		assertStatus(t, p, http.StatusSeeOther)
		got := f.reload(t, conn)
		if got.SealedSecret != conn.SealedSecret {
			t.Error("the sealed secret changed")
		}
		if got.Version != 2 {
			t.Errorf("version = %d, want 2", got.Version)
		}
	})

	if got := f.e.auditActions(&f.org); strings.Join(got, ",") != "connection.create,connection.update" {
		t.Errorf("audit = %v", got)
	}
	var details []string
	f.e.db.Write.Table("audit_events").Where("org_id = ?", f.org.ID).Pluck("details", &details)
	for _, d := range details {
		if strings.Contains(d, secret) {
			t.Errorf("audit details contain the secret: %q", d)
		}
	}
}

func TestCreateConnectionDiscovery(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	provider := idp.NewOIDC(t)

	discovered := url.Values{
		"preset": {"custom"}, "displayName": {"Test IdP"}, "issuer": {provider.Issuer()}, "discovery": {"true"},
		"clientID": {"orgsso"}, "clientSecret": {"idp-secret"}, "clientAuthMethod": {"client_secret_basic"},
		"pkce": {"S256"}, "claimsSource": {"idtoken"}, "defaultRole": {"user"}, "jit": {"true"},
	}

	t.Run("a reachable issuer saves", func(t *testing.T) {
		p := f.c.post(f.base()+"/connections", discovered)
		assertStatus(t, p, http.StatusSeeOther)
		if provider.DiscoveryHits() == 0 {
			t.Error("the discovery document was not fetched")
		}
	})

	t.Run("an unreachable issuer is refused next to the issuer", func(t *testing.T) {
		before := f.e.count("connections", "")
		form := formWith(discovered, "displayName", "Broken", "issuer", provider.Issuer()+"/no-such-tenant")
		p := f.c.post(f.base()+"/connections", form)
		assertStatus(t, p, http.StatusUnprocessableEntity)
		if p.text("error-issuer") == "" {
			t.Errorf("no message next to the issuer\n%s", p.body)
		}
		if got := p.inputValue("issuer"); got != provider.Issuer()+"/no-such-tenant" {
			t.Errorf("issuer input = %q", got)
		}
		if n := f.e.count("connections", ""); n != before {
			t.Error("a connection was saved")
		}
	})
}

func TestConnectionNameUnique(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	okta := f.createConn(t, manualForm("Okta"))
	f.createConn(t, manualForm("Entra"))

	t.Run("create", func(t *testing.T) {
		p := f.c.post(f.base()+"/connections", manualForm("okta"))
		assertStatus(t, p, http.StatusUnprocessableEntity)
		assertContains(t, "name error", p.text("error-displayName"), "already exists")
	})
	t.Run("rename onto another", func(t *testing.T) {
		p := f.c.post(f.connURL(okta, ""), formWith(manualForm("Entra"), "version", "1"))
		assertStatus(t, p, http.StatusUnprocessableEntity)
		assertContains(t, "name error", p.text("error-displayName"), "already exists")
		if got := f.reload(t, okta); got.Version != 1 || got.DisplayName != "Okta" {
			t.Errorf("stored %q v%d", got.DisplayName, got.Version)
		}
	})
	t.Run("keeping its own name", func(t *testing.T) {
		p := f.c.post(f.connURL(okta, ""), formWith(manualForm("Okta"), "version", "1", "clientID", "changed"))
		assertStatus(t, p, http.StatusSeeOther)
	})
}

func TestUpdateConnectionConflict(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	conn := f.createConn(t, manualForm("Okta"))

	// Another admin saves first: version 1 -> 2.
	p := f.c.post(f.connURL(conn, ""), formWith(manualForm("Okta"), "version", "1", "clientID", "theirs"))
	assertStatus(t, p, http.StatusSeeOther)
	before := f.reload(t, conn)

	// The first admin submits the form opened at version 1.
	p = f.c.post(f.connURL(conn, ""), formWith(manualForm("Okta"), "version", "1", "clientID", "mine", "clientSecret", "mine-secret"))
	assertStatus(t, p, http.StatusConflict)
	assertContains(t, "conflict", p.text("form-error"), "changed by someone else since you opened it (you started from version 1, it is now version 2)")
	if got := p.inputValue("clientID"); got != "mine" {
		t.Errorf("client ID input = %q, want the user's input kept", got)
	}
	if got := p.inputValue("version"); got != "1" {
		t.Errorf("hidden version = %q, want 1 (a resubmit must conflict again)", got)
	}
	if strings.Contains(p.body, "mine-secret") {
		t.Error("the secret was echoed back")
	}
	after := f.reload(t, conn)
	if after.Version != before.Version || after.Config != before.Config || after.SealedSecret != before.SealedSecret {
		t.Error("the conflicting edit overwrote the stored connection")
	}
}

func TestEditMakesTestStale(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	conn := f.createConn(t, manualForm("Okta"))
	f.recordTest(t, conn, models.TestPassed)

	p := f.c.get(f.base())
	assertStatus(t, p, http.StatusOK)
	if got := rowStatus(p, conn); got != "passed" {
		t.Fatalf("status before edit = %q, want passed", got)
	}

	t.Run("an unchanged save changes nothing", func(t *testing.T) {
		p := f.c.post(f.connURL(conn, ""), formWith(manualForm("Okta"), "version", "1", "clientSecret", ""))
		assertStatus(t, p, http.StatusSeeOther)
		if got := f.reload(t, conn); got.Version != 1 {
			t.Errorf("version = %d, want 1", got.Version)
		}
	})

	p = f.c.post(f.connURL(conn, ""), formWith(manualForm("Okta"), "version", "1", "scopes", "openid,email", "clientSecret", ""))
	assertStatus(t, p, http.StatusSeeOther)
	got := f.reload(t, conn)
	if got.Version != 2 {
		t.Fatalf("version = %d, want 2", got.Version)
	}
	p = f.c.get(f.base())
	if s := rowStatus(p, conn); s != "stale" {
		t.Errorf("status after edit = %q, want stale", s)
	}
}

// A failed save says what is wrong where the admin is looking: the summary
// names every field with its problem, in the form's order, each linking to
// a field of the page; every bad group mapping is named; and a typed
// secret, which is never sent back, is asked for again.
func TestFailedSaveSummaryLinksToEachField(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	form := formWith(manualForm("Okta"), "clientID", "", "pkce", "S512", "groupMappings", "IT=admin;DATA->user;HR->owner")
	p := f.c.post(f.base()+"/connections", form)
	assertStatus(t, p, http.StatusUnprocessableEntity)
	var fields, labels []string
	p.doc.Find(`[data-testid=error-summary] [data-testid=error-link]`).Each(func(_ int, a *goquery.Selection) {
		href, _ := a.Attr("href")
		fields = append(fields, strings.TrimPrefix(href, "#"))
		labels = append(labels, a.Text())
	})
	if want := []string{"clientID", "pkce", "groupMappings"}; !slices.Equal(fields, want) {
		t.Fatalf("summary links to %v (%v), want %v", fields, labels, want)
	}
	for _, id := range fields {
		if p.doc.Find(`[id="`+id+`"]`).Length() != 1 {
			t.Errorf("the summary links to #%s, which is not on the page", id)
		}
	}
	summary := p.text("error-summary")
	for _, want := range []string{`mapping 1 "IT=admin"`, `mapping 3 "HR->owner"`} {
		if !strings.Contains(summary, want) {
			t.Errorf("summary %q does not name %s", summary, want)
		}
	}
	secret := p.doc.Find(`#clientSecret`)
	if v, _ := secret.Attr("value"); v != "" {
		t.Fatalf("the typed secret was sent back: %q", v)
	}
	if help := p.doc.Find(`[data-testid="field-clientSecret"]`).Parent().Text(); !strings.Contains(help, "Enter the client secret again") {
		t.Errorf("the secret field does not ask for the secret again: %q", help)
	}
}
