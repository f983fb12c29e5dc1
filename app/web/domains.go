package web

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/app/secrets"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/views/components"
	"github.com/orgsso/orgsso/views/pages"
)

// TXTResolver looks up DNS TXT records; *net.Resolver is one, tests use a
// fake.
type TXTResolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// dnsTimeout bounds a verification's lookup, so a slow DNS server makes a
// readable failure instead of a hung request.
const dnsTimeout = 10 * time.Second

// challengeName is where the org publishes a domain's proof.
func challengeName(domain string) string { return "_orgsso-challenge." + domain }

// challengeValue is the TXT value that proves the org's claim.
func challengeValue(challenge string) string { return "orgsso-verification=" + challenge }

// domainsPage renders the org's domains; input and errs are the add
// form's, rowErrs say by domain id why its last verification failed.
func (h *Handlers) domainsPage(c echo.Context, status int, input string, errs components.Errors, rowErrs map[int64]string) error {
	org := currentOrg(c)
	domains, err := h.store.Domains(c.Request().Context(), org.ID)
	if err != nil {
		return err
	}
	p := pages.DomainsProps{Layout: h.layoutProps(c, "Domains"), Org: *org, Input: input, Errors: errs}
	for _, d := range domains {
		p.Domains = append(p.Domains, pages.DomainRow{Domain: d, RecordName: challengeName(d.Domain),
			RecordValue: challengeValue(d.Challenge), Error: rowErrs[d.ID]})
	}
	p.Layout.ErrorCount = len(errs) + len(rowErrs)
	return render(c, status, pages.Domains(p))
}

// showDomains lists the org's domains and how to verify the pending ones.
func (h *Handlers) showDomains(c echo.Context) error {
	return h.domainsPage(c, http.StatusOK, "", nil, nil)
}

// addDomain records a domain for the org to verify, with a fresh challenge.
func (h *Handlers) addDomain(c echo.Context) error {
	org := currentOrg(c)
	input := strings.TrimSpace(c.FormValue("domain"))
	domain, msg := normalizeDomain(input)
	if msg != "" {
		return h.domainsPage(c, http.StatusUnprocessableEntity, input, components.Errors{"domain": msg}, nil)
	}
	_, err := h.store.AddDomain(c.Request().Context(), org.ID, domain, secrets.Token())
	if errors.Is(err, models.ErrConflict) {
		return h.domainsPage(c, http.StatusUnprocessableEntity, input,
			components.Errors{"domain": domain + " is already in the list below."}, nil)
	}
	if err != nil {
		return err
	}
	h.audit(c, &org.ID, "domain.add", domain, "pending verification")
	setFlash(c, "Added "+domain+". Create its TXT record at your DNS provider, then press Verify.")
	return c.Redirect(http.StatusSeeOther, pages.DomainsURL(org.Slug))
}

// domainFromURL loads the org's domain named by {domain}, its row id;
// another org's domain is not found.
func (h *Handlers) domainFromURL(c echo.Context) (models.VerifiedDomain, error) {
	id, err := strconv.ParseInt(c.Param("domain"), 10, 64)
	if err != nil {
		return models.VerifiedDomain{}, models.ErrNotFound
	}
	return h.store.Domain(c.Request().Context(), currentOrg(c).ID, id)
}

// verifyDomain looks for the domain's TXT record and, when it holds the
// challenge, marks the domain verified. Every failure is a page that says
// what to fix.
func (h *Handlers) verifyDomain(c echo.Context) error {
	org := currentOrg(c)
	d, err := h.domainFromURL(c)
	if err != nil {
		return err
	}
	if d.Verified() {
		setFlash(c, d.Domain+" is already verified.")
		return c.Redirect(http.StatusSeeOther, pages.DomainsURL(org.Slug))
	}
	msg, details, err := h.checkDomainRecord(c.Request().Context(), org, d)
	if err != nil {
		return err
	}
	if msg != "" {
		h.audit(c, &org.ID, "domain.verify", d.Domain, "failed: "+details)
		return h.domainsPage(c, http.StatusUnprocessableEntity, "", nil, map[int64]string{d.ID: msg})
	}
	h.audit(c, &org.ID, "domain.verify", d.Domain, "TXT record found")
	setFlash(c, d.Domain+" is verified for "+org.Name+". While SSO is on, people who enter an @"+d.Domain+
		" address on the login page are sent to "+org.Name+"'s single sign-on.")
	return c.Redirect(http.StatusSeeOther, pages.DomainsURL(org.Slug))
}

// checkDomainRecord looks for the domain's TXT record and, when it holds
// the challenge, marks the domain verified. A failure comes back as a
// sentence for the admin (msg) and a few words for the audit log.
func (h *Handlers) checkDomainRecord(ctx context.Context, org *models.Organization, d models.VerifiedDomain) (msg, details string, err error) {
	name, want := challengeName(d.Domain), challengeValue(d.Challenge)
	lookupCtx, cancel := context.WithTimeout(ctx, dnsTimeout)
	records, err := h.resolver.LookupTXT(lookupCtx, name)
	cancel()
	var dnsErr *net.DNSError
	switch {
	case err != nil && !(errors.As(err, &dnsErr) && dnsErr.IsNotFound):
		h.log.Warn("domain verification lookup", "domain", d.Domain, "err", err)
		return "The DNS lookup of " + name + " failed, so " + d.Domain + " is not verified yet. " +
			"This is usually temporary: try Verify again in a few minutes.", "dns error", nil
	case len(records) == 0 || err != nil:
		return "No TXT record was found at " + name + ". Create the record below at your DNS provider, " +
			"wait a few minutes for it to be published, then press Verify again.", "no record", nil
	}
	found := false
	for _, r := range records {
		if strings.TrimSpace(r) == want {
			found = true
			break
		}
	}
	if !found {
		return "A TXT record exists at " + name + ", but its value is not the one below (" + foundValues(records) +
			"). Set the record's value to exactly the value below, then press Verify again.", "value differs", nil
	}
	err = h.store.MarkDomainVerified(ctx, org.ID, d.ID)
	if errors.Is(err, models.ErrConflict) {
		// Which org holds it is not this admin's to know.
		return d.Domain + " is verified by another organization. A domain can be verified by one organization at a time; " +
			"that organization must remove it before " + org.Name + " can verify it.", "verified by another organization", nil
	}
	return "", "", err
}

// foundValues quotes what the TXT lookup returned, shortened, so the admin
// can see what to change.
func foundValues(records []string) string {
	const most = 3
	var out []string
	for i, r := range records {
		if i == most {
			out = append(out, "and "+strconv.Itoa(len(records)-most)+" more")
			break
		}
		if len(r) > 80 {
			r = r[:80] + "…"
		}
		out = append(out, strconv.Quote(r))
	}
	return "found " + strings.Join(out, ", ")
}

// removeDomain forgets one of the org's domains, verified or not.
func (h *Handlers) removeDomain(c echo.Context) error {
	org := currentOrg(c)
	d, err := h.domainFromURL(c)
	if err != nil {
		return err
	}
	if err := h.store.RemoveDomain(c.Request().Context(), org.ID, d.ID); err != nil {
		return err
	}
	details := "was pending verification"
	if d.Verified() {
		details = "was verified"
	}
	h.audit(c, &org.ID, "domain.remove", d.Domain, details)
	setFlash(c, "Removed "+d.Domain+" from "+org.Name+".")
	return c.Redirect(http.StatusSeeOther, pages.DomainsURL(org.Slug))
}

// normalizeDomain lower-cases a DNS name an admin typed and checks it is a
// plain domain name (no scheme, path, port or address); msg says what is
// wrong.
func normalizeDomain(in string) (domain, msg string) {
	d := strings.ToLower(strings.TrimSpace(in))
	switch {
	case d == "":
		return "", "Enter a domain, such as example.com."
	case strings.Contains(d, "@"):
		return "", "Enter only the domain, the part of the email address after the @, such as example.com."
	case strings.ContainsAny(d, "/:?#"):
		return "", "Enter only the domain name, such as example.com, without http://, a path or a port."
	}
	d = strings.TrimSuffix(d, ".")
	if len(d) > 253 {
		return "", "A domain name has at most 253 characters."
	}
	if !strings.Contains(d, ".") {
		return "", "Enter the full domain name, with a dot, such as example.com."
	}
	labels := strings.Split(d, ".")
	for _, l := range labels {
		if !validLabel(l) {
			return "", "That is not a domain name: use letters, digits, hyphens and dots, such as example.com " +
				"(for a name with accents, enter its xn-- form)."
		}
	}
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return "", "Enter a domain name, not an IP address."
	}
	return d, ""
}

// validLabel: 1 to 63 letters, digits and inner hyphens.
func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for _, r := range l {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			return false
		}
	}
	return true
}
