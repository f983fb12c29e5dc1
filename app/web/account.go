package web

import (
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/views/pages"
)

// showAccount is the signed-in person's own page: their email, the orgs
// they belong to with their roles and standing in each, the sign-ins
// linked to their account, and their live sessions, each with a Revoke
// button.
func (h *Handlers) showAccount(c echo.Context) error {
	ctx := c.Request().Context()
	u := currentUser(c)
	ms, err := h.store.UserMemberships(ctx, u.ID)
	if err != nil {
		return err
	}
	links, err := h.store.IdentityLinksOfUser(ctx, u.ID)
	if err != nil {
		return err
	}
	if scope := sessionOrg(c); scope != 0 {
		// An org's IdP opened this session: it shows that org's part only.
		ms = slices.DeleteFunc(ms, func(m models.UserMembership) bool { return m.Org.ID != scope })
		links = slices.DeleteFunc(links, func(l models.UserIdentityLink) bool { return l.OrgID != scope })
	}
	// An org-scoped session lists that org's sessions only (UserSessions).
	sessions, err := h.store.UserSessions(ctx, u.ID, sessionOrg(c), h.now().Add(-h.opts.SessionIdle))
	if err != nil {
		return err
	}
	current := ""
	if s := currentSession(c); s != nil {
		current = s.IDHash
	}
	return render(c, http.StatusOK, pages.Account(pages.AccountProps{Layout: h.layoutProps(c, "Your account"),
		User: *u, Memberships: ms, Links: links, Sessions: sessions, CurrentSession: current}))
}
