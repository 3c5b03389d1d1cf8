package shequ

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Volunteer service (志愿服务, issue 17). A resident registers as a volunteer
// (志愿者) with skills, availability and the communities they serve in;
// communities and social organizations organize volunteer service through
// teams (志愿服务队伍) and opportunities (志愿服务项目/活动); the organizer
// records the hours actually served (谁组织谁记录、谁记录谁证明), free of
// charge, and a volunteer never records their own. The emergency contact is
// personal data: sealed at rest, masked on screen.

// VolunteerSkill is a skill a volunteer offers and an opportunity wants.
type VolunteerSkill string

// Skills.
const (
	SkillElderlyCare VolunteerSkill = "elderly_care" // 助老陪护
	SkillChildren    VolunteerSkill = "children"     // 儿童关爱与课业辅导
	SkillMedical     VolunteerSkill = "medical"      // 医疗护理
	SkillPsych       VolunteerSkill = "psych"        // 心理疏导
	SkillLegal       VolunteerSkill = "legal"        // 法律咨询
	SkillRepair      VolunteerSkill = "repair"       // 家电维修
	SkillCulture     VolunteerSkill = "culture"      // 文体活动
	SkillDriving     VolunteerSkill = "driving"      // 驾驶
	SkillDigital     VolunteerSkill = "digital"      // 智能手机教学
	SkillFarming     VolunteerSkill = "farming"      // 农技服务
	SkillGeneral     VolunteerSkill = "general"      // 一般服务
)

// VolunteerSkills lists the skills.
var VolunteerSkills = []VolunteerSkill{SkillElderlyCare, SkillChildren, SkillMedical, SkillPsych, SkillLegal,
	SkillRepair, SkillCulture, SkillDriving, SkillDigital, SkillFarming, SkillGeneral}

// Availability is when a volunteer can serve.
type Availability string

// Availabilities.
const (
	AvailWeekday Availability = "weekday" // 工作日白天
	AvailEvening Availability = "evening" // 工作日晚间
	AvailWeekend Availability = "weekend" // 周末
	AvailOnCall  Availability = "on_call" // 应急随叫
)

// Availabilities lists them.
var Availabilities = []Availability{AvailWeekday, AvailEvening, AvailWeekend, AvailOnCall}

// VolunteerStatus is whether a volunteer still serves.
type VolunteerStatus string

// Volunteer statuses.
const (
	VolunteerActive VolunteerStatus = "active" // 在册
	VolunteerLeft   VolunteerStatus = "left"   // 已注销
)

// VolunteerStatuses lists them.
var VolunteerStatuses = []VolunteerStatus{VolunteerActive, VolunteerLeft}

// Limits of the volunteer module's texts.
const (
	MaxVolunteerName = 50
	MaxVolunteerText = 500
)

// Volunteer is a registered volunteer: a resident of the register (the
// person, their community and their account come from it).
type Volunteer struct {
	ID         string
	ResidentID string
	Community  string // the resident's community (12 digits)
	Name       string // the resident's name (read only)
	IDMasked   string // the resident's ID number, masked (read only)
	UserID     string // the resident's account, "" if none (read only)

	Skills       []VolunteerSkill
	Availability []Availability
	// Serves are the communities the volunteer offers to serve in besides
	// their own.
	Serves []string
	// Emergency contact: the name and the phone are sealed.
	EmergencyName  string
	EmergencyPhone Phone
	Status         VolunteerStatus
	RegisteredOn   time.Time // a day
	// MinutesConfirmed is the total of the volunteer's standing service
	// records (read only).
	MinutesConfirmed int
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// Validate checks a volunteer and returns every field error at once.
func (v *Volunteer) Validate() error {
	var fe FieldErrors
	if v.ResidentID == "" {
		fe.Add("resident_id", "volunteer.resident_id.required", "Pick the resident who volunteers.", nil)
	}
	v.Skills = uniqueSorted(v.Skills, VolunteerSkills)
	for _, s := range v.Skills {
		if !oneOf(s, VolunteerSkills) {
			fe.Add("skills", "volunteer.skills.invalid", "Unknown skill.", map[string]any{"Value": string(s)})
			break
		}
	}
	if len(v.Skills) == 0 {
		fe.Add("skills", "volunteer.skills.required", "Choose at least one skill.", nil)
	}
	v.Availability = uniqueSorted(v.Availability, Availabilities)
	for _, a := range v.Availability {
		if !oneOf(a, Availabilities) {
			fe.Add("availability", "volunteer.availability.invalid", "Unknown availability.", map[string]any{"Value": string(a)})
			break
		}
	}
	if len(v.Availability) == 0 {
		fe.Add("availability", "volunteer.availability.required", "Say when you can serve.", nil)
	}
	for _, c := range v.Serves {
		if len(c) != 12 || ValidateDivisionCode(c) != nil {
			fe.Add("serves", "volunteer.serves.invalid", "Each service area is a community.", map[string]any{"Value": c})
			break
		}
	}
	if len(v.Serves) > 20 {
		fe.Add("serves", "volunteer.serves.many", "At most 20 service areas.", nil)
	}
	v.EmergencyName = strings.TrimSpace(v.EmergencyName)
	if utf8.RuneCountInString(v.EmergencyName) > MaxVolunteerName {
		fe.Add("emergency_name", "volunteer.emergency_name.long", "The name has at most 50 characters.", nil)
	}
	if v.EmergencyPhone != "" {
		p, err := ParsePhone(string(v.EmergencyPhone))
		if err != nil {
			fe.Add("emergency_phone", "phone.invalid", "The phone number is not valid.", nil)
		} else {
			v.EmergencyPhone = p
		}
	}
	if (v.EmergencyName == "") != (v.EmergencyPhone == "") {
		fe.Add("emergency_phone", "volunteer.emergency.pair", "Give the emergency contact's name and phone together.", nil)
	}
	if v.Status == "" {
		v.Status = VolunteerActive
	}
	if !oneOf(v.Status, VolunteerStatuses) {
		fe.Add("status", "volunteer.status.invalid", "Unknown status.", nil)
	}
	return fe.Err()
}

// uniqueSorted de-duplicates values and orders them as in order (unknown
// values last, for the validation to name).
func uniqueSorted[T ~string](in []T, order []T) []T {
	out := slices.Clone(in)
	for i := range out {
		out[i] = T(strings.TrimSpace(string(out[i])))
	}
	out = slices.DeleteFunc(out, func(v T) bool { return v == "" })
	rank := func(v T) int {
		if i := slices.Index(order, v); i >= 0 {
			return i
		}
		return len(order)
	}
	slices.SortStableFunc(out, func(a, b T) int { return rank(a) - rank(b) })
	return slices.Compact(out)
}

// OrganizerKind is who organizes volunteer service.
type OrganizerKind string

// Organizer kinds.
const (
	OrganizerCommunity OrganizerKind = "community" // 社区（居委会/村委会）
	OrganizerOrg       OrganizerKind = "org"       // a social organization of the register
)

// OrganizerKinds lists them.
var OrganizerKinds = []OrganizerKind{OrganizerCommunity, OrganizerOrg}

// VolunteerFilter selects volunteers.
type VolunteerFilter struct {
	Community string
	Skill     VolunteerSkill
	Status    VolunteerStatus
	TeamID    string
	Query     string
	Offset    int
	Limit     int
}
