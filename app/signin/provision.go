package signin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/models"
)

// Mapped is what a login's claims turn into for the org: shown on the test
// result page and stored with the TestRun.
type Mapped struct {
	Subject       string                `json:"subject"`
	Email         string                `json:"email"`
	EmailVerified bool                  `json:"emailVerified"`
	Name          string                `json:"name"`
	Groups        []string              `json:"groups"`
	Grants        []connector.RoleGrant `json:"grants"`
	Roles         []string              `json:"roles"`
	// Notes say what a member login with these claims would do (create an
	// account, wait for activation, be refused, ...).
	Notes []string `json:"notes"`
}

// MapIdentity applies the connection's provisioning rules to an identity
// without changing anything.
func MapIdentity(ident connector.Identity, prov models.Provisioning) (Mapped, error) {
	mappings, err := connector.ParseGroupMappings(prov.GroupMappings)
	if err != nil {
		return Mapped{}, err
	}
	grants := connector.RolesFor(ident.Groups, mappings, prov.DefaultRole)
	m := Mapped{Subject: ident.Subject, Email: ident.Email, EmailVerified: ident.EmailVerified, Name: ident.Name,
		Groups: ident.Groups, Grants: grants, Roles: connector.GrantedRoles(grants)}
	if m.Groups == nil {
		m.Groups = []string{}
	}
	if m.Grants == nil {
		m.Grants = []connector.RoleGrant{}
	}
	if m.Roles == nil {
		m.Roles = []string{}
	}
	return m, nil
}

// recordTest stores the outcome of an admin's test login and returns it.
func (s *Service) recordTest(ctx context.Context, org models.Organization, conn models.Connection, st models.LoginState, ident connector.Identity, ferr error) (Result, error) {
	run := models.TestRun{ConnectionID: conn.ID, ConfigVersion: conn.Version, ConfigHash: conn.ConfigHash,
		StartedBy: st.UserID, Status: models.TestPassed, Claims: "{}", Mapped: "{}"}
	if st.UserID != nil {
		if u, err := s.store.UserByID(ctx, *st.UserID); err == nil {
			run.StartedByEmail = u.Email
		}
	}
	if ferr == nil {
		prov, err := ProvisioningOf(conn)
		if err != nil {
			return Result{}, err
		}
		mapped, merr := MapIdentity(ident, prov)
		if merr != nil {
			ferr = connector.NewError(connector.CodeInvalidConfig, "The group mappings of this connection are invalid: "+merr.Error(), merr)
		} else {
			s.noteProvisioning(ctx, conn, prov, ident, &mapped)
			b, _ := json.Marshal(mapped)
			run.Mapped = string(b)
		}
		claims, _ := json.Marshal(ident.Claims) // sanitized by the connector's claim mapping
		run.Claims = string(claims)
	}
	if ferr != nil {
		run.Status = models.TestFailed
		run.Reason = connector.Reason(ferr)
		if ce, ok := connector.AsError(ferr); ok {
			run.ErrorCode = ce.Code
			run.Detail = ce.Detail
		}
		s.log.Info("connection test failed", "org", org.Slug, "connection", conn.PublicID, "version", conn.Version, "err", ferr)
	}
	run, err := s.store.RecordTestRun(ctx, org.ID, run)
	if err != nil {
		return Result{}, err
	}
	return Result{Connection: conn, IsTest: true, TestRun: run, ReturnTo: st.ReturnTo}, nil
}

// noteProvisioning explains what a member login with this identity would do.
func (s *Service) noteProvisioning(ctx context.Context, conn models.Connection, prov models.Provisioning, ident connector.Identity, m *Mapped) {
	add := func(n string) { m.Notes = append(m.Notes, n) }
	if _, err := s.store.IdentityLinkBySubject(ctx, conn.ID, ident.Subject); err == nil {
		add("This person has logged in through this connection before; their account is found by subject.")
	} else if u, err := s.store.UserByEmail(ctx, ident.Email); err == nil {
		if prov.LinkByVerifiedEmail && ident.EmailVerified && u.EmailVerified {
			add("An account with this verified email exists; the first login links to it.")
		} else {
			add("An account with this email exists but would not be linked: linking needs a verified email on both sides and \"link by verified email\" on.")
		}
	} else if ident.Email == "" {
		add("The identity provider sent no email address, so no account can be created.")
	} else if prov.JIT {
		if prov.Consent {
			add("The person would first be asked to consent to what the organization receives; the account is created only if they accept.")
		}
		if prov.Activation {
			add("A new account would be created and wait for an administrator to activate it.")
		} else {
			add("A new account would be created at the first login.")
		}
	} else {
		add("No account exists and accounts are not created on first login, so this person would be refused.")
	}
	if len(m.Roles) == 0 {
		add("No role would be granted, so this person could not enter the organization.")
	}
}

// provision finds or creates the account for a member login, links the
// identity and syncs the roles from group mappings.
func (s *Service) provision(ctx context.Context, org models.Organization, conn models.Connection, prov models.Provisioning, ident connector.Identity, consented bool) (models.User, error) {
	mapped, err := MapIdentity(ident, prov)
	if err != nil {
		return models.User{}, err
	}
	if ident.Subject == "" {
		return models.User{}, problem(http.StatusBadGateway, connector.CodeMissingClaim, "Sign-in failed",
			"Your identity provider did not say who you are (no user id).", "Tell an administrator of "+org.Name+".", nil)
	}
	user, err := s.store.UserByIdentity(ctx, conn.ID, ident.Subject)
	switch {
	case errors.Is(err, models.ErrNotFound):
		if user, err = s.firstLogin(ctx, org, conn, prov, ident, consented); err != nil {
			return user, err
		}
		if err := s.store.LinkIdentity(ctx, conn.ID, ident.Subject, user.ID); errors.Is(err, models.ErrConflict) {
			// A concurrent first login of the same person linked first.
			if user, err = s.store.UserByIdentity(ctx, conn.ID, ident.Subject); err != nil {
				return user, err
			}
		} else if err != nil {
			return user, err
		}
	case err != nil:
		return user, err
	}
	profile := models.User{Name: ident.Name, GivenName: ident.GivenName, FamilyName: ident.FamilyName, Picture: ident.Picture,
		EmailVerified: user.EmailVerified || (ident.EmailVerified && ident.Email == user.Email)}
	if profile.Name != user.Name || profile.GivenName != user.GivenName || profile.FamilyName != user.FamilyName ||
		profile.Picture != user.Picture || profile.EmailVerified != user.EmailVerified {
		if err := s.store.UpdateProfile(ctx, user.ID, profile); err != nil {
			return user, err
		}
		user.Name, user.GivenName, user.FamilyName, user.Picture, user.EmailVerified =
			profile.Name, profile.GivenName, profile.FamilyName, profile.Picture, profile.EmailVerified
	}
	roles, err := s.syncRoles(ctx, org, user, prov, mapped.Roles)
	if err != nil {
		return user, err
	}
	if len(roles) == 0 {
		return user, problem(http.StatusForbidden, "no_role", "No access to "+org.Name,
			"You signed in, but your account has no role in "+org.Name+".", "Ask an administrator of "+org.Name+" to give you access (for example, by adding you to a mapped group).", nil)
	}
	switch user.Status {
	case models.StatusPending:
		return user, problem(http.StatusForbidden, "pending", "Waiting for approval",
			"Your account is waiting for an administrator of "+org.Name+" to approve it.", "You can close this page; sign in again once you are approved.", nil)
	case models.StatusDisabled:
		return user, problem(http.StatusForbidden, "disabled", "Account disabled",
			"Your account is disabled.", "Ask an administrator of "+org.Name+".", nil)
	}
	return user, nil
}

// firstLogin handles a subject this connection has not seen: link to an
// existing account only when both sides vouch for the email, else create
// one when JIT allows.
func (s *Service) firstLogin(ctx context.Context, org models.Organization, conn models.Connection, prov models.Provisioning, ident connector.Identity, consented bool) (models.User, error) {
	if ident.Email == "" {
		return models.User{}, problem(http.StatusBadGateway, connector.CodeMissingClaim, "Sign-in failed",
			"Your identity provider did not send an email address.", "Tell an administrator of "+org.Name+" to check the connection's claim mapping.", nil)
	}
	existing, err := s.store.UserByEmail(ctx, ident.Email)
	switch {
	case err == nil:
		if prov.LinkByVerifiedEmail && ident.EmailVerified && existing.EmailVerified {
			return existing, nil
		}
		return models.User{}, problem(http.StatusForbidden, "account_exists", "Account already exists",
			"An account for "+ident.Email+" already exists and cannot be linked to this sign-in automatically.",
			"Log in with your password, or ask an administrator of "+org.Name+" to link your account.", nil)
	case !errors.Is(err, models.ErrNotFound):
		return models.User{}, err
	}
	if !prov.JIT {
		return models.User{}, problem(http.StatusForbidden, "no_account", "No access to "+org.Name,
			"There is no account for "+ident.Email+" in "+org.Name+", and accounts are not created at first sign-in.",
			"Ask an administrator of "+org.Name+" to add you.", nil)
	}
	if prov.Consent && !consented {
		return models.User{}, errConsentNeeded
	}
	status := models.StatusActive
	if prov.Activation {
		status = models.StatusPending
	}
	user, err := s.store.CreateUser(ctx, models.User{Email: ident.Email, EmailVerified: ident.EmailVerified, Name: ident.Name,
		GivenName: ident.GivenName, FamilyName: ident.FamilyName, Picture: ident.Picture, Status: status})
	if errors.Is(err, models.ErrConflict) { // created by a concurrent login
		return s.store.UserByEmail(ctx, ident.Email)
	}
	if err == nil {
		_ = s.store.Audit(ctx, models.AuditEvent{OrgID: &org.ID, ActorEmail: ident.Email, Action: "user.provision",
			Target: ident.Email, Details: "connection=" + conn.DisplayName + " status=" + string(status)})
	}
	return user, err
}

// syncRoles applies the mapped roles: with SyncRoles the org roles become
// exactly the mapped ones (revoked groups lose their role); without it,
// mapped roles are added to what the user has.
func (s *Service) syncRoles(ctx context.Context, org models.Organization, user models.User, prov models.Provisioning, mapped []string) ([]string, error) {
	have, err := s.authz.Roles(user.ID, org.ID)
	if err != nil {
		return nil, err
	}
	want := slices.Clone(mapped)
	if !prov.SyncRoles {
		for _, r := range have {
			if !slices.Contains(want, r) {
				want = append(want, r)
			}
		}
	}
	slices.Sort(want)
	if slices.Equal(want, have) {
		return want, nil
	}
	if err := s.authz.SetRoles(ctx, user.ID, org.ID, want); err != nil {
		return nil, err
	}
	_ = s.store.Audit(ctx, models.AuditEvent{OrgID: &org.ID, ActorEmail: user.Email, Action: "member.roles_synced",
		Target: user.Email, Details: rolesChange(have, want)})
	return want, nil
}

func rolesChange(from, to []string) string {
	f, t := "none", "none"
	if len(from) > 0 {
		f = strings.Join(from, ",")
	}
	if len(to) > 0 {
		t = strings.Join(to, ",")
	}
	return f + " -> " + t
}

// FailTest records a test that could not even start (for example, the IdP's
// discovery document is unreachable), so the admin sees a readable result.
func (s *Service) FailTest(ctx context.Context, org models.Organization, conn models.Connection, userID int64, err error) (models.TestRun, error) {
	res, rerr := s.recordTest(ctx, org, conn, models.LoginState{UserID: &userID}, connector.Identity{}, err)
	return res.TestRun, rerr
}
