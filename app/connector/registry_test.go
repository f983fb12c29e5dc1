package connector

import (
	"context"
	"net/http"
	"testing"
)

func testProtocol(name string) Protocol {
	return Protocol{
		Name: name, ReturnPath: "/" + name + "/:conn/acs", ReturnMethods: []string{http.MethodPost},
		Open:  func(context.Context, []byte, string, Env) (Connector, error) { return nil, nil },
		State: func(r *http.Request) string { return r.FormValue("RelayState") },
		Form:  &Form{},
	}
}

// The registry holds each protocol once, in order; an incomplete or second
// registration is refused at start-up, not discovered at a login.
func TestRegistry(t *testing.T) {
	r := NewRegistry(testProtocol("a"), testProtocol("b"))
	if got := r.All(); len(got) != 2 || got[0].Name != "a" || got[1].Name != "b" {
		t.Fatalf("All = %v", got)
	}
	if p, ok := r.Get("b"); !ok || p.Name != "b" {
		t.Fatalf("Get(b) = %v %v", p, ok)
	}
	if _, ok := r.Get("saml"); ok {
		t.Fatal("Get of an unregistered protocol")
	}
	for name, p := range map[string]Protocol{
		"twice":                      testProtocol("a"),
		"no state":                   func() Protocol { p := testProtocol("c"); p.State = nil; return p }(),
		"initiate path without func": func() Protocol { p := testProtocol("d"); p.InitiatePath = "/x"; return p }(),
		"metadata path without func": func() Protocol { p := testProtocol("e"); p.MetadataPath = "/m"; return p }(),
		"no form":                    func() Protocol { p := testProtocol("f"); p.Form = nil; return p }(),
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: registered", name)
				}
			}()
			r.Register(p)
		}()
	}
	if got := PathFor("/saml/:conn/acs", "c_123"); got != "/saml/c_123/acs" {
		t.Fatalf("PathFor = %q", got)
	}
}
