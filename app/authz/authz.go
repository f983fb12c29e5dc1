// Package authz owns authorization: a Casbin enforcer over the embedded
// model and policy (policies/: what each role may do, the same in every
// org). A person's standing in an org (their membership's roles, their
// platform role) is read from models through a bounded LRU cache that drops
// a (user, org) when this instance changes it, and when the access change
// log shows another instance did; casbin's role(sub, role, dom) answers for
// that standing, and its decision is kept per standing, so a check costs
// the same with any number of orgs. It answers Can(user, org, object,
// action). Handlers never call it: the web middleware does, from the
// permission declared on each route.
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
	"sync"
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
	// exactDom is set when a policy rule names a domain other than "*":
	// decisions then depend on the very domain, not only its kind.
	exactDom bool

	mu        sync.RWMutex
	decisions map[decisionKey]bool
}

// decisionKey is everything a decision depends on once the person's
// standing is known: casbin's answer for the same key never changes, as
// the policy is fixed when the enforcer is built.
type decisionKey struct {
	platform bool   // holds platform_admin (and is not disabled)
	roles    string // the roles the active membership grants, comma-separated
	dom      string // "*", orgDom, or the very domain when exactDom
	obj, act string
}

// orgDom stands for any org domain in a decisionKey.
const orgDom = "o:"

// decisionsMax bounds the decisions kept; keys come from the routes'
// declared permissions and the few role sets, so it is never reached in
// practice.
const decisionsMax = 10_000

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
	return newEnforcer(access, log, CacheSize)
}

func newEnforcer(access AccessReader, log *slog.Logger, cacheSize int) (*Enforcer, error) {
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
	a := &Enforcer{e: e, roles: newRoleCache(access, cacheSize), decisions: map[decisionKey]bool{}}
	for _, r := range rules {
		a.exactDom = a.exactDom || r[1] != Platform
	}
	// A function, not casbin's g(): casbin memoizes g()'s answers inside
	// the matcher it compiles once, so they would never see a change. The
	// subject it is asked about is a standing (standingSubject), already
	// read from the membership of the domain asked about.
	e.AddFunction("role", func(args ...any) (any, error) {
		if len(args) != 3 {
			return false, fmt.Errorf("authz: role() takes 3 arguments, got %d", len(args))
		}
		sub, _ := args[0].(string)
		role, _ := args[1].(string)
		dom, _ := args[2].(string)
		return standingHas(sub, role, dom), nil
	})
	a.watcher, err = newRevisionWatcher(access, PollInterval, log, a.roles)
	if err != nil {
		return nil, fmt.Errorf("authz watcher: %w", err)
	}
	return a, nil
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
	return a.can(userID, dom, obj, act, true)
}

// CanAsMember is Can with the user's org roles only, never the platform
// admin role: for a session that an org's IdP opened, which vouches for the
// person in that org and nowhere else.
func (a *Enforcer) CanAsMember(userID int64, dom, obj, act string) (bool, error) {
	return a.can(userID, dom, obj, act, false)
}

// can reads the person's standing in dom (one cached read: their roles
// there and their platform role), then asks casbin what that standing may
// do, remembering casbin's answer per standing, not per person: a check is
// two map lookups whatever the number of orgs and people.
func (a *Enforcer) can(userID int64, dom, obj, act string, platformRole bool) (bool, error) {
	orgID, _ := parseID(dom, "o:")
	acc, err := a.roles.get(userID, orgID)
	if err != nil {
		return false, err
	}
	k := decisionKey{platform: platformRole && acc.PlatformAdmin && !acc.Disabled, dom: dom, obj: obj, act: act}
	if orgID != 0 {
		k.roles = strings.Join(acc.Roles, ",")
	}
	return a.decide(k)
}

// decide asks casbin what the standing k may do, remembering the answer.
func (a *Enforcer) decide(k decisionKey) (bool, error) {
	if !a.exactDom && k.dom != Platform {
		k.dom = orgDom
	}
	a.mu.RLock()
	ok, known := a.decisions[k]
	a.mu.RUnlock()
	if known {
		return ok, nil
	}
	ok, err := a.e.Enforce(k.subject(), k.dom, k.obj, k.act)
	if err != nil {
		return false, err
	}
	a.mu.Lock()
	if len(a.decisions) >= decisionsMax {
		a.decisions = map[decisionKey]bool{}
	}
	a.decisions[k] = ok
	a.mu.Unlock()
	return ok, nil
}

// subject is the standing as the subject casbin's role() reads:
// "s:<1 if platform admin, else 0>:<org roles>".
func (k decisionKey) subject() string {
	p := "0"
	if k.platform {
		p = "1"
	}
	return "s:" + p + ":" + k.roles
}

// standingHas answers the model's role(sub, role, dom) for a standing
// subject: it holds platform_admin in "*" when its platform flag is set,
// and in any other domain (the one whose membership it was read from) the
// org roles it lists. Anything else holds nothing.
func standingHas(sub, role, dom string) bool {
	rest, ok := strings.CutPrefix(sub, "s:")
	if !ok || len(rest) < 2 || rest[1] != ':' {
		return false
	}
	if dom == Platform {
		return role == RolePlatformAdmin && rest[0] == '1'
	}
	roles := rest[2:]
	return roles != "" && slices.Contains(strings.Split(roles, ","), role)
}

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
// the change log under the revision it bumped.
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
