package web

import (
	"shequ"
	"shequ/internal/register"
)

// orgRegister mounts the register of community social organizations
// (register.Orgs) at /orgs and /api/v1/orgs.
func (s *Server) orgRegister() *registerMount[shequ.SocialOrg] {
	return mount(s, register.Orgs, "/orgs", s.cfg.Orgs != nil, register.OrgStore(s.cfg.Orgs))
}
