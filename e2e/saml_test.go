package e2e

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/orgsso/orgsso/app/apptest"
	"github.com/orgsso/orgsso/e2e/samlidp"
)

// TestSAMLConnectionInTheBrowser sets a SAML connection up as an admin
// would, in Chromium: the SAML preset, the IdP's metadata address, the
// values to give the IdP, a test that passes; then a member signs in
// through it. The app is on https://localhost (self-signed), the IdP on
// http://127.0.0.1, another site: its answer is an auto-submitted
// cross-site POST to the ACS, with which browsers send only SameSite=None
// cookies, so the login state cookie must be one.
func TestSAMLConnectionInTheBrowser(t *testing.T) {
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
	if err := srv.Store.PutMember(ctx, org.ID, admin.ID, []string{"admin"}); err != nil {
		t.Fatal(err)
	}
	ip := samlidp.New(t, samlidp.WithUser(samlidp.User{Email: "tester@idp.test", GivenName: "Tess", FamilyName: "Ter", Groups: []string{"IT"}}),
		samlidp.WithUser(samlidp.User{Email: "bob@acme.test", GivenName: "Bob", FamilyName: "Member", Groups: []string{"IT"}}))
	if !strings.HasPrefix(ip.URL(), "http://127.0.0.1:") {
		t.Fatalf("the IdP is at %s, not on another site than %s", ip.URL(), base)
	}
	ip.SetRequireSignedRequests(true)

	b := newBrowser(t, base, chromedp.Flag("ignore-certificate-errors", true))
	b.login("root@orgsso.test", "platform-admin-pw-1")
	b.open("/o/acme/settings/sso/connections/new")
	b.submit(`[data-protocol=saml] [data-preset=saml-custom]`)
	b.fill("#displayName", "Corp SAML")
	b.fill("#metadataURL", ip.MetadataURL())
	b.do("open Advanced", chromedp.Click(`[data-testid=advanced] > summary`, chromedp.NodeVisible))
	b.setChecked("#signRequests", true)
	b.submit("[data-testid=save-connection]")
	if got := b.path(); !strings.HasSuffix(got, "/edit") {
		t.Fatalf("after saving: %s (%s)", got, b.text("main"))
	}
	b.shot("saml-connection")
	acs, entity := b.text("[data-testid=acs-url]"), b.text("[data-testid=entity-id]")
	if !strings.HasPrefix(acs, base+"/o/acme/saml/") || !strings.HasSuffix(acs, "/acs") || !strings.HasSuffix(entity, "/metadata") {
		t.Fatalf("ACS %q, entity ID %q", acs, entity)
	}
	// The IdP's admin downloads our metadata (self-signed here) and gives
	// it to the IdP.
	insecure := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // the test app's self-signed certificate
	resp, err := insecure.Get(entity)
	if err != nil {
		t.Fatal(err)
	}
	meta, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("our metadata: %d %v", resp.StatusCode, err)
	}
	if err := ip.RegisterSP(meta); err != nil {
		t.Fatalf("the IdP cannot read our metadata: %v", err)
	}
	ip.NextUser("tester@idp.test")
	b.submit("[data-testid=test-connection]")
	b.do("verdict", chromedp.WaitVisible(`[data-testid=test-result]`))
	if got := b.attr("[data-testid=test-result]", "data-result"); got != "passed" {
		t.Fatalf("test verdict %q: %s", got, b.text("main"))
	}
	b.shot("saml-test-passed")
	if _, signed := ip.LastRequest(); !signed {
		t.Fatal("the sign-in request was not signed")
	}
	if err := srv.Store.EnableSSO(ctx, org.ID); err != nil {
		t.Fatal(err)
	}

	member := newBrowser(t, base, chromedp.Flag("ignore-certificate-errors", true))
	ip.NextUser("bob@acme.test")
	member.open("/o/acme/login")
	member.submit(`[data-testid=sso-button]`)
	member.do("land", chromedp.WaitVisible(`[data-testid=nav-account], [data-testid=error-page]`))
	if got := member.path(); got != "/o/acme" {
		t.Fatalf("landed on %s (%s), want /o/acme", got, member.text("body"))
	}
	if who := member.text("[data-testid=nav-account]"); who != "bob@acme.test" {
		t.Fatalf("signed in as %q, want bob@acme.test", who)
	}
}
