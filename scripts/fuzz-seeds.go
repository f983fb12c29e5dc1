//go:build ignore

// Command fuzz-seeds writes the committed seed corpora of the fuzz targets
// (testdata/fuzz/FuzzXxx/seed-*, "go test fuzz v1" files), which `go test`
// runs as ordinary cases and `make fuzz` starts from. Crashes the fuzzer
// finds are written beside them by go test itself and committed as they
// are. Run from the repository root:
//
//	go run scripts/fuzz-seeds.go
package main

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

type arg interface{}

type raw []byte

func encode(args ...arg) string {
	var b strings.Builder
	b.WriteString("go test fuzz v1\n")
	for _, a := range args {
		switch v := a.(type) {
		case string:
			fmt.Fprintf(&b, "string(%s)\n", strconv.Quote(v))
		case raw:
			fmt.Fprintf(&b, "[]byte(%s)\n", strconv.Quote(string(v)))
		case bool:
			fmt.Fprintf(&b, "bool(%t)\n", v)
		default:
			log.Fatalf("unsupported seed value %T", a)
		}
	}
	return b.String()
}

func write(dir, target string, seeds [][]arg) {
	path := filepath.Join(dir, "testdata", "fuzz", target)
	if err := os.MkdirAll(path, 0o755); err != nil {
		log.Fatal(err)
	}
	for i, s := range seeds {
		name := filepath.Join(path, fmt.Sprintf("seed-%02d", i+1))
		if err := os.WriteFile(name, []byte(encode(s...)), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

func main() {
	write("app/connector", "FuzzParseGroupMappings", [][]arg{
		{"IT->admin;DATA_SCIENCE->user"},
		{""},
		{"IT->admin\nStaff -> user\r\n"},
		{" ; ;\n"},
		{"IT"},
		{"->admin"},
		{"IT->owner"},
		{"IT->admin;IT->admin"},
		{"IT->admin;it->admin;IT->user"},
		{"a->b->admin"},
		{"IT->admin->user"},
		{"https://corp.example/groups/it->admin"},
		{"Ünïcödé группа->user"},
		{"\u00a0IT\u00a0->\u00a0admin"},
		{"grp\x00->admin"},
	})
	write("app/connector", "FuzzMapClaims", [][]arg{
		{raw(`{"sub":"u1","email":"a@x.com","email_verified":true,"name":"A","groups":["IT","Data"]}`), "", "", "", ""},
		{raw(`{"sub":"u1","preferred_username":"a@corp.example","email_verified":true}`), "", "preferred_username", "", ""},
		{raw(`{"oid":"0000-1","upn":"a@x.com","https://app.example/groups":"IT, Data ,, "}`), "oid", "upn", "", "https://app.example/groups"},
		{raw(`{"sub":12345678901234567890,"groups":[1,"IT",null,{"x":1}]}`), "", "", "", ""},
		{raw(`{"sub":["only"],"email":"  a@x.com  ","email_verified":"TRUE"}`), "", "", "", ""},
		{raw(`{"sub":["a","b"]}`), "", "", "", ""},
		{raw(`{"id_token":"eyJ","access_token":"x","refresh_token":"y","nonce":"n","X_TOKEN":"z","sub":"u"}`), "", "", "", ""},
		{raw(`{"email":"a@x.com"}`), "", "", "", ""},
		{raw(`{"sub":true,"given_name":" Dana ","family_name":"Scully"}`), "", "", "", ""},
		{raw(`{}`), " ", " ", " ", " "},
	})
	write("app/signin", "FuzzCallbackQuery", [][]arg{
		{"code=abc", true, false},
		{"code=abc", true, true},
		{"state=nope&code=abc", false, false},
		{"", false, false},
		{"", true, false},
		{"error=access_denied&error_description=The+user+said+no", true, false},
		{"error=<script>alert(1)</script>&error_uri=javascript:alert(1)", true, true},
		{"code=", true, false},
		{"code=a&code=b&state=other", true, false},
		{"state=%00&code=%ff", false, false},
		{"iss=https://evil.example&code=abc", true, false},
		{"%zz=1&state", false, true},
		{"code=abc;state=x", true, false},
	})
	write("app/web", "FuzzReturnTo", [][]arg{
		{"/"},
		{""},
		{"/o/acme/members?page=2&q=a%40b"},
		{"/account#sessions"},
		{"https://sso.example.com/o/acme?x=1"},
		{"https://sso.example.com"},
		{"https://SSO.EXAMPLE.COM/account"},
		{"https://sso.example.com//evil.example"},
		{"https://sso.example.com/\\evil.example"},
		{"https://sso.example.com:443@evil.example/"},
		{"http://sso.example.com/account"},
		{"/a/../../b"},
	})
}
