package demo

import (
	"context"
	"fmt"
	"math"
	"time"

	"shequ"
)

// Facilities gives the demo county service facilities at the
// approximate community locations of the demo attributes: a comprehensive
// service centre in each town or street (at the community nearest the
// township's centre), comprehensive stations in about one community in twelve, and day-care
// and culture facilities about as often, so that many villages remain out of
// reach as the plan describes; two mountain villages are tagged relocation resettlement areas.
// None of them is real. Facilities are placed deterministically, so a fresh
// demo always shows the same gaps and the same siting suggestions.
// It needs Divisions, Facilities and Locations of s.
func Facilities(ctx context.Context, s Services) error {
	if s.Facilities == nil || s.Locations == nil {
		return nil
	}
	comms, err := s.Locations.FindCommunityLocations(ctx, County)
	if err != nil {
		return err
	}
	townships, _, err := s.Divisions.FindDivisionChildren(ctx, County, 0, 500)
	if err != nil {
		return err
	}
	opened := time.Date(2017, 6, 1, 0, 0, 0, 0, shequ.Shanghai)
	var fs []*shequ.Facility
	add := func(c *shequ.CommunityLocation, name string, kind shequ.FacilityKind, area float64) {
		f := &shequ.Facility{Community: c.Code, Name: name, Kind: kind, FloorArea: area, Lat: c.Lat, Lng: c.Lng,
			Status: shequ.FacilityInUse, Source: shequ.FacilitySources[spread(c.Code+name, len(shequ.FacilitySources))],
			OpenedOn: &opened, Hours: "周一至周五 8:30-17:00，周六 9:00-12:00"}
		fs = append(fs, f)
	}
	centre := map[string]bool{}
	for _, tw := range townships {
		var best *shequ.CommunityLocation
		bestD := math.Inf(1)
		for _, c := range comms {
			if c.Lat == nil || c.Code[:9] != tw.Code || tw.Lat == nil {
				continue
			}
			if d := math.Hypot(*c.Lat-*tw.Lat, *c.Lng-*tw.Lng); d < bestD {
				best, bestD = c, d
			}
		}
		if best != nil {
			centre[best.Code] = true
			add(best, tw.Name+"社区综合服务中心", shequ.FacilityCenter, 800+float64(spread(tw.Code, 700)))
		}
	}
	relocated := 0
	for _, c := range comms {
		if c.Lat == nil || centre[c.Code] {
			continue
		}
		switch spread(c.Code+"f", 12) {
		case 0:
			add(c, c.Name+"综合服务站", shequ.FacilityStation, 150+float64(spread(c.Code, 250)))
		case 1:
			add(c, c.Name+"居家养老服务照料中心", shequ.FacilityDayCare, 120+float64(spread(c.Code, 200)))
		case 2:
			add(c, c.Name+"文体活动中心", shequ.FacilityCulture, 200+float64(spread(c.Code, 400)))
		}
		if relocated < 2 && c.Terrain == shequ.TerrainMountain && spread(c.Code+"r", 4) == 0 {
			c.Relocation = true
			if err := s.Locations.UpdateCommunityLocation(ctx, c); err != nil {
				return fmt.Errorf("demo relocation area: %w", err)
			}
			relocated++
		}
	}
	if err := s.Facilities.ImportFacilities(ctx, fs); err != nil {
		return fmt.Errorf("demo facilities: %w", err)
	}
	return nil
}
