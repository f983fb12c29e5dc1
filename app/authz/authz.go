// Package authz owns authorization: a Casbin enforcer over the embedded
// model and policy (policies/), with role assignments stored in Casbin's
// table in the app's database. It answers Can(user, org, object, action) and
// is the only place roles are read or written. Handlers never call it: the
// web middleware does, from the permission declared on each route.
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
	gormadapter "github.com/casbin/gorm-adapter/v3"
	"gorm.io/gorm"

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

// Enforcer decides who may do what.
type Enforcer struct {
	e       *casbin.SyncedEnforcer
	watcher *revisionWatcher
	// changes serialises this instance's changes with reloads: casbin's
	// LoadPolicy reads the database, then swaps the model in, so a change
	// made in between would vanish from memory.
	changes sync.Mutex
}

// PollInterval is how often an instance looks for policy changes made by
// other instances.
const PollInterval = 200 * time.Millisecond

// Subject names a user in Casbin.
func Subject(userID int64) string { return "u:" + strconv.FormatInt(userID, 10) }

// Domain names an org in Casbin.
func Domain(orgID int64) string { return "o:" + strconv.FormatInt(orgID, 10) }

// New builds the enforcer over db (the writer pool; migrations have created
// casbin_rule) and makes the stored policy lines equal to the embedded
// default policy; role assignments are kept.
func New(db *gorm.DB, log *slog.Logger) (*Enforcer, error) {
	db = db.Session(&gorm.Session{})
	gormadapter.TurnOffAutoMigrate(db)
	adapter, err := gormadapter.NewAdapterByDB(db)
	if err != nil {
		return nil, fmt.Errorf("casbin adapter: %w", err)
	}
	m, err := model.NewModelFromString(policies.Model)
	if err != nil {
		return nil, fmt.Errorf("casbin model: %w", err)
	}
	e, err := casbin.NewSyncedEnforcer(m, adapter)
	if err != nil {
		return nil, fmt.Errorf("casbin enforcer: %w", err)
	}
	w, err := newRevisionWatcher(db, PollInterval, log)
	if err != nil {
		return nil, fmt.Errorf("casbin watcher: %w", err)
	}
	a := &Enforcer{e: e, watcher: w}
	if err := e.SetWatcher(w); err != nil {
		w.Close()
		return nil, err
	}
	// casbin's default callback reloads without the synced enforcer's lock.
	_ = w.SetUpdateCallback(func(string) {
		if err := a.Reload(); err != nil {
			log.Error("authz: reload policy", "err", err)
		}
	})
	if err := a.syncDefaultPolicy(); err != nil {
		w.Close()
		return nil, err
	}
	return a, nil
}

// Close stops watching for other instances' changes.
func (a *Enforcer) Close() { a.watcher.Close() }

func (a *Enforcer) syncDefaultPolicy() error {
	a.changes.Lock()
	defer a.changes.Unlock()
	r := csv.NewReader(strings.NewReader(policies.Policy))
	r.Comment = '#'
	r.TrimLeadingSpace = true
	r.FieldsPerRecord = -1
	records, err := r.ReadAll()
	if err != nil {
		return fmt.Errorf("policy.csv: %w", err)
	}
	var want [][]string
	for _, rec := range records {
		if len(rec) != 5 || rec[0] != "p" {
			return fmt.Errorf("policy.csv: want only p lines of 4 fields, got %v", rec)
		}
		want = append(want, rec[1:])
	}
	have, err := a.e.GetPolicy()
	if err != nil {
		return err
	}
	var add, remove [][]string
	for _, p := range want {
		if !containsRule(have, p) {
			add = append(add, p)
		}
	}
	for _, p := range have {
		if !containsRule(want, p) {
			remove = append(remove, p)
		}
	}
	if len(remove) > 0 {
		if _, err := a.e.RemovePolicies(remove); err != nil {
			return err
		}
	}
	if len(add) > 0 {
		if _, err := a.e.AddPolicies(add); err != nil {
			return err
		}
	}
	return nil
}

func containsRule(rules [][]string, r []string) bool {
	return slices.ContainsFunc(rules, func(x []string) bool { return slices.Equal(x, r) })
}

// Can reports whether user may do act on obj in the domain dom (Domain(orgID)
// or Platform).
func (a *Enforcer) Can(userID int64, dom, obj, act string) (bool, error) {
	return a.e.Enforce(Subject(userID), dom, obj, act)
}

// Reload reads every rule from the database again (after another instance
// changed them).
func (a *Enforcer) Reload() error {
	a.changes.Lock()
	defer a.changes.Unlock()
	return a.e.LoadPolicy()
}

// IsPlatformAdmin reports whether the user is a platform admin.
func (a *Enforcer) IsPlatformAdmin(userID int64) bool {
	ok, _ := a.e.HasGroupingPolicy(Subject(userID), RolePlatformAdmin, Platform)
	return ok
}

// SetPlatformAdmin grants or revokes the platform admin role.
func (a *Enforcer) SetPlatformAdmin(_ context.Context, userID int64, on bool) error {
	a.changes.Lock()
	defer a.changes.Unlock()
	var err error
	if on {
		_, err = a.e.AddGroupingPolicy(Subject(userID), RolePlatformAdmin, Platform)
	} else {
		_, err = a.e.RemoveGroupingPolicy(Subject(userID), RolePlatformAdmin, Platform)
	}
	return err
}

// PlatformAdmins lists the ids of platform admins.
func (a *Enforcer) PlatformAdmins() ([]int64, error) {
	rules, err := a.e.GetFilteredGroupingPolicy(1, RolePlatformAdmin, Platform)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, r := range rules {
		if id, ok := parseSubject(r[0]); ok {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// Roles returns the user's roles in an org, sorted.
func (a *Enforcer) Roles(userID, orgID int64) ([]string, error) {
	rules, err := a.e.GetFilteredGroupingPolicy(0, Subject(userID), "", Domain(orgID))
	if err != nil {
		return nil, err
	}
	var roles []string
	for _, r := range rules {
		roles = append(roles, r[1])
	}
	slices.Sort(roles)
	return roles, nil
}

// SetRoles makes the user's roles in the org exactly roles (none removes the
// user from the org).
func (a *Enforcer) SetRoles(_ context.Context, userID, orgID int64, roles []string) error {
	for _, r := range roles {
		if !ValidOrgRole(r) {
			return fmt.Errorf("authz: %q is not an org role", r)
		}
	}
	a.changes.Lock()
	defer a.changes.Unlock()
	sub, dom := Subject(userID), Domain(orgID)
	have, err := a.Roles(userID, orgID)
	if err != nil {
		return err
	}
	var add, remove [][]string
	for _, r := range roles {
		if !slices.Contains(have, r) && !containsRule(add, []string{sub, r, dom}) {
			add = append(add, []string{sub, r, dom})
		}
	}
	for _, r := range have {
		if !slices.Contains(roles, r) {
			remove = append(remove, []string{sub, r, dom})
		}
	}
	if len(remove) > 0 {
		if _, err := a.e.RemoveGroupingPolicies(remove); err != nil {
			return err
		}
	}
	if len(add) > 0 {
		if _, err := a.e.AddGroupingPolicies(add); err != nil {
			return err
		}
	}
	return nil
}

// Members returns every user with a role in the org and their roles.
func (a *Enforcer) Members(orgID int64) (map[int64][]string, error) {
	rules, err := a.e.GetFilteredGroupingPolicy(2, Domain(orgID))
	if err != nil {
		return nil, err
	}
	out := map[int64][]string{}
	for _, r := range rules {
		if id, ok := parseSubject(r[0]); ok {
			out[id] = append(out[id], r[1])
		}
	}
	for _, roles := range out {
		slices.Sort(roles)
	}
	return out, nil
}

// Orgs returns the orgs the user has a role in and the roles.
func (a *Enforcer) Orgs(userID int64) (map[int64][]string, error) {
	rules, err := a.e.GetFilteredGroupingPolicy(0, Subject(userID))
	if err != nil {
		return nil, err
	}
	out := map[int64][]string{}
	for _, r := range rules {
		id, ok := strings.CutPrefix(r[2], "o:")
		if !ok {
			continue
		}
		if n, err := strconv.ParseInt(id, 10, 64); err == nil {
			out[n] = append(out[n], r[1])
		}
	}
	for _, roles := range out {
		slices.Sort(roles)
	}
	return out, nil
}

// RemoveOrg forgets every role in an org (the org is being deleted).
func (a *Enforcer) RemoveOrg(_ context.Context, orgID int64) error {
	a.changes.Lock()
	defer a.changes.Unlock()
	_, err := a.e.RemoveFilteredGroupingPolicy(2, Domain(orgID))
	return err
}

func parseSubject(s string) (int64, bool) {
	id, ok := strings.CutPrefix(s, "u:")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(id, 10, 64)
	return n, err == nil
}
