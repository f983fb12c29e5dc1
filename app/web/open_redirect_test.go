package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/orgsso/orgsso/app/secrets"
	"github.com/orgsso/orgsso/app/web"
	"github.com/orgsso/orgsso/models"
)

// TestOpenRedirectTable sends every known bypass vector (web.RedirectVectors:
// scheme-relative and backslash tricks, encoded and raw tabs and line
// breaks, encoded slashes, userinfo, IDN look-alikes, javascript: and
// data: URLs, …) end to end through each real route that takes a return
// path, on the whole app with a real IdP: the login page (signed in, it
// redirects at once; signed out, its form carries the path), the password
// login, the login page's SSO-by-email step, the org's login page (its
// SSO buttons carry the path), a member's SSO start through the IdP and
// back to the callback, and the IdP-initiated login's target_link_uri.
// Wherever the browser is sent, it is a path of ours; a route may also
// refuse the request (400), never with a 500.
func TestOpenRedirectTable(t *testing.T) {
	t.Parallel()
	if n := len(web.RedirectVectors); n < 40 {
		t.Fatalf("only %d vectors", n)
	}
	a := newInitiateApp(t)
	ctx := context.Background()
	org, err := a.srv.Store.OrganizationBySlug(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	hash := passwordHash(t)
	pat, err := a.srv.Store.CreateUser(ctx, models.User{Email: "pat@acme.test", EmailVerified: true, PasswordHash: &hash})
	if err != nil {
		t.Fatal(err)
	}
	d, err := a.srv.Store.AddDomain(ctx, org.ID, "acme.test", "challenge")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.srv.Store.MarkDomainVerified(ctx, org.ID, d.ID); err != nil {
		t.Fatal(err)
	}
	base, _ := url.Parse(a.srv.URL)
	start := "/o/acme/sso/" + a.conn.PublicID + "/start"

	// local fails t unless loc, where the browser is sent, is a path of ours.
	local := func(t *testing.T, what, loc string) {
		t.Helper()
		ref, err := url.Parse(loc)
		if err != nil || !strings.HasPrefix(loc, "/") || web.LeavesSite(loc) ||
			strings.ContainsFunc(loc, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			t.Fatalf("%s = %q: not a path of ours", what, loc)
		}
		if got := base.ResolveReference(ref); got.Host != base.Host || got.Scheme != base.Scheme || got.User != nil {
			t.Fatalf("%s = %q resolves to %s", what, loc, got)
		}
	}
	// landed checks a response: a redirect goes to a path of ours (and its
	// return_to, if any, is one too); anything else is a page of ours, or
	// a refusal that is no 500.
	landed := func(t *testing.T, resp *http.Response, body string) {
		t.Helper()
		if resp.StatusCode >= 500 {
			t.Fatalf("status %s\n%s", resp.Status, body)
		}
		loc := resp.Header.Get("Location")
		if resp.StatusCode/100 != 3 {
			if loc != "" {
				t.Fatalf("status %s with Location %q", resp.Status, loc)
			}
			return
		}
		local(t, "Location", loc)
		if u, _ := url.Parse(loc); u.Query().Get("return_to") != "" {
			local(t, "Location's return_to", u.Query().Get("return_to"))
		}
	}
	doc := func(t *testing.T, body string) *goquery.Document {
		t.Helper()
		d, err := goquery.NewDocumentFromReader(strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	// roundTrip follows a redirect to the IdP, signs in there and brings
	// the answer back to our callback: where that sends the browser is
	// where the vector ended.
	roundTrip := func(t *testing.T, c *http.Client, resp *http.Response, body string) {
		t.Helper()
		loc := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, a.ip.AuthorizationURL()) {
			landed(t, resp, body) // refused before the IdP
			return
		}
		cb, err := a.ip.Authorize(ctx, loc)
		if err != nil {
			t.Fatal(err)
		}
		resp, body = send(t, c, http.MethodGet, cb.String(), nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("callback: %s\n%s", resp.Status, body)
		}
		landed(t, resp, body)
	}
	signedIn := func(t *testing.T) *http.Client {
		c := newBrowser()
		id := secrets.Token()
		now := time.Now().UTC()
		if err := a.srv.Store.CreateSession(ctx, models.Session{IDHash: secrets.Hash(id), UserID: pat.ID, CreatedAt: now,
			LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		c.Jar.SetCookies(base, []*http.Cookie{{Name: sessionCookie, Value: id, Path: "/"}})
		return c
	}
	// loginForm opens the login page in a new browser and returns it with
	// the form's CSRF token.
	loginForm := func(t *testing.T) (*http.Client, string) {
		c := newBrowser()
		_, body := send(t, c, http.MethodGet, a.srv.URL+"/login", nil)
		tok, _ := doc(t, body).Find(`form[data-testid="login-form"] input[name="_csrf"]`).Attr("value")
		if tok == "" {
			t.Fatal("no CSRF token on the login page")
		}
		return c, tok
	}
	// The password login hashes a password (about a second under the race
	// detector): it takes every fifth vector, and every vector elsewhere.
	for i, v := range web.RedirectVectors {
		t.Run(url.PathEscape(v), func(t *testing.T) {
			q := url.Values{"return_to": {v}}
			t.Run("login page, signed in", func(t *testing.T) {
				resp, body := send(t, signedIn(t), http.MethodGet, a.srv.URL+"/login", q)
				landed(t, resp, body)
				if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusBadRequest {
					t.Fatalf("status %s, want a redirect or a refusal", resp.Status)
				}
			})
			t.Run("login form", func(t *testing.T) {
				resp, body := send(t, newBrowser(), http.MethodGet, a.srv.URL+"/login", q)
				landed(t, resp, body)
				if resp.StatusCode == http.StatusOK {
					got, _ := doc(t, body).Find(`input[name="return_to"]`).Attr("value")
					if got != "" {
						local(t, "the form's return_to", got)
					}
				}
			})
			if i%5 == 0 {
				t.Run("password login", func(t *testing.T) {
					c, tok := loginForm(t)
					resp, body := send(t, c, http.MethodPost, a.srv.URL+"/login", url.Values{"_csrf": {tok},
						"email": {"pat@acme.test"}, "password": {testPassword}, "return_to": {v}})
					landed(t, resp, body)
				})
			}
			t.Run("SSO by email", func(t *testing.T) {
				c, tok := loginForm(t)
				resp, body := send(t, c, http.MethodPost, a.srv.URL+"/login", url.Values{"_csrf": {tok}, "step": {"email"},
					"email": {"bob@acme.test"}, "return_to": {v}})
				landed(t, resp, body)
				if resp.StatusCode == http.StatusSeeOther {
					next, body := send(t, c, http.MethodGet, a.srv.URL+resp.Header.Get("Location"), nil)
					roundTrip(t, c, next, body)
				}
			})
			t.Run("org login page", func(t *testing.T) {
				resp, body := send(t, newBrowser(), http.MethodGet, a.srv.URL+"/o/acme/login", q)
				landed(t, resp, body)
				if resp.StatusCode == http.StatusOK {
					d := doc(t, body)
					if d.Find(`[data-testid="sso-button"]`).Length() == 0 {
						t.Fatal("no SSO button")
					}
					d.Find(`[data-testid="sso-button"]`).Each(func(_ int, s *goquery.Selection) {
						href, _ := s.Attr("href")
						local(t, "the SSO button", href)
						if u, _ := url.Parse(href); u.Query().Get("return_to") != "" {
							local(t, "the SSO button's return_to", u.Query().Get("return_to"))
						}
					})
				}
			})
			t.Run("SSO start through the IdP", func(t *testing.T) {
				c := newBrowser()
				resp, body := send(t, c, http.MethodGet, a.srv.URL+start, q)
				roundTrip(t, c, resp, body)
			})
			t.Run("IdP-initiated target_link_uri", func(t *testing.T) {
				c := newBrowser()
				resp, body := send(t, c, http.MethodGet, a.srv.URL+a.initiatePath(),
					url.Values{"iss": {a.ip.Issuer()}, "target_link_uri": {v}})
				roundTrip(t, c, resp, body)
			})
		})
	}
}
