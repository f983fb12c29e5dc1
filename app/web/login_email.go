package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/views/pages"
)

const noSSOForEmail = "No single sign-on is set up for that email's domain; log in with your password."

// loginByEmail is the login page's single sign-on step: it sends an email
// to the SSO of the org that verified its domain, when that org has SSO on
// and a connection members can use. It looks at the domain only, never at
// accounts, so its answer is the same whether or not one exists for the
// email (invariant 10).
func (h *Handlers) loginByEmail(c echo.Context) error {
	email := strings.ToLower(strings.TrimSpace(c.FormValue("email")))
	returnTo := localPath(c.FormValue("return_to"))
	answer := func(status int, msg, pwEmail string) error {
		p := h.loginProps(c, pwEmail, returnTo, "")
		p.SSOEmail, p.SSOMessage = email, msg
		return render(c, status, pages.Login(p))
	}
	if msg := validEmail(email); msg != "" {
		return answer(http.StatusUnprocessableEntity, msg, "")
	}
	org, err := h.store.DomainHolder(c.Request().Context(), email[strings.LastIndexByte(email, '@')+1:])
	if errors.Is(err, models.ErrNotFound) {
		return answer(http.StatusOK, noSSOForEmail, email)
	}
	if err != nil {
		return err
	}
	conns, err := h.enabledConnections(c, &org)
	if err != nil {
		return err
	}
	q := url.Values{}
	if returnTo != "/" {
		q.Set("return_to", returnTo)
	}
	switch len(conns) {
	case 0:
		return answer(http.StatusOK, noSSOForEmail, email)
	case 1:
		q.Set("login_hint", email)
		return c.Redirect(http.StatusSeeOther, "/o/"+org.Slug+"/sso/"+url.PathEscape(conns[0].PublicID)+"/start?"+q.Encode())
	}
	next := "/o/" + org.Slug + "/login"
	if len(q) > 0 {
		next += "?" + q.Encode()
	}
	return c.Redirect(http.StatusSeeOther, next)
}
