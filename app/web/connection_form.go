package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/app/signin"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/models/names"
	"github.com/orgsso/orgsso/views/components"
	"github.com/orgsso/orgsso/views/pages"
)

// connectionInput is a submitted connection form.
type connectionInput struct {
	values   pages.ConnectionFormValues
	protocol connector.Protocol
	preset   connector.Preset
	version  int64
	action   string
	// nameErr is why the display name cannot be used as typed ("" when it
	// can; values.DisplayName is then the cleaned name).
	nameErr string
}

// commonFields are the form's fields outside the protocol's section.
var commonFields = map[string]bool{
	"displayName": true, "logoURL": true, "preset": true, "version": true, "action": true, "_csrf": true,
	"jit": true, "activation": true, "consent": true, "defaultRole": true, "groupMappings": true,
	"syncRoles": true, "linkByVerifiedEmail": true,
}

// maxUploaded is the size of a file a protocol's section may take (a
// SAML IdP's metadata).
const maxUploaded = 1 << 20

// readConnectionForm reads the form; protocol is the protocol of the
// connection being edited ("" for a new one: the preset's).
func (h *Handlers) readConnectionForm(c echo.Context, protocol string) (connectionInput, error) {
	// Parsed here first, so that an upload is held in memory up to
	// maxUploaded (the first FormValue would parse it with Go's default).
	req := c.Request()
	if err := req.ParseMultipartForm(maxUploaded); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return connectionInput{}, echo.NewHTTPError(http.StatusRequestEntityTooLarge, "The form is too large.")
	}
	f := func(name string) string { return strings.TrimSpace(c.FormValue(name)) }
	on := func(name string) bool { return c.FormValue(name) == "true" }
	in := connectionInput{
		action: f("action"),
		values: pages.ConnectionFormValues{
			DisplayName:         f("displayName"),
			LogoURL:             f("logoURL"),
			JIT:                 on("jit"),
			Activation:          on("activation"),
			Consent:             on("consent"),
			DefaultRole:         f("defaultRole"),
			GroupMappings:       strings.TrimSpace(strings.ReplaceAll(c.FormValue("groupMappings"), "\r\n", "\n")),
			SyncRoles:           on("syncRoles"),
			LinkByVerifiedEmail: on("linkByVerifiedEmail"),
			Settings:            map[string]string{},
		},
	}
	if name, err := names.Clean(in.values.DisplayName); err != nil {
		in.nameErr = err.Error() // the input is shown again as typed
	} else {
		in.values.DisplayName = name
	}
	in.preset = h.presetOf(f("preset"), protocol)
	in.protocol, _ = h.signin.Protocols().Get(in.preset.Protocol)
	secret := map[string]bool{}
	for _, name := range in.protocol.Form.SecretFields {
		secret[name] = true
	}
	for name, vals := range req.Form {
		if commonFields[name] || len(vals) == 0 {
			continue
		}
		if secret[name] {
			in.values.Settings[name] = vals[0]
		} else {
			in.values.Settings[name] = strings.TrimSpace(strings.ReplaceAll(vals[0], "\r\n", "\n"))
		}
	}
	if req.MultipartForm != nil {
		for name, files := range req.MultipartForm.File {
			if commonFields[name] || len(files) == 0 || files[0].Size == 0 {
				continue
			}
			if files[0].Size > maxUploaded {
				return in, echo.NewHTTPError(http.StatusRequestEntityTooLarge, "The file is too large.")
			}
			content, err := readUpload(files[0])
			if err != nil {
				return in, err
			}
			in.values.Settings[name] = content
		}
	}
	in.version, _ = strconv.ParseInt(c.FormValue("version"), 10, 64)
	return in, nil
}

// readUpload reads an uploaded file.
func readUpload(fh *multipart.FileHeader) (string, error) {
	f, err := fh.Open()
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxUploaded))
	return strings.TrimSpace(string(b)), err
}

// presetOf is the preset id names, if it is one of a protocol the server
// speaks (and, editing, of the connection's protocol); else that
// protocol's custom preset.
func (h *Handlers) presetOf(id, protocol string) connector.Preset {
	p, ok := connector.PresetByID(id)
	if ok && (protocol == "" || p.Protocol == protocol) {
		if _, speaks := h.signin.Protocols().Get(p.Protocol); speaks {
			return p
		}
	}
	if protocol == "" {
		protocol = connector.ProtocolOIDC
	}
	return connector.CustomPreset(protocol)
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

// readSettings has the protocol read its section of the form against
// the stored connection (nil for a new one); the values shown again are
// the ones it cleaned.
func (h *Handlers) readSettings(ctx context.Context, org models.Organization, in *connectionInput, stored *models.Connection) connector.FormResult {
	fi := connector.FormInput{Values: in.values.Settings, Preset: in.preset, Action: in.action, DisplayName: in.values.DisplayName}
	if stored != nil {
		fi.Stored = []byte(stored.Config)
		fi.StoredSecret = func() (string, error) { return h.signin.Secret(*stored) }
		fi.Env = h.signin.Env(org, *stored)
	} else {
		fi.StoredSecret = func() (string, error) { return "", nil }
		fi.Env = h.signin.Env(org, models.Connection{Protocol: in.protocol.Name})
	}
	res := in.protocol.Form.Read(ctx, fi)
	if res.Values != nil {
		in.values.Settings = res.Values
	}
	for _, name := range in.protocol.Form.SecretFields {
		delete(in.values.Settings, name)
	}
	return res
}

// connection is the stored form of the input: conn's identity with the
// input's settings; the secret is left as conn has it.
func (in connectionInput) connection(conn models.Connection, config []byte) (models.Connection, error) {
	prov, err := json.Marshal(in.provisioning())
	if err != nil {
		return conn, err
	}
	conn.Protocol = in.protocol.Name
	conn.Preset = in.preset.ID
	conn.DisplayName = in.values.DisplayName
	conn.LogoURL = in.values.LogoURL
	if config != nil {
		conn.Config = string(config)
	}
	conn.Provisioning = string(prov)
	return conn, nil
}

// formValues shows a stored connection in the form.
func (h *Handlers) formValues(conn models.Connection) (pages.ConnectionFormValues, error) {
	p, ok := h.signin.Protocols().Get(conn.Protocol)
	if !ok {
		return pages.ConnectionFormValues{}, models.ErrNotFound
	}
	settings, err := p.Form.Show([]byte(conn.Config), h.presetOf(conn.Preset, conn.Protocol))
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
	return pages.ConnectionFormValues{
		DisplayName: conn.DisplayName, LogoURL: conn.LogoURL, Settings: settings,
		JIT: prov.JIT, Activation: prov.Activation, Consent: prov.Consent, DefaultRole: role, GroupMappings: prov.GroupMappings,
		SyncRoles: prov.SyncRoles, LinkByVerifiedEmail: prov.LinkByVerifiedEmail,
	}, nil
}

// presetValues are a new connection's starting values.
func (h *Handlers) presetValues(p connector.Preset) pages.ConnectionFormValues {
	proto, _ := h.signin.Protocols().Get(p.Protocol)
	return pages.ConnectionFormValues{
		DisplayName: p.Name,
		Settings:    proto.Form.New(p),
		JIT:         true,
		DefaultRole: "user",
		SyncRoles:   true,
	}
}

// Length limits of the form's own fields, in characters; the protocol's
// section has its own.
const (
	maxDisplayName  = 100
	maxLogoURL      = 500
	maxGroupMapping = 256   // each group name
	maxGroupMaps    = 10000 // all group mappings together
)

func tooLong(s string, limit int) bool { return utf8.RuneCountInString(s) > limit }

// validateConnection checks the input, and has its protocol read its
// section; self is the connection being edited (nil for a new one), so its
// own name does not count as taken.
func (h *Handlers) validateConnection(ctx context.Context, org *models.Organization, in *connectionInput, self *models.Connection) (components.Errors, connector.FormResult, error) {
	errs := components.Errors{}
	v := in.values
	switch {
	case in.nameErr != "":
		errs["displayName"] = in.nameErr
	case v.DisplayName == "":
		errs["displayName"] = "Enter the name members see on the login button."
	case tooLong(v.DisplayName, maxDisplayName):
		errs["displayName"] = connector.TooLong(maxDisplayName)
	default:
		conns, err := h.store.Connections(ctx, org.ID)
		if err != nil {
			return nil, connector.FormResult{}, err
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
		errs["logoURL"] = connector.TooLong(maxLogoURL)
	} else if v.LogoURL != "" {
		u, err := url.Parse(v.LogoURL)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
			errs["logoURL"] = "Enter a full https:// address of an image, or leave it empty."
		}
	}
	settings := h.readSettings(ctx, *org, in, self)
	for field, msg := range settings.Problems {
		errs[field] = msg
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
	return errs, settings, nil
}

func nameTaken(name string, org *models.Organization) string {
	return "A connection named “" + name + "” already exists in " + org.Name + "; choose another name."
}

// connectionFormPage renders the new or edit form.
func (h *Handlers) connectionFormPage(c echo.Context, status int, p pages.ConnectionFormProps) error {
	org := currentOrg(c)
	preset := h.presetOf(p.PresetID, p.Protocol)
	proto, _ := h.signin.Protocols().Get(preset.Protocol)
	p.Protocol, p.ProtocolLabel = proto.Name, proto.Label
	p.PresetID, p.PresetName, p.IssuerHint, p.Help = preset.ID, preset.Name, preset.IssuerHint, preset.Help
	p.AsksIssuer, p.FixedIssuer = preset.AsksIssuer(), preset.FixedIssuer != ""
	for _, f := range preset.Fields {
		in := pages.PresetInput{Name: f.Name, Label: f.Label, Help: f.Help, Placeholder: f.Placeholder, Optional: f.Optional}
		for _, c := range f.Choices {
			in.Choices = append(in.Choices, pages.PresetChoice{Value: c.Value, Label: c.Label})
		}
		p.PresetInputs = append(p.PresetInputs, in)
	}
	for _, f := range proto.Form.Fields {
		if f.UpFront {
			p.UpFront = append(p.UpFront, f.Name)
		}
	}
	p.Org = *org
	title := "New connection"
	if p.PublicID != "" {
		title = "Edit " + p.Values.DisplayName
	}
	p.Endpoints, p.HelpValues = h.endpoints(*org, proto, p.PublicID)
	p.Layout = h.layoutProps(c, title)
	p.ErrorLinks = errorLinks(p, proto.Form.Fields)
	if len(p.Errors)+len(p.FormError) > 0 {
		for _, name := range proto.Form.SecretFields {
			if c.FormValue(name) != "" {
				p.SecretTyped = true
			}
		}
	}
	p.Layout.ErrorCount = len(p.Errors)
	if p.FormError != "" {
		p.Layout.ErrorCount++
	}
	return render(c, status, pages.ConnectionForm(p))
}

// endpoints are the values the IdP's admin pastes there for a connection
// of proto (publicID "" for a new one, which has only the org-wide
// ones), and the setup help's placeholders for them.
func (h *Handlers) endpoints(org models.Organization, proto connector.Protocol, publicID string) ([]pages.Endpoint, map[string]string) {
	conn := models.Connection{Protocol: proto.Name, PublicID: publicID}
	perConn := strings.Contains(proto.ReturnPath, ":conn")
	var out []pages.Endpoint
	help := map[string]string{}
	if ret := h.signin.ReturnURL(org, conn); !perConn || publicID != "" {
		out = append(out, pages.Endpoint{ID: proto.Form.ReturnID, Label: proto.Form.ReturnLabel, Value: ret})
		help["{redirect_uri}"], help["{acs_url}"] = ret, ret
	}
	if md := h.signin.MetadataURL(org, conn); md != "" && publicID != "" {
		out = append(out, pages.Endpoint{ID: "entity-id", Label: "Entity ID and metadata URL", Value: md, Download: true})
		help["{entity_id}"], help["{metadata_url}"] = md, md
	}
	if init := h.signin.InitiateLoginURL(org, conn); init != "" && publicID != "" {
		out = append(out, pages.Endpoint{ID: "initiate-login-uri", Label: "Initiate login URI (for the identity provider's app tile or \"Login URL\")", Value: init})
	}
	return out, help
}

// errorLinks lists the form's errors for its summary in the form's order:
// the name and the preset's own fields, the protocol's fields, then the
// provisioning; a field the list does not know comes last, by name.
func errorLinks(p pages.ConnectionFormProps, fields []connector.FormField) []pages.ErrorLink {
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
	for _, f := range fields {
		if f.UpFront || (f.Name == "issuer" && p.AsksIssuer) {
			add(f.Name, f.Label)
		}
	}
	add("logoURL", "Logo URL")
	for _, f := range fields {
		add(f.Name, f.Label)
	}
	add("defaultRole", "Role for everyone")
	add("groupMappings", "Group mappings")
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
	if _, speaks := h.signin.Protocols().Get(preset.Protocol); !ok || !speaks {
		p := pages.PresetPickerProps{Layout: h.layoutProps(c, "New connection"), Org: *org}
		for _, proto := range h.signin.Protocols().All() {
			group := pages.PresetGroup{Protocol: proto.Name, Label: proto.Label}
			for _, pr := range connector.Presets() {
				if pr.Protocol == proto.Name {
					group.Presets = append(group.Presets, pages.PresetCard{ID: pr.ID, Name: pr.Name, Logo: components.PresetLogo(pr.ID)})
				}
			}
			p.Groups = append(p.Groups, group)
		}
		return render(c, http.StatusOK, pages.PresetPicker(p))
	}
	return h.connectionFormPage(c, http.StatusOK, pages.ConnectionFormProps{PresetID: preset.ID, Protocol: preset.Protocol, Values: h.presetValues(preset)})
}

// connectionFromURL loads the org's connection named by {conn}.
func (h *Handlers) connectionFromURL(c echo.Context) (models.Connection, error) {
	return h.store.ConnectionByPublicID(c.Request().Context(), currentOrg(c).ID, c.Param("conn"))
}

// editProps are the form's props for a stored connection.
func (h *Handlers) editProps(c echo.Context, conn models.Connection) (pages.ConnectionFormProps, error) {
	org := currentOrg(c)
	s, err := h.listedConnState(c.Request().Context(), org.ID, conn)
	if err != nil {
		return pages.ConnectionFormProps{}, err
	}
	p := pages.ConnectionFormProps{
		PublicID: conn.PublicID, Version: conn.Version, PresetID: conn.Preset, Protocol: conn.Protocol,
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
	conn, err := h.connectionFromURL(c)
	if err != nil {
		return err
	}
	p, err := h.editProps(c, conn)
	if err != nil {
		return err
	}
	if p.Values, err = h.formValues(conn); err != nil {
		return err
	}
	return h.connectionFormPage(c, http.StatusOK, p)
}
