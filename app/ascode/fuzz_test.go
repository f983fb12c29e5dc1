package ascode_test

import (
	"errors"
	"testing"

	"github.com/orgsso/orgsso/app/ascode"
)

// FuzzParse feeds the document parser arbitrary input: it must never
// panic, must either return items or Errors naming what is wrong, and an
// item it accepts must have a name and a type.
func FuzzParse(f *testing.F) {
	f.Add([]byte(okta))
	f.Add([]byte("[]"))
	f.Add([]byte(`[{"type": "oidc", "name": "A", "config": {"issuer": "https://a.example", "clientID": "x"}}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		items, err := ascode.Parse(data)
		if err != nil {
			var es ascode.Errors
			if !errors.As(err, &es) || len(es) == 0 {
				t.Fatalf("error %T %v is not ascode.Errors", err, err)
			}
			if items != nil {
				t.Fatal("items returned with an error")
			}
			return
		}
		for _, it := range items {
			if it.Name == "" || it.Type == "" {
				t.Fatalf("accepted item without name or type: %+v", it)
			}
		}
	})
}
