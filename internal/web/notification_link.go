package web

import "net/url"

// notificationPaths are the pages a notification about an object leads to,
// by object type: the object's own page, or the list where it is handled.
var notificationPaths = map[string]func(id string) string{
	"need":    func(id string) string { return "/needs/" + url.PathEscape(id) },
	"project": func(id string) string { return "/projects/" + url.PathEscape(id) },
	// A request's page; the delegation's, where the principal consents.
	"service_request": func(id string) string { return "/requests/" + url.PathEscape(id) },
	"delegation":      func(id string) string { return "/delegations/" + url.PathEscape(id) },
	"care_alert":      func(id string) string { return "/care/alerts/" + url.PathEscape(id) },
	"care_person":     func(id string) string { return "/care/people/" + url.PathEscape(id) },
	"case":            func(id string) string { return "/care/cases/" + url.PathEscape(id) },
	// A referral is answered in the inbox of the referrals received.
	"referral":    func(string) string { return "/care/referrals" },
	"care_duty":   func(string) string { return "/care/duties" },
	"supervision": func(string) string { return "/care/worklogs" },
}

// notificationHref is the link of a notification about the object, or ""
// for an object without a page (the notification is shown as text).
func notificationHref(objectType, id string) string {
	if p, ok := notificationPaths[objectType]; ok && id != "" {
		return p(id)
	}
	return ""
}
