package models_test

// Migration 00005 moves who belongs to which org, with which roles, out of
// casbin's g rows and the global users.status into memberships,
// users.platform_admin and users.disabled. This builds a database at
// version 4 with rows as the old code wrote them, migrates it like the app
// does, and checks every person's standing survived. SQLite always;
// PostgreSQL when ORGSSO_TEST_DB=postgres (make test-postgres).

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/orgsso/orgsso/migrations"
	"github.com/orgsso/orgsso/models"
	"github.com/orgsso/orgsso/models/testdb"
)

// openAtVersion opens a fresh database of this test run's dialect with
// only the migrations up to version applied.
func openAtVersion(t *testing.T, version int64) *models.DB {
	t.Helper()
	db, err := models.Open(testdb.New(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	sqlDB, err := db.Write.DB()
	if err != nil {
		t.Fatal(err)
	}
	p, err := migrations.Provider(db.Dialect, sqlDB)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(context.Background(), version); err != nil {
		t.Fatalf("migrate %s up to %d: %v", db.Dialect, version, err)
	}
	if v, err := p.GetDBVersion(context.Background()); err != nil || v != version {
		t.Fatalf("version = %d, %v; want %d", v, err, version)
	}
	return db
}

func TestMigrationMovesCasbinRolesIntoMemberships(t *testing.T) {
	ctx := context.Background()
	db := openAtVersion(t, 4)
	w := db.Write.WithContext(ctx)
	exec := func(q string, args ...any) {
		t.Helper()
		if err := w.Exec(q, args...).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	created := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	lastLogin := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

	// Schema 4: orgs, users with a global status, and casbin rows.
	orgID := map[string]int64{}
	for _, slug := range []string{"acme", "beta", "empty"} {
		exec("INSERT INTO organizations (slug, name, created_at, updated_at) VALUES (?, ?, ?, ?)", slug, slug, created, created)
		var id int64
		if err := w.Raw("SELECT id FROM organizations WHERE slug = ?", slug).Scan(&id).Error; err != nil || id == 0 {
			t.Fatalf("org %s: %d %v", slug, id, err)
		}
		orgID[slug] = id
	}
	userID := map[string]int64{}
	for _, u := range []struct {
		email, status string
		lastLogin     *time.Time
	}{
		{"alice@acme.test", "active", &lastLogin}, // admin+user of acme, user of beta
		{"pete@acme.test", "pending", nil},        // user of acme, waiting
		{"dora@beta.test", "disabled", nil},       // admin of beta, disabled
		{"root@platform.test", "active", nil},     // platform admin, and admin of acme
		{"solo@nowhere.test", "active", nil},      // no roles anywhere
		{"pat@platform.test", "disabled", nil},    // disabled platform admin of no org
	} {
		exec("INSERT INTO users (email, email_verified, status, created_at, last_login_at) VALUES (?, ?, ?, ?, ?)",
			u.email, true, u.status, created, u.lastLogin)
		var id int64
		if err := w.Raw("SELECT id FROM users WHERE email = ?", u.email).Scan(&id).Error; err != nil || id == 0 {
			t.Fatalf("user %s: %d %v", u.email, id, err)
		}
		userID[u.email] = id
	}
	sub := func(email string) string { return "u:" + itoa(userID[email]) }
	obj := func(slug string) string { return "o:" + itoa(orgID[slug]) }
	casbin := [][4]string{
		// ptype, v0, v1, v2 exactly as the old enforcer stored them; "user"
		// first so that the roles' order is not the rows' order.
		{"g", sub("alice@acme.test"), "user", obj("acme")},
		{"g", sub("alice@acme.test"), "admin", obj("acme")},
		{"g", sub("alice@acme.test"), "user", obj("beta")},
		{"g", sub("pete@acme.test"), "user", obj("acme")},
		{"g", sub("dora@beta.test"), "admin", obj("beta")},
		{"g", sub("root@platform.test"), "platform_admin", "*"},
		{"g", sub("root@platform.test"), "admin", obj("acme")},
		{"g", sub("pat@platform.test"), "platform_admin", "*"},
		// Rows the old code could leave behind: an org or user since
		// deleted. They must not stop the migration nor make members.
		{"g", sub("solo@nowhere.test"), "user", "o:999999"},
		{"g", "u:999999", "admin", obj("acme")},
		// Policy rows (what a role may do) are not memberships.
		{"p", "admin", "connections", "write"},
		{"p", "user", "dashboard", "read"},
	}
	for _, r := range casbin {
		exec("INSERT INTO casbin_rule (ptype, v0, v1, v2) VALUES (?, ?, ?, ?)", r[0], r[1], r[2], r[3])
	}
	// A session through one of acme's connections, and a password session.
	exec(`INSERT INTO connections (public_id, org_id, protocol, display_name, created_at, updated_at) VALUES ('c_old', ?, 'oidc', 'Old', ?, ?)`,
		orgID["acme"], created, created)
	var connID int64
	if err := db.Write.Raw("SELECT id FROM connections WHERE public_id = 'c_old'").Scan(&connID).Error; err != nil {
		t.Fatal(err)
	}
	for hash, conn := range map[string]*int64{"sso-session": &connID, "password-session": nil} {
		exec(`INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, expires_at, connection_id) VALUES (?, ?, ?, ?, ?, ?)`,
			hash, userID["alice@acme.test"], created, created, created.Add(time.Hour), conn)
	}

	// Migrate the way the app does.
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s from 4: %v", db.Dialect, err)
	}
	if pending, err := db.HasPending(ctx); err != nil || pending {
		t.Fatalf("pending = %v, %v", pending, err)
	}
	store := models.NewStore(db)
	// A session that came through a connection opens its org only, from now on too.
	for hash, want := range map[string]int64{"sso-session": orgID["acme"], "password-session": 0} {
		var got *int64
		if err := db.Read.Raw("SELECT org_id FROM sessions WHERE id_hash = ?", hash).Scan(&got).Error; err != nil {
			t.Fatal(err)
		}
		if (got == nil && want != 0) || (got != nil && *got != want) {
			t.Errorf("%s: org_id = %v, want %d", hash, got, want)
		}
	}

	type want struct {
		roles  string
		status models.MemberStatus
	}
	wantMembers := map[[2]string]want{
		{"alice@acme.test", "acme"}:    {"admin,user", models.StatusActive},
		{"alice@acme.test", "beta"}:    {"user", models.StatusActive},
		{"pete@acme.test", "acme"}:     {"user", models.StatusPending},
		{"dora@beta.test", "beta"}:     {"admin", models.StatusDisabled},
		{"root@platform.test", "acme"}: {"admin", models.StatusActive},
	}
	for email, uid := range userID {
		for slug, oid := range orgID {
			m, err := store.Membership(ctx, oid, uid)
			w, ok := wantMembers[[2]string{email, slug}]
			if !ok {
				if !errors.Is(err, models.ErrNotFound) {
					t.Errorf("%s in %s: membership %+v, %v; want none", email, slug, m, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s in %s: %v; want a membership", email, slug, err)
				continue
			}
			if m.Roles != w.roles || m.Status != w.status {
				t.Errorf("%s in %s: roles %q status %q; want %q %q", email, slug, m.Roles, m.Status, w.roles, w.status)
			}
			if m.Source != models.SourceAdmin || !m.CreatedAt.Equal(created) {
				t.Errorf("%s in %s: source %q created %v; want %q %v", email, slug, m.Source, m.CreatedAt, models.SourceAdmin, created)
			}
		}
	}
	var n int64
	if err := db.Read.Raw("SELECT COUNT(*) FROM memberships").Scan(&n).Error; err != nil || n != int64(len(wantMembers)) {
		t.Errorf("memberships = %d, %v; want %d (none for dangling rows)", n, err, len(wantMembers))
	}
	if m, err := store.Membership(ctx, orgID["acme"], userID["alice@acme.test"]); err != nil || m.LastLoginAt == nil || !m.LastLoginAt.Equal(lastLogin) {
		t.Errorf("alice's last login in acme = %+v, %v; want %v carried over", m.LastLoginAt, err, lastLogin)
	}

	for email, flags := range map[string][2]bool{ // platform_admin, disabled
		"alice@acme.test":    {false, false},
		"pete@acme.test":     {false, false}, // pending in acme, not disabled anywhere
		"dora@beta.test":     {false, true},
		"root@platform.test": {true, false},
		"solo@nowhere.test":  {false, false},
		"pat@platform.test":  {true, true},
	} {
		u, err := store.UserByID(ctx, userID[email])
		if err != nil {
			t.Fatal(err)
		}
		if u.PlatformAdmin != flags[0] || u.Disabled != flags[1] || u.CreatedByOrgID != nil {
			t.Errorf("%s: platform_admin %v disabled %v created_by_org %v; want %v %v nil", email, u.PlatformAdmin, u.Disabled, u.CreatedByOrgID, flags[0], flags[1])
		}
	}

	// Authorization reads the migrated rows: only an active membership grants.
	for _, c := range []struct {
		email, slug string
		roles       []string
	}{
		{"alice@acme.test", "acme", []string{"admin", "user"}},
		{"pete@acme.test", "acme", []string{}},
		{"dora@beta.test", "beta", []string{}},
	} {
		a, err := store.OrgAccess(ctx, userID[c.email], orgID[c.slug])
		if err != nil || !slices.Equal(a.Roles, c.roles) {
			t.Errorf("%s in %s: access %+v, %v; want roles %v", c.email, c.slug, a, err, c.roles)
		}
	}

	m := db.Read.Migrator()
	if m.HasTable("casbin_rule") {
		t.Error("casbin_rule still exists")
	}
	for _, col := range []string{"status", "last_login_at"} {
		if m.HasColumn(&models.User{}, col) {
			t.Errorf("users.%s still exists", col)
		}
	}
	for _, table := range []string{"memberships", "invites", "verified_domains"} {
		if !m.HasTable(table) {
			t.Errorf("table %s missing", table)
		}
	}
}

// The migrated tables accept what the new code writes: the same person in
// two orgs, one invite per token, one verified holder of a domain.
func TestMigratedSchemaKeepsMembershipsAndDomainsUnique(t *testing.T) {
	ctx := context.Background()
	db := openAtVersion(t, 4)
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	store := models.NewStore(db)
	a, err := store.CreateOrganization(ctx, "acme", "Acme")
	if err != nil {
		t.Fatal(err)
	}
	b, err := store.CreateOrganization(ctx, "beta", "Beta")
	if err != nil {
		t.Fatal(err)
	}
	u, err := store.CreateUser(ctx, models.User{Email: "x@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []int64{a.ID, b.ID} {
		if err := store.AddMember(ctx, o, models.Membership{UserID: u.ID, Roles: "user", Status: models.StatusActive, Source: models.SourceAdmin}); err != nil {
			t.Fatal(err)
		}
	}
	if err := store.AddMember(ctx, a.ID, models.Membership{UserID: u.ID, Roles: "admin", Status: models.StatusActive}); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("second membership in one org: %v; want ErrConflict", err)
	}
	da, err := store.AddDomain(ctx, a.ID, "acme.test", "c1")
	if err != nil {
		t.Fatal(err)
	}
	db2, err := store.AddDomain(ctx, b.ID, "acme.test", "c2")
	if err != nil {
		t.Fatalf("a second org may claim the domain before proving it: %v", err)
	}
	if err := store.MarkDomainVerified(ctx, a.ID, da.ID); err != nil {
		t.Fatal(err)
	}
	if err := store.MarkDomainVerified(ctx, b.ID, db2.ID); !errors.Is(err, models.ErrConflict) {
		t.Fatalf("second org verifying a held domain: %v; want ErrConflict", err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
