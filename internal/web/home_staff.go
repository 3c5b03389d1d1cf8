package web

import (
	"net/http"

	"shequ"
)

// staffHome is the 工作台 of the roles whose work is in other modules' lists:
// a social organization's member (calls for bids, projects to report on), a
// social worker (projects, care cases), a property company's staff
// (complaints to answer, overdue ones). Each figure links to its list, so
// their home page starts where their work is rather than at the visitors'
// introduction.
type staffHome struct {
	Counts []homeCount
}

// staffHomeRoles are the roles that get a staffHome.
var staffHomeRoles = []shequ.Role{shequ.RoleOrgMember, shequ.RoleSocialWorker, shequ.RolePropertyStaff}

// staffHome counts a's work lists, each as its list page would.
func (s *Server) staffHome(r *http.Request, a *shequ.Actor) (*staffHome, error) {
	ctx, l := r.Context(), s.localizer(r)
	h := &staffHome{}
	projects := func(id, key string, status shequ.ProjectStatus) error {
		_, total, err := s.cfg.Linkage.FindProjects(ctx, shequ.ProjectFilter{Status: status, Limit: 1})
		if err == nil {
			h.Counts = append(h.Counts, homeCount{ID: id, Label: l.T(key), N: total,
				Href: "/projects?status=" + string(status), Alert: total > 0})
		}
		return err
	}
	if s.cfg.Linkage != nil && a.Can(shequ.ActionBidSubmit) {
		if err := projects("count-calls", "nav.calls", shequ.ProjectOpenForBids); err != nil {
			return nil, err
		}
	}
	if s.cfg.Linkage != nil && a.Can(shequ.ActionActivityRecord) {
		if err := projects("count-activities", "nav.activities", shequ.ProjectInProgress); err != nil {
			return nil, err
		}
	}
	if s.cfg.Property != nil && a.Can(shequ.ActionComplaintAnswer) {
		_, waiting, err := s.cfg.Property.FindComplaints(ctx, shequ.ComplaintFilter{States: []shequ.ComplaintState{shequ.ComplaintForwarded}, Limit: 1})
		if err != nil {
			return nil, err
		}
		_, overdue, err := s.cfg.Property.FindComplaints(ctx, shequ.ComplaintFilter{Overdue: true, Limit: 1})
		if err != nil {
			return nil, err
		}
		h.Counts = append(h.Counts,
			homeCount{ID: "count-complaints-waiting", Label: l.T("home.complaints.waiting"), N: waiting,
				Href: "/complaints?state=" + string(shequ.ComplaintForwarded), Alert: waiting > 0},
			homeCount{ID: "count-complaints-overdue", Label: l.T("home.complaints.overdue"), N: overdue,
				Href: "/complaints?overdue=1", Alert: overdue > 0})
	}
	if s.cfg.Care != nil && a.Can(shequ.ActionCaseRead) {
		_, total, err := s.cfg.Care.FindCases(ctx, shequ.CaseFilter{Limit: 1})
		if err != nil {
			return nil, err
		}
		h.Counts = append(h.Counts, homeCount{ID: "count-cases", Label: l.T("nav.care.cases"), N: total, Href: "/care/cases"})
	}
	return h, nil
}
