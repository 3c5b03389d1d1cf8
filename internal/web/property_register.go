package web

import (
	"shequ"
	"shequ/internal/register"
)

// estateRegister mounts the register of estates (register.Estates) at
// /estates and /api/v1/estates; its show page (templates/estate.html) adds
// the estate's company and contracts, owners' committee, ratings,
// inspections and complaints.
func (s *Server) estateRegister() *registerMount[shequ.Estate] {
	svc := s.cfg.Property
	m := mount(s, register.Estates, "/estates", svc != nil, register.EstateStore(svc))
	s.estatePage(m)
	return m
}

// companyRegister mounts the register of property companies
// (register.Companies) at /property/companies and
// /api/v1/property/companies; its show page (templates/company.html) adds
// the credit file, staff, contracts and the officials' decisions.
func (s *Server) companyRegister() *registerMount[shequ.PropertyCompany] {
	svc := s.cfg.Property
	m := mount(s, register.Companies, "/property/companies", svc != nil, register.CompanyStore(svc))
	s.companyPage(m)
	return m
}
