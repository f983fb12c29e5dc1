package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/orgsso/orgsso/app/apptest"
	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/app/connector/oidc"
	"github.com/orgsso/orgsso/e2e/idp"
	"github.com/orgsso/orgsso/models"
)

// initiateApp is the whole app with org acme using SSO through a tested
// connection to a real in-process IdP that forwards login_hint.
type initiateApp struct {
	srv  *apptest.Server
	ip   *idp.OIDCServer
	conn models.Connection
}

func newInitiateApp(t *testing.T) *initiateApp {
	t.Helper()
	ctx := context.Background()
	srv := apptest.Start(t, apptest.Listen(t), nil, nil)
	ip := idp.NewOIDC(t)
	ip.AddClient(idp.Client{ID: apptest.ClientID, Secret: apptest.ClientSecret, RedirectURIs: []string{srv.URL + "/o/acme/oidc/callback"}})
	ip.AddUser(idp.User{Subject: "bob", Email: "bob@acme.test", EmailVerified: true, Name: "Bob"})
	ip.SetUser("bob")
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
	conn := apptest.AddConnection(t, srv.App, org, ip, "Okta", models.Provisioning{JIT: true, DefaultRole: "user"},
		func(c *oidc.Config) { c.ForwardedLoginParams = []string{"login_hint"} })
	apptest.PassTest(t, srv.App, org, conn, ip, admin.ID)
	if err := srv.Store.SetSSO(ctx, org.ID, true, false); err != nil {
		t.Fatal(err)
	}
	return &initiateApp{srv: srv, ip: ip, conn: conn}
}

func (a *initiateApp) initiatePath() string { return "/o/acme/sso/" + a.conn.PublicID + "/initiate" }

// newBrowser is a cookie jar that does not follow redirects.
func newBrowser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func send(t *testing.T, c *http.Client, method, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	var resp *http.Response
	var err error
	if method == http.MethodPost {
		resp, err = c.PostForm(u, form)
	} else {
		if form != nil {
			u += "?" + form.Encode()
		}
		resp, err = c.Get(u)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// A request to start a sign-in that does not name this connection's
// issuer, or that would continue on another site, is refused with a
// readable page, and the IdP is never reached.
func TestInitiateLoginRefusesWrongIssuerOrForeignTarget(t *testing.T) {
	t.Parallel()
	a := newInitiateApp(t)
	iss := a.ip.Issuer()
	cases := []struct {
		name string
		form url.Values
		want string
	}{
		{"missing iss", url.Values{"login_hint": {"bob@acme.test"}}, "no iss parameter"},
		{"wrong iss", url.Values{"iss": {"https://evil.example"}}, "other than the one this sign-in option uses"},
		{"iss with more after it", url.Values{"iss": {iss + "/other"}}, "other than the one"},
		{"iss of another scheme", url.Values{"iss": {strings.Replace(iss, "http://", "https://", 1)}}, "other than the one"},
		{"foreign target", url.Values{"iss": {iss}, "target_link_uri": {"https://evil.example/o/acme"}}, "another site"},
		{"scheme-relative target", url.Values{"iss": {iss}, "target_link_uri": {"//evil.example/o/acme"}}, "another site"},
		{"backslash target", url.Values{"iss": {iss}, "target_link_uri": {"/\\evil.example"}}, "another site"},
		{"our host on another port", url.Values{"iss": {iss}, "target_link_uri": {"http://127.0.0.1:1/o/acme"}}, "another site"},
		{"script target", url.Values{"iss": {iss}, "target_link_uri": {"javascript:alert(1)"}}, "another site"},
	}
	for _, tc := range cases {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			t.Run(tc.name+" "+method, func(t *testing.T) {
				hits := a.ip.AuthorizeHits()
				resp, body := send(t, newBrowser(), method, a.srv.URL+a.initiatePath(), tc.form)
				if resp.StatusCode != http.StatusBadRequest {
					t.Fatalf("status %s (Location %q), want 400", resp.Status, resp.Header.Get("Location"))
				}
				if !strings.Contains(body, tc.want) || !strings.Contains(body, "Sign-in not started") {
					t.Errorf("page does not say %q:\n%s", tc.want, body)
				}
				if a.ip.AuthorizeHits() != hits {
					t.Error("the IdP was reached")
				}
			})
		}
	}
	t.Run("unknown connection", func(t *testing.T) {
		resp, _ := send(t, newBrowser(), http.MethodGet, a.srv.URL+"/o/acme/sso/c_nope/initiate", url.Values{"iss": {iss}})
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("status %s, want 404", resp.Status)
		}
	})
}

// The IdP's app tile starts an ordinary member login: by GET or by a
// cross-site POST (no CSRF token), with an issuer that differs only by a
// trailing slash, the IdP is reached with the login_hint, and after the
// round trip the member is signed in and lands on target_link_uri, given
// as a path or as a full URL on our base URL.
func TestInitiateLoginSignsTheMemberInAndLandsOnTheTarget(t *testing.T) {
	t.Parallel()
	a := newInitiateApp(t)
	cases := []struct {
		name, method, iss, target, want string
	}{
		{"GET with a path", http.MethodGet, a.ip.Issuer() + "/", "/account?tab=profile", "/account?tab=profile"},
		{"POST with a full URL on our base", http.MethodPost, a.ip.Issuer(), a.srv.URL + "/account", "/account"},
		{"no target", http.MethodGet, a.ip.Issuer(), "", "/o/acme"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newBrowser()
			form := url.Values{"iss": {tc.iss}, "login_hint": {"bob@acme.test"}}
			if tc.target != "" {
				form.Set("target_link_uri", tc.target)
			}
			resp, body := send(t, c, tc.method, a.srv.URL+a.initiatePath(), form)
			loc := resp.Header.Get("Location")
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, a.ip.AuthorizationURL()) {
				t.Fatalf("initiate: %s to %q\n%s", resp.Status, loc, body)
			}
			cb, err := a.ip.Authorize(context.Background(), loc)
			if err != nil {
				t.Fatal(err)
			}
			if got := a.ip.LastAuthorizeParams().Get("login_hint"); got != "bob@acme.test" {
				t.Errorf("the IdP got login_hint %q", got)
			}
			resp, body = send(t, c, http.MethodGet, cb.String(), nil)
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != tc.want {
				t.Fatalf("callback: %s to %q, want %q\n%s", resp.Status, resp.Header.Get("Location"), tc.want, body)
			}
			resp, body = send(t, c, http.MethodGet, a.srv.URL+"/api/v1/me", nil)
			if resp.StatusCode != http.StatusOK || !strings.Contains(body, "bob@acme.test") {
				t.Errorf("not signed in as bob: %s %s", resp.Status, body)
			}
		})
	}
}

// The settings page and the connection's form show its initiate login URI
// with a copy button.
func TestInitiateLoginURIIsShown(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	conn := f.createConn(t, manualForm("Okta"))
	want := f.e.opts.BaseURL + "/o/acme/sso/" + conn.PublicID + "/initiate"

	p := f.c.get(f.base())
	assertStatus(t, p, http.StatusOK)
	dd := p.doc.Find(`[data-testid="initiate-login-uri"][data-connection-id="` + conn.PublicID + `"]`)
	if got := strings.TrimSpace(dd.Find("code").Text()); got != want {
		t.Errorf("settings page: initiate login URI %q, want %q", got, want)
	}
	if dd.Find("button[data-copy]").Length() == 0 {
		t.Error("settings page: no copy button")
	}
	assertContains(t, "label", p.text("redirect-uris"), "Initiate login URI for Okta")

	p = f.c.get(f.connURL(conn, "/edit"))
	assertStatus(t, p, http.StatusOK)
	if got := p.text("initiate-login-uri"); got != want {
		t.Errorf("form: initiate login URI %q, want %q", got, want)
	}
	if p.doc.Find(`[data-testid="setup-help"] button[data-copy="#initiate-login-uri"]`).Length() == 0 {
		t.Error("form: no copy button in the setup panel")
	}
	if p := f.c.get(f.base() + "/connections/new?preset=okta"); p.has("initiate-login-uri") {
		t.Error("a new connection, without an id yet, shows an initiate login URI")
	}
}
