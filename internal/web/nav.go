package web

import (
	"html"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"shequ"
	"shequ/internal/i18n"
)

// The main navigation is this declared table. A module adds its pages with
// one line each in navEntries (and a group with one line in navGroups when
// none of the existing ones fits); the rules below decide who sees what:
//
//   - an entry is shown only to actors its Show allows (nil: everyone), so
//     no link leads to a page the role may not open;
//   - a role that would see more than navFlatMax entries sees them in their
//     groups instead (a group with a single entry it may see is that entry),
//     so that nobody faces more than about eight top entries;
//   - on a phone the same entries are one menu behind a button.

// navGroup is a top entry that holds several pages.
type navGroup struct {
	ID  string // DOM id suffix: nav-group-ID
	Key string // catalogue key of the label
}

// The groups, in the order the navigation shows them.
const (
	navTop       = ""          // not grouped: always a top entry
	navServices  = "services"  // 办事服务
	navLinkage   = "linkage"   // 三社联动
	navProperty  = "property"  // 物业监管
	navRegisters = "registers" // 登记管理
	navCare      = "care"      // 关爱服务
	navVolunteer = "volunteer" // 志愿服务与队伍
	navStats     = "stats"     // 统计监测
	navAdmin     = "admin"     // 系统管理
)

// navGroups lists the groups in order.
var navGroups = []navGroup{
	{ID: navServices, Key: "nav.group.services"},
	{ID: navLinkage, Key: "nav.group.linkage"},
	{ID: navProperty, Key: "nav.group.property"},
	{ID: navRegisters, Key: "nav.group.registers"},
	{ID: navCare, Key: "nav.group.care"},
	{ID: navVolunteer, Key: "nav.group.volunteer"},
	{ID: navStats, Key: "nav.group.stats"},
	{ID: navAdmin, Key: "nav.group.admin"},
}

// navEntry is one page of the navigation.
type navEntry struct {
	ID    string // DOM id, a stable hook for browser tests
	Key   string // catalogue key of the label
	Href  string // path, with a query when the page is a filtered list
	Group string // one of navGroups' IDs, or navTop
	// Show reports whether the actor (nil when anonymous) sees the entry;
	// it must allow only actors the page lets in. nil: everyone.
	Show func(a *shequ.Actor) bool
	// OwnKey, when set, labels the entry for actors who may do Show's
	// action only on their own objects (办件 → 我的办件).
	OwnKey string
	// OwnAction is the action OwnKey is about.
	OwnAction shequ.Action
}

// can shows an entry to actors allowed every one of acts.
func can(acts ...shequ.Action) func(*shequ.Actor) bool {
	return func(a *shequ.Actor) bool {
		for _, act := range acts {
			if !a.Can(act) {
				return false
			}
		}
		return true
	}
}

// manages shows an entry to actors allowed act on others' objects too: a
// register is no page for a resident who may read only their own record.
func manages(act shequ.Action) func(*shequ.Actor) bool {
	return func(a *shequ.Actor) bool { return a.Can(act) && !a.OwnOnly(act) }
}

// staff shows an entry to signed-in actors other than residents allowed act.
func staff(act shequ.Action) func(*shequ.Actor) bool {
	return func(a *shequ.Actor) bool { return a.Can(act) && a.Role != shequ.RoleResident } // Can is false for nil
}

// visitor shows an entry to visitors only (not signed in): 办件查询 by
// number and ID number, which a resident has no need of beside 我的办件.
func visitor(a *shequ.Actor) bool { return a == nil }

// navEntries is the navigation, in order within each group.
var navEntries = []navEntry{
	{ID: "nav-home", Key: "nav.home", Href: "/", Group: navTop},

	{ID: "nav-services", Key: "nav.services", Href: "/services", Group: navServices},
	{ID: "nav-desk", Key: "nav.desk", Href: "/desk", Group: navServices, Show: can(shequ.ActionRequestHandle, shequ.ActionRequestSubmit)},
	{ID: "nav-requests", Key: "nav.requests", Href: "/requests", Group: navServices, Show: can(shequ.ActionRequestRead),
		OwnKey: "nav.requests.own", OwnAction: shequ.ActionRequestRead},
	{ID: "nav-delegations", Key: "nav.delegations", Href: "/delegations", Group: navServices, Show: can(shequ.ActionDelegationRead)},
	{ID: "nav-lookup", Key: "nav.lookup", Href: "/track", Group: navServices, Show: visitor},

	{ID: "nav-needs", Key: "nav.needs", Href: "/needs", Group: navLinkage, Show: can(shequ.ActionNeedRead)},
	{ID: "nav-projects", Key: "nav.projects", Href: "/projects", Group: navLinkage, Show: staff(shequ.ActionProjectRead)},
	{ID: "nav-approvals", Key: "nav.approvals", Href: "/projects?status=under_review", Group: navLinkage, Show: can(shequ.ActionProjectApprove)},
	{ID: "nav-calls", Key: "nav.calls", Href: "/projects?status=open_for_bids", Group: navLinkage, Show: can(shequ.ActionBidSubmit)},
	{ID: "nav-activities", Key: "nav.activities", Href: "/projects?status=in_progress", Group: navLinkage, Show: can(shequ.ActionActivityRecord)},
	{ID: "nav-public", Key: "nav.public", Href: "/public/projects", Group: navLinkage},

	// 物业服务监管 (issue 15).
	// Residents reach /property from the home page's tile: their
	// navigation stays within navFlatMax entries.
	{ID: "nav-property", Key: "nav.property", Href: "/property", Group: navProperty, Show: staff(shequ.ActionPropertyRead)},
	{ID: "nav-estates", Key: "nav.estates", Href: "/estates", Group: navProperty, Show: staff(shequ.ActionPropertyRead)},
	{ID: "nav-complaints", Key: "nav.complaints", Href: "/complaints", Group: navProperty, Show: staff(shequ.ActionComplaintRead)},
	{ID: "nav-rectifications", Key: "nav.rectifications", Href: "/rectifications", Group: navProperty, Show: staff(shequ.ActionPropertyRead)},
	{ID: "nav-meetings", Key: "nav.meetings", Href: "/meetings", Group: navProperty, Show: staff(shequ.ActionPropertyRead)},
	{ID: "nav-property-companies", Key: "nav.property_companies", Href: "/property/companies", Group: navProperty,
		Show: can(shequ.ActionPropertySupervise)},
	{ID: "nav-appeals", Key: "nav.appeals", Href: "/property/appeals", Group: navProperty,
		Show: func(a *shequ.Actor) bool {
			return a.Can(shequ.ActionPropertySupervise) || a.Can(shequ.ActionCreditAppeal)
		}},

	{ID: "nav-residents", Key: "nav.residents", Href: "/residents", Group: navRegisters, Show: manages(shequ.ActionResidentRead)},
	{ID: "nav-orgs", Key: "nav.orgs", Href: "/orgs", Group: navRegisters, Show: can(shequ.ActionOrgRead)},
	{ID: "nav-workers", Key: "nav.workers", Href: "/social-workers", Group: navRegisters, Show: can(shequ.ActionWorkerRead)},
	{ID: "nav-facilities", Key: "nav.facilities", Href: "/facilities", Group: navRegisters, Show: can(shequ.ActionFacilityRead)},

	{ID: "nav-care-report", Key: "nav.care.report", Href: "/care/report", Group: navCare},
	{ID: "nav-care-people", Key: "nav.care.people", Href: "/care/people", Group: navCare, Show: staff(shequ.ActionCareRead)},
	{ID: "nav-care-visits", Key: "nav.care.visits", Href: "/care/visits", Group: navCare, Show: staff(shequ.ActionCareRead)},
	{ID: "nav-care-alerts", Key: "nav.care.alerts", Href: "/care/alerts", Group: navCare, Show: staff(shequ.ActionCareRead)},
	{ID: "nav-care-cases", Key: "nav.care.cases", Href: "/care/cases", Group: navCare, Show: staff(shequ.ActionCaseRead)},
	{ID: "nav-care-referrals", Key: "nav.care.referrals", Href: "/care/referrals", Group: navCare, Show: staff(shequ.ActionReferralAnswer)},
	{ID: "nav-care-duties", Key: "nav.care.duties", Href: "/care/duties", Group: navCare, Show: staff(shequ.ActionCareRead)},
	{ID: "nav-care-candidates", Key: "nav.care.candidates", Href: "/care/candidates", Group: navCare, Show: staff(shequ.ActionCareWrite)},
	{ID: "nav-care-policy", Key: "nav.care.policy", Href: "/care/policy", Group: navCare, Show: staff(shequ.ActionCareRead)},
	{ID: "nav-care-worklogs", Key: "nav.care.worklogs", Href: "/care/worklogs", Group: navCare, Show: func(a *shequ.Actor) bool {
		return staff(shequ.ActionWorkLog)(a) || staff(shequ.ActionWorkSupervise)(a)
	}},

	{ID: "nav-opportunities", Key: "nav.opportunities", Href: "/opportunities", Group: navVolunteer, Show: can(shequ.ActionOpportunityManage)},
	{ID: "nav-volunteers", Key: "nav.volunteers", Href: "/volunteers", Group: navVolunteer, Show: staff(shequ.ActionVolunteerRead)},
	{ID: "nav-teams", Key: "nav.teams", Href: "/volunteer-teams", Group: navVolunteer, Show: staff(shequ.ActionVolunteerRead)},
	{ID: "nav-timebank", Key: "nav.timebank", Href: "/timebank", Group: navVolunteer, Show: staff(shequ.ActionTimeBankRead)},
	{ID: "nav-workforce", Key: "nav.workforce", Href: "/workforce", Group: navVolunteer, Show: can(shequ.ActionWorkforceRead)},
	{ID: "nav-courses", Key: "nav.courses", Href: "/courses", Group: navVolunteer, Show: can(shequ.ActionWorkforceRead)},

	{ID: "nav-indicators", Key: "nav.indicators", Href: "/indicators", Group: navStats, Show: can(shequ.ActionIndicatorRead)},
	{ID: "nav-coverage", Key: "nav.coverage", Href: "/coverage", Group: navStats, Show: can(shequ.ActionFacilityRead)},
	{ID: "nav-targets", Key: "nav.targets", Href: "/targets", Group: navStats, Show: can(shequ.ActionTargetWrite)},
	{ID: "nav-divisions", Key: "nav.divisions", Href: "/divisions", Group: navStats},

	{ID: "nav-users", Key: "nav.users", Href: "/users", Group: navAdmin, Show: can(shequ.ActionUserRead)},
	{ID: "nav-audit", Key: "nav.audit", Href: "/audit", Group: navAdmin, Show: can(shequ.ActionAuditRead)},
	{ID: "nav-deliveries", Key: "nav.deliveries", Href: "/admin/deliveries", Group: navAdmin, Show: can(shequ.ActionDeliveryManage)},
}

// navFlatMax is the most entries shown side by side without groups.
const navFlatMax = 8

// navKey identifies one rendering of the navigation.
type navKey struct {
	lang    string
	shown   uint64 // bit i: navEntries[i] is shown
	own     uint64 // bit i: navEntries[i] takes its OwnKey
	current int    // index in navEntries, -1 none
}

// navFor returns the key of r's navigation for actor a.
func navFor(lang string, a *shequ.Actor, r *http.Request) navKey {
	key := navKey{lang: lang, current: -1}
	best := -1
	for i, e := range navEntries {
		if e.Show != nil && !e.Show(a) || a != nil && a.Pending && e.Href != "/services" {
			// A pending account reaches only the service guides
			// (account_verify.go).
			continue
		}
		key.shown |= 1 << i
		if e.OwnKey != "" && a.OwnOnly(e.OwnAction) {
			key.own |= 1 << i
		}
		if score := navMatch(e.Href, r); score > best {
			best, key.current = score, i
		}
	}
	return key
}

// navMatch scores how well href names r's page: -1 not at all, more for a
// longer path and for a query that r's has too (the approvals entry beats
// the project list on /projects?status=under_review).
func navMatch(href string, r *http.Request) int {
	p, q, _ := strings.Cut(href, "?")
	if r.URL.Path != p && (p == "/" || !strings.HasPrefix(r.URL.Path, p+"/")) {
		return -1
	}
	score := len(p) * 2
	if q != "" {
		want, _ := url.ParseQuery(q)
		have := r.URL.Query()
		for k := range want {
			if have.Get(k) != want.Get(k) {
				return -1
			}
		}
		score++
	}
	return score
}

// navCache holds the rendered navigation per key. Every page shows it:
// through the template its links took a tenth of the worker queue's
// rendering, each action a reflective call. Its data are constants of this
// file and catalogue texts, escaped here as html/template escapes them in
// text and quoted attributes.
var navCache sync.Map // navKey → navMarkup

// navMarkup is the navigation of one key: the bar of wide screens and the
// menu of phones.
type navMarkup struct {
	Bar, Menu template.HTML
}

// navLink is one shown entry, resolved for a key.
type navLink struct {
	i     int
	label string
}

// navRender returns the navigation for key.
func navRender(l *i18n.Localizer, key navKey) navMarkup {
	if m, ok := navCache.Load(key); ok {
		return m.(navMarkup)
	}
	byGroup := map[string][]navLink{}
	n := 0
	for i, e := range navEntries {
		if key.shown&(1<<i) == 0 {
			continue
		}
		label := l.T(e.Key)
		if key.own&(1<<i) != 0 {
			label = l.T(e.OwnKey)
		}
		byGroup[e.Group] = append(byGroup[e.Group], navLink{i, label})
		n++
	}
	link := func(b *strings.Builder, prefix string, k navLink) {
		e := navEntries[k.i]
		b.WriteString("<a id=\"" + prefix + html.EscapeString(e.ID) + "\" href=\"" + html.EscapeString(e.Href) + "\"")
		if k.i == key.current {
			b.WriteString(` aria-current="page"`)
		}
		b.WriteString(">" + html.EscapeString(k.label) + "</a>")
	}
	var bar, menu strings.Builder
	for _, k := range byGroup[navTop] {
		bar.WriteString("\n<li>")
		link(&bar, "", k)
		bar.WriteString("</li>")
		menu.WriteString("\n<li>")
		link(&menu, "m-", k)
		menu.WriteString("</li>")
	}
	for _, g := range navGroups {
		links := byGroup[g.ID]
		if len(links) == 0 {
			continue
		}
		current := false
		for _, k := range links {
			current = current || k.i == key.current
		}
		label := html.EscapeString(l.T(g.Key))
		if n <= navFlatMax || len(links) == 1 {
			for _, k := range links {
				bar.WriteString("\n<li>")
				link(&bar, "", k)
				bar.WriteString("</li>")
			}
		} else {
			bar.WriteString("\n<li class=\"nav-group\"><details id=\"nav-group-" + g.ID + "\"><summary")
			if current {
				bar.WriteString(` class="current"`)
			}
			bar.WriteString(">" + label + "</summary><ul>")
			for _, k := range links {
				bar.WriteString("<li>")
				link(&bar, "", k)
				bar.WriteString("</li>")
			}
			bar.WriteString("</ul></details></li>")
		}
		// The phone menu lists every entry under its group's heading.
		menu.WriteString("\n<li class=\"menu-group\"><span class=\"menu-heading\">" + label + "</span><ul>")
		for _, k := range links {
			menu.WriteString("<li>")
			link(&menu, "m-", k)
			menu.WriteString("</li>")
		}
		menu.WriteString("</ul></li>")
	}
	m := navMarkup{Bar: template.HTML(bar.String()), Menu: template.HTML(menu.String())}
	navCache.Store(key, m)
	return m
}

// navTopCount is the number of top entries of key's bar: what a person
// scans before finding their page.
func navTopCount(key navKey) int {
	groups := map[string]int{}
	n := 0
	for i, e := range navEntries {
		if key.shown&(1<<i) != 0 {
			groups[e.Group]++
			n++
		}
	}
	if n <= navFlatMax {
		return n
	}
	top := groups[navTop]
	for _, g := range navGroups {
		if groups[g.ID] > 0 {
			top++
		}
	}
	return top
}
