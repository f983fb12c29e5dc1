package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/orgsso/orgsso/models"
)

// The start URL's login parameters reach the IdP when the connection lists
// them: every listed one, not only login_hint; nothing unlisted, no
// protocol parameter and none of the start's own (test, link, return_to).
func TestSSOStartForwardsListedLoginParams(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	conn := f.createConn(t, formWith(manualForm("Entra"), "forwardedLoginParams", "login_hint domain_hint prompt acr_values"))
	f.recordTest(t, conn, models.TestPassed)
	f.enableSSO(t, false)

	q := url.Values{
		"login_hint": {"dana@acme.example"}, "domain_hint": {"acme.example"}, "prompt": {"select_account"},
		"acr_values": {"urn:acme:mfa"}, "ui_locales": {"de"}, "state": {"evil"}, "nonce": {"evil"},
		"redirect_uri": {"https://evil.example/cb"}, "return_to": {"/o/acme/members"},
	}
	p := f.e.client().get("/o/acme/sso/" + conn.PublicID + "/start?" + q.Encode())
	assertStatus(t, p, http.StatusSeeOther)
	loc := p.location()
	if !strings.HasPrefix(loc, "https://idp.example.com/authorize?") {
		t.Fatalf("start went to %q, want the IdP", loc)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	got := u.Query()
	for k, want := range map[string]string{"login_hint": "dana@acme.example", "domain_hint": "acme.example",
		"prompt": "select_account", "acr_values": "urn:acme:mfa", "client_id": "client-Entra"} {
		if got.Get(k) != want {
			t.Errorf("%s = %q, want %q", k, got.Get(k), want)
		}
	}
	for _, k := range []string{"ui_locales", "return_to", "test", "link"} {
		if got.Has(k) {
			t.Errorf("%s sent to the IdP: %s", k, loc)
		}
	}
	if got.Get("state") == "evil" || got.Get("nonce") == "evil" || strings.Contains(got.Get("redirect_uri"), "evil") {
		t.Errorf("a protocol parameter came from the start URL: %s", loc)
	}
}

// The connection form says that an endpoint entered overrides discovery.
func TestConnectionFormSaysEndpointsOverrideDiscovery(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	p := f.c.get(f.base() + "/connections/new?preset=okta")
	assertStatus(t, p, http.StatusOK)
	if help := p.text("endpoints-help"); !strings.Contains(help, "used instead of the discovered one, whether discovery is on or off") {
		t.Fatalf("endpoints help = %q", help)
	}
}
