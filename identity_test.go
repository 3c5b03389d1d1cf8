package shequ_test

import (
	"strings"
	"testing"
	"time"

	"shequ"
)

var today = time.Date(2026, 11, 29, 12, 0, 0, 0, shequ.Shanghai)

func TestParseIDNumber(t *testing.T) {
	tests := []struct {
		in, want string // want "" means invalid
	}{
		{"11010519491231002X", "11010519491231002X"}, // the example of GB 11643
		{"11010519491231002x", "11010519491231002X"}, // lower-case x
		{" 11010519491231002X ", "11010519491231002X"},
		{"110105491231002", "11010519491231002X"}, // 15-digit legacy number converted
		{"330523200001010011", "330523200001010011"},
		{"110105194912310021", ""}, // wrong check character
		{"11010519491231002", ""},  // 17 characters
		{"1101051949123100211", ""},
		{"11010519490231002X", ""}, // 31 February does not exist... 0231
		{"110105202712310028", ""}, // born in the future
		{"11010518700101002X", ""}, // before 1880
		{"00010519491231002X", ""}, // no province 00
		{"1101051949123100AX", ""}, // letters in the digits
		{"", ""},
	}
	for _, tt := range tests {
		got, err := shequ.ParseIDNumber(tt.in, today)
		if tt.want == "" {
			if err == nil {
				t.Errorf("ParseIDNumber(%q) = %q, want an error", tt.in, got)
			} else if shequ.AsError(err).Key != "id_number.invalid" {
				t.Errorf("ParseIDNumber(%q) error key %q", tt.in, shequ.AsError(err).Key)
			}
			continue
		}
		if err != nil || string(got) != tt.want {
			t.Errorf("ParseIDNumber(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestIDNumberDerived(t *testing.T) {
	id, err := shequ.ParseIDNumber("11010519491231002X", today)
	if err != nil {
		t.Fatal(err)
	}
	if b := id.BirthDate(); b.Year() != 1949 || b.Month() != 12 || b.Day() != 31 {
		t.Errorf("birth date %v", b)
	}
	if id.Sex() != shequ.SexFemale { // sequence 002: even
		t.Errorf("sex %v", id.Sex())
	}
	if got := id.Masked(); got != "1****************X" {
		t.Errorf("masked %q", got)
	}
	r := &shequ.Resident{IDNumber: id, Tags: []shequ.Tag{shequ.TagVeteran}}
	if r.AgeAt(today) != 76 || r.MinorAt(today) {
		t.Errorf("age %d", r.AgeAt(today))
	}
	if tags := r.AllTags(today); len(tags) != 2 || tags[0] != shequ.TagElderly {
		t.Errorf("tags %v", tags)
	}
	// The day before the 18th birthday is still a minor.
	child := &shequ.Resident{IDNumber: mustID(t, "330523200811300016")}
	if !child.MinorAt(today) || child.AgeAt(today) != 17 {
		t.Errorf("child age %d", child.AgeAt(today))
	}
	if child.Sex() != shequ.SexMale {
		t.Errorf("child sex %v", child.Sex())
	}
}

// mustID builds a valid number from 17 digits by adding its check character.
func mustID(t *testing.T, s string) shequ.IDNumber {
	t.Helper()
	s = s[:17] + string(shequ.IDCheckChar(s[:17]))
	id, err := shequ.ParseIDNumber(s, today)
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return id
}

func TestParsePhone(t *testing.T) {
	tests := []struct {
		in, want, masked string
	}{
		{"13812345678", "13812345678", "138****5678"},
		{"138 1234 5678", "13812345678", "138****5678"},
		{"+86 138-1234-5678", "13812345678", "138****5678"},
		{"008613812345678", "13812345678", "138****5678"},
		{"0572-5123456", "0572-5123456", "0572-*****56"},
		{"(0572) 5123456", "0572-5123456", "0572-*****56"},
		{"010-88886666", "010-88886666", "010-******66"},
		{"021 6888 6666", "021-68886666", "021-******66"},
		{"0572-5123456转123", "0572-5123456-123", "0572-*****56"},
		{"12812345678", "", ""},  // no such mobile prefix
		{"1381234567", "", ""},   // 10 digits
		{"138123456789", "", ""}, // 12 digits
		{"0572-0123456", "", ""}, // local number starting with 0
		{"0572-12345", "", ""},   // too short
		{"+1 415 555 0100", "", ""},
		{"phone", "", ""},
		{"", "", ""},
		{"13812345678转1", "", ""}, // mobiles have no extension
	}
	for _, tt := range tests {
		got, err := shequ.ParsePhone(tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("ParsePhone(%q) = %q, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || string(got) != tt.want || got.Masked() != tt.masked {
			t.Errorf("ParsePhone(%q) = %q (%q), %v; want %q (%q)", tt.in, got, got.Masked(), err, tt.want, tt.masked)
		}
	}
}

func TestPasswordPolicy(t *testing.T) {
	tests := []struct {
		pw, user, key string
	}{
		{"correct horse battery", "zhang", ""},
		{"安吉县递铺街道桃园社区的密码", "zhang", ""},
		{"short", "zhang", "password.length"},
		{string(make([]byte, 129)), "zhang", "password.length"},
		{"password1234", "zhang", "password.common"},
		{"QwertyUiop123", "zhang", "password.common"},
		{"aaaaaaaaaaaaaa", "zhang", "password.common"},
		{"my name is zhangwei ok", "zhangwei", "password.common"},
	}
	for _, tt := range tests {
		err := shequ.ValidatePassword(tt.pw, tt.user)
		if got := shequ.AsError(err); (tt.key == "") != (err == nil) || (err != nil && got.Key != tt.key) {
			t.Errorf("ValidatePassword(%q) = %v, want %q", tt.pw, err, tt.key)
		}
	}
}

func TestAuthorizeMatrix(t *testing.T) {
	// Which role may do what at all (deny by default): the table in role.go,
	// restated here so that a change to it is a deliberate one.
	allowed := map[shequ.Role][]shequ.Action{
		shequ.RoleResident: {shequ.ActionResidentRead,
			shequ.ActionNeedRead, shequ.ActionNeedRaise, shequ.ActionProjectRead, shequ.ActionEvaluate,
			shequ.ActionRequestSubmit, shequ.ActionRequestRead, shequ.ActionRequestRate,
			shequ.ActionDelegationRead, shequ.ActionDelegationWrite, shequ.ActionCareReport, shequ.ActionRequestSupplement,
			shequ.ActionVolunteerRead, shequ.ActionVolunteerJoin, shequ.ActionTimeBankRead, shequ.ActionTimeBankWrite,
			shequ.ActionPropertyRead, shequ.ActionComplaintSubmit, shequ.ActionComplaintRead, shequ.ActionPropertyRate},
		shequ.RoleCommunityWorker: {shequ.ActionResidentRead, shequ.ActionResidentWrite, shequ.ActionResidentReveal, shequ.ActionResidentImport, shequ.ActionResidentVerify,
			shequ.ActionOrgRead, shequ.ActionOrgWrite, shequ.ActionWorkerRead, shequ.ActionWorkerWrite, shequ.ActionIndicatorRead,
			shequ.ActionFacilityRead, shequ.ActionFacilityWrite,
			shequ.ActionNeedRead, shequ.ActionNeedRaise, shequ.ActionNeedManage, shequ.ActionProjectRead, shequ.ActionProjectDesign,
			shequ.ActionReviewScore, shequ.ActionEvaluate,
			shequ.ActionRequestSubmit, shequ.ActionRequestRead, shequ.ActionRequestHandle, shequ.ActionDelegationRead, shequ.ActionDelegationWrite,
			shequ.ActionPropertyRead, shequ.ActionPropertyWrite, shequ.ActionInspectionRecord, shequ.ActionMeetingRecord,
			shequ.ActionComplaintSubmit, shequ.ActionComplaintRead, shequ.ActionComplaintHandle,
			shequ.ActionCareRead, shequ.ActionCareWrite, shequ.ActionCareVisit, shequ.ActionCareReport, shequ.ActionCareAlert,
			shequ.ActionCaseRead, shequ.ActionCaseWrite, shequ.ActionCaseApprove, shequ.ActionReferralAnswer,
			shequ.ActionRequestSupplement,
			shequ.ActionVolunteerRead, shequ.ActionVolunteerWrite, shequ.ActionOpportunityManage, shequ.ActionTeamManage,
			shequ.ActionTimeBankRead, shequ.ActionTimeBankWrite, shequ.ActionWorkforceRead, shequ.ActionWorkforceWrite},
		shequ.RoleOfficial: {shequ.ActionResidentRead, shequ.ActionOrgRead, shequ.ActionOrgWrite, shequ.ActionWorkerRead, shequ.ActionWorkerWrite,
			shequ.ActionTargetWrite, shequ.ActionIndicatorRead, shequ.ActionFacilityRead, shequ.ActionFacilityWrite,
			shequ.ActionNeedRead, shequ.ActionNeedManage, shequ.ActionProjectRead, shequ.ActionProjectApprove,
			shequ.ActionReviewScore, shequ.ActionEvaluate,
			shequ.ActionServiceManage, shequ.ActionRequestRead, shequ.ActionRequestHandle,
			shequ.ActionPropertyRead, shequ.ActionPropertyWrite, shequ.ActionPropertySupervise,
			shequ.ActionComplaintRead, shequ.ActionComplaintDecide,
			shequ.ActionCareRead, shequ.ActionCareWrite, shequ.ActionCareVisit, shequ.ActionCareReport, shequ.ActionCareAlert,
			shequ.ActionCareDuty, shequ.ActionCaseRead, shequ.ActionCaseApprove, shequ.ActionCaseBreakGlass,
			shequ.ActionWorkSupervise,
			shequ.ActionVolunteerRead, shequ.ActionVolunteerWrite, shequ.ActionOpportunityManage,
			shequ.ActionTimeBankRead, shequ.ActionTimeBankPolicy, shequ.ActionWorkforceRead, shequ.ActionWorkforceWrite},
		shequ.RoleOrgMember: {shequ.ActionOrgRead, shequ.ActionOrgWrite, shequ.ActionWorkerRead,
			shequ.ActionNeedRead, shequ.ActionProjectRead, shequ.ActionBidSubmit, shequ.ActionActivityRecord,
			shequ.ActionCareReport, shequ.ActionReferralAnswer, shequ.ActionVolunteerRead, shequ.ActionOpportunityManage,
			shequ.ActionTeamManage},
		shequ.RoleSocialWorker: {shequ.ActionOrgRead, shequ.ActionWorkerRead, shequ.ActionWorkerWrite,
			shequ.ActionNeedRead, shequ.ActionProjectRead, shequ.ActionReviewScore, shequ.ActionActivityRecord,
			shequ.ActionCareRead, shequ.ActionCareVisit, shequ.ActionCareReport, shequ.ActionCareAlert,
			shequ.ActionCaseRead, shequ.ActionCaseWrite, shequ.ActionCaseApprove, shequ.ActionReferralAnswer,
			shequ.ActionWorkLog, shequ.ActionVolunteerRead, shequ.ActionWorkforceRead},
		shequ.RolePropertyStaff: {shequ.ActionCareReport, shequ.ActionPropertyRead, shequ.ActionRectificationReport,
			shequ.ActionComplaintRead, shequ.ActionComplaintAnswer, shequ.ActionCreditAppeal},
		shequ.RoleSysadmin: {shequ.ActionUserRead, shequ.ActionUserManage, shequ.ActionDivisionImport, shequ.ActionDeliveryManage},
		shequ.RoleSecadmin: {shequ.ActionUserRead, shequ.ActionSecurityManage},
		shequ.RoleAuditor:  {shequ.ActionAuditRead},
	}
	const scope, inside, outside = "330523", "330523001001", "330522001001"
	for _, role := range shequ.Roles {
		actorScope := scope
		if role == shequ.RoleResident {
			actorScope = inside
		}
		a := &shequ.Actor{UserID: "u1", Role: role, Scope: actorScope}
		for _, act := range shequ.Actions {
			want := false
			for _, x := range allowed[role] {
				want = want || x == act
			}
			owner := ""
			if a.OwnOnly(act) {
				owner = "u1"
			}
			in := shequ.Authorize(a, act, &shequ.Object{Division: inside, OwnerID: owner})
			out := shequ.Authorize(a, act, &shequ.Object{Division: outside, OwnerID: owner})
			switch {
			case want && (in != nil || shequ.ErrorCode(out) != shequ.ENotFound):
				t.Errorf("%s %s: in scope %v, out of scope %v; want allowed, not found", role, act, in, out)
			case !want && (shequ.ErrorCode(in) != shequ.EForbidden || shequ.ErrorCode(out) != shequ.EForbidden):
				t.Errorf("%s %s: in %v out %v; want forbidden", role, act, in, out)
			}
			if a.Can(act) != want {
				t.Errorf("%s Can(%s) = %v", role, act, !want)
			}
		}
	}
	// Ownership: a resident reads only their own record.
	res := &shequ.Actor{UserID: "u1", Role: shequ.RoleResident, Scope: inside}
	if err := shequ.Authorize(res, shequ.ActionResidentRead, &shequ.Object{Division: inside, OwnerID: "u2"}); shequ.ErrorCode(err) != shequ.ENotFound {
		t.Errorf("resident reading another's record: %v", err)
	}
	if err := shequ.Authorize(nil, shequ.ActionResidentRead, nil); shequ.ErrorCode(err) != shequ.EUnauthorized {
		t.Errorf("anonymous: %v", err)
	}
	// Separation of duties.
	sys := &shequ.Actor{Role: shequ.RoleSysadmin}
	aud := &shequ.Actor{Role: shequ.RoleAuditor}
	if sys.Can(shequ.ActionAuditRead) || sys.Can(shequ.ActionResidentRead) || aud.Can(shequ.ActionResidentRead) || aud.Can(shequ.ActionUserManage) {
		t.Error("三权分立 broken")
	}
	for _, r := range shequ.Roles {
		want := r == shequ.RoleSysadmin || r == shequ.RoleSecadmin || r == shequ.RoleAuditor
		if r.Privileged() != want {
			t.Errorf("%s.Privileged() = %v", r, !want)
		}
	}
}

func TestAuditChain(t *testing.T) {
	var recs []*shequ.AuditRecord
	prev := ""
	for i := int64(1); i <= 5; i++ {
		r := &shequ.AuditRecord{Seq: i, ID: "id", Time: today, Action: "resident.create", Result: shequ.AuditAllowed, PrevHash: prev}
		r.Hash = r.ComputeHash(prev)
		prev = r.Hash
		recs = append(recs, r)
	}
	verify := func(rs []*shequ.AuditRecord) *shequ.AuditVerification {
		i := 0
		v, err := shequ.VerifyAuditChain(func() (*shequ.AuditRecord, bool, error) {
			if i == len(rs) {
				return nil, false, nil
			}
			i++
			return rs[i-1], true, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := verify(recs); v.BadSeq != 0 || v.Checked != 5 {
		t.Fatalf("intact chain: %+v", v)
	}
	changed := *recs[2]
	changed.Detail = "edited"
	if v := verify([]*shequ.AuditRecord{recs[0], recs[1], &changed, recs[3]}); v.BadSeq != 3 || v.Reason != "hash" {
		t.Errorf("changed record: %+v", v)
	}
	if v := verify([]*shequ.AuditRecord{recs[0], recs[2], recs[3]}); v.BadSeq != 2 || v.Reason != "gap" {
		t.Errorf("deleted record: %+v", v)
	}
}

func FuzzParseIDNumber(f *testing.F) {
	for _, s := range []string{"11010519491231002X", "110105491231002", "x", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := shequ.ParseIDNumber(s, today)
		if err != nil {
			return
		}
		// Anything accepted is canonical, re-parses to itself and has a real,
		// past birth date.
		again, err := shequ.ParseIDNumber(string(id), today)
		if err != nil || again != id || len(id) != 18 || id.BirthDate().After(today) {
			t.Fatalf("%q accepted as %q, re-parse %q %v", s, id, again, err)
		}
		if m := id.Masked(); len(m) != 18 || m[0] != id[0] || m[17] != id[17] || strings.Trim(m[1:17], "*") != "" {
			t.Fatalf("mask %q", m)
		}
	})
}

func FuzzParsePhone(f *testing.F) {
	for _, s := range []string{"13812345678", "+86 138 1234 5678", "0572-5123456转12", "010 8888 6666", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := shequ.ParsePhone(s)
		if err != nil {
			return
		}
		again, err := shequ.ParsePhone(string(p))
		if err != nil || again != p {
			t.Fatalf("%q accepted as %q, re-parse %q %v", s, p, again, err)
		}
		if m := p.Masked(); len(m) != len(p) && len(p) != 0 {
			// the mask hides digits but keeps the shape of the number
			if len(m) > len(p) {
				t.Fatalf("mask %q of %q", m, p)
			}
		}
	})
}
