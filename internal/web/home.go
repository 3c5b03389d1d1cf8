package web

import (
	"net/http"
	"slices"
	"time"

	"shequ"
	"shequ/internal/i18n"
)

// The home page is where each role's work starts: a resident's 我的 (their
// requests, needs, delegations and messages, and the services they use
// most as large buttons), a community worker's 待办 (the queue's counts,
// what is overdue or due soon, needs to review, consents to record), an
// official's 工作台 (approvals, overdue requests and targets not met in
// their area). Everyone also finds their pages as tiles, taken from the
// navigation table so that no tile leads where the role may not go.

// homePage is the data of templates/home.html.
type homePage struct {
	Anonymous bool
	Groups    []homeTileGroup
	Resident  *residentHome
	Worker    *workerHome
	Official  *officialHome
	Staff     *staffHome
}

// homeTileGroup is the tiles of one navigation group.
type homeTileGroup struct {
	Label string
	Tiles []homeTile
}

// homeTile is one page a role may open.
type homeTile struct {
	ID, Label, Href string
}

// homeCount is a figure of a work list, linking to the list.
type homeCount struct {
	ID    string
	Label string
	N     int
	Href  string
	Alert bool // needs attention (overdue, waiting for approval)
}

// residentHome is a resident's 我的.
type residentHome struct {
	Name        string               // how the page greets them
	Services    []*shequ.ServiceItem // the services they use most first
	Requests    []requestRow
	Needs       []*shequ.Need
	Delegations []delegationRow
	Pending     int // delegations waiting for their consent
	Unread      int
}

// workerHome is a community worker's 待办.
type workerHome struct {
	Counts   []homeCount
	Urgent   []requestRow // the open requests due first
	Needs    []*shequ.Need
	Consents []delegationRow // delegations waiting for consent
	CanDesk  bool
}

// officialHome is an official's 工作台.
type officialHome struct {
	Counts    []homeCount
	Approvals []*shequ.Project
	Targets   []homeCount // communities missing each target
	Scope     string
}

// homeShown is how many rows each list of a home page shows.
const homeShown = 5

// homeServices is how many services a resident sees as buttons.
const homeServices = 6

// openStates are the states of a request whose clock runs.
var openStates = []shequ.RequestState{shequ.RequestSubmitted, shequ.RequestAccepted, shequ.RequestInProcess,
	shequ.RequestTransferred}

// handleHome serves the home page.
func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	l := s.localizer(r)
	a := shequ.ActorFrom(r.Context())
	p := &homePage{Anonymous: a == nil, Groups: homeTiles(l, a, r)}
	title := l.T("home.title")
	var err error
	switch {
	case a == nil:
	case a.Role == shequ.RoleResident:
		title = l.T("home.resident.title")
		p.Resident, err = s.residentHome(r)
	case a.Can(shequ.ActionRequestHandle) && a.Can(shequ.ActionRequestSubmit):
		title = l.T("home.worker.title")
		p.Worker, err = s.workerHome(r, a)
	case a.Can(shequ.ActionProjectApprove):
		title = l.T("home.official.title")
		p.Official, err = s.officialHome(r, a)
	case slices.Contains(staffHomeRoles, a.Role):
		title = l.T("home.official.title")
		p.Staff, err = s.staffHome(r, a)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	if a != nil {
		w.Header().Set("Cache-Control", "no-store")
	}
	s.render(w, r, http.StatusOK, "home", title, p)
}

// homeTiles lists the pages of a's navigation but the home page, by group.
func homeTiles(l *i18n.Localizer, a *shequ.Actor, r *http.Request) []homeTileGroup {
	key := navFor(l.Lang(), a, r)
	var out []homeTileGroup
	for _, g := range append([]navGroup{{ID: navTop}}, navGroups...) {
		var tiles []homeTile
		for i, e := range navEntries {
			if key.shown&(1<<i) == 0 || e.Group != g.ID || e.Href == "/" {
				continue
			}
			label := l.T(e.Key)
			if key.own&(1<<i) != 0 {
				label = l.T(e.OwnKey)
			}
			tiles = append(tiles, homeTile{ID: "tile-" + e.ID[len("nav-"):], Label: label, Href: e.Href})
		}
		if len(tiles) == 0 {
			continue
		}
		hg := homeTileGroup{Tiles: tiles}
		if g.Key != "" {
			hg.Label = l.T(g.Key)
		}
		out = append(out, hg)
	}
	return out
}

// residentHome reads a resident's 我的.
func (s *Server) residentHome(r *http.Request) (*residentHome, error) {
	ctx := r.Context()
	h := &residentHome{}
	if u := currentUser(ctx); u != nil {
		h.Name = u.Name
		if h.Name == "" {
			h.Name = u.Username
		}
	}
	if v, ok := ctx.Value(ctxUnread).(*unreadCount); ok {
		<-v.done
		h.Unread = v.n
	} else if s.cfg.Linkage != nil {
		h.Unread, _ = s.cfg.Linkage.CountUnread(ctx) // the header shows it too; not worth failing the page
	}
	var used []string
	if s.cfg.Requests != nil {
		list, _, err := s.cfg.Requests.Find(ctx, shequ.RequestFilter{OrderByCreated: true, Limit: 50})
		if err != nil {
			return nil, err
		}
		for _, q := range list {
			if !slices.Contains(used, q.ItemCode) {
				used = append(used, q.ItemCode)
			}
		}
		h.Requests = s.rows(r, list[:min(len(list), homeShown)])
	}
	if s.cfg.ServiceItems != nil {
		a := shequ.ActorFrom(ctx)
		items, err := s.cfg.ServiceItems.ListItems(ctx, a.Scope)
		if err != nil {
			return nil, err
		}
		h.Services = topServices(items, used, homeServices)
	}
	if s.cfg.Linkage != nil {
		needs, _, err := s.cfg.Linkage.FindNeeds(ctx, shequ.NeedFilter{Mine: true, Limit: homeShown})
		if err != nil {
			return nil, err
		}
		h.Needs = needs
	}
	if s.cfg.Delegations != nil {
		list, err := s.cfg.Delegations.FindDelegations(ctx, "", false)
		if err != nil {
			return nil, err
		}
		now := s.now()
		for _, d := range list {
			row := delegationRow{D: d, State: d.Effective(now)}
			if row.State == shequ.DelegationRequested {
				h.Pending++
			}
			if len(h.Delegations) < homeShown && (row.State == shequ.DelegationRequested || row.State == shequ.DelegationActive) {
				h.Delegations = append(h.Delegations, row)
			}
		}
	}
	return h, nil
}

// topServices picks up to n items a resident may apply for online: those
// they used before first (most recent first), then the catalogue's order.
func topServices(items []*shequ.ServiceItem, used []string, n int) []*shequ.ServiceItem {
	var out []*shequ.ServiceItem
	pick := func(it *shequ.ServiceItem) {
		if len(out) < n && it.Active && it.Allows(shequ.ChannelOnline) && !slices.Contains(out, it) {
			out = append(out, it)
		}
	}
	for _, code := range used {
		for _, it := range items {
			if it.Code == code {
				pick(it)
			}
		}
	}
	for _, it := range items {
		pick(it)
	}
	return out
}

// requestCounts are the figures of overdue and soon due requests of a's
// scope, linking to the queue.
func (s *Server) requestCounts(r *http.Request) (overdue, soon int, err error) {
	ctx := r.Context()
	_, overdue, err = s.cfg.Requests.Find(ctx, shequ.RequestFilter{States: openStates, Overdue: true, Limit: 1})
	if err != nil {
		return 0, 0, err
	}
	limit := s.calendar(r).AddWorkdays(s.now(), shequ.DueSoonDays).Add(time.Nanosecond)
	_, due, err := s.cfg.Requests.Find(ctx, shequ.RequestFilter{States: openStates, DueBefore: limit, Limit: 1})
	if err != nil {
		return 0, 0, err
	}
	return overdue, due - overdue, nil
}

// workerHome reads a community worker's 待办.
func (s *Server) workerHome(r *http.Request, a *shequ.Actor) (*workerHome, error) {
	ctx, l := r.Context(), s.localizer(r)
	h := &workerHome{CanDesk: s.cfg.RequestDesk != nil}
	if s.cfg.Requests != nil && s.cfg.RequestDesk != nil {
		qp, err := s.cfg.RequestDesk.QueuePage(ctx, shequ.RequestFilter{States: openStates, Limit: homeShown})
		if err != nil {
			return nil, err
		}
		overdue, soon, err := s.requestCounts(r)
		if err != nil {
			return nil, err
		}
		state := func(st shequ.RequestState) homeCount {
			return homeCount{ID: "count-" + string(st), Label: l.T("request.state." + string(st)), N: qp.Counts[st],
				Href: "/requests?state=" + string(st)}
		}
		h.Counts = []homeCount{
			{ID: "count-overdue", Label: l.T("home.overdue"), N: overdue, Href: "/requests?overdue=1", Alert: overdue > 0},
			{ID: "count-due-soon", Label: l.T("home.due_soon"), N: soon, Href: "/requests", Alert: soon > 0},
			state(shequ.RequestSubmitted), state(shequ.RequestAccepted), state(shequ.RequestInProcess), state(shequ.RequestAwaitingMaterials),
			state(shequ.RequestTransferred),
		}
		h.Urgent = s.rows(r, qp.Rows)
	}
	if s.cfg.Linkage != nil && a.Can(shequ.ActionNeedManage) {
		needs, total, err := s.cfg.Linkage.FindNeeds(ctx, shequ.NeedFilter{Status: shequ.NeedSubmitted, Limit: homeShown})
		if err != nil {
			return nil, err
		}
		h.Needs = needs
		h.Counts = append(h.Counts, homeCount{ID: "count-needs", Label: l.T("home.needs_review"), N: total,
			Href: "/needs?status=submitted", Alert: total > 0})
	}
	if s.cfg.Delegations != nil {
		list, err := s.cfg.Delegations.FindDelegations(ctx, "", false)
		if err != nil {
			return nil, err
		}
		now, n := s.now(), 0
		for _, d := range list {
			if st := d.Effective(now); st == shequ.DelegationRequested {
				n++
				if len(h.Consents) < homeShown {
					h.Consents = append(h.Consents, delegationRow{D: d, State: st})
				}
			}
		}
		h.Counts = append(h.Counts, homeCount{ID: "count-consents", Label: l.T("home.consents"), N: n, Href: "/delegations", Alert: n > 0})
	}
	return h, nil
}

// officialHome reads an official's 工作台.
func (s *Server) officialHome(r *http.Request, a *shequ.Actor) (*officialHome, error) {
	ctx, l := r.Context(), s.localizer(r)
	h := &officialHome{Scope: a.Scope}
	if s.cfg.Linkage != nil {
		list, total, err := s.cfg.Linkage.FindProjects(ctx, shequ.ProjectFilter{Status: shequ.ProjectUnderReview, Limit: homeShown})
		if err != nil {
			return nil, err
		}
		h.Approvals = list
		h.Counts = append(h.Counts, homeCount{ID: "count-approvals", Label: l.T("home.approvals"), N: total,
			Href: "/projects?status=under_review", Alert: total > 0})
	}
	if s.cfg.Requests != nil && a.Can(shequ.ActionRequestRead) {
		overdue, soon, err := s.requestCounts(r)
		if err != nil {
			return nil, err
		}
		h.Counts = append(h.Counts,
			homeCount{ID: "count-overdue", Label: l.T("home.overdue"), N: overdue, Href: "/requests?overdue=1", Alert: overdue > 0},
			homeCount{ID: "count-due-soon", Label: l.T("home.due_soon"), N: soon, Href: "/requests", Alert: soon > 0})
	}
	if s.cfg.Indicators != nil && a.Can(shequ.ActionIndicatorRead) {
		href := "/indicators"
		if a.Scope != "" {
			href += "/" + a.Scope
		}
		for _, k := range gapTargets {
			_, total, err := s.cfg.Indicators.GapList(ctx, a.Scope, k, 0, 1)
			if err != nil {
				return nil, err
			}
			h.Targets = append(h.Targets, homeCount{ID: "gap-" + string(k), Label: l.T("target." + string(k)), N: total,
				Href: href + "#gaps", Alert: total > 0})
		}
	}
	return h, nil
}
