// Package authz owns authorization: a Casbin enforcer over the embedded
// model and policy (policies/: what each role may do, the same in every
// org), whose role(sub, role, dom) learns a person's roles in an org from
// their membership (models), read through a bounded cache that is told of
// every change on this instance and cleared when another instance changes
// access. It answers Can(user, org, object, action). Handlers never call it:
// the web middleware does, from the permission declared on each route.
package authz

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"

	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/policies"
)

// Roles.
const (
	RoleAdmin         = "admin"          // manages one org
	RoleUser          = "user"           // an ordinary member of one org
	RolePlatformAdmin = "platform_admin" // manages every org and the platform
)

// Platform is the domain of platform-wide objects (organizations, settings).
const Platform = "*"

// ErrForbidden means the subject may not do what it asked.
var ErrForbidden = errors.New("forbidden")

// OrgRoles are the roles an org admin may hand out.
var OrgRoles = []string{RoleAdmin, RoleUser}

// ValidOrgRole reports whether r is a role of an org.
func ValidOrgRole(r string) bool { return slices.Contains(OrgRoles, r) }

// AccessReader is what the enforcer reads of the database: a person's
// standing on the platform and in one org, and the revision that every
// change of access bumps (*models.Store).
type AccessReader interface {
	OrgAccess(ctx context.Context, userID, orgID int64) (models.Access, error)
	AuthzRevision(ctx context.Context) (int64, error)
}

// Enforcer decides who may do what.
type Enforcer struct {
	e       *casbin.SyncedEnforcer
	roles   *roleCache
	watcher *revisionWatcher
}

// PollInterval is how often an instance looks for access changes made by
// other instances.
const PollInterval = 200 * time.Millisecond

// CacheSize bounds how many (user, org) standings an instance keeps.
const CacheSize = 100_000

// Subject names a user in Casbin.
func Subject(userID int64) string { return "u:" + strconv.FormatInt(userID, 10) }

// Domain names an org in Casbin.
func Domain(orgID int64) string { return "o:" + strconv.FormatInt(orgID, 10) }

// New builds the enforcer: the policy comes from policies/, roles from
// memberships through access.
func New(access AccessReader, log *slog.Logger) (*Enforcer, error) {
	m, err := model.NewModelFromString(policies.Model)
	if err != nil {
		return nil, fmt.Errorf("casbin model: %w", err)
	}
	e, err := casbin.NewSyncedEnforcer(m)
	if err != nil {
		return nil, fmt.Errorf("casbin enforcer: %w", err)
	}
	rules, err := policyRules()
	if err != nil {
		return nil, err
	}
	if _, err := e.AddPolicies(rules); err != nil {
		return nil, err
	}
	rc := newRoleCache(access, CacheSize)
	// A function, not casbin's g(): casbin memoizes g()'s answers inside
	// the matcher it compiles once, so they would never see a change.
	roles := &membershipRoles{cache: rc}
	e.AddFunction("role", func(args ...any) (any, error) {
		if len(args) != 3 {
			return false, fmt.Errorf("authz: role() takes 3 arguments, got %d", len(args))
		}
		sub, _ := args[0].(string)
		role, _ := args[1].(string)
		dom, _ := args[2].(string)
		return roles.has(sub, role, dom), nil
	})
	w, err := newRevisionWatcher(access, PollInterval, log, rc.clear)
	if err != nil {
		return nil, fmt.Errorf("authz watcher: %w", err)
	}
	return &Enforcer{e: e, roles: rc, watcher: w}, nil
}

// Close stops watching for other instances' changes.
func (a *Enforcer) Close() { a.watcher.Close() }

// policyRules reads policies/policy.csv: only p lines of four fields.
func policyRules() ([][]string, error) {
	r := csv.NewReader(strings.NewReader(policies.Policy))
	r.Comment = '#'
	r.TrimLeadingSpace = true
	r.FieldsPerRecord = -1
	records, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("policy.csv: %w", err)
	}
	var rules [][]string
	for _, rec := range records {
		if len(rec) != 5 || rec[0] != "p" {
			return nil, fmt.Errorf("policy.csv: want only p lines of 4 fields, got %v", rec)
		}
		rules = append(rules, rec[1:])
	}
	return rules, nil
}

// Can reports whether user may do act on obj in the domain dom (Domain(orgID)
// or Platform).
func (a *Enforcer) Can(userID int64, dom, obj, act string) (bool, error) {
	// Read the standing first, so that a database error is an error here:
	// casbin's role lookups can only answer yes or no.
	orgID, _ := parseID(dom, "o:")
	if _, err := a.roles.get(userID, orgID); err != nil {
		return false, err
	}
	return a.e.Enforce(Subject(userID), dom, obj, act)
}

// CanAsMember is Can with the user's org roles only, never the platform
// admin role: for a session that an org's IdP opened, which vouches for the
// person in that org and nowhere else.
func (a *Enforcer) CanAsMember(userID int64, dom, obj, act string) (bool, error) {
	orgID, _ := parseID(dom, "o:")
	if _, err := a.roles.get(userID, orgID); err != nil {
		return false, err
	}
	return a.e.Enforce(memberSubject(userID), dom, obj, act)
}

// memberSubject names a user acting with their org roles only.
func memberSubject(userID int64) string { return "m:" + strconv.FormatInt(userID, 10) }

// Roles returns the roles the user holds in the org now (an active
// membership's), sorted.
func (a *Enforcer) Roles(userID, orgID int64) ([]string, error) {
	acc, err := a.roles.get(userID, orgID)
	return slices.Clone(acc.Roles), err
}

// IsPlatformAdmin reports whether the user is a platform admin (and not
// disabled).
func (a *Enforcer) IsPlatformAdmin(userID int64) bool {
	acc, err := a.roles.get(userID, 0)
	return err == nil && acc.PlatformAdmin && !acc.Disabled
}

// Changed forgets what this instance cached of a change of access the Store
// committed (models.Store.OnAccessChange); other instances learn of it from
// the revision it bumped.
func (a *Enforcer) Changed(ch models.AccessChange) {
	a.roles.forget(ch.UserID, ch.OrgID)
	a.watcher.seen(ch.Revision)
}

func parseID(s, prefix string) (int64, bool) {
	id, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(id, 10, 64)
	return n, err == nil
}
