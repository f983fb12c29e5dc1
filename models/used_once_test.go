package models

import (
	"context"
	"errors"
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
