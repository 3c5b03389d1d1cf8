package web

import (
	"net/http"

	"shequ"
)

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

// handleHome serves the home page. A signed-in reader of the property
// module is led by its tile to the module's own page (for a resident, their
// estate: complain, rate); others to the public grade pages.
func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) {
	mods := homeModules
	if a := shequ.ActorFrom(r.Context()); a != nil && a.Can(shequ.ActionPropertyRead) {
		mods = append([]module(nil), homeModules...)
		for i := range mods {
			if mods[i].Key == "module.property" {
				mods[i].Href = "/property"
			}
		}
	}
	s.render(w, r, http.StatusOK, "home", s.localizer(r).T("home.title"), homePage{Modules: mods})
}
