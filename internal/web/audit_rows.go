package web

import (
	"html/template"
	"net/http"

	"shequ"
)

// auditRow is an audit record as the page shows it: the action and the
// object in words (账户 zhang-san, not user 01a2…), the codes kept in
// small print for whoever searches by them.
type auditRow struct {
	R      *shequ.AuditRecord
	Action string        // the action's label, or its code when it has none
	Object template.HTML // the object's kind and name
	Place  template.HTML // the division by name
}

// auditRows labels the records of a page. The accounts named are read
// once each (a page holds at most auditPageSize records).
func (s *Server) auditRows(r *http.Request, recs []*shequ.AuditRecord) []auditRow {
	l := s.localizer(r)
	users := map[string]string{}
	out := make([]auditRow, len(recs))
	for i, rec := range recs {
		row := auditRow{R: rec, Action: rec.Action, Place: s.places.placeHTML(rec.Division)}
		if k := "audit.action." + rec.Action; l.Has(k) {
			row.Action = l.T(k)
		}
		kind := rec.ObjectType
		if k := "audit.object." + kind; l.Has(k) {
			kind = l.T(k)
		}
		name := ""
		switch rec.ObjectType {
		case "user":
			if n, ok := users[rec.ObjectID]; ok {
				name = n
			} else if s.cfg.Users != nil && rec.ObjectID != "" {
				if u, err := s.cfg.Users.FindUserByID(r.Context(), rec.ObjectID); err == nil {
					name = u.Username
				}
				users[rec.ObjectID] = name
			}
		case "division":
			name = s.places.name(rec.ObjectID)
		}
		switch {
		case name != "":
			row.Object = h(kind, " ", name, " ", template.HTML(`<small class="code">`), rec.ObjectID, template.HTML(`</small>`))
		case rec.ObjectID != "":
			row.Object = h(kind, " ", template.HTML(`<small class="code">`), rec.ObjectID, template.HTML(`</small>`))
		default:
			row.Object = h(kind)
		}
		out[i] = row
	}
	return out
}
