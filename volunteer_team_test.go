package shequ_test

import (
	"strings"
	"testing"

	"shequ"
)

func TestVolunteerTeamValidate(t *testing.T) {
	const a, b = "0190a6c0-0000-7000-8000-000000000001", "0190a6c0-0000-7000-8000-000000000002"
	base := func() shequ.VolunteerTeam {
		return shequ.VolunteerTeam{Name: " 苕秀助老服务队 ", Community: "330523001002", OrganizerKind: shequ.OrganizerCommunity,
			Focus: []shequ.VolunteerSkill{shequ.SkillElderlyCare}, Leader: a, Members: []string{a, b}}
	}
	many := make([]string, shequ.MaxTeamMembers+1)
	for i := range many {
		many[i] = strings.Repeat("x", i+1)
	}
	tests := []struct {
		name   string
		edit   func(*shequ.VolunteerTeam)
		fields []string
	}{
		{"ok", func(*shequ.VolunteerTeam) {}, nil},
		{"one letter", func(t *shequ.VolunteerTeam) { t.Name = "队" }, []string{"name"}},
		{"huge name", func(t *shequ.VolunteerTeam) { t.Name = strings.Repeat("队", 101) }, []string{"name"}},
		{"no community", func(t *shequ.VolunteerTeam) { t.Community = "" }, []string{"community_code"}},
		{"a county is no community", func(t *shequ.VolunteerTeam) { t.Community = "330523" }, []string{"community_code"}},
		{"org without id", func(t *shequ.VolunteerTeam) { t.OrganizerKind = shequ.OrganizerOrg }, []string{"org_id"}},
		{"unknown organizer", func(t *shequ.VolunteerTeam) { t.OrganizerKind = "club" }, []string{"organizer_kind"}},
		{"no focus", func(t *shequ.VolunteerTeam) { t.Focus = nil }, []string{"focus"}},
		{"unknown focus", func(t *shequ.VolunteerTeam) { t.Focus = []shequ.VolunteerSkill{"juggling"} }, []string{"focus"}},
		{"long note", func(t *shequ.VolunteerTeam) { t.Note = strings.Repeat("说", 501) }, []string{"note"}},
		{"no members", func(t *shequ.VolunteerTeam) { t.Members = []string{" ", ""}; t.Leader = a }, []string{"members"}},
		{"too many members", func(t *shequ.VolunteerTeam) { t.Members = append(many, a) }, []string{"members"}},
		{"no leader", func(t *shequ.VolunteerTeam) { t.Leader = "" }, []string{"leader"}},
		{"leader outside", func(t *shequ.VolunteerTeam) { t.Members = []string{b} }, []string{"leader"}},
		{"everything wrong", func(t *shequ.VolunteerTeam) { *t = shequ.VolunteerTeam{} },
			[]string{"name", "community_code", "organizer_kind", "focus", "members", "leader"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := base()
			tt.edit(&x)
			err := x.Validate()
			e := shequ.AsError(err)
			var got []string
			for _, f := range e.Fields {
				got = append(got, f.Field)
			}
			if len(tt.fields) == 0 {
				if err != nil {
					t.Fatalf("valid team refused: %v", err)
				}
				return
			}
			if e.Code != shequ.EInvalid || strings.Join(got, ",") != strings.Join(tt.fields, ",") {
				t.Fatalf("fields %v (%v), want %v", got, err, tt.fields)
			}
		})
	}
	// Normalization: trimmed name, repeats dropped, the organization
	// cleared for a community team.
	x := base()
	x.Members, x.OrgID = []string{a, " " + a, b, ""}, "stale"
	if err := x.Validate(); err != nil || x.Name != "苕秀助老服务队" || len(x.Members) != 2 || x.OrgID != "" {
		t.Fatalf("normalized %+v %v", x, err)
	}
}

func TestVolunteerTeamLeaderStays(t *testing.T) {
	x := shequ.VolunteerTeam{Leader: "L", Members: []string{"L", "M"}}
	tests := []struct {
		id   string
		code string
	}{{"L", shequ.EConflict}, {"M", ""}, {"N", ""}}
	for _, tt := range tests {
		err := x.CanRemoveMember(tt.id)
		if got := shequ.ErrorCode(err); (err == nil) != (tt.code == "") || (err != nil && got != tt.code) {
			t.Errorf("remove %s: %v", tt.id, err)
		}
	}
}

func FuzzVolunteerTeamValidate(f *testing.F) {
	f.Add("苕秀助老服务队", "330523001002", "community", "elderly_care", "a,b", "a")
	f.Add("", "", "", "", "", "")
	f.Fuzz(func(t *testing.T, name, community, kind, focus, members, leader string) {
		x := shequ.VolunteerTeam{Name: name, Community: community, OrganizerKind: shequ.OrganizerKind(kind),
			Focus: []shequ.VolunteerSkill{shequ.VolunteerSkill(focus)}, Members: strings.Split(members, ","), Leader: leader}
		if err := x.Validate(); err != nil {
			if shequ.ErrorCode(err) != shequ.EInvalid {
				t.Fatalf("not a field error: %v", err)
			}
			return
		}
		// What passes is a team the store may check: a leader among the
		// members, a bounded name.
		found := false
		for _, m := range x.Members {
			found = found || m == x.Leader
		}
		if !found || len([]rune(x.Name)) > shequ.MaxTeamName || len(x.Members) > shequ.MaxTeamMembers {
			t.Fatalf("accepted %+v", x)
		}
	})
}
