package signin_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/orgsso/orgsso/app/signin"
)

// FuzzCallbackQuery sends the org's OIDC callback any query string (GET)
// or form body (POST, response_mode=form_post), either alone or after the
// state of a real login in flight with its browser binding, so that the
// connector's own reading of error, state and code is reached too. Without
// the IdP's real code nobody signs in; every refusal is a Problem (a page
// with a status and a sentence), never an unexpected error that would be a
// 500. Seeds: testdata/fuzz/FuzzCallbackQuery (scripts/fuzz-seeds.go).
func FuzzCallbackQuery(f *testing.F) {
	e := newEnv(f, jitProv)
	e.enable()
	f.Fuzz(func(t *testing.T, query string, realState, post bool) {
		ctx := context.Background()
		raw, binding := query, ""
		if realState {
			authURL, b, err := e.svc.Begin(ctx, signin.BeginRequest{Org: e.org, Connection: e.conn})
			if err != nil {
				t.Fatalf("begin: %v", err)
			}
			u, err := url.Parse(authURL)
			if err != nil {
				t.Fatal(err)
			}
			raw, binding = "state="+url.QueryEscape(u.Query().Get("state"))+"&"+query, b
		}
		cb := baseURL + "/o/acme/oidc/callback"
		var r *http.Request
		var err error
		if post {
			r, err = http.NewRequest(http.MethodPost, cb, strings.NewReader(raw))
			if err == nil {
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
		} else {
			r, err = http.NewRequest(http.MethodGet, cb+"?"+raw, nil)
		}
		if err != nil {
			return // not a request a browser could send
		}
		res, err := e.svc.Finish(ctx, e.org, e.conn.Protocol, r, binding, 0)
		if err == nil {
			t.Fatalf("signed in %v without the IdP's code (query %q)", res.User.Email, raw)
		}
		var p *signin.Problem
		if !errors.As(err, &p) {
			t.Fatalf("query %q: %T %v is not a Problem: it would be a 500", raw, err, err)
		}
		if p.Status < 400 || p.Status > 599 || p.Message == "" || p.Title == "" {
			t.Fatalf("query %q: problem %+v has no status or sentence", raw, p)
		}
		if !realState && res.Matched {
			t.Fatalf("query %q matched a login it cannot know", raw)
		}
	})
}
