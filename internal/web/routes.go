package web

import (
	"net/http"
	"strings"
)

// route is one entry of the route table. The table is the single list of
// what the server answers: NewServer registers it on the mux, and tests
// iterate it (for example to check the OpenAPI document against it).
type route struct {
	Method  string
	Path    string // a ServeMux path pattern
	Handler http.HandlerFunc
}

// pattern is the ServeMux pattern, "METHOD /path".
func (rt route) pattern() string { return rt.Method + " " + rt.Path }

// unmatchedRoute labels requests that matched no route in logs and metrics.
const unmatchedRoute = "unmatched"

// routeTable lists every route. "/divisions/search" sits beside
// "/divisions/{code}": ServeMux prefers the more specific literal segment,
// so search is never taken for a code (tested). The registers (social
// organizations, social workers, facilities…) add the routes of the
// register mechanism (register_routes.go, mountRegisters).
func (s *Server) routeTable() []route {
	var registers []route
	for _, m := range s.registers {
		registers = append(registers, m.routes()...)
	}
	return append([]route{
		// HTML pages.
		{http.MethodGet, "/{$}", s.handleHome},
		{http.MethodPost, "/prefs", s.handlePrefs},
		{http.MethodGet, "/divisions", s.handleDivisionIndex},
		{http.MethodGet, "/divisions/search", s.handleDivisionSearch},
		{http.MethodGet, "/divisions/pick", s.handleDivisionPick},
		{http.MethodGet, "/divisions/{code}", s.handleDivisionShow},
		{http.MethodGet, "/static/{hash}/{file...}", s.handleStatic},
		{http.MethodGet, "/favicon.ico", s.handleFavicon},

		// Accounts and sessions.
		{http.MethodGet, "/login", s.handleLoginForm},
		{http.MethodPost, "/login", s.handleLogin},
		{http.MethodPost, "/logout", s.handleLogout},
		{http.MethodGet, "/register", s.handleRegisterForm},
		{http.MethodPost, "/register", s.handleRegister},
		{http.MethodGet, "/account", s.handleAccount},
		{http.MethodGet, "/account/password", s.handlePasswordForm},
		{http.MethodPost, "/account/password", s.handlePassword},
		{http.MethodPost, "/account/sessions/revoke-all", s.handleRevokeAll},
		{http.MethodGet, "/users", s.handleUsers},
		{http.MethodPost, "/users", s.handleUserCreate},
		{http.MethodGet, "/users/{id}/disable", s.handleUserDisableConfirm},
		{http.MethodPost, "/users/{id}/disable", s.handleUserDisable},
		{http.MethodPost, "/users/{id}/enable", s.handleUserEnable},
		{http.MethodPost, "/users/{id}/unlock", s.handleUserUnlock},
		// Two-factor sign-in (login_totp.go).
		{http.MethodGet, "/login/code", s.handleLoginCodeForm},
		{http.MethodPost, "/login/code", s.handleLoginCode},
		{http.MethodGet, "/account/two-factor", s.handleTwoFactor},
		{http.MethodPost, "/account/two-factor", s.handleTwoFactorEnable},
		{http.MethodPost, "/users/{id}/two-factor/reset", s.handleUserTwoFactorReset},
		// Verified self-registration (account_verify.go).
		{http.MethodGet, "/account/verify", s.handleVerifyForm},
		{http.MethodPost, "/account/verify", s.handleVerifyCode},
		{http.MethodPost, "/account/verify/send", s.handleVerifySend},
		{http.MethodPost, "/residents/{id}/accounts/{user}/verify", s.handleResidentAccountVerify},
		{http.MethodPost, "/api/v1/account/verify", s.handleAPIVerify},
		{http.MethodPost, "/api/v1/account/verify/send", s.handleAPIVerifySend},

		// Residents and households. "/residents/new" and
		// "/residents/import" win over "/residents/{id}" as more specific.
		{http.MethodGet, "/residents", s.handleResidentList},
		{http.MethodPost, "/residents", s.handleResidentCreate},
		{http.MethodGet, "/residents/new", s.handleResidentNew},
		{http.MethodGet, "/residents/pick", s.handleResidentPick},
		{http.MethodGet, "/residents/import", s.handleResidentImportForm},
		{http.MethodPost, "/residents/import", s.handleResidentImport},
		{http.MethodGet, "/residents/{id}", s.handleResidentShow},
		{http.MethodPost, "/residents/{id}/reveal", s.handleResidentReveal},
		{http.MethodGet, "/residents/{id}/edit", s.handleResidentEdit},
		{http.MethodPost, "/residents/{id}/edit", s.handleResidentUpdate},
		{http.MethodPost, "/residents/{id}/verify", s.handleResidentVerify},
		{http.MethodGet, "/households/new", s.handleHouseholdNew},
		{http.MethodPost, "/households", s.handleHouseholdCreate},
		{http.MethodGet, "/households/{id}", s.handleHouseholdShow},
		{http.MethodPost, "/households/{id}/reveal", s.handleHouseholdReveal},

		// Service facilities' photos, coverage, the map and siting (issue
		// 7); the register itself is mounted by facilityRegister.
		{http.MethodPost, "/facilities/{id}/photos", s.handleFacilityPhotoAdd},
		{http.MethodGet, "/facilities/{id}/photos/{photo}", s.handleFacilityPhoto},
		{http.MethodGet, "/coverage", s.handleCoverageIndex},
		{http.MethodGet, "/coverage/{code}", s.handleCoverageShow},
		{http.MethodGet, "/coverage/{code}/map", s.handleCoverageMap},
		{http.MethodGet, "/coverage/{code}/siting", s.handleSiting},
		{http.MethodPost, "/coverage/{code}/siting", s.handleSiting},
		{http.MethodPost, "/coverage/{code}/siting/adopt", s.handleSitingAdopt},
		{http.MethodGet, "/communities/{code}/location", s.handleLocationForm},
		{http.MethodPost, "/communities/{code}/location", s.handleLocationUpdate},

		// Plan targets and indicator dashboards. "/indicators/{code}"
		// also serves "{code}.xlsx" and "{code}.csv": a wildcard must be a
		// whole path segment.
		{http.MethodGet, "/targets", s.handleTargets},
		{http.MethodPost, "/targets", s.handleTargetSet},
		{http.MethodGet, "/indicators", s.handleIndicatorIndex},
		{http.MethodGet, "/indicators.xlsx", s.handleIndicatorCountryXLSX},
		{http.MethodGet, "/indicators.csv", s.handleIndicatorCountryCSV},
		{http.MethodGet, "/indicators/{code}", s.handleIndicatorShow},

		// 三社联动: the needs pool, projects and their calls, public
		// pages (no account needed) and notifications. "/needs/similar"
		// and "/projects/new" win over "{id}" as more specific.
		{http.MethodGet, "/needs", s.handleNeedList},
		{http.MethodPost, "/needs", s.handleNeedCreate},
		{http.MethodGet, "/needs/similar", s.handleNeedSimilar},
		{http.MethodGet, "/needs/{id}", s.handleNeedShow},
		{http.MethodPost, "/needs/{id}/support", s.handleNeedSupport},
		{http.MethodPost, "/needs/{id}/transitions", s.handleNeedTransition},
		{http.MethodPost, "/needs/{id}/photos", s.handleNeedPhotoAdd},
		{http.MethodGet, "/needs/{id}/photos/{photo}", s.handleLinkagePhoto("need")},
		{http.MethodPost, "/activities/{id}/photos", s.handleActivityPhotoAdd},
		{http.MethodGet, "/activities/{id}/photos/{photo}", s.handleLinkagePhoto("activity")},
		{http.MethodGet, "/projects", s.handleProjectList},
		{http.MethodPost, "/projects", s.handleProjectCreate},
		{http.MethodGet, "/projects/new", s.handleProjectNew},
		{http.MethodGet, "/projects/{id}", s.handleProjectShow},
		{http.MethodPost, "/projects/{id}/{step}", s.handleProjectStep},
		{http.MethodGet, "/projects/{id}/edit", s.handleProjectEdit},
		{http.MethodPost, "/projects/{id}/edit", s.handleProjectUpdate},
		{http.MethodPost, "/objections/{id}/answer", s.handleObjectionAnswer},
		{http.MethodGet, "/public/projects", s.handlePublicProjects},
		{http.MethodGet, "/public/projects/{id}", s.handlePublicProject},

		// Notifications (issue 13): the centre, where each one leads, the
		// account's channels, the dead-letter list of deliveries; the
		// online application's preview and 提交补正.
		{http.MethodGet, "/notifications", s.handleNotifications},
		{http.MethodPost, "/notifications/read", s.handleNotificationsRead},
		{http.MethodGet, "/notifications/{id}", s.handleNotificationOpen},
		{http.MethodGet, "/account/notifications", s.handleChannels},
		{http.MethodPost, "/account/notifications", s.handleChannelsSave},
		{http.MethodGet, "/admin/deliveries", s.handleDeliveries},
		{http.MethodPost, "/admin/deliveries/{id}/retry", s.handleDeliveryRetry},
		{http.MethodPost, "/services/{code}/preview", s.handleServicePreview},
		{http.MethodPost, "/requests/{id}/supplement", s.handleRequestSupplement},

		// Audit trail (auditors only).
		{http.MethodGet, "/audit", s.handleAudit},
		{http.MethodGet, "/audit.csv", s.handleAuditCSV},

		// Service items, requests (办件), the front desk and delegations
		// (委托代理). "/requests/bulk-transfer" and "/delegations/new" win
		// over the {id} patterns as more specific.
		{http.MethodGet, "/services", s.handleServiceList},
		{http.MethodGet, "/services/{code}", s.handleServiceShow},
		{http.MethodPost, "/services/{code}/apply", s.handleServiceApply},
		{http.MethodGet, "/desk", s.handleDesk},
		{http.MethodPost, "/desk", s.handleDeskSubmit},
		{http.MethodGet, "/requests", s.handleRequestList},
		{http.MethodPost, "/requests/bulk-transfer", s.handleRequestBulkTransfer},
		{http.MethodGet, "/requests/{id}", s.handleRequestShow},
		{http.MethodGet, "/requests/{id}/receipt", s.handleRequestReceipt},
		{http.MethodPost, "/requests/{id}/reveal", s.handleRequestReveal},
		{http.MethodPost, "/requests/{id}/transition", s.handleRequestTransition},
		{http.MethodPost, "/requests/{id}/attachments", s.handleRequestAttach},
		{http.MethodGet, "/attachments/{id}", s.handleAttachment},
		{http.MethodGet, "/track", s.handleLookupForm},
		{http.MethodPost, "/track", s.handleLookup},
		{http.MethodGet, "/track/{token}", s.handleTrack},
		{http.MethodGet, "/delegations", s.handleDelegationList},
		{http.MethodPost, "/delegations", s.handleDelegationCreate},
		{http.MethodGet, "/delegations/new", s.handleDelegationNew},
		{http.MethodGet, "/delegations/{id}", s.handleDelegationShow},
		{http.MethodPost, "/delegations/{id}/consent", s.handleDelegationConsent},
		{http.MethodPost, "/delegations/{id}/end", s.handleDelegationEnd},
		{http.MethodPost, "/delegations/{id}/custody", s.handleCustodyAdd},

		// Open311 GeoReport v2. Each resource is "name.xml" or "name.json"
		// (a wildcard must be a whole segment, so the format is split off
		// by the handlers).
		{http.MethodGet, "/open311/v2/{file}", s.handleOpen311Get},
		{http.MethodPost, "/open311/v2/{file}", s.handleOpen311Post},
		{http.MethodGet, "/open311/v2/services/{file}", s.handleOpen311Service},
		{http.MethodGet, "/open311/v2/requests/{file}", s.handleOpen311Request},
		{http.MethodGet, "/open311/v2/tokens/{file}", s.handleOpen311Token},

		// Operations.
		{http.MethodGet, "/healthz", s.handleHealthz},
		{http.MethodGet, "/readyz", s.handleReadyz},
		{http.MethodGet, "/metrics", s.handleMetrics},

		// JSON API.
		{http.MethodGet, "/api/v1/openapi.json", s.handleOpenAPI},
		{http.MethodGet, "/api/v1/divisions", s.handleAPIDivisionList},
		{http.MethodGet, "/api/v1/divisions/search", s.handleAPIDivisionSearch},
		{http.MethodGet, "/api/v1/divisions/{code}", s.handleAPIDivisionGet},
		{http.MethodGet, "/api/v1/divisions/{code}/children", s.handleAPIDivisionChildren},
		{http.MethodPost, "/api/v1/session", s.handleAPISessionCreate},
		{http.MethodDelete, "/api/v1/session", s.handleAPISessionDelete},
		{http.MethodGet, "/api/v1/residents", s.handleAPIResidentList},
		{http.MethodPost, "/api/v1/residents", s.handleAPIResidentCreate},
		{http.MethodGet, "/api/v1/residents/{id}", s.handleAPIResidentGet},
		{http.MethodPatch, "/api/v1/residents/{id}", s.handleAPIResidentPatch},
		{http.MethodPost, "/api/v1/residents/{id}/verify", s.handleAPIResidentVerify},
		{http.MethodGet, "/api/v1/audit", s.handleAPIAudit},
		{http.MethodGet, "/api/v1/indicators", s.handleAPIIndicators},
		{http.MethodGet, "/api/v1/indicators/{code}", s.handleAPIIndicators},
		{http.MethodGet, "/api/v1/indicators/{code}/children", s.handleAPIIndicatorChildren},
		{http.MethodGet, "/api/v1/indicators/{code}/gaps", s.handleAPIIndicatorGaps},
		{http.MethodGet, "/api/v1/needs", s.handleAPINeedList},
		{http.MethodPost, "/api/v1/needs", s.handleAPINeedCreate},
		{http.MethodGet, "/api/v1/needs/{id}", s.handleAPINeedGet},
		{http.MethodPost, "/api/v1/needs/{id}/support", s.handleAPINeedSupport},
		{http.MethodPost, "/api/v1/needs/{id}/transitions", s.handleAPINeedTransition},
		{http.MethodGet, "/api/v1/projects", s.handleAPIProjectList},
		{http.MethodPost, "/api/v1/projects", s.handleAPIProjectCreate},
		{http.MethodGet, "/api/v1/projects/{id}", s.handleAPIProjectGet},
		{http.MethodPut, "/api/v1/projects/{id}", s.handleAPIProjectUpdate},
		{http.MethodPost, "/api/v1/projects/{id}/transitions", s.handleAPIProjectTransition},
		{http.MethodPost, "/api/v1/projects/{id}/reviewers", s.handleAPIProjectReviewers},
		{http.MethodGet, "/api/v1/projects/{id}/bids", s.handleAPIBidList},
		{http.MethodPost, "/api/v1/projects/{id}/bids", s.handleAPIBidSubmit},
		{http.MethodGet, "/api/v1/bids/{id}", s.handleAPIBidGet},
		{http.MethodPost, "/api/v1/bids/{id}/withdraw", s.handleAPIBidWithdraw},
		{http.MethodGet, "/api/v1/projects/{id}/reviews", s.handleAPIReviewList},
		{http.MethodPost, "/api/v1/projects/{id}/reviews", s.handleAPIReviewSubmit},
		{http.MethodGet, "/api/v1/projects/{id}/objections", s.handleAPIObjectionList},
		{http.MethodPost, "/api/v1/projects/{id}/objections", s.handleAPIObjectionLodge},
		{http.MethodPost, "/api/v1/objections/{id}/answer", s.handleAPIObjectionAnswer},
		{http.MethodGet, "/api/v1/projects/{id}/activities", s.handleAPIActivityList},
		{http.MethodPost, "/api/v1/projects/{id}/activities", s.handleAPIActivityRecord},
		{http.MethodGet, "/api/v1/projects/{id}/evaluations", s.handleAPIEvaluationList},
		{http.MethodPost, "/api/v1/projects/{id}/evaluations", s.handleAPIEvaluationSubmit},
		{http.MethodGet, "/api/v1/notifications", s.handleAPINotifications},
		{http.MethodGet, "/api/v1/services", s.handleAPIServiceList},
		{http.MethodGet, "/api/v1/services/{code}", s.handleAPIServiceGet},
		{http.MethodGet, "/api/v1/requests", s.handleAPIRequestList},
		{http.MethodPost, "/api/v1/requests", s.handleAPIRequestCreate},
		{http.MethodGet, "/api/v1/requests/queue", s.handleAPIRequestQueue},
		{http.MethodGet, "/api/v1/requests/by-item", s.handleAPIRequestsByItem},
		{http.MethodPost, "/api/v1/requests/bulk-transfer", s.handleAPIRequestBulkTransfer},
		{http.MethodGet, "/api/v1/requests/{id}", s.handleAPIRequestGet},
		{http.MethodGet, "/api/v1/requests/{id}/timeline", s.handleAPIRequestTimeline},
		{http.MethodPost, "/api/v1/requests/{id}/transition", s.handleAPIRequestTransition},
		{http.MethodGet, "/api/v1/track/{token}", s.handleAPITrack},
		{http.MethodGet, "/api/v1/delegations", s.handleAPIDelegationList},
		{http.MethodPost, "/api/v1/delegations", s.handleAPIDelegationCreate},
		{http.MethodGet, "/api/v1/delegations/{id}", s.handleAPIDelegationGet},
		{http.MethodPost, "/api/v1/delegations/{id}/consent", s.handleAPIDelegationConsent},
		{http.MethodPost, "/api/v1/delegations/{id}/end", s.handleAPIDelegationEnd},
		{http.MethodGet, "/api/v1/delegations/{id}/custody", s.handleAPICustodyList},
		{http.MethodPost, "/api/v1/delegations/{id}/custody", s.handleAPICustodyAdd},

		// 物业服务监管 (issue 15): complaints, the estate's and the
		// company's own pages beside their registers, inspections and
		// rectifications, owners' committees, joint meetings, the credit
		// file and appeals, the public grade pages, the overview with its
		// alerts; then their JSON API. "/complaints/new" wins over
		// "/complaints/{id}" as more specific.
		{http.MethodGet, "/complaints", s.handleComplaintList},
		{http.MethodPost, "/complaints", s.handleComplaintCreate},
		{http.MethodGet, "/complaints/new", s.handleComplaintNew},
		{http.MethodGet, "/complaints/{id}", s.handleComplaintShow},
		{http.MethodPost, "/complaints/{id}/moves", s.handleComplaintMove},
		{http.MethodPost, "/estates/{id}/contracts", s.handleContractCreate},
		{http.MethodPost, "/property/contracts/{id}/end", s.handleContractEnd},
		{http.MethodPost, "/estates/{id}/ratings", s.handleEstateRate},
		{http.MethodGet, "/estates/{id}/inspections/new", s.handleInspectionNew},
		{http.MethodPost, "/estates/{id}/inspections", s.handleInspectionCreate},
		{http.MethodGet, "/inspections/{id}", s.handleInspectionShow},
		{http.MethodPost, "/inspections/{id}/photos", s.handleInspectionPhotoAdd},
		{http.MethodGet, "/inspections/{id}/photos/{photo}", s.handleInspectionPhoto},
		{http.MethodGet, "/rectifications", s.handleRectificationList},
		{http.MethodGet, "/rectifications/{id}", s.handleRectificationShow},
		{http.MethodPost, "/rectifications/{id}/moves", s.handleRectificationMove},
		{http.MethodGet, "/estates/{id}/committees/new", s.handleCommitteeNew},
		{http.MethodPost, "/estates/{id}/committees", s.handleCommitteeCreate},
		{http.MethodGet, "/committees", s.handleCommitteeList},
		{http.MethodGet, "/committees/{id}", s.handleCommitteeShow},
		{http.MethodPost, "/committees/{id}/filing", s.handleCommitteeFiling},
		{http.MethodGet, "/committees/{id}/resubmit", s.handleCommitteeResubmitForm},
		{http.MethodPost, "/committees/{id}/resubmit", s.handleCommitteeResubmit},
		{http.MethodGet, "/meetings", s.handleMeetingList},
		{http.MethodPost, "/meetings", s.handleMeetingCreate},
		{http.MethodGet, "/meetings/new", s.handleMeetingNew},
		{http.MethodGet, "/meetings/{id}", s.handleMeetingShow},
		{http.MethodPost, "/resolutions/{id}/done", s.handleResolutionDone},
		{http.MethodPost, "/property/companies/{id}/records", s.handleCreditRecord},
		{http.MethodPost, "/property/companies/{id}/blacklist", s.handleBlacklist},
		{http.MethodPost, "/property/companies/{id}/staff", s.handleCompanyStaff},
		{http.MethodPost, "/property/records/{id}/appeal", s.handleAppeal},
		{http.MethodGet, "/property/appeals", s.handleAppealList},
		{http.MethodPost, "/property/appeals/{id}/answer", s.handleAppealAnswer},
		{http.MethodGet, "/public/property", s.handlePublicCompanies},
		{http.MethodGet, "/public/property/{id}", s.handlePublicCompany},
		{http.MethodGet, "/property", s.handlePropertyOverview},
		{http.MethodGet, "/property/epmc", s.handleEPMC},
		{http.MethodPost, "/property/epmc", s.handleEPMCSave},
		{http.MethodGet, "/property/settings", s.handlePropertySettings},
		{http.MethodPost, "/property/settings", s.handlePropertySettingsSave},
		{http.MethodGet, "/api/v1/complaints", s.handleAPIComplaintList},
		{http.MethodPost, "/api/v1/complaints", s.handleAPIComplaintCreate},
		{http.MethodGet, "/api/v1/complaints/{id}", s.handleAPIComplaintGet},
		{http.MethodGet, "/api/v1/complaints/{id}/timeline", s.handleAPIComplaintTimeline},
		{http.MethodPost, "/api/v1/complaints/{id}/moves", s.handleAPIComplaintMove},
		{http.MethodGet, "/api/v1/estates/{id}/contracts", s.handleAPIContractList},
		{http.MethodPost, "/api/v1/estates/{id}/contracts", s.handleAPIContractCreate},
		{http.MethodPost, "/api/v1/property/contracts/{id}/end", s.handleAPIContractEnd},
		{http.MethodGet, "/api/v1/estates/{id}/ratings", s.handleAPIRatingSummary},
		{http.MethodPost, "/api/v1/estates/{id}/ratings", s.handleAPIRate},
		{http.MethodPost, "/api/v1/estates/{id}/committees", s.handleAPICommitteeSubmit},
		{http.MethodGet, "/api/v1/committees", s.handleAPICommitteeList},
		{http.MethodGet, "/api/v1/committees/{id}", s.handleAPICommitteeGet},
		{http.MethodPost, "/api/v1/committees/{id}/filing", s.handleAPICommitteeFiling},
		{http.MethodPost, "/api/v1/committees/{id}/resubmit", s.handleAPICommitteeResubmit},
		{http.MethodGet, "/api/v1/estates/{id}/inspections", s.handleAPIInspectionList},
		{http.MethodPost, "/api/v1/estates/{id}/inspections", s.handleAPIInspectionRecord},
		{http.MethodGet, "/api/v1/inspections/{id}", s.handleAPIInspectionGet},
		{http.MethodGet, "/api/v1/rectifications", s.handleAPIRectificationList},
		{http.MethodPost, "/api/v1/rectifications/{id}/moves", s.handleAPIRectificationMove},
		{http.MethodGet, "/api/v1/meetings", s.handleAPIMeetingList},
		{http.MethodPost, "/api/v1/meetings", s.handleAPIMeetingRecord},
		{http.MethodGet, "/api/v1/meetings/{id}", s.handleAPIMeetingGet},
		{http.MethodGet, "/api/v1/resolutions", s.handleAPIResolutionList},
		{http.MethodPost, "/api/v1/resolutions/{id}/done", s.handleAPIResolutionDone},
		{http.MethodGet, "/api/v1/public/property", s.handleAPIPublicCompanies},
		{http.MethodGet, "/api/v1/public/property/{id}", s.handleAPICredit},
		{http.MethodPost, "/api/v1/property/companies/{id}/records", s.handleAPICreditRecord},
		{http.MethodPut, "/api/v1/property/companies/{id}/blacklist", s.handleAPIBlacklist},
		{http.MethodPut, "/api/v1/property/companies/{id}/staff", s.handleAPICompanyStaff},
		{http.MethodGet, "/api/v1/property/appeals", s.handleAPIAppealList},
		{http.MethodPost, "/api/v1/property/records/{id}/appeal", s.handleAPIAppealLodge},
		{http.MethodPost, "/api/v1/property/appeals/{id}/answer", s.handleAPIAppealAnswer},
		{http.MethodGet, "/api/v1/property/alerts", s.handleAPIAlerts},
		{http.MethodGet, "/api/v1/property/settings/{code}", s.handleAPISettingsGet},
		{http.MethodPut, "/api/v1/property/settings/{code}", s.handleAPISettingsPut},
		{http.MethodGet, "/api/v1/communities/{code}/epmc", s.handleAPIEPMCGet},
		{http.MethodPut, "/api/v1/communities/{code}/epmc", s.handleAPIEPMCPut},

		// Facilities and coverage (API). "/api/v1/coverage" is the whole
		// country, like "/api/v1/indicators".
		{http.MethodPut, "/api/v1/communities/{code}/location", s.handleAPILocationPut},
		{http.MethodGet, "/api/v1/coverage", s.handleAPICoverage},
		{http.MethodGet, "/api/v1/coverage/{code}", s.handleAPICoverage},
		{http.MethodGet, "/api/v1/coverage/{code}/gaps", s.handleAPICoverageGaps},
		{http.MethodGet, "/api/v1/coverage/{code}/map", s.handleAPICoverageMap},
		{http.MethodPost, "/api/v1/coverage/{code}/siting", s.handleAPICoverageSiting},

		// 三留守 care (issue 16): the public report form and tracking (no
		// account), the duty holders' alerts, visits and exits of the care
		// register (the register itself is mounted by the register
		// mechanism), cases with their forms, break-the-glass, referrals.
		// Volunteer service (issue 17): the resident's page and its forms,
		// the organizers' opportunities, the certificate and its public
		// check (the registers are mounted by the register mechanism).
		{http.MethodGet, "/volunteer", s.handleVolunteerHub},
		{http.MethodGet, "/volunteer/scan", s.handleVolunteerHub},
		{http.MethodPost, "/volunteer/scan", s.handleVolunteerScan},
		{http.MethodPost, "/volunteer/join", s.handleVolunteerJoin},
		{http.MethodPost, "/volunteer/signups", s.handleVolunteerSignup},
		{http.MethodPost, "/volunteer/signups/{id}/cancel", s.handleVolunteerCancel},
		{http.MethodPost, "/volunteer/certificates", s.handleVolunteerCertificate},
		{http.MethodGet, "/volunteer/certificates/{id}", s.handleCertificatePDF},
		{http.MethodGet, "/opportunities", s.handleOpportunities},
		{http.MethodPost, "/opportunities", s.handleOpportunityCreate},
		{http.MethodGet, "/opportunities/{id}", s.handleOpportunity},
		{http.MethodGet, "/opportunities/{id}/qr.png", s.handleOpportunityQR},
		{http.MethodPost, "/opportunities/{id}/signups/{sid}", s.handleSignupMove},
		{http.MethodPost, "/opportunities/{id}/cancel", s.handleOpportunityCancel},
		{http.MethodGet, "/opportunities/{id}/edit", s.handleOpportunityEdit},
		{http.MethodPost, "/opportunities/{id}/edit", s.handleOpportunityUpdate},
		{http.MethodGet, "/verify", s.handleVerify},
		{http.MethodGet, "/timebank", s.handleTimebank},
		{http.MethodPost, "/timebank/policy", s.handleTimebankPolicy},
		{http.MethodPost, "/timebank/accounts", s.handleTimebankOpen},
		{http.MethodGet, "/timebank/accounts/{id}", s.handleTimebankAccount},
		{http.MethodPost, "/timebank/accounts/{id}/withdrawals", s.handleTimebankWithdraw},
		{http.MethodPost, "/timebank/accounts/{id}/family", s.handleTimebankFamily},
		{http.MethodPost, "/timebank/accounts/{id}/transfers", s.handleTimebankTransfer},
		{http.MethodGet, "/api/v1/timebank/accounts", s.handleAPITimebankAccounts},
		{http.MethodPost, "/api/v1/timebank/accounts", s.handleAPITimebankOpen},
		{http.MethodGet, "/api/v1/timebank/accounts/{id}", s.handleAPITimebankAccount},
		{http.MethodGet, "/api/v1/timebank/accounts/{id}/ledger", s.handleAPITimebankLedger},
		{http.MethodPost, "/api/v1/timebank/accounts/{id}/withdrawals", s.handleAPITimebankWithdraw},
		{http.MethodPost, "/api/v1/timebank/accounts/{id}/family", s.handleAPITimebankFamily},
		{http.MethodGet, "/api/v1/timebank/accounts/{id}/household", s.handleAPITimebankHousehold},
		{http.MethodPost, "/api/v1/timebank/transfers", s.handleAPITimebankTransfer},
		{http.MethodGet, "/api/v1/timebank/policy", s.handleAPITimebankPolicy},
		{http.MethodPut, "/api/v1/timebank/policy", s.handleAPITimebankPolicyPut},
		{http.MethodGet, "/api/v1/timebank/book", s.handleAPITimebankBook},
		{http.MethodGet, "/api/v1/opportunities", s.handleAPIOpportunities},
		{http.MethodPost, "/api/v1/opportunities", s.handleAPIOpportunityCreate},
		{http.MethodGet, "/api/v1/opportunities/{id}", s.handleAPIOpportunity},
		{http.MethodPut, "/api/v1/opportunities/{id}", s.handleAPIOpportunityUpdate},
		{http.MethodPost, "/api/v1/opportunities/{id}/cancel", s.handleAPIOpportunityCancel},
		{http.MethodGet, "/api/v1/opportunities/{id}/signups", s.handleAPIOpportunitySignups},
		{http.MethodPost, "/api/v1/opportunities/{id}/signups", s.handleAPISignUp},
		{http.MethodGet, "/api/v1/volunteer/signups", s.handleAPIMySignups},
		{http.MethodPost, "/api/v1/volunteer/scan", s.handleAPIScan},
		{http.MethodPost, "/api/v1/signups/{id}/cancel", s.handleAPISignupCancel},
		{http.MethodPost, "/api/v1/signups/{id}/moves", s.handleAPISignupMove},

		{http.MethodGet, "/care/report", s.handleCareReportForm},
		{http.MethodPost, "/care/report", s.handleCareReport},
		{http.MethodGet, "/care/track", s.handleCareTrackForm},
		{http.MethodPost, "/care/track", s.handleCareTrack},
		{http.MethodGet, "/care/alerts", s.handleCareAlerts},
		{http.MethodGet, "/care/alerts/{id}", s.handleCareAlert},
		{http.MethodPost, "/care/alerts/{id}/acknowledge", s.handleCareAlertAck},
		{http.MethodPost, "/care/alerts/{id}/steps", s.handleCareAlertStep},
		{http.MethodPost, "/care/people/{id}/visits", s.handleCareVisit},
		{http.MethodPost, "/care/people/{id}/exit", s.handleCareExit},
		{http.MethodPost, "/care/people/{id}/needs", s.handleCareNeed},
		{http.MethodGet, "/care/cases", s.handleCareCases},
		{http.MethodPost, "/care/cases", s.handleCareCaseCreate},
		{http.MethodGet, "/care/cases/new", s.handleCareCaseNew},
		{http.MethodGet, "/care/cases/{id}", s.handleCareCase},
		{http.MethodPost, "/care/cases/{id}/notes", s.handleCareCaseNote},
		{http.MethodPost, "/care/cases/{id}/moves", s.handleCareCaseMove},
		{http.MethodPost, "/care/cases/{id}/approvals", s.handleCareCaseRequest},
		{http.MethodPost, "/care/cases/{id}/decision", s.handleCareCaseDecide},
		{http.MethodPost, "/care/cases/{id}/referrals", s.handleCareCaseRefer},
		{http.MethodPost, "/care/cases/{id}/schedule", s.handleCareCaseSchedule},
		{http.MethodGet, "/care/cases/{id}/break-glass", s.handleCareGlassForm},
		{http.MethodPost, "/care/cases/{id}/break-glass", s.handleCareGlass},
		{http.MethodGet, "/care/referrals", s.handleCareReferrals},
		{http.MethodGet, "/care/duties", s.handleCareDuties},
		{http.MethodPost, "/care/duties", s.handleCareDutyAssign},
		{http.MethodPost, "/care/duties/{id}/end", s.handleCareDutyEnd},
		{http.MethodGet, "/care/worklogs", s.handleCareWorkLogs},
		{http.MethodGet, "/care/policy", s.handleCarePolicy},
		{http.MethodPost, "/care/policy", s.handleCarePolicySet},
		{http.MethodGet, "/care/candidates", s.handleCareCandidates},
		{http.MethodGet, "/care/visits", s.handleCareVisitsDue},
		{http.MethodPost, "/care/worklogs", s.handleCareWorkLog},
		{http.MethodPost, "/care/worklogs/supervisions", s.handleCareSupervision},
		{http.MethodPost, "/care/referrals/{id}/answer", s.handleCareReferralAnswer},
		{http.MethodPost, "/api/v1/care/reports", s.handleAPICareReport},
		{http.MethodPost, "/api/v1/care/reports/track", s.handleAPICareTrack},
		{http.MethodGet, "/api/v1/care/alerts", s.handleAPICareAlerts},
		{http.MethodGet, "/api/v1/care/alerts/{id}", s.handleAPICareAlert},
		{http.MethodPost, "/api/v1/care/alerts/{id}/acknowledge", s.handleAPICareAlertAck},
		{http.MethodPost, "/api/v1/care/alerts/{id}/steps", s.handleAPICareAlertStep},
		{http.MethodGet, "/api/v1/care/people/{id}/visits", s.handleAPICareVisits},
		{http.MethodPost, "/api/v1/care/people/{id}/visits", s.handleAPICareVisit},
		{http.MethodPost, "/api/v1/care/people/{id}/exit", s.handleAPICareExit},
		{http.MethodGet, "/api/v1/care/cases", s.handleAPICareCases},
		{http.MethodPost, "/api/v1/care/cases", s.handleAPICareCaseCreate},
		{http.MethodGet, "/api/v1/care/cases/{id}", s.handleAPICareCase},
		{http.MethodPost, "/api/v1/care/cases/{id}/notes", s.handleAPICareCaseNote},
		{http.MethodPost, "/api/v1/care/cases/{id}/moves", s.handleAPICareCaseMove},
		{http.MethodPost, "/api/v1/care/cases/{id}/approvals", s.handleAPICareCaseRequest},
		{http.MethodPost, "/api/v1/care/cases/{id}/decision", s.handleAPICareCaseDecide},
		{http.MethodPost, "/api/v1/care/cases/{id}/schedule", s.handleAPICareCaseSchedule},
		{http.MethodPost, "/api/v1/care/cases/{id}/referrals", s.handleAPICareCaseRefer},
		{http.MethodPost, "/api/v1/care/cases/{id}/break-glass", s.handleAPICareGlass},
		{http.MethodGet, "/api/v1/care/referrals", s.handleAPICareReferrals},
		{http.MethodPost, "/api/v1/care/referrals/{id}/answer", s.handleAPICareReferralAnswer},
		{http.MethodGet, "/api/v1/care/duties", s.handleAPICareDuties},
		{http.MethodPost, "/api/v1/care/duties", s.handleAPICareDutyAssign},
		{http.MethodPost, "/api/v1/care/duties/{id}/end", s.handleAPICareDutyEnd},
		{http.MethodPost, "/api/v1/care/needs", s.handleAPICareNeed},
		{http.MethodGet, "/api/v1/care/worklogs", s.handleAPICareWorkLogs},
		{http.MethodPost, "/api/v1/care/worklogs", s.handleAPICareWorkLog},
		{http.MethodGet, "/api/v1/care/supervisions", s.handleAPICareSupervisions},
		{http.MethodPost, "/api/v1/care/supervisions", s.handleAPICareSupervision},
		{http.MethodGet, "/api/v1/care/break-glass", s.handleAPICareBreakGlass},
		{http.MethodGet, "/api/v1/care/policy", s.handleAPICarePolicy},
		{http.MethodPut, "/api/v1/care/policy", s.handleAPICarePolicySet},
		{http.MethodGet, "/api/v1/care/candidates", s.handleAPICareCandidates},
		{http.MethodGet, "/api/v1/care/worklogs/people", s.handleAPICareServedPeople},

		// Workforce training (issue 17, workforce_pages.go): attendance of
		// a course, the continuing-education list (the workforce and course
		// registers are mounted by the register mechanism).
		{http.MethodGet, "/workforce/ce", s.handleWorkforceCE},
		// Volunteer teams' members (the team register is mounted by the
		// register mechanism at /volunteer-teams, volunteer_team.go).
		{http.MethodPost, "/volunteer-teams/{id}/members", s.handleTeamMemberAdd},
		{http.MethodPost, "/volunteer-teams/{id}/members/{volunteer}/remove", s.handleTeamMemberRemove},
		{http.MethodGet, "/api/v1/volunteer-teams/{id}/members", s.handleAPITeamMembers},
		{http.MethodPost, "/api/v1/volunteer-teams/{id}/members", s.handleAPITeamMemberAdd},
		{http.MethodDelete, "/api/v1/volunteer-teams/{id}/members/{volunteer}", s.handleAPITeamMemberRemove},
		{http.MethodGet, "/api/v1/volunteers/{id}/teams", s.handleAPIVolunteerTeams},
		{http.MethodPost, "/courses/{id}/attendance", s.handleCourseAttend},
		{http.MethodPost, "/courses/{id}/attendance/{member}/remove", s.handleCourseUnattend},
		{http.MethodGet, "/api/v1/workforce/ce", s.handleAPIWorkforceCE},
		{http.MethodGet, "/api/v1/courses/{id}/attendance", s.handleAPICourseAttendance},
		{http.MethodPost, "/api/v1/courses/{id}/attendance", s.handleAPICourseAttend},
		{http.MethodDelete, "/api/v1/courses/{id}/attendance/{member}", s.handleAPICourseUnattend},
	}, registers...)
}

// Routes lists the pattern ("GET /needs/{id}") of every route in table
// order, for tests outside this package: the route crawl of cmd/shequ
// walks them as every role. The handlers are method values that are never
// called here, so an unconfigured server is enough (the registers are
// mounted without their stores).
func Routes() []string {
	s := &Server{}
	s.registers = s.mountRegisters()
	table := s.routeTable()
	out := make([]string, len(table))
	for i, rt := range table {
		out[i] = rt.pattern()
	}
	return out
}

// handleNotFound answers requests no route matched. When the path exists
// for another method it is a 405 with Allow, as the mux would say.
func (s *Server) handleNotFound(w http.ResponseWriter, r *http.Request) {
	if allow := s.allowedMethods(r); len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		l := s.localizer(r)
		s.writeError(w, r, http.StatusMethodNotAllowed, "method_not_allowed", l.T("error.method"), nil, "")
		return
	}
	s.error(w, r, errNotFound)
}

// allowedMethods lists the methods that some route serves for r's path.
func (s *Server) allowedMethods(r *http.Request) []string {
	var out []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method || (m == http.MethodGet && r.Method == http.MethodHead) {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, p := s.mux.Handler(probe); p != "" && p != "/" {
			out = append(out, m)
			if m == http.MethodGet {
				out = append(out, http.MethodHead)
			}
		}
	}
	return out
}
