package web

import (
	"html/template"

	"shequ"
	"shequ/internal/i18n"
	"shequ/internal/register"
)

// workerRegister mounts the register of social workers (register.Workers)
// at /social-workers and /api/v1/social-workers. Those who keep it may
// reveal ID and phone numbers (the store audits the read).
func (s *Server) workerRegister() *registerMount[shequ.SocialWorker] {
	m := mount(s, register.Workers, "/social-workers", s.cfg.Workers != nil, register.WorkerStore(s.cfg.Workers))
	// The employer is one value with its name or organization: 社区, or
	// 社会组织：<link>, or 其他：安吉县社工站.
	employer := func(l *i18n.Localizer, w *shequ.SocialWorker) template.HTML {
		out := template.HTMLEscapeString(l.T("worker.employer_kind." + string(w.EmployerKind)))
		if w.EmployerOrgID != "" {
			id := template.HTMLEscapeString(w.EmployerOrgID)
			out += `：<a href="/orgs/` + id + `">` + id + `</a>`
		}
		if w.EmployerName != "" {
			out += "：" + template.HTMLEscapeString(w.EmployerName)
		}
		return template.HTML(out)
	}
	m.shows = map[string]func(*i18n.Localizer, *shequ.SocialWorker) template.HTML{"employer_kind": employer}
	return m
}
