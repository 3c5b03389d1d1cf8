package web

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"time"

	"shequ"
)

// auditPageSize is the number of records per page of the audit page.
const auditPageSize = 50

// maxAuditExport bounds one CSV export; narrow the filter for more.
const maxAuditExport = 100_000

// auditQuery is the filter of the audit page, CSV export and API.
type auditQuery struct {
	Actor, ObjectType, ObjectID, Division, Action, Result string
	From, To                                              string // YYYY-MM-DD in Asia/Shanghai, as typed
}

// parseAuditQuery reads the filter. Dates are days in Asia/Shanghai: from
// is the start of its day, to the end of its day, both turned into UTC
// instants.
func parseAuditQuery(q url.Values) (auditQuery, shequ.AuditFilter, error) {
	aq := auditQuery{
		Actor:      strings.TrimSpace(q.Get("actor")),
		ObjectType: strings.TrimSpace(q.Get("object_type")),
		ObjectID:   strings.TrimSpace(q.Get("object_id")),
		Division:   strings.TrimSpace(q.Get("division")),
		Action:     strings.TrimSpace(q.Get("action")),
		Result:     strings.TrimSpace(q.Get("result")),
		From:       strings.TrimSpace(q.Get("from")),
		To:         strings.TrimSpace(q.Get("to")),
	}
	f := shequ.AuditFilter{ActorName: aq.Actor, ObjectType: aq.ObjectType, ObjectID: aq.ObjectID,
		Division: aq.Division, Action: aq.Action, Result: shequ.AuditResult(aq.Result)}
	var fe shequ.FieldErrors
	switch f.Result {
	case "", shequ.AuditAllowed, shequ.AuditDenied, shequ.AuditFailed:
	default:
		fe.Add("result", "param.choice", "Pick one of the choices.", nil)
	}
	for name, v := range map[string]string{"actor": aq.Actor, "object_type": aq.ObjectType, "object_id": aq.ObjectID, "action": aq.Action} {
		if len(v) > 100 {
			fe.Add(name, "param.too_long", "The value is too long.", nil)
		}
	}
	if aq.Division != "" && shequ.ValidateDivisionCode(aq.Division) != nil {
		fe.Add("division", "division.code.malformed", "A division code has 2, 4, 6, 9 or 12 digits.", nil)
	}
	day := func(name, v string) *time.Time {
		if v == "" {
			return nil
		}
		t, err := time.ParseInLocation(time.DateOnly, v, shequ.Shanghai)
		if err != nil {
			fe.Add(name, "param.date", "Give a date as YYYY-MM-DD.", nil)
			return nil
		}
		return &t
	}
	if t := day("from", aq.From); t != nil {
		u := t.UTC()
		f.From = &u
	}
	if t := day("to", aq.To); t != nil {
		u := t.AddDate(0, 0, 1).Add(-time.Nanosecond).UTC()
		f.To = &u
	}
	if f.From != nil && f.To != nil && f.To.Before(*f.From) {
		fe.Add("to", "param.date_order", "The end date is before the start date.", nil)
	}
	return aq, f, fe.Err()
}

func (aq auditQuery) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"actor": aq.Actor, "object_type": aq.ObjectType, "object_id": aq.ObjectID,
		"division": aq.Division, "action": aq.Action, "result": aq.Result, "from": aq.From, "to": aq.To} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// auditPage is the data of templates/audit.html.
type auditPage struct {
	Query   auditQuery
	Errors  map[string]string
	Records []*shequ.AuditRecord
	Rows    []auditRow
	Total   int
	Pager   pager
	CSVURL  string
	// The filters' choices: the actions and objects the catalogue labels
	// (audit.action.*, audit.object.*), and the results.
	Actions, Objects []string
	Results          []shequ.AuditResult
}

// handleAudit serves GET /audit (auditors only).
func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guard(w, r, shequ.ActionAuditRead); !ok {
		return
	}
	l := s.localizer(r)
	q := r.URL.Query()
	page, err := parsePage(q)
	if err != nil {
		s.error(w, r, err)
		return
	}
	aq, f, err := parseAuditQuery(q)
	p := &auditPage{Query: aq, Actions: l.Suffixes("audit.action."), Objects: l.Suffixes("audit.object."),
		Results: []shequ.AuditResult{shequ.AuditAllowed, shequ.AuditDenied, shequ.AuditFailed}}
	if err != nil {
		p.Errors = fieldMessages(l, err)
		s.render(w, r, http.StatusBadRequest, "audit", l.T("audit.title"), p)
		return
	}
	f.Offset, f.Limit = (page-1)*auditPageSize, auditPageSize
	recs, total, err := s.cfg.Audit.FindAuditRecords(r.Context(), f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	p.Records, p.Total = recs, total
	p.Rows = s.auditRows(r, recs)
	p.Pager = queryPager(r.URL.Path, aq.values(), page, total, auditPageSize)
	p.CSVURL = "/audit.csv"
	if v := aq.values(); len(v) > 0 {
		p.CSVURL += "?" + v.Encode()
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "audit", l.T("audit.title"), p)
}

// csvCell neutralizes spreadsheet formulas: a cell starting with = + - @
// (or a tab or carriage return) is prefixed with an apostrophe, so that
// Excel shows the text instead of evaluating it (CSV injection).
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// handleAuditCSV serves GET /audit.csv: the filtered records as CSV in
// UTF-8 with a byte-order mark, which Excel needs to read Chinese text,
// and Chinese column headers.
func (s *Server) handleAuditCSV(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guard(w, r, shequ.ActionAuditRead); !ok {
		return
	}
	_, f, err := parseAuditQuery(r.URL.Query())
	if err != nil {
		s.error(w, r, err)
		return
	}
	// Read everything first, so that a failure half-way is an error page
	// rather than a truncated file.
	var all []*shequ.AuditRecord
	for f.Offset = 0; len(all) < maxAuditExport; {
		f.Limit = min(1000, maxAuditExport-len(all))
		recs, total, err := s.cfg.Audit.FindAuditRecords(r.Context(), f)
		if err != nil {
			s.error(w, r, err)
			return
		}
		all = append(all, recs...)
		f.Offset += len(recs)
		if len(recs) == 0 || f.Offset >= total {
			break
		}
	}
	l := s.localizer(r)
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="audit-`+s.now().In(shequ.Shanghai).Format("20060102-150405")+`.csv"`)
	h.Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte("\uFEFF"))
	cw := csv.NewWriter(w)
	cw.UseCRLF = true // what Excel writes and expects
	_ = cw.Write([]string{l.T("audit.col.time"), l.T("audit.col.actor"), l.T("audit.col.role"), l.T("audit.col.action"),
		l.T("audit.col.object"), l.T("audit.col.division"), l.T("audit.col.result"), l.T("audit.col.addr"),
		l.T("audit.col.request_id"), l.T("audit.col.detail")})
	for _, rec := range all {
		obj := rec.ObjectType
		if rec.ObjectID != "" {
			obj += " " + rec.ObjectID
		}
		role := ""
		if rec.Role != "" {
			role = l.T("role." + string(rec.Role))
		}
		_ = cw.Write([]string{rec.Time.In(shequ.Shanghai).Format("2006-01-02 15:04:05"), csvCell(rec.ActorName), role,
			csvCell(rec.Action), csvCell(obj), rec.Division, l.T("audit.result." + string(rec.Result)),
			csvCell(rec.ClientAddr), csvCell(rec.RequestID), csvCell(rec.Detail)})
	}
	cw.Flush()
}

// auditJSON is the API form of an audit record.
type auditJSON struct {
	Seq        int64  `json:"seq"`
	ID         string `json:"id"`
	Time       string `json:"time"`
	ActorID    string `json:"actor_id"`
	ActorName  string `json:"actor_name"`
	Role       string `json:"role"`
	Action     string `json:"action"`
	ObjectType string `json:"object_type"`
	ObjectID   string `json:"object_id"`
	Division   string `json:"division"`
	Result     string `json:"result"`
	ClientAddr string `json:"client_addr"`
	RequestID  string `json:"request_id"`
	Detail     string `json:"detail"`
	Hash       string `json:"hash"`
}

// handleAPIAudit serves GET /api/v1/audit with the page's filters and
// limit/offset.
func (s *Server) handleAPIAudit(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guard(w, r, shequ.ActionAuditRead); !ok {
		return
	}
	q := r.URL.Query()
	_, f, err := parseAuditQuery(q)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if f.Limit, f.Offset, err = parseLimitOffset(q, 50, 500); err != nil {
		s.error(w, r, err)
		return
	}
	recs, total, err := s.cfg.Audit.FindAuditRecords(r.Context(), f)
	if err != nil {
		s.error(w, r, err)
		return
	}
	items := make([]auditJSON, 0, len(recs))
	for _, rec := range recs {
		items = append(items, auditJSON{Seq: rec.Seq, ID: rec.ID, Time: apiTime(rec.Time), ActorID: rec.ActorID,
			ActorName: rec.ActorName, Role: string(rec.Role), Action: rec.Action, ObjectType: rec.ObjectType,
			ObjectID: rec.ObjectID, Division: rec.Division, Result: string(rec.Result), ClientAddr: rec.ClientAddr,
			RequestID: rec.RequestID, Detail: rec.Detail, Hash: rec.Hash})
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "total": total})
}
