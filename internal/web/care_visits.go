package web

import (
	"net/http"
	"net/url"
	"strconv"

	"shequ"
)

// The visits due (走访到期, issue 16): the duty holder's people whose next
// visit falls due within two weeks or is overdue, soonest first, each with
// the days overdue and a link to the person's page, where the visit is
// recorded. It is where a change of the county's visit policy leads.

// careDueDays is how far ahead the list looks.
const careDueDays = 14

// careVisitRow is one person of the list.
type careVisitRow struct {
	P       *shequ.CarePerson
	Overdue int // days overdue, 0 when not
}

// careVisitsPage is the data of templates/care_visits.html.
type careVisitsPage struct {
	Rows  []careVisitRow
	Total int
	Days  int
	Pager pager
}

// handleCareVisitsDue serves GET /care/visits.
func (s *Server) handleCareVisitsDue(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionCareRead, s.cfg.Care != nil); !ok {
		return
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 1)
	list, total, err := s.cfg.Care.FindCarePersons(r.Context(), shequ.CareFilter{DueWithin: careDueDays,
		Offset: (page - 1) * carePageSize, Limit: carePageSize})
	if err != nil {
		s.error(w, r, err)
		return
	}
	now := s.now()
	p := &careVisitsPage{Total: total, Days: careDueDays, Pager: queryPager(r.URL.Path, url.Values{}, page, total, carePageSize)}
	for _, x := range list {
		p.Rows = append(p.Rows, careVisitRow{P: x, Overdue: shequ.DaysOverdue(x.NextVisitDue, now)})
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "care_visits", s.localizer(r).T("care.visits.title"), p)
}
