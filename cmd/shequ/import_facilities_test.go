package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"

	"shequ"
	"shequ/internal/config"
	"shequ/internal/geo"
	"shequ/internal/sqlstore"
)

// storedFacilities lists the facilities in the database at dsn.
func storedFacilities(t *testing.T, dsn string) []*shequ.Facility {
	t.Helper()
	list, _, err := sqlstore.NewFacilityService(openTestDB(t, dsn)).FindFacilities(cliContext(context.Background()),
		shequ.FacilityFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func TestImportFacilities(t *testing.T) {
	engines(t, func(t *testing.T, dsn string) {
		if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
			t.Fatalf("divisions: %d %s%s", code, out, errs)
		}
		wgs := geo.Point{Lat: 30.6380, Lng: 119.6800}
		gcj := geo.WGSToGCJ(wgs)
		good := fmt.Sprintf("递铺街道综合服务中心,330523001002,社区综合服务中心,1200,%v,%v,,新建配建,2019-05-01,在用,8:30-17:00\n", gcj.Lat, gcj.Lng)
		header := "名称,社区代码,类型,建筑面积,纬度,经度,服务半径,来源,启用日期,状态,开放时间\n"
		bad := writeFile(t, "bad.csv", header+good+
			"玉华村服务站,,社区综合服务站,,,,,,,,\n"+ // line 3: no community, and no -community
			"景坞村卫生室,330523103203,卫生室,,30.5,,,,,,\n"+ // line 4: latitude alone
			"民乐村书屋,330523103204,图书馆,,,,,,2024-02-30,,\n") // line 5: kind and date
		errFile := writeFile(t, "errors.csv", "")
		code, out, errs := cli(t, nil, "import", "facilities", bad, "-db", dsn, "-errors", errFile)
		if code != exitError || !strings.Contains(out, "已导入 0 个服务设施") || !strings.Contains(errs, "有 3 行") {
			t.Errorf("bad file: %d\n%s%s", code, out, errs)
		}
		for _, want := range []string{"第 3 行", "社区代码", "第 4 行", "位置：纬度和经度须同时填写", "第 5 行", "类型：未知的设施类型", "启用日期"} {
			if !strings.Contains(errs, want) {
				t.Errorf("stderr lacks %q:\n%s", want, errs)
			}
		}
		if b, _ := os.ReadFile(errFile); !strings.HasPrefix(string(b), "line,reason\n3,") || strings.Count(string(b), "\n") != 4 {
			t.Errorf("errors file:\n%s", b)
		}
		if n := len(storedFacilities(t, dsn)); n != 0 {
			t.Fatalf("a bad file wrote %d facilities", n)
		}

		// A community the store does not know: refused on its line, nothing
		// written though the other line is good.
		unknown := writeFile(t, "unknown.csv", header+good+"某村服务站,330523199201,其他,,,,,,,,\n")
		code, out, errs = cli(t, nil, "import", "facilities", unknown, "-db", dsn)
		if code != exitError || !strings.Contains(errs, "第 3 行") || len(storedFacilities(t, dsn)) != 0 {
			t.Errorf("unknown community: %d\n%s%s", code, out, errs)
		}

		// The good lines with -community for the rows without one, and
		// -gcj02: written, the coordinates converted to WGS-84.
		ok := writeFile(t, "ok.csv", header+good+"玉华村服务站,,社区综合服务站,80,,,1500,租赁,2024/3/1,规划中,\n")
		code, out, errs = cli(t, nil, "import", "facilities", "-community", "330523103202", "-gcj02", ok, "-db", dsn)
		if code != exitOK || !strings.Contains(out, "已导入 2 个服务设施") {
			t.Fatalf("good file: %d\n%s%s", code, out, errs)
		}
		byName := map[string]*shequ.Facility{}
		for _, f := range storedFacilities(t, dsn) {
			byName[f.Name] = f
		}
		c, v := byName["递铺街道综合服务中心"], byName["玉华村服务站"]
		if c == nil || v == nil {
			t.Fatalf("stored %v", byName)
		}
		if d := geo.Distance(geo.Point{Lat: *c.Lat, Lng: *c.Lng}, wgs); d > 1 || c.Radius != 3000 || c.Kind != shequ.FacilityCenter {
			t.Errorf("centre %+v is %.1f m from the WGS-84 point", c, d)
		}
		if v.Community != "330523103202" || v.Radius != 1500 || v.Status != shequ.FacilityPlanned || v.Source != shequ.SourceLease || v.Located() {
			t.Errorf("station %+v", v)
		}
	})
}

func TestImportDivisionsGCJ02(t *testing.T) {
	dsn := t.TempDir() + "/shequ.db"
	wgs := geo.Point{Lat: 30.6380, Lng: 119.6800}
	gcj := geo.WGSToGCJ(wgs)
	file := writeFile(t, "divisions.csv", fmt.Sprintf("code,name,lat,lng\n33,浙江省,,\n3305,湖州市,,\n330523,安吉县,,\n330523001,递铺街道,,\n330523001002,苕秀社区,%v,%v\n", gcj.Lat, gcj.Lng))
	if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-gcj02", file, "-db", dsn); code != exitOK {
		t.Fatalf("%d %s%s", code, out, errs)
	}
	locs, err := sqlstore.NewLocationService(openTestDB(t, dsn)).FindCommunityLocations(cliContext(context.Background()), "330523")
	if err != nil || len(locs) != 1 || locs[0].Lat == nil {
		t.Fatalf("%v %+v", err, locs)
	}
	if d := geo.Distance(geo.Point{Lat: *locs[0].Lat, Lng: *locs[0].Lng}, wgs); d > 1 {
		t.Errorf("stored %v,%v is %.1f m from the WGS-84 point", *locs[0].Lat, *locs[0].Lng, d)
	}
}

// TestFacilityAPIEndToEnd runs the platform on both engines: locations and
// a facility through the API move the coverage figures, and the upload
// page's importer (Config.ImportFacilities) writes all or nothing into the
// same store and engine.
func TestFacilityAPIEndToEnd(t *testing.T) {
	engines(t, func(t *testing.T, dsn string) {
		if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
			t.Fatalf("import: %d %s%s", code, out, errs)
		}
		api := apiClient{t: t, token: token(t, dsn, "anji-official", "official", "330523")}
		cfg := config.Default()
		cfg.Addr, cfg.DB, cfg.DataDir = "127.0.0.1:0", dsn, dataDir(t)
		m := &Main{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Stdout: io.Discard}
		if err := m.Run(context.Background()); err != nil {
			t.Fatalf("run: %v", err)
		}
		t.Cleanup(func() { m.Close() })
		api.base = "http://" + m.Addr()

		gcj := geo.WGSToGCJ(geo.Point{Lat: 30.6420, Lng: 119.6900})
		for _, c := range []struct {
			code string
			body map[string]any
		}{
			{"330523001002", map[string]any{"lat": 30.6380, "lng": 119.6800, "population": 5000, "terrain": "", "relocation": false}},
			{"330523001012", map[string]any{"lat": gcj.Lat, "lng": gcj.Lng, "population": 4000, "terrain": "", "relocation": false,
				"coordinate_system": "gcj02"}},
		} {
			if code, res := api.do(http.MethodPut, "/api/v1/communities/"+c.code+"/location", c.body); code != http.StatusOK {
				t.Fatalf("location %s: %d %v", c.code, code, res)
			}
		}
		code, res := api.do(http.MethodPost, "/api/v1/facilities", map[string]any{"name": "苕秀社区综合服务中心",
			"kind": "service_center", "community_code": "330523001002", "lat": 30.6381, "lng": 119.6801})
		if code != http.StatusCreated || res["radius"] != 3000.0 {
			t.Fatalf("create: %d %v", code, res)
		}
		code, res = api.do(http.MethodGet, "/api/v1/coverage/330523001", nil)
		fig, _ := res["figures"].(map[string]any)
		if code != http.StatusOK || fig["located"] != 2.0 || fig["covered"] != 2.0 || fig["covered_population"] != 9000.0 ||
			fig["urban_with_comprehensive"] != 1.0 {
			t.Errorf("coverage: %d %v", code, res)
		}

		// The register's importer (the upload page's and the API's): a bad
		// line writes nothing.
		bad := "名称,社区代码,类型\n桃城社区服务站,330523001012,社区综合服务站\n长乐社区服务站,330523001018,游泳馆\n"
		code, rep := api.upload("/api/v1/facilities/import?filename=f.csv", bad)
		rows, _ := rep["errors"].([]any)
		if code != http.StatusUnprocessableEntity || rep["written"] != 0.0 || rep["total"] != 2.0 || len(rows) != 1 ||
			rows[0].(map[string]any)["line"] != 3.0 || !strings.Contains(rows[0].(map[string]any)["reason"].(string), "未知的设施类型") {
			t.Fatalf("bad file: %d %v", code, rep)
		}
		good := fmt.Sprintf("名称,社区代码,类型,纬度,经度,状态\n桃城社区服务站,330523001012,社区综合服务站,%v,%v,在用\n", gcj.Lat, gcj.Lng)
		if code, rep = api.upload("/api/v1/facilities/import?filename=f.csv&gcj02=1", good); code != http.StatusOK || rep["written"] != 1.0 {
			t.Fatalf("good file: %d %v", code, rep)
		}
		code, res = api.do(http.MethodGet, "/api/v1/facilities?community_code=330523001", nil)
		if code != http.StatusOK || res["total"] != 2.0 {
			t.Errorf("facilities: %d %v", code, res)
		}
		code, res = api.do(http.MethodGet, "/api/v1/coverage/330523001", nil)
		if fig, _ := res["figures"].(map[string]any); code != http.StatusOK || fig["in_use"] != 2.0 || fig["p90_nearest"].(float64) > 50 {
			t.Errorf("coverage after the import: %d %v", code, res)
		}
	})
}

// upload posts body as a CSV file to path.
func (c apiClient) upload(path, body string) (int, map[string]any) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "text/csv")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}
