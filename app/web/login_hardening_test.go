package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/orgsso/orgsso/app/password"
	"github.com/orgsso/orgsso/app/web"
	"github.com/orgsso/orgsso/models"
)

// TestLoginLockoutHoldsUnderConcurrency sends 25 wrong passwords for one
// email at once with a limit of 10: each attempt is reserved before its
// password is hashed, so at most 10 are evaluated (401) and the rest are
// refused (429); the right password is refused afterwards, while locked.
func TestLoginLockoutHoldsUnderConcurrency(t *testing.T) {
	t.Parallel()
	const limit, attempts = 10, 25
	e := newEnv(t, func(o *web.Options) { o.LoginLimit = limit })
	e.user("ann@example.com")

	type shot struct {
		c     *client
		token string
	}
	shots := make([]shot, attempts)
	for i := range shots {
		c := e.client()
		shots[i] = shot{c, c.csrfToken()}
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		statuses = map[int]int{}
		start    = make(chan struct{})
	)
	for _, s := range shots {
		wg.Add(1)
		go func() {
			defer wg.Done()
			form := url.Values{"email": {"ann@example.com"}, "password": {"wrong password"}, "_csrf": {s.token}}
			req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/login", strings.NewReader(form.Encode()))
			if err != nil {
				t.Error(err)
				return
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			<-start
			res, err := s.c.hc.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			mu.Lock()
			statuses[res.StatusCode]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	if statuses[http.StatusUnauthorized] > limit {
		t.Errorf("%d wrong passwords evaluated (401), want at most %d; statuses %v", statuses[http.StatusUnauthorized], limit, statuses)
	}
	if statuses[http.StatusUnauthorized]+statuses[http.StatusTooManyRequests] != attempts {
		t.Errorf("statuses %v, want only 401 and 429", statuses)
	}
	p := e.client().login("ann@example.com", testPassword)
	assertStatus(t, p, http.StatusTooManyRequests)
	if got := p.text("form-error"); got != msgRateLimited {
		t.Errorf("form error %q, want %q", got, msgRateLimited)
	}
}

// TestLoginAttemptsReservedNotLeaked: refused attempts and right passwords
// give their reservation back, so the address's count holds failures only.
func TestLoginAttemptsReservedNotLeaked(t *testing.T) {
	t.Parallel()
	const limit = 2
	e := newEnv(t, func(o *web.Options) { o.LoginLimit = limit })
	e.user("ann@example.com")
	c := e.client()
	for range limit {
		assertStatus(t, c.login("ann@example.com", "wrong password"), http.StatusUnauthorized)
	}
	for range 3 {
		assertStatus(t, c.login("ann@example.com", "wrong password"), http.StatusTooManyRequests)
	}
	n, err := e.store.Attempts(context.Background(), "login:email:ann@example.com", e.opts.LoginWindow)
	if err != nil || n != limit {
		t.Errorf("email attempts %d (%v), want %d: refused attempts must not count", n, err, limit)
	}
	n, err = e.store.Attempts(context.Background(), "login:ip:127.0.0.1", e.opts.LoginWindow)
	if err != nil || n != limit {
		t.Errorf("address attempts %d (%v), want %d: refused attempts must not count", n, err, limit)
	}
}

// holdAllHashSlots takes every password hashing slot until the test ends.
// Tests that use it do not run in parallel: parallel tests wait for them.
func holdAllHashSlots(t *testing.T) {
	t.Helper()
	for range password.Slots() {
		release, err := password.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(release)
	}
}

// TestLoginBusyWhenHashSlotsTaken: with every hashing slot taken, a login
// waits at most HashWait and is answered 503 with a readable form, and its
// reservation does not count as a failure. Not parallel, see above.
func TestLoginBusyWhenHashSlotsTaken(t *testing.T) {
	e := newEnv(t, func(o *web.Options) { o.LoginLimit = 1; o.HashWait = 1 })
	e.user("ann@example.com")
	c := e.client()
	holdAllHashSlots(t)
	for range 3 {
		p := c.login("ann@example.com", testPassword)
		assertStatus(t, p, http.StatusServiceUnavailable)
		if got := p.text("form-error"); !strings.Contains(got, "busy") {
			t.Errorf("form error %q, want it to say the server is busy", got)
		}
		if p.header.Get("Retry-After") == "" {
			t.Error("503 without Retry-After")
		}
	}
	if n, _ := e.store.Attempts(context.Background(), "login:email:ann@example.com", e.opts.LoginWindow); n != 0 {
		t.Errorf("busy attempts counted: %d", n)
	}
	// Sign-up hashes in the same slots and shows the busy page.
	if err := e.store.SetSetting(context.Background(), models.SettingAllowSignup, "true"); err != nil {
		t.Fatal(err)
	}
	p := e.client().post("/register", url.Values{"email": {"new@example.com"}, "password": {"a long new password"}})
	assertStatus(t, p, http.StatusServiceUnavailable)
	if !strings.Contains(p.text("error-message"), "busy") {
		t.Errorf("register page %q, want it to say the server is busy", p.text("error-message"))
	}
}

// TestPasswordChangeAttemptLimit: wrong current passwords count per user
// as failed logins do; over the limit the form answers 429 and says why,
// even with the right password, and other users are not affected.
func TestPasswordChangeAttemptLimit(t *testing.T) {
	t.Parallel()
	const limit = 3
	e := newEnv(t, func(o *web.Options) { o.LoginLimit = limit })
	ann, bob := e.user("ann@example.com"), e.user("bob@example.com")
	c := e.client()
	c.loginAs(ann)
	change := func(c *client, current string) *page {
		return c.post("/account/password", url.Values{"current": {current}, "password": {"a brand new password"}, "confirm": {"a brand new password"}})
	}
	for i := range limit {
		p := change(c, "not my password")
		if p.status != http.StatusUnprocessableEntity {
			t.Fatalf("wrong current password %d: status %d, want 422", i+1, p.status)
		}
	}
	p := change(c, testPassword)
	assertStatus(t, p, http.StatusTooManyRequests)
	if got, want := p.text("error-current"), "Too many wrong passwords. Wait a few minutes and try again."; got != want {
		t.Errorf("current field error %q, want %q", got, want)
	}
	// Another session of the same user is limited too.
	c2 := e.client()
	c2.loginAs(ann)
	assertStatus(t, change(c2, testPassword), http.StatusTooManyRequests)
	// Another user is not.
	c3 := e.client()
	c3.loginAs(bob)
	assertStatus(t, change(c3, testPassword), http.StatusSeeOther)
}
