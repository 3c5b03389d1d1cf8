package web

import (
	"shequ"
	"shequ/internal/register"
)

// The registers of issue 17, served by the register mechanism: volunteers
// at /volunteers, the community workforce at /workforce, training courses
// at /courses (and their JSON API under /api/v1).

func (s *Server) volunteerRegister() *registerMount[shequ.Volunteer] {
	m := mount(s, register.Volunteers, "/volunteers", s.cfg.Volunteers != nil, register.VolunteerStore(s.cfg.Volunteers))
	// The volunteer's page lists the teams they belong to
	// (volunteer_team.go).
	m.showPage, m.showExtra = "volunteer_show", s.volunteerShowExtra
	return m
}

// The workforce and course registers are mounted in workforce_pages.go.
