package authz_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"

	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/models/testdb"
)

func newDB(t *testing.T) *models.DB {
	t.Helper()
	return testdb.Open(t, testdb.New(t))
}

func newEnforcer(t *testing.T, db *models.DB) *authz.Enforcer {
	t.Helper()
	az, err := authz.New(db.Write, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("authz.New: %v", err)
	}
	return az
}

// Users and orgs of the tests; ids need no rows: the enforcer stores names.
const (
	orgA, orgB                                int64 = 1, 2
	adminA, userA, adminB, platform, stranger int64 = 10, 11, 12, 13, 14
)

func TestCan(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	az := newEnforcer(t, db)
	ctx := context.Background()
	must(t, az.SetRoles(ctx, adminA, orgA, []string{authz.RoleAdmin}))
	must(t, az.SetRoles(ctx, userA, orgA, []string{authz.RoleUser}))
	must(t, az.SetRoles(ctx, adminB, orgB, []string{authz.RoleAdmin}))
	must(t, az.SetPlatformAdmin(ctx, platform, true))

	A, B, P := authz.Domain(orgA), authz.Domain(orgB), authz.Platform
	tests := []struct {
		user          int64
		dom, obj, act string
		want          bool
	}{
		// An org admin manages its org, and nothing of another org or the platform.
		{adminA, A, "org", "read", true},
		{adminA, A, "members", "read", true},
		{adminA, A, "members", "write", true},
		{adminA, A, "connections", "write", true},
		{adminA, A, "sso", "write", true},
		{adminA, A, "audit", "read", true},
		{adminA, A, "orgs", "write", false},
		{adminA, A, "settings", "write", false},
		{adminA, B, "org", "read", false},
		{adminA, B, "members", "read", false},
		{adminA, B, "members", "write", false},
		{adminA, B, "audit", "read", false},
		{adminA, P, "orgs", "read", false},
		{adminA, P, "settings", "write", false},
		{adminA, P, "members", "write", false},
		// A user reads its org's start page, nothing more.
		{userA, A, "org", "read", true},
		{userA, A, "members", "read", false},
		{userA, A, "members", "write", false},
		{userA, A, "connections", "read", false},
		{userA, A, "audit", "read", false},
		{userA, B, "org", "read", false},
		{userA, P, "orgs", "read", false},
		// The platform admin may do everything, everywhere.
		{platform, A, "members", "write", true},
		{platform, B, "audit", "read", true},
		{platform, B, "connections", "write", true},
		{platform, P, "orgs", "write", true},
		{platform, P, "settings", "write", true},
		{platform, authz.Domain(99), "org", "read", true},
		// Someone with no role may do nothing.
		{stranger, A, "org", "read", false},
		{stranger, P, "orgs", "read", false},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("u%d %s %s %s", tc.user, tc.dom, tc.obj, tc.act), func(t *testing.T) {
			got, err := az.Can(tc.user, tc.dom, tc.obj, tc.act)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Can = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSetRolesReplaces(t *testing.T) {
	t.Parallel()
	az := newEnforcer(t, newDB(t))
	ctx := context.Background()
	steps := []struct {
		roles []string
		want  []string
	}{
		{[]string{"user"}, []string{"user"}},
		{[]string{"admin"}, []string{"admin"}},
		{[]string{"user", "admin", "user"}, []string{"admin", "user"}},
		{[]string{"user"}, []string{"user"}},
		{nil, nil},
	}
	for i, st := range steps {
		must(t, az.SetRoles(ctx, userA, orgA, st.roles))
		got, err := az.Roles(userA, orgA)
		must(t, err)
		if !slices.Equal(got, st.want) {
			t.Fatalf("step %d: SetRoles(%v) left %v, want %v", i, st.roles, got, st.want)
		}
	}
	must(t, az.SetRoles(ctx, userA, orgB, []string{"admin"}))
	must(t, az.SetRoles(ctx, userA, orgA, []string{"user"}))
	if err := az.SetRoles(ctx, userA, orgA, []string{"platform_admin"}); err == nil {
		t.Error("SetRoles accepted platform_admin as an org role")
	}
	if got, _ := az.Roles(userA, orgA); !slices.Equal(got, []string{"user"}) {
		t.Errorf("a refused SetRoles changed the roles: %v", got)
	}
	if got, _ := az.Roles(userA, orgB); !slices.Equal(got, []string{"admin"}) {
		t.Errorf("SetRoles in org A changed org B: %v", got)
	}
	if az.IsPlatformAdmin(userA) {
		t.Error("an org role made a platform admin")
	}
}

func TestMembersAndOrgs(t *testing.T) {
	t.Parallel()
	az := newEnforcer(t, newDB(t))
	ctx := context.Background()
	must(t, az.SetRoles(ctx, adminA, orgA, []string{"admin"}))
	must(t, az.SetRoles(ctx, userA, orgA, []string{"user", "admin"}))
	must(t, az.SetRoles(ctx, userA, orgB, []string{"user"}))
	must(t, az.SetRoles(ctx, adminB, orgB, []string{"admin"}))
	must(t, az.SetPlatformAdmin(ctx, platform, true))

	members, err := az.Members(orgA)
	must(t, err)
	if want := map[int64][]string{adminA: {"admin"}, userA: {"admin", "user"}}; fmt.Sprint(members) != fmt.Sprint(want) {
		t.Errorf("Members(A) = %v, want %v", members, want)
	}
	orgs, err := az.Orgs(userA)
	must(t, err)
	if want := map[int64][]string{orgA: {"admin", "user"}, orgB: {"user"}}; fmt.Sprint(orgs) != fmt.Sprint(want) {
		t.Errorf("Orgs(userA) = %v, want %v", orgs, want)
	}
	// The platform role is not an org membership.
	if orgs, _ := az.Orgs(platform); len(orgs) != 0 {
		t.Errorf("Orgs(platform admin) = %v, want none", orgs)
	}
	admins, err := az.PlatformAdmins()
	must(t, err)
	if !slices.Equal(admins, []int64{platform}) {
		t.Errorf("PlatformAdmins = %v", admins)
	}

	must(t, az.RemoveOrg(ctx, orgA))
	if m, _ := az.Members(orgA); len(m) != 0 {
		t.Errorf("after RemoveOrg, Members(A) = %v", m)
	}
	if m, _ := az.Members(orgB); len(m) != 2 {
		t.Errorf("RemoveOrg(A) touched B: %v", m)
	}

	must(t, az.SetPlatformAdmin(ctx, platform, false))
	if az.IsPlatformAdmin(platform) {
		t.Error("the platform role was not revoked")
	}
}

// TestDefaultPolicySync: building the enforcer twice on one database gives
// the same rules, without duplicates; rules that drifted from policy.csv
// are put back; role assignments are kept.
func TestDefaultPolicySync(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	ctx := context.Background()
	az := newEnforcer(t, db)
	must(t, az.SetRoles(ctx, adminA, orgA, []string{"admin"}))
	must(t, az.SetPlatformAdmin(ctx, platform, true))
	first := rules(t, db)
	if !slices.Contains(first, "p,admin,*,members,write") || !slices.Contains(first, "p,platform_admin,*,*,*") {
		t.Fatalf("default policy missing: %v", first)
	}

	newEnforcer(t, db)
	if second := rules(t, db); !slices.Equal(first, second) {
		t.Fatalf("second New changed the rules:\n%v\n%v", first, second)
	}

	// Drift: a rule that is not in policy.csv, and a default one deleted.
	must(t, db.Write.Exec(`INSERT INTO casbin_rule (ptype, v0, v1, v2, v3) VALUES ('p', 'user', '*', 'members', 'write')`).Error)
	must(t, db.Write.Exec(`DELETE FROM casbin_rule WHERE ptype = 'p' AND v0 = 'user' AND v2 = 'org'`).Error)
	az3 := newEnforcer(t, db)
	if third := rules(t, db); !slices.Equal(first, third) {
		t.Errorf("New did not restore the default policy:\n%v\nwant\n%v", third, first)
	}
	if ok, _ := az3.Can(userA, authz.Domain(orgA), "members", "write"); ok {
		t.Error("a drifted rule is still enforced")
	}
	if got, _ := az3.Roles(adminA, orgA); !slices.Equal(got, []string{"admin"}) {
		t.Errorf("role assignments lost: %v", got)
	}
	if !az3.IsPlatformAdmin(platform) {
		t.Error("platform admin lost")
	}
}

// TestReload: one instance sees another's role changes after Reload.
func TestReload(t *testing.T) {
	t.Parallel()
	db := newDB(t)
	one, two := newEnforcer(t, db), newEnforcer(t, db)
	must(t, one.SetRoles(context.Background(), userA, orgA, []string{"user"}))
	must(t, two.Reload())
	if got, _ := two.Roles(userA, orgA); !slices.Equal(got, []string{"user"}) {
		t.Errorf("after Reload: %v", got)
	}
}

func rules(t *testing.T, db *models.DB) []string {
	t.Helper()
	var out []string
	err := db.Write.Raw(`SELECT ptype || ',' || v0 || ',' || v1 || ',' || v2 || ',' || v3 FROM casbin_rule ORDER BY 1`).Scan(&out).Error
	must(t, err)
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
