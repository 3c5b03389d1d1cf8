package shequ

import (
	"context"
	"strings"
)

// Level is the level of a division in the NBS tree. The code length tells it:
// 2 province, 4 city, 6 county, 9 township, 12 community.
type Level string

// Division levels.
const (
	LevelProvince  Level = "province"  // 省级
	LevelCity      Level = "city"      // 地级
	LevelCounty    Level = "county"    // 县级
	LevelTownship  Level = "township"  // 乡级 (街道/镇/乡)
	LevelCommunity Level = "community" // 村级 (居委会/村委会)
)

// Levels lists the levels from the top of the tree down.
var Levels = []Level{LevelProvince, LevelCity, LevelCounty, LevelTownship, LevelCommunity}

// codeLengths maps each level to the length of its code.
var codeLengths = map[int]Level{2: LevelProvince, 4: LevelCity, 6: LevelCounty, 9: LevelTownship, 12: LevelCommunity}

// parentLength gives, for a code length, the length of the parent's code.
var parentLength = map[int]int{4: 2, 6: 4, 9: 6, 12: 9}

// Kind is the kind of a township or community, derived from its code.
type Kind string

// Township kinds (last three digits of a 9-digit code) and community kinds
// (last three digits of a 12-digit code).
const (
	KindSubdistrict Kind = "subdistrict" // 街道, 001–099
	KindTown        Kind = "town"        // 镇, 100–199
	KindTownship    Kind = "township"    // 乡, 200–399
	KindUrban       Kind = "urban"       // 居委会/社区, 001–199
	KindRural       Kind = "rural"       // 村委会, 200–399
	KindOther       Kind = "other"       // other units, 400 and above (or 000)
)

// Region is the NBS economic region of a province.
type Region string

// NBS regions.
const (
	RegionEast      Region = "east"      // 东部
	RegionCentral   Region = "central"   // 中部
	RegionWest      Region = "west"      // 西部
	RegionNortheast Region = "northeast" // 东北
)

// Regions lists the regions in their customary order.
var Regions = []Region{RegionEast, RegionCentral, RegionWest, RegionNortheast}

// provinceRegions maps a province code to its region (NBS four regions).
var provinceRegions = map[string]Region{
	"11": RegionEast, "12": RegionEast, "13": RegionEast, "31": RegionEast, "32": RegionEast,
	"33": RegionEast, "35": RegionEast, "37": RegionEast, "44": RegionEast, "46": RegionEast,
	"14": RegionCentral, "34": RegionCentral, "36": RegionCentral, "41": RegionCentral,
	"42": RegionCentral, "43": RegionCentral,
	"15": RegionWest, "45": RegionWest, "50": RegionWest, "51": RegionWest, "52": RegionWest,
	"53": RegionWest, "54": RegionWest, "61": RegionWest, "62": RegionWest, "63": RegionWest,
	"64": RegionWest, "65": RegionWest,
	"21": RegionNortheast, "22": RegionNortheast, "23": RegionNortheast,
}

// UrbanRural is an NBS urban-rural classification code (城乡分类代码).
type UrbanRural string

// UrbanRuralCodes lists the valid urban-rural codes: 1xx urban, 2xx rural.
var UrbanRuralCodes = []UrbanRural{"111", "112", "121", "122", "123", "210", "220"}

// Valid reports whether u is one of UrbanRuralCodes.
func (u UrbanRural) Valid() bool {
	for _, c := range UrbanRuralCodes {
		if u == c {
			return true
		}
	}
	return false
}

// Urban reports whether the code denotes an urban area (1xx).
func (u UrbanRural) Urban() bool { return u.Valid() && u[0] == '1' }

// Terrain is the terrain class of a division.
type Terrain string

// Terrain classes.
const (
	TerrainPlain    Terrain = "plain"    // 平原
	TerrainHill     Terrain = "hill"     // 丘陵
	TerrainMountain Terrain = "mountain" // 山区
	TerrainPlateau  Terrain = "plateau"  // 高原
)

// Terrains lists the terrain classes.
var Terrains = []Terrain{TerrainPlain, TerrainHill, TerrainMountain, TerrainPlateau}

// terrainAliases accepts the Chinese names in imports.
var terrainAliases = map[string]Terrain{"平原": TerrainPlain, "丘陵": TerrainHill, "山区": TerrainMountain, "山地": TerrainMountain, "高原": TerrainPlateau}

// ParseTerrain accepts a terrain identifier or its Chinese name.
func ParseTerrain(s string) (Terrain, bool) {
	s = strings.TrimSpace(s)
	for _, t := range Terrains {
		if strings.EqualFold(s, string(t)) {
			return t, true
		}
	}
	t, ok := terrainAliases[s]
	return t, ok
}

// Division is one node of the national division tree (行政区划).
// Code is stored without trailing zeros (2/4/6/9/12 digits). The optional
// attributes are nil until a user imports them.
type Division struct {
	Code       string
	Name       string
	Level      Level
	ParentCode string // "" for provinces
	Kind       Kind   // townships and communities only
	Region     Region

	UrbanRural *UrbanRural
	Terrain    *Terrain
	Population *int64
	Households *int64
	Lat, Lng   *float64

	// Filled by reads that ask for them.
	Path          []DivisionRef // ancestors from the province down, excluding the division itself
	ChildrenCount int
}

// DivisionRef names a division.
type DivisionRef struct {
	Code string
	Name string
}

// ErrDivisionCode is returned for a code that is not 2, 4, 6, 9 or 12 digits.
var ErrDivisionCode = Errorf(EInvalid, "division.code.malformed",
	"A division code has 2, 4, 6, 9 or 12 digits.")

// ValidateDivisionCode checks the form of a code: digits only, one of the
// level lengths, and a province part that is not 00. Segments of zeros below
// the province are legal: NBS uses them (441900 东莞市, 350527000 金门县).
func ValidateDivisionCode(code string) error {
	if _, ok := codeLengths[len(code)]; !ok {
		return ErrDivisionCode
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return ErrDivisionCode
		}
	}
	if code[:2] == "00" {
		return ErrDivisionCode
	}
	return nil
}

// DivisionLevel returns the level of a well-formed code.
func DivisionLevel(code string) Level { return codeLengths[len(code)] }

// ParentDivisionCode returns the parent's code, "" for a province.
func ParentDivisionCode(code string) string { return code[:parentLength[len(code)]] }

// AncestorCodes returns the codes of all ancestors, province first.
func AncestorCodes(code string) []string {
	var out []string
	for p := ParentDivisionCode(code); p != ""; p = ParentDivisionCode(p) {
		out = append([]string{p}, out...)
	}
	return out
}

// DivisionKind derives the township or community kind from a code; other
// levels have none.
func DivisionKind(code string) Kind {
	n := 0
	switch len(code) {
	case 9, 12:
		for _, c := range code[len(code)-3:] {
			n = n*10 + int(c-'0')
		}
	default:
		return ""
	}
	if len(code) == 9 {
		switch {
		case n >= 1 && n <= 99:
			return KindSubdistrict
		case n >= 100 && n <= 199:
			return KindTown
		case n >= 200 && n <= 399:
			return KindTownship
		}
		return KindOther
	}
	switch {
	case n >= 1 && n <= 199:
		return KindUrban
	case n >= 200 && n <= 399:
		return KindRural
	}
	return KindOther
}

// ProvinceRegion returns the region of the province a code belongs to, ""
// when the province is not one of the 31 mainland provinces.
func ProvinceRegion(code string) Region { return provinceRegions[code[:2]] }

// Derive fills Level, ParentCode, Kind and Region from Code, which must be
// well formed.
func (d *Division) Derive() {
	d.Level = DivisionLevel(d.Code)
	d.ParentCode = ParentDivisionCode(d.Code)
	d.Kind = DivisionKind(d.Code)
	d.Region = ProvinceRegion(d.Code)
}

// IsAncestorOrSelf reports whether scope is code itself or one of its
// ancestors; "" (the whole country) is everyone's ancestor.
func IsAncestorOrSelf(scope, code string) bool { return strings.HasPrefix(code, scope) }

// DivisionColumns says which columns an import carries beyond the code, so
// that attributes missing from a file are left as they are.
type DivisionColumns struct {
	Name, UrbanRural, Terrain, Population, Households, LatLng bool
}

// DivisionImportOptions controls how rows are written.
type DivisionImportOptions struct {
	// Atomic writes everything in one transaction; otherwise each batch
	// commits on its own.
	Atomic bool
	// BatchSize is the number of rows per batch; 0 means a default.
	BatchSize int
	// Progress, if set, is called after each batch with the rows written so far.
	Progress func(written int)
}

// DivisionService reads and writes the division tree.
type DivisionService interface {
	// FindDivisionByCode returns a division with its Path and ChildrenCount.
	FindDivisionByCode(ctx context.Context, code string) (*Division, error)
	// FindDivisionChildren lists the children of code ("" for the provinces)
	// by code with their ChildrenCount, and the total number of children.
	FindDivisionChildren(ctx context.Context, code string, offset, limit int) ([]*Division, int, error)
	// SearchDivisions finds divisions whose name contains q, best matches
	// first, each with its Path.
	SearchDivisions(ctx context.Context, q string, limit int) ([]*Division, error)
	// FindExistingDivisionCodes returns which of codes exist.
	FindExistingDivisionCodes(ctx context.Context, codes []string) (map[string]bool, error)
	// ImportDivisions inserts or updates rows, sorted so that parents come
	// first. Only the columns in cols (and the derived ones) are written for
	// rows that already exist.
	ImportDivisions(ctx context.Context, rows []*Division, cols DivisionColumns, opt DivisionImportOptions) error
	// CountDivisions returns the number of divisions per level.
	CountDivisions(ctx context.Context) (map[Level]int, error)
}
