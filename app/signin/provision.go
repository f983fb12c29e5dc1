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
func (s *Service) recordTest(ctx context.Context, org models.Organization, conn models.Connection, userID *int64, returnTo string, ident connector.Identity, ferr error) (Result, error) {
	run := models.TestRun{ConnectionID: conn.ID, ConfigVersion: conn.Version, ConfigHash: conn.ConfigHash,
		StartedBy: userID, Status: models.TestPassed, Claims: "{}", Mapped: "{}"}
	if userID != nil {
		if u, err := s.store.UserByID(ctx, *userID); err == nil {
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
			if err := s.noteProvisioning(ctx, org, conn, prov, ident, &mapped); err != nil {
				return Result{}, err
			}
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
	return Result{Connection: conn, IsTest: true, TestRun: run, ReturnTo: returnTo}, nil
}

// verdict is whom a login through a connection signs in, as invariant 9
// decides it; nothing is written to decide it.
type verdict struct {
	user    *models.User       // the existing account signed in (nil: a new one)
	linked  bool               // user was found by (connection, subject)
	member  *models.Membership // a linked user's membership of the org (nil: none)
	link    bool               // the login links (connection, subject) to the account
	invite  *models.Invite     // the org's pending invite for this email, accepted by the login
	refusal *Problem           // set when the login is refused
	// why says, for an admin's test preview, why the verdict is what it is.
	why string
}

// decide applies invariant 9: an org's connection signs in only the
// account already linked to (connection, subject); a new account when none
// has the email (JIT, or an invite); an existing account when the org has a
// pending invite for exactly that email, or the connection links by
// verified email and the org has verified the email's domain or owns the
// account. Never a platform admin: they link only by the explicit link step.
func (s *Service) decide(ctx context.Context, org models.Organization, conn models.Connection, prov models.Provisioning, ident connector.Identity) (verdict, error) {
	if ident.Subject == "" {
		return verdict{refusal: problem(http.StatusBadGateway, connector.CodeMissingClaim, "Sign-in failed",
			"Your identity provider did not say who you are (no user id).", "Tell an administrator of "+org.Name+".", nil),
			why: "the identity provider sent no user id"}, nil
	}
	linked, member, err := s.store.LinkedMember(ctx, org.ID, conn.ID, ident.Subject)
	if err == nil {
		if linked.Disabled {
			return verdict{user: &linked, linked: true, member: member, refusal: disabledProblem(org), why: "the linked account is disabled"}, nil
		}
		return verdict{user: &linked, linked: true, member: member, why: "this person signed in through this connection before"}, nil
	}
	if !errors.Is(err, models.ErrNotFound) {
		return verdict{}, err
	}
	if ident.Email == "" {
		return verdict{refusal: problem(http.StatusBadGateway, connector.CodeMissingClaim, "Sign-in failed",
			"Your identity provider did not send an email address.", "Tell an administrator of "+org.Name+" to check the connection's claim mapping.", nil),
			why: "the identity provider sent no email address"}, nil
	}
	var invite *models.Invite
	if inv, err := s.store.PendingInvite(ctx, org.ID, ident.Email); err == nil && ident.EmailVerified {
		invite = &inv
	} else if err != nil && !errors.Is(err, models.ErrNotFound) {
		return verdict{}, err
	}
	existing, err := s.store.UserByEmail(ctx, ident.Email)
	if errors.Is(err, models.ErrNotFound) {
		return decideNew(org, prov, invite), nil
	}
	if err != nil {
		return verdict{}, err
	}
	return s.decideExisting(ctx, org, prov, ident, existing, invite)
}

// decideNew is the verdict when no account has the email.
func decideNew(org models.Organization, prov models.Provisioning, invite *models.Invite) verdict {
	switch {
	case invite != nil:
		return verdict{link: true, invite: invite, why: "the email is invited to " + org.Name + " as " + invite.Role}
	case prov.JIT:
		return verdict{link: true, why: "accounts are created at the first sign-in"}
	}
	return verdict{refusal: problem(http.StatusForbidden, "no_account", "No access to "+org.Name,
		"You are not a member of "+org.Name+", and accounts are not created at first sign-in.",
		"Ask an administrator of "+org.Name+" to invite you.", nil),
		why: "accounts are not created at first sign-in and the email is not invited"}
}

// decideExisting is the verdict when an account has the email but is not
// linked to this subject.
func (s *Service) decideExisting(ctx context.Context, org models.Organization, prov models.Provisioning, ident connector.Identity, existing models.User, invite *models.Invite) (verdict, error) {
	v := verdict{user: &existing, link: true}
	domain := emailDomain(ident.Email)
	switch {
	case existing.PlatformAdmin:
		v.refusal, v.why = accountExists(org, ident.Email), "it is a platform admin's account, which links only by the link step"
		return v, nil
	case existing.Disabled:
		v.refusal, v.why = disabledProblem(org), "the account is disabled"
		return v, nil
	case invite != nil:
		v.invite, v.why = invite, "the email is invited to "+org.Name+" as "+invite.Role
		return v, nil
	case !prov.LinkByVerifiedEmail:
		v.refusal, v.why = accountExists(org, ident.Email), "linking by verified email is off for this connection"
		return v, nil
	case !ident.EmailVerified:
		v.refusal, v.why = accountExists(org, ident.Email), "the identity provider did not mark the email verified"
		return v, nil
	}
	verified, err := s.store.HasVerifiedDomain(ctx, org.ID, domain)
	if err != nil {
		return v, err
	}
	if verified {
		v.why = domain + " is a verified domain of " + org.Name
		return v, nil
	}
	if existing.CreatedByOrgID != nil && *existing.CreatedByOrgID == org.ID {
		others, err := s.store.OtherMemberships(ctx, existing.ID, org.ID)
		if err != nil {
			return v, err
		}
		if others == 0 {
			v.why = "the account was created by " + org.Name + "'s single sign-on and belongs to no other organization"
			return v, nil
		}
	}
	v.refusal, v.why = accountExists(org, ident.Email), domain+" is not a verified domain of "+org.Name
	return v, nil
}

func accountExists(org models.Organization, email string) *Problem {
	return problem(http.StatusForbidden, "account_exists", "Account already exists",
		"An account for "+email+" already exists, and "+org.Name+"'s identity provider cannot sign in to it on its own.",
		"Sign in to your account another way, then open "+org.Name+"'s login page and choose \"Link to my account\".", nil)
}

func disabledProblem(org models.Organization) *Problem {
	return problem(http.StatusForbidden, "disabled", "Account disabled",
		"Your account is disabled.", "Ask an administrator of "+org.Name+".", nil)
}

func emailDomain(email string) string {
	_, d, _ := strings.Cut(strings.ToLower(email), "@")
	return d
}

// maskEmail shows an address as "b…@example.com".
func maskEmail(email string) string {
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" {
		return email
	}
	r := []rune(local)
	return string(r[0]) + "…@" + domain
}

// noteProvisioning explains, in the test preview, what a member login with
// this identity would do: the same decision the login makes. Whether an
// account exists for an email outside the org is not the admin's to learn
// (invariant 10), so for such an email the preview says what happens in
// either case.
func (s *Service) noteProvisioning(ctx context.Context, org models.Organization, conn models.Connection, prov models.Provisioning, ident connector.Identity, m *Mapped) error {
	add := func(n string) { m.Notes = append(m.Notes, n) }
	v, err := s.decide(ctx, org, conn, prov, ident)
	if err != nil {
		return err
	}
	outcome := func(v verdict) string {
		if v.refusal != nil {
			return "would be refused: " + v.why
		}
		if v.user == nil {
			return "would create a new account (" + v.why + ")"
		}
		return "would sign in the existing account (" + v.why + ")"
	}
	member := v.member != nil
	if v.user != nil && !v.linked {
		if _, err := s.store.Membership(ctx, org.ID, v.user.ID); err == nil {
			member = true
		} else if !errors.Is(err, models.ErrNotFound) {
			return err
		}
	}
	switch {
	case v.user != nil && (v.linked || member):
		if v.refusal == nil {
			who := "member"
			if !member {
				who = "account"
			}
			add("A member login " + strings.Replace(outcome(v), "the existing account", "the existing "+who+" "+maskEmail(v.user.Email), 1) + ".")
		} else {
			add("A member login " + outcome(v) + ".")
		}
	case ident.Subject == "" || ident.Email == "":
		add("A member login " + outcome(v) + ".")
	default:
		// No account, or one outside the org, has this email: which of the two
		// is not the admin's to learn, so the preview says what each case
		// does, the second for an ordinary account outside the org.
		var invite *models.Invite
		if inv, err := s.store.PendingInvite(ctx, org.ID, ident.Email); err == nil && ident.EmailVerified {
			invite = &inv
		} else if err != nil && !errors.Is(err, models.ErrNotFound) {
			return err
		}
		ifNone := decideNew(org, prov, invite)
		ifExists, err := s.decideExisting(ctx, org, prov, ident, models.User{Email: ident.Email}, invite)
		if err != nil {
			return err
		}
		if ifNone.refusal == nil && ifExists.refusal == nil {
			add("A member login would sign in the account for " + maskEmail(ident.Email) + ", creating it if there is none (" + ifExists.why + ").")
		} else {
			add("If no account exists for " + maskEmail(ident.Email) + ", a member login " + outcome(ifNone) +
				"; if one exists outside " + org.Name + ", it " + outcome(ifExists) + ". A platform admin's account is never signed in this way.")
		}
		v = ifNone
	}
	if v.refusal == nil && v.user == nil {
		if prov.Consent {
			add("The person would first be asked to consent to what the organization receives; the account is created only if they accept.")
		}
		if prov.Activation && v.invite == nil {
			add("The new member would wait for an administrator to activate them.")
		}
	}
	if len(m.Roles) == 0 && v.invite == nil {
		add("No role would be granted, so this person could not enter the organization.")
	}
	return nil
}

// provision decides whom the login signs in (invariant 9), writes the
// account, link, invite and membership that decision makes (with their
// audit events, in one transaction), and decides the member's profile and
// role update and whether they may enter yet. The update is returned, not
// written: it goes into the transaction that writes the session
// (models.Login.Member), so a returning member's login is one write. A
// member refused after the decision (pending, disabled, no role) has it
// written here, as before the refusal.
func (s *Service) provision(ctx context.Context, org models.Organization, conn models.Connection, prov models.Provisioning, ident connector.Identity, consented bool) (models.User, *models.MemberUpdate, error) {
	mapped, err := MapIdentity(ident, prov)
	if err != nil {
		return models.User{}, nil, err
	}
	v, err := s.decide(ctx, org, conn, prov, ident)
	if err != nil {
		return models.User{}, nil, err
	}
	if v.refusal != nil {
		return models.User{}, nil, v.refusal
	}
	a := models.Admission{Link: v.link, ConnectionID: conn.ID, Subject: ident.Subject, Invite: v.invite, InviteRoles: mapped.Roles}
	if v.user == nil {
		if prov.Consent && !consented {
			return models.User{}, nil, errConsentNeeded
		}
		a.NewUser = &models.User{Email: ident.Email, EmailVerified: ident.EmailVerified, Name: ident.Name,
			GivenName: ident.GivenName, FamilyName: ident.FamilyName, Picture: ident.Picture}
	} else {
		a.UserID = v.user.ID
	}
	have := v.member
	if !v.linked { // a linked user's membership came with it
		if have, err = s.membershipOf(ctx, org.ID, v.user); err != nil {
			return models.User{}, nil, err
		}
	}
	if v.linked && have == nil {
		// A linked account that is not a member (linked by the link step,
		// say) accepts an invite for its own email, as a password sign-in
		// to it would.
		inv, err := s.store.PendingInvite(ctx, org.ID, v.user.Email)
		if err == nil {
			v.invite, a.Invite = &inv, &inv
		} else if !errors.Is(err, models.ErrNotFound) {
			return models.User{}, nil, err
		}
	}
	if v.invite == nil {
		if have == nil {
			if !prov.JIT {
				return models.User{}, nil, problem(http.StatusForbidden, "no_account", "No access to "+org.Name,
					"You are not a member of "+org.Name+", and members are not added at first sign-in.",
					"Ask an administrator of "+org.Name+" to invite you.", nil)
			}
			status := models.StatusActive
			if prov.Activation {
				status = models.StatusPending
			}
			a.Join = &models.Membership{Roles: models.JoinRoles(mapped.Roles), Status: status, Source: models.SourceSSO}
		}
	}
	if !a.Link && a.Invite == nil && a.Join == nil && a.NewUser == nil {
		// Nothing to admit: a linked member's usual login.
		return s.enter(ctx, org, *v.user, *have, prov, ident, mapped.Roles)
	}
	switch {
	case a.NewUser != nil:
		// A new account's membership is the invite's (active) or the join's.
		status := models.StatusActive
		if a.Invite == nil {
			status = a.Join.Status
		}
		a.Events = append(a.Events, models.AuditEvent{Action: "user.provision",
			Details: "connection=" + conn.DisplayName + " status=" + string(status)})
	case a.Link:
		a.Events = append(a.Events, models.AuditEvent{Action: "identity.link",
			Details: "connection=" + conn.DisplayName + " because " + v.why})
	}
	if a.Invite != nil {
		a.Events = append(a.Events, models.AuditEvent{Action: "invite.accept",
			Details: "role=" + a.Invite.Role + " via connection=" + conn.DisplayName})
	}
	user, m, err := s.store.Admit(ctx, org.ID, a)
	if errors.Is(err, models.ErrConflict) || (errors.Is(err, models.ErrNotFound) && a.Invite != nil) {
		// A concurrent first login of the same person wrote first: decide again.
		if v, err = s.decide(ctx, org, conn, prov, ident); err != nil {
			return models.User{}, nil, err
		}
		if v.refusal != nil || !v.linked {
			return models.User{}, nil, Interrupted(err)
		}
		return s.provision(ctx, org, conn, prov, ident, consented)
	}
	if err != nil {
		return models.User{}, nil, err
	}
	return s.enter(ctx, org, user, m, prov, ident, mapped.Roles)
}

// membershipOf returns the user's membership in the org, or nil when they
// have none (or are not created yet).
func (s *Service) membershipOf(ctx context.Context, orgID int64, user *models.User) (*models.Membership, error) {
	if user == nil {
		return nil, nil
	}
	m, err := s.store.Membership(ctx, orgID, user.ID)
	if errors.Is(err, models.ErrNotFound) {
		return nil, nil
	}
	return &m, err
}

// enter decides the member's refreshed profile and synced roles (nil: no
// change) and lets them in if their membership is active and grants a
// role. A refused member's update is written here; an admitted one's is
// returned for the session's transaction.
func (s *Service) enter(ctx context.Context, org models.Organization, user models.User, m models.Membership, prov models.Provisioning, ident connector.Identity, mapped []string) (models.User, *models.MemberUpdate, error) {
	up := models.MemberUpdate{OrgID: org.ID, UserID: user.ID}
	profile := models.User{Name: ident.Name, GivenName: ident.GivenName, FamilyName: ident.FamilyName, Picture: ident.Picture,
		EmailVerified: user.EmailVerified || (ident.EmailVerified && ident.Email == user.Email)}
	if profile.Name != user.Name || profile.GivenName != user.GivenName || profile.FamilyName != user.FamilyName ||
		profile.Picture != user.Picture || profile.EmailVerified != user.EmailVerified {
		up.Profile = &profile
		user.Name, user.GivenName, user.FamilyName, user.Picture, user.EmailVerified =
			profile.Name, profile.GivenName, profile.FamilyName, profile.Picture, profile.EmailVerified
	}
	have := m.RoleList()
	roles, err := syncedRoles(have, prov, mapped)
	if err != nil {
		return user, nil, err
	}
	if !slices.Equal(roles, have) {
		up.SetRoles, up.Roles = true, roles
		up.Events = append(up.Events, models.AuditEvent{OrgID: &org.ID, ActorID: &user.ID, ActorEmail: user.Email, Action: "member.roles_synced",
			Target: user.Email, Details: rolesChange(have, roles)})
	}
	var refusal *Problem
	switch {
	case m.Status == models.StatusPending:
		refusal = problem(http.StatusForbidden, "pending", "Waiting for approval",
			"Your membership of "+org.Name+" is waiting for an administrator to approve it.", "You can close this page; sign in again once you are approved.", nil)
	case m.Status == models.StatusDisabled:
		refusal = problem(http.StatusForbidden, "disabled", "Access disabled",
			"Your access to "+org.Name+" is disabled.", "Ask an administrator of "+org.Name+".", nil)
	case len(roles) == 0:
		refusal = problem(http.StatusForbidden, "no_role", "No access to "+org.Name,
			"You signed in, but your account has no role in "+org.Name+".", "Ask an administrator of "+org.Name+" to give you access (for example, by adding you to a mapped group).", nil)
	}
	if refusal != nil {
		// No session follows: what the IdP said is written now, as it was
		// before the refusal.
		if err := s.store.UpdateMember(ctx, up); err != nil {
			return user, nil, err
		}
		return user, nil, refusal
	}
	if up.Profile == nil && !up.SetRoles {
		return user, nil, nil
	}
	return user, &up, nil
}

// syncedRoles are the member's roles after applying the mapped ones. With
// SyncRoles, the roles the connection's mappings can grant become exactly
// the mapped ones (a revoked group loses its role), and roles no mapping
// grants (an invite's, an admin's) stay; without it, mapped roles are only
// added.
func syncedRoles(have []string, prov models.Provisioning, mapped []string) ([]string, error) {
	want := slices.Clone(mapped)
	managed := []string{}
	if prov.SyncRoles {
		mappings, err := connector.ParseGroupMappings(prov.GroupMappings)
		if err != nil {
			return nil, err
		}
		managed = connector.ManagedRoles(mappings, prov.DefaultRole)
	}
	for _, r := range have {
		if !slices.Contains(managed, r) {
			want = append(want, r)
		}
	}
	return models.SplitRoles(models.JoinRoles(want)), nil
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
	res, rerr := s.recordTest(ctx, org, conn, &userID, "", connector.Identity{}, err)
	return res.TestRun, rerr
}
