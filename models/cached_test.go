package models

import (
	"context"
	"errors"
	"testing"
	"time"
)

// ssoOrg is an org with SSO on and one active connection.
func ssoOrg(t *testing.T, s *Store) (Organization, Connection) {
	t.Helper()
	ctx := context.Background()
	org, err := s.CreateOrganization(ctx, "acme", "Acme")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := s.CreateConnection(ctx, org.ID, Connection{Protocol: ProtocolOIDC, DisplayName: "Okta", Active: true, Config: "{}", Provisioning: "{}"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetSSO(ctx, org.ID, true, false); err != nil {
		t.Fatal(err)
	}
	org.SSOEnabled = true
	return org, conn
}

// The cache serves a row for at most CachedTTL, and this instance's own
// writes of orgs and connections show at once.
func TestCachedRowsFollowWritesAndExpire(t *testing.T) {
	s := newTestStore(t)
	clk := withClock(s)
	ctx := context.Background()
	org, conn := ssoOrg(t, s)

	cachedOrg := func() Organization {
		t.Helper()
		o, err := s.CachedOrganizationBySlug(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	cachedConn := func() Connection {
		t.Helper()
		c, err := s.CachedConnectionByPublicID(ctx, org.ID, conn.PublicID)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	cachedOrg()
	cachedConn()

	// Own writes: seen at once.
	if err := s.RenameOrganization(ctx, org.ID, "Acme Inc"); err != nil {
		t.Fatal(err)
	}
	if got := cachedOrg().Name; got != "Acme Inc" {
		t.Fatalf("after rename: name %q", got)
	}
	if err := s.SetConnectionActive(ctx, org.ID, conn.ID, false, "admin@acme.test"); err != nil {
		t.Fatal(err)
	}
	if cachedConn().Active {
		t.Fatal("after switching off: the cached connection is still active")
	}
	edited := cachedConn()
	edited.DisplayName = "Okta 2"
	if _, err := s.UpdateConnection(ctx, org.ID, edited); err != nil {
		t.Fatal(err)
	}
	if got := cachedConn(); got.Version != conn.Version+1 || got.DisplayName != "Okta 2" {
		t.Fatalf("after edit: version %d name %q", got.Version, got.DisplayName)
	}

	// A write that bypasses the Store (another instance) shows once the
	// cached copy is CachedTTL old, not before.
	cachedOrg()
	if err := s.db.Write.Exec("UPDATE organizations SET name = ? WHERE id = ?", "Elsewhere", org.ID).Error; err != nil {
		t.Fatal(err)
	}
	clk.Advance(CachedTTL - time.Millisecond)
	if got := cachedOrg().Name; got != "Acme Inc" {
		t.Fatalf("within the TTL: name %q, want the cached %q", got, "Acme Inc")
	}
	clk.Advance(time.Millisecond)
	if got := cachedOrg().Name; got != "Elsewhere" {
		t.Fatalf("after the TTL: name %q", got)
	}

	// Unknown rows are not cached: a new org is found at once.
	if _, err := s.CachedOrganizationBySlug(ctx, "newco"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown org: %v", err)
	}
	if _, err := s.CreateOrganization(ctx, "newco", "NewCo"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CachedOrganizationBySlug(ctx, "newco"); err != nil {
		t.Fatalf("new org: %v", err)
	}
}

// A read that was in flight while a write cleared the cache is not kept:
// it may hold the row as it was before the write.
func TestCacheDropsALoadThatRacedAWrite(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	org, _ := ssoOrg(t, s)
	_, err := cached(s, "org:acme", func() (Organization, error) {
		before, err := s.OrganizationBySlug(ctx, "acme")
		if err == nil {
			err = s.RenameOrganization(ctx, org.ID, "Renamed")
		}
		return before, err
	})
	if err != nil {
		t.Fatal(err)
	}
	o, err := s.CachedOrganizationBySlug(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if o.Name != "Renamed" {
		t.Fatalf("cached name %q: the load that raced the rename was kept", o.Name)
	}
}

// An SSO login's session is written only if its connection is, at commit,
// still active at the version the login used, in an org with SSO on.
func TestStartSessionThroughAChangedConnectionWritesNothing(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		change func(s *Store, org Organization, conn Connection) error
	}{
		{"edited", func(s *Store, org Organization, conn Connection) error {
			_, err := s.UpdateConnection(ctx, org.ID, conn)
			return err
		}},
		{"switched off", func(s *Store, org Organization, conn Connection) error {
			return s.SetConnectionActive(ctx, org.ID, conn.ID, false, "admin@acme.test")
		}},
		{"sso off", func(s *Store, org Organization, conn Connection) error {
			return s.SetSSO(ctx, org.ID, false, false)
		}},
		{"deleted", func(s *Store, org Organization, conn Connection) error {
			_, err := s.RetireConnection(ctx, org.ID, conn.ID, true, true, "admin@acme.test")
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestStore(t)
			org, conn := ssoOrg(t, s)
			user, err := s.CreateUser(ctx, User{Email: "bob@acme.test"})
			if err != nil {
				t.Fatal(err)
			}
			login := func(id string) error {
				now := s.now()
				return s.StartSession(ctx, Login{
					Session: Session{IDHash: id, UserID: user.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)},
					Audit:   AuditEvent{OrgID: &org.ID, Action: "user.login"},
					Through: &Through{ConnectionID: conn.ID, Version: conn.Version},
				})
			}
			if err := login("before"); err != nil {
				t.Fatalf("login through the unchanged connection: %v", err)
			}
			if err := tc.change(s, org, conn); err != nil {
				t.Fatal(err)
			}
			if err := login("after"); !errors.Is(err, ErrConnectionChanged) {
				t.Fatalf("login after the change: %v, want ErrConnectionChanged", err)
			}
			var sessions, logins int64
			s.db.Write.Raw("SELECT COUNT(*) FROM sessions WHERE id_hash = 'after'").Scan(&sessions)
			s.db.Write.Raw("SELECT COUNT(*) FROM audit_events WHERE action = 'user.login'").Scan(&logins)
			if sessions != 0 || logins != 1 {
				t.Fatalf("after the refused login: %d sessions, %d login events; want 0 and 1", sessions, logins)
			}
		})
	}
}

// A first login waiting for consent through a connection that another
// instance has since deleted is refused as not found, not with a database
// error.
func TestLoginStateForADeletedConnectionIsNotFound(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	org, conn := ssoOrg(t, s)
	if err := s.db.Write.Exec("DELETE FROM connections WHERE id = ?", conn.ID).Error; err != nil {
		t.Fatal(err)
	}
	err := s.SaveLoginState(ctx, LoginState{StateHash: "h", OrgID: org.ID, ConnectionID: conn.ID, ConfigVersion: conn.Version,
		Pending: "p", BindingHash: "b", Kind: StateConsent, ExpiresAt: s.now().Add(time.Minute)})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}

// Taking a waiting login spends it: a live one comes back once; an expired
// one comes back with ErrLoginStateExpired (an ErrNotFound), so an admin's
// expired test can say which test it was; an unknown or spent one is
// ErrNotFound with no row.
func TestTakeLoginStateTellsExpiredFromUnknown(t *testing.T) {
	s := newTestStore(t)
	clk := withClock(s)
	ctx := context.Background()
	org, conn := ssoOrg(t, s)
	for _, h := range []string{"live", "late"} {
		if err := s.SaveLoginState(ctx, LoginState{StateHash: h, OrgID: org.ID, ConnectionID: conn.ID, ConfigVersion: conn.Version,
			Pending: "p", BindingHash: "b", IsTest: true, Kind: StateConsent, ExpiresAt: s.now().Add(time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	if st, err := s.TakeLoginState(ctx, StateConsent, "live"); err != nil || st.StateHash != "live" {
		t.Fatalf("live: %+v %v", st, err)
	}
	clk.Advance(2 * time.Minute)
	st, err := s.TakeLoginState(ctx, StateConsent, "late")
	if !errors.Is(err, ErrLoginStateExpired) || !errors.Is(err, ErrNotFound) || !st.IsTest || st.ConnectionID != conn.ID {
		t.Fatalf("expired: %+v %v", st, err)
	}
	for _, h := range []string{"live", "late", "never"} {
		if st, err := s.TakeLoginState(ctx, StateConsent, h); !errors.Is(err, ErrNotFound) || errors.Is(err, ErrLoginStateExpired) || st.StateHash != "" {
			t.Errorf("%s taken again: %+v %v", h, st, err)
		}
	}
}
