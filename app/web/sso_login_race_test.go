package web_test

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/orgsso/orgsso/e2e/idp"
	"github.com/orgsso/orgsso/models"
)

// A connection edited or switched off, or the org's SSO turned off, while
// the IdP answers the code exchange: the login ends on a readable page and
// no session is written (the check is part of the session's transaction,
// so neither an earlier read nor a cached copy can let it through).
func TestLoginStopsWhenItsConnectionChangesDuringTheCodeExchange(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name   string
		change func(a *benchApp) error
	}{
		{"edited", func(a *benchApp) error {
			_, err := a.srv.Store.UpdateConnection(ctx, a.org.ID, a.conn)
			return err
		}},
		{"switched off", func(a *benchApp) error {
			return a.srv.Store.SetConnectionActive(ctx, a.org.ID, a.conn.ID, false, "admin@acme.test")
		}},
		{"sso off", func(a *benchApp) error { return a.srv.Store.SetSSO(ctx, a.org.ID, false, false) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := newBenchApp(t)
			var changed atomic.Bool
			a.idp.TamperIDToken(func(*idp.IDToken) {
				if err := tc.change(a); err != nil {
					t.Error(err)
				}
				changed.Store(true)
			})
			resp, body, _ := browse(t, a.url+"/o/acme/sso/"+a.conn.PublicID+"/start", a.idp)
			if !changed.Load() {
				t.Fatal("the change did not run during the code exchange")
			}
			if resp.StatusCode != http.StatusConflict || !strings.Contains(string(body), "Sign-in interrupted") {
				t.Fatalf("callback: %s, want 409 with a readable page; body:\n%s", resp.Status, body)
			}
			var sessions int64
			if err := a.srv.Store.DB().Write.Model(&models.Session{}).Count(&sessions).Error; err != nil {
				t.Fatal(err)
			}
			if sessions != 0 {
				t.Fatalf("%d sessions written for a login whose connection changed", sessions)
			}
		})
	}
}

// Another instance turns SSO on while this one holds the org, SSO off, in
// its cache: a member login started and finished here goes through at once,
// because a refusal is decided on the stored rows, never on cached ones.
func TestCachedOrgNeverRefusesALoginAnotherInstanceAllowed(t *testing.T) {
	a := newBenchApp(t)
	setSSO := func(on bool) {
		t.Helper()
		// Straight to the database, as another instance's write looks to this one.
		if err := a.srv.Store.DB().Write.Exec("UPDATE organizations SET sso_enabled = ? WHERE id = ?", on, a.org.ID).Error; err != nil {
			t.Fatal(err)
		}
	}
	setSSO(false)
	resp, err := http.Get(a.url + "/o/acme/login") // caches the org with SSO off
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("org login page: %s", resp.Status)
	}
	setSSO(true)
	a.memberLogin(t)
}
