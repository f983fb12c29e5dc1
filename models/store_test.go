package models

// Store tests run against a real SQLite database in t.TempDir(). They are in
// package models so that they can move the store's clock.

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"
)

func newTestStore(t *testing.T) *Store {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "orgsso.db"))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return NewStore(db)
}

// clock is a settable time source for the store.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func withClock(s *Store) *clock {
	c := &clock{now: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	s.now = c.Now
	return c
}

// TestConcurrentWriters runs 32 goroutines that each do read-then-write
// transactions on one counter, beside account creation, rate-limit hits and
// plain reads. On SQLite with one IMMEDIATE writer this must produce no
// SQLITE_BUSY or "database is locked" errors and lose no update.
func TestConcurrentWriters(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := context.Background()
	if err := s.SetSetting(ctx, "counter", "0"); err != nil {
		t.Fatal(err)
	}
	const workers, rounds = 32, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds*4)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				// Read, then write what was read plus one: a lost update or a
				// failed lock upgrade shows in the final count or as an error.
				err := s.DB().Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
					var v string
					if err := tx.Raw("SELECT value FROM settings WHERE key = ?", "counter").Scan(&v).Error; err != nil {
						return err
					}
					var n int
					if _, err := fmt.Sscan(v, &n); err != nil {
						return err
					}
					return tx.Exec("UPDATE settings SET value = ? WHERE key = ?", fmt.Sprint(n+1), "counter").Error
				})
				if err != nil {
					errs <- fmt.Errorf("worker %d transaction %d: %w", w, r, err)
				}
				if _, err := s.CreateUser(ctx, User{Email: fmt.Sprintf("w%d-r%d@example.com", w, r)}); err != nil {
					errs <- fmt.Errorf("worker %d create user %d: %w", w, r, err)
				}
				if _, err := s.Hit(ctx, "shared", time.Hour, 1_000_000); err != nil {
					errs <- fmt.Errorf("worker %d hit %d: %w", w, r, err)
				}
				if _, err := s.UserByEmail(ctx, fmt.Sprintf("w%d-r%d@example.com", w, r)); err != nil {
					errs <- fmt.Errorf("worker %d read %d: %w", w, r, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got, err := s.Setting(ctx, "counter", "")
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprint(workers * rounds); got != want {
		t.Errorf("counter %s, want %s: updates were lost", got, want)
	}
	if n, err := s.CountUsers(ctx); err != nil || n != workers*rounds {
		t.Errorf("users %d (%v), want %d", n, err, workers*rounds)
	}
	// Every hit was counted: one more is number workers*rounds+1.
	var count int
	if err := s.DB().Write.Raw("SELECT count FROM rate_limits WHERE key = ?", "shared").Scan(&count).Error; err != nil {
		t.Fatal(err)
	}
	if count != workers*rounds {
		t.Errorf("hits counted %d, want %d", count, workers*rounds)
	}
}

func TestCreateOrganizationConflict(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := context.Background()
	first, err := s.CreateOrganization(ctx, "acme", "Acme")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, slug string }{
		{"same slug", "acme"},
		{"same slug in capitals", "ACME"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := s.CreateOrganization(ctx, tc.slug, "Other"); !errors.Is(err, ErrConflict) {
				t.Fatalf("err %v, want ErrConflict", err)
			}
		})
	}
	got, err := s.OrganizationBySlug(ctx, "Acme")
	if err != nil || got.ID != first.ID || got.Name != "Acme" {
		t.Errorf("OrganizationBySlug = %+v, %v; want the first org unchanged", got, err)
	}
	if _, err := s.OrganizationBySlug(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown slug: %v, want ErrNotFound", err)
	}
}

func TestCreateUserConflict(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, User{Email: " Ann@Example.com "})
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "ann@example.com" || u.Disabled || u.PlatformAdmin {
		t.Errorf("created %q disabled=%v platform_admin=%v, want lower-cased, enabled, no platform admin", u.Email, u.Disabled, u.PlatformAdmin)
	}
	if _, err := s.CreateUser(ctx, User{Email: "ANN@example.com"}); !errors.Is(err, ErrConflict) {
		t.Errorf("duplicate email: %v, want ErrConflict", err)
	}
	if _, err := s.UserByID(ctx, u.ID+100); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v, want ErrNotFound", err)
	}
}

func TestHit(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	clk := withClock(s)
	ctx := context.Background()
	const window, limit = 10 * time.Minute, 3

	hit := func(key string) bool {
		t.Helper()
		ok, err := s.Hit(ctx, key, window, limit)
		if err != nil {
			t.Fatalf("hit: %v", err)
		}
		return ok
	}
	steps := []struct {
		name    string
		advance time.Duration
		key     string
		want    bool
	}{
		{"first", 0, "a", true},
		{"second", time.Minute, "a", true},
		{"third, at the limit", time.Minute, "a", true},
		{"fourth, over the limit", time.Minute, "a", false},
		{"another key has its own count", 0, "b", true},
		{"still over inside the window", 6*time.Minute + 59*time.Second, "a", false},
		{"a new window starts after the first hit's window", 2 * time.Second, "a", true},
		{"counted in the new window", 0, "a", true},
		{"third in the new window", 0, "a", true},
		{"over again", 0, "a", false},
	}
	for _, st := range steps {
		clk.Advance(st.advance)
		if got := hit(st.key); got != st.want {
			t.Fatalf("%s: within limit = %v, want %v", st.name, got, st.want)
		}
	}
	if err := s.ResetHits(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if !hit("a") {
		t.Error("after ResetHits the key is still over its limit")
	}

	// PurgeExpired drops windows that ended, and keeps live ones.
	clk.Advance(window + time.Second)
	if !hit("fresh") {
		t.Fatal("fresh key over its limit")
	}
	if err := s.PurgeExpired(ctx, window); err != nil {
		t.Fatal(err)
	}
	var keys []string
	if err := s.DB().Write.Raw("SELECT key FROM rate_limits ORDER BY key").Scan(&keys).Error; err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(keys) != "[fresh]" {
		t.Errorf("rate_limits after purge: %v, want [fresh]", keys)
	}
}

func TestSessionsExpire(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	clk := withClock(s)
	ctx := context.Background()
	u, err := s.CreateUser(ctx, User{Email: "ann@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	now := clk.Now()
	for _, sess := range []Session{
		{IDHash: "short", UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)},
		{IDHash: "long", UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(3 * time.Hour)},
	} {
		if err := s.CreateSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateSession(ctx, Session{IDHash: "short", UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now}); !errors.Is(err, ErrConflict) {
		t.Errorf("duplicate session id: %v, want ErrConflict", err)
	}

	got, user, err := s.SessionWithUser(ctx, "short")
	if err != nil || got.UserID != u.ID || !got.ExpiresAt.Equal(now.Add(time.Hour)) || user.ID != u.ID || user.Email != u.Email {
		t.Fatalf("SessionWithUser = %+v, %+v, %v", got, user, err)
	}
	if err := s.TouchSession(ctx, "short", now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.SessionWithUser(ctx, "short"); !got.LastSeenAt.Equal(now.Add(time.Minute)) {
		t.Errorf("last_seen_at %v after touch", got.LastSeenAt)
	}

	clk.Advance(time.Hour)
	if _, _, err := s.SessionWithUser(ctx, "short"); !errors.Is(err, ErrNotFound) {
		t.Errorf("at its end the session is still found: %v", err)
	}
	if _, _, err := s.SessionWithUser(ctx, "long"); err != nil {
		t.Errorf("a live session is not found: %v", err)
	}
	if err := s.PurgeExpired(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	var left []string
	if err := s.DB().Write.Raw("SELECT id_hash FROM sessions ORDER BY id_hash").Scan(&left).Error; err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(left) != "[long]" {
		t.Errorf("sessions after purge: %v, want [long]", left)
	}

	if err := s.DeleteUserSessions(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SessionWithUser(ctx, "long"); !errors.Is(err, ErrNotFound) {
		t.Errorf("after DeleteUserSessions: %v, want ErrNotFound", err)
	}
}

func TestSettings(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := context.Background()
	if v, err := s.Setting(ctx, SettingAllowSignup, "false"); err != nil || v != "false" {
		t.Errorf("unset: %q, %v; want the default", v, err)
	}
	for _, v := range []string{"true", "false"} {
		if err := s.SetSetting(ctx, SettingAllowSignup, v); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Setting(ctx, SettingAllowSignup, "x"); err != nil || got != v {
			t.Errorf("after setting %q: %q, %v", v, got, err)
		}
	}
}

// TestHitReservesConcurrently has 25 attempts against a limit of 10 at
// once: exactly 10 are let through, and giving back the refused ones
// leaves the count at the limit, so the next attempt is refused too.
func TestHitReservesConcurrently(t *testing.T) {
	t.Parallel()
	s := newTestStore(t)
	ctx := context.Background()
	const window, limit, attempts = time.Hour, 10, 25
	var (
		wg     sync.WaitGroup
		passed atomic.Int32
	)
	for range attempts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, err := s.Hit(ctx, "k", window, limit)
			if err != nil {
				t.Error(err)
				return
			}
			if ok {
				passed.Add(1)
			} else if err := s.Unhit(ctx, "k", window); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := passed.Load(); got != limit {
		t.Errorf("%d attempts let through, want %d", got, limit)
	}
	if n, err := s.Attempts(ctx, "k", window); err != nil || n != limit {
		t.Errorf("attempts after giving back the refused: %d (%v), want %d", n, err, limit)
	}
	if ok, err := s.Hit(ctx, "k", window, limit); err != nil || ok {
		t.Errorf("next attempt let through = %v (%v), want refused", ok, err)
	}
	// Unhit never goes below zero.
	for range limit + 5 {
		if err := s.Unhit(ctx, "k", window); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := s.Attempts(ctx, "k", window); n != 0 {
		t.Errorf("attempts after giving back more than taken: %d, want 0", n)
	}
}
