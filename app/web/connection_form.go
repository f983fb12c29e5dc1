package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/app/connector/oidc"
	"github.com/orgsso/orgsso/app/signin"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/models/names"
	"github.com/orgsso/orgsso/views/components"
	"github.com/orgsso/orgsso/views/pages"
)

// connectionInput is a submitted connection form.
type connectionInput struct {
	values  pages.ConnectionFormValues
	secret  string
	preset  string
	version int64
	// fieldErrs are the preset fields' problems, by form field name.
	fieldErrs components.Errors
	// fromFields: the issuer was derived from the preset's fields.
	fromFields bool
	// firstField is the form name of the preset's first field ("" without).
	firstField string
	// nameErr is why the display name cannot be used as typed ("" when it
	// can; values.DisplayName is then the cleaned name).
	nameErr string
}

// splitList splits a list typed with spaces, commas or new lines.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == ',' || r == '\n' || r == '\r' || r == '\t'
	})
}

func readConnectionForm(c echo.Context) connectionInput {
	f := func(name string) string { return strings.TrimSpace(c.FormValue(name)) }
	on := func(name string) bool { return c.FormValue(name) == "true" }
	in := connectionInput{
		secret: c.FormValue("clientSecret"),
		preset: f("preset"),
		values: pages.ConnectionFormValues{
			DisplayName:          f("displayName"),
			LogoURL:              f("logoURL"),
			Issuer:               f("issuer"),
			Discovery:            on("discovery"),
			AuthorizationURL:     f("authorizationURL"),
			TokenURL:             f("tokenURL"),
			UserinfoURL:          f("userinfoURL"),
			JWKSURL:              f("jwksURL"),
			EndSessionURL:        f("endSessionURL"),
			RevocationURL:        f("revocationURL"),
			ClientID:             f("clientID"),
			ClientAuthMethod:     f("clientAuthMethod"),
			Scopes:               strings.Join(splitList(c.FormValue("scopes")), " "),
			PKCE:                 f("pkce"),
			ResponseMode:         f("responseMode"),
			ClaimsSource:         f("claimsSource"),
			RequireVerifiedEmail: on("requireVerifiedEmail"),
			ClaimUserID:          f("claimMapping.userID"),
			ClaimEmail:           f("claimMapping.email"),
			ClaimName:            f("claimMapping.name"),
			ClaimGivenName:       f("claimMapping.givenName"),
			ClaimFamilyName:      f("claimMapping.familyName"),
			ClaimPicture:         f("claimMapping.picture"),
			GroupsClaim:          f("groupsClaim"),
			ForwardedLoginParams: strings.Join(splitList(c.FormValue("forwardedLoginParams")), " "),
			JIT:                  on("jit"),
			Activation:           on("activation"),
			Consent:              on("consent"),
			DefaultRole:          f("defaultRole"),
			GroupMappings:        strings.TrimSpace(strings.ReplaceAll(c.FormValue("groupMappings"), "\r\n", "\n")),
			SyncRoles:            on("syncRoles"),
			LinkByVerifiedEmail:  on("linkByVerifiedEmail"),
		},
	}
	if name, err := names.Clean(in.values.DisplayName); err != nil {
		in.nameErr = err.Error() // the input is shown again as typed
	} else {
		in.values.DisplayName = name
	}
	preset, ok := connector.PresetByID(in.preset)
	if !ok {
		preset, _ = connector.PresetByID("custom")
		in.preset = preset.ID
	}
	in.values.IssuerShown = f("issuerShown")
	if len(preset.Fields) > 0 {
		in.values.PresetFields = map[string]string{}
		for _, pf := range preset.Fields {
			in.values.PresetFields[pf.Name] = f("preset." + pf.Name)
		}
		in.firstField = "preset." + preset.Fields[0].Name
	}
	in.resolveIssuer(preset)
	in.version, _ = strconv.ParseInt(c.FormValue("version"), 10, 64)
	return in
}

// resolveIssuer decides the issuer a preset's form gives. The issuer field
// (under Advanced) starts as IssuerShown; while the admin leaves it so, and
// it came from the preset (derived from its fields, or fixed), the issuer
// comes from the fields again. An issuer the admin typed is kept, unless
// the fields were changed too and give another one: then neither is
// guessed and the form says so.
func (in *connectionInput) resolveIssuer(p connector.Preset) {
	if p.AsksIssuer() {
		return
	}
	v := &in.values
	typed, shown := v.Issuer, v.IssuerShown
	_, parses := p.ParseIssuer(shown)
	shownFromPreset := shown == "" || shown == p.FixedIssuer || parses
	in.fromFields = typed == "" || (typed == shown && shownFromPreset)
	derived, problems := p.DeriveIssuer(v.PresetFields)
	in.fieldErrs = components.Errors{}
	for name, msg := range problems {
		// A field left empty is a problem only when it is to give the issuer.
		if in.fromFields || strings.TrimSpace(v.PresetFields[name]) != "" {
			in.fieldErrs["preset."+name] = msg
		}
	}
	if in.fromFields {
		v.Issuer = derived
		// Shown again after another field's error, the derived issuer is
		// still the fields' own.
		v.IssuerShown = derived
		return
	}
	if len(p.Fields) == 0 || len(in.fieldErrs) > 0 || derived == "" || derived == typed {
		return
	}
	if !parses || derived != shown { // the fields changed as well
		in.fieldErrs["issuer"] = "This issuer differs from the one the fields above give (" + derived + "). " +
			"Empty this field to use theirs, or change the fields back."
	}
}

// issuerField is the form field an issuer's problem is shown next to: the
// preset's first field when the issuer was derived from its fields.
func (in connectionInput) issuerField() string {
	if in.fromFields && in.firstField != "" {
		return in.firstField
	}
	return "issuer"
}

// config is the OIDC configuration the form describes (no secret).
func (in connectionInput) config() oidc.Config {
	v := in.values
	return oidc.Config{
		Issuer: v.Issuer, Discovery: v.Discovery,
		AuthorizationURL: v.AuthorizationURL, TokenURL: v.TokenURL, UserinfoURL: v.UserinfoURL,
		JWKSURL: v.JWKSURL, EndSessionURL: v.EndSessionURL, RevocationURL: v.RevocationURL,
		ClientID: v.ClientID, ClientAuthMethod: v.ClientAuthMethod, Scopes: splitList(v.Scopes), PKCE: v.PKCE,
		ResponseMode: storedResponseMode(v.ResponseMode), ClaimsSource: v.ClaimsSource, RequireVerifiedEmail: v.RequireVerifiedEmail,
		ClaimMapping: connector.ClaimMapping{
			UserID: v.ClaimUserID, Email: v.ClaimEmail, Name: v.ClaimName,
			GivenName: v.ClaimGivenName, FamilyName: v.ClaimFamilyName, Picture: v.ClaimPicture,
		},
		GroupsClaim:          v.GroupsClaim,
		ForwardedLoginParams: splitList(v.ForwardedLoginParams),
	}
}

// storedResponseMode keeps the default response mode implicit, so that
// connections saved before the setting existed stay unchanged when their
// form is saved again as it is.
func storedResponseMode(m string) string {
	if m == oidc.ResponseQuery {
		return ""
	}
	return m
}

func (in connectionInput) provisioning() models.Provisioning {
	v := in.values
	role := v.DefaultRole
	if role == "none" {
		role = ""
	}
	return models.Provisioning{
		JIT: v.JIT, Activation: v.Activation, Consent: v.Consent, DefaultRole: role, GroupMappings: v.GroupMappings,
		SyncRoles: v.SyncRoles, LinkByVerifiedEmail: v.LinkByVerifiedEmail,
	}
}

// connection is the stored form of the input: conn's identity with the
// input's settings; the secret is left as conn has it.
func (in connectionInput) connection(conn models.Connection) (models.Connection, error) {
	cfg, err := json.Marshal(in.config())
	if err != nil {
		return conn, err
	}
	prov, err := json.Marshal(in.provisioning())
	if err != nil {
		return conn, err
	}
	conn.Protocol = models.ProtocolOIDC
	conn.Preset = in.preset
	conn.DisplayName = in.values.DisplayName
	conn.LogoURL = in.values.LogoURL
	conn.Config = string(cfg)
	conn.Provisioning = string(prov)
	return conn, nil
}

// formValues shows a stored connection in the form.
func formValues(conn models.Connection) (pages.ConnectionFormValues, error) {
	cfg, err := oidc.ConfigOf([]byte(conn.Config))
	if err != nil {
		return pages.ConnectionFormValues{}, err
	}
	prov, err := signin.ProvisioningOf(conn)
	if err != nil {
		return pages.ConnectionFormValues{}, err
	}
	role := prov.DefaultRole
	if role == "" {
		role = "none"
	}
	d := cfg.WithDefaults() // the selects show the effective choice
	// The preset's fields are not stored: the issuer is the one source of
	// truth (also for config as code), and they are read back from it.
	var fields map[string]string
	if p, ok := connector.PresetByID(conn.Preset); ok && len(p.Fields) > 0 {
		fields, _ = p.ParseIssuer(cfg.Issuer)
	}
	return pages.ConnectionFormValues{
		DisplayName: conn.DisplayName, LogoURL: conn.LogoURL,
		PresetFields: fields, IssuerShown: cfg.Issuer,
		Issuer: cfg.Issuer, Discovery: cfg.Discovery,
		AuthorizationURL: cfg.AuthorizationURL, TokenURL: cfg.TokenURL, UserinfoURL: cfg.UserinfoURL,
		JWKSURL: cfg.JWKSURL, EndSessionURL: cfg.EndSessionURL, RevocationURL: cfg.RevocationURL,
		ClientID: cfg.ClientID, ClientAuthMethod: d.ClientAuthMethod, Scopes: strings.Join(cfg.Scopes, " "), PKCE: d.PKCE,
		ResponseMode: d.ResponseMode, ClaimsSource: d.ClaimsSource, RequireVerifiedEmail: cfg.RequireVerifiedEmail,
		ClaimUserID: cfg.ClaimMapping.UserID, ClaimEmail: cfg.ClaimMapping.Email, ClaimName: cfg.ClaimMapping.Name,
		ClaimGivenName: cfg.ClaimMapping.GivenName, ClaimFamilyName: cfg.ClaimMapping.FamilyName, ClaimPicture: cfg.ClaimMapping.Picture,
		GroupsClaim: cfg.GroupsClaim, ForwardedLoginParams: strings.Join(cfg.ForwardedLoginParams, " "),
		JIT: prov.JIT, Activation: prov.Activation, Consent: prov.Consent, DefaultRole: role, GroupMappings: prov.GroupMappings,
		SyncRoles: prov.SyncRoles, LinkByVerifiedEmail: prov.LinkByVerifiedEmail,
	}, nil
}

// presetValues are a new connection's starting values.
func presetValues(p connector.Preset) pages.ConnectionFormValues {
	return pages.ConnectionFormValues{
		DisplayName:      p.Name,
		Issuer:           p.FixedIssuer,
		IssuerShown:      p.FixedIssuer,
		Discovery:        true,
		ClientAuthMethod: oidc.AuthBasic,
		Scopes:           strings.Join(p.Scopes, " "),
		PKCE:             p.PKCE,
		ResponseMode:     oidc.ResponseQuery,
		ClaimsSource:     p.ClaimsSource,
		// An email mapped from another claim is never verified, so
		// requiring verification would refuse every login.
		RequireVerifiedEmail: p.ClaimMapping.Email == "" || p.ClaimMapping.Email == "email",
		ClaimUserID:          p.ClaimMapping.UserID,
		ClaimEmail:           p.ClaimMapping.Email,
		ClaimName:            p.ClaimMapping.Name,
		ClaimGivenName:       p.ClaimMapping.GivenName,
		ClaimFamilyName:      p.ClaimMapping.FamilyName,
		ClaimPicture:         p.ClaimMapping.Picture,
		GroupsClaim:          p.GroupsClaim,
		JIT:                  true,
		DefaultRole:          "user",
		SyncRoles:            true,
	}
}

// Length limits of the form's own fields, in characters; the OIDC
// settings' limits are oidc.Max*.
const (
	maxDisplayName  = 100
	maxLogoURL      = 500
	maxSecret       = 4096
	maxPresetField  = 256   // each of a preset's fields (tenant, domain …)
	maxGroupMapping = 256   // each group name
	maxGroupMaps    = 10000 // all group mappings together
)

func tooLong(s string, limit int) bool { return utf8.RuneCountInString(s) > limit }

// validateConnection checks the input; self is the connection being edited
// (nil for a new one), so its own name does not count as taken.
func (h *Handlers) validateConnection(ctx context.Context, org *models.Organization, in connectionInput, self *models.Connection) (components.Errors, error) {
	errs := components.Errors{}
	v := in.values
	switch {
	case in.nameErr != "":
		errs["displayName"] = in.nameErr
	case v.DisplayName == "":
		errs["displayName"] = "Enter the name members see on the login button."
	case tooLong(v.DisplayName, maxDisplayName):
		errs["displayName"] = oidc.TooLong(maxDisplayName)
	default:
		conns, err := h.store.Connections(ctx, org.ID)
		if err != nil {
			return nil, err
		}
		// Names are the same when their keys are (case, spaces, look-alike
		// forms); the database's unique index on the key settles races.
		key := names.Key(v.DisplayName)
		for _, other := range conns {
			if (self == nil || other.ID != self.ID) && other.NameKey == key {
				errs["displayName"] = nameTaken(other.DisplayName, org)
			}
		}
	}
	if tooLong(v.LogoURL, maxLogoURL) {
		errs["logoURL"] = oidc.TooLong(maxLogoURL)
	} else if v.LogoURL != "" {
		u, err := url.Parse(v.LogoURL)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
			errs["logoURL"] = "Enter a full https:// address of an image, or leave it empty."
		}
	}
	if tooLong(in.secret, maxSecret) {
		errs["clientSecret"] = oidc.TooLong(maxSecret)
	}
	for field, msg := range in.config().Validate() {
		if field == "issuer" && in.fromFields && len(in.fieldErrs) > 0 {
			continue // the fields say what is missing
		}
		errs[field] = msg
	}
	for field, msg := range in.fieldErrs {
		errs[field] = msg
	}
	for name, value := range v.PresetFields {
		if tooLong(value, maxPresetField) {
			errs["preset."+name] = oidc.TooLong(maxPresetField)
		}
	}
	switch v.DefaultRole {
	case "none", "user", "admin":
	default:
		errs["defaultRole"] = "Choose none, user or admin."
	}
	if tooLong(v.GroupMappings, maxGroupMaps) {
		errs["groupMappings"] = fmt.Sprintf("Use at most %d characters for all mappings together.", maxGroupMaps)
	} else if ms, err := connector.ParseGroupMappings(v.GroupMappings); err != nil {
		errs["groupMappings"] = "Check " + err.Error() + "."
	} else {
		for i, m := range ms {
			if tooLong(m.Group, maxGroupMapping) {
				errs["groupMappings"] = fmt.Sprintf("Check mapping %d: use at most %d characters for a group name.", i+1, maxGroupMapping)
				break
			}
		}
	}
	return errs, nil
}

func nameTaken(name string, org *models.Organization) string {
	return "A connection named “" + name + "” already exists in " + org.Name + "; choose another name."
}

// connectionFormPage renders the new or edit form.
func (h *Handlers) connectionFormPage(c echo.Context, status int, p pages.ConnectionFormProps) error {
	org := currentOrg(c)
	preset, ok := connector.PresetByID(p.PresetID)
	if !ok {
		preset, _ = connector.PresetByID("custom")
	}
	p.PresetID, p.PresetName, p.IssuerHint, p.Help = preset.ID, preset.Name, preset.IssuerHint, preset.Help
	p.AsksIssuer, p.FixedIssuer = preset.AsksIssuer(), preset.FixedIssuer != ""
	for _, f := range preset.Fields {
		in := pages.PresetInput{Name: f.Name, Label: f.Label, Help: f.Help, Placeholder: f.Placeholder, Optional: f.Optional}
		for _, c := range f.Choices {
			in.Choices = append(in.Choices, pages.PresetChoice{Value: c.Value, Label: c.Label})
		}
		p.PresetInputs = append(p.PresetInputs, in)
	}
	p.Org = *org
	p.CallbackURL = h.signin.CallbackURL(*org)
	title := "New connection"
	if p.PublicID != "" {
		title = "Edit " + p.Values.DisplayName
		p.InitiateURL = h.signin.InitiateLoginURL(*org, models.Connection{Protocol: oidc.Name, PublicID: p.PublicID})
	}
	p.Layout = h.layoutProps(c, title)
	p.ErrorLinks = errorLinks(p)
	p.SecretTyped = len(p.Errors)+len(p.FormError) > 0 && c.FormValue("clientSecret") != ""
	p.Layout.ErrorCount = len(p.Errors)
	if p.FormError != "" {
		p.Layout.ErrorCount++
	}
	return render(c, status, pages.ConnectionForm(p))
}

// formFields are the connection form's fields in the order the form shows
// them, with their labels: the error summary lists problems in this order.
var formFields = []struct{ name, label string }{
	{"displayName", "Display name"}, {"issuer", "Issuer URL"}, {"clientID", "Client ID"}, {"clientSecret", "Client secret"},
	{"logoURL", "Logo URL"}, {"discovery", "Discovery"}, {"authorizationURL", "Authorization endpoint"},
	{"tokenURL", "Token endpoint"}, {"userinfoURL", "Userinfo endpoint"}, {"jwksURL", "JWKS URI"},
	{"endSessionURL", "End-session endpoint"}, {"revocationURL", "Revocation endpoint"},
	{"clientAuthMethod", "Client authentication"}, {"scopes", "Scopes"}, {"pkce", "PKCE"}, {"responseMode", "Answer by"},
	{"claimsSource", "Read claims from"}, {"requireVerifiedEmail", "Require a verified email"},
	{"claimMapping.userID", "User ID claim"}, {"claimMapping.email", "Email claim"}, {"claimMapping.name", "Name claim"},
	{"claimMapping.givenName", "Given name claim"}, {"claimMapping.familyName", "Family name claim"},
	{"claimMapping.picture", "Picture claim"}, {"groupsClaim", "Groups claim"},
	{"forwardedLoginParams", "Forwarded login parameters"}, {"defaultRole", "Role for everyone"},
	{"groupMappings", "Group mappings"},
}

// errorLinks lists the form's errors for its summary: the preset's own
// fields first (they come first in the form), then the others in form
// order; a field the list does not know comes last, by name.
func errorLinks(p pages.ConnectionFormProps) []pages.ErrorLink {
	var out []pages.ErrorLink
	seen := map[string]bool{}
	add := func(field, label string) {
		if msg, ok := p.Errors[field]; ok && !seen[field] {
			seen[field] = true
			out = append(out, pages.ErrorLink{Field: field, Label: label, Message: msg})
		}
	}
	add("displayName", "Display name")
	for _, in := range p.PresetInputs {
		add("preset."+in.Name, in.Label)
	}
	for _, f := range formFields {
		add(f.name, f.label)
	}
	rest := make([]string, 0, len(p.Errors))
	for field := range p.Errors {
		if !seen[field] {
			rest = append(rest, field)
		}
	}
	slices.Sort(rest)
	for _, field := range rest {
		add(field, field)
	}
	return out
}

// showNewConnection shows the preset picker, or with ?preset= the form
// filled in from that preset.
func (h *Handlers) showNewConnection(c echo.Context) error {
	org := currentOrg(c)
	preset, ok := connector.PresetByID(c.QueryParam("preset"))
	if !ok || preset.Protocol != connector.ProtocolOIDC {
		p := pages.PresetPickerProps{Layout: h.layoutProps(c, "New connection"), Org: *org}
		for _, pr := range connector.Presets() {
			if pr.Protocol == connector.ProtocolOIDC {
				p.Presets = append(p.Presets, pages.PresetCard{ID: pr.ID, Name: pr.Name, Logo: components.PresetLogo(pr.ID)})
			}
		}
		return render(c, http.StatusOK, pages.PresetPicker(p))
	}
	return h.connectionFormPage(c, http.StatusOK, pages.ConnectionFormProps{PresetID: preset.ID, Values: presetValues(preset)})
}

// connectionFromURL loads the org's connection named by {conn}.
func (h *Handlers) connectionFromURL(c echo.Context) (models.Connection, error) {
	return h.store.ConnectionByPublicID(c.Request().Context(), currentOrg(c).ID, c.Param("conn"))
}

// oidcConnectionFromURL is connectionFromURL for the OIDC form: another
// protocol's connection (created by config as code) has no form here, and
// saving this one over it would turn it into an OIDC connection.
func (h *Handlers) oidcConnectionFromURL(c echo.Context) (models.Connection, error) {
	conn, err := h.connectionFromURL(c)
	if err == nil && conn.Protocol != models.ProtocolOIDC {
		return conn, models.ErrNotFound
	}
	return conn, err
}

// editProps are the form's props for a stored connection.
func (h *Handlers) editProps(c echo.Context, conn models.Connection) (pages.ConnectionFormProps, error) {
	org := currentOrg(c)
	s, err := h.listedConnState(c.Request().Context(), org.ID, conn)
	if err != nil {
		return pages.ConnectionFormProps{}, err
	}
	p := pages.ConnectionFormProps{
		PublicID: conn.PublicID, Version: conn.Version, PresetID: conn.Preset,
		SecretSet: conn.SealedSecret != "", TestStatus: s.testStatus(),
		InUse: org.SSOEnabled && s.usable(),
	}
	if s.latest != nil {
		p.LastTestID = s.latest.ID
	}
	return p, nil
}

// showEditConnection shows a connection's settings in the form; the
// secret is never shown, only whether one is set.
func (h *Handlers) showEditConnection(c echo.Context) error {
	conn, err := h.oidcConnectionFromURL(c)
	if err != nil {
		return err
	}
	p, err := h.editProps(c, conn)
	if err != nil {
		return err
	}
	if p.Values, err = formValues(conn); err != nil {
		return err
	}
	return h.connectionFormPage(c, http.StatusOK, p)
}
