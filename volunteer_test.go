package shequ_test

import (
	"crypto/rand"
	"testing"
	"time"

	"shequ"
)

func TestSignupTransitions(t *testing.T) {
	ok := map[[2]shequ.SignupState]bool{
		{shequ.SignupSigned, shequ.SignupCheckedIn}: true, {shequ.SignupSigned, shequ.SignupNoShow}: true,
		{shequ.SignupSigned, shequ.SignupCancelled}: true, {shequ.SignupCheckedIn, shequ.SignupCheckedOut}: true,
		{shequ.SignupCheckedOut, shequ.SignupConfirmed}: true,
	}
	for _, from := range shequ.SignupStates {
		for _, to := range shequ.SignupStates {
			err := shequ.CanSignupTransition(from, to)
			if ok[[2]shequ.SignupState{from, to}] != (err == nil) {
				t.Errorf("%s → %s: %v", from, to, err)
			}
			if err != nil && shequ.ErrorCode(err) != shequ.EConflict {
				t.Errorf("%s → %s: code %s", from, to, shequ.ErrorCode(err))
			}
		}
	}
}

func TestServedMinutes(t *testing.T) {
	day := time.Date(2026, 12, 6, 0, 0, 0, 0, shequ.Shanghai)
	o := &shequ.Opportunity{Day: day, Start: "09:00", End: "11:30"}
	at := func(h, m int) time.Time { return time.Date(2026, 12, 6, h, m, 0, 0, shequ.Shanghai) }
	tests := []struct {
		in, out time.Time
		want    int
	}{
		{at(9, 0), at(11, 30), 150},
		{at(8, 15), at(10, 0), 60},  // early arrival counts from the start
		{at(9, 30), at(13, 0), 120}, // late check-out counts to the end
		{at(10, 0), at(10, 45), 45}, // left early
		{at(11, 40), at(12, 0), 0},  // after the end
		{at(10, 0), at(9, 59), 0},   // out before in
	}
	for _, tt := range tests {
		if got := shequ.ServedMinutes(o, tt.in, tt.out); got != tt.want {
			t.Errorf("ServedMinutes(%v, %v) = %d, want %d", tt.in, tt.out, got, tt.want)
		}
	}
	if err := shequ.CheckScanWindow(o, at(7, 59), true); err == nil {
		t.Error("check-in more than an hour early accepted")
	}
	if err := shequ.CheckScanWindow(o, at(8, 0), true); err != nil {
		t.Error(err)
	}
	if err := shequ.CheckScanWindow(o, at(13, 31), false); err == nil {
		t.Error("check-out two hours after the end accepted")
	}
}

func TestOpportunityValidate(t *testing.T) {
	day := time.Date(2026, 12, 6, 0, 0, 0, 0, shequ.Shanghai)
	base := func() shequ.Opportunity {
		return shequ.Opportunity{Title: "助老送餐", OrganizerKind: shequ.OrganizerCommunity, Category: shequ.CatElderly,
			Day: day, Start: "09:00", End: "11:00", Place: "社区食堂", Slots: 5}
	}
	tests := []struct {
		name  string
		edit  func(*shequ.Opportunity)
		field string
	}{
		{"ok", func(*shequ.Opportunity) {}, ""},
		{"end before start", func(o *shequ.Opportunity) { o.End = "08:00" }, "end"},
		{"bad time", func(o *shequ.Opportunity) { o.Start = "9点" }, "start"},
		{"no slots", func(o *shequ.Opportunity) { o.Slots = 0 }, "slots"},
		{"project without id", func(o *shequ.Opportunity) { o.Link = shequ.LinkProject }, "project_id"},
		{"org without id", func(o *shequ.Opportunity) { o.OrganizerKind = shequ.OrganizerOrg }, "org_id"},
		{"unknown skill", func(o *shequ.Opportunity) { o.Skills = []shequ.VolunteerSkill{"juggling"} }, "skills"},
		{"no category", func(o *shequ.Opportunity) { o.Category = "" }, "category"},
	}
	for _, tt := range tests {
		o := base()
		tt.edit(&o)
		err := o.Validate()
		if (tt.field == "") != (err == nil) || (tt.field != "" && !errOnField(err, tt.field)) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

func TestVolunteerValidate(t *testing.T) {
	v := shequ.Volunteer{ResidentID: "r", Skills: []shequ.VolunteerSkill{"general", "elderly_care", "general"},
		Availability: []shequ.Availability{"weekend"}}
	if err := v.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(v.Skills) != 2 || v.Skills[0] != shequ.SkillElderlyCare {
		t.Fatalf("skills not normalized: %v", v.Skills)
	}
	v.EmergencyName = "李四"
	if err := v.Validate(); !errOnField(err, "emergency_phone") {
		t.Fatalf("a contact without phone: %v", err)
	}
	v.EmergencyPhone = "13800001111"
	v.Serves = []string{"33052310"}
	if err := v.Validate(); !errOnField(err, "serves") {
		t.Fatalf("a service area that is no community: %v", err)
	}
}

func TestCertificateCode(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		b := make([]byte, 13)
		_, _ = rand.Read(b)
		code := shequ.EncodeCertificateCode(b)
		if len(code) != shequ.CertificateCodeLen+4 {
			t.Fatalf("code %q", code)
		}
		n := shequ.NormalizeCertificateCode(code)
		if n == "" || seen[n] {
			t.Fatalf("normalize %q = %q (seen %v)", code, n, seen[n])
		}
		seen[n] = true
		if shequ.NormalizeCertificateCode(" "+code[:5]+" "+code[5:]+" ") != n {
			t.Fatal("blanks are not ignored")
		}
	}
	for _, bad := range []string{"", "ABCD", "ABCD-EFGH-JKMN-PQRS-TVWX-Y", "ABCD-EFGH-JKMN-PQRS-TVWU", "<script>"} {
		if got := shequ.NormalizeCertificateCode(bad); got != "" {
			t.Errorf("NormalizeCertificateCode(%q) = %q", bad, got)
		}
	}
	if shequ.NormalizeCertificateCode("abcd-efgh-jkmn-pqrs-tvwo") != "ABCDEFGHJKMNPQRSTVW0" {
		t.Error("lower case and O for 0 are read")
	}
}

func TestMaskName(t *testing.T) {
	for in, want := range map[string]string{"张三丰": "张**", "李四": "李*", "王": "王*", "": ""} {
		if got := shequ.MaskName(in); got != want {
			t.Errorf("MaskName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTimeBankPolicy(t *testing.T) {
	p := shequ.DefaultTimeBankPolicy("330523")
	if err := p.Validate(); err != nil || !p.Deposits(shequ.CatElderly) || p.Deposits(shequ.CatCulture) {
		t.Fatalf("default policy %+v: %v", p, err)
	}
	for _, tt := range []struct{ minutes, done, want int }{{60, 0, 60}, {60, 300*60 - 30, 30}, {60, 300 * 60, 0}, {60, 400 * 60, 0}} {
		if got := p.DepositFor(tt.minutes, tt.done); got != tt.want {
			t.Errorf("DepositFor(%d, %d) = %d, want %d", tt.minutes, tt.done, got, tt.want)
		}
	}
	bad := shequ.TimeBankPolicy{County: "3305", YearlyCapMinutes: -1, Eligible: []shequ.ServiceCategory{"x"}}
	err := bad.Validate()
	for _, f := range []string{"county", "yearly_cap", "eligible"} {
		if !errOnField(err, f) {
			t.Errorf("policy: no error on %s: %v", f, err)
		}
	}
	if err := (&shequ.Transfer{From: "a", To: "a", Minutes: 0}).Validate(); !errOnField(err, "to") || !errOnField(err, "minutes") {
		t.Errorf("transfer to itself: %v", err)
	}
}

// errOnField reports whether err has a field error on field.
func errOnField(err error, field string) bool {
	e := shequ.AsError(err)
	if e == nil {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// TestReminderDue: an open opportunity is due its reminder from lead
// before its start until it starts; a cancelled or closed one never.
func TestReminderDue(t *testing.T) {
	day := time.Date(2026, 12, 7, 0, 0, 0, 0, shequ.Shanghai)
	start := time.Date(2026, 12, 7, 9, 0, 0, 0, shequ.Shanghai)
	for _, c := range []struct {
		name   string
		status shequ.OpportunityStatus
		now    time.Time
		want   bool
	}{
		{"25 hours before", shequ.OpportunityOpen, start.Add(-25 * time.Hour), false},
		{"24 hours before", shequ.OpportunityOpen, start.Add(-24 * time.Hour), true},
		{"an hour before", shequ.OpportunityOpen, start.Add(-time.Hour), true},
		{"at the start", shequ.OpportunityOpen, start, false},
		{"after the start", shequ.OpportunityOpen, start.Add(time.Minute), false},
		{"cancelled", shequ.OpportunityCancelled, start.Add(-time.Hour), false},
		{"closed", shequ.OpportunityClosed, start.Add(-time.Hour), false},
	} {
		o := &shequ.Opportunity{Day: day, Start: "09:00", End: "11:00", Status: c.status}
		if got := shequ.ReminderDue(o, c.now, shequ.DefaultReminderLead); got != c.want {
			t.Errorf("%s: due %v, want %v", c.name, got, c.want)
		}
	}
	if shequ.ReminderDue(&shequ.Opportunity{Day: day, Start: "9h", Status: shequ.OpportunityOpen}, start.Add(-time.Hour), shequ.DefaultReminderLead) {
		t.Error("a malformed start is due")
	}
}
