package web

import (
	"net/http"
	"strings"
	"time"

	"shequ"
)

// Helpers of the HTML forms and JSON bodies of the hand-written pages (the
// registers' go through the register mechanism, register_form.go).

// formFailed shows a form again with the errors beside their fields:
// invalid input (400), or a community outside the actor's scope (404,
// named on its field); any other error gets the error page.
func (s *Server) formFailed(w http.ResponseWriter, r *http.Request, page, titleKey string, data any, errs *map[string]string, alert *string, err error) {
	l := s.localizer(r)
	e := shequ.AsError(err)
	switch {
	case e.Code == shequ.EInvalid || (e.Code == shequ.ENotFound && len(e.Fields) > 0):
		*errs = fieldMessages(l, err)
		*alert = l.T("form.has_errors")
		if len(*errs) == 0 {
			*alert = l.Error(e)
		}
	case e.Code == shequ.EConflict:
		*alert = l.Error(e)
	default:
		s.error(w, r, err)
		return
	}
	s.render(w, r, statusByCode[e.Code], page, l.T(titleKey), data)
}

// cleanCodes trims codes and drops empty and repeated ones.
func cleanCodes(in []string) []string {
	out := []string{}
	seen := map[string]bool{}
	for _, c := range in {
		c = strings.TrimSpace(c)
		if c != "" && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// splitList splits a comma-separated form value (ASCII or Chinese commas,
// 顿号, semicolons, spaces or new lines).
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' || r == ' ' || r == '\n' || r == '\r' || r == '\t'
	})
}

// parseDateField parses a YYYY-MM-DD date as a day in Asia/Shanghai; ""
// is no date.
func parseDateField(fe *shequ.FieldErrors, field, s string) *time.Time {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	d, err := time.ParseInLocation(time.DateOnly, s, shequ.Shanghai)
	if err != nil {
		fe.Add(field, "date.invalid", "Give a date as YYYY-MM-DD.", nil)
		return nil
	}
	return &d
}

// dateOnly formats an optional date as YYYY-MM-DD in Asia/Shanghai.
func dateOnly(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.In(shequ.Shanghai).Format(time.DateOnly)
	return &s
}
