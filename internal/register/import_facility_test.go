package register

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"shequ"
	"shequ/internal/geo"
)

// facilityErrors renders the errors as "line:field,field" for comparison.
func facilityErrors(errs []RowError) []string {
	var out []string
	for _, e := range errs {
		var f []string
		for _, x := range e.Fields {
			f = append(f, x.Field)
		}
		out = append(out, fmt.Sprintf("%d:%s", e.Line, strings.Join(f, ",")))
	}
	return out
}

const facilityCSV = "名称,社区代码,类型,建筑面积,纬度,经度,服务半径,来源,启用日期,状态,开放时间\n" +
	"递铺街道综合服务中心,330523001002,社区综合服务中心,1200㎡,30.6380,119.6800,,新建配建,2019-05-01,在用,8:30-17:00\n" +
	"横溪坞村便民服务点,330523100201,convenience,45.5,30.55,119.52,800米,lease,2024/3/1,规划中,\n" +
	",,,,,,,,,,\n" + // an empty row as spreadsheets export it: skipped, still counted
	"无类型,330523001002,学校,,,,,,,,\n" + // line 5: unknown kind
	"半个位置,330523001002,其他,,30.6,,,,,,\n" + // line 6: latitude alone
	"坏数字,330523001002,卫生室,大,三十,119.6,20,,2024-13-01,,\n" + // line 7: area, location, radius, date
	"出境,330523001002,卫生室,,119.6,30.6,,,,,\n" + // line 8: swapped coordinates
	"递铺街道综合服务中心,330523001002,其他,,,,,,,,\n" + // line 9: repeats line 2
	",330523001002,其他,,,,,划拨,,开放,\n" // line 10: no name, unknown source and status

func TestParseFacilities(t *testing.T) {
	f, err := Facilities.Parse(strings.NewReader(facilityCSV), "facilities.csv", ImportOptions{Now: now, Labels: labels})
	if err != nil {
		t.Fatal(err)
	}
	if f.Total != 8 || len(f.Records) != 2 || !cmp.Equal(f.Lines, []int{2, 3}) {
		t.Fatalf("total %d facilities %d lines %v errors %+v", f.Total, len(f.Records), f.Lines, f.Errors)
	}
	a, b := f.Records[0], f.Records[1]
	if a.Kind != shequ.FacilityCenter || a.FloorArea != 1200 || a.Radius != 3000 || a.Source != shequ.SourceNewBuild ||
		a.Status != shequ.FacilityInUse || a.OpenedOn == nil || a.OpenedOn.Format("2006-01-02") != "2019-05-01" ||
		*a.Lat != 30.638 || *a.Lng != 119.68 || a.Hours != "8:30-17:00" || a.Community != "330523001002" {
		t.Errorf("first %+v", a)
	}
	if b.Kind != shequ.FacilityConvenience || b.Radius != 800 || b.Status != shequ.FacilityPlanned || b.Source != shequ.SourceLease ||
		b.FloorArea != 45.5 || b.OpenedOn == nil {
		t.Errorf("second %+v", b)
	}
	// A row's reading errors come in the register's field order (the form's),
	// then the domain's.
	want := []string{"5:kind", "6:location", "7:floor_area,location,opened_on,radius", "8:location", "9:name",
		"10:status,source,name"}
	if diff := cmp.Diff(want, facilityErrors(f.Errors)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if d := f.Errors[4].Fields[0]; d.Key != "facility.import.duplicate" || d.Data["FirstRow"] != 2 || d.Data["Row"] != 9 {
		t.Errorf("duplicate %+v", d)
	}
}

func TestParseFacilitiesCommunityAndGCJ(t *testing.T) {
	wgs := geo.Point{Lat: 30.55, Lng: 119.52}
	gcj := geo.WGSToGCJ(wgs)
	in := fmt.Sprintf("name,kind,lat,lng\n村服务站,service_station,%v,%v\n", gcj.Lat, gcj.Lng)
	if _, err := Facilities.Parse(strings.NewReader(in), "f.csv", ImportOptions{Now: now, Labels: labels}); shequ.AsError(err).Key != "register.import.required" {
		t.Errorf("no community column and no -community: %v", err)
	}
	for _, conv := range []bool{false, true} {
		f, err := Facilities.Parse(strings.NewReader(in), "f.csv", ImportOptions{Community: "330523100201", Options: map[string]bool{"gcj02": conv}, Labels: labels})
		if err != nil || len(f.Records) != 1 {
			t.Fatalf("%v %+v", err, f)
		}
		x := f.Records[0]
		d := geo.Distance(geo.Point{Lat: *x.Lat, Lng: *x.Lng}, wgs)
		if x.Community != "330523100201" || (conv && d > 1) || (!conv && d < 100) {
			t.Errorf("gcj02=%v: %v,%v is %.1f m from the WGS-84 point", conv, *x.Lat, *x.Lng, d)
		}
	}
	if _, err := Facilities.Parse(strings.NewReader("name,kind,lat\n甲,other,30\n"), "f.csv", ImportOptions{Community: "330523100201", Labels: labels}); shequ.AsError(err).Key != "import.header.latlng" {
		t.Errorf("lat without lng column: %v", err)
	}
}

func TestParseFacilitiesXLSX(t *testing.T) {
	x := excelize.NewFile()
	rows := [][]any{{"名称", "社区代码", "类型", "服务半径", "状态"}, {"孝丰镇卫生院分站", "330523100201", "卫生服务站/卫生室", 1500, "已停用"}}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := x.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := Facilities.Parse(&buf, "facilities.xlsx", ImportOptions{Labels: labels})
	if err != nil || len(f.Records) != 1 {
		t.Fatalf("%v %+v", err, f)
	}
	if h := f.Records[0]; h.Kind != shequ.FacilityHealth || h.Radius != 1500 || h.Status != shequ.FacilityClosed || h.Located() {
		t.Errorf("%+v", h)
	}
}

func FuzzParseFacilities(f *testing.F) {
	f.Add("name,community_code,kind,lat,lng,radius,floor_area\n甲,330523001002,service_center,30.6,119.6,3000,100\n", false)
	f.Add("名称,类型,纬度,经度,服务半径\n乙,便民服务点,30.55,119.52,500米\n", true)
	f.Add(facilityCSV, false)
	f.Fuzz(func(t *testing.T, in string, gcj bool) {
		r, err := Facilities.Parse(strings.NewReader(in), "f.csv", ImportOptions{Community: "330523001002", Options: map[string]bool{"gcj02": gcj}, Labels: labels})
		if err != nil {
			if shequ.ErrorCode(err) != shequ.EInvalid {
				t.Fatalf("non-validation error %v", err)
			}
			return
		}
		if len(r.Records)+len(r.Errors) != r.Total || len(r.Lines) != len(r.Records) {
			t.Fatalf("facilities %d + errors %d != %d (lines %d)", len(r.Records), len(r.Errors), r.Total, len(r.Lines))
		}
		seen := map[string]bool{}
		for _, x := range r.Records {
			if x.Validate() != nil {
				t.Fatalf("accepted invalid facility %+v", x)
			}
			if x.Located() && (math.IsNaN(*x.Lat) || !shequ.InChina(*x.Lat, *x.Lng)) {
				t.Fatalf("accepted location %v,%v", *x.Lat, *x.Lng)
			}
			if k := x.Community + "\x00" + x.Name; seen[k] {
				t.Fatalf("accepted a repeated community and name %q", x.Name)
			} else {
				seen[k] = true
			}
		}
		for _, e := range r.Errors {
			if e.Line < 2 || len(e.Fields) == 0 {
				t.Fatalf("row error without line or reason %+v", e)
			}
		}
	})
}
