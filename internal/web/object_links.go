package web

import (
	"net/url"

	"shequ"
)

// objectPaths maps the object types of notifications, alerts and the audit
// trail to the pages that show one object (followed by its id).
var objectPaths = map[string]string{
	"need":                 "/needs/",
	"project":              "/projects/",
	"service_request":      "/requests/",
	"delegation":           "/delegations/",
	shequ.ObjEstate:        "/estates/",
	shequ.ObjCompany:       "/property/companies/",
	shequ.ObjCommittee:     "/committees/",
	shequ.ObjInspection:    "/inspections/",
	shequ.ObjRectification: "/rectifications/",
	shequ.ObjMeeting:       "/meetings/",
	shequ.ObjComplaint:     "/complaints/",
}

// objectPath is the page of an object, "/notifications" for a type no page
// shows (a link never leads nowhere).
func objectPath(objectType, id string) string {
	if p, ok := objectPaths[objectType]; ok && id != "" {
		return p + url.PathEscape(id)
	}
	return "/notifications"
}
