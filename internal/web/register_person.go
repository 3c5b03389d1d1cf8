package web

import (
	"context"
	"html/template"
	"net/url"
	"strings"
	"unicode/utf8"

	"shequ"
	"shequ/internal/i18n"
	"shequ/internal/register"
)

// The person picker of the register forms: a Person field names a resident
// of the register by id, but people never type ids. The form asks for a
// name or an ID number (input <field>__q); on submit the mechanism finds the
// resident among those of the actor's area: one match is taken, none is a
// field error, several come back as choices (radio <field>__pick: name,
// masked ID number, community) to pick from. It works without JavaScript.
// The API takes the id itself; an import cell takes the ID number (or id).

// maxPersonChoices bounds the residents offered for one name.
const maxPersonChoices = 10

// personSuffix and pickSuffix name the inputs of a person picker.
const (
	personSuffix = "__q"
	pickSuffix   = "__pick"
)

// personLabel is how a resident is named in a picker: 张三（110105********002X）.
func personLabel(p *shequ.Resident) string {
	return p.Name + "（" + p.IDNumber.Masked() + "）"
}

// resolvePeople turns the person pickers of a posted form into the ids the
// schema reads: form[<field>] is set to the resident found, and the choices
// of an ambiguous name are returned by field with the field errors. The
// stored person (edit) is kept while the text still names them.
func (m *registerMount[T]) resolvePeople(ctx context.Context, a *shequ.Actor, x *T, form url.Values) (map[string][]registerOption, shequ.FieldErrors) {
	var fe shequ.FieldErrors
	choices := map[string][]registerOption{}
	for _, f := range m.schema.Fields {
		if f.Kind != register.KindPerson {
			continue
		}
		current := f.FormText(x)[0]
		q := strings.TrimSpace(form.Get(f.Name + personSuffix))
		if pick := strings.TrimSpace(form.Get(f.Name + pickSuffix)); pick != "" {
			if p, err := m.person(ctx, a, pick); err == nil {
				form.Set(f.Name, p.ID)
				continue
			}
		}
		switch {
		case q == "":
			form.Set(f.Name, "")
			continue
		case utf8.RuneCountInString(q) > maxQueryRunes:
			fe.Add(f.Name, "search.too_long", "The search text is too long.", map[string]any{"Max": maxQueryRunes})
			form.Set(f.Name, current)
			continue
		case current != "" && q == m.personText(ctx, current):
			form.Set(f.Name, current)
			continue
		}
		found, err := m.findPeople(ctx, a, q)
		switch {
		case err != nil && shequ.ErrorCode(err) != shequ.EInvalid:
			fe.Add(f.Name, "error.unavailable", "The service is not available.", nil)
		case len(found) == 1:
			form.Set(f.Name, found[0].ID)
			continue
		case len(found) == 0:
			fe.Add(f.Name, "register.person.none", "No resident of your area has this name or ID number.", map[string]any{"Q": q})
		default:
			for _, p := range found {
				choices[f.Name] = append(choices[f.Name], registerOption{Value: p.ID, Label: personLabel(p) + " " + p.Community})
			}
			fe.Add(f.Name, "register.person.many", "Several residents have this name: choose one.", map[string]any{"Q": q})
		}
		form.Set(f.Name, current) // not found: the record keeps its person until one is

	}
	return choices, fe
}

// findPeople finds the residents of the actor's area by exact ID number or
// by part of the name.
func (m *registerMount[T]) findPeople(ctx context.Context, a *shequ.Actor, q string) ([]*shequ.Resident, error) {
	if m.s.cfg.Residents == nil {
		return nil, errNoService
	}
	f := shequ.ResidentFilter{Limit: maxPersonChoices}
	if a != nil {
		f.Community = a.Scope
	}
	if n, err := shequ.ParseIDNumber(q, m.s.now()); err == nil {
		f.IDNumber = string(n)
	} else {
		f.Query = q
	}
	list, _, err := m.s.cfg.Residents.FindResidents(ctx, f)
	return list, err
}

// person returns the resident id names, within the actor's area.
func (m *registerMount[T]) person(ctx context.Context, a *shequ.Actor, id string) (*shequ.Resident, error) {
	if m.s.cfg.Residents == nil || id == "" || len(id) > maxIDLen {
		return nil, shequ.ErrNotFound
	}
	p, err := m.s.cfg.Residents.FindResidentByID(ctx, id, false)
	if err != nil {
		return nil, err
	}
	if a != nil && !shequ.IsAncestorOrSelf(a.Scope, p.Community) {
		return nil, shequ.ErrNotFound
	}
	return p, nil
}

// personText is what the picker shows of the resident id: their name and
// masked ID number, the id itself when they cannot be read.
func (m *registerMount[T]) personText(ctx context.Context, id string) string {
	if id == "" {
		return ""
	}
	a := shequ.ActorFrom(ctx)
	p, err := m.person(ctx, a, id)
	if err != nil {
		return id
	}
	return personLabel(p)
}

// personHTML shows a Person field's value: the resident's name and masked
// ID number, linked to their record.
func (m *registerMount[T]) personHTML(ctx context.Context, l *i18n.Localizer, id string) template.HTML {
	if id == "" {
		return "—"
	}
	text := m.personText(ctx, id)
	if text == id {
		return template.HTML(`<span class="code">` + template.HTMLEscapeString(id) + `</span>`)
	}
	return template.HTML(`<a href="/residents/` + template.HTMLEscapeString(url.PathEscape(id)) + `">` +
		template.HTMLEscapeString(text) + `</a>`)
}

// importPerson resolves an import cell naming a resident: an ID number
// (exact, within the actor's area) or a resident id.
func (m *registerMount[T]) importPerson(ctx context.Context, a *shequ.Actor) func(string) (string, error) {
	return func(cell string) (string, error) {
		if n, err := shequ.ParseIDNumber(cell, m.s.now()); err == nil {
			// Without the right to reveal, the number is matched through
			// the blind index for this import only (shequ.ResidentMatcher):
			// an official over the county imports the care register.
			if mt, ok := m.s.cfg.Residents.(shequ.ResidentMatcher); ok && !a.Can(shequ.ActionResidentReveal) {
				p, err := mt.MatchResidentForImport(ctx, string(n), m.schema.Bulk)
				if err != nil {
					return "", err
				}
				return p.ID, nil
			}
			found, err := m.findPeople(ctx, a, string(n))
			if err != nil {
				return "", err
			}
			if len(found) != 1 {
				return "", shequ.ErrNotFound
			}
			return found[0].ID, nil
		}
		p, err := m.person(ctx, a, cell)
		if err != nil {
			return "", err
		}
		return p.ID, nil
	}
}
