package authz

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"

	"github.com/casbin/casbin/v2"
	"github.com/casbin/casbin/v2/model"

	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/models/testdb"
	"github.com/orgsso/orgsso/policies"
)

// referenceEnforcer is casbin over the same model and policy with role()
// reading the database at every call, as the enforcer did before it kept
// decisions per standing: the meaning the fast path must keep. Its reads
// are kept until forget is called (after each change of the database), so
// that the comparison stays quick.
func referenceEnforcer(t *testing.T, access AccessReader) (check func(userID int64, dom, obj, act string, platformRole bool) bool, forget func()) {
	t.Helper()
	m, err := model.NewModelFromString(policies.Model)
	if err != nil {
		t.Fatal(err)
	}
	e, err := casbin.NewEnforcer(m)
	if err != nil {
		t.Fatal(err)
	}
	rules, err := policyRules()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.AddPolicies(rules); err != nil {
		t.Fatal(err)
	}
	seen := map[[2]int64]models.Access{}
	read := func(userID, orgID int64) models.Access {
		if acc, ok := seen[[2]int64{userID, orgID}]; ok {
			return acc
		}
		acc, err := access.OrgAccess(context.Background(), userID, orgID)
		if err != nil {
			acc = models.Access{}
		}
		seen[[2]int64{userID, orgID}] = acc
		return acc
	}
	e.AddFunction("role", func(args ...any) (any, error) {
		sub, role, dom := args[0].(string), args[1].(string), args[2].(string)
		userID, ok := parseID(sub, "u:")
		if !ok {
			if userID, ok = parseID(sub, "m:"); !ok || dom == Platform {
				return false, nil
			}
		}
		if dom == Platform {
			acc := read(userID, 0)
			return role == RolePlatformAdmin && acc.PlatformAdmin && !acc.Disabled, nil
		}
		orgID, ok := parseID(dom, "o:")
		if !ok {
			return false, nil
		}
		return slices.Contains(read(userID, orgID).Roles, role), nil
	})
	return func(userID int64, dom, obj, act string, platformRole bool) bool {
		sub := "u:" + fmt.Sprint(userID)
		if !platformRole {
			sub = "m:" + fmt.Sprint(userID)
		}
		ok, err := e.Enforce(sub, dom, obj, act)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}, func() { clear(seen) }
}

// TestDecisionsMatchCasbinPerRequest: for every kind of person, domain,
// object and action (and after every kind of change), Can and CanAsMember
// answer what casbin answers when role() reads the database per call.
func TestDecisionsMatchCasbinPerRequest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.Open(t, testdb.New(t))
	store := models.NewStore(db)
	az, err := New(store, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(az.Close)
	store.OnAccessChange(az.Changed)
	ref, forget := referenceEnforcer(t, store)

	org := func(slug string) int64 {
		o, err := store.CreateOrganization(ctx, slug, slug)
		if err != nil {
			t.Fatal(err)
		}
		return o.ID
	}
	user := func(email string) int64 {
		u, err := store.CreateUser(ctx, models.User{Email: email})
		if err != nil {
			t.Fatal(err)
		}
		return u.ID
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	a, b := org("a"), org("b")
	admin, member, both, pending, off, root, rootOff, stranger := user("admin@x"), user("member@x"), user("both@x"),
		user("pending@x"), user("off@x"), user("root@x"), user("root-off@x"), user("stranger@x")
	must(store.PutMember(ctx, a, admin, []string{RoleAdmin}))
	must(store.PutMember(ctx, a, member, []string{RoleUser}))
	must(store.PutMember(ctx, a, both, []string{RoleAdmin, RoleUser}))
	must(store.PutMember(ctx, b, both, []string{RoleUser}))
	must(store.PutMember(ctx, a, pending, []string{RoleAdmin}))
	must(store.SetMemberStatus(ctx, a, pending, models.StatusPending))
	must(store.PutMember(ctx, a, off, []string{RoleAdmin}))
	must(store.SetUserDisabled(ctx, off, true))
	must(store.SetPlatformAdmin(ctx, root, true))
	must(store.SetPlatformAdmin(ctx, rootOff, true))
	must(store.PutMember(ctx, b, rootOff, []string{RoleAdmin}))
	must(store.SetUserDisabled(ctx, rootOff, true))

	users := []int64{admin, member, both, pending, off, root, rootOff, stranger, 99999, 0, -1}
	doms := []string{Domain(a), Domain(b), Domain(12345), Platform, "o:0", "o:x", ""}
	objs := []string{"org", "members", "connections", "sso", "audit", "orgs", "settings", "nothing", "*"}
	acts := []string{"read", "write", "*"}
	compare := func(stage string) {
		t.Helper()
		forget()
		for _, u := range users {
			for _, dom := range doms {
				for _, obj := range objs {
					for _, act := range acts {
						for _, platformRole := range []bool{true, false} {
							want := ref(u, dom, obj, act, platformRole)
							can := az.Can
							if !platformRole {
								can = az.CanAsMember
							}
							got, err := can(u, dom, obj, act)
							if err != nil {
								t.Fatal(err)
							}
							if got != want {
								t.Errorf("%s: user %d %q %s %s platform=%v: got %v, casbin per request says %v", stage, u, dom, obj, act, platformRole, got, want)
							}
						}
					}
				}
			}
		}
	}
	compare("start")
	compare("cached") // the same again, from the caches
	must(store.SetMemberRoles(ctx, a, member, []string{RoleAdmin}))
	must(store.SetMemberStatus(ctx, a, pending, models.StatusActive))
	must(store.SetUserDisabled(ctx, off, false))
	must(store.SetPlatformAdmin(ctx, root, false))
	must(store.RemoveMember(ctx, a, both))
	compare("after changes")
}

func TestRoleCacheIsBoundedLRU(t *testing.T) {
	t.Parallel()
	reads := 0
	c := newRoleCache(fakeAccess(func(u, o int64) models.Access {
		reads++
		return models.Access{Roles: []string{fmt.Sprint(u, "@", o)}}
	}), 3)
	get := func(u, o int64) {
		t.Helper()
		acc, err := c.get(u, o)
		if err != nil || acc.Roles[0] != fmt.Sprint(u, "@", o) {
			t.Fatalf("get(%d, %d) = %v, %v", u, o, acc, err)
		}
	}
	get(1, 1)
	get(1, 2)
	get(2, 1)
	get(1, 1) // (1,2) is now the least recently used
	get(3, 1) // evicts it
	if c.len() != 3 {
		t.Fatalf("len = %d, want the bound 3", c.len())
	}
	reads = 0
	get(1, 1)
	get(2, 1)
	get(3, 1)
	if reads != 0 {
		t.Errorf("recently used entries were read again (%d reads)", reads)
	}
	get(1, 2)
	if reads != 1 {
		t.Errorf("the least recently used entry was kept")
	}
	for i := range int64(1000) {
		get(100+i, i)
	}
	if c.len() != 3 || len(c.byUser) > 3 {
		t.Errorf("len = %d, users indexed = %d after 1000 more, want at most 3", c.len(), len(c.byUser))
	}
}

func TestRoleCacheForgetsOnlyWhatChanged(t *testing.T) {
	t.Parallel()
	reads := map[cacheKey]int{}
	c := newRoleCache(fakeAccess(func(u, o int64) models.Access {
		reads[cacheKey{u, o}]++
		return models.Access{Roles: []string{}}
	}), 100)
	for _, k := range []cacheKey{{1, 1}, {1, 2}, {1, 0}, {2, 1}, {3, 3}} {
		_, _ = c.get(k.user, k.org)
	}
	c.forgetAll([]models.AccessChange{{UserID: 2, OrgID: 1}})
	if c.len() != 4 {
		t.Fatalf("len = %d after forgetting (2, 1), want 4", c.len())
	}
	c.forget(1, 0) // a platform-wide change drops all of user 1's
	if c.len() != 1 {
		t.Fatalf("len = %d after forgetting user 1, want 1 (user 3's)", c.len())
	}
	_, _ = c.get(3, 3)
	if reads[cacheKey{3, 3}] != 1 {
		t.Error("an entry nobody changed was read again")
	}
}

// TestReadRacingAChangeIsNotKept: a read that began before a change of the
// same user and ended after it is served but not cached.
func TestReadRacingAChangeIsNotKept(t *testing.T) {
	t.Parallel()
	var c *roleCache
	calls := 0
	c = newRoleCache(fakeAccess(func(u, o int64) models.Access {
		calls++
		if calls == 1 {
			c.forget(u, o) // the change commits while this read is under way
			return models.Access{Roles: []string{RoleAdmin}}
		}
		return models.Access{Roles: []string{RoleUser}}
	}), 10)
	if acc, _ := c.get(7, 1); acc.Roles[0] != RoleAdmin {
		t.Fatal("first read")
	}
	if acc, _ := c.get(7, 1); acc.Roles[0] != RoleUser {
		t.Errorf("the read that raced the change was cached: %v", acc.Roles)
	}
}

type fakeAccess func(userID, orgID int64) models.Access

func (f fakeAccess) OrgAccess(_ context.Context, userID, orgID int64) (models.Access, error) {
	return f(userID, orgID), nil
}
func (fakeAccess) AuthzRevision(context.Context) (int64, error) { return 0, nil }
