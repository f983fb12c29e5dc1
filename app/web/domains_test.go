package web_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/orgsso/orgsso/models"
)

// fakeResolver answers TXT lookups from its records; a name without
// records is not found, as NXDOMAIN is. err, when set, fails every lookup.
type fakeResolver struct {
	mu      sync.Mutex
	records map[string][]string
	err     error
}

func (r *fakeResolver) LookupTXT(_ context.Context, name string) ([]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return nil, r.err
	}
	if v, ok := r.records[name]; ok {
		return v, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

// set publishes values as the TXT records of name.
func (r *fakeResolver) set(name string, values ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.records == nil {
		r.records = map[string][]string{}
	}
	r.records[name] = values
}

func (r *fakeResolver) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.err = err
}

func domainsBase(o models.Organization) string { return "/o/" + o.Slug + "/settings/domains" }

func domainAction(o models.Organization, d models.VerifiedDomain, action string) string {
	return domainsBase(o) + "/" + ssoItoa(d.ID) + "/" + action
}

// addDomain stores a pending domain for org, as the add form would.
func (e *env) addDomain(org models.Organization, domain string) models.VerifiedDomain {
	e.t.Helper()
	d, err := e.store.AddDomain(context.Background(), org.ID, domain, "challenge-"+org.Slug+"-"+domain)
	if err != nil {
		e.t.Fatalf("add domain: %v", err)
	}
	return d
}

func (e *env) domain(org models.Organization, id int64) models.VerifiedDomain {
	e.t.Helper()
	d, err := e.store.Domain(context.Background(), org.ID, id)
	if err != nil {
		e.t.Fatalf("load domain %d: %v", id, err)
	}
	return d
}

// publish puts the TXT record that proves d.
func (e *env) publish(d models.VerifiedDomain) {
	e.resolver.set("_orgsso-challenge."+d.Domain, "orgsso-verification="+d.Challenge)
}

// lastAudit is the newest audit event of org: action, target and details.
func (e *env) lastAudit(org models.Organization) (action, target, details string) {
	e.t.Helper()
	var ev models.AuditEvent
	if err := e.db.Write.Where("org_id = ?", org.ID).Order("id DESC").Take(&ev).Error; err != nil {
		e.t.Fatalf("last audit: %v", err)
	}
	return ev.Action, ev.Target, ev.Details
}

func domainCard(p *page, domain string) *pageSel {
	return &pageSel{p.doc.Find(`[data-testid="domain"][data-domain="` + domain + `"]`)}
}

func TestDomainAddShowsChallengeWithCopyButtons(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	p := f.c.post(domainsBase(f.org), url.Values{"domain": {"  Example.COM "}})
	assertRedirect(t, p, domainsBase(f.org))
	if action, target, _ := f.e.lastAudit(f.org); action != "domain.add" || target != "example.com" {
		t.Errorf("audit %s %s, want domain.add example.com", action, target)
	}
	domains, err := f.e.store.Domains(context.Background(), f.org.ID)
	if err != nil || len(domains) != 1 {
		t.Fatalf("domains %+v %v, want one", domains, err)
	}
	d := domains[0]
	if d.Domain != "example.com" || d.Verified() || len(d.Challenge) < 32 {
		t.Fatalf("stored %+v, want example.com pending with a random challenge", d)
	}

	p = f.c.get(domainsBase(f.org))
	assertStatus(t, p, http.StatusOK)
	assertContains(t, "flash", p.text("flash"), "Added example.com")
	card := domainCard(p, "example.com")
	if card.attr("data-status") != "pending" {
		t.Errorf("status %q, want pending", card.attr("data-status"))
	}
	assertContains(t, "status", card.text("domain-status"), "pending verification")
	id := ssoItoa(d.ID)
	for _, v := range []struct{ testid, want string }{
		{"txt-name-" + id, "_orgsso-challenge.example.com"},
		{"txt-value-" + id, "orgsso-verification=" + d.Challenge},
	} {
		if got := card.text(v.testid); got != v.want {
			t.Errorf("%s = %q, want %q", v.testid, got, v.want)
		}
		if card.s.Find(`button.copy[data-copy="#`+v.testid+`"]`).Length() != 1 {
			t.Errorf("no copy button for %s", v.testid)
		}
	}
	for _, testid := range []string{"domain-verify", "domain-remove"} {
		if card.s.Find(`[data-testid="`+testid+`"]`).Length() != 1 {
			t.Errorf("no %s button", testid)
		}
	}

	sso := f.c.get(f.base())
	if href, _ := sso.testid("domains-link").Attr("href"); href != domainsBase(f.org) {
		t.Errorf("SSO settings link to domains %q, want %q", href, domainsBase(f.org))
	}
}

func TestDomainAddValidation(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	f.e.addDomain(f.org, "taken.example")
	tests := []struct{ name, input, want string }{
		{"empty", "  ", "Enter a domain"},
		{"no dot", "localhost", "with a dot"},
		{"scheme", "https://example.com", "without http://"},
		{"path", "example.com/login", "without http://"},
		{"port", "example.com:443", "without http://"},
		{"email address", "bob@example.com", "after the @"},
		{"IP address", "10.0.0.1", "not an IP address"},
		{"space", "exa mple.com", "not a domain name"},
		{"leading hyphen", "-example.com", "not a domain name"},
		{"empty label", "example..com", "not a domain name"},
		{"too long", strings.Repeat("a.", 127) + "com", "at most 253 characters"},
		{"already added, other case", "Taken.Example", "taken.example is already in the list"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f.c.t = t
			before := f.e.in(t).count("verified_domains", "")
			p := f.c.post(domainsBase(f.org), url.Values{"domain": {tc.input}})
			assertStatus(t, p, http.StatusUnprocessableEntity)
			assertContains(t, "field error", p.text("error-domain"), tc.want)
			if got := p.inputValue("domain"); got != strings.TrimSpace(tc.input) {
				t.Errorf("input %q, want %q kept", got, strings.TrimSpace(tc.input))
			}
			if got := f.e.in(t).count("verified_domains", ""); got != before {
				t.Errorf("domains %d, want %d", got, before)
			}
		})
	}
}

func TestDomainVerify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		dns         func(e *env, d models.VerifiedDomain)
		wantOK      bool
		wantMessage string // the start of the domain's error
		wantDetails string // the audit event's details
	}{
		{name: "record published", dns: func(e *env, d models.VerifiedDomain) { e.publish(d) },
			wantOK: true, wantDetails: "TXT record found"},
		{name: "record among others", dns: func(e *env, d models.VerifiedDomain) {
			e.resolver.set("_orgsso-challenge.example.com", "v=spf1 -all", " orgsso-verification="+d.Challenge+" ")
		}, wantOK: true, wantDetails: "TXT record found"},
		{name: "no record", dns: func(*env, models.VerifiedDomain) {},
			wantMessage: "No TXT record was found at _orgsso-challenge.example.com.", wantDetails: "failed: no record"},
		{name: "name with no TXT records", dns: func(e *env, _ models.VerifiedDomain) { e.resolver.set("_orgsso-challenge.example.com") },
			wantMessage: "No TXT record was found at _orgsso-challenge.example.com.", wantDetails: "failed: no record"},
		{name: "wrong value", dns: func(e *env, _ models.VerifiedDomain) {
			e.resolver.set("_orgsso-challenge.example.com", "orgsso-verification=an-old-challenge")
		}, wantMessage: `A TXT record exists at _orgsso-challenge.example.com, but its value is not the one below (found "orgsso-verification=an-old-challenge")`,
			wantDetails: "failed: value differs"},
		{name: "DNS server failure", dns: func(e *env, _ models.VerifiedDomain) {
			e.resolver.fail(&net.DNSError{Err: "server misbehaving", Name: "_orgsso-challenge.example.com", IsTemporary: true})
		}, wantMessage: "The DNS lookup of _orgsso-challenge.example.com failed", wantDetails: "failed: dns error"},
		{name: "lookup timeout", dns: func(e *env, _ models.VerifiedDomain) { e.resolver.fail(context.DeadlineExceeded) },
			wantMessage: "The DNS lookup of _orgsso-challenge.example.com failed", wantDetails: "failed: dns error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newSSOFixture(t)
			d := f.e.addDomain(f.org, "example.com")
			tc.dns(f.e, d)
			p := f.c.post(domainAction(f.org, d, "verify"), nil)
			action, target, details := f.e.lastAudit(f.org)
			if action != "domain.verify" || target != "example.com" || details != tc.wantDetails {
				t.Errorf("audit %q %q %q, want domain.verify example.com %q", action, target, details, tc.wantDetails)
			}
			got := f.e.domain(f.org, d.ID)
			if tc.wantOK {
				assertRedirect(t, p, domainsBase(f.org))
				if !got.Verified() {
					t.Fatal("domain not verified")
				}
				p = f.c.get(domainsBase(f.org))
				card := domainCard(p, "example.com")
				if card.attr("data-status") != "verified" || card.s.Find(`[data-testid="domain-verify"]`).Length() != 0 ||
					card.s.Find(`[data-testid="txt-record"]`).Length() != 0 {
					t.Errorf("verified domain shown as %q, with its verify button or record:\n%s", card.attr("data-status"), p.body)
				}
				assertContains(t, "status", card.text("domain-status"), "verified")
				return
			}
			assertStatus(t, p, http.StatusUnprocessableEntity)
			if got.Verified() {
				t.Error("a failed verification verified the domain")
			}
			card := domainCard(p, "example.com")
			if msg := card.text("domain-error"); !strings.HasPrefix(msg, tc.wantMessage) {
				t.Errorf("message %q, want it to start with %q", msg, tc.wantMessage)
			}
			if card.attr("data-status") != "pending" || card.text("txt-value-"+ssoItoa(d.ID)) != "orgsso-verification="+d.Challenge {
				t.Errorf("the failed domain is not shown pending with its record:\n%s", p.body)
			}
		})
	}
}

func TestDomainVerifiedByAnotherOrgIsRefused(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	beta := f.e.org("beta", "Beta Industries")
	carol := f.e.user("carol@beta.example")
	f.e.grant(carol, beta, "admin")
	cb := f.e.client()
	cb.loginAs(carol)

	acmeDomain := f.e.addDomain(f.org, "example.com")
	betaDomain := f.e.addDomain(beta, "example.com")
	// Both orgs publish their proof; DNS allows several TXT records.
	f.e.resolver.set("_orgsso-challenge.example.com",
		"orgsso-verification="+acmeDomain.Challenge, "orgsso-verification="+betaDomain.Challenge)
	assertRedirect(t, f.c.post(domainAction(f.org, acmeDomain, "verify"), nil), domainsBase(f.org))

	p := cb.post(domainAction(beta, betaDomain, "verify"), nil)
	assertStatus(t, p, http.StatusUnprocessableEntity)
	msg := domainCard(p, "example.com").text("domain-error")
	if !strings.HasPrefix(msg, "example.com is verified by another organization.") {
		t.Errorf("message %q, want the refusal", msg)
	}
	for _, secret := range []string{f.org.Name, f.org.Slug, f.admin.Email} {
		if strings.Contains(p.body, secret) {
			t.Errorf("the refusal names the holder: page contains %q", secret)
		}
	}
	if f.e.domain(beta, betaDomain.ID).Verified() {
		t.Error("beta's domain got verified")
	}
	holder, err := f.e.store.DomainHolder(context.Background(), "example.com")
	if err != nil || holder.ID != f.org.ID {
		t.Errorf("holder %v %v, want acme to keep the domain", holder.Slug, err)
	}
	if action, _, details := f.e.lastAudit(beta); action != "domain.verify" || details != "failed: verified by another organization" {
		t.Errorf("beta audit %q %q", action, details)
	}
}

func TestDomainRemove(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	d := f.e.addDomain(f.org, "example.com")
	f.e.publish(d)
	assertRedirect(t, f.c.post(domainAction(f.org, d, "verify"), nil), domainsBase(f.org))

	p := f.c.post(domainAction(f.org, d, "remove"), nil)
	assertRedirect(t, p, domainsBase(f.org))
	if n := f.e.count("verified_domains", "org_id = ?", f.org.ID); n != 0 {
		t.Errorf("%d domains left", n)
	}
	if action, target, details := f.e.lastAudit(f.org); action != "domain.remove" || target != "example.com" || details != "was verified" {
		t.Errorf("audit %q %q %q", action, target, details)
	}
	if _, err := f.e.store.DomainHolder(context.Background(), "example.com"); !errors.Is(err, models.ErrNotFound) {
		t.Errorf("holder after removal: %v, want not found", err)
	}
	p = f.c.get(domainsBase(f.org))
	if !p.has("domains-empty") {
		t.Error("the page does not say the org has no domains")
	}
	assertStatus(t, f.c.post(domainAction(f.org, d, "remove"), nil), http.StatusNotFound)
}

// TestDomainRoutesOfAnotherOrg: org B's admin cannot see or change org A's
// domains, by A's URL or by A's domain id under B's URL.
func TestDomainRoutesOfAnotherOrg(t *testing.T) {
	t.Parallel()
	f := newSSOFixture(t)
	d := f.e.addDomain(f.org, "example.com")
	f.e.publish(d)
	beta := f.e.org("beta", "Beta Industries")
	carol := f.e.user("carol@beta.example")
	f.e.grant(carol, beta, "admin")
	cb := f.e.client()
	cb.loginAs(carol)
	member := f.e.client()
	member.loginAs(f.member)

	tests := []struct {
		name       string
		c          *client
		method     string
		path       string
		wantStatus int
	}{
		{"B's admin lists A's domains", cb, http.MethodGet, domainsBase(f.org), http.StatusNotFound},
		{"B's admin adds to A", cb, http.MethodPost, domainsBase(f.org), http.StatusNotFound},
		{"B's admin verifies A's domain", cb, http.MethodPost, domainAction(f.org, d, "verify"), http.StatusNotFound},
		{"B's admin removes A's domain", cb, http.MethodPost, domainAction(f.org, d, "remove"), http.StatusNotFound},
		{"B's admin verifies A's domain id under B", cb, http.MethodPost, domainAction(beta, d, "verify"), http.StatusNotFound},
		{"B's admin removes A's domain id under B", cb, http.MethodPost, domainAction(beta, d, "remove"), http.StatusNotFound},
		{"A's member lists domains", member, http.MethodGet, domainsBase(f.org), http.StatusForbidden},
		{"A's member verifies", member, http.MethodPost, domainAction(f.org, d, "verify"), http.StatusForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.c.t = t
			before := f.e.in(t).snapshot()
			var p *page
			if tc.method == http.MethodGet {
				p = tc.c.get(tc.path)
			} else {
				p = tc.c.post(tc.path, url.Values{"domain": {"beta.example"}})
			}
			assertStatus(t, p, tc.wantStatus)
			f.e.in(t).assertUnchanged(before)
			if f.e.in(t).domain(f.org, d.ID).Verified() || f.e.count("verified_domains", "") != 1 {
				t.Error("A's domains changed")
			}
		})
	}
}

// pageSel is a part of a page.
type pageSel struct{ s *goquery.Selection }

func (ps *pageSel) attr(name string) string { return ps.s.AttrOr(name, "") }

// text is the text of the elements inside with this data-testid.
func (ps *pageSel) text(testid string) string {
	return strings.TrimSpace(ps.s.Find(`[data-testid="` + testid + `"]`).Text())
}
