package shequ

import (
	"context"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// FacilityKind is the kind of a community service facility (服务设施).
type FacilityKind string

// Facility kinds, as the API names them.
const (
	FacilityCenter      FacilityKind = "service_center"  // 社区综合服务中心
	FacilityStation     FacilityKind = "service_station" // 社区综合服务站
	FacilityElderlyCare FacilityKind = "elderly_care"    // 养老服务设施
	FacilityDayCare     FacilityKind = "day_care"        // 日间照料中心
	FacilityHealth      FacilityKind = "health"          // 卫生服务站/卫生室
	FacilityCulture     FacilityKind = "culture_sports"  // 文体活动场所
	FacilityConvenience FacilityKind = "convenience"     // 便民服务点
	FacilityOther       FacilityKind = "other"           // 其他
)

// FacilityKinds lists the kinds in display order.
var FacilityKinds = []FacilityKind{FacilityCenter, FacilityStation, FacilityElderlyCare, FacilityDayCare,
	FacilityHealth, FacilityCulture, FacilityConvenience, FacilityOther}

// Comprehensive reports whether the kind is a comprehensive community
// service facility (综合服务设施), the plan's measure of coverage (覆盖率).
func (k FacilityKind) Comprehensive() bool { return k == FacilityCenter || k == FacilityStation }

// DefaultRadius is the service radius in metres a facility of the kind gets
// unless one is given: walking distance for the small ones, a village's
// reach for the comprehensive centre.
func (k FacilityKind) DefaultRadius() int {
	switch k {
	case FacilityCenter:
		return 3000
	case FacilityStation, FacilityHealth:
		return 2000
	case FacilityConvenience:
		return 500
	}
	return 1000
}

// FacilitySource is how a facility's site was obtained (the plan's four ways).
type FacilitySource string

// Facility sources.
const (
	SourceNewBuild   FacilitySource = "new_build"  // 新建配建
	SourceRenovation FacilitySource = "renovation" // 改建扩建
	SourceTransfer   FacilitySource = "transfer"   // 资产划转
	SourceLease      FacilitySource = "lease"      // 购置租赁
)

// FacilitySources lists the sources.
var FacilitySources = []FacilitySource{SourceNewBuild, SourceRenovation, SourceTransfer, SourceLease}

// FacilityStatus is a facility's life stage.
type FacilityStatus string

// Facility statuses. Only facilities in use count in coverage; planned ones
// serve "what if".
const (
	FacilityPlanned FacilityStatus = "planned" // 规划中
	FacilityInUse   FacilityStatus = "in_use"  // 在用
	FacilityClosed  FacilityStatus = "closed"  // 已停用
)

// FacilityStatuses lists the statuses.
var FacilityStatuses = []FacilityStatus{FacilityPlanned, FacilityInUse, FacilityClosed}

// Radius bounds of a facility, metres.
const (
	MinRadius = 50
	MaxRadius = 50000
)

// Facility is a community service facility. Lat/Lng are WGS-84; a facility
// without a location counts for the comprehensive-facility rate but not for
// radius coverage.
type Facility struct {
	ID        string
	Community string // 12-digit code of the community it belongs to
	Name      string
	Kind      FacilityKind
	FloorArea float64 // m², 0 unknown
	Lat, Lng  *float64
	Radius    int // service radius, metres
	Source    FacilitySource
	OpenedOn  *time.Time // a date, Asia/Shanghai
	Status    FacilityStatus
	Hours     string // opening hours, free text
	Photos    int    // number of photos stored
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Located reports whether the facility has a location.
func (f *Facility) Located() bool { return f.Lat != nil && f.Lng != nil }

// Validate normalizes and checks a facility and returns every field error at
// once. A zero radius becomes the kind's default.
func (f *Facility) Validate() error {
	var fe FieldErrors
	f.Name = strings.TrimSpace(f.Name)
	f.Hours = strings.TrimSpace(f.Hours)
	if n := utf8.RuneCountInString(f.Name); n == 0 || n > 100 {
		fe.Add("name", "facility.name.invalid", "The name has 1 to 100 characters.", nil)
	}
	if !oneOf(f.Kind, FacilityKinds) {
		fe.Add("kind", "facility.kind.invalid", "Unknown kind of facility.", map[string]any{"Value": string(f.Kind)})
	}
	if ValidateDivisionCode(f.Community) != nil || len(f.Community) != 12 {
		fe.Add("community_code", "resident.community.invalid", "Give the 12-digit code of a community.", nil)
	}
	if math.IsNaN(f.FloorArea) || f.FloorArea < 0 || f.FloorArea > 1_000_000 {
		fe.Add("floor_area", "facility.area.invalid", "The floor area is from 0 to 1000000 m².", nil)
	}
	if (f.Lat == nil) != (f.Lng == nil) {
		fe.Add("location", "facility.location.pair", "Give both latitude and longitude, or neither.", nil)
	} else if f.Located() && !InChina(*f.Lat, *f.Lng) {
		fe.Add("location", "location.outside", "The location is outside China (latitude 3–54, longitude 73–136).", nil)
	}
	if f.Radius == 0 && oneOf(f.Kind, FacilityKinds) {
		f.Radius = f.Kind.DefaultRadius()
	}
	if f.Radius < MinRadius || f.Radius > MaxRadius {
		fe.Add("radius", "facility.radius.invalid", "The service radius is from 50 to 50000 metres.", nil)
	}
	if f.Source != "" && !oneOf(f.Source, FacilitySources) {
		fe.Add("source", "facility.source.invalid", "Unknown source of the site.", map[string]any{"Value": string(f.Source)})
	}
	if !oneOf(f.Status, FacilityStatuses) {
		fe.Add("status", "facility.status.invalid", "The status is planned, in use or closed.", nil)
	}
	if utf8.RuneCountInString(f.Hours) > 200 {
		fe.Add("hours", "facility.hours.long", "The opening hours have at most 200 characters.", nil)
	}
	checkDates(&fe, map[string]*time.Time{"opened_on": f.OpenedOn})
	return fe.Err()
}

// InChina reports whether a WGS-84 position lies in the box around China
// that the GCJ-02 conversion also uses; it catches swapped or mistyped
// coordinates.
func InChina(lat, lng float64) bool {
	return lat >= 3 && lat <= 54 && lng >= 73 && lng <= 136
}

// FacilityFilter selects facilities; empty fields are not filtered on.
type FacilityFilter struct {
	Community string // at or below this division
	Kind      FacilityKind
	Status    FacilityStatus
	Query     string // part of the name
	Offset    int
	Limit     int
}

// FacilityPhoto is a photo of a facility.
type FacilityPhoto struct {
	ID          string
	FacilityID  string
	ContentType string // image/jpeg, image/png or image/webp
	Data        []byte
	CreatedAt   time.Time
}

// MaxPhotoBytes bounds one photo; MaxPhotos the photos of one facility.
const (
	MaxPhotoBytes = 5 << 20
	MaxPhotos     = 10
)

// FacilityService keeps the register of service facilities. Reads need
// ActionFacilityRead, writes ActionFacilityWrite over the community.
type FacilityService interface {
	CreateFacility(ctx context.Context, f *Facility) error
	FindFacilityByID(ctx context.Context, id string) (*Facility, error)
	FindFacilities(ctx context.Context, f FacilityFilter) ([]*Facility, int, error)
	// UpdateFacility replaces the editable fields of the facility f.ID.
	UpdateFacility(ctx context.Context, f *Facility) error
	// ImportFacilities creates facilities in one transaction (all or nothing).
	ImportFacilities(ctx context.Context, fs []*Facility) error
	AddFacilityPhoto(ctx context.Context, p *FacilityPhoto) error
	FindFacilityPhotos(ctx context.Context, facilityID string) ([]*FacilityPhoto, error)
}

// CommunityLocation is what coverage needs of a community: where it is, how
// many live there, and the flags siting may favour.
type CommunityLocation struct {
	Code       string
	Name       string
	Lat, Lng   *float64 // WGS-84; nil when unknown
	Population *int64
	Terrain    Terrain
	// Relocation marks a relocation resettlement area (易地扶贫搬迁安置区).
	Relocation bool
}

// Validate checks a location edit.
func (c *CommunityLocation) Validate() error {
	var fe FieldErrors
	if ValidateDivisionCode(c.Code) != nil || len(c.Code) != 12 {
		fe.Add("community_code", "resident.community.invalid", "Give the 12-digit code of a community.", nil)
	}
	if (c.Lat == nil) != (c.Lng == nil) {
		fe.Add("location", "facility.location.pair", "Give both latitude and longitude, or neither.", nil)
	} else if c.Lat != nil && !InChina(*c.Lat, *c.Lng) {
		fe.Add("location", "location.outside", "The location is outside China (latitude 3–54, longitude 73–136).", nil)
	}
	if c.Population != nil && (*c.Population < 0 || *c.Population > 10_000_000) {
		fe.Add("population", "location.population.invalid", "The population is from 0 to 10000000.", nil)
	}
	if c.Terrain != "" && !oneOf(c.Terrain, Terrains) {
		fe.Add("terrain", "location.terrain.invalid", "Unknown terrain.", nil)
	}
	return fe.Err()
}

// LocationService reads and edits the locations of communities (the
// division attributes coverage uses). Editing needs ActionFacilityWrite.
type LocationService interface {
	FindCommunityLocations(ctx context.Context, prefix string) ([]*CommunityLocation, error)
	UpdateCommunityLocation(ctx context.Context, c *CommunityLocation) error
}

// SniffImage names the type of an image by its first bytes: image/jpeg,
// image/png or image/webp, "" for anything else. Uploads are typed by what
// they are, never by what the client declares.
func SniffImage(b []byte) string {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return "image/jpeg"
	case len(b) >= 8 && string(b[:8]) == "\x89PNG\r\n\x1a\n":
		return "image/png"
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return "image/webp"
	}
	return ""
}
