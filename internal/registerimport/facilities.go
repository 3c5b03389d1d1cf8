package registerimport

import (
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"shequ"
	"shequ/internal/geo"
	"shequ/internal/tabular"
)

var facilityAliases = map[string]string{
	"name": "name", "名称": "name", "设施名称": "name",
	"community_code": "community", "community": "community", "社区代码": "community", "所属社区": "community",
	"kind": "kind", "类型": "kind", "设施类型": "kind",
	"floor_area": "area", "建筑面积": "area", "面积": "area",
	"lat": "lat", "latitude": "lat", "纬度": "lat",
	"lng": "lng", "lon": "lng", "longitude": "lng", "经度": "lng",
	"radius": "radius", "服务半径": "radius",
	"source": "source", "来源": "source", "场地来源": "source",
	"opened_on": "opened", "启用日期": "opened",
	"status": "status", "状态": "status",
	"hours": "hours", "开放时间": "hours",
}

var facilityKindLabels = map[string]shequ.FacilityKind{
	"社区综合服务中心": shequ.FacilityCenter, "综合服务中心": shequ.FacilityCenter,
	"社区综合服务站": shequ.FacilityStation, "综合服务站": shequ.FacilityStation,
	"养老服务设施": shequ.FacilityElderlyCare, "日间照料中心": shequ.FacilityDayCare,
	"卫生服务站/卫生室": shequ.FacilityHealth, "卫生服务站": shequ.FacilityHealth, "卫生室": shequ.FacilityHealth,
	"文体活动场所": shequ.FacilityCulture, "便民服务点": shequ.FacilityConvenience, "其他": shequ.FacilityOther,
}

var facilitySourceLabels = map[string]shequ.FacilitySource{
	"新建配建": shequ.SourceNewBuild, "新建": shequ.SourceNewBuild, "配建": shequ.SourceNewBuild,
	"改建扩建": shequ.SourceRenovation, "改建": shequ.SourceRenovation, "扩建": shequ.SourceRenovation,
	"资产划转": shequ.SourceTransfer, "划转": shequ.SourceTransfer,
	"购置租赁": shequ.SourceLease, "购置": shequ.SourceLease, "租赁": shequ.SourceLease,
}

var facilityStatusLabels = map[string]shequ.FacilityStatus{
	"规划中": shequ.FacilityPlanned, "规划": shequ.FacilityPlanned,
	"在用": shequ.FacilityInUse, "使用中": shequ.FacilityInUse,
	"已停用": shequ.FacilityClosed, "停用": shequ.FacilityClosed,
}

// FacilityOptions control ParseFacilities.
type FacilityOptions struct {
	// Community is the community of rows without a community_code cell.
	Community string
	// GCJ02 says the coordinates are GCJ-02 (Chinese web maps); they are
	// converted to WGS-84.
	GCJ02 bool
}

// Facilities is a parsed facility register.
type Facilities struct {
	Facilities []*shequ.Facility
	Lines      []int // Lines[i] is the line of Facilities[i]
	Errors     []RowError
	Total      int
}

// ParseFacilities reads a facility register (CSV or XLSX). Kinds, sources
// and statuses may be written as identifiers or in Chinese (社区综合服务站,
// 改建扩建, 在用…); the status defaults to in use and the radius to the
// kind's. A community and name repeated within the file is an error on the
// later line.
func ParseFacilities(r io.Reader, filename string, opt FacilityOptions) (*Facilities, error) {
	required := []string{"name", "kind"}
	if opt.Community == "" {
		required = append(required, "community")
	}
	t, err := readTable(r, filename, facilityAliases, required)
	if err != nil {
		return nil, err
	}
	_, hasLat := t.idx["lat"]
	if _, hasLng := t.idx["lng"]; hasLat != hasLng {
		return nil, shequ.Errorf(shequ.EInvalid, "import.header.latlng", "Columns lat and lng come together.")
	}
	out := &Facilities{}
	seen := map[string]int{}
	for i, rec := range t.rows {
		if tabular.Blank(rec) {
			continue
		}
		out.Total++
		line := i + 2
		f, fe := parseFacility(t, rec, opt)
		fe = withValidation(f, fe)
		if fe == nil {
			key := f.Community + "\x00" + f.Name
			if first, dup := seen[key]; dup {
				var e rowErrors
				e.Add("name", "facility.import.duplicate", "The community and name repeat an earlier row.",
					map[string]any{"Row": line, "FirstRow": first})
				fe = e.Err()
			} else {
				seen[key] = line
			}
		}
		if fe != nil {
			out.Errors = append(out.Errors, RowError{Line: line, Fields: shequ.AsError(fe).Fields})
			continue
		}
		out.Facilities = append(out.Facilities, f)
		out.Lines = append(out.Lines, line)
	}
	return out, nil
}

// parseFacility reads one row; the domain validation follows.
func parseFacility(t *table, rec []string, opt FacilityOptions) (*shequ.Facility, error) {
	var e rowErrors
	f := &shequ.Facility{Name: t.cell(rec, "name"), Community: t.cell(rec, "community"), Hours: t.cell(rec, "hours"),
		Status: shequ.FacilityInUse}
	if f.Community == "" {
		f.Community = opt.Community
	}
	var ok bool
	if f.Kind, ok = label(t.cell(rec, "kind"), facilityKindLabels, shequ.FacilityKinds); !ok {
		e.bad("kind", "facility.kind.invalid", "Unknown kind of facility.")
	}
	if v := t.cell(rec, "source"); v != "" {
		if f.Source, ok = label(v, facilitySourceLabels, shequ.FacilitySources); !ok {
			e.bad("source", "facility.source.invalid", "Unknown source of the site.")
		}
	}
	if v := t.cell(rec, "status"); v != "" {
		if f.Status, ok = label(v, facilityStatusLabels, shequ.FacilityStatuses); !ok {
			e.bad("status", "facility.status.invalid", "The status is planned, in use or closed.")
		}
	}
	if f.FloorArea, ok = decimal(t.cell(rec, "area"), "平方米", "㎡", "m²", "m2"); !ok {
		e.bad("floor_area", "facility.area.invalid", "The floor area is from 0 to 1000000 m².")
	}
	if radius, ok := decimal(t.cell(rec, "radius"), "米", "m"); !ok || radius != math.Trunc(radius) || radius > shequ.MaxRadius {
		e.bad("radius", "facility.radius.invalid", "The service radius is from 50 to 50000 metres.")
	} else {
		f.Radius = int(radius)
	}
	if f.OpenedOn, ok = looseDate(t.cell(rec, "opened")); !ok {
		e.bad("opened_on", "register.import.date", "Write dates as YYYY-MM-DD.")
	}
	lat, lng := t.cell(rec, "lat"), t.cell(rec, "lng")
	switch {
	case lat == "" && lng == "":
	case lat == "" || lng == "":
		e.bad("location", "facility.location.pair", "Give both latitude and longitude, or neither.")
	default:
		la, err1 := strconv.ParseFloat(lat, 64)
		ln, err2 := strconv.ParseFloat(lng, 64)
		if err1 != nil || err2 != nil || math.IsNaN(la) || math.IsNaN(ln) || math.IsInf(la, 0) || math.IsInf(ln, 0) {
			e.bad("location", "facility.import.coordinates", "Latitude and longitude are decimal degrees, such as 30.63 and 119.68.")
			break
		}
		if opt.GCJ02 {
			p := geo.GCJToWGS(geo.Point{Lat: la, Lng: ln})
			la, ln = p.Lat, p.Lng
		}
		f.Lat, f.Lng = &la, &ln
	}
	return f, e.Err()
}

// decimal parses a non-negative decimal number, with one of the units
// people add after it; "" is 0.
func decimal(v string, units ...string) (float64, bool) {
	for _, u := range units {
		v = strings.TrimSpace(strings.TrimSuffix(v, u))
	}
	if v == "" {
		return 0, true
	}
	n, err := strconv.ParseFloat(strings.ReplaceAll(v, ",", ""), 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) || n < 0 {
		return 0, false
	}
	return n, true
}

// looseDate is date that also takes months and days without their leading
// zero (2024/3/1), as spreadsheets often write them.
func looseDate(v string) (*time.Time, bool) {
	if v == "" {
		return nil, true
	}
	t, err := time.ParseInLocation("2006-1-2", strings.ReplaceAll(v, "/", "-"), shequ.Shanghai)
	if err != nil {
		return nil, false
	}
	return &t, true
}

// withValidation adds the domain errors of f to the parse errors pe, except
// on the fields parsing already faulted, so that a line lists all its
// problems at once. A blank radius is not reported when the kind is unknown:
// it would have been the kind's default.
func withValidation(f *shequ.Facility, pe error) error {
	ve := f.Validate()
	var out shequ.FieldErrors
	if pe != nil {
		out = append(out, shequ.AsError(pe).Fields...)
	}
	bad := map[string]bool{}
	for _, x := range out {
		bad[x.Field] = true
	}
	if ve != nil {
		for _, x := range shequ.AsError(ve).Fields {
			if !bad[x.Field] && (x.Field != "radius" || f.Radius != 0) {
				out = append(out, x)
			}
		}
	}
	return out.Err()
}
