package web_test

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/orgsso/orgsso/app/web"
)

// apiRouteKeys are the API routes echo serves, as "METHOD /openapi/path".
func apiRouteKeys(e *echo.Echo) map[string]bool {
	out := map[string]bool{}
	for _, r := range e.Routes() {
		if r.Method == echo.RouteNotFound || !strings.HasPrefix(r.Path, "/api/") {
			continue
		}
		out[r.Method+" "+web.OpenAPIPath(r.Path)] = true
	}
	return out
}

// TestOpenAPIDescribesEveryRoute walks echo's route table: every API route
// is in /api/v1/openapi.json, and the document names no route that is not
// served.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.client().get("/api/v1/openapi.json")
	assertStatus(t, p, http.StatusOK)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
		Comps   struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal([]byte(p.body), &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	served := apiRouteKeys(e.echo)
	if len(served) < 20 {
		t.Fatalf("only %d API routes served: %v", len(served), served)
	}
	var missing, extra []string
	for k := range served {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !served[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	for _, k := range missing {
		t.Errorf("route %s is served but not in openapi.json", k)
	}
	for _, k := range extra {
		t.Errorf("openapi.json describes %s, which is not served", k)
	}
	// Every schema referenced is defined.
	for _, ref := range strings.Split(p.body, `"$ref":"#/components/schemas/`)[1:] {
		name := ref[:strings.Index(ref, `"`)]
		if _, ok := doc.Comps.Schemas[name]; !ok {
			t.Errorf("schema %s is referenced but not defined", name)
		}
	}
}
