package web

import (
	"net/url"

	"shequ"
)

// notificationPaths are the pages a notification about an object leads to,
// by object type: the object's own page, or the list where it is handled.
var notificationPaths = map[string]func(id string) string{
	"need":            func(id string) string { return "/needs/" + url.PathEscape(id) },
	"service_request": func(id string) string { return "/requests/" + url.PathEscape(id) },
	"delegation":      func(id string) string { return "/delegations/" + url.PathEscape(id) },
	"project":         func(id string) string { return "/projects/" + url.PathEscape(id) },
	// The resident's own record, once their account is verified.
	"resident": func(id string) string { return "/residents/" + url.PathEscape(id) },
	// The property module's objects.
	shequ.ObjEstate:        func(id string) string { return "/estates/" + url.PathEscape(id) },
	shequ.ObjCompany:       func(id string) string { return "/property/companies/" + url.PathEscape(id) },
	shequ.ObjCommittee:     func(id string) string { return "/committees/" + url.PathEscape(id) },
	shequ.ObjInspection:    func(id string) string { return "/inspections/" + url.PathEscape(id) },
	shequ.ObjRectification: func(id string) string { return "/rectifications/" + url.PathEscape(id) },
	shequ.ObjMeeting:       func(id string) string { return "/meetings/" + url.PathEscape(id) },
	shequ.ObjComplaint:     func(id string) string { return "/complaints/" + url.PathEscape(id) },
	"care_alert":           func(id string) string { return "/care/alerts/" + url.PathEscape(id) },
	"care_person":          func(id string) string { return "/care/people/" + url.PathEscape(id) },
	"case":                 func(id string) string { return "/care/cases/" + url.PathEscape(id) },
	// A referral is answered in the inbox of the referrals received.
	"referral":  func(string) string { return "/care/referrals" },
	"care_duty": func(string) string { return "/care/duties" },
	// A change of a county's visit policy leads to the visits due.
	"care_policy": func(string) string { return "/care/visits" },
	"supervision": func(string) string { return "/care/worklogs" },
	// Volunteer service: the volunteer's page lists their sign-ups; a
	// time-bank account its ledger.
	"opportunity": func(string) string { return "/volunteer" },
	// Joining or leaving a team: the volunteer's page lists their teams.
	"volunteer_team":   func(string) string { return "/volunteer" },
	"timebank_account": func(id string) string { return "/timebank/accounts/" + url.PathEscape(id) },
	// A member due for continuing education (issue 17).
	"workforce_member": func(id string) string { return "/workforce/" + url.PathEscape(id) },
}

// notificationHref is the link of a notification about the object, or ""
// for an object without a page (the notification is shown as text).
func notificationHref(objectType, id string) string {
	if p, ok := notificationPaths[objectType]; ok && id != "" {
		return p(id)
	}
	return ""
}

// objectPath is the page of an object of a notification or an alert, the
// notification centre for a type no page shows (a link never leads nowhere).
func objectPath(objectType, id string) string {
	if href := notificationHref(objectType, id); href != "" {
		return href
	}
	return "/notifications"
}
