package shequ

// Role is what an account is for (DESIGN §2). The last three are separated on
// purpose (三权分立, GB/T 22239-2019 level 3): the system administrator
// manages accounts, the security administrator manages security policy, the
// auditor reads the audit trail, and none can do the others' work.
type Role string

// Roles.
const (
	RoleResident        Role = "resident"         // 居民
	RoleCommunityWorker Role = "community_worker" // 社区工作者
	RoleOrgMember       Role = "org_member"       // 社会组织成员
	RoleSocialWorker    Role = "social_worker"    // 社会工作者
	RolePropertyStaff   Role = "property_staff"   // 物业服务企业人员
	RoleOfficial        Role = "official"         // 民政官员
	RoleAuditor         Role = "auditor"          // 审计管理员
	RoleSysadmin        Role = "sysadmin"         // 系统管理员
	RoleSecadmin        Role = "secadmin"         // 安全管理员
)

// Roles lists every role.
var Roles = []Role{RoleResident, RoleCommunityWorker, RoleOrgMember, RoleSocialWorker, RolePropertyStaff,
	RoleOfficial, RoleAuditor, RoleSysadmin, RoleSecadmin}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// Privileged reports whether r is one of the three administrator roles. Their
// accounts are managed only from the console (the operator who holds the
// database), never through another account: otherwise a system
// administrator could reset the auditor's password or mint the auditor a
// token and read the audit trail, and the separation of duties would be void.
func (r Role) Privileged() bool {
	return r == RoleSysadmin || r == RoleSecadmin || r == RoleAuditor
}

// Action is something an actor may be allowed to do.
type Action string

// Actions. Reads of lists are scoped by the caller's division; reads of one
// object also check ownership where the role needs it.
const (
	ActionResidentRead   Action = "resident.read"   // see a resident's record (masked)
	ActionResidentWrite  Action = "resident.write"  // create and edit residents and households
	ActionResidentReveal Action = "resident.reveal" // see ID and phone numbers unmasked (audited)
	ActionResidentImport Action = "resident.import" // bulk import
	ActionResidentVerify Action = "resident.verify" // 实名核验 at the front desk
	ActionUserRead       Action = "user.read"       // list accounts
	ActionUserManage     Action = "user.manage"     // create, disable accounts, reset passwords, tokens
	ActionSecurityManage Action = "security.manage" // password policy, unlock accounts, key rotation
	ActionAuditRead      Action = "audit.read"      // read and export the audit trail
	ActionDivisionImport Action = "division.import" // import division files
	ActionOrgRead        Action = "org.read"        // see the register of social organizations
	ActionOrgWrite       Action = "org.write"       // add and edit organizations (org_member: their own)
	ActionWorkerRead     Action = "worker.read"     // see the register of social workers
	ActionWorkerWrite    Action = "worker.write"    // add and edit social workers (social_worker: their own)
	ActionTargetWrite    Action = "target.write"    // set local plan targets
	ActionIndicatorRead  Action = "indicator.read"  // see the indicator dashboards
	// 三社联动 (issue 5).
	ActionNeedRead        Action = "need.read"        // see the needs pool
	ActionNeedRaise       Action = "need.raise"       // raise or record a need, support one (附议)
	ActionNeedManage      Action = "need.manage"      // accept, reject, merge needs
	ActionProjectRead     Action = "project.read"     // see projects, bids after the award, activities
	ActionProjectDesign   Action = "project.design"   // design a project from needs, submit it for approval
	ActionProjectApprove  Action = "project.approve"  // approve or return, run the call, award, answer objections, close
	ActionBidSubmit       Action = "bid.submit"       // bid for a project (org_member: for their organization)
	ActionReviewScore     Action = "review.score"     // score bids when appointed reviewer
	ActionActivityRecord  Action = "activity.record"  // record activities of a project (the winning team)
	ActionEvaluate        Action = "evaluate"         // rate (resident) or score (community, third party) a project
	ActionFacilityRead    Action = "facility.read"    // see service facilities, coverage, the gap map and siting
	ActionFacilityWrite   Action = "facility.write"   // add and edit facilities and community locations
	ActionServiceManage   Action = "service.manage"   // edit the catalogue of service items and the holiday table
	ActionRequestSubmit   Action = "request.submit"   // file a request (resident: for themself)
	ActionRequestRead     Action = "request.read"     // see requests (resident: their own)
	ActionRequestHandle   Action = "request.handle"   // accept, refuse, transfer, complete requests; front desk
	ActionRequestRate     Action = "request.rate"     // rate a completed request (resident: their own)
	ActionDelegationRead  Action = "delegation.read"  // see delegations (resident: their own)
	ActionDelegationWrite Action = "delegation.write" // create, consent, revoke delegations (resident: their own)
	// Notifications (issue 13).
	ActionRequestSupplement Action = "request.supplement" // hand in the missing materials (补正) and resume (resident: their own)
	ActionDeliveryManage    Action = "delivery.manage"    // see and retry the notification deliveries that failed
	// 物业服务监管 (issue 15).
	ActionPropertyRead        Action = "property.read"        // see estates, companies, contracts, committees, inspections, meetings (property staff: their company's)
	ActionPropertyWrite       Action = "property.write"       // keep estates, contracts, owners' committees (submit), the community's committee
	ActionPropertySupervise   Action = "property.supervise"   // companies and their staff, filing, credit records, black list, appeals, settings
	ActionInspectionRecord    Action = "inspection.record"    // inspect estates, verify rectifications
	ActionMeetingRecord       Action = "meeting.record"       // record joint meetings, complete resolutions
	ActionRectificationReport Action = "rectification.report" // report a rectification done (property staff: their company's)
	ActionComplaintSubmit     Action = "complaint.submit"     // file a complaint (resident: their own; also confirm or dispute it)
	ActionComplaintRead       Action = "complaint.read"       // see complaints (resident: their own; property staff: their company's)
	ActionComplaintHandle     Action = "complaint.handle"     // accept, ask for more, forward, close complaints
	ActionComplaintAnswer     Action = "complaint.answer"     // answer a complaint (property staff: their company's)
	ActionComplaintDecide     Action = "complaint.decide"     // decide escalated complaints
	ActionPropertyRate        Action = "property.rate"        // rate the estate (resident: their household's)
	ActionCreditAppeal        Action = "credit.appeal"        // appeal a credit record (property staff: their company's)
	// 三留守 care and case work (issue 16). Care and case reads are further
	// limited by need-to-know in the store: care duties (儿童主任,
	// 儿童督导员), case assignment, a recorded reason for officials.
	ActionCareRead       Action = "care.read"         // the care register, visits and alerts (duty holders)
	ActionCareWrite      Action = "care.write"        // register people, risk, exit, visit plans (duty holders)
	ActionCareVisit      Action = "care.visit"        // record visits (duty holders)
	ActionCareReport     Action = "care.report"       // make a mandatory report (强制报告); the public form needs no account
	ActionCareAlert      Action = "care.alert"        // acknowledge and handle alerts (duty holders; the county when escalated)
	ActionCareDuty       Action = "care.duty"         // name 儿童主任 and 儿童督导员, set the visit policy
	ActionCaseRead       Action = "case.read"         // read cases (assigned worker, supervisor)
	ActionCaseWrite      Action = "case.write"        // open cases, notes, moves, referrals (assigned worker)
	ActionCaseApprove    Action = "case.approve"      // approve assessment, plan, closure (儿童督导员)
	ActionCaseBreakGlass Action = "case.break_glass"  // read a case with a recorded reason (audited, reported)
	ActionReferralAnswer Action = "referral.answer"   // accept or refuse a referral (the receiving org or worker)
	ActionWorkLog        Action = "worklog.write"     // record social-work service (social_worker: their own)
	ActionWorkSupervise  Action = "worklog.supervise" // read workers' service records, record supervision (officials)
	// Volunteer service, time bank, workforce and training (issue 17).
	ActionVolunteerRead     Action = "volunteer.read"     // the volunteer register, teams, records (resident: their own)
	ActionVolunteerWrite    Action = "volunteer.write"    // register volunteers, keep teams, issue certificates
	ActionVolunteerJoin     Action = "volunteer.join"     // register oneself, sign up, check in and out by scanning
	ActionOpportunityManage Action = "opportunity.manage" // publish opportunities, check in/out, confirm and correct hours (org_member: their org's)
	ActionTeamManage        Action = "team.manage"        // create and edit volunteer teams, add and remove members (org_member: their org's)
	ActionTimeBankRead      Action = "timebank.read"      // time-bank accounts and ledgers (resident: their own and family's)
	ActionTimeBankWrite     Action = "timebank.write"     // withdraw and transfer (resident: from their own account), family
	ActionTimeBankPolicy    Action = "timebank.policy"    // set a county's eligible services and yearly cap
	ActionWorkforceRead     Action = "workforce.read"     // the workforce register, retention, training, continuing education
	ActionWorkforceWrite    Action = "workforce.write"    // keep the workforce register, courses and attendance
)

// Actions lists every action, for the authorization test matrix.
var Actions = []Action{ActionResidentRead, ActionResidentWrite, ActionResidentReveal, ActionResidentImport,
	ActionResidentVerify, ActionUserRead, ActionUserManage, ActionSecurityManage, ActionAuditRead, ActionDivisionImport,
	ActionOrgRead, ActionOrgWrite, ActionWorkerRead, ActionWorkerWrite, ActionTargetWrite, ActionIndicatorRead,
	ActionNeedRead, ActionNeedRaise, ActionNeedManage, ActionProjectRead, ActionProjectDesign, ActionProjectApprove,
	ActionBidSubmit, ActionReviewScore, ActionActivityRecord, ActionEvaluate,
	ActionServiceManage, ActionRequestSubmit, ActionRequestRead, ActionRequestHandle, ActionRequestRate,
	ActionDelegationRead, ActionDelegationWrite,
	ActionFacilityRead, ActionFacilityWrite,
	ActionPropertyRead, ActionPropertyWrite, ActionPropertySupervise, ActionInspectionRecord, ActionMeetingRecord,
	ActionRectificationReport, ActionComplaintSubmit, ActionComplaintRead, ActionComplaintHandle, ActionComplaintAnswer,
	ActionComplaintDecide, ActionPropertyRate, ActionCreditAppeal,
	ActionCareRead, ActionCareWrite, ActionCareVisit, ActionCareReport, ActionCareAlert, ActionCareDuty,
	ActionCaseRead, ActionCaseWrite, ActionCaseApprove, ActionCaseBreakGlass, ActionReferralAnswer,
	ActionWorkLog, ActionWorkSupervise,
	ActionRequestSupplement, ActionDeliveryManage,
	ActionVolunteerRead, ActionVolunteerWrite, ActionVolunteerJoin, ActionOpportunityManage, ActionTeamManage,
	ActionTimeBankRead, ActionTimeBankWrite, ActionTimeBankPolicy, ActionWorkforceRead, ActionWorkforceWrite}

// own marks a permission that holds only for objects the actor owns.
type grant struct {
	own bool
}

// permissions is the one table of who may do what. A role missing from an
// action's map is denied (deny by default).
var permissions = map[Role]map[Action]grant{
	RoleResident: {
		ActionResidentRead: {own: true},
		ActionNeedRead:     {}, ActionNeedRaise: {}, ActionProjectRead: {}, ActionEvaluate: {},
		ActionRequestSubmit: {own: true}, ActionRequestRead: {own: true},
		ActionRequestRate: {own: true}, ActionDelegationRead: {own: true}, ActionDelegationWrite: {own: true},
		ActionPropertyRead: {}, ActionComplaintSubmit: {own: true}, ActionComplaintRead: {own: true},
		ActionPropertyRate:      {own: true},
		ActionRequestSupplement: {own: true}, ActionCareReport: {},
		ActionVolunteerRead: {own: true}, ActionVolunteerJoin: {own: true},
		ActionTimeBankRead: {own: true}, ActionTimeBankWrite: {own: true},
	},
	RoleCommunityWorker: {
		ActionResidentRead: {}, ActionResidentWrite: {}, ActionResidentReveal: {},
		ActionResidentImport: {}, ActionResidentVerify: {},
		ActionOrgRead: {}, ActionOrgWrite: {}, ActionWorkerRead: {}, ActionWorkerWrite: {}, ActionIndicatorRead: {},
		ActionNeedRead: {}, ActionNeedRaise: {}, ActionNeedManage: {}, ActionProjectRead: {}, ActionProjectDesign: {},
		ActionReviewScore: {}, ActionEvaluate: {},
		ActionRequestSubmit: {}, ActionRequestRead: {}, ActionRequestHandle: {},
		ActionDelegationRead: {}, ActionDelegationWrite: {},
		ActionFacilityRead: {}, ActionFacilityWrite: {}, ActionRequestSupplement: {},
		ActionPropertyRead: {}, ActionPropertyWrite: {}, ActionInspectionRecord: {}, ActionMeetingRecord: {},
		ActionComplaintSubmit: {}, ActionComplaintRead: {}, ActionComplaintHandle: {},
		ActionCareRead: {}, ActionCareWrite: {}, ActionCareVisit: {}, ActionCareReport: {}, ActionCareAlert: {},
		ActionCaseRead: {}, ActionCaseWrite: {}, ActionCaseApprove: {}, ActionReferralAnswer: {},
		ActionVolunteerRead: {}, ActionVolunteerWrite: {}, ActionOpportunityManage: {}, ActionTeamManage: {},
		ActionTimeBankRead: {}, ActionTimeBankWrite: {}, ActionWorkforceRead: {}, ActionWorkforceWrite: {},
	},
	RoleOfficial: {
		ActionResidentRead: {},
		ActionOrgRead:      {}, ActionOrgWrite: {}, ActionWorkerRead: {}, ActionWorkerWrite: {},
		ActionTargetWrite: {}, ActionIndicatorRead: {}, ActionFacilityRead: {}, ActionFacilityWrite: {},
		ActionNeedRead: {}, ActionNeedManage: {}, ActionProjectRead: {}, ActionProjectApprove: {},
		ActionReviewScore: {}, ActionEvaluate: {},
		ActionServiceManage: {}, ActionRequestRead: {}, ActionRequestHandle: {},
		ActionPropertyRead: {}, ActionPropertyWrite: {}, ActionPropertySupervise: {},
		ActionComplaintRead: {}, ActionComplaintDecide: {},
		ActionCareRead: {}, ActionCareWrite: {}, ActionCareVisit: {}, ActionCareReport: {}, ActionCareAlert: {},
		ActionCareDuty: {}, ActionCaseRead: {}, ActionCaseApprove: {}, ActionCaseBreakGlass: {},
		ActionWorkSupervise: {},
		ActionVolunteerRead: {}, ActionVolunteerWrite: {}, ActionOpportunityManage: {},
		ActionTimeBankRead: {}, ActionTimeBankPolicy: {}, ActionWorkforceRead: {}, ActionWorkforceWrite: {},
	},
	RoleSysadmin: {
		ActionUserRead: {}, ActionUserManage: {}, ActionDivisionImport: {},
		ActionDeliveryManage: {},
	},
	RoleSecadmin: {
		ActionUserRead: {}, ActionSecurityManage: {},
	},
	RoleAuditor: {
		ActionAuditRead: {},
	},
	RoleOrgMember: {
		ActionOrgRead: {}, ActionOrgWrite: {own: true}, ActionWorkerRead: {},
		ActionNeedRead: {}, ActionProjectRead: {}, ActionBidSubmit: {}, ActionActivityRecord: {},
		ActionCareReport: {}, ActionReferralAnswer: {},
		ActionVolunteerRead: {}, ActionOpportunityManage: {own: true}, ActionTeamManage: {own: true},
	},
	RoleSocialWorker: {
		ActionOrgRead: {}, ActionWorkerRead: {}, ActionWorkerWrite: {own: true},
		ActionNeedRead: {}, ActionProjectRead: {}, ActionReviewScore: {}, ActionActivityRecord: {},
		ActionCareRead: {}, ActionCareVisit: {}, ActionCareReport: {}, ActionCareAlert: {},
		ActionCaseRead: {}, ActionCaseWrite: {}, ActionCaseApprove: {}, ActionReferralAnswer: {},
		ActionWorkLog:       {own: true},
		ActionVolunteerRead: {}, ActionWorkforceRead: {},
	},
	RolePropertyStaff: {
		ActionPropertyRead: {own: true}, ActionRectificationReport: {own: true}, ActionComplaintRead: {own: true},
		ActionComplaintAnswer: {own: true}, ActionCreditAppeal: {own: true},
		ActionCareReport: {},
	},
}

// Actor is who makes a request: an account with its role and scope.
type Actor struct {
	UserID   string
	Username string
	Role     Role
	// Scope is the division code the account is bound to ("" is the whole
	// country); it sees data at and below it.
	Scope string
	// Pending marks a self-registered account not yet verified
	// (account_verify.go): it may do nothing that needs a permission.
	Pending bool
}

// Object is what an action applies to: the division it belongs to and, for
// records of a person, the account that owns it.
type Object struct {
	Division string
	OwnerID  string // user id of the owner, "" when no account owns it
}

// ErrForbidden is returned when the role may not do an action at all.
var ErrForbidden = Errorf(EForbidden, "error.forbidden", "You are not allowed to do this.")

// ErrUnauthorized is returned when nobody is signed in.
var ErrUnauthorized = Errorf(EUnauthorized, "error.unauthorized", "Please sign in.")

// ErrNotFound is the answer for an object outside the actor's scope: the same
// as for one that does not exist, so that nothing leaks.
var ErrNotFound = Errorf(ENotFound, "error.not_found", "Not found.")

// Can reports whether the role may do the action at all, on some object; use
// it to show or hide controls and to guard lists.
func (a *Actor) Can(act Action) bool {
	if a == nil || a.Pending {
		return false
	}
	_, ok := permissions[a.Role][act]
	return ok
}

// Authorize is the one central check (deny by default): role permission ×
// scope prefix × ownership. obj nil checks the permission alone. An object
// outside the scope, or not owned where ownership is required, answers
// ErrNotFound rather than ErrForbidden so its existence does not leak.
func Authorize(a *Actor, act Action, obj *Object) error {
	if a == nil {
		return ErrUnauthorized
	}
	g, ok := permissions[a.Role][act]
	if !ok || a.Pending {
		return ErrForbidden
	}
	if obj == nil {
		return nil
	}
	if !IsAncestorOrSelf(a.Scope, obj.Division) {
		return ErrNotFound
	}
	if g.own && (obj.OwnerID == "" || obj.OwnerID != a.UserID) {
		return ErrNotFound
	}
	return nil
}

// OwnOnly reports whether the role may do the action only on its own objects
// (a resident on their own record); list queries then filter by owner.
func (a *Actor) OwnOnly(act Action) bool {
	return a != nil && (a.Pending || permissions[a.Role][act].own)
}
