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
		res, err := e.svc.Finish(ctx, e.org, signin.Answer{Protocol: e.conn.Protocol, Request: r, Cookie: binding})
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

// FuzzLoginCookie hands the callback any login cookie value, alone or
// around the cookie of a real login in flight, with any state or that
// login's state. A cookie this server did not seal opens nothing; none
// signs anyone in without the IdP's code; every refusal is a Problem, never
// an unexpected error (a 500) or a panic. Seeds: testdata/fuzz/FuzzLoginCookie.
func FuzzLoginCookie(f *testing.F) {
	e := newEnv(f, jitProv)
	e.enable()
	f.Add("", "", false)
	f.Add("v2:abc:AAAA~v1:", "x", false)
	f.Add("~~~~", "", true)
	f.Add(strings.Repeat("v1:QUFB~", 600), "state", true)
	f.Fuzz(func(t *testing.T, cookie, state string, real bool) {
		ctx := context.Background()
		if real {
			authURL, sealed, err := e.svc.Begin(ctx, signin.BeginRequest{Org: e.org, Connection: e.conn, Cookie: cookie})
			if err != nil {
				t.Fatalf("begin with cookie %q: %v", cookie, err)
			}
			u, err := url.Parse(authURL)
			if err != nil {
				t.Fatal(err)
			}
			if state == "" {
				state = u.Query().Get("state")
			}
			cookie = cookie + "~" + sealed + "~" + cookie
		}
		r, err := http.NewRequest(http.MethodGet, baseURL+"/o/acme/oidc/callback?state="+url.QueryEscape(state), nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.svc.Finish(ctx, e.org, signin.Answer{Protocol: e.conn.Protocol, Request: r, Cookie: cookie})
		if err == nil {
			t.Fatalf("signed in %v with cookie %q and no code", res.User.Email, cookie)
		}
		var p *signin.Problem
		if !errors.As(err, &p) {
			t.Fatalf("cookie %q: %T %v is not a Problem: it would be a 500", cookie, err, err)
		}
		if !real && res.Matched {
			t.Fatalf("cookie %q matched a login this server never began", cookie)
		}
	})
}
