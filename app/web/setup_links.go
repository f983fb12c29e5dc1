package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/app/secrets"
	"github.com/orgsso/orgsso/app/signin"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/models/names"
	"github.com/orgsso/orgsso/views/components"
	"github.com/orgsso/orgsso/views/pages"
)

// Setup links: an org admin makes a link (/o/{org}/settings/setup-links)
// that lets someone without an account create or edit one named
// connection and run its test (/setup/{token}); nothing else. The
// provisioning rules (who gets in, with which roles) and the connection's
// switch stay the org's: a connection the link creates starts switched
// off with the connection form's default rules, and an edit keeps them.

const (
	setupPrefix     = "/setup/"
	maxSetupDays    = 30
	setupCookieName = "orgsso_setup"
	// setupTestsPath is where a test begun through a link comes back; the
	// link's token travels in a cookie, never in a stored return address.
	setupTestsPath = "/setup/-/tests"
)

// setupField reports whether the link's page shows the form field name.
func setupField(name string) bool {
	switch name {
	case "preset", "issuer", "discovery", "authorizationURL", "tokenURL", "jwksURL", "userinfoURL", "clientID", "clientSecret",
		"clientAuthMethod", "scopes", "pkce", "claimsSource", "requireVerifiedEmail", "claimMapping.email", "groupsClaim":
		return true
	}
	return false
}

// setupActor names a link in the audit log and in updated_by.
func setupActor(l models.SetupLink) string {
	return "setup link for “" + l.ConnectionName + "” (#" + strconv.FormatInt(l.ID, 10) + ")"
}

func oidcPresetCards() []pages.PresetCard {
	var out []pages.PresetCard
	for _, p := range connector.Presets() {
		if p.Protocol == connector.ProtocolOIDC {
			out = append(out, pages.PresetCard{ID: p.ID, Name: p.Name})
		}
	}
	return out
}

// ---- the org admin's page

func (h *Handlers) setupLinksPage(c echo.Context, status int, p pages.SetupLinksProps) error {
	org := currentOrg(c)
	links, err := h.store.SetupLinks(c.Request().Context(), org.ID)
	if err != nil {
		return err
	}
	p.Layout = h.layoutProps(c, "Setup links")
	p.Layout.ErrorCount = len(p.Errors)
	p.Org, p.Links, p.Now, p.Presets = *org, links, h.now(), oidcPresetCards()
	return render(c, status, pages.SetupLinks(p))
}

func (h *Handlers) showSetupLinks(c echo.Context) error {
	return h.setupLinksPage(c, http.StatusOK, pages.SetupLinksProps{})
}

// createSetupLink makes a link for one connection name, shown once.
func (h *Handlers) createSetupLink(c echo.Context) error {
	org := currentOrg(c)
	raw, preset, days := c.FormValue("connectionName"), strings.TrimSpace(c.FormValue("preset")), strings.TrimSpace(c.FormValue("days"))
	errs := components.Errors{}
	name, err := names.Clean(raw)
	switch {
	case err != nil:
		errs["connectionName"] = err.Error()
	case name == "":
		errs["connectionName"] = "Enter the name of the connection to set up."
	case tooLong(name, maxDisplayName):
		errs["connectionName"] = fmt.Sprintf("Use at most %d characters.", maxDisplayName)
	}
	if p, ok := connector.PresetByID(preset); !ok || p.Protocol != connector.ProtocolOIDC {
		errs["preset"] = "Choose a provider."
	}
	ttl := models.SetupLinkTTL
	if days != "" {
		n, err := strconv.Atoi(days)
		if err != nil || n < 1 || n > maxSetupDays {
			errs["days"] = fmt.Sprintf("Enter a number of days from 1 to %d, or leave it empty for 3.", maxSetupDays)
		}
		ttl = time.Duration(n) * 24 * time.Hour
	}
	if len(errs) > 0 {
		return h.setupLinksPage(c, http.StatusUnprocessableEntity, pages.SetupLinksProps{Name: raw, Preset: preset, Days: days, Errors: errs})
	}
	token := secrets.Token()
	u := currentUser(c)
	l, err := h.store.CreateSetupLink(c.Request().Context(), org.ID, models.SetupLink{TokenHash: secrets.Hash(token),
		ConnectionName: name, Preset: preset, CreatedBy: &u.ID, CreatedByEmail: u.Email, ExpiresAt: h.now().Add(ttl)})
	if err != nil {
		return err
	}
	h.audit(c, &org.ID, "setup_link.create", name, fmt.Sprintf("link #%d expires %s", l.ID, l.ExpiresAt.Format(time.RFC3339)))
	return h.setupLinksPage(c, http.StatusOK, pages.SetupLinksProps{CreatedURL: h.opts.BaseURL + setupPrefix + token, CreatedName: name})
}

func (h *Handlers) revokeSetupLink(c echo.Context) error {
	org := currentOrg(c)
	id, err := strconv.ParseInt(c.Param("link"), 10, 64)
	if err != nil {
		return models.ErrNotFound
	}
	l, err := h.store.RevokeSetupLink(c.Request().Context(), org.ID, id)
	if err != nil {
		return err
	}
	h.audit(c, &org.ID, "setup_link.revoke", l.ConnectionName, fmt.Sprintf("link #%d", l.ID))
	setFlash(c, "The setup link for “"+l.ConnectionName+"” is revoked.")
	return c.Redirect(http.StatusSeeOther, pages.SetupLinksURL(org.Slug))
}

// ---- the link's own pages

// errSetupGone answers a link that does not work.
var errSetupGone = errors.New("setup link gone")

// setupLink loads the usable link of token, its org and its connection
// (nil while it does not exist).
func (h *Handlers) setupLink(ctx context.Context, token string) (models.SetupLink, models.Organization, *models.Connection, error) {
	l, err := h.store.SetupLinkByHash(ctx, secrets.Hash(token))
	if errors.Is(err, models.ErrNotFound) || (err == nil && !l.Usable(h.now())) {
		return l, models.Organization{}, nil, errSetupGone
	}
	if err != nil {
		return l, models.Organization{}, nil, err
	}
	org, err := h.store.Organization(ctx, l.OrgID)
	if err != nil {
		return l, org, nil, err
	}
	conns, err := h.store.Connections(ctx, org.ID)
	if err != nil {
		return l, org, nil, err
	}
	key := names.Key(l.ConnectionName)
	for _, conn := range conns {
		if conn.NameKey == key {
			return l, org, &conn, nil
		}
	}
	return l, org, nil, nil
}

func (h *Handlers) setupGone(c echo.Context) error {
	return render(c, http.StatusNotFound, pages.SetupLinkGone(pages.SetupLinkGoneProps{Layout: h.layoutProps(c, "Setup link")}))
}

// setupAudit records what was done through a link, as the link.
func (h *Handlers) setupAudit(c echo.Context, l models.SetupLink, action, target, details string) {
	ev := models.AuditEvent{OrgID: &l.OrgID, ActorEmail: setupActor(l), Action: action, Target: target, Details: details + "; via setup link", IP: c.RealIP()}
	if err := h.store.Audit(c.Request().Context(), ev); err != nil {
		h.log.Error("audit", "action", action, "err", err)
	}
}

// setupPage renders the link's form.
func (h *Handlers) setupPage(c echo.Context, status int, token string, l models.SetupLink, org models.Organization, conn *models.Connection, p pages.SetupConnectionProps) error {
	ctx := c.Request().Context()
	p.Layout = h.layoutProps(c, "Set up "+l.ConnectionName)
	p.Layout.ErrorCount = len(p.Errors)
	// A problem of a setting this form does not show (kept from the
	// stored connection) is said above the form.
	for _, k := range sortedKeys(p.Errors) {
		if !setupField(k) && p.FormError == "" {
			p.FormError = "Not saved: " + k + ": " + p.Errors[k]
		}
	}
	p.OrgName, p.Base, p.Name, p.Presets = org.Name, setupPrefix+token, l.ConnectionName, oidcPresetCards()
	p.CallbackURL = h.signin.CallbackURL(org)
	if p.Preset == "" {
		p.Preset = l.Preset
	}
	if conn != nil {
		p.Exists, p.SecretSet = true, conn.SealedSecret != ""
		if p.Version == 0 {
			p.Version = conn.Version
		}
		runs, err := h.store.TestRuns(ctx, org.ID, conn.ID, 1)
		if err != nil {
			return err
		}
		if len(runs) == 1 && runs[0].Current(*conn) {
			p.TestStatus, p.TestReason = runs[0].Status, runs[0].Reason
		}
	}
	preset, ok := connector.PresetByID(p.Preset)
	if !ok {
		preset, _ = connector.PresetByID("custom")
	}
	p.PresetName, p.Help = preset.Name, preset.Help
	return render(c, status, pages.SetupConnection(p))
}

// showSetup opens the link's connection in its form: the stored settings
// (never the secret), or the chosen preset's starting values.
func (h *Handlers) showSetup(c echo.Context) error {
	token := c.Param("token")
	l, org, conn, err := h.setupLink(c.Request().Context(), token)
	if errors.Is(err, errSetupGone) {
		return h.setupGone(c)
	}
	if err != nil {
		return err
	}
	if err := h.store.TouchSetupLink(c.Request().Context(), l.ID); err != nil {
		h.log.Warn("touch setup link", "err", err)
	}
	p := pages.SetupConnectionProps{}
	if conn != nil {
		if p.Values, err = h.formValues(*conn); err != nil {
			return err
		}
		p.Preset = conn.Preset
	} else if preset, ok := connector.PresetByID(l.Preset); ok {
		p.Values = h.presetValues(preset)
	}
	return h.setupPage(c, http.StatusOK, token, l, org, conn, p)
}

// setupShown are the protocol settings the setup link's form shows; the
// others keep their stored (or the preset's) values.
var setupShown = map[string]bool{
	"issuer": true, "discovery": true, "authorizationURL": true, "tokenURL": true, "jwksURL": true, "userinfoURL": true,
	"clientID": true, "clientSecret": true, "clientAuthMethod": true, "scopes": true, "pkce": true,
	"claimsSource": true, "requireVerifiedEmail": true, "claimMapping.email": true, "groupsClaim": true,
}

// saveSetup creates or updates the link's connection from its form, with
// the connection form's own reading and validation; the name is the
// link's and the provisioning rules stay the org's.
func (h *Handlers) saveSetup(c echo.Context) error {
	ctx := c.Request().Context()
	token := c.Param("token")
	l, org, conn, err := h.setupLink(ctx, token)
	if errors.Is(err, errSetupGone) {
		return h.setupGone(c)
	}
	if err != nil {
		return err
	}
	if err := c.Request().ParseForm(); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	form := c.Request().Form
	form.Set("displayName", l.ConnectionName)
	// What the link's form does not show keeps its stored (or the
	// preset's) value.
	var kept pages.ConnectionFormValues
	if conn != nil {
		if kept, err = h.formValues(*conn); err != nil {
			return err
		}
	} else if preset, ok := connector.PresetByID(c.FormValue("preset")); ok {
		kept = h.presetValues(preset)
	}
	for name, value := range kept.Settings {
		if !setupShown[name] {
			form.Set(name, value)
		}
	}
	form.Set("logoURL", kept.LogoURL)
	// The provisioning rules are the org's: these only pass the form's
	// checks, and the stored rules are kept below.
	form.Set("defaultRole", "none")
	form.Set("groupMappings", "")
	protocol := ""
	if conn != nil {
		protocol = conn.Protocol
	}
	in, err := h.readConnectionForm(c, protocol)
	if err != nil {
		return err
	}
	errs, settings, err := h.validateConnection(ctx, &org, &in, conn)
	if err != nil {
		return err
	}
	props := pages.SetupConnectionProps{Values: in.values, Preset: in.preset.ID, Version: in.version}
	base := models.Connection{Active: false, OrgID: org.ID}
	if conn != nil {
		base = *conn
		if in.version != conn.Version {
			props.Version = in.version
			props.FormError = fmt.Sprintf("Not saved: this connection was changed since you opened it (you started from version %d, it is now version %d). "+
				"Nothing was overwritten. Reload the page and make your changes again.", in.version, conn.Version)
			return h.setupPage(c, http.StatusConflict, token, l, org, conn, props)
		}
	}
	candidate, err := in.connection(base, settings.Config)
	if err != nil {
		return err
	}
	// Who may sign in, and with which roles, is the org's to decide.
	if conn != nil {
		candidate.Provisioning = conn.Provisioning
	} else {
		prov, _ := json.Marshal(models.Provisioning{JIT: true, DefaultRole: "user", SyncRoles: true})
		candidate.Provisioning = string(prov)
	}
	if len(errs) == 0 && settings.Check {
		if msg := h.signin.Check(ctx, candidate); msg != "" {
			errs[settings.CheckField] = msg
		}
	}
	if len(errs) > 0 {
		props.Errors = errs
		return h.setupPage(c, http.StatusUnprocessableEntity, token, l, org, conn, props)
	}
	candidate.UpdatedBy = setupActor(l)
	if conn == nil {
		saved, err := h.store.CreateConnectionWith(ctx, org.ID, candidate, func(c *models.Connection) {
			if settings.Secret != nil {
				c.SealedSecret = h.sealer.Seal(*settings.Secret, signin.SecretBinding(*c))
			}
			c.ConfigHash = c.Fingerprint()
		})
		if err != nil {
			return err
		}
		h.setupAudit(c, l, "connection.create", saved.DisplayName, fmt.Sprintf("id=%s protocol=%s preset=%s version=%d (switched off)",
			saved.PublicID, saved.Protocol, saved.Preset, saved.Version))
	} else {
		if settings.Secret != nil {
			candidate.SealedSecret = h.sealer.Seal(*settings.Secret, signin.SecretBinding(*conn))
		}
		changed := changedSettings(*conn, candidate, settings.Secret != nil, in.protocol.Form.SecretFields)
		if len(changed) == 0 {
			setFlash(c, "Nothing changed.")
			return c.Redirect(http.StatusSeeOther, setupPrefix+token)
		}
		candidate.ConfigHash = candidate.Fingerprint()
		saved, err := h.store.UpdateConnection(ctx, org.ID, candidate)
		if errors.Is(err, models.ErrConflict) {
			props.FormError = "Not saved: this connection was changed meanwhile. Nothing was overwritten; reload the page."
			return h.setupPage(c, http.StatusConflict, token, l, org, conn, props)
		}
		if err != nil {
			return err
		}
		h.signin.Forget(saved)
		h.setupAudit(c, l, "connection.update", saved.DisplayName, fmt.Sprintf("id=%s version %d -> %d; changed: %s",
			saved.PublicID, conn.Version, saved.Version, strings.Join(changed, ", ")))
	}
	setFlash(c, "Saved. Run the test to check these settings.")
	return c.Redirect(http.StatusSeeOther, setupPrefix+token)
}

// startSetupTest begins a test login through the link's connection; the
// answer comes back to setupTestsPath, and the link's token waits in a
// cookie of this browser.
func (h *Handlers) startSetupTest(c echo.Context) error {
	ctx := c.Request().Context()
	token := c.Param("token")
	l, org, conn, err := h.setupLink(ctx, token)
	if errors.Is(err, errSetupGone) {
		return h.setupGone(c)
	}
	if err != nil {
		return err
	}
	if conn == nil {
		setFlash(c, "Save the connection first, then run its test.")
		return c.Redirect(http.StatusSeeOther, setupPrefix+token)
	}
	// This page is not under the org's path, so the browser's other logins
	// of the org are not at hand: the test's cookie holds the test alone.
	redirectURL, cookie, err := h.signin.Begin(ctx, signin.BeginRequest{Org: org, Connection: *conn, ReturnTo: setupTestsPath, IsTest: true})
	if err != nil {
		h.log.Info("setup link test start failed", "err", err)
		setFlash(c, "The test could not start: "+connector.Reason(err))
		return c.Redirect(http.StatusSeeOther, setupPrefix+token)
	}
	h.setLoginCookie(c, &org, cookie)
	// Back with the IdP's answer, which may be a cross-site POST (see setLoginCookie).
	ck := h.crossSiteCookie(&org, setupCookieName, token, 900)
	ck.Path = "/"
	c.SetCookie(ck)
	h.setupAudit(c, l, "connection.test_start", conn.DisplayName, "version="+itoa64(conn.Version))
	return c.Redirect(http.StatusSeeOther, redirectURL)
}

// finishSetupTest audits a test begun through a setup link as that link's
// and sends the browser to its verdict.
func (h *Handlers) finishSetupTest(c echo.Context, org *models.Organization, res signin.Result) error {
	details := "version=" + itoa64(res.TestRun.ConfigVersion) + " result=" + res.TestRun.Status
	if ck, err := c.Cookie(setupCookieName); err == nil {
		if l, lorg, _, err := h.setupLink(c.Request().Context(), ck.Value); err == nil && lorg.ID == org.ID {
			h.setupAudit(c, l, "connection.test", res.Connection.DisplayName, details)
			return c.Redirect(http.StatusSeeOther, setupTestsPath+"/"+itoa64(res.TestRun.ID))
		}
	}
	h.audit(c, &org.ID, "connection.test", res.Connection.DisplayName, details+"; begun through a setup link this browser no longer holds")
	return c.Redirect(http.StatusSeeOther, setupTestsPath+"/"+itoa64(res.TestRun.ID))
}

// showSetupTestResult shows the verdict of a test begun through the link
// this browser holds: passed or failed and why, not the claims.
func (h *Handlers) showSetupTestResult(c echo.Context) error {
	ctx := c.Request().Context()
	ck, err := c.Cookie(setupCookieName)
	if err != nil || ck.Value == "" {
		return h.setupGone(c)
	}
	token := ck.Value
	_, org, conn, err := h.setupLink(ctx, token)
	if errors.Is(err, errSetupGone) || (err == nil && conn == nil) {
		return h.setupGone(c)
	}
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("test"), 10, 64)
	if err != nil {
		return models.ErrNotFound
	}
	run, err := h.store.TestRun(ctx, org.ID, conn.ID, id)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, pages.SetupTestResult(pages.SetupTestResultProps{Layout: h.layoutProps(c, "Test of "+conn.DisplayName),
		Base: setupPrefix + token, Name: conn.DisplayName, Version: run.ConfigVersion, Passed: run.Passed(), Reason: run.Reason}))
}
