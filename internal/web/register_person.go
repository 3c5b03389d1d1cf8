package web

import (
	"net/http"

	"shequ/internal/i18n"
	"shequ/internal/register"
)

// personInput turns the input of a Person field (a resident, by id) into a
// select of the residents the mount's people gives, so that nobody types
// an id: "王秀英（330523********0022）". The resident already chosen stays
// an option when it is not among them. Without people the input stays
// text.
func (m *registerMount[T]) personInput(r *http.Request, l *i18n.Localizer, f *register.Field[T], in *registerInput) error {
	if f.Kind != register.KindPerson || m.people == nil {
		return nil
	}
	rs, err := m.people(r, f.Name)
	if err != nil {
		return err
	}
	in.Kind, in.Blank, in.Options = "select", l.T("form.choose"), nil
	found := in.Value == ""
	for _, res := range rs {
		in.Options = append(in.Options, registerOption{Value: res.ID, Label: res.Name + "（" + res.IDNumber.Masked() + "）",
			Selected: res.ID == in.Value})
		found = found || res.ID == in.Value
	}
	if !found {
		in.Options = append(in.Options, registerOption{Value: in.Value, Label: in.Value, Selected: true})
	}
	return nil
}
