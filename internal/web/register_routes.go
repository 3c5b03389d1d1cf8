package web

// The register mechanism's web side. A register (台账) is declared once as a
// register.Schema (internal/register: its typed fields, filters, list
// columns, import columns, domain validation) and mounted here with its
// store; the mechanism then serves, for a mount at /estates:
//
//	GET  /estates                  list with filters and pagination (register_list.go)
//	GET  /estates/new, POST /estates                new form, create (register_form.go)
//	GET  /estates/{id}             show page, sealed fields masked
//	POST /estates/{id}/reveal      the same in clear (Schema.Reveal only)
//	GET  /estates/{id}/edit, POST /estates/{id}/edit  edit form, update
//	GET  /estates/import, POST /estates/import     upload page (register_import.go)
//	GET  /api/v1/estates, POST …, GET/PATCH /api/v1/estates/{id},
//	POST /api/v1/estates/import    the JSON API (register_api.go), documented
//	                               in the OpenAPI document (register_openapi.go)
//
// Every handler goes through the one central check (guard: role permission
// of the schema's actions), the form's and the API's input through the same
// reading (Schema.ReadForm/ReadJSON, then Schema.Check with the domain's
// Validate) and the same scope check (outOfScope: a record outside the
// actor's area is 404, named on its community field); the store authorizes
// again with scope and ownership and audits in the write's transaction.
// Bad input is a field error and writes nothing.
//
// Mounting a register is one function in the resource's file, with the
// schema and its store binding declared in internal/register:
//
//	func (s *Server) estateRegister() *registerMount[shequ.Estate] {
//		return mount(s, register.Estates, "/estates", s.cfg.Estates != nil, register.EstateStore(s.cfg.Estates))
//	}
//
// and one line in mountRegisters below. See "Adding a register" in
// README.md for the whole walk-through.

import (
	"html/template"
	"net/http"
	"strings"

	"shequ"
	"shequ/internal/i18n"
	"shequ/internal/register"
)

// registerMount is a register served at a path with its store.
type registerMount[T any] struct {
	s      *Server
	schema *register.Schema[T]
	store  register.Store[T]
	wired  bool   // the service is configured; else its pages answer 503
	path   string // "/orgs"
	api    string // "/api/v1/orgs"

	// Optional adjustments of the generic pages.
	// shows replaces how a field is shown (on the show page, and in the
	// list unless cells replaces it there).
	shows, cells map[string]func(l *i18n.Localizer, x *T) template.HTML
	// showPage, if set, names the page template that composes the show
	// page's parts with more content (a facility's photos).
	showPage string
	// links adds links beside the list's actions (the coverage of the
	// filtered division).
	links func(l *i18n.Localizer, q register.Query) []registerLink
	// showExtra gives the show page's extra data (Page.Extra).
	showExtra func(r *http.Request, a *shequ.Actor, x *T) (any, error)
	// notices adds the show page's notices beyond created and saved.
	notices map[string]string
	// selects, if set, turn text fields naming a record of another
	// register (a worker's employing organization) into a choice among
	// the records the actor may pick (register_select.go).
	selects map[string]registerSelect
	// picks, if set, give the Pick and Picks fields (a team's leader and
	// members) their lists of records to pick by name (register_picks.go).
	picks map[string]*registerPicker
	// writable, if set, tells whether the actor may change the record x
	// beyond what the role table says (an org_member keeps only their
	// organization's teams): its show page offers the edit link only then.
	writable func(r *http.Request, a *shequ.Actor, x *T) bool
	// derivedCommunity marks a register whose records get their community
	// from the store (from the resident): a new one has none to check.
	derivedCommunity bool
}

// mount returns the mount of schema at path (and /api/v1 + path).
func mount[T any](s *Server, schema *register.Schema[T], path string, wired bool, store register.Store[T]) *registerMount[T] {
	return &registerMount[T]{s: s, schema: schema.Init(), store: store, wired: wired, path: path, api: "/api/v1" + path}
}

// registerRoutes are what the server needs of a mount of any record type.
type registerRoutes interface {
	routes() []route
	openAPI(doc map[string]any)
	catalogueKeys() []string
}

// catalogueKeys lists the catalogue keys the register's pages, API and
// import use (TestRegisterCatalogue checks both languages have them).
func (m *registerMount[T]) catalogueKeys() []string {
	s := m.schema
	keys := []string{}
	for _, k := range []string{"list.title", "list.count", "list.none", "new.title", "edit.title", "created", "saved", "back"} {
		keys = append(keys, m.key(k))
	}
	if s.Import != nil {
		keys = append(keys, m.key("import.title"), m.key("import.intro"), "cli.import."+s.Plural+"_done")
		for _, o := range s.Import.Options {
			keys = append(keys, o.Label)
		}
	}
	for _, f := range s.Fields {
		keys = append(keys, f.Label, "field."+f.Name)
		for _, k := range []string{f.Hint, f.Blank, f.InvalidKey} {
			if k != "" {
				keys = append(keys, k)
			}
		}
		if f.InvalidKey == "" && (f.Kind == register.KindChoice || f.Kind == register.KindChoices) {
			keys = append(keys, f.Labels+".invalid")
		}
		for _, v := range f.Values {
			keys = append(keys, f.Labels+"."+v)
		}
	}
	for _, f := range s.Filters {
		if f.Label != "" {
			keys = append(keys, f.Label)
		}
	}
	return keys
}

// mountRegisters lists the registers the server serves.
func (s *Server) mountRegisters() []registerRoutes {
	out := []registerRoutes{s.orgRegister(), s.workerRegister(), s.facilityRegister(), s.carePeopleRegister(),
		s.volunteerRegister(), s.teamRegister(), s.workforceRegister(), s.courseRegister(), s.estateRegister(), s.companyRegister()}
	if s.cfg.moreRegisters != nil {
		out = append(out, s.cfg.moreRegisters(s)...)
	}
	return out
}

// routes are the mount's entries of the route table. "/x/new" and
// "/x/import" win over "/x/{id}" as more specific.
func (m *registerMount[T]) routes() []route {
	rs := []route{
		{http.MethodGet, m.path, m.handleList},
		{http.MethodPost, m.path, m.handleCreate},
		{http.MethodGet, m.path + "/new", m.handleNew},
		{http.MethodGet, m.path + "/{id}", m.handleShow},
		{http.MethodGet, m.path + "/{id}/edit", m.handleEdit},
		{http.MethodPost, m.path + "/{id}/edit", m.handleUpdate},
		{http.MethodGet, m.api, m.handleAPIList},
		{http.MethodPost, m.api, m.handleAPICreate},
		{http.MethodGet, m.api + "/{id}", m.handleAPIGet},
		{http.MethodPatch, m.api + "/{id}", m.handleAPIPatch},
	}
	if m.schema.Reveal != "" {
		rs = append(rs, route{http.MethodPost, m.path + "/{id}/reveal", m.handleReveal})
	}
	if m.importable() {
		rs = append(rs, route{http.MethodGet, m.path + "/import", m.handleImportForm},
			route{http.MethodPost, m.path + "/import", m.handleImport},
			route{http.MethodPost, m.api + "/import", m.handleAPIImport})
	}
	return rs
}

// importable reports whether the register has an import.
func (m *registerMount[T]) importable() bool {
	return m.schema.Import != nil && (m.store.Import != nil || !m.wired)
}

// guard is the one central check of a request on the register: the
// actor's permission for act, then (503) whether the service is wired.
func (m *registerMount[T]) guard(w http.ResponseWriter, r *http.Request, act shequ.Action) (*shequ.Actor, bool) {
	return m.s.guardService(w, r, act, m.wired)
}

// find loads the record named by the path's id. One outside the actor's
// scope is not found, whatever the store says.
func (m *registerMount[T]) find(r *http.Request, a *shequ.Actor, reveal bool) (*T, error) {
	id := r.PathValue("id")
	if id == "" || len(id) > maxIDLen {
		return nil, shequ.ErrNotFound
	}
	x, err := m.store.Find(r.Context(), id, reveal)
	if err != nil {
		return nil, err
	}
	if a != nil && !m.visible(x, a.Scope) {
		return nil, shequ.ErrNotFound
	}
	return x, nil
}

// visible reports whether x lies in the area of an actor scoped at scope
// (Schema.Visible, or its community at or below scope).
func (m *registerMount[T]) visible(x *T, scope string) bool {
	if m.schema.Visible != nil {
		return m.schema.Visible(x, scope)
	}
	return shequ.IsAncestorOrSelf(scope, m.schema.Community(x))
}

// canReveal reports whether the actor may see the sealed fields in clear.
func (m *registerMount[T]) canReveal(a *shequ.Actor) bool {
	return m.schema.Reveal != "" && a.Can(m.schema.Reveal)
}

// check validates x after it was read with c, and that its community lies
// in the actor's scope: a record outside it is 404 (like a read), with the
// field named so that a form shows it.
func (m *registerMount[T]) check(a *shequ.Actor, x *T, c *register.Context) error {
	if err := m.schema.Check(x, c); err != nil {
		return err
	}
	field := "community_code"
	for _, f := range m.schema.Fields {
		if f.Kind == register.KindCommunity {
			field = f.Name
			break
		}
	}
	// A register whose community the store derives (the care register
	// takes it from the resident) has none yet on a new record: the store's
	// own scope check is the one then.
	if code := m.schema.Community(x); code != "" || !m.derivedCommunity {
		return outOfScope(a, field, code)
	}
	return nil
}

// readContext starts a reading of input at the server's clock.
func (m *registerMount[T]) readContext(edit bool) *register.Context {
	return &register.Context{Now: m.s.now(), Edit: edit}
}

// key is a catalogue key of the register: <Name>.<suffix>.
func (m *registerMount[T]) key(suffix string) string { return m.schema.Name + "." + suffix }

// domID is the DOM id of a field or part of the register's pages:
// org + credit_code → org-credit-code.
func (m *registerMount[T]) domID(name string) string {
	return m.schema.Name + "-" + strings.ReplaceAll(name, "_", "-")
}

// recordPath is the show page of x.
func (m *registerMount[T]) recordPath(x *T) string { return m.path + "/" + m.schema.ID(x) }
