// Package divimport reads division files (行政区划代码) in CSV, checks every
// row and writes the good ones through shequ.DivisionService. Bad rows are
// reported with their line number and reason; none is skipped silently.
package divimport

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"shequ"
	"shequ/internal/geo"
)

// Column names, with the Chinese headers accepted for them.
const (
	colCode       = "code"
	colName       = "name"
	colUrbanRural = "urban_rural"
	colTerrain    = "terrain"
	colPopulation = "population"
	colHouseholds = "households"
	colLat        = "lat"
	colLng        = "lng"
)

var headerAliases = map[string]string{
	"code": colCode, "区划代码": colCode, "代码": colCode, "统计用区划代码": colCode,
	"name": colName, "名称": colName, "区划名称": colName,
	"urban_rural": colUrbanRural, "城乡分类代码": colUrbanRural, "城乡分类": colUrbanRural,
	"terrain": colTerrain, "地形": colTerrain,
	"population": colPopulation, "人口": colPopulation, "常住人口": colPopulation,
	"households": colHouseholds, "户数": colHouseholds,
	"lat": colLat, "latitude": colLat, "纬度": colLat,
	"lng": colLng, "lon": colLng, "longitude": colLng, "经度": colLng,
}

// MaxNameLength bounds division names; the longest NBS name has 99 characters.
const MaxNameLength = 200

// maxCount bounds population and household figures (more than China's
// population is a typing error, not data).
const maxCount = 2_000_000_000

// RowError is a rejected row: the line of the file (1 is the header), the code
// as written, and the reason as a catalogue key with an English message.
type RowError struct {
	Line    int
	Code    string
	Key     string
	Message string
	Data    map[string]any
}

// Error returns the reason as a *shequ.Error so that callers can translate it.
func (e RowError) Error() *shequ.Error {
	return &shequ.Error{Code: shequ.EInvalid, Key: e.Key, Message: e.Message, Data: e.Data}
}

// File is a parsed division file: the good rows with their lines, the bad
// ones, and which columns it carries.
type File struct {
	Columns  shequ.DivisionColumns
	Rows     []*shequ.Division
	Lines    []int // Lines[i] is the line of Rows[i]
	Errors   []RowError
	Total    int // data rows read
	Filtered int // rows outside the prefix, left out on purpose
}

// ParseOptions controls parsing.
type ParseOptions struct {
	// Prefix keeps only the rows at or below this division and its ancestors
	// ("" keeps all): a county can load just its own part of the country.
	Prefix string
	// GCJ02 says the lat and lng columns are GCJ-02 (what Chinese web maps
	// give); they are converted to WGS-84, in which locations are stored.
	GCJ02 bool
}

// Parse reads a CSV file with a header row. The header must name a code
// column; name and the optional attributes may follow in any order. A header
// problem is returned as an error and nothing is read; row problems are
// collected in File.Errors.
func Parse(r io.Reader, opt ParseOptions) (*File, error) {
	if opt.Prefix != "" {
		if err := shequ.ValidateDivisionCode(opt.Prefix); err != nil {
			return nil, err
		}
	}
	cr := csv.NewReader(bufio.NewReaderSize(r, 1<<16))
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, shequ.Errorf(shequ.EInvalid, "import.header.empty", "The file is empty; the first line must be a header such as code,name.")
	} else if err != nil {
		return nil, csvError(err)
	}
	idx, cols, err := parseHeader(header)
	if err != nil {
		return nil, err
	}
	f := &File{Columns: cols}
	seen := make(map[string]int)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		if isBlank(rec) {
			continue
		}
		f.Total++
		d, rerr := parseRow(rec, idx, cols)
		if rerr != nil {
			rerr.Line = line
			f.Errors = append(f.Errors, *rerr)
			continue
		}
		if opt.GCJ02 && d.Lat != nil && d.Lng != nil {
			p := geo.GCJToWGS(geo.Point{Lat: *d.Lat, Lng: *d.Lng})
			d.Lat, d.Lng = &p.Lat, &p.Lng
		}
		if opt.Prefix != "" && !strings.HasPrefix(d.Code, opt.Prefix) && !strings.HasPrefix(opt.Prefix, d.Code) {
			f.Filtered++
			continue
		}
		if first, dup := seen[d.Code]; dup {
			f.Errors = append(f.Errors, RowError{Line: line, Code: d.Code, Key: "import.row.duplicate",
				Message: fmt.Sprintf("The code also appears on line %d.", first), Data: map[string]any{"First": first}})
			continue
		}
		seen[d.Code] = line
		f.Rows = append(f.Rows, d)
		f.Lines = append(f.Lines, line)
	}
	return f, nil
}

// csvError reports a CSV syntax error with its line.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return shequ.Errorf(shequ.EInvalid, "import.csv.syntax", "Line %d is not valid CSV: %v.", pe.Line, pe.Err).
			With(map[string]any{"Line": pe.Line})
	}
	return shequ.Errorf(shequ.EInvalid, "import.csv.read", "The file could not be read: %v.", err)
}

// parseHeader maps columns to their positions.
func parseHeader(header []string) (map[string]int, shequ.DivisionColumns, error) {
	idx := make(map[string]int)
	var cols shequ.DivisionColumns
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		name, ok := headerAliases[strings.ToLower(h)]
		if !ok {
			return nil, cols, shequ.Errorf(shequ.EInvalid, "import.header.unknown",
				"Unknown column %q; the columns are code, name, urban_rural, terrain, population, households, lat, lng.", h).
				With(map[string]any{"Column": h})
		}
		if _, dup := idx[name]; dup {
			return nil, cols, shequ.Errorf(shequ.EInvalid, "import.header.duplicate", "Column %q appears twice.", h).
				With(map[string]any{"Column": h})
		}
		idx[name] = i
	}
	if _, ok := idx[colCode]; !ok {
		return nil, cols, shequ.Errorf(shequ.EInvalid, "import.header.no_code", "The header has no code column.")
	}
	_, hasLat := idx[colLat]
	_, hasLng := idx[colLng]
	if hasLat != hasLng {
		return nil, cols, shequ.Errorf(shequ.EInvalid, "import.header.latlng", "Columns lat and lng come together.")
	}
	has := func(c string) bool { _, ok := idx[c]; return ok }
	cols = shequ.DivisionColumns{Name: has(colName), UrbanRural: has(colUrbanRural), Terrain: has(colTerrain),
		Population: has(colPopulation), Households: has(colHouseholds), LatLng: hasLat}
	if !cols.Name && !cols.UrbanRural && !cols.Terrain && !cols.Population && !cols.Households && !cols.LatLng {
		return nil, cols, shequ.Errorf(shequ.EInvalid, "import.header.nothing", "The header names only the code; add name or an attribute column.")
	}
	return idx, cols, nil
}

// isBlank reports a line with only empty fields, which CSV editors leave.
func isBlank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// parseRow checks one record. The returned error has no line yet.
func parseRow(rec []string, idx map[string]int, cols shequ.DivisionColumns) (*shequ.Division, *RowError) {
	field := func(c string) string {
		i, ok := idx[c]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	d := &shequ.Division{Code: field(colCode)}
	bad := func(key, format string, data map[string]any, args ...any) *RowError {
		return &RowError{Code: d.Code, Key: key, Message: fmt.Sprintf(format, args...), Data: data}
	}
	if len(rec) > len(idx) {
		return nil, bad("import.row.columns", "The row has %d fields but the header has %d.",
			map[string]any{"Got": len(rec), "Want": len(idx)}, len(rec), len(idx))
	}
	if err := shequ.ValidateDivisionCode(d.Code); err != nil {
		return nil, bad("import.row.code", "Malformed code %q: a division code has 2, 4, 6, 9 or 12 digits.",
			map[string]any{"Code": d.Code}, d.Code)
	}
	d.Derive()
	if cols.Name {
		d.Name = field(colName)
		switch n := utf8.RuneCountInString(d.Name); {
		case n == 0:
			return nil, bad("import.row.name_missing", "The name is empty.", nil)
		case n > MaxNameLength || !utf8.ValidString(d.Name):
			return nil, bad("import.row.name_long", "The name is longer than %d characters or not valid UTF-8.",
				map[string]any{"Max": MaxNameLength}, MaxNameLength)
		}
	}
	if v := field(colUrbanRural); cols.UrbanRural && v != "" {
		u := shequ.UrbanRural(v)
		if !u.Valid() {
			return nil, bad("import.row.urban_rural", "Urban-rural code %q is not one of 111, 112, 121, 122, 123, 210, 220.",
				map[string]any{"Value": v}, v)
		}
		d.UrbanRural = &u
	}
	if v := field(colTerrain); cols.Terrain && v != "" {
		t, ok := shequ.ParseTerrain(v)
		if !ok {
			return nil, bad("import.row.terrain", "Terrain %q is not plain, hill, mountain or plateau.",
				map[string]any{"Value": v}, v)
		}
		d.Terrain = &t
	}
	for _, c := range []struct {
		name string
		on   bool
		dst  **int64
	}{{colPopulation, cols.Population, &d.Population}, {colHouseholds, cols.Households, &d.Households}} {
		v := field(c.name)
		if !c.on || v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || n > maxCount {
			return nil, bad("import.row.count", "Column %s: %q is not a whole number from 0 to 2000000000.",
				map[string]any{"Column": c.name, "Value": v}, c.name, v)
		}
		*c.dst = &n
	}
	if cols.LatLng {
		lat, lng := field(colLat), field(colLng)
		if (lat == "") != (lng == "") {
			return nil, bad("import.row.latlng_pair", "Give both lat and lng, or neither.", nil)
		}
		if lat != "" {
			la, err1 := strconv.ParseFloat(lat, 64)
			ln, err2 := strconv.ParseFloat(lng, 64)
			if err1 != nil || err2 != nil || math.IsNaN(la) || math.IsNaN(ln) || la < -90 || la > 90 || ln < -180 || ln > 180 {
				return nil, bad("import.row.latlng", "Coordinates %q, %q are not a latitude from -90 to 90 and a longitude from -180 to 180.",
					map[string]any{"Lat": lat, "Lng": lng}, lat, lng)
			}
			d.Lat, d.Lng = &la, &ln
		}
	}
	return d, nil
}
