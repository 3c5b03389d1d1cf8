package register

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"shequ"
	"shequ/internal/geo"
)

// Location is a position in WGS-84 (both nil when unknown), read from the
// inputs and JSON keys lat and lng, and from the columns lat/纬度 and
// lng/经度 of a file. A position from a Chinese web map is GCJ-02: the
// input coordinate_system "gcj02" (form and JSON) or the import option
// "gcj02" converts it. The pair's errors are on name ("location").
func Location[T any](name string, p func(*T) (lat, lng **float64)) *Field[T] {
	f := &Field[T]{Name: name, Kind: KindLocation, inputs: []string{"lat", "lng", "coordinate_system"},
		cols: []column{{name: "lat", aliases: []string{"latitude", "纬度"}},
			{name: "lng", aliases: []string{"lon", "longitude", "经度"}}}}
	f.formText = func(x *T) []string {
		la, ln := p(x)
		if *la == nil || *ln == nil {
			return []string{"", "", "wgs84"}
		}
		return []string{strconv.FormatFloat(**la, 'f', -1, 64), strconv.FormatFloat(**ln, 'f', -1, 64), "wgs84"}
	}
	f.parse = func(x *T, get func(string) (string, bool), c *Context) {
		lat, okLat := get("lat")
		lng, okLng := get("lng")
		if !okLat && !okLng {
			return
		}
		lat, lng = strings.TrimSpace(lat), strings.TrimSpace(lng)
		c.mark(name, lat == "" && lng == "")
		gcj := c.Options["gcj02"]
		if !c.Import {
			cs, _ := get("coordinate_system")
			gcj = CoordinateSystem(&c.errs, cs)
		}
		la, ln := p(x)
		switch {
		case lat == "" && lng == "":
			*la, *ln = nil, nil
		case lat == "" || lng == "":
			*la, *ln = nil, nil
			c.Fail(name, "location.pair", "Give both latitude and longitude, or neither.", nil)
		default:
			a, err1 := strconv.ParseFloat(lat, 64)
			b, err2 := strconv.ParseFloat(lng, 64)
			if err1 != nil || err2 != nil || math.IsNaN(a+b) || math.IsInf(a+b, 0) {
				*la, *ln = nil, nil
				c.Fail(name, "location.decimal", "Latitude and longitude are decimal degrees, such as 30.63 and 119.68.", nil)
				return
			}
			a, b = ToWGS(gcj, a, b)
			*la, *ln = &a, &b
		}
	}
	f.decode = func(x *T, get func(string) (json.RawMessage, bool), c *Context) {
		rawLat, setLat := get("lat")
		rawLng, setLng := get("lng")
		cs, hasCS := get("coordinate_system")
		gcj := false
		if hasCS {
			s, ok := jsonString(cs)
			if isNull(cs) {
				c.Fail("coordinate_system", "field.null", "This field needs a value; leave it out to keep it unchanged, null is not accepted here.", nil)
			} else if !ok {
				c.Fail("coordinate_system", "location.coordinate_system.invalid", "The coordinate system is wgs84 or gcj02.", nil)
			} else {
				gcj = CoordinateSystem(&c.errs, s)
			}
		}
		if !setLat && !setLng {
			return
		}
		c.mark(name, false)
		lat, okLat := jsonFloat(rawLat, setLat)
		lng, okLng := jsonFloat(rawLng, setLng)
		if !okLat || !okLng {
			c.Fail(name, "location.decimal", "Latitude and longitude are decimal degrees, such as 30.63 and 119.68.", nil)
			return
		}
		// A GCJ-02 position converts as a pair, so one half alone cannot be
		// merged onto the stored WGS-84 other half; nor can a number be
		// paired with an unknown other half.
		if setLat != setLng && (gcj || (lat == nil) != (lng == nil)) {
			c.Fail(name, "location.pair", "Give both latitude and longitude, or neither.", nil)
			return
		}
		la, ln := p(x)
		if setLat {
			*la = lat
		}
		if setLng {
			*ln = lng
		}
		if gcj && *la != nil && *ln != nil {
			a, b := ToWGS(true, **la, **ln)
			*la, *ln = &a, &b
		}
	}
	f.put = func(x *T, _ bool, put func(string, any)) {
		la, ln := p(x)
		put("lat", *la)
		put("lng", *ln)
	}
	f.show = func(x *T, _ bool) Shown {
		la, ln := p(x)
		if *la == nil || *ln == nil {
			return Shown{}
		}
		return Shown{Text: strconv.FormatFloat(**la, 'f', 6, 64) + ", " + strconv.FormatFloat(**ln, 'f', 6, 64), Code: true}
	}
	num := map[string]any{"type": []string{"number", "null"}, "description": "WGS-84 decimal degrees"}
	f.schema = map[string]map[string]any{"lat": num, "lng": num,
		"coordinate_system": {"type": "string", "enum": []string{"wgs84", "gcj02"}, "writeOnly": true,
			"description": "the system of lat and lng sent: wgs84 (default) or gcj02, converted to WGS-84"}}
	return f
}

// CoordinateSystem reads a coordinate system: "" and "wgs84" are WGS-84,
// "gcj02" (what Chinese web maps give) asks for conversion; anything else
// is an error on coordinate_system, recorded in fe.
func CoordinateSystem(fe *shequ.FieldErrors, s string) (gcj bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "wgs84":
		return false
	case "gcj02":
		return true
	}
	fe.Add("coordinate_system", "location.coordinate_system.invalid", "The coordinate system is wgs84 or gcj02.", nil)
	return false
}

// ToWGS converts a GCJ-02 position to WGS-84 when gcj is set.
func ToWGS(gcj bool, lat, lng float64) (float64, float64) {
	if !gcj {
		return lat, lng
	}
	p := geo.GCJToWGS(geo.Point{Lat: lat, Lng: lng})
	return p.Lat, p.Lng
}
