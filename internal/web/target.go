package web

import (
	"net/http"
	"strconv"
	"strings"

	"shequ"
)

// targetView is one target as the targets page lists it.
type targetView struct {
	Scope string
	Key   string
	Label string
	Value string
	Text  string
	SetBy string
	*shequ.Target
}

// targetsPage is the data of templates/targets.html.
type targetsPage struct {
	Scope     string // the actor's scope ("" the whole country)
	Period    string
	Effective []targetView // the targets that apply at the scope
	Local     []targetView // targets set at or below the scope
	CanWrite  bool
	Keys      []shequ.TargetKey
	// The form.
	FormScope, FormKey, FormValue string
	Errors                        map[string]string
	Error                         string
	Notice                        string
}

// handleTargets serves GET /targets: the targets in force at the actor's
// scope, the local ones set below it, and (for officials) a form to set one.
func (s *Server) handleTargets(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionIndicatorRead, s.cfg.Targets != nil)
	if !ok {
		return
	}
	p := &targetsPage{FormScope: a.Scope, FormKey: string(shequ.TargetOrgsPerUrban)}
	if r.URL.Query().Get("notice") == "saved" {
		p.Notice = s.localizer(r).T("target.saved")
	}
	s.targetsPage(w, r, a, p, http.StatusOK)
}

func (s *Server) targetsPage(w http.ResponseWriter, r *http.Request, a *shequ.Actor, p *targetsPage, status int) {
	l := s.localizer(r)
	ctx := r.Context()
	p.Scope, p.Period, p.CanWrite, p.Keys = a.Scope, shequ.DefaultPeriod, a.Can(shequ.ActionTargetWrite), gapTargets
	eff, err := s.cfg.Targets.EffectiveTargets(ctx, a.Scope, p.Period)
	if err != nil {
		s.error(w, r, err)
		return
	}
	p.Effective = nil
	for _, k := range gapTargets {
		if v, ok := eff[k]; ok {
			p.Effective = append(p.Effective, newTargetView(s, r, &shequ.Target{Scope: a.Scope, Key: k, Value: v, Period: p.Period}))
		}
	}
	all, err := s.cfg.Targets.FindTargets(ctx, p.Period)
	if err != nil {
		s.error(w, r, err)
		return
	}
	p.Local = nil
	for _, t := range all {
		if t.Scope != "" && shequ.IsAncestorOrSelf(a.Scope, t.Scope) {
			p.Local = append(p.Local, newTargetView(s, r, t))
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	s.render(w, r, status, "targets", l.T("target.title"), p)
}

func newTargetView(s *Server, r *http.Request, t *shequ.Target) targetView {
	l := s.localizer(r)
	v := strconv.FormatFloat(t.Value, 'f', -1, 64)
	return targetView{Scope: t.Scope, Key: string(t.Key), Label: l.T("target." + string(t.Key)), Value: v,
		Text: targetText(l, t.Key, t.Value), SetBy: t.SetBy, Target: t}
}

// handleTargetSet serves POST /targets: set a local target for a division
// at or below the actor's scope. The service refuses one below the target
// that applies above it; the error shows beside the value.
func (s *Server) handleTargetSet(w http.ResponseWriter, r *http.Request) {
	a, ok := s.guardService(w, r, shequ.ActionTargetWrite, s.cfg.Targets != nil)
	if !ok {
		return
	}
	if !s.readForm(w, r) {
		return
	}
	p := &targetsPage{FormScope: strings.TrimSpace(r.PostForm.Get("scope")), FormKey: strings.TrimSpace(r.PostForm.Get("key")),
		FormValue: strings.TrimSpace(r.PostForm.Get("value"))}
	var fe shequ.FieldErrors
	if p.FormScope != "" && shequ.ValidateDivisionCode(p.FormScope) != nil {
		fe.Add("scope", "division.code.malformed", "A division code has 2, 4, 6, 9 or 12 digits.", nil)
	} else if !shequ.IsAncestorOrSelf(a.Scope, p.FormScope) {
		fe.Add("scope", "scope.outside", "This division is outside your area.", nil)
	}
	key := shequ.TargetKey(p.FormKey)
	if !oneOfStr(p.FormKey, gapTargets) {
		fe.Add("key", "target.key.invalid", "Unknown target.", nil)
	}
	v, err := strconv.ParseFloat(p.FormValue, 64)
	if err != nil || v < 0 || v > 1e6 {
		fe.Add("value", "target.value.invalid", "The target is a number from 0 up.", nil)
	}
	err = fe.Err()
	if err == nil {
		err = s.cfg.Targets.SetTarget(r.Context(), &shequ.Target{Scope: p.FormScope, Period: shequ.DefaultPeriod, Key: key,
			Value: v, SetBy: a.UserID})
	}
	if err != nil {
		l := s.localizer(r)
		e := shequ.AsError(err)
		if e.Code != shequ.EInvalid && e.Code != shequ.EConflict {
			s.error(w, r, err)
			return
		}
		p.Errors = fieldMessages(l, err)
		p.Error = l.T("form.has_errors")
		if len(p.Errors) == 0 {
			// A service error not tied to a field is about the value.
			p.Errors = map[string]string{"value": l.Error(e)}
			p.Error = l.Error(e)
		}
		s.targetsPage(w, r, a, p, statusByCode[e.Code])
		return
	}
	http.Redirect(w, r, "/targets?notice=saved", http.StatusSeeOther)
}
