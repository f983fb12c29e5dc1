package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/app/signin"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/views/components"
	"github.com/orgsso/orgsso/views/pages"
)

// savedFlash is told after a save: what the protocol noticed, and that a
// test is next.
func savedFlash(settings connector.FormResult) string {
	if settings.Notice != "" {
		return settings.Notice + " Run a test to use these settings."
	}
	return "Saved. Run a test to use these settings."
}

// createConnection adds an OIDC connection from the form. With discovery on
// the IdP is asked for its discovery document first; nothing is saved
// unless everything checks out.
func (h *Handlers) createConnection(c echo.Context) error {
	ctx := c.Request().Context()
	org := currentOrg(c)
	in, err := h.readConnectionForm(c, "")
	if err != nil {
		return err
	}
	errs, settings, err := h.validateConnection(ctx, org, &in, nil)
	if err != nil {
		return err
	}
	candidate, err := in.connection(models.Connection{Active: true, OrgID: org.ID}, settings.Config)
	if err != nil {
		return err
	}
	if len(errs) == 0 && settings.Check {
		if msg := h.signin.Check(ctx, candidate); msg != "" {
			errs[settings.CheckField] = msg
		}
	}
	props := pages.ConnectionFormProps{PresetID: in.preset.ID, Protocol: in.protocol.Name, Values: in.values, Errors: errs}
	if len(errs) > 0 {
		return h.connectionFormPage(c, http.StatusUnprocessableEntity, props)
	}
	candidate.UpdatedBy = currentUser(c).Email
	conn, err := h.store.CreateConnectionWith(ctx, org.ID, candidate, func(conn *models.Connection) {
		if settings.Secret != nil {
			conn.SealedSecret = h.sealer.Seal(*settings.Secret, signin.SecretBinding(*conn))
		}
		conn.ConfigHash = conn.Fingerprint()
	})
	if errors.Is(err, models.ErrConflict) {
		errs["displayName"] = nameTaken(in.values.DisplayName, org)
		return h.connectionFormPage(c, http.StatusUnprocessableEntity, props)
	}
	if err != nil {
		return err
	}
	h.signin.Forget(conn)
	h.audit(c, &org.ID, "connection.create", conn.DisplayName,
		fmt.Sprintf("id=%s protocol=%s preset=%s version=%d", conn.PublicID, conn.Protocol, conn.Preset, conn.Version))
	setFlash(c, savedFlash(settings))
	return c.Redirect(http.StatusSeeOther, components.ConnectionURL(org.Slug, conn.PublicID, "/edit"))
}

// updateConnection stores the form over a connection, if nobody saved it
// since the form was opened (invariant 8). An empty secret field keeps the
// stored secret.
func (h *Handlers) updateConnection(c echo.Context) error {
	ctx := c.Request().Context()
	org := currentOrg(c)
	conn, err := h.connectionFromURL(c)
	if err != nil {
		return err
	}
	in, err := h.readConnectionForm(c, conn.Protocol)
	if err != nil {
		return err
	}
	props, err := h.editProps(c, conn)
	if err != nil {
		return err
	}
	props.Values = in.values
	if in.version != conn.Version {
		return h.conflictPage(c, props, in.version, conn.Version)
	}
	errs, settings, err := h.validateConnection(ctx, org, &in, &conn)
	if err != nil {
		return err
	}
	props.Values = in.values
	updated, err := in.connection(conn, settings.Config)
	if err != nil {
		return err
	}
	if len(errs) == 0 && settings.Check {
		if msg := h.signin.Check(ctx, updated); msg != "" {
			errs[settings.CheckField] = msg
		}
	}
	if len(errs) > 0 {
		props.Errors = errs
		return h.connectionFormPage(c, http.StatusUnprocessableEntity, props)
	}
	if settings.Secret != nil {
		updated.SealedSecret = h.sealer.Seal(*settings.Secret, signin.SecretBinding(conn))
	}
	changed := changedSettings(conn, updated, settings.Secret != nil, in.protocol.Form.SecretFields)
	if len(changed) == 0 {
		setFlash(c, "Nothing changed.")
		return c.Redirect(http.StatusSeeOther, components.ConnectionURL(org.Slug, conn.PublicID, "/edit"))
	}
	updated.ConfigHash = updated.Fingerprint()
	updated.UpdatedBy = currentUser(c).Email
	saved, err := h.store.UpdateConnection(ctx, org.ID, updated)
	if errors.Is(err, models.ErrConflict) {
		now, lerr := h.store.ConnectionByID(ctx, org.ID, conn.ID)
		if lerr != nil {
			return lerr
		}
		if now.Version != in.version {
			return h.conflictPage(c, props, in.version, now.Version)
		}
		props.Errors = map[string]string{"displayName": nameTaken(in.values.DisplayName, org)}
		return h.connectionFormPage(c, http.StatusUnprocessableEntity, props)
	}
	if err != nil {
		return err
	}
	h.signin.Forget(saved)
	h.audit(c, &org.ID, "connection.update", saved.DisplayName,
		fmt.Sprintf("id=%s version %d -> %d; changed: %s", saved.PublicID, conn.Version, saved.Version, strings.Join(changed, ", ")))
	setFlash(c, savedFlash(settings))
	return c.Redirect(http.StatusSeeOther, components.ConnectionURL(org.Slug, saved.PublicID, "/edit"))
}

// conflictPage re-shows the admin's input over a connection someone else
// saved meanwhile; nothing is overwritten, and the form keeps the version
// the admin started from so a resubmit is refused again.
func (h *Handlers) conflictPage(c echo.Context, props pages.ConnectionFormProps, from, now int64) error {
	props.Version = from
	props.FormError = fmt.Sprintf("Not saved: this connection was changed by someone else since you opened it (you started from version %d, it is now version %d). "+
		"Nothing was overwritten. Open the current version, then make your changes again.", from, now)
	return h.connectionFormPage(c, http.StatusConflict, props)
}

// changedSettings names what differs between two versions of a connection,
// by form field name; values (and so secrets) are left out.
func changedSettings(old, new models.Connection, secret bool, secretFields []string) []string {
	var out []string
	if old.DisplayName != new.DisplayName {
		out = append(out, "displayName")
	}
	if old.LogoURL != new.LogoURL {
		out = append(out, "logoURL")
	}
	if old.Preset != new.Preset {
		out = append(out, "preset")
	}
	out = append(out, changedKeys(old.Config, new.Config)...)
	out = append(out, changedKeys(old.Provisioning, new.Provisioning)...)
	if secret {
		out = append(out, strings.Join(secretFields, ", "))
	}
	return out
}

// changedKeys lists the top-level keys whose values differ between two
// JSON objects.
func changedKeys(a, b string) []string {
	var ma, mb map[string]any
	_ = json.Unmarshal([]byte(a), &ma)
	_ = json.Unmarshal([]byte(b), &mb)
	keys := map[string]bool{}
	for k := range ma {
		keys[k] = true
	}
	for k := range mb {
		keys[k] = true
	}
	var out []string
	for k := range keys {
		if !reflect.DeepEqual(ma[k], mb[k]) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}
