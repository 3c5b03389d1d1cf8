package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"shequ"
)

// The pages of the needs pool (需求池): the ranked list with the heat of
// each category and the form to raise a need (suggesting similar open needs
// while typing, through htmx), and one need with its history and the
// worker's decisions.

// needsPage is the data of templates/needs.html.
type needsPage struct {
	Filter     shequ.NeedFilter
	Needs      []*shequ.Need
	Total      int
	Pager      pager
	Heat       []shequ.CategoryHeat
	MaxHeat    int
	CanRaise   bool
	Worker     bool // records for residents: channel and resident
	Form       needRequest
	Errors     map[string]string
	Error      string
	Categories []shequ.NeedCategory
	Statuses   []shequ.NeedStatus
	Channels   []shequ.NeedChannel
	Similar    []*shequ.Need
}

func (s *Server) newNeedsPage(a *shequ.Actor) *needsPage {
	p := &needsPage{CanRaise: a.Can(shequ.ActionNeedRaise), Worker: a.Can(shequ.ActionNeedManage),
		Categories: shequ.NeedCategories, Statuses: shequ.NeedStatuses, Channels: []shequ.NeedChannel{shequ.NeedFrontDesk, shequ.NeedVisit}}
	if len(a.Scope) == 12 {
		p.Form.CommunityCode = a.Scope
	}
	return p
}

// handleNeedList serves GET /needs.
func (s *Server) handleNeedList(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionNeedRead, s.cfg.Linkage != nil)
	if !ok {
		return
	}
	p := s.newNeedsPage(a)
	s.renderNeeds(w, r, a, p, http.StatusOK)
}

// renderNeeds loads the list and heat of the page and renders it.
func (s *Server) renderNeeds(w http.ResponseWriter, r *http.Request, a *shequ.Actor, p *needsPage, status int) {
	l := s.localizer(r)
	q := readListQuery(r)
	page := q.PageNo()
	if q.refused(s, w, r) { // the page number's problem first, as before
		return
	}
	if p.Filter = needFilter(q, a); q.refused(s, w, r) {
		return
	}
	p.Filter.Offset, p.Filter.Limit = (page-1)*registerPageSize, registerPageSize
	ctx := r.Context()
	var err error
	if p.Needs, p.Total, err = s.cfg.Linkage.FindNeeds(ctx, p.Filter); err != nil {
		s.error(w, r, err)
		return
	}
	if p.Heat, err = s.cfg.Linkage.NeedHeat(ctx, p.Filter.Community); err != nil {
		s.error(w, r, err)
		return
	}
	for _, h := range p.Heat {
		p.MaxHeat = max(p.MaxHeat, h.Needs+h.Supports)
	}
	p.Pager = queryPager(r.URL.Path, nonEmptyValues(map[string]string{"community": p.Filter.Community,
		"status": string(p.Filter.Status), "category": string(p.Filter.Category), "q": p.Filter.Query}), page, p.Total, registerPageSize)
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, "needs", l.T("need.list.title"), p)
}

// handleNeedCreate serves POST /needs.
func (s *Server) handleNeedCreate(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardForm(w, r, shequ.ActionNeedRaise, s.cfg.Linkage != nil)
	if !ok {
		return
	}
	p := s.newNeedsPage(a)
	g := func(k string) string { return strings.TrimSpace(r.PostForm.Get(k)) }
	p.Form = needRequest{CommunityCode: g("community_code"), Category: g("category"), Title: g("title"),
		Description: r.PostForm.Get("description"), Channel: g("channel"), ResidentID: g("resident_id")}
	n := p.Form.need()
	err := outOfScope(a, "community_code", n.Community)
	if err == nil {
		err = s.cfg.Linkage.CreateNeed(r.Context(), n)
	}
	if err != nil {
		l := s.localizer(r)
		e := shequ.AsError(err)
		if e.Code != shequ.EInvalid && !(e.Code == shequ.ENotFound && len(e.Fields) > 0) {
			s.error(w, r, err)
			return
		}
		p.Errors, p.Error = fieldMessages(l, err), l.T("form.has_errors")
		s.renderNeeds(w, r, a, p, http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "/needs/"+url.PathEscape(n.ID)+"?notice=created", http.StatusSeeOther)
}

// handleNeedSimilar serves GET /needs/similar?community_code=…&title=…:
// the fragment of similar open needs shown while a resident types.
func (s *Server) handleNeedSimilar(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionNeedRead, s.cfg.Linkage != nil)
	if !ok {
		return
	}
	q := r.URL.Query()
	p := s.newNeedsPage(a)
	community, text := strings.TrimSpace(q.Get("community_code")), strings.ToValidUTF8(q.Get("title"), "")
	if len([]rune(text)) > shequ.MaxNeedTitle {
		text = string([]rune(text)[:shequ.MaxNeedTitle])
	}
	if len(community) == 12 && shequ.IsAncestorOrSelf(a.Scope, community) {
		var err error
		if p.Similar, err = s.cfg.Linkage.SimilarNeeds(r.Context(), community, text, 5); err != nil {
			s.error(w, r, err)
			return
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	s.renderFragment(w, r, "needs", "need_similar", p)
}

// needPage is the data of templates/need.html.
type needPage struct {
	N         *shequ.Need
	Timeline  []*shequ.TimelineEvent
	Photos    []*shequ.LinkagePhoto
	CanPhoto  bool
	CanRaise  bool
	CanManage bool
	Mine      bool
	Notice    string
	Error     string
	Errors    map[string]string
	Next      []shequ.NeedStatus
	Supported bool          // the account has supported it: said, not offered again
	MergeInto []*shequ.Need // the open needs of the community it may be merged into
}

// handleNeedShow serves GET /needs/{id}.
func (s *Server) handleNeedShow(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionNeedRead, s.cfg.Linkage != nil)
	if !ok {
		return
	}
	p := &needPage{}
	switch r.URL.Query().Get("notice") {
	case "created":
		p.Notice = s.localizer(r).T("need.created")
	case "supported":
		p.Notice = s.localizer(r).T("need.supported")
	case "saved":
		p.Notice = s.localizer(r).T("need.saved")
	case "photo":
		p.Notice = s.localizer(r).T("facility.photo.added")
	}
	s.renderNeed(w, r, a, p, http.StatusOK)
}

func (s *Server) renderNeed(w http.ResponseWriter, r *http.Request, a *shequ.Actor, p *needPage, status int) {
	n, err := s.cfg.Linkage.FindNeedByID(r.Context(), pathID(r, "id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	if p.Timeline, err = s.cfg.Linkage.Timeline(r.Context(), "need", n.ID); err != nil {
		s.error(w, r, err)
		return
	}
	if p.Photos, err = s.cfg.Linkage.FindPhotos(r.Context(), "need", n.ID); err != nil {
		s.error(w, r, err)
		return
	}
	p.N, p.Mine = n, n.AuthorID == a.UserID
	p.CanPhoto = p.Mine || a.Can(shequ.ActionNeedManage)
	p.CanRaise = a.Can(shequ.ActionNeedRaise) && n.Open() && !p.Mine && !n.Supported
	p.Supported = n.Supported
	p.CanManage = a.Can(shequ.ActionNeedManage)
	for _, to := range n.NextStates() {
		if to == shequ.NeedAccepted || to == shequ.NeedRejected || to == shequ.NeedMerged {
			p.Next = append(p.Next, to)
		}
	}
	if p.CanManage && slices.Contains(p.Next, shequ.NeedMerged) {
		if p.MergeInto, err = s.mergeTargets(r, n); err != nil {
			s.error(w, r, err)
			return
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, "need", n.Title, p)
}

// needFailed shows the need again with the error of a decision or support.
func (s *Server) needFailed(w http.ResponseWriter, r *http.Request, a *shequ.Actor, err error) {
	e := shequ.AsError(err)
	if e.Code != shequ.EInvalid && e.Code != shequ.EConflict {
		s.error(w, r, err)
		return
	}
	l := s.localizer(r)
	p := &needPage{Errors: fieldMessages(l, err), Error: l.Error(e)}
	if len(p.Errors) > 0 {
		p.Error = l.T("form.has_errors")
	}
	s.renderNeed(w, r, a, p, statusByCode[e.Code])
}

// handleNeedSupport serves POST /needs/{id}/support.
func (s *Server) handleNeedSupport(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionNeedRaise, s.cfg.Linkage != nil)
	if !ok {
		return
	}
	n, err := s.cfg.Linkage.SupportNeed(r.Context(), pathID(r, "id"))
	if err != nil {
		s.needFailed(w, r, a, err)
		return
	}
	http.Redirect(w, r, "/needs/"+url.PathEscape(n.ID)+"?notice=supported", http.StatusSeeOther)
}

// handleNeedTransition serves POST /needs/{id}/transitions.
func (s *Server) handleNeedTransition(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardForm(w, r, shequ.ActionNeedManage, s.cfg.Linkage != nil)
	if !ok {
		return
	}
	n, err := s.cfg.Linkage.TransitionNeed(r.Context(), pathID(r, "id"), shequ.NeedTransition{
		To: shequ.NeedStatus(r.PostForm.Get("to")), Reason: r.PostForm.Get("reason"), Into: r.PostForm.Get("into")})
	if err != nil {
		s.needFailed(w, r, a, err)
		return
	}
	http.Redirect(w, r, "/needs/"+url.PathEscape(n.ID)+"?notice=saved", http.StatusSeeOther)
}
