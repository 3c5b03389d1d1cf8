package web

import (
	"maps"
	"strings"

	"shequ/internal/register"
)

// openAPI adds the register's endpoints and schemas to the OpenAPI
// document: they are generated from the declaration, so that the document
// cannot drift from what the mechanism serves. Field descriptions are the
// English catalogue labels.
func (m *registerMount[T]) openAPI(doc map[string]any) {
	en := m.s.cat.Localizer("en")
	sc := m.schema
	tag := strings.TrimPrefix(m.path, "/")
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	paths := doc["paths"].(map[string]any)
	ref := func(name string) map[string]any { return map[string]any{"$ref": "#/components/schemas/" + name} }
	resp := func(name string) map[string]any { return map[string]any{"$ref": "#/components/responses/" + name} }
	security := []any{map[string]any{"bearer": []any{}}, map[string]any{"session": []any{}}}
	jsonBody := func(desc string, schema map[string]any) map[string]any {
		return map[string]any{"description": desc, "content": map[string]any{"application/json": map[string]any{"schema": schema}}}
	}
	errors := func(extra ...string) map[string]any {
		out := map[string]any{"400": resp("BadRequest"), "401": resp("Unauthorized"), "403": resp("Forbidden"),
			"500": resp("Internal"), "503": resp("Unavailable")}
		for _, c := range extra {
			switch c {
			case "404":
				out["404"] = resp("NotFound")
			case "409":
				out["409"] = resp("Conflict")
			}
		}
		return out
	}
	title := en.T(m.key("list.title"))

	// The record, its input and a page of them.
	props, input := map[string]any{"id": map[string]any{"type": "string", "readOnly": true}}, map[string]any{}
	required := []any{"id"}
	for _, f := range sc.Fields {
		for k, s := range f.JSONSchema() {
			s = maps.Clone(s)
			if s["description"] == nil {
				s["description"] = en.T(f.Label)
			}
			if max, ok := s["maxLength"].(int); ok && max == 0 {
				delete(s, "maxLength")
			}
			input[k] = s
			if s["writeOnly"] == nil {
				props[k] = s
				required = append(required, k)
			}
		}
	}
	for k, s := range sc.ExtraSchema {
		props[k] = maps.Clone(s)
		props[k].(map[string]any)["readOnly"] = true
		required = append(required, k)
	}
	if sc.Times != nil {
		for _, k := range []string{"created_at", "updated_at"} {
			props[k] = map[string]any{"type": "string", "format": "date-time", "readOnly": true}
			required = append(required, k)
		}
	}
	schemas[sc.Type] = map[string]any{"type": "object", "description": title, "required": required, "properties": props}
	schemas[sc.Type+"Input"] = map[string]any{"type": "object", "additionalProperties": false, "properties": input,
		"description": "Absent fields keep their value on PATCH and take the register's default on POST; sealed fields are given in clear and answered masked."}
	schemas[sc.Type+"List"] = map[string]any{"type": "object", "required": []any{"items", "total"},
		"properties": map[string]any{"items": map[string]any{"type": "array", "items": ref(sc.Type)}, "total": map[string]any{"type": "integer"}}}

	// The list's parameters: its filters by their API names, sort, page.
	var params []any
	param := func(name, desc string, schema map[string]any) {
		params = append(params, map[string]any{"name": name, "in": "query", "required": false, "description": desc, "schema": schema})
	}
	for _, f := range sc.Filters {
		p := f.Param(true)
		switch f.Kind {
		case register.FilterCommunity:
			param(p, "Only those at or below this division (default: the caller's scope; outside it: 404).",
				map[string]any{"type": "string", "pattern": "^[0-9]{2}([0-9]{2}([0-9]{2}([0-9]{3}([0-9]{3})?)?)?)?$"})
		case register.FilterChoice:
			fd := sc.Field(f.Name)
			param(p, en.T(fd.Label)+".", map[string]any{"type": "string", "enum": fd.Values})
		case register.FilterText:
			param(p, "Part of the name.", map[string]any{"type": "string", "maxLength": maxQueryRunes})
		case register.FilterDateRange:
			fd := sc.Field(f.Name)
			param(p+"_from", en.T(fd.Label)+" on or after this day.", map[string]any{"type": "string", "format": "date"})
			param(p+"_to", en.T(fd.Label)+" on or before this day.", map[string]any{"type": "string", "format": "date"})
		}
	}
	if len(sc.Sorts) > 0 {
		param("sort", "Order (default "+sc.Sorts[0]+").", map[string]any{"type": "string", "enum": sc.Sorts})
	}
	param("limit", "Page size, 1–200 (default 50).", map[string]any{"type": "integer", "minimum": 1, "maximum": registerAPIMaxLimit, "default": registerAPIDefaultLimit})
	param("offset", "Number of items to skip (default 0).", map[string]any{"type": "integer", "minimum": 0, "default": 0})

	listOK := errors("404")
	listOK["200"] = jsonBody("A page of the register, sealed fields masked.", ref(sc.Type+"List"))
	created := errors("409")
	created["201"] = jsonBody("The stored record, sealed fields masked.", ref(sc.Type))
	created["404"] = jsonBody("The community is outside the caller's scope (named in fields).", ref("Error"))
	paths[m.api] = map[string]any{
		"get": map[string]any{"operationId": "list" + sc.Type, "tags": []any{tag}, "summary": "List: " + title + ".",
			"security": security, "parameters": params, "responses": listOK},
		"post": map[string]any{"operationId": "create" + sc.Type, "tags": []any{tag}, "summary": "Create a record of " + title + ".",
			"security": security, "requestBody": map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": ref(sc.Type + "Input")}}},
			"responses": created},
	}
	got := errors("404")
	got["200"] = jsonBody("The record, sealed fields masked unless revealed.", ref(sc.Type))
	var getParams []any
	if sc.Reveal != "" {
		getParams = append(getParams, map[string]any{"name": "reveal", "in": "query", "required": false,
			"description": "1 answers the sealed fields in clear (audited; 403 without the permission).",
			"schema":      map[string]any{"type": "string", "enum": []any{"0", "1", "true", "false"}}})
	}
	patched := errors("404", "409")
	patched["200"] = jsonBody("The stored record, sealed fields masked.", ref(sc.Type))
	paths[m.api+"/{id}"] = map[string]any{
		"parameters": []any{map[string]any{"$ref": "#/components/parameters/ObjectID"}},
		"get": map[string]any{"operationId": "get" + sc.Type, "tags": []any{tag}, "summary": "One record of " + title + ".",
			"security": security, "parameters": getParams, "responses": got},
		"patch": map[string]any{"operationId": "update" + sc.Type, "tags": []any{tag},
			"summary":  "Change a record: the body is merged onto the stored one, which is saved whole.",
			"security": security, "requestBody": map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": ref(sc.Type + "Input")}}},
			"responses": patched},
	}
	if !m.importable() {
		return
	}
	report := map[string]any{"type": "object", "required": []any{"total", "written", "errors"}, "properties": map[string]any{
		"total":   map[string]any{"type": "integer", "description": "Rows read (blank rows not counted)."},
		"written": map[string]any{"type": "integer", "description": "Rows written: all of them, or 0 when the file was refused."},
		"errors": map[string]any{"type": "array", "items": map[string]any{"type": "object", "required": []any{"line", "fields", "reason"},
			"properties": map[string]any{"line": map[string]any{"type": "integer", "description": "Line of the file (1 is the header)."},
				"fields": map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}},
				"reason": map[string]any{"type": "string"}}}}}}
	schemas["ImportReport"] = report
	imported := errors()
	imported["200"] = jsonBody("Every row was written.", ref("ImportReport"))
	imported["422"] = jsonBody("The file has bad rows; nothing was written. Every bad row is listed.", ref("ImportReport"))
	iparams := []any{map[string]any{"name": "filename", "in": "query", "required": false,
		"description": "The file's name; its extension (.csv, .xlsx) chooses the reader.", "schema": map[string]any{"type": "string"}}}
	if sc.Import.DefaultCommunity {
		iparams = append(iparams, map[string]any{"name": "community", "in": "query", "required": false,
			"description": "The community of rows without one.", "schema": map[string]any{"type": "string", "pattern": "^[0-9]{12}$"}})
	}
	for _, o := range sc.Import.Options {
		iparams = append(iparams, map[string]any{"name": o.Name, "in": "query", "required": false,
			"description": en.T(o.Label), "schema": map[string]any{"type": "string", "enum": []any{"0", "1"}}})
	}
	paths[m.api+"/import"] = map[string]any{"post": map[string]any{"operationId": "import" + sc.Type, "tags": []any{tag},
		"summary": "Import a CSV or XLSX file, all or nothing.", "security": security, "parameters": iparams,
		"requestBody": map[string]any{"required": true, "content": map[string]any{
			"text/csv": map[string]any{"schema": map[string]any{"type": "string"}},
			"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}},
			"multipart/form-data": map[string]any{"schema": map[string]any{"type": "object", "properties": map[string]any{
				"file": map[string]any{"type": "string", "format": "binary"}}}}}},
		"responses": imported}}
}
