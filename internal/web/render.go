package web

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"shequ"
	"shequ/internal/i18n"
)

//go:embed templates
var templateFS embed.FS

// layoutFiles are parsed into every page: the layout and shared partials.
var layoutFiles = []string{"templates/layout.html", "templates/partials.html", "templates/request_partials.html",
	"templates/project_partials.html", "templates/register_partials.html", "templates/property_partials.html",
	"templates/volunteer_partials.html"}

// pageFiles maps a page name to its file. Each defines "content", which
// the layout wraps. A test checks that every file under
// templates/ is listed here or in layoutFiles.
var pageFiles = map[string]string{
	"facility":      "templates/facility.html",
	"coverage":      "templates/coverage.html",
	"coverage_map":  "templates/coverage_map.html",
	"siting":        "templates/siting.html",
	"location_form": "templates/location_form.html",

	"care_report":     "templates/care_report.html",
	"care_track":      "templates/care_track.html",
	"care_alerts":     "templates/care_alerts.html",
	"care_alert":      "templates/care_alert.html",
	"care_cases":      "templates/care_cases.html",
	"care_case":       "templates/care_case.html",
	"care_case_form":  "templates/care_case_form.html",
	"care_glass":      "templates/care_glass.html",
	"care_referrals":  "templates/care_referrals.html",
	"care_person":     "templates/care_person.html",
	"care_duties":     "templates/care_duties.html",
	"care_worklogs":   "templates/care_worklogs.html",
	"care_policy":     "templates/care_policy.html",
	"care_candidates": "templates/care_candidates.html",
	"care_visits":     "templates/care_visits.html",

	"volunteer_hub":    "templates/volunteer_hub.html",
	"verify":           "templates/verify.html",
	"opportunities":    "templates/opportunities.html",
	"opportunity":      "templates/opportunity.html",
	"opportunity_edit": "templates/opportunity_edit.html",
	"timebank":         "templates/timebank.html",
	"timebank_account": "templates/timebank_account.html",
	"workforce_member": "templates/workforce_member.html",
	"workforce_ce":     "templates/workforce_ce.html",
	"course":           "templates/course.html",
	// Volunteer teams and a volunteer's page with their teams.
	"volunteer_team": "templates/volunteer_team.html",
	"volunteer_show": "templates/volunteer_show.html",

	"home":      "templates/home.html",
	"divisions": "templates/divisions.html",
	"search":    "templates/search.html",
	"error":     "templates/error.html",

	"login":           "templates/login.html",
	"login_code":      "templates/login_code.html",
	"register":        "templates/register.html",
	"account_verify":  "templates/account_verify.html",
	"account":         "templates/account.html",
	"password":        "templates/password.html",
	"users":           "templates/users.html",
	"user_confirm":    "templates/user_confirm.html",
	"residents":       "templates/residents.html",
	"resident":        "templates/resident.html",
	"resident_form":   "templates/resident_form.html",
	"resident_import": "templates/resident_import.html",
	"household":       "templates/household.html",
	"household_form":  "templates/household_form.html",
	"audit":           "templates/audit.html",
	"register_list":   "templates/register_list.html",
	"register_show":   "templates/register_show.html",
	"register_form":   "templates/register_form.html",
	"indicators":      "templates/indicators.html",
	"targets":         "templates/targets.html",
	"needs":           "templates/needs.html",
	"need":            "templates/need.html",
	"projects":        "templates/projects.html",
	"project":         "templates/project.html",
	"project_form":    "templates/project_form.html",
	"public_project":  "templates/public_project.html",
	"notifications":   "templates/notifications.html",
	"services":        "templates/services.html",
	"service":         "templates/service.html",
	"desk":            "templates/desk.html",
	"requests":        "templates/requests.html",
	"request":         "templates/request.html",
	"receipt":         "templates/receipt.html",
	"track":           "templates/track.html",
	"lookup":          "templates/lookup.html",
	"two_factor":      "templates/two_factor.html",
	"delegations":     "templates/delegations.html",
	"delegation":      "templates/delegation.html",
	"delegation_form": "templates/delegation_form.html",

	// Notifications and the online application's preview (issue 13).
	"account_notifications": "templates/account_notifications.html",
	"deliveries":            "templates/deliveries.html",
	"service_preview":       "templates/service_preview.html",
	// 物业服务监管 (issue 15).
	"complaints":        "templates/complaints.html",
	"complaint":         "templates/complaint.html",
	"complaint_form":    "templates/complaint_form.html",
	"estate":            "templates/estate.html",
	"inspection_form":   "templates/inspection_form.html",
	"inspection":        "templates/inspection.html",
	"rectifications":    "templates/rectifications.html",
	"committee_form":    "templates/committee_form.html",
	"committees":        "templates/committees.html",
	"committee":         "templates/committee.html",
	"meetings":          "templates/meetings.html",
	"meeting_form":      "templates/meeting_form.html",
	"meeting":           "templates/meeting.html",
	"company":           "templates/company.html",
	"appeals":           "templates/appeals.html",
	"public_companies":  "templates/public_companies.html",
	"public_company":    "templates/public_company.html",
	"property":          "templates/property.html",
	"epmc":              "templates/epmc.html",
	"property_settings": "templates/property_settings.html",
}

// templates holds the page templates: one parsed set per language and page.
// Parsing per language lets the "t" function be bound to that language's
// localizer (and its constant translations folded, render_fold.go) instead
// of cloning templates on every request. The layout files are parsed per
// language at start; a page's set — a copy of the layout's trees, escaped,
// plus the page — is made on the page's first use (issue 18: the sets of
// every page in both languages held about 70 MB, most of them pages a
// server seldom or never serves). The embedded templates are checked by
// the tests (TestEveryPageEscapes, TestEveryTemplateExecuted).
type templates struct {
	mu   sync.RWMutex
	base map[string]*template.Template // per language: the layout files, never executed
	loc  map[string]*i18n.Localizer
	sets map[string]map[string]*template.Template // per language and page, made so far
}

// page returns the template set of page in lang, parsing it on first use.
func (ts *templates) page(lang, page string) (*template.Template, error) {
	ts.mu.RLock()
	t := ts.sets[lang][page]
	ts.mu.RUnlock()
	if t != nil {
		return t, nil
	}
	ts.mu.Lock()
	defer ts.mu.Unlock()
	if t := ts.sets[lang][page]; t != nil {
		return t, nil
	}
	base, file := ts.base[lang], pageFiles[page]
	if base == nil || file == "" {
		return nil, fmt.Errorf("no template %q in %q", page, lang)
	}
	t, err := base.Clone()
	if err != nil {
		return nil, err
	}
	if t, err = t.ParseFS(templateFS, file); err != nil {
		return nil, err
	}
	if _, err := foldTranslations(t, ts.loc[lang]); err != nil {
		return nil, err
	}
	ts.sets[lang][page] = t
	return t, nil
}

// view is the data every page template gets; Data carries the page's own.
type view struct {
	Lang    string
	Large   bool // large-text mode (适老化)
	Version string
	Title   string      // page title, already translated
	Nav     navMarkup   // the navigation (nav.go)
	Return  string      // this page's path and query, for the preference forms
	Q       string      // the search box's value
	User    *shequ.User // signed in, nil when anonymous
	Unread  int         // unread notifications of the signed-in account
	Data    any
}

// funcs returns the template functions bound to one language.
func (s *Server) funcs(l *i18n.Localizer) template.FuncMap {
	return template.FuncMap{
		// idempotencyKey is a fresh key for the hidden field of a form
		// that creates (idempotency.go).
		"idempotencyKey": newIdempotencyKey,
		// t translates a key; extra arguments are name/value pairs for
		// the placeholders: {{t "paging.status" "Page" 1 "Pages" 3}}.
		"t": func(key string, kv ...any) (string, error) {
			if len(kv) == 0 {
				return l.T(key), nil
			}
			if len(kv)%2 != 0 {
				return "", fmt.Errorf("t %q: odd number of placeholder arguments", key)
			}
			data := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				name, ok := kv[i].(string)
				if !ok {
					return "", fmt.Errorf("t %q: placeholder name %v is not a string", key, kv[i])
				}
				data[name] = kv[i+1]
			}
			return l.T(key, data), nil
		},
		"static": s.static.url,
		// date shows a day in Asia/Shanghai; it takes a time.Time or a
		// *time.Time (nil shows nothing).
		"date": func(v any) string {
			switch t := v.(type) {
			case time.Time:
				return formatDate(l, t)
			case *time.Time:
				if t != nil {
					return formatDate(l, *t)
				}
			}
			return ""
		},
		// datetime shows an instant to the minute in Asia/Shanghai; it
		// takes a time.Time or a *time.Time (nil shows nothing).
		"datetime": func(v any) string {
			switch t := v.(type) {
			case time.Time:
				return formatDateTime(l, t)
			case *time.Time:
				if t != nil {
					return formatDateTime(l, *t)
				}
			}
			return ""
		},
		// dict builds the argument of a partial: {{template "field" (dict "ID" "x" ...)}}.
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, fmt.Errorf("dict: odd number of arguments")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
		"num": formatNumber,
		// Values of label/value grids and lists (render_values.go).
		"kv":    kv,
		"empty": emptyValue,
		"h":     h,
		"code":  codeHTML,
		"link":  linkHTML,
		"join":  joinText,
		"hint":  hintHTML,
		// enums labels a list of enum values: (enums "worker.area" .Areas).
		"enums": func(prefix string, v any) []string {
			x := reflect.ValueOf(v)
			if x.Kind() != reflect.Slice {
				return nil
			}
			out := make([]string, x.Len())
			for i := range out {
				out[i] = l.T(prefix + "." + fmt.Sprint(x.Index(i).Interface()))
			}
			return out
		},
		"place": s.places.placeHTML,
		// picker is the control of a division field (division_picker.go).
		"picker": s.pickerFromDict,
		// places shows a list of divisions, each by its name.
		"places": func(codes []string) template.HTML {
			var parts []any
			for i, c := range codes {
				if i > 0 {
					parts = append(parts, "、")
				}
				parts = append(parts, s.places.placeHTML(c))
			}
			return h(parts...)
		},
		// paren puts a remark in full-width brackets: （…）; nothing when
		// there is no remark.
		"paren": func(v any) string {
			if s, ok := v.(string); ok && s != "" {
				return "（" + s + "）"
			}
			return ""
		},
		// within reports whether code is at or below scope: a link to a
		// division's page is shown only inside the account's scope.
		"within": shequ.IsAncestorOrSelf,
		// scope is the division an account is bound to, "" when nobody
		// (or a national account) is signed in.
		"scope": func(u *shequ.User) string {
			if u == nil {
				return ""
			}
			return u.Scope
		},
		// yuan shows an amount of 分 in 元 with two decimals.
		"yuan": shequ.FormatYuan,
		"add":  func(a, b int) int { return a + b },
		// objpath is the page of an object of a notification or alert.
		"objpath": objectPath,
		// list makes a slice of its arguments, to range over a few values.
		"list": func(v ...any) []any { return v },
		// pct shows a fraction 0–1 as a percentage with one decimal.
		"pct": percent,
		"km":  km,
		// enum labels an enum value: {{enum "level" .Level}} → 省级.
		// criterion names a scoring criterion: the label of a default
		// one, the key of the project's own.
		"criterion": func(key string) string { return criterionName(l, key) },
		// criteria names a project's scoring criteria with their weights.
		"criteria": func(cs []shequ.Criterion) []string {
			out := make([]string, len(cs))
			for i, c := range cs {
				out[i] = criterionName(l, c.Key) + " " + strconv.Itoa(c.Weight)
			}
			return out
		},
		// materials is an item's checklist as a table.
		"materials": func(ms []shequ.Material) template.HTML { return materialsTable(l, ms) },
		"hours":     shequ.HoursText, // minutes as hours with one decimal (issue 17)
		"enum": func(prefix string, v any) string {
			str := fmt.Sprint(v)
			if str == "" {
				return l.T("value.unknown")
			}
			return l.T(prefix + "." + str)
		},
	}
}

// parseTemplates parses the layout files for every language; the pages
// are parsed on first use (templates.page).
func (s *Server) parseTemplates() (*templates, error) {
	ts := &templates{base: map[string]*template.Template{}, loc: map[string]*i18n.Localizer{},
		sets: map[string]map[string]*template.Template{}}
	for _, lang := range s.cat.Languages() {
		l := s.cat.Localizer(lang)
		base, err := template.New("").Funcs(s.funcs(l)).ParseFS(templateFS, layoutFiles...)
		if err != nil {
			return nil, err
		}
		ts.base[lang], ts.loc[lang], ts.sets[lang] = base, l, map[string]*template.Template{}
	}
	return ts, nil
}

// templateFileNames lists the files under templates/, for the test that
// checks each one is registered.
func templateFileNames() ([]string, error) {
	var names []string
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return err
	})
	return names, err
}

// newView fills the common page data for r.
func (s *Server) newView(r *http.Request, title string, data any) *view {
	l := s.localizer(r)
	v := &view{
		Lang:    l.Lang(),
		Large:   largeText(r),
		Version: s.cfg.Version,
		Title:   title,
		Return:  safeReturnPath(r.URL.RequestURI()),
		User:    currentUser(r.Context()),
		Data:    data,
	}
	actor := shequ.ActorFrom(r.Context())
	if u, ok := r.Context().Value(ctxUnread).(*unreadCount); ok {
		<-u.done
		v.Unread = u.n
	} else if v.User != nil && s.cfg.Linkage != nil {
		// A failed count is not worth failing the page for.
		v.Unread, _ = s.cfg.Linkage.CountUnread(r.Context())
	}
	v.Nav = navRender(l, navFor(v.Lang, actor, r))
	return v
}

// ctxUnread keys the *unreadCount begun by prefetchUnread.
const ctxUnread ctxKey = 200

// unreadCount is a count of unread notifications being read: n once done
// is closed (any number of pages may wait for it).
type unreadCount struct {
	done chan struct{}
	n    int
}

// prefetchUnread starts counting the signed-in account's unread
// notifications (the header shows them) while the handler reads its own
// data, and returns the request whose page will take the count: one round
// trip less in a row on PostgreSQL. Without an account it changes nothing.
func (s *Server) prefetchUnread(r *http.Request) *http.Request {
	if currentUser(r.Context()) == nil || s.cfg.Linkage == nil {
		return r
	}
	u := &unreadCount{done: make(chan struct{})}
	go func() {
		defer close(u.done)
		u.n, _ = s.cfg.Linkage.CountUnread(r.Context()) // a failed count is not worth failing the page for
	}()
	return r.WithContext(context.WithValue(r.Context(), ctxUnread, u))
}

// render executes a full page. The output is buffered so that a template
// error still yields a clean 500 instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page, title string, data any) {
	v := s.newView(r, title, data)
	if d, ok := data.(interface{ query() string }); ok {
		v.Q = d.query()
	}
	s.execute(w, r, status, page, "layout", v)
}

// renderFragment executes one partial template of page, for htmx requests
// that swap a part of the page.
func (s *Server) renderFragment(w http.ResponseWriter, r *http.Request, page, name string, data any) {
	s.execute(w, r, http.StatusOK, page, name, s.newView(r, "", data))
}

func (s *Server) execute(w http.ResponseWriter, r *http.Request, status int, page, name string, v *view) {
	t, err := s.tmpl.page(v.Lang, page)
	if err != nil {
		s.templateFailed(w, r, err)
		return
	}
	buf := pageBuffers.Get().(*bytes.Buffer)
	defer putPageBuffer(buf)
	if err := t.ExecuteTemplate(buf, name, v); err != nil {
		s.templateFailed(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", v.Lang)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	// The same URL renders differently by language, text size and htmx.
	h.Set("Vary", "Accept-Language, Cookie, HX-Request, HX-Target")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// pageBuffers recycles the buffers pages are rendered into: a list page is
// tens of kilobytes, grown by doubling from nothing on every request
// otherwise.
var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledPage is the largest buffer kept for reuse; a rare huge page's
// buffer goes to the garbage collector instead of staying in the pool.
const maxPooledPage = 1 << 20

func putPageBuffer(b *bytes.Buffer) {
	if b.Cap() > maxPooledPage {
		return
	}
	b.Reset()
	pageBuffers.Put(b)
}

// templateFailed answers when a page cannot be rendered. It does not go
// through s.error, whose HTML page could fail the same way.
func (s *Server) templateFailed(w http.ResponseWriter, r *http.Request, err error) {
	rid := requestID(r.Context())
	s.log.LogAttrs(r.Context(), slog.LevelError, "internal error",
		slog.String("request_id", rid), slog.String("path", r.URL.Path),
		slog.String("err", "render template: "+err.Error()))
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = fmt.Fprintf(w, "%s\n%s\n", s.localizer(r).T("error.internal"), s.localizer(r).T("error.request_id", map[string]any{"ID": rid}))
}

// formatDate shows a date in Asia/Shanghai in the language's usual form
// (2026年11月29日 / 29 Nov 2026); the layout comes from the catalogue.
func formatDate(l *i18n.Localizer, t time.Time) string {
	if t.IsZero() {
		return l.T("value.unknown")
	}
	return t.In(shequ.Shanghai).Format(l.T("format.date"))
}

// formatDateTime shows an instant in Asia/Shanghai to the minute
// (2026年11月29日 14:05).
func formatDateTime(l *i18n.Localizer, t time.Time) string {
	if t.IsZero() {
		return l.T("value.unknown")
	}
	return t.In(shequ.Shanghai).Format(l.T("format.datetime"))
}

// formatNumber writes an integer with thousands separators, the grouping
// used in both Chinese and English official statistics.
func formatNumber(v any) string {
	var n int64
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int64:
		n = x
	case *int64:
		if x == nil {
			return ""
		}
		n = *x
	default:
		return fmt.Sprint(v)
	}
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
