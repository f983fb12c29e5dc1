package web

import (
	"net/url"
	"strings"
	"testing"
	"unicode"
)

// LeavesSite is leavesSite for the open-redirect table (package web_test).
var LeavesSite = leavesSite

// leavesSite reports whether a browser that gets ref as a Location (or a
// link) relative to a page of ours could land on another site. It follows
// what browsers do to a URL (the WHATWG URL standard): leading and
// trailing C0 controls and spaces dropped, tabs and line breaks removed
// anywhere, backslashes read as slashes; then a scheme ("https:evil",
// "javascript:…") or a leading "//" leaves the page's origin.
func leavesSite(ref string) bool {
	s := strings.TrimFunc(ref, func(r rune) bool { return r <= ' ' })
	s = strings.Map(func(r rune) rune {
		switch r {
		case '\t', '\n', '\r':
			return -1
		case '\\':
			return '/'
		}
		return r
	}, s)
	if strings.HasPrefix(s, "//") {
		return true
	}
	// A scheme: a letter, then letters, digits, "+", "-" or ".", then ":".
	for i, r := range s {
		switch {
		case r == ':':
			return i > 0
		case r < 0x80 && (unicode.IsLetter(r) || (i > 0 && (unicode.IsDigit(r) || r == '+' || r == '-' || r == '.'))):
			continue
		}
		return false
	}
	return false
}

// checkLocal fails t unless p is a path of this site that no browser
// reads as another site, and Go resolves on our host.
func checkLocal(t *testing.T, what, in, p string) {
	t.Helper()
	if !strings.HasPrefix(p, "/") || leavesSite(p) {
		t.Fatalf("%s(%q) = %q, which leaves the site", what, in, p)
	}
	if strings.IndexFunc(p, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0 {
		t.Fatalf("%s(%q) = %q, which holds an ASCII control character (a header or URL breaker)", what, in, p)
	}
	ref, err := url.Parse(p)
	if err != nil {
		t.Fatalf("%s(%q) = %q, which does not parse: %v", what, in, p, err)
	}
	base, _ := url.Parse("https://sso.example.com/o/acme/login")
	if got := base.ResolveReference(ref); got.Host != base.Host || got.Scheme != base.Scheme || got.User != nil {
		t.Fatalf("%s(%q) = %q, which resolves to %s", what, in, p, got)
	}
}

// FuzzReturnTo: whatever return_to (or an IdP's target_link_uri) says,
// what we redirect to afterwards is "/" or the value itself, and a path of
// this site that no browser reads as another site. Seeds:
// testdata/fuzz/FuzzReturnTo (scripts/fuzz-seeds.go), among them every
// vector of the open-redirect table (open_redirect_test.go).
func FuzzReturnTo(f *testing.F) {
	h := &Handlers{opts: Options{BaseURL: "https://sso.example.com"}}
	for _, v := range RedirectVectors {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got := localPath(p)
		if got != "/" && got != p {
			t.Fatalf("localPath(%q) = %q: neither the value nor /", p, got)
		}
		checkLocal(t, "localPath", p, got)
		if target, ok := h.targetLink(p); ok && target != "" {
			checkLocal(t, "targetLink", p, target)
		}
	})
}

func TestLeavesSite(t *testing.T) {
	for ref, want := range map[string]bool{
		"/":                  false,
		"/o/acme":            false,
		"/a:b":               false,
		"//evil":             true,
		"/\\evil":            true,
		"\\/evil":            true,
		" //evil":            true,
		"/\t/evil":           true,
		"https:evil":         true,
		"javascript:alert1":  true,
		"\x01javascript:x":   true,
		"/%2F%2Fevil":        false,
		"java\nscript:alert": true,
	} {
		if got := leavesSite(ref); got != want {
			t.Errorf("leavesSite(%q) = %v, want %v", ref, got, want)
		}
	}
}
