package main

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// browser is an admin's browser for setting orgsso up through its pages:
// a cookie jar, redirects followed, CSRF tokens read from the forms.
type browser struct {
	c    *http.Client
	base string
}

// page is a response after redirects.
type page struct {
	status int
	url    *url.URL
	body   string
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func newBrowser(base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{c: &http.Client{Jar: jar, Timeout: 30 * time.Second}, base: base}
}

func (b *browser) do(ctx context.Context, method, path string, form url.Values) (page, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, b.base+path, body)
	if err != nil {
		return page{}, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := b.c.Do(req)
	if err != nil {
		return page{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, url: resp.Request.URL, body: string(raw)}, err
}

// submit loads the page at formPath, then posts form to action with the
// page's CSRF token.
func (b *browser) submit(ctx context.Context, formPath, action string, form url.Values) (page, error) {
	p, err := b.do(ctx, http.MethodGet, formPath, nil)
	if err != nil {
		return p, err
	}
	m := csrfInput.FindStringSubmatch(p.body)
	if p.status != http.StatusOK || m == nil {
		return p, fmt.Errorf("GET %s: status %d, no CSRF token in the page", formPath, p.status)
	}
	form.Set("_csrf", html.UnescapeString(m[1]))
	return b.do(ctx, http.MethodPost, action, form)
}

// setupOrgsso logs in as the org's admin, adds a Custom OIDC connection to
// the IdP (JIT, default role user), runs its test through the IdP and
// enables SSO, all through orgsso's pages. It returns the connection's id.
func setupOrgsso(ctx context.Context, base, email, password, issuer, clientID, clientSecret string) (string, error) {
	b := newBrowser(base)
	p, err := b.submit(ctx, "/login", "/login", url.Values{"email": {email}, "password": {password}})
	if err != nil {
		return "", fmt.Errorf("admin login: %w", err)
	}
	if p.status != http.StatusOK || p.url.Path == "/login" {
		return "", fmt.Errorf("admin login: status %d at %s", p.status, p.url.Path)
	}

	settings := "/o/" + orgSlug + "/settings/sso"
	p, err = b.submit(ctx, settings+"/connections/new?preset=custom", settings+"/connections", url.Values{
		"preset": {"custom"}, "displayName": {"Load IdP"}, "issuer": {issuer}, "discovery": {"true"},
		"clientID": {clientID}, "clientSecret": {clientSecret}, "clientAuthMethod": {"client_secret_basic"},
		"scopes": {"openid email profile"}, "pkce": {"S256"}, "claimsSource": {"idtoken"},
		"requireVerifiedEmail": {"true"}, "jit": {"true"}, "defaultRole": {"user"}, "syncRoles": {"true"},
	})
	if err != nil {
		return "", fmt.Errorf("create connection: %w", err)
	}
	// A saved connection redirects to .../connections/{conn}/edit.
	rest, ok := strings.CutPrefix(p.url.Path, settings+"/connections/")
	conn, _, _ := strings.Cut(rest, "/")
	if p.status != http.StatusOK || !ok || !strings.HasSuffix(rest, "/edit") {
		return "", fmt.Errorf("create connection: status %d at %s%s", p.status, p.url.Path, formErrors(p.body))
	}

	p, err = b.do(ctx, http.MethodGet, "/o/"+orgSlug+"/sso/"+conn+"/start?test=1", nil)
	if err != nil {
		return "", fmt.Errorf("test connection: %w", err)
	}
	if p.status != http.StatusOK || !strings.Contains(p.body, `data-result="passed"`) {
		return "", fmt.Errorf("test connection: status %d at %s, not passed", p.status, p.url.Path)
	}

	p, err = b.submit(ctx, settings, settings+"/enable", url.Values{})
	if err != nil {
		return "", fmt.Errorf("enable SSO: %w", err)
	}
	if p.status != http.StatusOK || !strings.Contains(p.body, `data-testid="sso-gate" data-enabled="true"`) {
		return "", fmt.Errorf("enable SSO: status %d at %s, SSO not on", p.status, p.url.Path)
	}
	return conn, nil
}

var fieldError = regexp.MustCompile(`(?s)<small[^>]*id="[^"]*-error"[^>]*>(.*?)</small>`)

// formErrors is the field errors a form page shows, for a failure message.
func formErrors(body string) string {
	var msgs []string
	for _, m := range fieldError.FindAllStringSubmatch(body, -1) {
		msgs = append(msgs, strings.TrimSpace(html.UnescapeString(m[1])))
	}
	if len(msgs) == 0 {
		return ""
	}
	return ": " + strings.Join(msgs, "; ")
}
