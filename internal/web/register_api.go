package web

import (
	"context"
	"encoding/json"
	"net/http"

	"shequ"
	"shequ/internal/register"
)

// handleAPIList serves GET /api/v1/<path>: the filters of the list page
// (by their API names), limit and offset; every problem at once.
func (m *registerMount[T]) handleAPIList(w http.ResponseWriter, r *http.Request) {
	a, ok := m.guard(w, r, m.schema.Read)
	if !ok {
		return
	}
	q := r.URL.Query()
	rq, _, qerr := m.parseQuery(q, a, true)
	limit, offset, perr := parseLimitOffset(q, registerAPIDefaultLimit, registerAPIMaxLimit)
	if qerr != nil || perr != nil {
		// Field errors of both, with the query's status (404 out of scope
		// only when nothing else is wrong).
		var fe shequ.FieldErrors
		for _, err := range []error{qerr, perr} {
			if err != nil && shequ.ErrorCode(err) == shequ.EInvalid {
				fe = append(fe, shequ.AsError(err).Fields...)
			}
		}
		if err := fe.Err(); err != nil {
			m.s.error(w, r, err)
			return
		}
		m.s.error(w, r, qerr)
		return
	}
	rq.Offset, rq.Limit = offset, limit
	list, total, err := m.store.List(r.Context(), rq)
	if err != nil {
		m.s.error(w, r, err)
		return
	}
	writeList(w, list, total, func(x *T) register.Object { return m.schema.JSON(x, false) })
}

// handleAPIGet serves GET /api/v1/<path>/{id}; ?reveal=1 asks for sealed
// fields in clear (403 without the schema's Reveal permission).
func (m *registerMount[T]) handleAPIGet(w http.ResponseWriter, r *http.Request) {
	a, ok := m.guard(w, r, m.schema.Read)
	if !ok {
		return
	}
	reveal := false
	switch r.URL.Query().Get("reveal") {
	case "", "0", "false":
	case "1", "true":
		reveal = true
	default:
		m.s.error(w, r, shequ.Errorf(shequ.EInvalid, "param.boolean", "reveal must be 1 or 0."))
		return
	}
	if reveal && !m.canReveal(a) {
		m.s.error(w, r, shequ.ErrForbidden)
		return
	}
	x, err := m.find(r, a, reveal)
	if err != nil {
		m.s.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, m.schema.JSON(x, reveal))
}

// handleAPICreate serves POST /api/v1/<path>: the body onto a new record
// with the schema's defaults.
func (m *registerMount[T]) handleAPICreate(w http.ResponseWriter, r *http.Request) {
	var body map[string]json.RawMessage
	a, ok := m.s.guardJSON(w, r, m.schema.Write, m.wired, &body)
	if !ok {
		return
	}
	x := m.schema.New()
	c := m.readContext(false)
	if err := m.readJSON(r.Context(), a, x, body, c); err != nil {
		m.s.error(w, r, err)
		return
	}
	if err := m.store.Create(r.Context(), x); err != nil {
		m.s.error(w, r, err)
		return
	}
	w.Header().Set("Location", m.api+"/"+m.schema.ID(x))
	writeJSON(w, http.StatusCreated, m.schema.JSON(x, false))
}

// handleAPIPatch serves PATCH /api/v1/<path>/{id}: the body is merged onto
// the stored record, which is then saved whole.
func (m *registerMount[T]) handleAPIPatch(w http.ResponseWriter, r *http.Request) {
	var body map[string]json.RawMessage
	a, ok := m.s.guardJSON(w, r, m.schema.Write, m.wired, &body)
	if !ok {
		return
	}
	x, err := m.find(r, a, false)
	if err != nil {
		m.s.error(w, r, err)
		return
	}
	c := m.readContext(true)
	if err := m.readJSON(r.Context(), a, x, body, c); err != nil {
		m.s.error(w, r, err)
		return
	}
	if err := m.store.Update(r.Context(), x); err != nil {
		m.s.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, m.schema.JSON(x, false))
}

// readJSON merges body onto x and checks the result and its scope.
func (m *registerMount[T]) readJSON(ctx context.Context, a *shequ.Actor, x *T, body map[string]json.RawMessage, c *register.Context) error {
	if body == nil {
		return errBadJSON
	}
	if err := m.schema.ReadJSON(x, body, c); err != nil {
		return err
	}
	// A person is named by id in the API: one of the actor's area.
	for _, f := range m.schema.Fields {
		if id := f.FormText(x)[0]; f.Kind == register.KindPerson && c.Given(f.Name) && id != "" {
			if _, err := m.person(ctx, a, id); err != nil {
				c.Fail(f.Name, "register.person.unknown", "No resident of your area has this id.", nil)
			}
		}
	}
	return m.check(a, x, c)
}
