package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/app/secrets"
	"github.com/orgsso/orgsso/models"
)

// decodeJSON reads a small JSON object body into v; unknown keys are an
// error naming the key.
func decodeJSON(c echo.Context, v any) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		msg := err.Error()
		if key, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
			key = strings.Trim(key, `"`)
			return invalid(key, "unknown key")
		}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return invalid(te.Field, "want "+te.Type.String()+", got "+te.Value)
		}
		return apiFail(http.StatusBadRequest, "bad_request", "", "The body is not a JSON object: "+msg)
	}
	return nil
}

func timeJSON(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.UTC().Format(timeFormat)
	return &s
}

// ---- members and invites

type memberJSON struct {
	ID          int64    `json:"id"`
	Email       string   `json:"email"`
	Name        string   `json:"name"`
	Roles       []string `json:"roles"`
	Status      string   `json:"status"`
	Source      string   `json:"source"`
	JoinedAt    string   `json:"joinedAt"`
	LastLoginAt *string  `json:"lastLoginAt"`
	Connection  string   `json:"lastConnection,omitempty"`
}

// apiMembers lists the org's members a page at a time (?page=, ?q= to
// match emails).
func (h *Handlers) apiMembers(c echo.Context) error {
	page, _ := strconv.Atoi(c.QueryParam("page"))
	mp, err := h.store.ListMembers(c.Request().Context(), currentOrg(c).ID, c.QueryParam("q"), page)
	if err != nil {
		return err
	}
	out := make([]memberJSON, 0, len(mp.Members))
	for _, m := range mp.Members {
		roles := m.Membership.RoleList()
		if roles == nil {
			roles = []string{}
		}
		out = append(out, memberJSON{ID: m.User.ID, Email: m.User.Email, Name: m.User.Name, Roles: roles,
			Status: string(m.Membership.Status), Source: m.Membership.Source, JoinedAt: m.Membership.CreatedAt.UTC().Format(timeFormat),
			LastLoginAt: timeJSON(m.Membership.LastLoginAt), Connection: m.Connection})
	}
	return c.JSON(http.StatusOK, map[string]any{"members": out, "total": mp.Total, "page": mp.Page, "perPage": mp.PerPage})
}

type inviteJSON struct {
	ID        int64  `json:"id"`
	Email     string `json:"email"`
	Role      string `json:"role"`
	CreatedBy string `json:"createdBy"`
	CreatedAt string `json:"createdAt"`
	ExpiresAt string `json:"expiresAt"`
	// Link is shown once, in the answer to the invite's creation.
	Link string `json:"link,omitempty"`
}

func inviteOut(inv models.Invite) inviteJSON {
	return inviteJSON{ID: inv.ID, Email: inv.Email, Role: inv.Role, CreatedBy: inv.CreatedByEmail,
		CreatedAt: inv.CreatedAt.UTC().Format(timeFormat), ExpiresAt: inv.ExpiresAt.UTC().Format(timeFormat)}
}

func (h *Handlers) apiInvites(c echo.Context) error {
	invs, err := h.store.PendingInvites(c.Request().Context(), currentOrg(c).ID)
	if err != nil {
		return err
	}
	out := make([]inviteJSON, 0, len(invs))
	for _, inv := range invs {
		out = append(out, inviteOut(inv))
	}
	return c.JSON(http.StatusOK, map[string]any{"invites": out})
}

// apiCreateInvite invites an email with a role, like the members page;
// the answer holds the link, once.
func (h *Handlers) apiCreateInvite(c echo.Context) error {
	var in struct {
		Email string `json:"email"`
		Role  string `json:"role"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	org := currentOrg(c)
	by := Inviter{Email: actorName(c), IP: c.RealIP()}
	if u := currentUser(c); u != nil && currentToken(c) == nil {
		by.ID = &u.ID
	}
	link, errs, err := NewInvite(ctx, h.store, h.opts.BaseURL, *org, in.Email, in.Role, by)
	if err != nil {
		return err
	}
	if len(errs) > 0 {
		return fieldErrors(errs)
	}
	inv, err := h.store.PendingInvite(ctx, org.ID, strings.ToLower(strings.TrimSpace(in.Email)))
	if err != nil {
		return err
	}
	out := inviteOut(inv)
	out.Link = link
	return c.JSON(http.StatusCreated, out)
}

func (h *Handlers) apiRevokeInvite(c echo.Context) error {
	org := currentOrg(c)
	id, err := strconv.ParseInt(c.Param("invite"), 10, 64)
	if err != nil {
		return models.ErrNotFound
	}
	inv, err := h.store.RevokeInvite(c.Request().Context(), org.ID, id)
	if err != nil {
		return err
	}
	h.audit(c, &org.ID, "invite.revoke", inv.Email, "role="+inv.Role)
	return c.NoContent(http.StatusNoContent)
}

// ---- domains

type domainJSON struct {
	ID          int64   `json:"id"`
	Domain      string  `json:"domain"`
	Verified    bool    `json:"verified"`
	VerifiedAt  *string `json:"verifiedAt"`
	RecordName  string  `json:"recordName"`
	RecordValue string  `json:"recordValue"`
}

func domainOut(d models.VerifiedDomain) domainJSON {
	return domainJSON{ID: d.ID, Domain: d.Domain, Verified: d.Verified(), VerifiedAt: timeJSON(d.VerifiedAt),
		RecordName: challengeName(d.Domain), RecordValue: challengeValue(d.Challenge)}
}

func (h *Handlers) apiDomains(c echo.Context) error {
	ds, err := h.store.Domains(c.Request().Context(), currentOrg(c).ID)
	if err != nil {
		return err
	}
	out := make([]domainJSON, 0, len(ds))
	for _, d := range ds {
		out = append(out, domainOut(d))
	}
	return c.JSON(http.StatusOK, map[string]any{"domains": out})
}

func (h *Handlers) apiAddDomain(c echo.Context) error {
	var in struct {
		Domain string `json:"domain"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	org := currentOrg(c)
	domain, msg := normalizeDomain(in.Domain)
	if msg != "" {
		return invalid("domain", msg)
	}
	d, err := h.store.AddDomain(c.Request().Context(), org.ID, domain, secrets.Token())
	if errors.Is(err, models.ErrConflict) {
		return apiFail(http.StatusConflict, "exists", "domain", domain+" is already in the org's list.")
	}
	if err != nil {
		return err
	}
	h.audit(c, &org.ID, "domain.add", domain, "pending verification")
	return c.JSON(http.StatusCreated, domainOut(d))
}

func (h *Handlers) apiVerifyDomain(c echo.Context) error {
	org := currentOrg(c)
	d, err := h.domainFromURL(c)
	if err != nil {
		return err
	}
	if !d.Verified() {
		msg, details, err := h.checkDomainRecord(c.Request().Context(), org, d)
		if err != nil {
			return err
		}
		if msg != "" {
			h.audit(c, &org.ID, "domain.verify", d.Domain, "failed: "+details)
			return invalid("domain", msg)
		}
		h.audit(c, &org.ID, "domain.verify", d.Domain, "TXT record found")
		if d, err = h.domainFromURL(c); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, domainOut(d))
}

func (h *Handlers) apiRemoveDomain(c echo.Context) error {
	org := currentOrg(c)
	d, err := h.domainFromURL(c)
	if err != nil {
		return err
	}
	if err := h.store.RemoveDomain(c.Request().Context(), org.ID, d.ID); err != nil {
		return err
	}
	details := "was pending verification"
	if d.Verified() {
		details = "was verified"
	}
	h.audit(c, &org.ID, "domain.remove", d.Domain, details)
	return c.NoContent(http.StatusNoContent)
}
