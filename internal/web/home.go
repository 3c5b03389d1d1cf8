package web

import "net/http"

// module is a tile on the home page for one functional area of the plan.
type module struct {
	Key  string // catalogue key of the name
	Href string // "" while the module is being built
}

// homeModules are the home page tiles. A module gets its Href when its
// pages exist; until then its tile says 建设中.
var homeModules = []module{
	{Key: "module.service"},
	{Key: "module.linkage"},
	{Key: "module.org", Href: "/orgs"},
	{Key: "module.socialwork", Href: "/social-workers"},
	{Key: "module.property", Href: "/public/property"},
	{Key: "module.facility"},
	{Key: "module.indicator", Href: "/indicators"},
}

// homePage is the data of templates/home.html.
type homePage struct {
	Modules []module
}

// handleHome serves the home page.
func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "home", s.localizer(r).T("home.title"), homePage{Modules: homeModules})
}
