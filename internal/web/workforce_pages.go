package web

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"shequ"
	"shequ/internal/i18n"
	"shequ/internal/register"
)

// The workforce and training pages of issue 17: the workforce register's
// member page (linked account and social worker picked from lists, the
// training attended and the continuing education of the current period),
// the course page with its attendance (attendees picked from the workforce
// register), and the continuing-education list (/workforce/ce) with the
// members due soon first.

// workforceRegister mounts the workforce register at /workforce.
func (s *Server) workforceRegister() *registerMount[shequ.WorkforceMember] {
	svc := s.cfg.Workforce
	m := mount(s, register.Workforce, "/workforce", svc != nil, register.WorkforceStore(svc))
	m.showPage = "workforce_member"
	m.selects = map[string]registerSelect{"user_id": s.workforceAccountSelect, "social_worker_id": s.socialWorkerSelect}
	m.shows = map[string]func(*i18n.Localizer, *shequ.WorkforceMember) template.HTML{
		"user_id": func(l *i18n.Localizer, x *shequ.WorkforceMember) template.HTML {
			if x.UserID == "" {
				return template.HTML(template.HTMLEscapeString(l.T("workforce.user_id.none")))
			}
			return template.HTML(template.HTMLEscapeString(l.T("workforce.user_id.linked")))
		},
		"social_worker_id": func(l *i18n.Localizer, x *shequ.WorkforceMember) template.HTML {
			if x.SocialWorkerID == "" {
				return "—"
			}
			return template.HTML(`<a href="/social-workers/` + template.HTMLEscapeString(url.PathEscape(x.SocialWorkerID)) +
				`" id="workforce-social-worker">` + template.HTMLEscapeString(l.T("workforce.social_worker_id.open")) + `</a>`)
		},
	}
	m.links = func(l *i18n.Localizer, _ register.Query) []registerLink {
		return []registerLink{{ID: "workforce-ce-link", Href: "/workforce/ce", Label: l.T("workforce.ce.title")}}
	}
	m.showExtra = func(r *http.Request, a *shequ.Actor, x *shequ.WorkforceMember) (any, error) {
		att, err := svc.MemberTraining(r.Context(), x.ID)
		if err != nil {
			return nil, err
		}
		ex := &workforceMemberExtra{Training: att}
		for _, t := range att {
			ex.Minutes += t.Minutes
		}
		ex.CE = shequ.ComputeCE(x, att, s.now())
		return ex, nil
	}
	return m
}

// workforceMemberExtra is the member page's part below the record.
type workforceMemberExtra struct {
	Training []*shequ.Attendance
	Minutes  int // all training attended
	CE       *shequ.CEStatus
}

// courseRegister mounts the course register at /courses; its page lists
// the attendance and, to those who keep the register, the form to record
// one.
func (s *Server) courseRegister() *registerMount[shequ.Course] {
	svc := s.cfg.Workforce
	m := mount(s, register.Courses, "/courses", svc != nil, register.CourseStore(svc))
	m.showPage = "course"
	m.notices = map[string]string{"attended": "course.attendance.recorded", "removed": "course.attendance.removed"}
	m.showExtra = func(r *http.Request, a *shequ.Actor, c *shequ.Course) (any, error) {
		att, err := svc.FindAttendance(r.Context(), c.ID)
		if err != nil {
			return nil, err
		}
		ex := &courseExtra{C: c, Attendance: att, CanWrite: a.Can(shequ.ActionWorkforceWrite), Hours: shequ.HoursText(c.Minutes)}
		if !ex.CanWrite {
			return ex, nil
		}
		members, total, err := svc.FindMembers(r.Context(), shequ.WorkforceFilter{Current: true, Limit: maxSelectOptions})
		if err != nil {
			return nil, err
		}
		ex.TooMany = total > len(members)
		for _, mb := range members {
			if slices.ContainsFunc(att, func(x *shequ.Attendance) bool { return x.MemberID == mb.ID }) {
				continue
			}
			label := mb.Name + "（" + s.places.name(mb.Community) + " · " + s.localizer(r).T("workforce.post."+string(mb.Post)) + "）"
			ex.Members = append(ex.Members, registerOption{Value: mb.ID, Label: label})
		}
		return ex, nil
	}
	return m
}

// courseExtra is the course page's attendance part.
type courseExtra struct {
	C          *shequ.Course
	Attendance []*shequ.Attendance
	CanWrite   bool
	Members    []registerOption  // current members not yet recorded
	TooMany    bool              // more members than the list shows
	Hours      string            // the course's hours
	Form       map[string]string // the attendance form posted again, after an error
	Errors     map[string]string // its field errors
}

// workforceAccountSelect lists the accounts a member may be linked to.
func (s *Server) workforceAccountSelect(r *http.Request, a *shequ.Actor) ([]registerOption, bool) {
	if s.cfg.Workforce == nil || a == nil || !a.Can(shequ.ActionWorkforceWrite) {
		return nil, false
	}
	users, err := s.cfg.Workforce.AccountCandidates(r.Context(), maxSelectOptions+1)
	if err != nil || len(users) > maxSelectOptions {
		return nil, false
	}
	l := s.localizer(r)
	out := make([]registerOption, 0, len(users))
	for _, u := range users {
		label := u.Name
		if label == "" {
			label = u.Username
		}
		label += "（" + l.T("role."+string(u.Role)) + " · " + s.places.name(u.Scope) + "）"
		out = append(out, registerOption{Value: u.ID, Label: label})
	}
	return out, true
}

// socialWorkerSelect lists the social workers of the actor's area.
func (s *Server) socialWorkerSelect(r *http.Request, a *shequ.Actor) ([]registerOption, bool) {
	if s.cfg.Workers == nil || a == nil || !a.Can(shequ.ActionWorkerRead) {
		return nil, false
	}
	list, total, err := s.cfg.Workers.FindWorkers(r.Context(), shequ.WorkerFilter{Community: a.Scope, Limit: maxSelectOptions})
	if err != nil || total > len(list) {
		return nil, false
	}
	out := make([]registerOption, 0, len(list))
	for _, w := range list {
		out = append(out, registerOption{Value: w.ID, Label: w.Name + "（" + s.places.name(w.Community) + "）"})
	}
	return out, true
}

// attendanceForm reads the attendance form: the member and the hours
// credited (blank: the course's).
func attendanceForm(courseID, memberID, hours string) (*shequ.Attendance, error) {
	a := &shequ.Attendance{CourseID: courseID, MemberID: memberID}
	var fe shequ.FieldErrors
	if memberID == "" || len(memberID) > maxIDLen {
		fe.Add("member_id", "course.member.invalid", "Pick a member of the workforce register.", nil)
	}
	if hours != "" {
		h, err := strconv.ParseFloat(hours, 64)
		if err != nil || h <= 0 || h > 200 {
			fe.Add("hours", "course.attendance.hours", "The hours credited are at most the course's.", nil)
		} else {
			a.Minutes = int(h*60 + 0.5)
		}
	}
	return a, fe.Err()
}

// handleCourseAttend serves POST /courses/{id}/attendance.
func (s *Server) handleCourseAttend(w http.ResponseWriter, r *http.Request) {
	actor, ok := s.guardService(w, r, shequ.ActionWorkforceWrite, s.cfg.Workforce != nil)
	if !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	id := r.PathValue("id")
	a, err := attendanceForm(id, r.PostForm.Get("member_id"), r.PostForm.Get("hours"))
	if err == nil {
		err = s.cfg.Workforce.RecordAttendance(r.Context(), a)
	}
	if err != nil {
		s.courseFailed(w, r, actor, postedValues(r, "member_id", "hours"), err)
		return
	}
	http.Redirect(w, r, "/courses/"+url.PathEscape(id)+"?notice=attended", http.StatusSeeOther)
}

// courseFailed shows the course page again with the attendance form as
// posted and its errors beside the fields (a member not in post, hours
// beyond the course's); anything but bad input is the error page.
func (s *Server) courseFailed(w http.ResponseWriter, r *http.Request, a *shequ.Actor, form map[string]string, err error) {
	s.courseRegister().recordFailed(w, r, a, err, refusal{}, func(p *registerShowPage, errs map[string]string) {
		extra := p.Extra.(*courseExtra)
		extra.Form, extra.Errors = form, errs
		for i := range extra.Members {
			extra.Members[i].Selected = extra.Members[i].Value == form["member_id"]
		}
	})
}

// handleCourseUnattend serves POST /courses/{id}/attendance/{member}/remove.
func (s *Server) handleCourseUnattend(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionWorkforceWrite, s.cfg.Workforce != nil); !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	id := r.PathValue("id")
	if err := s.cfg.Workforce.RemoveAttendance(r.Context(), id, r.PathValue("member")); err != nil {
		s.error(w, r, err)
		return
	}
	http.Redirect(w, r, "/courses/"+url.PathEscape(id)+"?notice=removed", http.StatusSeeOther)
}

// workforceCEPage is the data of templates/workforce_ce.html.
type workforceCEPage struct {
	All     bool // every certified member, not only those due soon
	Rows    []*shequ.CEStatus
	DueSoon int // of Rows
}

// handleWorkforceCE serves GET /workforce/ce[?all=1]: the continuing
// education of the certified members of the actor's area, the period
// ending first on top.
func (s *Server) handleWorkforceCE(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionWorkforceRead, s.cfg.Workforce != nil)
	if !ok {
		return
	}
	p := &workforceCEPage{All: r.URL.Query().Get("all") == "1"}
	rows, err := s.cfg.Workforce.ContinuingEducation(r.Context(), a.Scope, !p.All)
	if err != nil {
		s.error(w, r, err)
		return
	}
	p.Rows = rows
	for _, st := range rows {
		if st.DueSoon() {
			p.DueSoon++
		}
	}
	s.render(w, r, http.StatusOK, "workforce_ce", s.localizer(r).T("workforce.ce.title"), p)
}

// ceJSON is a member's continuing education in the API.
func ceJSON(st *shequ.CEStatus) map[string]any {
	return map[string]any{"member_id": st.Member.ID, "name": st.Member.Name, "community_code": st.Member.Community,
		"qualification": st.Member.Qualification, "period_start": st.Start.Format(time.DateOnly),
		"period_end": st.End.Format(time.DateOnly), "required_minutes": st.Required, "done_minutes": st.Done,
		"short_minutes": st.Short(), "days_left": st.DaysLeft, "due_soon": st.DueSoon()}
}

// handleAPIWorkforceCE serves GET /api/v1/workforce/ce[?due_soon=1].
func (s *Server) handleAPIWorkforceCE(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionWorkforceRead, s.cfg.Workforce != nil)
	if !ok {
		return
	}
	rows, err := s.cfg.Workforce.ContinuingEducation(r.Context(), a.Scope, r.URL.Query().Get("due_soon") == "1")
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeList(w, rows, len(rows), ceJSON)
}

// attendanceJSON is an attendance in the API.
func attendanceJSON(a *shequ.Attendance) map[string]any {
	return map[string]any{"course_id": a.CourseID, "member_id": a.MemberID, "name": a.Name, "course": a.Course,
		"day": a.Day.Format(time.DateOnly), "minutes": a.Minutes, "community_code": a.Community, "recorded_by": a.RecordedBy}
}

// handleAPICourseAttendance serves GET /api/v1/courses/{id}/attendance.
func (s *Server) handleAPICourseAttendance(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionWorkforceRead, s.cfg.Workforce != nil); !ok {
		return
	}
	list, err := s.cfg.Workforce.FindAttendance(r.Context(), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	writeList(w, list, len(list), attendanceJSON)
}

// handleAPICourseAttend serves POST /api/v1/courses/{id}/attendance.
func (s *Server) handleAPICourseAttend(w http.ResponseWriter, r *http.Request) {
	var in struct {
		MemberID string `json:"member_id"`
		Minutes  int    `json:"minutes"`
	}
	if _, ok := s.guardJSON(w, r, shequ.ActionWorkforceWrite, s.cfg.Workforce != nil, &in); !ok {
		return
	}
	a, err := attendanceForm(r.PathValue("id"), in.MemberID, "")
	if err == nil {
		a.Minutes = in.Minutes
		err = s.cfg.Workforce.RecordAttendance(r.Context(), a)
	}
	answerJSON(s, w, r, http.StatusCreated, a, err, attendanceJSON)
}

// handleAPICourseUnattend serves DELETE /api/v1/courses/{id}/attendance/{member}.
func (s *Server) handleAPICourseUnattend(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionWorkforceWrite, s.cfg.Workforce != nil); !ok {
		return
	}
	if err := s.cfg.Workforce.RemoveAttendance(r.Context(), r.PathValue("id"), r.PathValue("member")); err != nil {
		s.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
