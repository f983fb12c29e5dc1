package models

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// A single-use id is spent once: the second spend, from any instance, is
// ErrAlreadyUsed; once expired and purged, it is forgotten.
func TestSpendOnceRefusesASecondSpend(t *testing.T) {
	s := newTestStore(t)
	clk := withClock(s)
	ctx := context.Background()
	u := UsedOnce{Kind: "login", IDHash: "h1", ExpiresAt: s.now().Add(time.Minute)}
	if err := s.SpendOnce(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := s.SpendOnce(ctx, u); !errors.Is(err, ErrAlreadyUsed) {
		t.Fatalf("second spend: %v, want ErrAlreadyUsed", err)
	}
	// Another kind is another id space (a SAML assertion id is not a login).
	if err := s.SpendOnce(ctx, UsedOnce{Kind: "saml", IDHash: "h1", ExpiresAt: u.ExpiresAt}); err != nil {
		t.Fatal(err)
	}
	if used, err := s.WasUsed(ctx, "login", "h1"); err != nil || !used {
		t.Fatalf("WasUsed = %v %v", used, err)
	}
	clk.Advance(2 * time.Minute)
	if err := s.PurgeExpired(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	if used, err := s.WasUsed(ctx, "login", "h1"); err != nil || used {
		t.Fatalf("after purge WasUsed = %v %v", used, err)
	}
}

// A login whose state was spent meanwhile writes no session, no audit
// event, nothing.
func TestStartSessionWithASpentStateWritesNothing(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	org, conn := ssoOrg(t, s)
	user, err := s.CreateUser(ctx, User{Email: "a@acme.test"})
	if err != nil {
		t.Fatal(err)
	}
	spend := UsedOnce{Kind: "login", IDHash: "state", ExpiresAt: s.now().Add(time.Minute)}
	login := func(id string) error {
		now := s.now()
		return s.StartSession(ctx, Login{
			Session: Session{IDHash: id, UserID: user.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)},
			Audit:   AuditEvent{OrgID: &org.ID, Action: "user.login"},
			Through: &Through{ConnectionID: conn.ID, Version: conn.Version},
			Spend:   &spend,
		})
	}
	if err := login("s1"); err != nil {
		t.Fatal(err)
	}
	if err := login("s2"); !errors.Is(err, ErrAlreadyUsed) {
		t.Fatalf("second login with the same state: %v, want ErrAlreadyUsed", err)
	}
	var sessions, events int64
	s.db.Read.Raw("SELECT COUNT(*) FROM sessions").Scan(&sessions)
	s.db.Read.Raw("SELECT COUNT(*) FROM audit_events WHERE action = 'user.login'").Scan(&events)
	if sessions != 1 || events != 1 {
		t.Fatalf("sessions = %d, login events = %d; want 1 and 1", sessions, events)
	}
}

// userColumns (the login path's plain queries) names every column of
// User, in the order userFields scans them.
func TestUserColumnsCoverTheModel(t *testing.T) {
	want := strings.Split(strings.ReplaceAll(userColumnsAs("", "x"), " AS ", " "), ", ")
	for i, w := range want {
		want[i] = strings.Fields(w)[0]
	}
	got := strings.Split(userColumns("x"), ", ")
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("userColumns = %v\nthe model's = %v", got, want)
	}
}

// LinkedMember reads the linked account and its membership of the org in
// one query; an account without one comes back with no membership.
func TestLinkedMember(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	org, conn := ssoOrg(t, s)
	u, err := s.CreateUser(ctx, User{Email: "bob@acme.test", Name: "Bob"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.LinkIdentity(ctx, conn.ID, "sub-bob", u.ID); err != nil {
		t.Fatal(err)
	}
	got, m, err := s.LinkedMember(ctx, org.ID, conn.ID, "sub-bob")
	if err != nil || got.ID != u.ID || got.Email != "bob@acme.test" || m != nil {
		t.Fatalf("no membership: %+v %+v %v", got, m, err)
	}
	if err := s.PutMember(ctx, org.ID, u.ID, []string{"user"}); err != nil {
		t.Fatal(err)
	}
	got, m, err = s.LinkedMember(ctx, org.ID, conn.ID, "sub-bob")
	if err != nil || got.ID != u.ID || m == nil || m.Roles != "user" || m.Status != StatusActive || m.UserID != u.ID || m.OrgID != org.ID {
		t.Fatalf("member: %+v %+v %v", got, m, err)
	}
	if _, _, err := s.LinkedMember(ctx, org.ID, conn.ID, "nobody"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown subject: %v", err)
	}
}

// ConnectionByID (plain database/sql) reads every field gorm writes.
func TestConnectionByIDReadsEveryField(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	_, conn := ssoOrg(t, s)
	var want Connection
	if err := s.db.Read.Where("id = ?", conn.ID).Take(&want).Error; err != nil {
		t.Fatal(err)
	}
	got, err := s.ConnectionByID(ctx, conn.OrgID, conn.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("ConnectionByID = %+v\nstored     = %+v", got, want)
	}
	if _, err := s.ConnectionByID(ctx, conn.OrgID+1, conn.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another org's: %v", err)
	}
}

// OrganizationBySlug (plain database/sql) reads every field gorm writes.
func TestOrganizationBySlugReadsEveryField(t *testing.T) {
	s := newTestStore(t)
	ctx := context.Background()
	org, _ := ssoOrg(t, s)
	var want Organization
	if err := s.db.Read.Where("id = ?", org.ID).Take(&want).Error; err != nil {
		t.Fatal(err)
	}
	got, err := s.OrganizationBySlug(ctx, strings.ToUpper(org.Slug))
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("OrganizationBySlug = %+v, %v\nstored = %+v", got, err, want)
	}
	if _, err := s.OrganizationBySlug(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown slug: %v", err)
	}
}
