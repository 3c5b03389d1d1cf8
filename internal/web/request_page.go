package web

import (
	"html"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"shequ"
)

// requestRow is a request as a page shows it, with its flags, and the
// texts of its state, channel, due date and flag already translated: the
// worker queue shows twenty of them, and each template function call costs
// a reflective call (a third of the page's rendering went to them).
type requestRow struct {
	R                        *shequ.ServiceRequest
	Overdue, DueSoon, Paused bool
	State, Channel, Due      string
	// Flag is the class of the due date's flag ("paused", "overdue",
	// "soon"; "" none) and FlagText its text.
	Flag, FlagText string
}

func (s *Server) rows(r *http.Request, list []*shequ.ServiceRequest) []requestRow {
	cal, now, l := s.calendar(r), s.now(), s.localizer(r)
	out := make([]requestRow, 0, len(list))
	for _, q := range list {
		row := requestRow{R: q, Overdue: q.Overdue(now), DueSoon: q.DueSoon(cal, now), Paused: q.PausedAt != nil,
			State: l.T("request.state." + string(q.State)), Channel: l.T("request.channel." + string(q.Channel)),
			Due: formatDate(l, q.DueAt)}
		switch {
		case row.Paused:
			row.Flag, row.FlagText = "paused", l.T("request.flag.paused")
		case row.Overdue:
			row.Flag, row.FlagText = "overdue", l.T("request.flag.overdue")
		case row.DueSoon:
			row.Flag, row.FlagText = "soon", l.T("request.flag.due_soon")
		}
		out = append(out, row)
	}
	return out
}

// itemOption is a service item of the queue's filter.
type itemOption struct {
	Code, Name string
	Selected   bool
}

// The request lists' rows and the queue's item options are written here
// rather than by the template: twenty rows and a few dozen options were two
// thirds of the worker queue's rendering, each value a reflective call of
// the template engine (`BenchmarkRenderQueue`), and the page has a budget
// (p99 < 5 ms at 10⁷ requests). Every value goes through html.EscapeString,
// which escapes what html/template escapes in element text and in
// double-quoted attributes, the only places they go (`TestRowsHTMLEscapes`).

// rowsHTML is the table rows of requests; queue adds the bulk checkboxes.
func rowsHTML(rows []requestRow, queue bool) template.HTML {
	var b strings.Builder
	b.Grow(len(rows) * 400) // a queue row is about 330 bytes
	w := func(parts ...string) {
		for _, p := range parts {
			b.WriteString(p)
		}
	}
	e := html.EscapeString
	for _, row := range rows {
		id, number := e(row.R.ID), e(row.R.Number)
		w("\n<tr>")
		if queue {
			w(`<td><input type="checkbox" name="id" value="`, id, `" aria-label="`, number, `"></td>`)
		}
		w(`<td class="code"><a href="/requests/`, e(url.PathEscape(row.R.ID)), `">`, number, `</a></td><td>`,
			e(row.R.ItemName), `</td><td>`, e(row.State), `</td><td>`, e(row.Channel), `</td><td><span class="due">`,
			e(row.Due), `</span>`)
		if row.Flag != "" {
			w(` <span class="flag flag-`, e(row.Flag), `">`, e(row.FlagText), `</span>`)
		}
		w("</td></tr>")
	}
	return template.HTML(b.String())
}

// optionsHTML is the <option> elements of items.
func optionsHTML(items []itemOption) template.HTML {
	var b strings.Builder
	for _, it := range items {
		b.WriteString(`<option value="` + html.EscapeString(it.Code) + `"`)
		if it.Selected {
			b.WriteString(" selected")
		}
		b.WriteString(">" + html.EscapeString(it.Name) + "</option>")
	}
	return template.HTML(b.String())
}

// tabsHTML is the queue's state tabs, each with its count.
func tabsHTML(tabs []queueTab) template.HTML {
	var b strings.Builder
	b.Grow(len(tabs) * 160)
	e := html.EscapeString
	for _, t := range tabs {
		b.WriteString("\n<a href=\"")
		b.WriteString(e(t.URL))
		b.WriteString(`" id="tab-`)
		b.WriteString(e(string(t.State)))
		b.WriteString(`"`)
		if t.Current {
			b.WriteString(` aria-current="page"`)
		}
		b.WriteString(">")
		b.WriteString(e(t.Label))
		b.WriteString(` <span class="count">`)
		b.WriteString(strconv.Itoa(t.Count))
		b.WriteString("</span></a>")
	}
	return template.HTML(b.String())
}

// TabsHTML renders the queue's tabs (tabsHTML).
func (p *requestsPage) TabsHTML() template.HTML { return tabsHTML(p.Tabs) }

// RowsHTML renders the page's rows (rowsHTML).
func (p *requestsPage) RowsHTML() template.HTML { return rowsHTML(p.Rows, p.Queue) }

// ItemOptions renders the filter's options (optionsHTML).
func (p *requestsPage) ItemOptions() template.HTML { return optionsHTML(p.Items) }

// departmentsOf lists the departments that carry items, each once, in
// order: what a request is transferred to.
func departmentsOf(items []*shequ.ServiceItem) []string {
	var ds []string
	for _, it := range items {
		if it.Department != "" {
			ds = append(ds, it.Department)
		}
	}
	slices.Sort(ds)
	return slices.Compact(ds)
}

// queueTab is a state tab of the queue with its count.
type queueTab struct {
	State   shequ.RequestState
	Label   string // the state's label
	Count   int
	URL     string
	Current bool
}

// requestsPage is the data of templates/requests.html: the worker queue,
// or a resident's own requests.
type requestsPage struct {
	Queue bool
	Tabs  []queueTab
	Rows  []requestRow
	Items []itemOption
	// Departments are offered to a bulk transfer.
	Departments []string
	Item        string
	Overdue     bool
	NextURL     string
	Notice      string
	Error       string
	CanHandle   bool
	CanDesk     bool // may file at the front desk (community workers, not officials)
	ByItem      []*shequ.ItemRequestCount
	Channels    []shequ.Channel
}

// handleRequestList serves GET /requests: the queue by due date for
// workers (tabs per state with counts, filters by item and overdue, keyset
// paging, bulk transfer), the resident's own requests otherwise.
func (s *Server) handleRequestList(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionRequestRead, s.cfg.Requests != nil)
	if !ok {
		return
	}
	l := s.localizer(r)
	f, err := requestFilter(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	p := &requestsPage{CanHandle: a.Can(shequ.ActionRequestHandle) && s.cfg.RequestDesk != nil, Item: f.ItemCode, Overdue: f.Overdue,
		CanDesk: a.Can(shequ.ActionRequestSubmit) && a.Can(shequ.ActionRequestHandle)}
	switch r.URL.Query().Get("notice") {
	case "transferred":
		p.Notice = l.T("request.bulk.done", map[string]any{"Count": r.URL.Query().Get("n")})
	}
	if !p.CanHandle {
		f.OrderByCreated = true
		list, _, err := s.cfg.Requests.Find(r.Context(), f)
		if err != nil {
			s.error(w, r, err)
			return
		}
		p.Rows = s.rows(r, list)
		w.Header().Set("Cache-Control", "no-store")
		s.render(w, r, http.StatusOK, "requests", l.T("request.mine.title"), p)
		return
	}
	p.Queue = true
	r = s.prefetchUnread(r)
	if f.Limit == 50 && r.URL.Query().Get("limit") == "" {
		f.Limit = 20
	}
	qp, err := s.cfg.RequestDesk.QueuePage(r.Context(), f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	list, counts := qp.Rows, qp.Counts
	p.ByItem = qp.ByItem
	p.Rows = s.rows(r, list)
	p.Channels = shequ.Channels
	if s.cfg.ServiceItems != nil {
		items, _ := s.cfg.ServiceItems.ListItems(r.Context(), a.Scope)
		for _, it := range items {
			p.Items = append(p.Items, itemOption{Code: it.Code, Name: it.Name, Selected: it.Code == f.ItemCode})
		}
		p.Departments = departmentsOf(items)
	}
	base := url.Values{}
	if f.ItemCode != "" {
		base.Set("service_code", f.ItemCode)
	}
	if f.Overdue {
		base.Set("overdue", "1")
	}
	current := ""
	if len(f.States) == 1 {
		current = string(f.States[0])
	}
	for _, st := range shequ.RequestStates {
		v := cloneValues(base)
		v.Set("state", string(st))
		p.Tabs = append(p.Tabs, queueTab{State: st, Label: l.T("request.state." + string(st)), Count: counts[st],
			URL: "/requests?" + v.Encode(), Current: current == string(st)})
	}
	if len(list) == f.Limit {
		v := cloneValues(r.URL.Query())
		v.Set("after", cursorOf(list[len(list)-1]))
		p.NextURL = "/requests?" + v.Encode()
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "requests", l.T("request.queue.title"), p)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// guardForm is guardService for a form post: it also reads the posted
// form, bounded by maxFormBytes.
func (s *Server) guardForm(w http.ResponseWriter, r *http.Request, act shequ.Action, wired bool) (*shequ.Actor, bool) {
	a, ok := s.guardService(w, r, act, wired)
	if !ok || !s.readForm(w, r) {
		return nil, false
	}
	return a, true
}

// handleRequestBulkTransfer serves POST /requests/bulk-transfer.
func (s *Server) handleRequestBulkTransfer(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardForm(w, r, shequ.ActionRequestHandle, s.cfg.RequestDesk != nil); !ok {
		return
	}
	n, err := s.cfg.RequestDesk.BulkTransfer(r.Context(), r.PostForm["id"], r.PostForm.Get("department"), r.PostForm.Get("note"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/requests?notice=transferred&n="+strconv.Itoa(n), http.StatusSeeOther)
}

// requestPage is the data of templates/request.html.
type requestPage struct {
	requestRow
	Item        *shequ.ServiceItem
	Events      []*shequ.RequestEvent
	Attachments []*shequ.Attachment
	Next        []shequ.RequestState // the transitions a worker may make
	CanHandle   bool
	CanRate     bool
	// CanSupplement: the request awaits materials and the actor may hand
	// them in (the resident, or the window); Since lists the files added
	// since it was paused (request_intake.go).
	CanSupplement bool
	Since         []*shequ.Attachment
	Notice        string
	Errors        map[string]string
	Error         string
	Form          []shequ.FormField
	Stars         []int
	// CanReveal offers to show the personal values of the form in clear;
	// Revealed says they are (request_reveal.go).
	CanReveal, Revealed bool
	// Departments are offered when the request is transferred.
	Departments []string
}

// handleRequestShow serves GET /requests/{id}: the request, its whole
// timeline, its files and the actions the actor may take.
func (s *Server) handleRequestShow(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionRequestRead, s.cfg.Requests != nil); !ok {
		return
	}
	p, err := s.loadRequestPage(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	l := s.localizer(r)
	if n := r.URL.Query().Get("notice"); n != "" && shequ.RequestState(n).Valid() {
		p.Notice = l.T("request.moved", map[string]any{"State": l.T("request.state." + n)})
	} else if n == "attached" {
		p.Notice = l.T("request.attached")
	} else if n == "supplemented" {
		p.Notice = l.T("request.supplemented", map[string]any{"Due": p.Due})
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "request", l.T("request.title", map[string]any{"Number": p.R.Number}), p)
}

func (s *Server) loadRequestPage(r *http.Request) (*requestPage, error) {
	a := shequ.ActorFrom(r.Context())
	q, revealed, err := s.findRequest(r)
	if err != nil {
		return nil, err
	}
	ev, err := s.cfg.Requests.Timeline(r.Context(), q.ID)
	if err != nil {
		return nil, err
	}
	p := &requestPage{requestRow: s.rows(r, []*shequ.ServiceRequest{q})[0], Events: ev,
		Stars: []int{5, 4, 3, 2, 1}, CanHandle: a.Can(shequ.ActionRequestHandle), CanRate: a.Can(shequ.ActionRequestRate) && q.State == shequ.RequestCompleted}
	if s.cfg.ServiceItems != nil {
		if it, err := s.cfg.ServiceItems.GetItem(r.Context(), q.ItemCode); err == nil {
			p.Item, p.Form = it, it.SortedForm()
		}
	}
	p.Revealed, p.CanReveal = revealed, !revealed && a.Can(shequ.ActionResidentReveal) && hasPersonalValues(p.Form, q.Values)
	if s.cfg.RequestDesk != nil {
		if p.Attachments, err = s.cfg.RequestDesk.Attachments(r.Context(), "request", q.ID); err != nil {
			return nil, err
		}
	}
	if q.State == shequ.RequestAwaitingMaterials && q.PausedAt != nil && a.Can(shequ.ActionRequestSupplement) && s.cfg.RequestIntake != nil {
		p.CanSupplement = true
		for _, at := range p.Attachments {
			if !at.CreatedAt.Before(*q.PausedAt) {
				p.Since = append(p.Since, at)
			}
		}
	}
	if p.CanHandle {
		for _, st := range shequ.NextStates(q.State) {
			if st != shequ.RequestRated {
				p.Next = append(p.Next, st)
			}
		}
	}
	if s.cfg.ServiceItems != nil && slices.Contains(p.Next, shequ.RequestTransferred) {
		items, err := s.cfg.ServiceItems.ListItems(r.Context(), q.Community)
		if err != nil {
			return nil, err
		}
		p.Departments = departmentsOf(items)
	}
	return p, nil
}

// handleRequestTransition serves POST /requests/{id}/transition: a
// worker's move (to, with note, reason, missing (one per line),
// department, result) or the resident's rating.
func (s *Server) handleRequestTransition(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardForm(w, r, shequ.ActionRequestRead, s.cfg.Requests != nil); !ok {
		return
	}
	pf := r.PostForm
	to := shequ.RequestState(pf.Get("to"))
	rating, _ := strconv.Atoi(pf.Get("rating"))
	in := shequ.TransitionInput{Note: pf.Get("note"), Reason: pf.Get("reason"), Department: pf.Get("department"),
		Result: pf.Get("result"), Rating: rating, Missing: strings.Split(pf.Get("missing"), "\n")}
	_, err := s.cfg.Requests.Transition(r.Context(), r.PathValue("id"), to, in)
	if err != nil {
		e := shequ.AsError(err)
		if e.Code != shequ.EInvalid && e.Code != shequ.EConflict {
			s.error(w, r, err)
			return
		}
		p, lerr := s.loadRequestPage(r)
		if lerr != nil {
			s.error(w, r, lerr)
			return
		}
		l := s.localizer(r)
		p.Errors, p.Error = fieldMessages(l, err), l.Error(e)
		if len(p.Errors) > 0 {
			p.Error = l.T("form.has_errors")
		}
		s.render(w, r, statusByCode[e.Code], "request", l.T("request.title", map[string]any{"Number": p.R.Number}), p)
		return
	}
	http.Redirect(w, r, "/requests/"+url.PathEscape(r.PathValue("id"))+"?notice="+string(to), http.StatusSeeOther)
}

// handleRequestAttach serves POST /requests/{id}/attachments (multipart,
// field "file"): the type is sniffed from the content, never trusted from
// the client.
func (s *Server) handleRequestAttach(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionRequestRead, s.cfg.RequestDesk != nil); !ok {
		return
	}
	name, ctype, data, err := readUpload(w, r)
	if err == nil {
		_, err = s.cfg.RequestDesk.AddAttachment(r.Context(), "request", r.PathValue("id"), name, ctype, data)
	}
	if err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/requests/"+url.PathEscape(r.PathValue("id"))+"?notice=attached", http.StatusSeeOther)
}

// readUpload reads the multipart field "file", bounded by
// shequ.MaxAttachmentSize, and sniffs its type.
func readUpload(w http.ResponseWriter, r *http.Request) (string, string, []byte, error) {
	var fe shequ.FieldErrors
	fe.Add("file", "attachment.size.invalid", "A file is at most 5 MB and not empty.", nil)
	if err := parseMultipart(w, r, shequ.MaxAttachmentSize+64<<10, fe.Err()); err != nil {
		return "", "", nil, err
	}
	f, hdr, err := formFile(r, "file")
	if err != nil {
		return "", "", nil, fe.Err()
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, shequ.MaxAttachmentSize+1))
	if err != nil {
		return "", "", nil, errBadForm
	}
	ctype := http.DetectContentType(data)
	if i := strings.IndexByte(ctype, ';'); i >= 0 {
		ctype = ctype[:i]
	}
	return hdr.Filename, ctype, data, nil
}

// handleAttachment serves GET /attachments/{id}: the file, as a download.
func (s *Server) handleAttachment(w http.ResponseWriter, r *http.Request) {
	if s.cfg.RequestDesk == nil {
		s.error(w, r, errNoService)
		return
	}
	if shequ.ActorFrom(r.Context()) == nil {
		s.error(w, r, shequ.ErrUnauthorized)
		return
	}
	at, data, err := s.cfg.RequestDesk.OpenAttachment(r.Context(), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", at.ContentType)
	w.Header().Set("Content-Disposition", "attachment; filename*=UTF-8''"+url.PathEscape(at.Name))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(data)
}

// receiptPage is the data of templates/receipt.html (受理回执).
type receiptPage struct {
	R       *shequ.ServiceRequest
	Item    *shequ.ServiceItem
	Covered bool
	Track   string
	DueNote template.HTML // why the due date may move: no holiday table for the year
	QR      template.HTML // the tracking address as a QR code
}

// handleRequestReceipt serves GET /requests/{id}/receipt: the printable
// receipt with the number, the date, the handling body, what happens next
// and the tracking link.
func (s *Server) handleRequestReceipt(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionRequestRead, s.cfg.Requests != nil); !ok {
		return
	}
	q, err := s.cfg.Requests.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	p := &receiptPage{R: q, Covered: s.calendar(r).Covers(q.CreatedAt.In(shequ.Shanghai).Year()), Track: s.trackURL(r, q.Token)}
	if p.QR, err = qrSVG(p.Track, s.localizer(r).T("request.receipt.scan")); err != nil {
		s.error(w, r, err)
		return
	}
	if !p.Covered {
		p.DueNote = h(" ", template.HTML(`<span class="hint">`), s.localizer(r).T("service.calendar.weekends_only"), template.HTML(`</span>`))
	}
	if s.cfg.ServiceItems != nil {
		p.Item, _ = s.cfg.ServiceItems.GetItem(r.Context(), q.ItemCode)
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "receipt", s.localizer(r).T("request.receipt.title"), p)
}

// trackPage is the data of templates/track.html.
type trackPage struct {
	requestRow
	Events []*shequ.RequestEvent
}

// handleTrack serves GET /track/{token}: a request's state and timeline
// without sign-in, staff names left out.
func (s *Server) handleTrack(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Requests == nil || s.cfg.RequestDesk == nil {
		s.error(w, r, errNoService)
		return
	}
	q, ev, err := s.track(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	for _, e := range ev {
		e.ActorName = ""
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	s.render(w, r, http.StatusOK, "track", s.localizer(r).T("request.track.title"),
		&trackPage{requestRow: s.rows(r, []*shequ.ServiceRequest{q})[0], Events: ev})
}
