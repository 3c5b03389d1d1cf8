package shequ

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// propDay is a date in Asia/Shanghai.
func propDay(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, Shanghai) }

// companyCode is a valid credit code of an enterprise (91) of 安吉县.
func companyCode(body string) CreditCode {
	s := "91330523" + body + string(OrgCodeCheckChar(body))
	return CreditCode(s + string(CreditCheckChar(s)))
}

// errFields returns the fields of the field errors of err, sorted.
func errFields(err error) []string {
	if err == nil {
		return nil
	}
	var out []string
	for _, f := range AsError(err).Fields {
		out = append(out, f.Field)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestPropertyTransitions checks every pair of states of the module's
// workflows against the tables written out here by hand: a legal move
// answers nil, an illegal one EConflict naming the current state and the
// allowed ones.
func TestPropertyTransitions(t *testing.T) {
	type table struct {
		name   string
		states []string
		legal  map[string][]string
		check  func(from, to string) error
	}
	tables := []table{
		{"complaint", strs(ComplaintStates), map[string][]string{
			"accepted":          {"awaiting_info", "forwarded", "closed"},
			"awaiting_info":     {"accepted", "closed"},
			"forwarded":         {"answered", "escalated_street"},
			"answered":          {"confirmed", "escalated_street"},
			"escalated_street":  {"escalated_housing", "closed"},
			"escalated_housing": {"closed"},
		}, func(from, to string) error {
			return (&Complaint{State: ComplaintState(from)}).CanTransition(ComplaintState(to))
		}},
		{"rectification", strs(RectificationStatuses), map[string][]string{
			"open":     {"reported", "overdue"},
			"overdue":  {"reported"},
			"reported": {"verified", "open"},
		}, func(from, to string) error {
			return (&Rectification{Status: RectificationStatus(from)}).CanTransition(RectificationStatus(to))
		}},
		{"resolution", strs(ResolutionStatuses), map[string][]string{
			"open":    {"done", "overdue"},
			"overdue": {"done"},
		}, func(from, to string) error {
			return (&Resolution{Status: ResolutionStatus(from)}).CanTransition(ResolutionStatus(to))
		}},
		{"committee", strs(FilingStatuses), map[string][]string{
			"submitted": {"filed", "returned"},
			"returned":  {"submitted"},
		}, func(from, to string) error {
			return (&OwnersCommittee{Status: FilingStatus(from)}).CanTransition(FilingStatus(to))
		}},
		{"appeal", strs(AppealStates), map[string][]string{
			"submitted": {"upheld", "rejected"},
		}, func(from, to string) error {
			return (&CreditAppeal{State: AppealState(from)}).CanTransition(AppealState(to))
		}},
	}
	for _, tb := range tables {
		for _, from := range tb.states {
			for _, to := range tb.states {
				err := tb.check(from, to)
				legal := slices.Contains(tb.legal[from], to)
				if legal != (err == nil) {
					t.Errorf("%s %s → %s: err %v, legal %v", tb.name, from, to, err, legal)
					continue
				}
				if legal {
					continue
				}
				if ErrorCode(err) != EConflict {
					t.Errorf("%s %s → %s: code %s", tb.name, from, to, ErrorCode(err))
				}
				cur, allowed, ok := TransitionDetail(err)
				if !ok || cur != from || !slices.Equal(slices.Sorted(slices.Values(allowed)), slices.Sorted(slices.Values(tb.legal[from]))) {
					t.Errorf("%s %s → %s: detail %q %v %v", tb.name, from, to, cur, allowed, ok)
				}
			}
		}
	}
}

func strs[S ~string](in []S) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = string(s)
	}
	return out
}

func TestComplaintActor(t *testing.T) {
	tests := []struct {
		from, to    ComplaintState
		act         Action
		complainant bool
	}{
		{ComplaintAccepted, ComplaintForwarded, ActionComplaintHandle, false},
		{ComplaintAccepted, ComplaintAwaitingInfo, ActionComplaintHandle, false},
		{ComplaintAccepted, ComplaintClosed, ActionComplaintHandle, false},
		{ComplaintAwaitingInfo, ComplaintAccepted, ActionComplaintSubmit, true},
		{ComplaintAwaitingInfo, ComplaintClosed, ActionComplaintHandle, false},
		{ComplaintForwarded, ComplaintAnswered, ActionComplaintAnswer, false},
		{ComplaintForwarded, ComplaintEscalatedStreet, ActionComplaintHandle, false},
		{ComplaintAnswered, ComplaintConfirmed, ActionComplaintSubmit, true},
		{ComplaintAnswered, ComplaintEscalatedStreet, ActionComplaintSubmit, true},
		{ComplaintEscalatedStreet, ComplaintClosed, ActionComplaintDecide, false},
		{ComplaintEscalatedStreet, ComplaintEscalatedHousing, ActionComplaintDecide, false},
		{ComplaintEscalatedHousing, ComplaintClosed, ActionComplaintDecide, false},
	}
	for _, tt := range tests {
		act, own := ComplaintActor(tt.from, tt.to)
		if act != tt.act || own != tt.complainant {
			t.Errorf("%s → %s: %s %v, want %s %v", tt.from, tt.to, act, own, tt.act, tt.complainant)
		}
	}
}

func TestComplaintMoveCheck(t *testing.T) {
	tests := []struct {
		name string
		from ComplaintState
		m    ComplaintMove
		bad  []string
	}{
		{"forward without text", ComplaintAccepted, ComplaintMove{To: ComplaintForwarded}, nil},
		{"ask for more without saying what", ComplaintAccepted, ComplaintMove{To: ComplaintAwaitingInfo, Text: " "}, []string{"text"}},
		{"answer", ComplaintForwarded, ComplaintMove{To: ComplaintAnswered, Text: "已安排保洁"}, nil},
		{"answer empty", ComplaintForwarded, ComplaintMove{To: ComplaintAnswered}, []string{"text"}},
		{"decide without verdict", ComplaintEscalatedStreet, ComplaintMove{To: ComplaintClosed, Text: "经核实"}, []string{"verdict"}},
		{"decide upheld", ComplaintEscalatedStreet, ComplaintMove{To: ComplaintClosed, Text: "经核实", Verdict: VerdictUpheld}, nil},
		{"verdict where none is due", ComplaintAccepted, ComplaintMove{To: ComplaintClosed, Text: "不属于物业", Verdict: VerdictUpheld}, []string{"verdict"}},
		{"unknown state", ComplaintAccepted, ComplaintMove{To: "gone"}, []string{"to"}},
		{"too long", ComplaintForwarded, ComplaintMove{To: ComplaintAnswered, Text: strings.Repeat("字", 2001)}, []string{"text"}},
	}
	for _, tt := range tests {
		if got := errFields(tt.m.Check(tt.from)); !slices.Equal(got, tt.bad) {
			t.Errorf("%s: fields %v, want %v", tt.name, got, tt.bad)
		}
	}
}

func TestScoreCredit(t *testing.T) {
	today := propDay(2026, 11, 29)
	rec := func(k CreditKind, pts int, recorded time.Time, opts ...func(*CreditRecord)) *CreditRecord {
		r := &CreditRecord{Kind: k, Points: pts, RecordedOn: recorded, ValidUntil: recorded.AddDate(1, 0, -1)}
		for _, o := range opts {
			o(r)
		}
		return r
	}
	withdrawn := func(r *CreditRecord) { r.Withdrawn = true }
	old := today.AddDate(-1, 0, 0) // valid until yesterday
	tests := []struct {
		name    string
		records []*CreditRecord
		want    CreditScore
	}{
		{"nothing", nil, CreditScore{Grade: GradeC}},
		{"base alone", []*CreditRecord{rec(CreditBaseRegistered, 70, today)}, CreditScore{Base: 70, Score: 70, Grade: GradeA, Counted: 1}},
		{"base capped at 80", []*CreditRecord{rec(CreditBaseRegistered, 70, today), rec(CreditBaseOther, 20, today)},
			CreditScore{Base: 80, Score: 80, Grade: GradeAA, Counted: 2}},
		{"good capped at 40", []*CreditRecord{rec(CreditBaseRegistered, 70, today), rec(CreditAward, 30, today), rec(CreditAward, 20, today)},
			CreditScore{Base: 70, Good: 40, Score: 110, Grade: GradeAAA, Counted: 3}},
		{"bad subtracts", []*CreditRecord{rec(CreditBaseRegistered, 70, today), rec(CreditBaseOther, 10, today),
			rec(CreditComplaintUpheld, 3, today), rec(CreditInspectionFailed, 3, today), rec(CreditRectificationLate, 5, today)},
			CreditScore{Base: 80, Bad: 11, Score: 69, Grade: GradeB, Counted: 5}},
		{"withdrawn and expired do not count", []*CreditRecord{rec(CreditBaseRegistered, 70, today),
			rec(CreditComplaintUpheld, 3, today, withdrawn), rec(CreditSeriousBreach, 50, old)},
			CreditScore{Base: 70, Score: 70, Grade: GradeA, Counted: 1}},
		{"not before it is recorded", []*CreditRecord{rec(CreditBaseRegistered, 70, today.AddDate(0, 0, 1))},
			CreditScore{Grade: GradeC}},
		{"never below zero", []*CreditRecord{rec(CreditSeriousBreach, 100, today)}, CreditScore{Bad: 100, Grade: GradeC, Counted: 1}},
	}
	for _, tt := range tests {
		if got := ScoreCredit(tt.records, today.Add(15*time.Hour)); got != tt.want {
			t.Errorf("%s: %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestGradeOf(t *testing.T) {
	tests := []struct {
		score int
		want  Grade
	}{{120, GradeAAA}, {85, GradeAAA}, {84, GradeAA}, {80, GradeAA}, {79, GradeA}, {70, GradeA}, {69, GradeB},
		{60, GradeB}, {59, GradeC}, {0, GradeC}}
	for _, tt := range tests {
		if got := GradeOf(tt.score); got != tt.want {
			t.Errorf("GradeOf(%d) = %s, want %s", tt.score, got, tt.want)
		}
	}
}

func TestRatingThreshold(t *testing.T) {
	tests := []struct {
		n, households int
		shown         bool
		needed        int
	}{
		{9, 50, false, 1}, {10, 50, true, 0}, {10, 100, true, 0}, {10, 101, false, 1}, {11, 101, true, 0},
		{0, 1000, false, 100}, {99, 1000, false, 1}, {100, 1000, true, 0}, {1, 1, false, 9},
	}
	for _, tt := range tests {
		if got := RatingShown(tt.n, tt.households); got != tt.shown {
			t.Errorf("RatingShown(%d, %d) = %v", tt.n, tt.households, got)
		}
		ratings := make([]*PropertyRating, tt.n)
		for i := range ratings {
			ratings[i] = &PropertyRating{Scores: map[RatingDimension]int{}}
			for _, d := range RatingDimensions {
				ratings[i].Scores[d] = 1 + i%5
			}
		}
		s := Summarize("e", "2026Q4", tt.households, ratings)
		if s.Shown != tt.shown || s.Needed != tt.needed || s.Count != tt.n {
			t.Errorf("Summarize(%d of %d) = shown %v needed %d", tt.n, tt.households, s.Shown, s.Needed)
		}
		// Below the threshold nothing of the scores leaks.
		if !s.Shown && (!math.IsNaN(s.Overall) || !math.IsNaN(s.Means[RateCleaning])) {
			t.Errorf("Summarize(%d of %d) shows %v %v", tt.n, tt.households, s.Overall, s.Means)
		}
	}
	// The means when shown.
	ratings := []*PropertyRating{}
	for i := range 10 {
		r := &PropertyRating{Scores: map[RatingDimension]int{}}
		for _, d := range RatingDimensions {
			r.Scores[d] = 5
		}
		if i < 5 {
			r.Scores[RateFees] = 3
		}
		ratings = append(ratings, r)
	}
	s := Summarize("e", "2026Q4", 100, ratings)
	if s.Means[RateFees] != 4 || s.Means[RateCleaning] != 5 || math.Abs(s.Overall-(5*5+4)/6.0) > 1e-9 {
		t.Errorf("means %v overall %v", s.Means, s.Overall)
	}
}

func TestRatingPeriods(t *testing.T) {
	at := time.Date(2026, 9, 30, 17, 0, 0, 0, time.UTC) // 1 October 01:00 in Shanghai
	tests := []struct {
		p    RatingPeriod
		want string
	}{{PeriodQuarter, "2026Q4"}, {PeriodHalf, "2026H2"}, {PeriodYear, "2026"}}
	for _, tt := range tests {
		key := tt.p.PeriodOf(at)
		if key != tt.want {
			t.Errorf("%s: %s, want %s", tt.p, key, tt.want)
		}
		start, end, ok := PeriodBounds(key)
		if !ok || at.Before(start) || !at.Before(end) {
			t.Errorf("%s bounds %v–%v do not hold %v", key, start, end, at)
		}
	}
	for _, bad := range []string{"", "2026Q5", "2026Q0", "2026H3", "20", "abcd", "2026X1", "1999", "2026Q44"} {
		if _, _, ok := PeriodBounds(bad); ok {
			t.Errorf("PeriodBounds(%q) accepted", bad)
		}
	}
}

func FuzzPeriodBounds(f *testing.F) {
	for _, s := range []string{"2026Q4", "2026H1", "2026", "2026Q", "9999Q9", "２０２６"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		start, end, ok := PeriodBounds(key)
		if !ok {
			return
		}
		if !end.After(start) || start.Day() != 1 {
			t.Fatalf("%q: %v–%v", key, start, end)
		}
		// The key is that of its own first day.
		var p RatingPeriod
		switch len(key) {
		case 4:
			p = PeriodYear
		default:
			p = map[byte]RatingPeriod{'Q': PeriodQuarter, 'H': PeriodHalf}[key[4]]
		}
		if got := p.PeriodOf(start); got != key {
			t.Fatalf("%q: first day is in %q", key, got)
		}
	})
}

func TestEstateValidate(t *testing.T) {
	now := time.Date(2026, 11, 29, 0, 0, 0, 0, Shanghai)
	lat, lng, nan := 30.63, 119.68, math.NaN()
	good := func() *Estate {
		return &Estate{Name: " 递铺花园 ", Community: "330523001002", Households: 320, Buildings: 12, YearBuilt: 1998,
			Mode: ModeCompany, Communities: []string{"330523001003", "330523001002", "330523001003"}}
	}
	tests := []struct {
		name string
		edit func(*Estate)
		bad  []string
	}{
		{"good", func(*Estate) {}, nil},
		{"located", func(e *Estate) { e.Lat, e.Lng = &lat, &lng }, nil},
		{"half a location", func(e *Estate) { e.Lat = &lat }, []string{"lat"}},
		{"NaN", func(e *Estate) { e.Lat, e.Lng = &nan, &lng }, []string{"lat"}},
		{"outside China", func(e *Estate) { l := 60.0; e.Lat, e.Lng = &l, &lng }, []string{"lat"}},
		{"short name", func(e *Estate) { e.Name = "花" }, []string{"name"}},
		{"township", func(e *Estate) { e.Community = "330523001" }, []string{"community_code"}},
		{"bad other", func(e *Estate) { e.Communities = []string{"33052300100x"} }, []string{"communities"}},
		{"no households", func(e *Estate) { e.Households = 0 }, []string{"households"}},
		{"too many buildings", func(e *Estate) { e.Buildings = 2001 }, []string{"buildings"}},
		{"built in the future", func(e *Estate) { e.YearBuilt = 2027 }, []string{"year_built"}},
		{"unknown year", func(e *Estate) { e.YearBuilt = 0 }, nil},
		{"no mode", func(e *Estate) { e.Mode = "" }, []string{"mode"}},
		{"everything", func(e *Estate) { *e = Estate{} }, []string{"community_code", "households", "mode", "name"}},
	}
	for _, tt := range tests {
		e := good()
		tt.edit(e)
		if got := errFields(e.Validate(now)); !slices.Equal(got, tt.bad) {
			t.Errorf("%s: fields %v, want %v", tt.name, got, tt.bad)
		}
	}
	e := good()
	if err := e.Validate(now); err != nil || e.Name != "递铺花园" || !slices.Equal(e.Communities, []string{"330523001003"}) {
		t.Errorf("normalized %q %v (%v)", e.Name, e.Communities, err)
	}
	if !e.InCommunity("330523001003") || !e.InCommunity("330523001") || e.InCommunity("330523001004") {
		t.Errorf("InCommunity wrong for %v", e.Communities)
	}
}

func TestCompanyAndContractValidate(t *testing.T) {
	c := &PropertyCompany{Name: "安吉绿城物业服务有限公司", CreditCode: companyCode("12345678"), Division: "330523",
		ContactPhone: "138 0013 8000"}
	if err := c.Validate(); err != nil || c.ContactPhone != "13800138000" {
		t.Fatalf("good company: %v %q", err, c.ContactPhone)
	}
	bad := &PropertyCompany{Name: "x", CreditCode: "91330523MA2B3C4D5X", Division: "330523001002", ContactPhone: "123"}
	if got := errFields(bad.Validate()); !slices.Equal(got, []string{"contact_phone", "credit_code", "division", "name"}) {
		t.Errorf("bad company fields %v", got)
	}
	start := propDay(2026, 1, 1)
	k := func() *PropertyContract {
		return &PropertyContract{EstateID: "e", CompanyID: "c", Start: start, End: start.AddDate(3, 0, -1), FeeFen: 150,
			Scope: "保洁、绿化、秩序维护、设施设备维护", Selection: SelectedByOwners}
	}
	tests := []struct {
		name string
		edit func(*PropertyContract)
		bad  []string
	}{
		{"good", func(*PropertyContract) {}, nil},
		{"ends before it starts", func(k *PropertyContract) { k.End = start }, []string{"end"}},
		{"longer than ten years", func(k *PropertyContract) { k.End = start.AddDate(10, 0, 1) }, []string{"end"}},
		{"free", func(k *PropertyContract) { k.FeeFen = 0 }, []string{"fee"}},
		{"too dear", func(k *PropertyContract) { k.FeeFen = MaxContractFeeFen + 1 }, []string{"fee"}},
		{"no scope", func(k *PropertyContract) { k.Scope = " " }, []string{"scope"}},
		{"how chosen", func(k *PropertyContract) { k.Selection = "lottery" }, []string{"selection"}},
	}
	for _, tt := range tests {
		x := k()
		tt.edit(x)
		if got := errFields(x.Validate()); !slices.Equal(got, tt.bad) {
			t.Errorf("contract %s: fields %v, want %v", tt.name, got, tt.bad)
		}
	}
	x := k()
	if !x.InForce(start) || !x.InForce(x.End.Add(23*time.Hour)) || x.InForce(start.Add(-time.Hour)) || x.InForce(x.End.AddDate(0, 0, 1)) {
		t.Error("InForce bounds wrong")
	}
	ended := start.AddDate(1, 0, 0)
	x.EndedOn = &ended
	if x.InForce(ended.AddDate(0, 0, 1)) || !x.InForce(ended) {
		t.Error("InForce ignores the early end")
	}
}

func TestCommitteeValidate(t *testing.T) {
	now := propDay(2026, 11, 29)
	members := func(n int) []CommitteeMember {
		out := make([]CommitteeMember, n)
		for i := range out {
			out[i] = CommitteeMember{ResidentID: string(rune('a' + i)), Post: OCMember}
		}
		if n > 0 {
			out[0].Post = OCDirector
		}
		return out
	}
	tests := []struct {
		name    string
		elected time.Time
		members []CommitteeMember
		bad     []string
	}{
		{"five", propDay(2024, 5, 1), members(5), nil},
		{"eleven", propDay(2024, 5, 1), members(11), nil},
		{"four", propDay(2024, 5, 1), members(4), []string{"members"}},
		{"six", propDay(2024, 5, 1), members(6), []string{"members"}},
		{"thirteen", propDay(2024, 5, 1), members(13), []string{"members"}},
		{"no director", propDay(2024, 5, 1), func() []CommitteeMember { m := members(5); m[0].Post = OCMember; return m }(), []string{"members"}},
		{"two directors", propDay(2024, 5, 1), func() []CommitteeMember { m := members(5); m[1].Post = OCDirector; return m }(), []string{"members"}},
		{"twice the same", propDay(2024, 5, 1), func() []CommitteeMember { m := members(5); m[2].ResidentID = m[1].ResidentID; return m }(), []string{"members"}},
		{"elected tomorrow", now.AddDate(0, 0, 1), members(5), []string{"elected_on"}},
	}
	for _, tt := range tests {
		c := &OwnersCommittee{EstateID: "e", ElectedOn: tt.elected, Members: tt.members}
		if got := errFields(c.Validate(now)); !slices.Equal(got, tt.bad) {
			t.Errorf("%s: fields %v, want %v", tt.name, got, tt.bad)
		}
	}
	c := &OwnersCommittee{EstateID: "e", ElectedOn: propDay(2024, 5, 1), Members: members(5), Status: FilingFiled}
	if err := c.Validate(now); err != nil || !c.TermEnd.Equal(propDay(2029, 4, 30)) {
		t.Fatalf("term end %v (%v)", c.TermEnd, err)
	}
	if !c.Current(now) || c.Current(propDay(2029, 5, 1)) || c.HasConcurrent() {
		t.Error("Current or HasConcurrent wrong")
	}
	c.Members[3].Concurrent = true
	if !c.HasConcurrent() {
		t.Error("兼任 member not seen")
	}
}

func TestInspectionScore(t *testing.T) {
	now := propDay(2026, 11, 29)
	in := func() *InspectionInput {
		return &InspectionInput{EstateID: "e", Day: now, Inspectors: "环境和物业管理委员会 张三、李四",
			Scores: map[string]int{"cleaning": 9, "greening": 8, "order": 7, "equipment": 8, "fire_lanes": 10, "waste_sorting": 6}}
	}
	got, err := in().Score(DefaultChecklist, now)
	if err != nil || got.Total != 48 || got.Max != 60 || !got.Passed() {
		t.Fatalf("passing inspection: %+v %v", got, err)
	}
	x := in()
	x.Scores["fire_lanes"] = 3
	if _, err := x.Score(DefaultChecklist, now); !slices.Equal(errFields(err), []string{"note.fire_lanes"}) {
		t.Errorf("a failed item without a finding: %v", err)
	}
	x.Notes = map[string]string{"fire_lanes": "3号楼消防通道堆放杂物"}
	got, err = x.Score(DefaultChecklist, now)
	if err != nil || got.Passed() || !got.Items[4].Failed() || got.Items[4].Note != "3号楼消防通道堆放杂物" {
		t.Errorf("failed inspection: %+v %v", got, err)
	}
	y := in()
	delete(y.Scores, "order")
	y.Scores["parking"] = 5
	y.Scores["greening"] = 11
	y.Day = now.AddDate(0, 0, 1)
	if got := errFields(mustErr(y.Score(DefaultChecklist, now))); !slices.Equal(got, []string{"day", "score.greening", "score.order", "score.parking"}) {
		t.Errorf("bad inspection fields %v", got)
	}
}

func mustErr(_ *Inspection, err error) error { return err }

func TestMeetingValidate(t *testing.T) {
	now := propDay(2026, 11, 29)
	m := func() *JointMeeting {
		return &JointMeeting{Community: "330523001002", Day: now.AddDate(0, 0, -3), Agenda: "电梯维修与停车管理",
			Minutes: "各方通报情况并形成决议。", Parties: []MeetingParty{{Kind: PartyCPC, Name: "社区党委"},
				{Kind: PartyRC, Name: "居委会"}, {Kind: PartyCompany, Name: "物业", CompanyID: "c"}},
			Resolutions: []*Resolution{{Text: "两周内完成电梯维修", Owner: PartyCompany, DueOn: now.AddDate(0, 0, 14)}}}
	}
	tests := []struct {
		name string
		edit func(*JointMeeting)
		bad  []string
	}{
		{"good", func(*JointMeeting) {}, nil},
		{"one kind of party", func(m *JointMeeting) { m.Parties = m.Parties[:1] }, []string{"parties", "resolutions"}},
		{"company party without company", func(m *JointMeeting) { m.Parties[2].CompanyID = "" }, []string{"parties"}},
		{"owner not present", func(m *JointMeeting) { m.Resolutions[0].Owner = PartyPolice }, []string{"resolutions"}},
		{"due before the meeting", func(m *JointMeeting) { m.Resolutions[0].DueOn = m.Day }, []string{"resolutions"}},
		{"held tomorrow", func(m *JointMeeting) { m.Day = now.AddDate(0, 0, 1) }, []string{"day"}},
		{"no minutes", func(m *JointMeeting) { m.Minutes = "" }, []string{"minutes"}},
		{"follow-up twice", func(m *JointMeeting) {
			m.FollowUps = []MeetingFollowUp{{ResolutionID: "r", Note: "已完成"}, {ResolutionID: "r", Note: "again"}}
		}, []string{"follow_ups"}},
	}
	for _, tt := range tests {
		x := m()
		tt.edit(x)
		if got := errFields(x.Validate(now)); !slices.Equal(got, tt.bad) {
			t.Errorf("%s: fields %v, want %v", tt.name, got, tt.bad)
		}
	}
}

func TestManualRecordAndSettings(t *testing.T) {
	now := propDay(2026, 11, 29)
	tests := []struct {
		name string
		m    ManualRecord
		bad  []string
	}{
		{"award", ManualRecord{Kind: CreditAward, Points: 5, Note: "获评县级优秀物业项目"}, nil},
		{"award too big", ManualRecord{Kind: CreditAward, Points: 41, Note: "获评县级优秀物业项目"}, []string{"points"}},
		{"breach", ManualRecord{Kind: CreditSeriousBreach, Points: 100, Note: "擅自撤离服务区域"}, nil},
		{"automatic kind", ManualRecord{Kind: CreditComplaintUpheld, Points: 3, Note: "投诉成立"}, []string{"kind"}},
		{"no note", ManualRecord{Kind: CreditAward, Points: 5}, []string{"note"}},
		{"valid until yesterday", ManualRecord{Kind: CreditAward, Points: 5, Note: "获评县级优秀物业项目",
			ValidUntil: func() *time.Time { d := now.AddDate(0, 0, -1); return &d }()}, []string{"valid_until"}},
	}
	for _, tt := range tests {
		if got := errFields(tt.m.Validate(now)); !slices.Equal(got, tt.bad) {
			t.Errorf("%s: fields %v, want %v", tt.name, got, tt.bad)
		}
	}
	st := DefaultPropertySettings("330523")
	if err := st.Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	st.Checklist = append(st.Checklist, ChecklistItem{Key: "cleaning", Name: "重复", Max: 10, Pass: 11})
	st.Points[CreditComplaintUpheld] = 101
	st.AlertDays = 3
	st.County = "3305"
	if got := errFields(st.Validate()); !slices.Equal(got, []string{"alert_days", "checklist", "county", "points.complaint_upheld"}) {
		t.Errorf("bad settings fields %v", got)
	}
}

func TestDaysUntil(t *testing.T) {
	now := time.Date(2026, 11, 29, 23, 30, 0, 0, Shanghai)
	if got := DaysUntil(now, propDay(2027, 2, 27)); got != 90 {
		t.Errorf("DaysUntil = %d, want 90", got)
	}
	if got := DaysUntil(now, propDay(2026, 11, 28)); got != -1 {
		t.Errorf("DaysUntil = %d, want -1", got)
	}
}
