package oidc

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orgsso/orgsso/app/connector"
	"github.com/orgsso/orgsso/e2e/idp"
)

// loginErr is login for other goroutines: it returns errors instead of
// failing the test.
func loginErr(srv *idp.OIDCServer, c connector.Connector) error {
	ctx := context.Background()
	authURL, pending, err := c.Begin(ctx, connector.LoginRequest{State: randomState(), CallbackURL: callbackURL})
	if err != nil {
		return err
	}
	cb, err := srv.Authorize(ctx, authURL)
	if err != nil {
		return err
	}
	_, err = c.Finish(ctx, newCallbackRequest(cb.String()), pending)
	return err
}

// wantFetches runs fn and fails unless it fetched the JWKS n times.
func wantFetches(t *testing.T, srv *idp.OIDCServer, n int64, fn func()) {
	t.Helper()
	before := srv.JWKSHits()
	fn()
	if got := srv.JWKSHits() - before; got != n {
		t.Fatalf("JWKS fetched %d times, want %d", got, n)
	}
}

// An IdP that rotates its signing key right after the admin's test, and
// again between two logins 100 ms apart, refuses no login: an unknown key
// id re-fetches the keys at once, one fetch per rotation.
func TestKeyRotation(t *testing.T) {
	srv := newIdP(t)
	c := open(t, baseConfig(srv))
	wantFetches(t, srv, 1, func() { // the admin's test
		if _, err := login(t, srv, c, nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("rotation between the test and the first member login", func(t *testing.T) {
		srv.RotateKey()
		wantFetches(t, srv, 1, func() {
			if _, err := login(t, srv, c, nil); err != nil {
				t.Fatalf("first login after rotation: %v", err)
			}
		})
	})
	t.Run("rotation between two logins 100 ms apart", func(t *testing.T) {
		wantFetches(t, srv, 0, func() {
			if _, err := login(t, srv, c, nil); err != nil {
				t.Fatal(err)
			}
		})
		srv.RotateKeyDroppingOld()
		time.Sleep(100 * time.Millisecond)
		wantFetches(t, srv, 1, func() {
			if _, err := login(t, srv, c, nil); err != nil {
				t.Fatalf("login 100 ms after rotation: %v", err)
			}
		})
	})
	t.Run("concurrent logins after a rotation share one fetch", func(t *testing.T) {
		srv.RotateKey()
		srv.SetJWKSDelay(200 * time.Millisecond)
		defer srv.SetJWKSDelay(0)
		wantFetches(t, srv, 1, func() {
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			for range 8 {
				wg.Go(func() { errs <- loginErr(srv, c) })
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Errorf("concurrent login: %v", err)
				}
			}
		})
	})
}

// A token signed under a key id the IdP does not publish, even after a
// re-fetch, is refused in words, and the same key id fetches nothing more
// for 30 s; a forged signature under a published key id fetches nothing.
func TestUnknownKeyID(t *testing.T) {
	srv := newIdP(t)
	c := open(t, baseConfig(srv))
	if _, err := login(t, srv, c, nil); err != nil {
		t.Fatal(err)
	}
	ks := c.(*oidcConnector).keys
	now := time.Now()
	ks.now = func() time.Time { return now }

	srv.TamperIDToken(func(t *idp.IDToken) { t.UnpublishedKeyID = "ghost" })
	wantFetches(t, srv, 1, func() {
		_, err := login(t, srv, c, nil)
		e := wantCode(t, err, connector.CodeSignatureInvalid)
		want := "The ID token is signed with the key 'ghost', which the identity provider does not publish at " +
			srv.JWKSURL() + ", even after fetching its keys again."
		if e.Reason != want {
			t.Fatalf("reason = %q, want %q", e.Reason, want)
		}
	})
	wantFetches(t, srv, 0, func() {
		for range 3 {
			_, err := login(t, srv, c, nil)
			e := wantCode(t, err, connector.CodeSignatureInvalid)
			if !strings.Contains(e.Reason, "'ghost'") {
				t.Fatalf("reason = %q", e.Reason)
			}
		}
	})

	srv.TamperIDToken(func(t *idp.IDToken) { t.SignWithUnpublishedKey = true })
	wantFetches(t, srv, 0, func() {
		_, err := login(t, srv, c, nil)
		e := wantCode(t, err, connector.CodeSignatureInvalid)
		if !strings.Contains(e.Reason, "signature could not be verified") {
			t.Fatalf("reason = %q", e.Reason)
		}
	})

	srv.TamperIDToken(nil)
	wantFetches(t, srv, 0, func() {
		if _, err := login(t, srv, c, nil); err != nil {
			t.Fatalf("valid token after refused ones: %v", err)
		}
	})

	now = now.Add(unknownKeyRetry)
	srv.TamperIDToken(func(t *idp.IDToken) { t.UnpublishedKeyID = "ghost" })
	wantFetches(t, srv, 1, func() {
		_, err := login(t, srv, c, nil)
		wantCode(t, err, connector.CodeSignatureInvalid)
	})
}

// A caller that gives up while the keys are being fetched does not leave
// the key set stale: the fetch completes for the next caller.
func TestCancelledCallerLeavesKeysFresh(t *testing.T) {
	srv := newIdP(t)
	c := open(t, baseConfig(srv))
	if _, err := login(t, srv, c, nil); err != nil {
		t.Fatal(err)
	}
	srv.RotateKey()
	// A token signed with the new key, obtained through another connector.
	id, err := login(t, srv, open(t, baseConfig(srv)), nil)
	if err != nil {
		t.Fatal(err)
	}
	ks := c.(*oidcConnector).keys
	srv.SetJWKSDelay(100 * time.Millisecond)
	wantFetches(t, srv, 1, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		if _, err := ks.VerifySignature(ctx, id.IDTokenHint); err == nil {
			t.Fatal("verified although the caller gave up before the keys arrived")
		}
		if _, err := ks.VerifySignature(context.Background(), id.IDTokenHint); err != nil {
			t.Fatalf("next caller: %v", err)
		}
		if _, err := login(t, srv, c, nil); err != nil {
			t.Fatalf("login after a cancelled one: %v", err)
		}
	})
}
