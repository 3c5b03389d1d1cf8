package web

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"shequ"
	"shequ/internal/i18n"
	"shequ/internal/register"
)

// Picked records of the register forms (register.Pick and register.Picks
// fields): a field that names records of another register by id — a team's
// leader, a team's members — is asked as a choice among the records the
// actor may pick, by name. A Pick is a select; a Picks is a list of boxes
// with a search box that narrows the list as one types
// (static/register_picks.js; without JavaScript the whole list shows). The
// records already picked stay first and ticked, listed by name even when
// the actor's list no longer holds them, so that saving never drops one.
// Any register declares such a field with its picker on its mount.

// registerPicker lists and names the records of a Pick or Picks field.
type registerPicker struct {
	// options lists the records the actor may pick, by name (false: none
	// can be listed, too many or unavailable).
	options registerSelect
	// names gives the names of records by id, as the actor may read them
	// (the show page, the picks kept); a missing id shows as itself.
	names func(r *http.Request, ids []string) map[string]string
	// href, if set, is the page a picked record links to on the show page.
	href func(id string) string
	// resolve finds the record an import cell names (an ID number): its id,
	// ENotFound when none of the actor's area matches.
	resolve func(ctx context.Context, a *shequ.Actor, cell string) (string, error)
}

// pickInput makes in the input of a Pick (a select) or Picks (boxes with a
// search) field.
func (m *registerMount[T]) pickInput(r *http.Request, l *i18n.Localizer, a *shequ.Actor, in *registerInput, kind register.Kind, pk *registerPicker) {
	if kind == register.KindPick {
		m.selectInput(r, l, a, in, func(r *http.Request, a *shequ.Actor) ([]registerOption, bool) {
			opts, ok := pk.options(r, a)
			if !ok {
				return nil, false
			}
			if in.Value != "" && !slices.ContainsFunc(opts, func(o registerOption) bool { return o.Value == in.Value }) {
				opts = append([]registerOption{{Value: in.Value, Label: pk.name(r, in.Value)}}, opts...)
			}
			return opts, true
		})
		return
	}
	picked := splitValues(in.Value)
	opts, _ := pk.options(r, a)
	var first, rest []registerOption
	for _, o := range opts {
		o.ID = in.ID + "-" + o.Value
		if o.Selected = slices.Contains(picked, o.Value); o.Selected {
			first = append(first, o)
		} else {
			rest = append(rest, o)
		}
	}
	// Picks the actor's list does not hold (a member of another community
	// who serves here) stay ticked, by name.
	var kept []string
	for _, id := range picked {
		if !slices.ContainsFunc(first, func(o registerOption) bool { return o.Value == id }) {
			kept = append(kept, id)
		}
	}
	if len(kept) > 0 {
		names := pk.names(r, kept)
		for _, id := range kept {
			label := names[id]
			if label == "" {
				label = id
			}
			first = append(first, registerOption{ID: in.ID + "-" + id, Value: id, Label: label, Selected: true})
		}
	}
	in.Kind, in.Options, in.Picked = "picks", append(first, rest...), len(first)
	if in.Hint == "" {
		in.Hint = l.T("register.picks.hint")
	}
	if len(in.Options) == 0 {
		in.Hint = l.T("register.picks.none")
	}
}

// name is one record's name, its id when it cannot be read.
func (pk *registerPicker) name(r *http.Request, id string) string {
	if n := pk.names(r, []string{id})[id]; n != "" {
		return n
	}
	return id
}

// picksHTML shows the records of a Pick or Picks field by name, linked to
// their pages when the picker says where.
func (m *registerMount[T]) picksHTML(r *http.Request, pk *registerPicker, ids []string) template.HTML {
	if len(ids) == 0 {
		return "—"
	}
	names := pk.names(r, ids)
	parts := make([]string, 0, len(ids))
	for _, id := range ids {
		n, ok := names[id]
		switch {
		case !ok || n == "":
			parts = append(parts, `<span class="code">`+template.HTMLEscapeString(id)+`</span>`)
		case pk.href != nil:
			parts = append(parts, `<a href="`+template.HTMLEscapeString(pk.href(url.PathEscape(id)))+`">`+
				template.HTMLEscapeString(n)+`</a>`)
		default:
			parts = append(parts, template.HTMLEscapeString(n))
		}
	}
	return template.HTML(strings.Join(parts, "、"))
}

// importPick resolves the cells of the Pick and Picks fields of an import
// with their pickers; a field without one takes the cell as the id.
func (m *registerMount[T]) importPick(ctx context.Context, a *shequ.Actor) func(field, cell string) (string, error) {
	return func(field, cell string) (string, error) {
		pk := m.picks[field]
		if pk == nil || pk.resolve == nil {
			return cell, nil
		}
		return pk.resolve(ctx, a, cell)
	}
}
