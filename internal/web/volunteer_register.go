package web

import (
	"shequ"
	"shequ/internal/register"
)

// The registers of issue 17, served by the register mechanism: volunteers
// at /volunteers, the community workforce at /workforce, training courses
// at /courses (and their JSON API under /api/v1).

func (s *Server) volunteerRegister() *registerMount[shequ.Volunteer] {
	return mount(s, register.Volunteers, "/volunteers", s.cfg.Volunteers != nil, register.VolunteerStore(s.cfg.Volunteers))
}

func (s *Server) workforceRegister() *registerMount[shequ.WorkforceMember] {
	return mount(s, register.Workforce, "/workforce", s.cfg.Workforce != nil, register.WorkforceStore(s.cfg.Workforce))
}

func (s *Server) courseRegister() *registerMount[shequ.Course] {
	return mount(s, register.Courses, "/courses", s.cfg.Workforce != nil, register.CourseStore(s.cfg.Workforce))
}
