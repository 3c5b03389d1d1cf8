// Package demo loads the demonstration content of `shequ serve -demo` into an
// empty database: the whole national division tree and the illustrative
// attributes of the real county 安吉县 (330523). Later modules add their own
// demo content for the same county here.
package demo

import (
	"context"
	"fmt"
	"io"
	"time"

	"shequ"
	"shequ/data"
	"shequ/internal/divimport"
)

// County is the demo county, 浙江省湖州市安吉县.
const County = "330523"

// Services are what the demo writes through.
type Services struct {
	Divisions  shequ.DivisionService
	ImportRuns shequ.ImportRunService
	Users      shequ.UserService
	Residents  shequ.ResidentService
	Hasher     shequ.PasswordHasher
	// TwoFactor, when set, gets the demo accounts of roles that need
	// two-factor sign-in set up with fixed secrets (totp.go).
	TwoFactor shequ.TwoFactorService
	// Orgs and Workers, when set, get synthetic registers for the county.
	Orgs    shequ.OrgService
	Workers shequ.SocialWorkerService
	// Linkage, when set with LinkageClock, gets the 三社联动 demo: needs, a
	// closed project and an open call. LinkageClock sets the service's
	// workflow clock (nil: back to the database's) so that the demo replays
	// months of history through the real rules.
	Linkage      shequ.LinkageService
	LinkageClock func(now func() time.Time)
	// Facilities and Locations, when set, get the demo service facilities
	// and relocation-area tags.
	Facilities shequ.FacilityService
	Locations  shequ.LocationService
	// Property, when set with PropertyClock, gets the property oversight
	// demo (estates, companies, committees, inspections, meetings,
	// complaints, ratings, credit). PropertyClock sets the module's clock
	// (nil: back to the database's) so that the demo replays months.
	Property      shequ.PropertyService
	PropertyClock func(now func() time.Time)
	// Care, when set with CareClock, gets the 三留守 care demo (demo/care.go);
	// CareClock sets the service's rule clock (nil: back to the default).
	Care      shequ.CareService
	CareClock func(now func() time.Time)
	// Volunteers, TimeBank and Workforce, when set with VolunteerClock,
	// get the volunteer and workforce demo (demo/volunteer.go).
	Volunteers     shequ.VolunteerService
	TimeBank       shequ.TimeBankService
	Workforce      shequ.WorkforceService
	VolunteerClock func(now func() time.Time)
	// Teams, when set, gets the demo's volunteer teams (demo/volunteer_team.go).
	Teams shequ.VolunteerTeamService
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Requests, Desk and Delegations, when set, get demo requests (online,
	// window, agency) with a document, a delegation and a household.
	Requests    shequ.RequestService
	Desk        shequ.RequestDesk
	Delegations shequ.DelegationService
	// Prefix, when set, loads only that division of the national tree with
	// its ancestors and descendants (tests load the demo county alone,
	// "330523", in a second instead of the whole country).
	Prefix string
}

// Progress reports the phase ("divisions" or "anji") and rows written of total.
type Progress func(phase string, written, total int)

// Load fills an empty database (the division tree, the 安吉县 attributes,
// one demo account per role and synthetic residents) and reports whether it did: a database that
// already holds divisions is left alone, so that -demo never overwrites real
// data.
func Load(ctx context.Context, s Services, progress Progress) (bool, error) {
	counts, err := s.Divisions.CountDivisions(ctx)
	if err != nil {
		return false, fmt.Errorf("count divisions: %w", err)
	}
	for _, n := range counts {
		if n > 0 {
			return false, nil
		}
	}
	r, err := data.Divisions()
	if err != nil {
		return false, err
	}
	defer r.Close()
	if err := load(ctx, s, r, data.DivisionsSource, "divisions", progress); err != nil {
		return false, err
	}
	if err := load(ctx, s, data.AnjiDemo(), data.AnjiDemoSource, "anji", progress); err != nil {
		return false, err
	}
	if err := loadAccounts(ctx, s); err != nil {
		return false, err
	}
	if err := loadRegisters(ctx, s); err != nil {
		return false, err
	}
	if err := Facilities(ctx, s); err != nil {
		return false, err
	}
	if err := loadLinkage(ctx, s); err != nil {
		return false, err
	}
	if err := loadProperty(ctx, s); err != nil {
		return false, err
	}
	if err := loadRequests(ctx, s); err != nil {
		return false, err
	}
	if err := loadWork(ctx, s); err != nil {
		return false, err
	}
	if err := loadCare(ctx, s); err != nil {
		return false, fmt.Errorf("care demo: %w", err)
	}
	if err := loadVolunteers(ctx, s); err != nil {
		return false, fmt.Errorf("volunteer demo: %w", err)
	}
	if err := loadTwoFactor(ctx, s); err != nil {
		return false, err
	}
	return true, nil
}

// load imports one shipped file all-or-nothing: shipped data has no bad rows,
// and if it had, a half-loaded demo would mislead.
func load(ctx context.Context, s Services, r io.Reader, source, phase string, progress Progress) error {
	now := s.Now
	if now == nil {
		now = time.Now
	}
	started := now()
	f, err := divimport.Parse(r, divimport.ParseOptions{Prefix: s.Prefix})
	if err != nil {
		return fmt.Errorf("parse %s: %w", source, err)
	}
	res, err := divimport.Import(ctx, s.Divisions, f, divimport.Options{
		AllOrNothing: true,
		Progress: func(written, total int) {
			if progress != nil {
				progress(phase, written, total)
			}
		},
	})
	if err != nil {
		return fmt.Errorf("import %s: %w", source, err)
	}
	if len(res.Errors) > 0 {
		e := res.Errors[0]
		return fmt.Errorf("import %s: line %d: %s", source, e.Line, e.Message)
	}
	if err := s.ImportRuns.CreateImportRun(ctx, res.Run(source, true, started, now())); err != nil {
		return fmt.Errorf("record import of %s: %w", source, err)
	}
	return nil
}
