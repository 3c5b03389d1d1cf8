package shequ

import (
	"context"
	"math"
	"slices"
	"time"
)

// ManagementMode is how an estate is managed (管理模式).
type ManagementMode string

// Management modes.
const (
	ModeCompany   ManagementMode = "company"    // 物业服务企业
	ModeRCSelf    ManagementMode = "rc_self"    // 居委会自管 (无物业老旧小区自治管理)
	ModeOwnerSelf ManagementMode = "owner_self" // 业主自管
	ModeNone      ManagementMode = "none"       // 无管理
)

// ManagementModes lists the modes in display order.
var ManagementModes = []ManagementMode{ModeCompany, ModeRCSelf, ModeOwnerSelf, ModeNone}

// Label names the mode in messages (catalogue entry estate.mode.<mode>).
func (m ManagementMode) Label() Label { return Label{"estate.mode", string(m)} }

// SelfManaged reports whether the residents' committee or the owners
// manage the estate themselves.
func (m ManagementMode) SelfManaged() bool { return m == ModeRCSelf || m == ModeOwnerSelf }

// Estate is a residential estate (小区). It belongs to its primary community,
// whose division code scopes it; it may span other communities too.
type Estate struct {
	ID          string
	Name        string
	Community   string   // primary community, 12 digits
	Communities []string // other communities it spans, sorted, without the primary
	Address     string
	Lat, Lng    *float64 // WGS-84, optional
	Households  int      // 户数
	Buildings   int      // 楼栋数
	YearBuilt   int      // 0 unknown
	Old         bool     // 老旧小区
	Mode        ManagementMode
	// Read-only: the company of the contract in force today, if any.
	CompanyID   string
	CompanyName string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Limits of an estate.
const (
	MaxEstateHouseholds = 100_000
	MaxEstateBuildings  = 2_000
)

// InCommunity reports whether the estate lies (at least partly) in a
// community, or below a division when code is shorter.
func (e *Estate) InCommunity(code string) bool {
	if IsAncestorOrSelf(code, e.Community) {
		return true
	}
	for _, c := range e.Communities {
		if IsAncestorOrSelf(code, c) {
			return true
		}
	}
	return false
}

// Validate normalizes and checks an estate and returns every field error at
// once; now bounds the year built.
func (e *Estate) Validate(now time.Time) error {
	var fe FieldErrors
	if !trimText(&e.Name, 2, 60) {
		fe.Add("name", "estate.name.invalid", "The name has 2 to 60 characters.", nil)
	}
	if len(e.Community) != 12 || ValidateDivisionCode(e.Community) != nil {
		fe.Add("community_code", "resident.community.invalid", "Give the 12-digit code of a community.", nil)
	}
	var others []string
	for _, c := range e.Communities {
		if c == "" || c == e.Community {
			continue
		}
		if len(c) != 12 || ValidateDivisionCode(c) != nil {
			fe.Add("communities", "estate.communities.invalid", "Other communities are given by their 12-digit codes.", nil)
			break
		}
		others = append(others, c)
	}
	slices.Sort(others)
	e.Communities = slices.Compact(others)
	if len(e.Communities) > 10 {
		fe.Add("communities", "estate.communities.many", "An estate spans at most 10 other communities.", nil)
	}
	if !trimText(&e.Address, 0, 200) {
		fe.Add("address", "estate.address.long", "The address has at most 200 characters.", nil)
	}
	switch {
	case (e.Lat == nil) != (e.Lng == nil):
		fe.Add("lat", "facility.location.pair", "Give both latitude and longitude, or neither.", nil)
	case e.Lat != nil && (math.IsNaN(*e.Lat) || math.IsNaN(*e.Lng) || !InChina(*e.Lat, *e.Lng)):
		fe.Add("lat", "location.outside", "The position is not in China (latitude 3–54, longitude 73–136).", nil)
	}
	if e.Households < 1 || e.Households > MaxEstateHouseholds {
		fe.Add("households", "estate.households.invalid", "An estate has 1 to 100000 households.", map[string]any{"Max": MaxEstateHouseholds})
	}
	if e.Buildings < 0 || e.Buildings > MaxEstateBuildings {
		fe.Add("buildings", "estate.buildings.invalid", "An estate has 0 to 2000 buildings.", map[string]any{"Max": MaxEstateBuildings})
	}
	if e.YearBuilt != 0 && (e.YearBuilt < 1900 || e.YearBuilt > now.In(Shanghai).Year()) {
		fe.Add("year_built", "estate.year.invalid", "The year built lies between 1900 and this year.", nil)
	}
	if !oneOf(e.Mode, ManagementModes) {
		fe.Add("mode", "estate.mode.invalid", "Pick a management mode.", nil)
	}
	return fe.Err()
}

// EstateFilter selects estates; empty fields are not filtered on.
type EstateFilter struct {
	Division  string // primary or other community at or below this code
	Mode      ManagementMode
	Old       *bool
	CompanyID string // managed today by this company
	Query     string // part of the name
	Offset    int
	Limit     int // 1–500; 0 means 50
}

// EstateUpdate changes an estate; nil fields are left alone.
type EstateUpdate struct {
	Name        *string
	Communities *[]string
	Address     *string
	Lat, Lng    **float64
	Households  *int
	Buildings   *int
	YearBuilt   *int
	Old         *bool
	Mode        *ManagementMode
}

// Apply sets the fields of u on e.
func (u *EstateUpdate) Apply(e *Estate) {
	set(&e.Name, u.Name)
	set(&e.Communities, u.Communities)
	set(&e.Address, u.Address)
	set(&e.Lat, u.Lat)
	set(&e.Lng, u.Lng)
	set(&e.Households, u.Households)
	set(&e.Buildings, u.Buildings)
	set(&e.YearBuilt, u.YearBuilt)
	set(&e.Old, u.Old)
	set(&e.Mode, u.Mode)
}

// set stores *v in *dst when v is not nil.
func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// EstateHousehold links a household of the register to the estate it lives
// in; residents rate and complain about that estate.
type EstateHousehold struct {
	HouseholdID string
	EstateID    string
	SetBy       string
	SetAt       time.Time
}

// EstateService keeps the register of estates.
type EstateService interface {
	CreateEstate(ctx context.Context, e *Estate) error
	FindEstateByID(ctx context.Context, id string) (*Estate, error)
	FindEstates(ctx context.Context, f EstateFilter) ([]*Estate, int, error)
	UpdateEstate(ctx context.Context, id string, u EstateUpdate) (*Estate, error)
	// ImportEstates writes estates all or nothing; each row's errors carry
	// its line.
	ImportEstates(ctx context.Context, es []*Estate) error
	// SetHouseholdEstate records the estate a household lives in: a
	// resident for their own household once (a community worker may change
	// it), a worker for any household of the estate's communities.
	SetHouseholdEstate(ctx context.Context, householdID, estateID string) error
	// MyEstate returns the estate of the signed-in resident's household,
	// ENotFound when none is recorded.
	MyEstate(ctx context.Context) (*Estate, string, error)
}
