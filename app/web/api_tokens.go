package web

import (
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

// Limits of an API token's settings.
const (
	maxTokenName = 100
	maxTokenDays = 3650
)

func (h *Handlers) tokensPage(c echo.Context, status int, p pages.APITokensProps) error {
	org := currentOrg(c)
	tokens, err := h.store.APITokens(c.Request().Context(), org.ID)
	if err != nil {
		return err
	}
	p.Layout = h.layoutProps(c, "API tokens")
	p.Layout.ErrorCount = len(p.Errors)
	p.Org, p.Tokens, p.Now = *org, tokens, h.now()
	return render(c, status, pages.APITokens(p))
}

// showTokens lists the org's API tokens.
func (h *Handlers) showTokens(c echo.Context) error {
	return h.tokensPage(c, http.StatusOK, pages.APITokensProps{})
}

// createToken makes a token with a name, a scope and an optional expiry,
// and shows it once; only its hash is stored.
func (h *Handlers) createToken(c echo.Context) error {
	org := currentOrg(c)
	name := cleanText(strings.TrimSpace(c.FormValue("name")), 1000)
	scope := c.FormValue("scope")
	days := strings.TrimSpace(c.FormValue("expiresDays"))
	errs := components.Errors{}
	switch {
	case name == "":
		errs["name"] = "Name the token after what uses it."
	case tooLong(name, maxTokenName):
		errs["name"] = "Use at most 100 characters."
	}
	if scope != models.ScopeRead && scope != models.ScopeWrite {
		errs["scope"] = "Choose read or write."
	}
	var expires *time.Time
	if days != "" {
		n, err := strconv.Atoi(days)
		if err != nil || n < 1 || n > maxTokenDays {
			errs["expiresDays"] = "Enter a number of days from 1 to 3650, or leave it empty."
		} else {
			t := h.now().Add(time.Duration(n) * 24 * time.Hour)
			expires = &t
		}
	}
	props := pages.APITokensProps{Name: name, Scope: scope, ExpiresDays: days, Errors: errs}
	if len(errs) > 0 {
		return h.tokensPage(c, http.StatusUnprocessableEntity, props)
	}
	value := tokenPrefix + secrets.Token()
	u := currentUser(c)
	t, err := h.store.CreateAPIToken(c.Request().Context(), org.ID, models.APIToken{Name: name, Scope: scope,
		TokenHash: secrets.Hash(value), Hint: value[len(value)-4:], CreatedBy: &u.ID, CreatedByEmail: u.Email, ExpiresAt: expires})
	if err != nil {
		return err
	}
	details := "scope=" + scope
	if expires != nil {
		details += " expires=" + expires.Format(time.RFC3339)
	}
	h.audit(c, &org.ID, "token.create", tokenActor(&t), details)
	return h.tokensPage(c, http.StatusOK, pages.APITokensProps{CreatedName: t.Name, CreatedToken: value})
}

// revokeToken ends one of the org's tokens at once.
func (h *Handlers) revokeToken(c echo.Context) error {
	org := currentOrg(c)
	id, err := strconv.ParseInt(c.Param("token"), 10, 64)
	if err != nil {
		return models.ErrNotFound
	}
	t, err := h.store.RevokeAPIToken(c.Request().Context(), org.ID, id)
	if err != nil {
		return err
	}
	h.audit(c, &org.ID, "token.revoke", tokenActor(&t), "scope="+t.Scope)
	setFlash(c, "The token “"+t.Name+"” is revoked; programs using it are refused from now on.")
	return c.Redirect(http.StatusSeeOther, pages.APITokensURL(org.Slug))
}
