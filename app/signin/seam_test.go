package signin_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// signin and web speak protocols only through the connector.Registry they
// are given: they name no protocol package, so adding one (SAML) changes
// nothing there.
func TestSigninAndWebNameNoProtocolPackage(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	web, err := filepath.Glob("../web/*.go")
	if err != nil || len(web) == 0 {
		t.Fatal("no web files", err)
	}
	files = append(files, web...)
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(path, "github.com/orgsso/orgsso/app/connector/") {
				t.Errorf("%s imports the protocol package %s", name, path)
			}
		}
	}
}
