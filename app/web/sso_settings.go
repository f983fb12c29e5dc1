package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/app/signin"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/views/components"
	"github.com/orgsso/orgsso/views/pages"
)

// connState is a connection with what the settings pages show about its
// tests.
type connState struct {
	conn models.Connection
	// latest is the newest test, nil when never tested.
	latest *models.TestRun
	// passed is the newest passed test at the current settings, nil when
	// there is none.
	passed *models.TestRun
}

// usable: members may log in through it once SSO is on.
func (s connState) usable() bool { return s.conn.Active && s.passed != nil }

func (s connState) testStatus() string {
	switch {
	case s.latest == nil:
		return components.TestStatusUntested
	case !s.latest.Current(s.conn):
		return components.TestStatusStale
	case s.latest.Passed():
		return components.TestStatusPassed
	}
	return components.TestStatusFailed
}

// listedState is one row of the store's listing as the pages show it.
func listedState(r models.ConnectionListed) connState {
	return connState{conn: r.Connection, latest: r.Latest, passed: r.Passed}
}

// listedConnState loads one connection of the org with its tests, as its
// table row shows it (nothing else of the org is read). A connection gone
// since conn was read is shown as conn, untested.
func (h *Handlers) listedConnState(ctx context.Context, orgID int64, conn models.Connection) (connState, error) {
	r, err := h.store.ListedConnection(ctx, orgID, conn.ID)
	if errors.Is(err, models.ErrNotFound) {
		return connState{conn: conn}, nil
	}
	if err != nil {
		return connState{}, err
	}
	return listedState(r), nil
}

// gateListed is how many connections the SSO box names, as ready or as
// waiting for a step: the rest are counted ("and 12 more").
const gateListed = 5

// gateState is what the SSO box says about an org's connections, from
// aggregate queries: how many members can use, the first few of them by
// name and, when there is none, the first few that still need a step.
type gateState struct {
	usable  int64
	ready   []connState
	waiting []connState
	// unusable counts the connections members cannot use.
	unusable int64
}

func (h *Handlers) gateState(ctx context.Context, orgID int64) (gateState, error) {
	counts, err := h.store.CountConnections(ctx, orgID)
	if err != nil {
		return gateState{}, err
	}
	return h.gateStateOf(ctx, orgID, counts)
}

// gateStateOf is gateState with the org's counts already read.
func (h *Handlers) gateStateOf(ctx context.Context, orgID int64, counts models.ConnectionCounts) (gateState, error) {
	g := gateState{usable: counts.Usable, unusable: counts.All - counts.Usable}
	// Only the ready ones are named while there are some.
	usable := g.usable > 0
	if !usable && g.unusable == 0 { // no connection at all
		return g, nil
	}
	rows, err := h.store.FirstConnections(ctx, orgID, usable, gateListed)
	if err != nil {
		return g, err
	}
	for _, r := range rows {
		if usable {
			g.ready = append(g.ready, listedState(r))
		} else {
			g.waiting = append(g.waiting, listedState(r))
		}
	}
	return g, nil
}

// readyNames names the usable connections for a sentence: "Okta, Entra and
// 12 more".
func (g gateState) readyNames() string {
	names := make([]string, len(g.ready))
	for i, s := range g.ready {
		names[i] = s.conn.DisplayName
	}
	out := strings.Join(names, ", ")
	if more := g.usable - int64(len(g.ready)); more > 0 {
		out += " and " + strconv.FormatInt(more, 10) + " more"
	}
	return out
}

// isLastUsable: SSO is on and s is the only connection members can use
// (usable is how many they can), so turning it off or deleting it must also
// turn SSO off (invariant 2).
func isLastUsable(org *models.Organization, s connState, usable int64) bool {
	return org.SSOEnabled && s.usable() && usable == 1
}

func presetName(id string) string {
	if p, ok := connector.PresetByID(id); ok {
		return p.Name
	}
	return "Custom"
}

// certifiedConfigs reads the configurations of the listed connections
// whose protocol relies on certificates, which the listing leaves out.
func (h *Handlers) certifiedConfigs(ctx context.Context, orgID int64, rows []models.ConnectionListed) (map[int64]string, error) {
	var ids []int64
	for _, r := range rows {
		if p, ok := h.signin.Protocols().Get(r.Connection.Protocol); ok && p.Certificates != nil {
			ids = append(ids, r.Connection.ID)
		}
	}
	return h.store.ConnectionConfigs(ctx, orgID, ids)
}

// certWarning says, for the connections table, that a certificate conn
// relies on has expired or expires within connector.ExpiryWarningDays (the soonest
// one), as its protocol lists them.
func (h *Handlers) certWarning(conn models.Connection) (string, bool) {
	p, ok := h.signin.Protocols().Get(conn.Protocol)
	if !ok || p.Certificates == nil {
		return "", false
	}
	var soonest *connector.Certificate
	for _, c := range p.Certificates([]byte(conn.Config)) {
		if soonest == nil || c.NotAfter.Before(soonest.NotAfter) {
			soonest = &c
		}
	}
	if soonest == nil {
		return "", false
	}
	whose := "The identity provider's certificate "
	if soonest.Role == "sp" {
		whose = "This connection's own certificate "
	}
	words, expired := connector.Expiry(soonest.NotAfter, time.Now())
	if words == "" {
		return "", false
	}
	return whose + words + ".", expired
}

// connectionRowOf is s's row when usable connections are usable and its
// preset is called provider: a page of many rows works these out once, not
// once per row. list is where in the table the row is listed.
func (h *Handlers) connectionRowOf(c echo.Context, s connState, usable int64, provider string, list components.ListPosition, msg string) components.ConnectionRow {
	org := currentOrg(c)
	row := components.ConnectionRow{
		OrgSlug: org.Slug, CSRF: csrfToken(c), Connection: s.conn, ProviderName: provider,
		TestStatus: s.testStatus(), LastUsable: isLastUsable(org, s, usable), Message: msg, List: list,
	}
	row.CertWarning, row.CertExpired = h.certWarning(s.conn)
	if s.latest != nil {
		row.LastTestID, row.LastTestAt = s.latest.ID, s.latest.FinishedAt
		if !s.latest.Passed() {
			row.LastTestReason = s.latest.Reason
		}
	}
	return row
}

// connectionRow loads conn's row alone (a toggled connection, a deletion
// to confirm): its tests and how many connections are usable, never the
// org's other connections.
func (h *Handlers) connectionRow(c echo.Context, conn models.Connection, list components.ListPosition, msg string) (components.ConnectionRow, error) {
	ctx := c.Request().Context()
	org := currentOrg(c)
	s, err := h.listedConnState(ctx, org.ID, conn)
	if err != nil {
		return components.ConnectionRow{}, err
	}
	var usable int64
	if org.SSOEnabled && s.usable() { // only then can it be the last usable one
		counts, err := h.store.CountConnections(ctx, org.ID)
		if err != nil {
			return components.ConnectionRow{}, err
		}
		usable = counts.Usable
	}
	return h.connectionRowOf(c, s, usable, presetName(s.conn.Preset), list, msg), nil
}

// listPosition is the table page that a form or link came from (the form's
// or the query's q and page), so that its answer goes back there.
func listPosition(c echo.Context) components.ListPosition {
	page, _ := strconv.Atoi(c.FormValue("page"))
	q := strings.TrimSpace(c.FormValue("q"))
	if len(q) > maxSearch {
		q = q[:maxSearch]
	}
	return components.ListPosition{Query: q, Page: max(page, 1)}
}

// maxSearch bounds the search box's input.
const maxSearch = 200

func gateProps(c echo.Context, gs gateState, errMsg string) pages.SSOGateProps {
	org := currentOrg(c)
	g := pages.SSOGateProps{OrgSlug: org.Slug, OrgName: org.Name, CSRF: csrfToken(c),
		Enabled: org.SSOEnabled, Enforced: org.SSOEnforced, Error: errMsg,
		ReadyMore: gs.usable - int64(len(gs.ready)), WaitingMore: gs.unusable - int64(len(gs.waiting))}
	for _, s := range gs.ready {
		g.Ready = append(g.Ready, pages.ReadyConnection{Name: s.conn.DisplayName, TestedAt: s.passed.FinishedAt})
	}
	for _, s := range gs.waiting {
		g.Waiting = append(g.Waiting, gateHint(org.Slug, s))
	}
	g.NoConnections = gs.usable == 0 && gs.unusable == 0
	return g
}

// gateHint says, naming the connection, what it still needs before members
// can use it, and links to the step that gives it.
func gateHint(orgSlug string, s connState) pages.GateHint {
	h := pages.GateHint{Name: s.conn.DisplayName, PublicID: s.conn.PublicID,
		ActionURL: components.TestStartURL(orgSlug, s.conn.PublicID), ActionLabel: "Test " + s.conn.DisplayName}
	name := s.conn.DisplayName
	switch {
	case s.passed != nil: // tested, so it is off
		h.Text = name + " passed its test but is off — turn it on in the table below."
		h.ActionURL, h.ActionLabel = "", ""
	case s.latest == nil:
		h.Text = name + " has not been tested yet — test it."
	case !s.latest.Current(s.conn):
		h.Text = name + " changed since its last test — test it again."
	default: // failed at its current settings
		h.Text = name + "'s last test failed"
		if s.latest.Reason != "" {
			h.Text += ": " + strings.TrimSuffix(s.latest.Reason, ".")
		}
		h.Text += " — fix its settings, then test it again."
		h.ActionURL, h.ActionLabel = components.ConnectionURL(orgSlug, s.conn.PublicID, "/edit"), "Edit "+name
	}
	if !s.conn.Active && s.passed == nil {
		h.Text += " It is also off: turn it on in the table below."
	}
	return h
}

// initiateListed is how many initiate login URIs the values section shows:
// those of the first connections of the table's page; each connection's
// form shows its own.
const initiateListed = 5

// ssoSettingsPage renders the settings page at the table page that the
// request names; gateErr is shown in the SSO box.
func (h *Handlers) ssoSettingsPage(c echo.Context, status int, gateErr string) error {
	return h.ssoSettingsPageWith(c, status, listPosition(c), func(g *pages.SSOGateProps) { g.Error = gateErr }, nil)
}

// rowRefused renders the settings page at the table page that lists conn,
// with msg (why a change to it was refused) in its row.
func (h *Handlers) rowRefused(c echo.Context, conn models.Connection, msg string) error {
	page, err := h.store.ConnectionPage(c.Request().Context(), currentOrg(c).ID, conn)
	if err != nil {
		return err
	}
	return h.ssoSettingsPageWith(c, http.StatusUnprocessableEntity, components.ListPosition{Page: page},
		func(*pages.SSOGateProps) {}, map[string]string{conn.PublicID: msg})
}

// ssoSettingsPageWith renders the settings page with the table at list and
// the SSO box as gate sets it; rowMsgs are shown by connection public id
// in their rows. What it reads does not grow with the org's connections:
// one page of the table, and counts and the first few for the SSO box.
func (h *Handlers) ssoSettingsPageWith(c echo.Context, status int, list components.ListPosition, gate func(*pages.SSOGateProps), rowMsgs map[string]string) error {
	ctx := c.Request().Context()
	org := currentOrg(c)
	listing, err := h.store.ListConnections(ctx, org.ID, list.Query, list.Page)
	if err != nil {
		return err
	}
	gs, err := h.gateStateOf(ctx, org.ID, listing.ConnectionCounts)
	if err != nil {
		return err
	}
	list.Page = listing.Page
	p := pages.SSOSettingsProps{
		Layout:        h.layoutProps(c, "Single sign-on"),
		Org:           *org,
		CallbackURL:   h.signin.CallbackURL(*org),
		PostLogoutURL: h.signin.PostLogoutURL(*org),
		LoginURL:      h.opts.BaseURL + "/o/" + org.Slug + "/login",
		Gate:          gateProps(c, gs, ""),
		Table: components.ConnectionsTableProps{OrgSlug: org.Slug, List: list, Total: listing.Total, All: listing.All,
			PerPage: listing.PerPage, LastPage: listing.LastPage()},
	}
	gate(&p.Gate)
	providers := map[string]string{} // preset id → name
	configs, err := h.certifiedConfigs(ctx, org.ID, listing.Rows)
	if err != nil {
		return err
	}
	for _, r := range listing.Rows {
		s := listedState(r)
		s.conn.Config = configs[s.conn.ID]
		provider, ok := providers[s.conn.Preset]
		if !ok {
			provider = presetName(s.conn.Preset)
			providers[s.conn.Preset] = provider
		}
		p.Table.Rows = append(p.Table.Rows, h.connectionRowOf(c, s, gs.usable, provider, list, rowMsgs[s.conn.PublicID]))
		if u := h.signin.InitiateLoginURL(*org, s.conn); u != "" {
			if len(p.InitiateURLs) == initiateListed {
				p.InitiateMore = true
				continue
			}
			p.InitiateURLs = append(p.InitiateURLs, pages.InitiateURL{Name: s.conn.DisplayName, PublicID: s.conn.PublicID, URL: u})
		}
	}
	if p.Gate.Error != "" || len(rowMsgs) > 0 {
		p.Layout.ErrorCount = 1
	}
	return render(c, status, pages.SSOSettings(p))
}

// showSSOSettings shows the SSO gate, the redirect URIs and a page of the
// connections (?page=, and ?q= to list those whose name contains it).
func (h *Handlers) showSSOSettings(c echo.Context) error {
	return h.ssoSettingsPage(c, http.StatusOK, "")
}

// enableSSO turns SSO on, only while an active connection has passed a
// test at its current settings (invariant 2).
func (h *Handlers) enableSSO(c echo.Context) error {
	ctx := c.Request().Context()
	org := currentOrg(c)
	gs, err := h.gateState(ctx, org.ID)
	if err != nil {
		return err
	}
	noUsable := "SSO was not enabled: no active connection has passed a test at its current settings. Turn a connection on and run its test, then enable SSO."
	if gs.usable == 0 {
		return h.ssoSettingsPage(c, http.StatusUnprocessableEntity, noUsable)
	}
	ready := gs.readyNames()
	if !org.SSOEnabled {
		// The store checks again in the transaction that turns SSO on.
		if err := h.store.EnableSSO(ctx, org.ID); errors.Is(err, models.ErrNoUsable) {
			return h.ssoSettingsPage(c, http.StatusUnprocessableEntity, noUsable)
		} else if err != nil {
			return err
		}
		h.audit(c, &org.ID, "sso.enable", org.Slug, "usable connections: "+ready)
	}
	setFlash(c, "SSO is on for "+org.Name+". Members can log in through "+ready+".")
	return c.Redirect(http.StatusSeeOther, components.SSOSettingsURL(org.Slug))
}

// disableSSO turns SSO, and with it SSO enforcement, off.
func (h *Handlers) disableSSO(c echo.Context) error {
	org := currentOrg(c)
	if org.SSOEnabled || org.SSOEnforced {
		if err := h.store.SetSSO(c.Request().Context(), org.ID, false, false); err != nil {
			return err
		}
		h.audit(c, &org.ID, "sso.disable", org.Slug, "")
	}
	setFlash(c, "SSO is off for "+org.Name+". Members log in with their passwords.")
	return c.Redirect(http.StatusSeeOther, components.SSOSettingsURL(org.Slug))
}

// enforceSSO makes SSO required for members, or not. The switch acts in
// place (htmx swaps the SSO box) or as a plain form. Turning it on keeps a
// way in for an admin (invariant 3) and takes a confirmation that names
// who keeps one: the first request answers with that confirmation, the
// second (confirmed=1) makes the change.
func (h *Handlers) enforceSSO(c echo.Context) error {
	ctx := c.Request().Context()
	org := currentOrg(c)
	enforce := c.FormValue("enforce") == "true"
	if enforce == org.SSOEnforced {
		return h.gateAnswer(c, "")
	}
	if !enforce {
		if err := h.store.SetSSO(ctx, org.ID, org.SSOEnabled, false); err != nil {
			return err
		}
		org.SSOEnforced = false
		h.audit(c, &org.ID, "sso.enforce", org.Slug, "off")
		return h.gateAnswer(c, "Members of "+org.Name+" may log in with a password again.")
	}
	if !org.SSOEnabled {
		return h.gateRefused(c, "SSO cannot be required while it is off. Enable SSO first.")
	}
	ways, err := h.adminWaysIn(ctx, org)
	if err != nil {
		return err
	}
	if len(ways) == 0 {
		return h.gateRefused(c, "SSO was not made required, because no admin of "+org.Name+" could still log in: no active, tested connection maps anyone to admin "+
			"(add a group mapping such as IT->admin, or make admin the role for everyone) and no admin of "+org.Name+" has a password.")
	}
	if c.FormValue("confirmed") != "1" {
		return h.gateWith(c, http.StatusOK, func(g *pages.SSOGateProps) { g.ConfirmEnforce = ways })
	}
	if err := h.store.SetSSO(ctx, org.ID, true, true); err != nil {
		return err
	}
	org.SSOEnforced = true
	h.audit(c, &org.ID, "sso.enforce", org.Slug, "on; admin way in: "+strings.Join(ways, "; "))
	return h.gateAnswer(c, "Members of "+org.Name+" must now log in with SSO.")
}

// gateWith answers a change made in the SSO box: htmx gets the box, a
// plain form the whole page; edit sets what the box shows.
func (h *Handlers) gateWith(c echo.Context, status int, edit func(*pages.SSOGateProps)) error {
	if !isHTMX(c) {
		return h.ssoSettingsPageWith(c, status, listPosition(c), edit, nil)
	}
	gs, err := h.gateState(c.Request().Context(), currentOrg(c).ID)
	if err != nil {
		return err
	}
	g := gateProps(c, gs, "")
	edit(&g)
	// htmx swaps 200 answers only: a refusal is in the box it gets.
	return render(c, http.StatusOK, pages.SSOGate(g))
}

// gateAnswer shows the SSO box after a change (notice: what changed): in
// place for htmx, else by a redirect to the settings page.
func (h *Handlers) gateAnswer(c echo.Context, notice string) error {
	if !isHTMX(c) {
		if notice != "" {
			setFlash(c, notice)
		}
		return c.Redirect(http.StatusSeeOther, components.SSOSettingsURL(currentOrg(c).Slug))
	}
	return h.gateWith(c, http.StatusOK, func(g *pages.SSOGateProps) { g.Notice = notice })
}

// gateRefused shows why a change in the SSO box was not made.
func (h *Handlers) gateRefused(c echo.Context, msg string) error {
	return h.gateWith(c, http.StatusUnprocessableEntity, func(g *pages.SSOGateProps) { g.Error = msg })
}

// maxWaysNamed is how many ways in through connections the confirmation
// names; the rest are counted.
const maxWaysNamed = 10

// adminWaysIn says how admins can still enter the org once SSO is required
// (none: no way is left): usable connections whose provisioning yields
// admin, and active admins with a password.
func (h *Handlers) adminWaysIn(ctx context.Context, org *models.Organization) ([]string, error) {
	usable, err := h.store.UsableConnectionRows(ctx, org.ID)
	if err != nil {
		return nil, err
	}
	var ways []string
	more := 0 // ways past maxWaysNamed, counted
	add := func(way string) {
		if len(ways) < maxWaysNamed {
			ways = append(ways, way)
		} else {
			more++
		}
	}
	for _, conn := range usable {
		prov, err := signin.ProvisioningOf(conn)
		if err != nil {
			return nil, err
		}
		if prov.DefaultRole == authz.RoleAdmin {
			add("everyone who signs in through " + conn.DisplayName + " (admin is everyone's role there)")
			continue
		}
		mappings, err := connector.ParseGroupMappings(prov.GroupMappings)
		if err != nil {
			continue // such a connection cannot log anyone in
		}
		for _, m := range mappings {
			if m.Role == connector.RoleAdmin {
				add("members of the group " + m.Group + " who sign in through " + conn.DisplayName + " (" + m.Group + " → admin)")
			}
		}
	}
	if more > 0 {
		ways = append(ways, strconv.Itoa(more)+" more group mappings or connections that make someone admin")
	}
	admins, err := h.store.OrgAdmins(ctx, org.ID)
	if err != nil {
		return nil, err
	}
	for _, u := range admins {
		if u.HasPassword() && !u.Disabled {
			ways = append(ways, "admin "+u.Email+", with a password")
		}
	}
	return ways, nil
}
