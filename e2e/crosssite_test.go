package e2e

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/orgsso/orgsso/app/apptest"
	"github.com/orgsso/orgsso/app/connector/oidc"
	"github.com/orgsso/orgsso/e2e/idp"
	"github.com/orgsso/orgsso/models"
)

// TestCrossSiteLoginKeepsItsBinding signs a member in, in Chromium, with
// the app and its IdP on different sites, as in production: the app on
// https://localhost (self-signed), the IdP on http://127.0.0.1. The IdP's
// answer comes back cross-site, by a redirect (GET) and by an
// auto-submitted form (form_post, as SAML's ACS POST will), and browsers
// send only SameSite=None cookies with a cross-site POST: the login state
// cookie must come back with both, or the login fails as "started in
// another browser".
func TestCrossSiteLoginKeepsItsBinding(t *testing.T) {
	for _, mode := range []string{oidc.ResponseQuery, oidc.ResponseFormPost} {
		t.Run(mode, func(t *testing.T) {
			ln := apptest.Listen(t)
			_, port, _ := net.SplitHostPort(ln.Addr().String())
			base := "https://localhost:" + port
			srv := apptest.Start(t, ln, map[string]string{"ORGSSO_BASE_URL": base}, nil)
			ctx := context.Background()
			org, err := srv.Store.CreateOrganization(ctx, "acme", "Acme Corp")
			if err != nil {
				t.Fatal(err)
			}
			admin, err := srv.CreateAdmin(ctx, "root@orgsso.test", "platform-admin-pw-1", false)
			if err != nil {
				t.Fatal(err)
			}
			ip := idp.NewOIDC(t)
			if !strings.HasPrefix(ip.Issuer(), "http://127.0.0.1:") {
				t.Fatalf("the IdP is at %s, not on another site than %s", ip.Issuer(), base)
			}
			ip.AddClient(idp.Client{ID: apptest.ClientID, Secret: apptest.ClientSecret, RedirectURIs: []string{base + "/o/acme/oidc/callback"}})
			ip.AddUser(idp.User{Subject: "tester", Email: "tester@acme.test", EmailVerified: true, Name: "Tester"})
			ip.AddUser(idp.User{Subject: "00u-bob", Email: "bob@acme.test", EmailVerified: true, Name: "Bob Member"})
			conn := apptest.AddConnection(t, srv.App, org, ip, "Okta", models.Provisioning{JIT: true, DefaultRole: "user"},
				func(c *oidc.Config) { c.ResponseMode = mode })
			ip.SetUser("tester")
			apptest.PassTest(t, srv.App, org, conn, ip, admin.ID)
			if err := srv.Store.EnableSSO(ctx, org.ID); err != nil {
				t.Fatal(err)
			}

			ip.SetUser("00u-bob")
			b := newBrowser(t, base, chromedp.Flag("ignore-certificate-errors", true))
			b.open("/o/acme/sso/" + conn.PublicID + "/start")
			// form_post: the IdP's page submits itself; wait for where it leads.
			b.do("land", chromedp.WaitVisible(`[data-testid=nav-account], [data-testid=error-page]`))
			if got := b.path(); got != "/o/acme" {
				t.Fatalf("landed on %s (%s), want /o/acme", got, b.text("body"))
			}
			if who := b.text("[data-testid=nav-account]"); who != "bob@acme.test" {
				t.Fatalf("signed in as %q, want bob@acme.test", who)
			}
			if mode == oidc.ResponseFormPost && ip.LastAuthorizeParams().Get("response_mode") != oidc.ResponseFormPost {
				t.Fatalf("the login asked for response_mode %q", ip.LastAuthorizeParams().Get("response_mode"))
			}
		})
	}
}
