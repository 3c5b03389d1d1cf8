package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestTenthOrganization: adding the tenth active organization to an urban
// community flips it to meeting the target in the API, the page and the
// export, on both engines — through the real stores and the engine's refresh.
func TestTenthOrganization(t *testing.T) {
	engines(t, func(t *testing.T, dsn string) {
		const community = "330523001002"
		var b strings.Builder
		b.WriteString("名称,类型,社区代码,法律状态,备案街道\n")
		for i := 0; i < 9; i++ {
			fmt.Fprintf(&b, "第%d个组织,文体娱乐,%s,备案,330523001\n", i+1, community)
		}
		if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
			t.Fatalf("import divisions: %d %s%s", code, out, errs)
		}
		if code, out, errs := cli(t, nil, "import", "orgs", writeFile(t, "orgs.csv", b.String()), "-db", dsn); code != exitOK {
			t.Fatalf("import orgs: %d %s%s", code, out, errs)
		}
		official := apiClient{t: t, token: token(t, dsn, "official", "official", "330523")}
		official.base = startServer(t, dsn, "")

		meeting := func() float64 {
			t.Helper()
			code, m := official.do("GET", "/api/v1/indicators/"+community, nil)
			if code != 200 {
				t.Fatalf("indicators: %d %v", code, m)
			}
			orgs := m["social_orgs"].(map[string]any)
			return orgs["communities_meeting_target"].(map[string]any)["urban"].(float64)
		}
		if got := meeting(); got != 0 {
			t.Fatalf("with 9 organizations the community meets the target: %v", got)
		}
		page := func() string {
			req, _ := http.NewRequest("GET", official.base+"/indicators/"+community, nil)
			req.Header.Set("Authorization", "Bearer "+official.token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			return string(body)
		}
		if !strings.Contains(page(), `data-value="0.0%"`) {
			t.Errorf("page before: no 0.0%% attainment")
		}

		code, m := official.do("POST", "/api/v1/orgs", map[string]any{
			"name": "第10个组织", "kind": "charity", "community_code": community, "legal_status": "incubating",
			"incubator": "安吉县社会组织孵化中心", "status": "active",
		})
		if code != http.StatusCreated {
			t.Fatalf("create the tenth: %d %v", code, m)
		}
		if got := meeting(); got != 1 {
			t.Errorf("with 10 organizations: meeting = %v, want 1", got)
		}
		if !strings.Contains(page(), `data-value="100.0%"`) {
			t.Errorf("page after: no 100.0%% attainment")
		}
		req, _ := http.NewRequest("GET", official.base+"/indicators/"+community+".xlsx", nil)
		req.Header.Set("Authorization", "Bearer "+official.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		x, err := excelize.OpenReader(resp.Body)
		if err != nil {
			t.Fatalf("export: %v", err)
		}
		rows, _ := x.GetRows("概况")
		found := false
		for _, r := range rows {
			if len(r) >= 2 && r[0] == "城市社区达标率" {
				found = r[1] == "100.0%"
			}
		}
		if !found {
			t.Errorf("export does not say 100.0%%: %v", rows)
		}
	})
}
