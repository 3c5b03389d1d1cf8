package register

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"shequ"
	"shequ/internal/i18n"
)

var now = time.Date(2026, 11, 29, 10, 0, 0, 0, shequ.Shanghai)

// labels gives the catalogue's labels of a key, as the web and the console
// pass them.
var labels = func() func(string) []string {
	cat, err := i18n.New()
	if err != nil {
		panic(err)
	}
	return func(key string) []string {
		var out []string
		for _, lang := range cat.Languages() {
			if t := cat.Localizer(lang).T(key); t != key {
				out = append(out, t)
			}
		}
		return out
	}
}()

func credit(head, body string) string {
	s := head + body + string(shequ.OrgCodeCheckChar(body))
	return s + string(shequ.CreditCheckChar(s))
}

func validID(first17 string) string { return first17 + string(shequ.IDCheckChar(first17)) }

// lineFields renders the errors as "line:field,field" for comparison.
func lineFields(errs []RowError) []string {
	var out []string
	for _, e := range errs {
		var f []string
		for _, x := range e.Fields {
			f = append(f, x.Field)
		}
		out = append(out, strings.Join(append([]string{string(rune('0' + e.Line))}, f...), ":"))
	}
	return out
}

func TestParseOrgs(t *testing.T) {
	in := "名称,类型,社区代码,法律状态,统一社会信用代码,备案街道,孵化单位,评估等级,评定日期,状态,负责人电话\n" +
		"桃园老年协会,养老照护,330523001002,登记," + credit("51330523", "MJ123456") + ",,,3A,2025-06-01,活跃,13857200001\n" +
		"夕阳红舞蹈队,culture_sports,330523001002,备案,,330523001,,,,,\n" +
		"邻里互助社,为民服务,330523001002,孵化中,,,安吉县社会组织服务中心,,,休眠,\n" +
		"坏代码协会,公益慈善,330523001002,登记,91350100M000100Y44,,,,,,\n" + // wrong check character
		"无类型,游泳,330523001002,登记," + credit("51330523", "MJ654321") + ",,,,,,\n" + // unknown kind
		"别处备案,harmony,330523001002,filed,,330522001,,,,,\n" // filed with another township
	f, err := Orgs.Parse(strings.NewReader(in), "orgs.csv", ImportOptions{Now: now, Labels: labels})
	if err != nil {
		t.Fatal(err)
	}
	if f.Total != 6 || len(f.Records) != 3 {
		t.Fatalf("total %d orgs %d errors %+v", f.Total, len(f.Records), f.Errors)
	}
	if o := f.Records[0]; o.Kind != shequ.OrgElderlyCare || o.Grade != 3 || o.GradedOn == nil || o.LeaderPhone != "13857200001" || o.Status != shequ.OrgActive {
		t.Errorf("first org %+v", o)
	}
	if o := f.Records[2]; o.Status != shequ.OrgDormant || o.LegalStatus != shequ.LegalIncubating {
		t.Errorf("third org %+v", o)
	}
	if diff := cmp.Diff([]string{"5:credit_code", "6:kind", "7:filed_with"}, lineFields(f.Errors)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

func TestParseWorkers(t *testing.T) {
	a, b := validID("33052319850101002"), validID("33052319900101003")
	in := "姓名,身份证号,职业资格,证书编号,取证年份,学历,单位类型,工作单位,社区代码,服务功能,服务领域\n" +
		"王社工," + a + ",社会工作师,ZJ2019001,2019,本科,社区,,330523001002,精神慰藉、资源链接,社区照顾\n" +
		"李社工," + b + ",无,,,大专,其他,安吉县社工站,330523001002,,\n" +
		"重复," + a + ",无,,,,其他,某单位,330523001002,,\n" + // duplicate ID number
		"无证," + validID("33052319950101004") + ",助理社会工作师,,,,社区,,330523001002,,\n" + // certified without certificate
		"坏功能," + validID("33052319960101005") + ",无,,,,社区,,330523001002,跳舞,\n"
	f, err := Workers.Parse(strings.NewReader(in), "workers.csv", ImportOptions{Now: now, Labels: labels})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Records) != 2 || f.Total != 5 {
		t.Fatalf("workers %d total %d errors %+v", len(f.Records), f.Total, f.Errors)
	}
	w := f.Records[0]
	if w.Qualification != shequ.QualSocial || w.Education != shequ.EduBachelor || len(w.Functions) != 2 || w.Areas[0] != shequ.AreaCare {
		t.Errorf("first worker %+v", w)
	}
	if diff := cmp.Diff([]string{"4:id_number", "5:cert_number", "6:functions"}, lineFields(f.Errors)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

func TestHeaders(t *testing.T) {
	if _, err := Orgs.Parse(strings.NewReader("名称,类型\n"), "a.csv", ImportOptions{Labels: labels}); shequ.AsError(err).Key != "register.import.required" {
		t.Errorf("missing columns: %v", err)
	}
	if _, err := Workers.Parse(strings.NewReader("姓名,颜色\n"), "a.csv", ImportOptions{Now: now, Labels: labels}); shequ.AsError(err).Key != "register.import.column" {
		t.Errorf("unknown column: %v", err)
	}
}

func FuzzParseOrgs(f *testing.F) {
	f.Add("name,kind,community_code,legal_status\n甲,charity,330523001002,incubating\n")
	f.Fuzz(func(t *testing.T, in string) {
		o, err := Orgs.Parse(strings.NewReader(in), "f.csv", ImportOptions{Now: now, Labels: labels})
		if err != nil {
			if shequ.ErrorCode(err) != shequ.EInvalid {
				t.Fatalf("non-validation error %v", err)
			}
			return
		}
		if len(o.Records)+len(o.Errors) != o.Total {
			t.Fatalf("orgs %d + errors %d != %d", len(o.Records), len(o.Errors), o.Total)
		}
		for _, x := range o.Records {
			if x.Validate() != nil {
				t.Fatalf("accepted invalid org %+v", x)
			}
		}
	})
}
