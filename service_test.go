package shequ

import (
	"testing"
	"time"
)

// testNow is the clock of the form checks.
var testNow = time.Date(2026, 11, 29, 10, 0, 0, 0, Shanghai)

func ptrTo[T any](v T) *T { return &v }

func formItem() *ServiceItem {
	return &ServiceItem{Code: "T-1", Name: "测试", Department: "民政局", Category: "民政", TimeLimitDays: 3,
		Channels: []Channel{ChannelOnline}, Active: true,
		Form: []FormField{
			{Code: "name", Label: "姓名", Type: FieldString, Required: true, Order: 1},
			{Code: "count", Label: "人数", Type: FieldNumber, Order: 2, Min: ptrTo(0.0), Max: ptrTo(1000.0)},
			{Code: "when", Label: "时间", Type: FieldDatetime, Order: 3},
			{Code: "note", Label: "说明", Type: FieldText, Order: 4},
			{Code: "kind", Label: "类型", Type: FieldSingleChoice, Order: 5, Choices: []Choice{{"a", "甲"}, {"b", "乙"}}},
			{Code: "days", Label: "日期", Type: FieldMultipleChoice, Order: 6, Choices: []Choice{{"mon", "周一"}, {"tue", "周二"}}},
		}}
}

func TestCheckValues(t *testing.T) {
	it := formItem()
	if err := it.Validate(); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   map[string][]string
		bad  []string // fields with errors
		want map[string][]string
	}{
		{"minimal", map[string][]string{"name": {" 张三 "}}, nil, map[string][]string{"name": {"张三"}}},
		{"missing required", map[string][]string{}, []string{"attribute[name]"}, nil},
		{"all types", map[string][]string{"name": {"李四"}, "count": {"3.50"}, "when": {"2026-11-29 09:30"},
			"note": {"多行\n文本"}, "kind": {"b"}, "days": {"tue", "mon"}}, nil,
			map[string][]string{"name": {"李四"}, "count": {"3.5"}, "when": {"2026-11-29T01:30:00Z"},
				"note": {"多行\n文本"}, "kind": {"b"}, "days": {"mon", "tue"}}},
		{"bad number", map[string][]string{"name": {"x"}, "count": {"three"}}, []string{"attribute[count]"}, nil},
		{"NaN", map[string][]string{"name": {"x"}, "count": {"NaN"}}, []string{"attribute[count]"}, nil},
		{"bad date", map[string][]string{"name": {"x"}, "when": {"明天"}}, []string{"attribute[when]"}, nil},
		{"unknown choice", map[string][]string{"name": {"x"}, "kind": {"c"}}, []string{"attribute[kind]"}, nil},
		{"two for single", map[string][]string{"name": {"x"}, "kind": {"a", "b"}}, []string{"attribute[kind]"}, nil},
		{"newline in string", map[string][]string{"name": {"a\nb"}}, []string{"attribute[name]"}, nil},
		{"unknown field", map[string][]string{"name": {"x"}, "zzz": {"1"}}, []string{"attribute[zzz]"}, nil},
		{"every error at once", map[string][]string{"count": {"x"}, "kind": {"z"}},
			[]string{"attribute[name]", "attribute[count]", "attribute[kind]"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := it.CheckValues(tt.in, testNow)
			if len(tt.bad) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != len(tt.want) {
					t.Fatalf("got %v, want %v", got, tt.want)
				}
				for k, v := range tt.want {
					if len(got[k]) != len(v) {
						t.Fatalf("%s: got %v, want %v", k, got[k], v)
					}
					for i := range v {
						if got[k][i] != v[i] {
							t.Errorf("%s: got %v, want %v", k, got[k], v)
						}
					}
				}
				return
			}
			e := AsError(err)
			fields := map[string]bool{}
			for _, f := range e.Fields {
				fields[f.Field] = true
			}
			for _, f := range tt.bad {
				if !fields[f] {
					t.Errorf("no error on %s (got %v)", f, fields)
				}
			}
			if len(fields) != len(tt.bad) {
				t.Errorf("errors on %v, want %v", fields, tt.bad)
			}
		})
	}
}

func TestServiceItemValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*ServiceItem)
		field string
	}{
		{"ok", func(*ServiceItem) {}, ""},
		{"code", func(it *ServiceItem) { it.Code = "a b" }, "code"},
		{"time limit", func(it *ServiceItem) { it.TimeLimitDays = 0 }, "time_limit_days"},
		{"channel", func(it *ServiceItem) { it.Channels = []Channel{"fax"} }, "channels"},
		{"fee", func(it *ServiceItem) { it.FeeFen = -1 }, "fee_fen"},
		{"choices on string", func(it *ServiceItem) { it.Form[0].Choices = []Choice{{"a", "甲"}} }, "form"},
		{"no choices", func(it *ServiceItem) { it.Form[4].Choices = nil }, "form"},
		{"duplicate code", func(it *ServiceItem) { it.Form[1].Code = "name" }, "form"},
		{"division", func(it *ServiceItem) { it.Divisions = []string{"12345"} }, "divisions"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			it := formItem()
			tt.edit(it)
			err := it.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			for _, f := range AsError(err).Fields {
				if f.Field == tt.field {
					return
				}
			}
			t.Errorf("no error on %s: %v", tt.field, err)
		})
	}
}

func TestRequestTransitions(t *testing.T) {
	all := RequestStates
	allowed := map[[2]RequestState]bool{}
	for _, p := range [][2]RequestState{
		{RequestSubmitted, RequestAccepted}, {RequestSubmitted, RequestRefused},
		{RequestAccepted, RequestInProcess}, {RequestAccepted, RequestAwaitingMaterials}, {RequestAccepted, RequestTransferred},
		{RequestInProcess, RequestAwaitingMaterials}, {RequestInProcess, RequestTransferred}, {RequestInProcess, RequestCompleted},
		{RequestAwaitingMaterials, RequestInProcess}, {RequestTransferred, RequestInProcess},
		{RequestCompleted, RequestRated}, {RequestCompleted, RequestClosed}, {RequestRated, RequestClosed},
		{RequestRefused, RequestClosed},
	} {
		allowed[p] = true
	}
	for _, from := range all {
		for _, to := range all {
			r := &ServiceRequest{State: from}
			err := r.CanTransition(to)
			if allowed[[2]RequestState{from, to}] != (err == nil) {
				t.Errorf("%s → %s: %v", from, to, err)
			}
			if err != nil && (ErrorCode(err) != EConflict || AsError(err).Data["From"] != Label{"request.state", string(from)}) {
				t.Errorf("%s → %s: error %v does not name the current state", from, to, err)
			}
		}
	}
}

func TestTransitionInputCheck(t *testing.T) {
	tests := []struct {
		to    RequestState
		in    TransitionInput
		field string
	}{
		{RequestRefused, TransitionInput{}, "reason"},
		{RequestRefused, TransitionInput{Reason: "不符合条件"}, ""},
		{RequestAwaitingMaterials, TransitionInput{Missing: []string{" "}}, "missing"},
		{RequestAwaitingMaterials, TransitionInput{Missing: []string{"户口簿"}}, ""},
		{RequestTransferred, TransitionInput{}, "department"},
		{RequestCompleted, TransitionInput{}, "result"},
		{RequestRated, TransitionInput{Rating: 0}, "rating"},
		{RequestRated, TransitionInput{Rating: 5}, ""},
		{RequestAccepted, TransitionInput{}, ""},
	}
	for _, tt := range tests {
		err := tt.in.Check(tt.to)
		if (tt.field == "") != (err == nil) || err != nil && AsError(err).Fields[0].Field != tt.field {
			t.Errorf("%s %+v: %v, want error on %q", tt.to, tt.in, err, tt.field)
		}
	}
}

func TestDueDatesAndPause(t *testing.T) {
	cal := NewCalendar([]CalendarDay{{Date: time.Date(2026, 10, 1, 0, 0, 0, 0, Shanghai), Kind: DayHoliday}})
	// Filed Wednesday 2026-09-30: three working days skip the 10-01 holiday
	// and the weekend.
	filed := time.Date(2026, 9, 30, 10, 0, 0, 0, Shanghai)
	due := DueDate(cal, filed, 3)
	if want := time.Date(2026, 10, 6, 23, 59, 59, 999999999, Shanghai); !due.Equal(want) {
		t.Fatalf("due %v, want %v", due, want)
	}
	// Paused Friday 10-02, resumed Tuesday 10-06: two working days waited.
	paused := time.Date(2026, 10, 2, 9, 0, 0, 0, Shanghai)
	resumed := time.Date(2026, 10, 6, 9, 0, 0, 0, Shanghai)
	if got, want := Resume(cal, due, paused, resumed), time.Date(2026, 10, 8, 23, 59, 59, 999999999, Shanghai); !got.Equal(want) {
		t.Errorf("resumed due %v, want %v", got, want)
	}
	r := &ServiceRequest{State: RequestInProcess, DueAt: due}
	if r.Overdue(due.Add(-time.Hour)) || !r.Overdue(due.Add(time.Hour)) {
		t.Error("overdue flag")
	}
	if !r.DueSoon(cal, due.Add(-24*time.Hour)) || r.DueSoon(cal, due.Add(-10*24*time.Hour)) {
		t.Error("due-soon flag")
	}
	r.PausedAt = &paused
	if r.Overdue(due.Add(time.Hour)) {
		t.Error("paused request counted overdue")
	}
}

func TestDelegationStates(t *testing.T) {
	now := time.Date(2026, 11, 29, 0, 0, 0, 0, Shanghai)
	d := &Delegation{State: DelegationActive, Items: []string{"A"}, ValidFrom: now, ValidUntil: now.Add(48 * time.Hour)}
	if !d.Covers("A", now.Add(time.Hour)) || d.Covers("B", now.Add(time.Hour)) || d.Covers("A", now.Add(72*time.Hour)) {
		t.Error("covers")
	}
	if d.Effective(now.Add(72*time.Hour)) != DelegationExpired {
		t.Error("expiry")
	}
	if err := d.CanTransition(DelegationRevoked, now.Add(72*time.Hour)); ErrorCode(err) != EConflict {
		t.Errorf("revoke expired: %v", err)
	}
	for _, tt := range []struct {
		from, to DelegationState
		ok       bool
	}{
		{DelegationRequested, DelegationActive, true}, {DelegationRequested, DelegationRevoked, true},
		{DelegationActive, DelegationCompleted, true}, {DelegationActive, DelegationRevoked, true},
		{DelegationRevoked, DelegationActive, false}, {DelegationCompleted, DelegationRevoked, false},
		{DelegationRequested, DelegationCompleted, false},
	} {
		d := &Delegation{State: tt.from, ValidUntil: now.Add(time.Hour)}
		if err := d.CanTransition(tt.to, now); (err == nil) != tt.ok {
			t.Errorf("%s → %s: %v", tt.from, tt.to, err)
		}
	}
}

func FuzzCheckValues(f *testing.F) {
	f.Add("张三", "3", "2026-11-29", "a", "mon")
	f.Add("", "1e400", "x", "", "zzz")
	it := formItem()
	f.Fuzz(func(t *testing.T, name, count, when, kind, day string) {
		in := map[string][]string{"name": {name}, "count": {count}, "when": {when}, "kind": {kind}, "days": {day, day}}
		out, err := it.CheckValues(in, testNow)
		if err != nil {
			if ErrorCode(err) != EInvalid || len(AsError(err).Fields) == 0 {
				t.Fatalf("error without fields: %v", err)
			}
			return
		}
		// Normalized values check again to themselves.
		again, err := it.CheckValues(out, testNow)
		if err != nil {
			t.Fatalf("normalized %v fails: %v", out, err)
		}
		for k, v := range out {
			if len(again[k]) != len(v) || again[k][0] != v[0] {
				t.Fatalf("not idempotent on %s: %v then %v", k, v, again[k])
			}
		}
	})
}

// TestFormBounds: a number field states its range and a date-time field
// may be bounded to the past or the future (issue 14: a 家庭人口数 of -1 was
// accepted).
func TestFormBounds(t *testing.T) {
	it := &ServiceItem{Code: "T-2", Name: "测试", Department: "民政局", Category: "民政", TimeLimitDays: 3,
		Channels: []Channel{ChannelOnline}, Active: true,
		Form: []FormField{
			{Code: "household_size", Label: "家庭人口数", Type: FieldNumber, Required: true, Order: 1, Min: ptrTo(1.0), Max: ptrTo(50.0), Integer: true},
			{Code: "income", Label: "月收入", Type: FieldNumber, Order: 2, Min: ptrTo(0.0), Max: ptrTo(1e6)},
			{Code: "born", Label: "出生时间", Type: FieldDatetime, Order: 3, When: WhenPast},
			{Code: "visit", Label: "上门时间", Type: FieldDatetime, Order: 4, When: WhenFuture},
		}}
	if err := it.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		field, value, key string // key "" accepted
	}{
		{"household_size", "3", ""},
		{"household_size", "-1", "service.value.range"},
		{"household_size", "0", "service.value.range"},
		{"household_size", "51", "service.value.range"},
		{"household_size", "2.5", "service.value.integer"},
		{"household_size", "1e3", "service.value.range"},
		{"income", "-0.01", "service.value.range"},
		{"income", "3500.5", ""},
		{"born", "1980-05-12", ""},
		{"born", "2027-01-01", "service.value.past"},
		{"born", "1870-01-01", "service.value.invalid.datetime"}, // before 1900: any field
		{"visit", "2026-11-29 08:00", ""},                        // earlier today is still today
		{"visit", "2026-11-28 23:00", "service.value.future"},
		{"visit", "2029-01-01", "service.value.future"},
		{"visit", "2027-06-01T09:00:00+08:00", ""},
	} {
		in := map[string][]string{"household_size": {"2"}, tt.field: {tt.value}}
		_, err := it.CheckValues(in, testNow)
		got := ""
		for _, f := range AsError(err).Fields {
			if f.Field == FieldKey(tt.field) {
				got = f.Key
			}
		}
		if err == nil {
			got = ""
		}
		if got != tt.key {
			t.Errorf("%s=%s: %q (%v), want %q", tt.field, tt.value, got, err, tt.key)
		}
	}
	// The form itself: a number without a range, a range elsewhere, a bad
	// When are refused by Validate.
	for _, f := range []FormField{
		{Code: "n", Label: "数", Type: FieldNumber, Order: 1},
		{Code: "n", Label: "数", Type: FieldNumber, Order: 1, Min: ptrTo(5.0), Max: ptrTo(1.0)},
		{Code: "s", Label: "文", Type: FieldString, Order: 1, Min: ptrTo(0.0), Max: ptrTo(1.0)},
		{Code: "s", Label: "文", Type: FieldString, Order: 1, Integer: true},
		{Code: "d", Label: "时", Type: FieldDatetime, Order: 1, When: "soon"},
		{Code: "s", Label: "文", Type: FieldString, Order: 1, When: WhenPast},
	} {
		bad := &ServiceItem{Code: "T-3", Name: "测试", Department: "民政局", Category: "民政", TimeLimitDays: 3,
			Channels: []Channel{ChannelOnline}, Form: []FormField{f}}
		if err := bad.Validate(); err == nil {
			t.Errorf("form field %+v accepted", f)
		}
	}
}
