package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"shequ"
)

// The flows of volunteer service (issue 17) beside the registers:
//
//	GET  /volunteer                       the resident's page: join, open opportunities, sign-ups, scan, records,
//	                                      certificates and time-bank account
//	POST /volunteer/join                  register oneself as a volunteer
//	POST /volunteer/signups               sign up (opportunity_id); POST /volunteer/signups/{id}/cancel
//	GET  /volunteer/scan?t=…              the page the organizer's QR code opens; POST /volunteer/scan checks in/out
//	POST /volunteer/certificates          issue one's own certificate (from, to)
//	GET  /volunteer/certificates/{id}     the certificate (PDF)
//	GET  /opportunities, POST             the organizers' list and the publishing form
//	GET  /opportunities/{id}              the organizer's page: the QR code, sign-ups, check in/out, confirm
//	GET  /opportunities/{id}/qr.png       the QR code of the scan page
//	POST /opportunities/{id}/signups/{sid} the organizer's move on a sign-up (to=checked_in|checked_out|no_show|confirmed)
//	GET  /verify                          the public check of a certificate's code (no account)

// volunteerHubPage is the data of templates/volunteer_hub.html.
type volunteerHubPage struct {
	Me            *shequ.Volunteer
	Opportunities []*shequ.Opportunity
	Signups       []*shequ.MySignup
	Records       []*shequ.ServiceRecord
	Certificates  []*shequ.Certificate
	Accounts      []*shequ.TimeBankAccount
	Teams         []*shequ.VolunteerTeam // the teams the volunteer belongs to
	Skills        []shequ.VolunteerSkill
	Avails        []shequ.Availability
	Token         string // a scanned code waiting for the volunteer's press
	ScanOpp       *shequ.Opportunity
	From, To      string
	Notice        string
	Errors        map[string]string
	Error         string
	// Form values of the join form.
	FSkills, FAvail map[string]bool
	FName, FPhone   string
}

// hubNotices are the notices the hub shows after a redirect.
var hubNotices = map[string]string{"joined": "volunteer.hub.joined", "signed": "volunteer.hub.signed",
	"cancelled": "volunteer.hub.cancelled", "checked_in": "volunteer.hub.checked_in",
	"checked_out": "volunteer.hub.checked_out", "certificate": "volunteer.hub.certificate"}

// volunteerHub reads what the resident's page shows.
func (s *Server) volunteerHub(r *http.Request) (*volunteerHubPage, error) {
	ctx := r.Context()
	now := s.now().In(shequ.Shanghai)
	p := &volunteerHubPage{Skills: shequ.VolunteerSkills, Avails: shequ.Availabilities, FSkills: map[string]bool{},
		FAvail: map[string]bool{}, From: time.Date(now.Year(), 1, 1, 0, 0, 0, 0, shequ.Shanghai).Format(time.DateOnly),
		To: now.Format(time.DateOnly)}
	if k, ok := hubNotices[r.URL.Query().Get("notice")]; ok {
		p.Notice = s.localizer(r).T(k)
	}
	me, err := s.cfg.Volunteers.MyVolunteer(ctx)
	switch {
	case shequ.ErrorCode(err) == shequ.ENotFound:
	case err != nil:
		return nil, err
	default:
		p.Me = me
	}
	if p.Opportunities, _, err = s.cfg.Volunteers.FindOpportunities(ctx, shequ.OpportunityFilter{Status: shequ.OpportunityOpen,
		Upcoming: true, Limit: 20}); err != nil {
		return nil, err
	}
	if p.Me != nil {
		if p.Signups, err = s.cfg.Volunteers.MySignups(ctx); err != nil {
			return nil, err
		}
		if p.Records, _, err = s.cfg.Volunteers.FindRecords(ctx, shequ.RecordFilter{Limit: 50}); err != nil {
			return nil, err
		}
		if p.Certificates, err = s.cfg.Volunteers.FindCertificates(ctx, p.Me.ID); err != nil {
			return nil, err
		}
		if s.cfg.Teams != nil {
			if p.Teams, err = s.cfg.Teams.VolunteerTeams(ctx, p.Me.ID); err != nil {
				return nil, err
			}
		}
	}
	if s.cfg.TimeBank != nil {
		if p.Accounts, err = s.cfg.TimeBank.MyAccounts(ctx); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// SignedFor reports whether the volunteer has an open sign-up for o.
func (p *volunteerHubPage) SignedFor(o *shequ.Opportunity) bool {
	for _, x := range p.Signups {
		if x.OpportunityID == o.ID && x.State != shequ.SignupCancelled {
			return true
		}
	}
	return false
}

// handleVolunteerHub serves GET /volunteer (and GET /volunteer/scan).
func (s *Server) handleVolunteerHub(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionVolunteerJoin, s.cfg.Volunteers != nil); !ok {
		return
	}
	p, err := s.volunteerHub(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if t := strings.TrimSpace(r.URL.Query().Get("t")); t != "" && len(t) <= 64 {
		p.Token = t
		if p.ScanOpp, err = s.cfg.Volunteers.OpportunityByToken(r.Context(), t); err != nil {
			p.Error = s.localizer(r).Error(shequ.AsError(err))
			p.Token = ""
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "volunteer_hub", s.localizer(r).T("volunteer.hub.title"), p)
}

// hubFailed renders the hub again with the error of a form.
func (s *Server) hubFailed(w http.ResponseWriter, r *http.Request, err error, fill func(p *volunteerHubPage)) {
	p, perr := s.volunteerHub(r)
	if perr != nil {
		s.error(w, r, perr)
		return
	}
	if fill != nil {
		fill(p)
	}
	s.formFailed(w, r, "volunteer_hub", "volunteer.hub.title", p, &p.Errors, &p.Error, err)
}

// handleVolunteerJoin serves POST /volunteer/join.
func (s *Server) handleVolunteerJoin(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionVolunteerJoin, s.cfg.Volunteers != nil); !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	f := r.PostForm
	v := &shequ.Volunteer{EmergencyName: strings.TrimSpace(f.Get("emergency_name")),
		EmergencyPhone: shequ.Phone(strings.TrimSpace(f.Get("emergency_phone")))}
	for _, sk := range f["skills"] {
		v.Skills = append(v.Skills, shequ.VolunteerSkill(sk))
	}
	for _, a := range f["availability"] {
		v.Availability = append(v.Availability, shequ.Availability(a))
	}
	if err := s.cfg.Volunteers.Join(r.Context(), v); err != nil {
		s.hubFailed(w, r, err, func(p *volunteerHubPage) {
			for _, sk := range f["skills"] {
				p.FSkills[sk] = true
			}
			for _, a := range f["availability"] {
				p.FAvail[a] = true
			}
			p.FName, p.FPhone = v.EmergencyName, string(v.EmergencyPhone)
		})
		return
	}
	http.Redirect(w, r, "/volunteer?notice=joined", http.StatusSeeOther)
}

// handleVolunteerSignup serves POST /volunteer/signups.
func (s *Server) handleVolunteerSignup(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionVolunteerJoin, s.cfg.Volunteers != nil); !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	if _, err := s.cfg.Volunteers.SignUp(r.Context(), r.PostForm.Get("opportunity_id")); err != nil {
		s.hubFailed(w, r, err, nil)
		return
	}
	http.Redirect(w, r, "/volunteer?notice=signed", http.StatusSeeOther)
}

// handleVolunteerCancel serves POST /volunteer/signups/{id}/cancel.
func (s *Server) handleVolunteerCancel(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionVolunteerJoin, s.cfg.Volunteers != nil); !ok {
		return
	}
	if _, err := s.cfg.Volunteers.CancelSignup(r.Context(), r.PathValue("id")); err != nil {
		s.hubFailed(w, r, err, nil)
		return
	}
	http.Redirect(w, r, "/volunteer?notice=cancelled", http.StatusSeeOther)
}

// handleVolunteerScan serves POST /volunteer/scan: check in, or out.
func (s *Server) handleVolunteerScan(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionVolunteerJoin, s.cfg.Volunteers != nil); !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	x, err := s.cfg.Volunteers.Scan(r.Context(), r.PostForm.Get("t"))
	if err != nil {
		s.hubFailed(w, r, err, nil)
		return
	}
	http.Redirect(w, r, "/volunteer?notice="+string(x.State), http.StatusSeeOther)
}

// handleVolunteerCertificate serves POST /volunteer/certificates (the
// volunteer's own) and POST /volunteers/{id}/certificates (a worker's).
func (s *Server) handleVolunteerCertificate(w http.ResponseWriter, r *http.Request) {
	act := shequ.ActionVolunteerJoin
	if r.PathValue("id") != "" {
		act = shequ.ActionVolunteerWrite
	}
	if _, ok := s.guardService(w, r, act, s.cfg.Volunteers != nil); !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	id := r.PathValue("id")
	if id == "" {
		me, err := s.cfg.Volunteers.MyVolunteer(r.Context())
		if err != nil {
			s.hubFailed(w, r, shequ.Errorf(shequ.EConflict, "signup.not_volunteer", "Register as a volunteer first."), nil)
			return
		}
		id = me.ID
	}
	from, ferr := time.ParseInLocation(time.DateOnly, r.PostForm.Get("from"), shequ.Shanghai)
	to, terr := time.ParseInLocation(time.DateOnly, r.PostForm.Get("to"), shequ.Shanghai)
	if ferr != nil || terr != nil {
		from, to = time.Time{}, time.Time{}
	}
	c, err := s.cfg.Volunteers.IssueCertificate(r.Context(), id, from, to)
	if err != nil {
		if r.PathValue("id") != "" {
			s.error(w, r, err)
			return
		}
		s.hubFailed(w, r, err, nil)
		return
	}
	if r.PathValue("id") != "" {
		http.Redirect(w, r, "/volunteers/"+url.PathEscape(id)+"?notice=certificate#certificate-"+c.ID, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/volunteer?notice=certificate#certificate-"+c.ID, http.StatusSeeOther)
}

// handleCertificatePDF serves GET /volunteer/certificates/{id}: the
// 志愿服务记录证明 as a PDF, for the volunteer and the keepers of the
// register.
func (s *Server) handleCertificatePDF(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionVolunteerRead, s.cfg.Volunteers != nil); !ok {
		return
	}
	c, err := s.cfg.Volunteers.FindCertificate(r.Context(), r.PathValue("id"))
	if err != nil {
		s.error(w, r, err)
		return
	}
	pdf, err := certificatePDF(s.localizer(r), c, s.verifyURL(r, c.Code))
	if err != nil {
		s.error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+c.Number+`.pdf"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(pdf)
}

// verifyURL is the public page that checks code.
func (s *Server) verifyURL(r *http.Request, code string) string {
	scheme := "http"
	if r.TLS != nil || s.cfg.SecureCookies {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/verify?code=" + url.QueryEscape(code)
}

// verifyPage is the data of templates/verify.html.
type verifyPage struct {
	Code   string
	Check  *shequ.CertificateCheck
	Error  string
	Errors map[string]string
}

// handleVerify serves GET /verify: anyone checks a certificate's code.
func (s *Server) handleVerify(w http.ResponseWriter, r *http.Request) {
	if s.cfg.Volunteers == nil {
		s.error(w, r, errNoService)
		return
	}
	p := &verifyPage{Code: strings.TrimSpace(r.URL.Query().Get("code"))}
	if len(p.Code) > 40 {
		p.Code = p.Code[:40]
	}
	status := http.StatusOK
	if p.Code != "" {
		c, err := s.cfg.Volunteers.VerifyCertificate(r.Context(), p.Code)
		switch {
		case shequ.ErrorCode(err) == shequ.ENotFound:
			p.Error = s.localizer(r).T("certificate.code.unknown")
		case err != nil:
			s.error(w, r, err)
			return
		default:
			p.Check = c
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, "verify", s.localizer(r).T("verify.title"), p)
}

// opportunitiesPage is the data of templates/opportunities.html: the
// organizer's list and the form of a new opportunity.
type opportunitiesPage struct {
	Items []*shequ.Opportunity
	Total int
	opportunityForm
}

// opportunities reads the organizer's list.
func (s *Server) opportunities(r *http.Request, a *shequ.Actor) (*opportunitiesPage, error) {
	f, err := s.opportunityForm(r, a)
	if err != nil {
		return nil, err
	}
	p := &opportunitiesPage{opportunityForm: *f}
	p.F["category"], p.F["start"], p.F["end"], p.F["slots"] = string(shequ.CatElderly), "09:00", "11:00", "10"
	p.F["day"] = s.now().In(shequ.Shanghai).AddDate(0, 0, 1).Format(time.DateOnly)
	if len(a.Scope) == 12 {
		p.F["community_code"] = a.Scope
	}
	// From a project's page: the form opens linked to it.
	if id := r.URL.Query().Get("project"); id != "" && len(id) <= 40 {
		p.F["link"], p.F["project_id"] = string(shequ.LinkProject), id
	}
	if p.Items, p.Total, err = s.cfg.Volunteers.FindOpportunities(r.Context(), shequ.OpportunityFilter{Limit: 100}); err != nil {
		return nil, err
	}
	if a.OwnOnly(shequ.ActionOpportunityManage) {
		// An org_member lists only the opportunities of the organizations
		// they keep.
		p.Items = slices.DeleteFunc(p.Items, func(o *shequ.Opportunity) bool {
			return !slices.ContainsFunc(p.Orgs, func(g *shequ.SocialOrg) bool { return g.ID == o.OrgID })
		})
		p.Total = len(p.Items)
	}
	return p, nil
}

// opportunityTargets lists what an opportunity of the actor may serve:
// projects awarded or under way and needs accepted or planned, in the
// actor's area (what the actor may not list is left out of the picker).
func (s *Server) opportunityTargets(r *http.Request) ([]*shequ.Project, []*shequ.Need, error) {
	ctx := r.Context()
	var projects []*shequ.Project
	var needs []*shequ.Need
	if s.cfg.Linkage == nil {
		return projects, needs, nil
	}
	quiet := func(err error) error {
		if c := shequ.ErrorCode(err); c == shequ.EForbidden || c == shequ.ENotFound || c == shequ.EUnauthorized {
			return nil
		}
		return err
	}
	for _, st := range []shequ.ProjectStatus{shequ.ProjectInProgress, shequ.ProjectAwarded} {
		ps, _, err := s.cfg.Linkage.FindProjects(ctx, shequ.ProjectFilter{Status: st, Limit: 100})
		if err = quiet(err); err != nil {
			return nil, nil, err
		}
		projects = append(projects, ps...)
	}
	for _, st := range []shequ.NeedStatus{shequ.NeedAccepted, shequ.NeedPlanned} {
		ns, _, err := s.cfg.Linkage.FindNeeds(ctx, shequ.NeedFilter{Status: st, Limit: 100})
		if err = quiet(err); err != nil {
			return nil, nil, err
		}
		needs = append(needs, ns...)
	}
	return projects, needs, nil
}

// handleOpportunities serves GET /opportunities.
func (s *Server) handleOpportunities(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionOpportunityManage, s.cfg.Volunteers != nil)
	if !ok {
		return
	}
	p, err := s.opportunities(r, a)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "opportunities", s.localizer(r).T("opportunity.list.title"), p)
}

// handleOpportunityCreate serves POST /opportunities.
func (s *Server) handleOpportunityCreate(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionOpportunityManage, s.cfg.Volunteers != nil)
	if !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	f := r.PostForm
	o := opportunityFromForm(f).opportunity()
	if err := s.cfg.Volunteers.CreateOpportunity(r.Context(), o); err != nil {
		p, perr := s.opportunities(r, a)
		if perr != nil {
			s.error(w, r, perr)
			return
		}
		p.keep(f)
		s.formFailed(w, r, "opportunities", "opportunity.list.title", p, &p.Errors, &p.Error, err)
		return
	}
	http.Redirect(w, r, "/opportunities/"+url.PathEscape(o.ID)+"?notice=created", http.StatusSeeOther)
}

// opportunityPage is the data of templates/opportunity.html.
type opportunityPage struct {
	O       *shequ.Opportunity
	Signups []*shequ.Signup
	ScanURL string // what the QR code (GET /opportunities/{id}/qr.png) encodes
	Notice  string
	Error   string
	Errors  map[string]string
}

// handleOpportunity serves GET /opportunities/{id}: the organizer's page.
func (s *Server) handleOpportunity(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionOpportunityManage, s.cfg.Volunteers != nil); !ok {
		return
	}
	p, err := s.opportunityPage(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	if n := r.URL.Query().Get("notice"); n == "created" || n == "moved" || n == "confirmed" || n == "cancelled" || n == "saved" {
		p.Notice = s.localizer(r).T("opportunity.notice." + n)
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, http.StatusOK, "opportunity", p.O.Title, p)
}

// opportunityPage reads the organizer's page of the path's opportunity.
func (s *Server) opportunityPage(r *http.Request) (*opportunityPage, error) {
	ctx := r.Context()
	id := r.PathValue("id")
	token, err := s.cfg.Volunteers.ScanToken(ctx, id)
	if err != nil {
		return nil, err
	}
	o, err := s.cfg.Volunteers.FindOpportunityByID(ctx, id)
	if err != nil {
		return nil, err
	}
	xs, err := s.cfg.Volunteers.FindSignups(ctx, id)
	if err != nil {
		return nil, err
	}
	scheme := "http"
	if r.TLS != nil || s.cfg.SecureCookies {
		scheme = "https"
	}
	return &opportunityPage{O: o, Signups: xs, ScanURL: scheme + "://" + r.Host + "/volunteer/scan?t=" + url.QueryEscape(token)}, nil
}

// handleOpportunityQR serves GET /opportunities/{id}/qr.png: the QR code
// of the scan page, for the organizer to show.
func (s *Server) handleOpportunityQR(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionOpportunityManage, s.cfg.Volunteers != nil); !ok {
		return
	}
	p, err := s.opportunityPage(r)
	if err != nil {
		s.error(w, r, err)
		return
	}
	png, err := qrcode.Encode(p.ScanURL, qrcode.Medium, 320)
	if err != nil {
		s.error(w, r, shequ.Wrap(err, "QR code"))
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(png)
}

// handleSignupMove serves POST /opportunities/{id}/signups/{sid}.
func (s *Server) handleSignupMove(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionOpportunityManage, s.cfg.Volunteers != nil); !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	sid, to := r.PathValue("sid"), shequ.SignupState(r.PostForm.Get("to"))
	var err error
	notice := "moved"
	if to == shequ.SignupConfirmed {
		var c shequ.Confirmation
		if m := strings.TrimSpace(r.PostForm.Get("minutes")); m != "" {
			n, cerr := strconv.Atoi(m)
			if cerr != nil {
				n = -1
			}
			c.Minutes = &n
		}
		c.Note = r.PostForm.Get("note")
		_, err = s.cfg.Volunteers.ConfirmSignup(r.Context(), sid, c)
		notice = "confirmed"
	} else {
		_, err = s.cfg.Volunteers.MarkSignup(r.Context(), sid, to)
	}
	if err != nil {
		p, perr := s.opportunityPage(r)
		if perr != nil {
			s.error(w, r, perr)
			return
		}
		s.formFailed(w, r, "opportunity", "opportunity.list.title", p, &p.Errors, &p.Error, err)
		return
	}
	http.Redirect(w, r, "/opportunities/"+url.PathEscape(r.PathValue("id"))+"?notice="+notice, http.StatusSeeOther)
}

// handleOpportunityCancel serves POST /opportunities/{id}/cancel: the
// organizer cancels; the open sign-ups are cancelled and the volunteers
// told (the store's UpdateOpportunity, as the API's cancel).
func (s *Server) handleOpportunityCancel(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.guardService(w, r, shequ.ActionOpportunityManage, s.cfg.Volunteers != nil); !ok {
		return
	}
	id := pathID(r, "id")
	if err := s.cancelOpportunity(r, id); err != nil {
		p, perr := s.opportunityPage(r)
		if perr != nil {
			s.error(w, r, perr)
			return
		}
		s.formFailed(w, r, "opportunity", "opportunity.list.title", p, &p.Errors, &p.Error, err)
		return
	}
	http.Redirect(w, r, "/opportunities/"+url.PathEscape(id)+"?notice=cancelled", http.StatusSeeOther)
}
