package web

import (
	"strconv"

	"github.com/labstack/echo/v4"
)

// endMemberSessions signs a member out of this org: it ends the sessions
// this org's IdPs opened for them, and no other (their password sessions
// and other orgs' are not this org's to end).
func (h *Handlers) endMemberSessions(c echo.Context) error {
	org := currentOrg(c)
	user, _, err := h.memberFromURL(c)
	if err != nil {
		return err
	}
	n, err := h.store.EndOrgSessions(c.Request().Context(), org.ID, user.ID)
	if err != nil {
		return err
	}
	h.audit(c, &org.ID, "member.sessions_end", user.Email, "sessions="+strconv.FormatInt(n, 10))
	switch n {
	case 0:
		return h.backToMembers(c, user.Email+" had no session in "+org.Name+".")
	case 1:
		return h.backToMembers(c, "Ended 1 session of "+user.Email+" in "+org.Name+".")
	}
	return h.backToMembers(c, "Ended "+strconv.FormatInt(n, 10)+" sessions of "+user.Email+" in "+org.Name+".")
}
