package web

import (
	"net/http"
	"net/url"
	"strings"

	"shequ"
)

// servicesPage is the data of templates/services.html: the catalogue by
// category.
type servicesPage struct {
	Division   string
	Categories []serviceCategory
	Count      int
}

type serviceCategory struct {
	Name  string
	Items []*shequ.ServiceItem
}

// handleServiceList serves GET /services (public): the catalogue, by
// category, of a division (?division=, default the signed-in scope).
func (s *Server) handleServiceList(w http.ResponseWriter, r *http.Request) {
	if s.cfg.ServiceItems == nil {
		s.error(w, r, errNoService)
		return
	}
	l := s.localizer(r)
	division := strings.TrimSpace(r.URL.Query().Get("division"))
	if a := shequ.ActorFrom(r.Context()); division == "" && a != nil {
		division = a.Scope
	}
	var fe shequ.FieldErrors
	checkCommunityFilter(&fe, division)
	if err := fe.Err(); err != nil {
		s.error(w, r, err)
		return
	}
	items, err := s.cfg.ServiceItems.ListItems(r.Context(), division)
	if err != nil {
		s.error(w, r, err)
		return
	}
	p := &servicesPage{Division: division, Count: len(items)}
	for _, it := range items {
		if n := len(p.Categories); n == 0 || p.Categories[n-1].Name != it.Category {
			p.Categories = append(p.Categories, serviceCategory{Name: it.Category})
		}
		c := &p.Categories[len(p.Categories)-1]
		c.Items = append(c.Items, it)
	}
	s.render(w, r, http.StatusOK, "services", l.T("service.list.title"), p)
}

// servicePage is the data of templates/service.html: the 办事指南 of an
// item and, for a resident, the online application form.
type servicePage struct {
	Item      *shequ.ServiceItem
	Form      []shequ.FormField
	Fee       string
	CanApply  bool // a signed-in resident, the item open online
	Covered   bool // the holiday table covers this year
	Values    map[string][]string
	Errors    map[string]string
	Error     string
	Describe  string
	SignInURL string
}

// handleServiceShow serves GET /services/{code} (public).
func (s *Server) handleServiceShow(w http.ResponseWriter, r *http.Request) {
	if s.cfg.ServiceItems == nil {
		s.error(w, r, errNoService)
		return
	}
	it, err := s.cfg.ServiceItems.GetItem(r.Context(), r.PathValue("code"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.renderService(w, r, http.StatusOK, s.newServicePage(r, it))
}

func (s *Server) newServicePage(r *http.Request, it *shequ.ServiceItem) *servicePage {
	a := shequ.ActorFrom(r.Context())
	return &servicePage{Item: it, Form: it.SortedForm(), Fee: yuan(it.FeeFen),
		CanApply: a != nil && a.Role == shequ.RoleResident && !a.Pending && it.Allows(shequ.ChannelOnline) && s.cfg.Requests != nil,
		Covered:  s.calendar(r).Covers(s.now().In(shequ.Shanghai).Year()), Values: map[string][]string{},
		SignInURL: "/login?return=" + url.QueryEscape("/services/"+it.Code)}
}

func (s *Server) renderService(w http.ResponseWriter, r *http.Request, status int, p *servicePage) {
	s.render(w, r, status, "service", p.Item.Name, p)
}

// formValues reads the form's fields of an item from a posted form: field
// CODE is posted as "attr_CODE" (several values for a multiple choice).
func formValues(it *shequ.ServiceItem, pf url.Values) map[string][]string {
	out := map[string][]string{}
	for _, f := range it.Form {
		if v, ok := pf["attr_"+f.Code]; ok {
			out[f.Code] = v
		}
	}
	return out
}
