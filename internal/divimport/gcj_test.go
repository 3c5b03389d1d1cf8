package divimport

import (
	"fmt"
	"strings"
	"testing"

	"shequ/internal/geo"
)

// TestParseGCJ02 checks that -gcj02 converts the optional coordinates to
// WGS-84 and leaves them alone otherwise.
func TestParseGCJ02(t *testing.T) {
	wgs := geo.Point{Lat: 30.6380, Lng: 119.6800}
	gcj := geo.WGSToGCJ(wgs)
	in := fmt.Sprintf("code,name,lat,lng\n330523001002,苕秀社区,%v,%v\n330523001003,昌硕社区,,\n", gcj.Lat, gcj.Lng)
	for _, conv := range []bool{false, true} {
		f, err := Parse(strings.NewReader(in), ParseOptions{GCJ02: conv})
		if err != nil || len(f.Rows) != 2 || len(f.Errors) != 0 {
			t.Fatalf("gcj02=%v: %v %+v", conv, err, f)
		}
		d := f.Rows[0]
		moved := geo.Distance(geo.Point{Lat: *d.Lat, Lng: *d.Lng}, wgs)
		if conv && moved > 1 || !conv && (*d.Lat != gcj.Lat || *d.Lng != gcj.Lng) {
			t.Errorf("gcj02=%v: %v,%v (%.1f m from the WGS-84 point)", conv, *d.Lat, *d.Lng, moved)
		}
		if f.Rows[1].Lat != nil {
			t.Errorf("gcj02=%v: a row without coordinates got %v", conv, *f.Rows[1].Lat)
		}
	}
}
