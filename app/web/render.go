package web

import (
	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/views/layout"
)

// render writes a component with status through one buffer, so a template
// error becomes an error page instead of half a page.
func render(c echo.Context, status int, comp templ.Component) error {
	buf := templ.GetBuffer()
	defer templ.ReleaseBuffer(buf)
	if err := comp.Render(c.Request().Context(), buf); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.HTMLBlob(status, buf.Bytes())
}

// layoutProps is the page frame for the current request.
func (h *Handlers) layoutProps(c echo.Context, title string) layout.Props {
	p := layout.Props{Title: title, CSRF: csrfToken(c), Flash: takeFlash(c)}
	if u := currentUser(c); u != nil {
		p.User = u
		p.PlatformAdmin = h.isPlatformAdmin(c)
	}
	if o := currentOrg(c); o != nil {
		p.Org = o
		if u := currentUser(c); u != nil {
			scope := sessionOrg(c)
			ok, _ := h.can(c, orgDomain(o), "members", "write")
			p.OrgAdmin = ok && (scope == 0 || scope == o.ID)
		}
	}
	return p
}
