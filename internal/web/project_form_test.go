package web

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"shequ"
	"shequ/internal/i18n"
)

// postedProjectForm is the request of a form post with values.
func postedProjectForm(t testing.TB, v url.Values) *projectForm {
	r := httptest.NewRequest("POST", "/projects", strings.NewReader(v.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if err := r.ParseForm(); err != nil {
		t.Fatal(err)
	}
	return readProjectForm(r)
}

// validProjectValues is a complete design as the form posts it.
func validProjectValues() url.Values {
	return url.Values{"community_code": {"330523001002"}, "need_ids": {"0190a6d2-0000-7000-8000-000000000001"},
		"title": {"银龄陪伴"}, "target_group": {"独居老人"}, "objectives": {"每周探访"}, "participants": {"300"},
		"budget": {"50,000.00"}, "period_start": {"2099-01-01"}, "period_end": {"2099-06-30"}, "bid_deadline": {"2098-12-20T17:00"},
		"milestone_name": {"中期", "", "结项前"}, "milestone_due": {"2099-03-31", "", "2099-06-01"},
		"milestone_measure": {"participants", "participants", "activities"}, "milestone_target": {"150", "", "6"},
		"criterion_name": {"服务方案", "团队配置", "服务创新", "报价", ""}, "criterion_weight": {"40", "25", "15", "20", ""},
		"weight_residents": {"50"}, "weight_community": {"25"}, "weight_third_party": {"25"}, "objection_days": {"5"}}
}

// TestProjectFormRows: blank rows are ignored, default criteria are
// recognised by their labels, and each bad row or sum is a field error.
func TestProjectFormRows(t *testing.T) {
	c, err := i18n.New()
	if err != nil {
		t.Fatal(err)
	}
	l := c.Localizer("zh-CN")
	parse := func(v url.Values) (*shequ.Project, error) {
		var fe shequ.FieldErrors
		p := postedProjectForm(t, v).request(l, &fe).project(&fe)
		if err := p.Validate(); err != nil {
			fe = append(fe, shequ.AsError(err).Fields...)
		}
		return p, fe.Err()
	}
	p, err := parse(validProjectValues())
	if err != nil {
		t.Fatalf("valid form: %v", err)
	}
	if len(p.Milestones) != 2 || p.Milestones[1].Measure != shequ.MeasureActivities || len(p.Criteria) != 4 ||
		p.Criteria[0].Key != "plan" || p.Criteria[2].Key != "服务创新" || p.Criteria[3].Key != "price" ||
		p.Weights != (shequ.EvalWeights{Residents: 50, Community: 25, ThirdParty: 25}) || p.BudgetFen != 5_000_000 {
		t.Fatalf("parsed %+v", p)
	}
	tests := []struct {
		name, field string
		set         map[string][]string
	}{
		{"criteria sum", "criteria", map[string][]string{"criterion_weight": {"40", "25", "15", "30", ""}}},
		{"criterion weight not a number", "criteria", map[string][]string{"criterion_weight": {"40", "25", "x", "20", ""}}},
		{"duplicate criterion", "criteria", map[string][]string{"criterion_name": {"服务方案", "plan", "服务创新", "报价", ""}}},
		{"all criteria blank", "criteria", map[string][]string{"criterion_name": {"", ""}, "criterion_weight": {"", ""}}},
		{"weights sum", "weights", map[string][]string{"weight_third_party": {"30"}}},
		{"weight not a number", "weights", map[string][]string{"weight_community": {"二十五"}}},
		{"milestone without a day", "milestones", map[string][]string{"milestone_due": {"", "", "2099-06-01"}}},
		{"milestone outside the period", "milestones", map[string][]string{"milestone_due": {"2100-01-01", "", "2099-06-01"}}},
		{"milestone target", "milestones", map[string][]string{"milestone_target": {"0", "", "6"}}},
		{"indicator not a number", "indicators", map[string][]string{"participants": {"三百"}}},
		{"budget", "budget", map[string][]string{"budget": {"五万"}}},
	}
	for _, tt := range tests {
		v := validProjectValues()
		for k, x := range tt.set {
			v[k] = x
		}
		_, err := parse(v)
		e := shequ.AsError(err)
		found := false
		for _, f := range e.Fields {
			found = found || f.Field == tt.field
		}
		if err == nil || !found {
			t.Errorf("%s: %v, want a %s field error", tt.name, err, tt.field)
		}
	}
}

// FuzzProjectForm: any posted rows parse without panicking, and a design
// that validates has criteria and weights summing to 100.
func FuzzProjectForm(f *testing.F) {
	c, err := i18n.New()
	if err != nil {
		f.Fatal(err)
	}
	l := c.Localizer("zh-CN")
	f.Add("服务方案", "40", "报价", "60", "40", "30", "30", "中期", "2099-03-01", "5")
	f.Add("", "", "x", "-1", "", "", "", "", "", "")
	f.Add("plan", "100", "plan", "0", "100", "0", "0", "a", "2099-13-40", "999999999999999999999")
	f.Fuzz(func(t *testing.T, n1, w1, n2, w2, wr, wc, wt, mn, md, mt string) {
		v := validProjectValues()
		v["criterion_name"], v["criterion_weight"] = []string{n1, n2}, []string{w1, w2}
		v["weight_residents"], v["weight_community"], v["weight_third_party"] = []string{wr}, []string{wc}, []string{wt}
		v["milestone_name"], v["milestone_due"], v["milestone_target"] = []string{mn}, []string{md}, []string{mt}
		var fe shequ.FieldErrors
		p := postedProjectForm(t, v).request(l, &fe).project(&fe)
		if p.Validate() != nil || fe.Err() != nil {
			return
		}
		sum := 0
		for _, c := range p.Criteria {
			sum += c.Weight
		}
		if w := p.Weights; sum != 100 || w.Residents+w.Community+w.ThirdParty != 100 {
			t.Errorf("valid design with criteria %v and weights %+v", p.Criteria, p.Weights)
		}
	})
}
