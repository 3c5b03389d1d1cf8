package shequ

import "time"

// CareDutyKind is a care duty held by an account (关爱服务职责). Duties, not
// roles: a community worker is 儿童主任 of their village on top of their
// other work, and a township official or worker is the 儿童督导员.
type CareDutyKind string

// Duties.
const (
	DutyChildDirector   CareDutyKind = "child_director"   // 儿童主任: one village or community
	DutyChildSupervisor CareDutyKind = "child_supervisor" // 儿童督导员: one township (街道/乡镇)
)

// CareDutyKinds lists the duties.
var CareDutyKinds = []CareDutyKind{DutyChildDirector, DutyChildSupervisor}

// DivisionLength is the length of the division code a duty is held for: 12
// (a community) for the 儿童主任, 9 (a township) for the 儿童督导员.
func (k CareDutyKind) DivisionLength() int {
	if k == DutyChildSupervisor {
		return 9
	}
	return 12
}

// DutyRoles are the roles whose accounts may hold a care duty.
var DutyRoles = []Role{RoleCommunityWorker, RoleSocialWorker, RoleOfficial}

// CareDuty is a duty held by an account for a division, from Since until
// it is ended.
type CareDuty struct {
	ID         string
	UserID     string
	UserName   string // the account's name (or user name)
	Kind       CareDutyKind
	Division   string
	Since      time.Time
	EndedAt    *time.Time
	AssignedBy string
}

// ValidateDuty checks a duty for the account u: a known kind, a division
// code of the kind's length inside the account's scope, an account of one
// of DutyRoles.
func ValidateDuty(kind CareDutyKind, division string, u *User) error {
	var fe FieldErrors
	if !oneOf(kind, CareDutyKinds) {
		fe.Add("kind", "care.duty.kind.invalid", "Pick the duty: 儿童主任 or 儿童督导员.", nil)
	} else if ValidateDivisionCode(division) != nil || len(division) != kind.DivisionLength() {
		fe.Add("division", "care.duty.division.invalid",
			"A 儿童主任 is named for a village or community, a 儿童督导员 for a township.", nil)
	}
	if u == nil || !oneOf(u.Role, DutyRoles) || u.Disabled {
		fe.Add("user_id", "care.duty.user.invalid", "Pick an active account of a community worker, social worker or official.", nil)
	} else if fe == nil && !IsAncestorOrSelf(u.Scope, division) {
		fe.Add("user_id", "care.duty.user.scope", "The account's area does not include that division.", nil)
	}
	return fe.Err()
}

// CareAccess is what an actor's duties give them over a division: the
// duties' divisions, for the store's need-to-know checks.
type CareAccess struct {
	Director   []string // communities where the actor is 儿童主任
	Supervisor []string // townships where the actor is 儿童督导员
}

// Covers reports whether the duties give access to the care register of a
// community: its 儿童主任 or its township's 儿童督导员.
func (a CareAccess) Covers(community string) bool {
	return a.Directs(community) || a.Supervises(community)
}

// Directs reports whether the actor is 儿童主任 of the community.
func (a CareAccess) Directs(community string) bool {
	for _, d := range a.Director {
		if d == community {
			return true
		}
	}
	return false
}

// Supervises reports whether the actor is 儿童督导员 of the community's
// township.
func (a CareAccess) Supervises(community string) bool {
	for _, d := range a.Supervisor {
		if IsAncestorOrSelf(d, community) {
			return true
		}
	}
	return false
}

// Any reports whether the actor holds any duty.
func (a CareAccess) Any() bool { return len(a.Director)+len(a.Supervisor) > 0 }
