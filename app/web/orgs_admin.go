package web

import (
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/models/names"
	"github.com/orgsso/orgsso/views/components"
	"github.com/orgsso/orgsso/views/pages"
)

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$`)

// reservedSlugs would make URLs ambiguous or misleading.
var reservedSlugs = map[string]bool{"admin": true, "api": true, "static": true, "login": true, "new": true}

// ValidSlug says what is wrong with an org slug, or "".
func ValidSlug(slug string) string {
	if !slugPattern.MatchString(slug) || strings.Contains(slug, "--") {
		return "Use 2 to 40 lower-case letters, digits and single dashes, starting and ending with a letter or digit."
	}
	if reservedSlugs[slug] {
		return "This slug is reserved; choose another."
	}
	return ""
}

// CleanOrgName returns an org name normalised (names.Clean: NFKC, spaces
// collapsed, trimmed), and what is wrong with it, or "". Org names need not
// be unique, but must not hide characters or pass for another name.
func CleanOrgName(raw string) (string, string) {
	name, err := names.Clean(raw)
	switch {
	case err != nil:
		return raw, err.Error()
	case name == "":
		return name, "Enter a name."
	case len(name) > 100:
		return name, "Use at most 100 characters."
	}
	return name, ""
}

func (h *Handlers) orgsPage(c echo.Context, status int, slug, name string, errs components.Errors) error {
	query := strings.TrimSpace(c.QueryParam("q"))
	after, _ := strconv.ParseInt(c.QueryParam("after"), 10, 64)
	page, err := h.store.OrganizationsPage(c.Request().Context(), query, after)
	if err != nil {
		return err
	}
	p := h.layoutProps(c, "Organizations")
	p.ErrorCount = len(errs)
	return render(c, status, pages.AdminOrgs(pages.AdminOrgsProps{Layout: p, Page: page, Query: query, After: after,
		Slug: slug, Name: name, Errors: errs}))
}

// showOrgs lists the organizations for the platform admin, a page at a
// time (?after=<id of the last org of the previous page>), optionally
// those whose name starts with ?q or whose slug it is.
func (h *Handlers) showOrgs(c echo.Context) error {
	return h.orgsPage(c, http.StatusOK, "", "", nil)
}

// createOrg adds an organization.
func (h *Handlers) createOrg(c echo.Context) error {
	name, msg := CleanOrgName(c.FormValue("name"))
	slug := strings.ToLower(strings.TrimSpace(c.FormValue("slug")))
	errs := components.Errors{}
	if msg != "" {
		errs["name"] = msg
	}
	if msg := ValidSlug(slug); msg != "" {
		errs["slug"] = msg
	}
	if len(errs) == 0 {
		org, err := h.store.CreateOrganization(c.Request().Context(), slug, name)
		if errors.Is(err, models.ErrConflict) {
			errs["slug"] = "An organization with this slug exists."
		} else if err != nil {
			return err
		} else {
			h.audit(c, &org.ID, "org.create", org.Slug, "name="+org.Name)
			setFlash(c, "Organization "+org.Name+" created. Add its first admin on the members page.")
			return c.Redirect(http.StatusSeeOther, "/o/"+org.Slug+"/members")
		}
	}
	return h.orgsPage(c, http.StatusUnprocessableEntity, slug, name, errs)
}

// renameOrg changes an org's display name (the slug stays: IdPs have it).
func (h *Handlers) renameOrg(c echo.Context) error {
	org := currentOrg(c)
	name, msg := CleanOrgName(c.FormValue("name"))
	if msg != "" {
		setFlash(c, "Not renamed: "+msg)
		return c.Redirect(http.StatusSeeOther, "/admin/orgs")
	}
	if err := h.store.RenameOrganization(c.Request().Context(), org.ID, name); err != nil {
		return err
	}
	h.audit(c, &org.ID, "org.rename", org.Slug, org.Name+" -> "+name)
	setFlash(c, "Renamed to "+name+".")
	return c.Redirect(http.StatusSeeOther, "/admin/orgs")
}

// deleteOrg removes an org, its roles and everything in it, once the admin
// typed its slug.
func (h *Handlers) deleteOrg(c echo.Context) error {
	org := currentOrg(c)
	if strings.TrimSpace(c.FormValue("confirm")) != org.Slug {
		setFlash(c, "Not deleted: type the slug "+org.Slug+" to confirm.")
		return c.Redirect(http.StatusSeeOther, "/admin/orgs")
	}
	ctx := c.Request().Context()
	if err := h.store.DeleteOrganization(ctx, org.ID); err != nil {
		return err
	}
	h.audit(c, nil, "org.delete", org.Slug, "name="+org.Name)
	setFlash(c, "Organization "+org.Name+" deleted.")
	return c.Redirect(http.StatusSeeOther, "/admin/orgs")
}

// showSettings shows the platform settings.
func (h *Handlers) showSettings(c echo.Context) error {
	allow, err := h.signupAllowed(c)
	if err != nil {
		return err
	}
	return render(c, http.StatusOK, pages.Settings(pages.SettingsProps{Layout: h.layoutProps(c, "Platform settings"), AllowSignup: allow}))
}

// saveSettings stores the platform settings.
func (h *Handlers) saveSettings(c echo.Context) error {
	allow := "false"
	if c.FormValue("allow_signup") == "true" {
		allow = "true"
	}
	if err := h.store.SetSetting(c.Request().Context(), models.SettingAllowSignup, allow); err != nil {
		return err
	}
	h.audit(c, nil, "settings.update", models.SettingAllowSignup, allow)
	setFlash(c, "Settings saved.")
	return c.Redirect(http.StatusSeeOther, "/admin/settings")
}
