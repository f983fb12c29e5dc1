package authz_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"testing"

	"github.com/orgsso/orgsso/app/authz"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/models/testdb"
)

// world is a database with orgs A and B, their people, and an enforcer
// wired to the store as the app wires it.
type world struct {
	store                                     *models.Store
	az                                        *authz.Enforcer
	orgA, orgB                                int64
	adminA, userA, adminB, platform, stranger int64
}

func newWorld(t *testing.T) *world {
	t.Helper()
	db := testdb.Open(t, testdb.New(t))
	store := models.NewStore(db)
	az, err := authz.New(store, slog.New(slog.DiscardHandler))
	must(t, err)
	t.Cleanup(az.Close)
	store.OnAccessChange(az.Changed)
	w := &world{store: store, az: az}
	ctx := context.Background()
	org := func(slug string) int64 {
		o, err := store.CreateOrganization(ctx, slug, slug)
		must(t, err)
		return o.ID
	}
	user := func(email string) int64 {
		u, err := store.CreateUser(ctx, models.User{Email: email})
		must(t, err)
		return u.ID
	}
	w.orgA, w.orgB = org("a"), org("b")
	w.adminA, w.userA, w.adminB = user("admin-a@x.test"), user("user-a@x.test"), user("admin-b@x.test")
	w.platform, w.stranger = user("root@x.test"), user("stranger@x.test")
	must(t, store.PutMember(ctx, w.orgA, w.adminA, []string{authz.RoleAdmin}))
	must(t, store.PutMember(ctx, w.orgA, w.userA, []string{authz.RoleUser}))
	must(t, store.PutMember(ctx, w.orgB, w.adminB, []string{authz.RoleAdmin}))
	must(t, store.SetPlatformAdmin(ctx, w.platform, true))
	return w
}

func TestCan(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	A, B, P := authz.Domain(w.orgA), authz.Domain(w.orgB), authz.Platform
	tests := []struct {
		user          int64
		dom, obj, act string
		want          bool
	}{
		// An org admin manages its org, and nothing of another org or the platform.
		{w.adminA, A, "org", "read", true},
		{w.adminA, A, "members", "read", true},
		{w.adminA, A, "members", "write", true},
		{w.adminA, A, "connections", "write", true},
		{w.adminA, A, "sso", "write", true},
		{w.adminA, A, "audit", "read", true},
		{w.adminA, A, "orgs", "write", false},
		{w.adminA, A, "settings", "write", false},
		{w.adminA, B, "org", "read", false},
		{w.adminA, B, "members", "read", false},
		{w.adminA, B, "members", "write", false},
		{w.adminA, B, "audit", "read", false},
		{w.adminA, P, "orgs", "read", false},
		{w.adminA, P, "settings", "write", false},
		{w.adminA, P, "members", "write", false},
		// A user reads its org's start page, nothing more.
		{w.userA, A, "org", "read", true},
		{w.userA, A, "members", "read", false},
		{w.userA, A, "members", "write", false},
		{w.userA, A, "connections", "read", false},
		{w.userA, A, "audit", "read", false},
		{w.userA, B, "org", "read", false},
		{w.userA, P, "orgs", "read", false},
		// The platform admin may do everything, everywhere.
		{w.platform, A, "members", "write", true},
		{w.platform, B, "audit", "read", true},
		{w.platform, B, "connections", "write", true},
		{w.platform, P, "orgs", "write", true},
		{w.platform, P, "settings", "write", true},
		{w.platform, authz.Domain(99), "org", "read", true},
		// Someone with no membership may do nothing; nor may an unknown id.
		{w.stranger, A, "org", "read", false},
		{w.stranger, P, "orgs", "read", false},
		{12345, A, "org", "read", false},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("u%d %s %s %s", tc.user, tc.dom, tc.obj, tc.act), func(t *testing.T) {
			got, err := w.az.Can(tc.user, tc.dom, tc.obj, tc.act)
			must(t, err)
			if got != tc.want {
				t.Errorf("Can = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestStandingIsPerOrgAndSeenAtOnce: roles and status come from the
// membership of that org only, and a change is enforced on the next check.
func TestStandingIsPerOrgAndSeenAtOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	A, B := authz.Domain(w.orgA), authz.Domain(w.orgB)
	can := func(user int64, dom string) bool {
		t.Helper()
		ok, err := w.az.Can(user, dom, "members", "write")
		must(t, err)
		return ok
	}
	must(t, w.store.PutMember(ctx, w.orgB, w.userA, []string{authz.RoleAdmin}))
	if !can(w.userA, B) || can(w.userA, A) {
		t.Fatal("userA should be admin in B and user in A")
	}
	// Roles change at once.
	must(t, w.store.SetMemberRoles(ctx, w.orgA, w.userA, []string{authz.RoleAdmin, authz.RoleUser}))
	if got, _ := w.az.Roles(w.userA, w.orgA); !slices.Equal(got, []string{"admin", "user"}) {
		t.Fatalf("roles in A = %v", got)
	}
	// Pending and disabled memberships grant nothing, in that org only.
	for _, st := range []models.MemberStatus{models.StatusPending, models.StatusDisabled} {
		must(t, w.store.SetMemberStatus(ctx, w.orgA, w.userA, st))
		if can(w.userA, A) {
			t.Errorf("a %s membership in A still grants admin", st)
		}
		if ok, _ := w.az.Can(w.userA, A, "org", "read"); ok {
			t.Errorf("a %s membership in A still opens A", st)
		}
		if !can(w.userA, B) {
			t.Errorf("a %s membership in A changed B", st)
		}
	}
	must(t, w.store.SetMemberStatus(ctx, w.orgA, w.userA, models.StatusActive))
	if !can(w.userA, A) {
		t.Error("re-activated membership grants nothing")
	}
	must(t, w.store.RemoveMember(ctx, w.orgA, w.userA))
	if ok, _ := w.az.Can(w.userA, A, "org", "read"); ok {
		t.Error("a removed member still opens A")
	}
	// A platform-wide disable shuts everything, the platform admin too.
	must(t, w.store.SetUserDisabled(ctx, w.userA, true))
	if can(w.userA, B) {
		t.Error("a disabled account keeps its org roles")
	}
	must(t, w.store.SetUserDisabled(ctx, w.platform, true))
	if w.az.IsPlatformAdmin(w.platform) || can(w.platform, A) {
		t.Error("a disabled platform admin keeps the platform role")
	}
	must(t, w.store.SetUserDisabled(ctx, w.platform, false))
	must(t, w.store.SetPlatformAdmin(ctx, w.platform, false))
	if w.az.IsPlatformAdmin(w.platform) {
		t.Error("the platform role was not revoked")
	}
}

// TestCasbinHoldsNoAssignments: the policy is the embedded one, and no
// role assignment lives in casbin (there is no table for it).
func TestCasbinHoldsNoAssignments(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	var n int64
	err := w.store.DB().Write.Raw("SELECT COUNT(*) FROM casbin_rule").Scan(&n).Error
	if err == nil {
		t.Fatalf("casbin_rule still exists (%d rows)", n)
	}
}

// failingAccess is a database that cannot be read.
type failingAccess struct{}

var errDown = errors.New("database down")

func (failingAccess) OrgAccess(context.Context, int64, int64) (models.Access, error) {
	return models.Access{}, errDown
}
func (failingAccess) AuthzRevision(context.Context) (int64, error) { return 0, nil }

// TestCanFailsOnReadErrors: a database error is an error, not "no role".
func TestCanFailsOnReadErrors(t *testing.T) {
	t.Parallel()
	az, err := authz.New(failingAccess{}, slog.New(slog.DiscardHandler))
	must(t, err)
	t.Cleanup(az.Close)
	if _, err := az.Can(1, authz.Domain(1), "org", "read"); !errors.Is(err, errDown) {
		t.Errorf("Can err = %v, want the database error", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
