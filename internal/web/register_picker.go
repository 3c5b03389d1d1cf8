package web

import (
	"context"

	"shequ"
)

// The community picker of the register forms and filters: people pick a
// community by its name from the communities of their area, grouped by
// street or township, instead of typing a 12-digit code. An area too large
// to list (a city, a province) keeps the code input, with its hint.

// Bounds of what a picker lists: the townships of one county, and the
// communities in all.
const (
	pickerMaxTownships   = 60
	pickerMaxCommunities = 800
)

// pickerGroup is one township of a picker with its communities; Code and
// Name are the township itself (a filter may pick it whole).
type pickerGroup struct {
	Code, Name string
	Options    []registerOption
}

// communityPicker lists the communities at or below scope, grouped by
// township; ok is false when the area is too large (or the tree cannot be
// read: the code input still works).
func (s *Server) communityPicker(ctx context.Context, scope string) ([]pickerGroup, bool) {
	if s.cfg.Divisions == nil {
		return nil, false
	}
	children := func(code string, max int) ([]*shequ.Division, bool) {
		list, total, err := s.cfg.Divisions.FindDivisionChildren(ctx, code, 0, max)
		return list, err == nil && total <= max
	}
	var townships []*shequ.Division
	switch len(scope) {
	case 12:
		d, err := s.cfg.Divisions.FindDivisionByCode(ctx, scope)
		if err != nil {
			return nil, false
		}
		return []pickerGroup{{Options: []registerOption{{Value: d.Code, Label: d.Name}}}}, true
	case 9:
		d, err := s.cfg.Divisions.FindDivisionByCode(ctx, scope)
		if err != nil {
			return nil, false
		}
		townships = []*shequ.Division{d}
	case 6:
		var ok bool
		if townships, ok = children(scope, pickerMaxTownships); !ok {
			return nil, false
		}
	default:
		return nil, false
	}
	var out []pickerGroup
	n := 0
	for _, t := range townships {
		list, ok := children(t.Code, pickerMaxCommunities)
		if n += len(list); !ok || n > pickerMaxCommunities {
			return nil, false
		}
		g := pickerGroup{Code: t.Code, Name: t.Name}
		for _, c := range list {
			g.Options = append(g.Options, registerOption{Value: c.Code, Label: c.Name})
		}
		out = append(out, g)
	}
	return out, true
}

// pick marks value selected in the picker's groups, and reports whether it
// is one of them.
func pick(groups []pickerGroup, value string) ([]pickerGroup, bool) {
	found := false
	out := make([]pickerGroup, len(groups))
	for i, g := range groups {
		out[i] = g
		out[i].Options = make([]registerOption, len(g.Options))
		for j, o := range g.Options {
			o.Selected = o.Value == value
			found = found || o.Selected
			out[i].Options[j] = o
		}
	}
	return out, found
}

// pickerNames maps the codes of a picker's communities to their names (the
// lists show communities by name).
func pickerNames(groups []pickerGroup) map[string]string {
	out := map[string]string{}
	for _, g := range groups {
		for _, o := range g.Options {
			out[o.Value] = o.Label
		}
	}
	return out
}
