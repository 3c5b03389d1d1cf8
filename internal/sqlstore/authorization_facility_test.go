package sqlstore

import (
	"fmt"
	"testing"

	"shequ"
)

// The facility rows of the authorization matrix (issue 7): the keepers of
// the register (community workers, officials) read and write facilities and
// community locations in their scope; nobody else does.
func init() { authzOps = append(authzOps, authzFacilityOps...) }

// createdFacility stores a fresh facility of community from the console.
func (fx *authzFixture) createdFacility(t *testing.T, community string) *shequ.Facility {
	t.Helper()
	f := aFacility(fmt.Sprintf("站点%d", fx.next()), community)
	if err := NewFacilityService(fx.db).CreateFacility(cliContext(), f); err != nil {
		t.Fatal(err)
	}
	return f
}

var authzFacilityOps = []authzOp{
	{
		name: "facility.create", action: shequ.ActionFacilityWrite, write: true, cols: inOut,
		want: perRole{"FF", "AN", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			return NewFacilityService(c.fx.db).CreateFacility(c.ctx, aFacility(fmt.Sprintf("站%d", c.fx.next()), communityFor(c.col)))
		},
	},
	{
		name: "facility.read", action: shequ.ActionFacilityRead, cols: inOut,
		want: perRole{"FF", "AN", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			want := c.fx.createdFacility(c.t, communityFor(c.col))
			got, err := NewFacilityService(c.fx.db).FindFacilityByID(c.ctx, want.ID)
			if err == nil && got.ID != want.ID {
				return fmt.Errorf("read %s returned %+v", want.ID, got)
			}
			return err
		},
	},
	{
		name: "facility.list", action: shequ.ActionFacilityRead, cols: inOut,
		want: perRole{"FF", "AH", "FF", "FF", "FF", "AH", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			want := c.fx.createdFacility(c.t, communityFor(c.col))
			all, _, err := NewFacilityService(c.fx.db).FindFacilities(c.ctx, shequ.FacilityFilter{Limit: 500})
			if err != nil {
				return err
			}
			for _, f := range all {
				if !inScope(f.Community) {
					return fmt.Errorf("leak: list shows facility %s of %s", f.ID, f.Community)
				}
			}
			for _, f := range all {
				if f.ID == want.ID {
					return nil
				}
			}
			return errHidden
		},
	},
	{
		name: "facility.update", action: shequ.ActionFacilityWrite, write: true, cols: inOut,
		want: perRole{"FF", "AN", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			f := c.fx.createdFacility(c.t, communityFor(c.col))
			f.FloorArea++
			return NewFacilityService(c.fx.db).UpdateFacility(c.ctx, f)
		},
	},
	{
		name: "division.location", action: shequ.ActionFacilityWrite, write: true, cols: inOut,
		want: perRole{"FF", "AN", "FF", "FF", "FF", "AN", "FF", "FF", "FF"},
		run: func(c *authzCase) error {
			pop := int64(1000 + c.fx.next())
			return NewLocationService(c.fx.db).UpdateCommunityLocation(c.ctx,
				&shequ.CommunityLocation{Code: communityFor(c.col), Lat: fptr(30.6), Lng: fptr(119.7), Population: &pop})
		},
	},
}
