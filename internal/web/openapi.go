package web

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
)

// openAPISource is the hand-written OpenAPI 3.1 description of the API. A
// test keeps it in step with the route table.
//
//go:embed openapi.json
var openAPISource []byte

// openAPIDocument returns the document with info.version set to version
// and the entries of the registers, generated from their declarations.
func openAPIDocument(version string, registers []registerRoutes) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(openAPISource, &doc); err != nil {
		return nil, err
	}
	info, ok := doc["info"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("openapi.json has no info object")
	}
	info["version"] = version
	for _, m := range registers {
		m.openAPI(doc)
	}
	return json.MarshalIndent(doc, "", "  ")
}

// handleOpenAPI serves GET /api/v1/openapi.json.
func (s *Server) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(s.openapi)
}
