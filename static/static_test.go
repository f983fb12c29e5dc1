package static

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

func mustLoadMap(t *testing.T, files fstest.MapFS) *Assets {
	t.Helper()
	a, err := load(files)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return a
}

func TestPathChangesWithContent(t *testing.T) {
	v1 := mustLoadMap(t, fstest.MapFS{"app.css": {Data: []byte("body{color:red}")}})
	v1again := mustLoadMap(t, fstest.MapFS{"app.css": {Data: []byte("body{color:red}")}})
	v2 := mustLoadMap(t, fstest.MapFS{"app.css": {Data: []byte("body{color:blue}")}})

	p1, p2 := v1.Path("app.css"), v2.Path("app.css")
	if p1 == p2 {
		t.Errorf("Path unchanged after content changed: %s", p1)
	}
	if got := v1again.Path("app.css"); got != p1 {
		t.Errorf("Path not stable for equal content: %s then %s", p1, got)
	}
	shape := regexp.MustCompile(`^/static/app\.[0-9a-f]{8}\.css$`)
	for _, p := range []string{p1, p2} {
		if !shape.MatchString(p) {
			t.Errorf("Path = %q, want /static/app.<8 hex>.css", p)
		}
	}
}

func TestHashedName(t *testing.T) {
	tests := []struct{ name, want string }{
		{"app.css", "app.abc.css"},
		{"vendor/htmx.min.js", "vendor/htmx.min.abc.js"},
		{"vendor/pico.LICENSE.md", "vendor/pico.LICENSE.abc.md"},
		{"vendor/htmx.LICENSE", "vendor/htmx.abc.LICENSE"},
		{"img/okta.svg", "img/okta.abc.svg"},
		{"README", "README.abc"},
		{"img/.hidden", "img/.hidden.abc"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := hashedName(tc.name, "abc"); got != tc.want {
				t.Errorf("hashedName(%q) = %q, want %q", tc.name, got, tc.want)
			}
		})
	}
}

func TestPathUnknownNameIsPlain(t *testing.T) {
	if got := New().Path("nope.css"); got != "/static/nope.css" {
		t.Errorf("Path(unknown) = %q, want /static/nope.css", got)
	}
}

// TestEmbeddedAssets guards the names templates use and scripts/vendor.sh
// produces.
func TestEmbeddedAssets(t *testing.T) {
	names := []string{
		"app.css", "app.js",
		"vendor/pico.classless.min.css", "vendor/pico.LICENSE.md",
		"vendor/htmx.min.js", "vendor/htmx.LICENSE",
	}
	for _, logo := range []string{"okta", "entra", "google", "auth0", "keycloak",
		"cognito", "ping", "jumpcloud", "duo", "custom", "saml", "oidc"} {
		names = append(names, "img/"+logo+".svg")
	}
	a := New()
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			f, ok := a.byName[name]
			if !ok {
				t.Fatalf("%s not embedded", name)
			}
			if len(f.body) == 0 {
				t.Errorf("%s is empty", name)
			}
			if Path(name) == Prefix+name {
				t.Errorf("Path(%q) = %q, want a hashed name", name, Path(name))
			}
		})
	}
}

func TestHandler(t *testing.T) {
	a := mustLoadMap(t, fstest.MapFS{
		"app.css":             {Data: []byte("body{}")},
		"app.js":              {Data: []byte("void 0")},
		"img/okta.svg":        {Data: []byte("<svg/>")},
		"vendor/htmx.LICENSE": {Data: []byte("BSD")},
	})
	css := a.Path("app.css")

	tests := []struct {
		name        string
		method      string
		path        string
		header      map[string]string // request headers
		status      int
		contentType string
		cache       string
		body        string
	}{
		{name: "hashed css", path: css, status: 200,
			contentType: "text/css; charset=utf-8", cache: "public, max-age=31536000, immutable", body: "body{}"},
		{name: "hashed js", path: a.Path("app.js"), status: 200,
			contentType: "text/javascript; charset=utf-8", cache: "public, max-age=31536000, immutable", body: "void 0"},
		{name: "hashed svg in subdirectory", path: a.Path("img/okta.svg"), status: 200,
			contentType: "image/svg+xml", cache: "public, max-age=31536000, immutable", body: "<svg/>"},
		{name: "licence as text", path: a.Path("vendor/htmx.LICENSE"), status: 200,
			contentType: "text/plain; charset=utf-8", cache: "public, max-age=31536000, immutable", body: "BSD"},
		{name: "plain name revalidates", path: "/static/app.css", status: 200,
			contentType: "text/css; charset=utf-8", cache: "no-cache", body: "body{}"},
		{name: "head", method: http.MethodHead, path: css, status: 200,
			contentType: "text/css; charset=utf-8", cache: "public, max-age=31536000, immutable"},
		{name: "etag match is 304", path: "/static/app.css", status: 304,
			header: map[string]string{"If-None-Match": `"` + strings.Split(css, ".")[1] + `"`}},
		{name: "unknown name", path: "/static/missing.css", status: 404},
		{name: "stale hash", path: "/static/app.00000000.css", status: 404},
		{name: "directory", path: "/static/img", status: 404},
		{name: "traversal", path: "/static/../static.go", status: 404},
		{name: "outside prefix", path: "/app.css", status: 404},
		{name: "post", method: http.MethodPost, path: css, status: 405},
	}
	h := a.Handler()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = http.MethodGet
			}
			req := httptest.NewRequest(method, "http://example.test/", nil)
			req.URL.Path = tc.path // keep paths like /static/../x unnormalised
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			if rec.Code != tc.status {
				t.Fatalf("%s %s: status %d, want %d", method, tc.path, rec.Code, tc.status)
			}
			if tc.contentType != "" {
				if got := rec.Header().Get("Content-Type"); got != tc.contentType {
					t.Errorf("Content-Type = %q, want %q", got, tc.contentType)
				}
				if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
					t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
				}
			}
			if tc.cache != "" {
				if got := rec.Header().Get("Cache-Control"); got != tc.cache {
					t.Errorf("Cache-Control = %q, want %q", got, tc.cache)
				}
			}
			if tc.status == 200 {
				if got := rec.Body.String(); got != tc.body {
					t.Errorf("body = %q, want %q", got, tc.body)
				}
			}
		})
	}
}

// TestEmbeddedHandler serves a real embedded file end to end.
func TestEmbeddedHandler(t *testing.T) {
	srv := httptest.NewServer(New().Handler())
	defer srv.Close()

	resp, err := http.Get(srv.URL + Path("vendor/htmx.min.js"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}
	if got := resp.Header.Get("Cache-Control"); got != cacheImmutable {
		t.Errorf("Cache-Control = %q, want %q", got, cacheImmutable)
	}
	if got := resp.Header.Get("Content-Type"); got != "text/javascript; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
}

// TestProviderTilesAreConsistent: every provider mark is one of our own
// tiles of one shape (32×32, the same rounded square, one stroke width, a
// title for its name), so the table, the picker and the login buttons show
// a consistent set and no third-party logo.
func TestProviderTilesAreConsistent(t *testing.T) {
	marks, err := embedded.ReadDir("img")
	if err != nil {
		t.Fatal(err)
	}
	if len(marks) < 10 {
		t.Fatalf("%d marks, want one per preset", len(marks))
	}
	tile := regexp.MustCompile(`^<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32" width="32" height="32"><title>[^<]+</title><rect width="32" height="32" rx="7" fill="#[0-9a-f]{6}"/><g fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round" stroke-linejoin="round">`)
	for _, m := range marks {
		b, err := embedded.ReadFile("img/" + m.Name())
		if err != nil {
			t.Fatal(err)
		}
		if !tile.Match(b) || strings.Contains(string(b), "<image") || strings.Contains(string(b), "href=") {
			t.Errorf("img/%s is not one of our tiles:\n%.300s", m.Name(), b)
		}
	}
}
