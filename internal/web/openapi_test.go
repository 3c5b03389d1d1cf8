package web

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// documentedRoute reports whether the OpenAPI document must describe rt:
// the API and the operations endpoints, not the HTML pages.
func documentedRoute(rt route) bool {
	return strings.HasPrefix(rt.Path, "/api/v1/") || slices.Contains([]string{"/healthz", "/readyz", "/metrics"}, rt.Path)
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	s := newTestServer(t, nil)
	w := s.get(t, "/api/v1/openapi.json")
	if w.Code != http.StatusOK {
		t.Fatalf("status = %d", w.Code)
	}
	var doc struct {
		OpenAPI string `json:"openapi"`
		Info    struct {
			Version string `json:"version"`
		} `json:"info"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") || doc.Info.Version != testVersion {
		t.Errorf("openapi %q, version %q", doc.OpenAPI, doc.Info.Version)
	}
	for _, name := range []string{"Division", "Error", "SocialOrg", "SocialWorker", "IndicatorReport"} {
		if _, ok := doc.Components.Schemas[name]; !ok {
			t.Errorf("schema %s missing", name)
		}
	}

	registered := map[string]bool{}
	for _, rt := range s.routes {
		if !documentedRoute(rt) {
			continue
		}
		key := strings.ToLower(rt.Method) + " " + rt.Path
		registered[key] = true
		if _, ok := doc.Paths[rt.Path][strings.ToLower(rt.Method)]; !ok {
			t.Errorf("route %s is not in openapi.json", rt.pattern())
		}
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" || method == "summary" || method == "description" {
				continue
			}
			if !registered[method+" "+path] {
				t.Errorf("openapi.json documents %s %s, which no route serves", strings.ToUpper(method), path)
			}
		}
	}
	if len(registered) < 8 {
		t.Errorf("only %d documented routes found; the route table looks wrong", len(registered))
	}
}

// TestOpenAPIRefsResolve checks that every $ref points at a component.
func TestOpenAPIRefsResolve(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(openAPISource, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				parts := strings.Split(strings.TrimPrefix(ref, "#/"), "/")
				var cur any = doc
				for _, p := range parts {
					m, _ := cur.(map[string]any)
					cur = m[p]
				}
				if cur == nil {
					t.Errorf("$ref %s does not resolve", ref)
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(doc)
}
