package web

import (
	"html/template"
	"strings"
	"testing"

	"shequ"
)

// TestRowsHTMLEscapes: the request rows, queue tabs and item options written outside
// the template escape every value as html/template would in element text
// and double-quoted attributes, and a plain row comes out as the template
// wrote it.
func TestRowsHTMLEscapes(t *testing.T) {
	plain := requestRow{R: &shequ.ServiceRequest{ID: "0190a1b2-0000-7000-8000-000000000001", Number: "330523-20261129-000001",
		ItemName: "高龄津贴申领"}, State: "办理中", Channel: "窗口", Due: "2026年12月10日", Flag: "overdue", FlagText: "已超期"}
	want := "\n<tr><td><input type=\"checkbox\" name=\"id\" value=\"0190a1b2-0000-7000-8000-000000000001\" aria-label=\"330523-20261129-000001\"></td>" +
		"<td class=\"code\"><a href=\"/requests/0190a1b2-0000-7000-8000-000000000001\">330523-20261129-000001</a></td>" +
		"<td>高龄津贴申领</td><td>办理中</td><td>窗口</td><td><span class=\"due\">2026年12月10日</span> <span class=\"flag flag-overdue\">已超期</span></td></tr>"
	if got := string(rowsHTML([]requestRow{plain}, true)); got != want {
		t.Errorf("plain row:\n got %q\nwant %q", got, want)
	}
	if got := string(rowsHTML([]requestRow{plain}, false)); strings.Contains(got, "checkbox") {
		t.Errorf("a resident's list has checkboxes: %q", got)
	}
	evil := `"><script>alert('x')</script>&`
	hostile := requestRow{R: &shequ.ServiceRequest{ID: evil, Number: evil, ItemName: evil}, State: evil, Channel: evil,
		Due: evil, Flag: evil, FlagText: evil}
	for name, out := range map[string]string{
		"rows":    string(rowsHTML([]requestRow{hostile}, true)),
		"options": string(optionsHTML([]itemOption{{Code: evil, Name: evil, Selected: true}})),
		"tabs":    string(tabsHTML([]queueTab{{State: shequ.RequestState(evil), Label: evil, URL: "/requests?state=" + evil}})),
	} {
		if strings.Contains(out, "<script") || strings.Contains(out, "'x'") || strings.Count(out, `"`)%2 != 0 {
			t.Errorf("%s: unescaped value in %q", name, out)
		}
		// What html/template makes of the same value in text.
		var b strings.Builder
		if err := template.Must(template.New("").Parse(`{{.}}`)).Execute(&b, evil); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, b.String()) {
			t.Errorf("%s: %q does not hold the template's escaping %q", name, out, b.String())
		}
	}
	tab := queueTab{State: shequ.RequestAccepted, Label: "已受理", Count: 12, URL: "/requests?service_code=MZ-001&state=accepted", Current: true}
	if got, want := string(tabsHTML([]queueTab{tab})), "\n<a href=\"/requests?service_code=MZ-001&amp;state=accepted\" id=\"tab-accepted\" "+
		"aria-current=\"page\">已受理 <span class=\"count\">12</span></a>"; got != want {
		t.Errorf("tab:\n got %q\nwant %q", got, want)
	}
	if got := string(optionsHTML([]itemOption{{Code: "MZ-001", Name: "最低生活保障申请"}, {Code: "MZ-002", Name: "临时救助申请", Selected: true}})); got !=
		`<option value="MZ-001">最低生活保障申请</option><option value="MZ-002" selected>临时救助申请</option>` {
		t.Errorf("options %q", got)
	}
}
