package sqlstore

import (
	"context"
	"slices"
	"strings"
	"testing"

	"shequ"
)

// newFacilities imports the division fixture and returns a FacilityService.
func newFacilities(tb testing.TB, db *DB) *FacilityService {
	tb.Helper()
	mustImport(tb, db, divisionsOf(fixture...))
	return NewFacilityService(db)
}

func fptr(f float64) *float64 { return &f }

// aFacility returns a valid, unsaved facility in use at a point of 递铺.
func aFacility(name, community string) *shequ.Facility {
	return &shequ.Facility{Name: name, Kind: shequ.FacilityStation, Community: community, FloorArea: 320,
		Lat: fptr(30.63), Lng: fptr(119.68), Source: shequ.SourceRenovation, Status: shequ.FacilityInUse,
		Hours: "周一至周五 8:30-17:00"}
}

func TestFacilityCreateReadUpdate(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := newFacilities(t, db)
		var events []string
		s.OnChange = func(now, before *shequ.Facility) {
			events = append(events, now.Name+":"+string(now.Status)+":"+map[bool]string{true: "new", false: "changed"}[before == nil])
		}
		ctx := worker(tiaoxiu)
		f := aFacility("苕秀社区综合服务站", tiaoxiu)
		f.Radius = 0 // the kind's default
		f.OpenedOn = date(2019, 5, 1)
		if err := s.CreateFacility(ctx, f); err != nil {
			t.Fatal(err)
		}
		if f.Radius != 2000 || f.ID == "" {
			t.Errorf("radius %d id %q", f.Radius, f.ID)
		}
		got, err := s.FindFacilityByID(ctx, f.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != f.Name || *got.Lat != 30.63 || *got.Lng != 119.68 || got.Radius != 2000 ||
			got.Source != shequ.SourceRenovation || !sameDay(got.OpenedOn, f.OpenedOn) || got.Hours != f.Hours {
			t.Errorf("read back %+v", got)
		}
		// Update: planned → closed, moved; the changed fields are audited.
		got.Status, got.Lat, got.Lng = shequ.FacilityClosed, fptr(30.64), fptr(119.69)
		if err := s.UpdateFacility(ctx, got); err != nil {
			t.Fatal(err)
		}
		if d := auditDetails(t, db, auditFacilityUpdate, f.ID); len(d) != 1 || d[0] != "fields=location,status" {
			t.Errorf("update audit %v", d)
		}
		// Nothing changed: nothing written.
		same := *got
		if err := s.UpdateFacility(ctx, &same); err != nil {
			t.Fatal(err)
		}
		if n := auditCount(t, db, auditFacilityUpdate, shequ.AuditAllowed, f.ID); n != 1 {
			t.Errorf("%d update records", n)
		}
		want := []string{"苕秀社区综合服务站:in_use:new", "苕秀社区综合服务站:closed:changed"}
		if !slices.Equal(events, want) {
			t.Errorf("OnChange %v, want %v", events, want)
		}
		// A location may be cleared.
		got.Lat, got.Lng = nil, nil
		if err := s.UpdateFacility(ctx, got); err != nil {
			t.Fatal(err)
		}
		if again, _ := s.FindFacilityByID(ctx, f.ID); again.Located() {
			t.Error("location not cleared")
		}
	})
}

func TestFacilityValidation(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(f *shequ.Facility)
		field string
		key   string
	}{
		{"no name", func(f *shequ.Facility) { f.Name = "  " }, "name", "facility.name.invalid"},
		{"bad kind", func(f *shequ.Facility) { f.Kind = "castle" }, "kind", "facility.kind.invalid"},
		{"township code", func(f *shequ.Facility) { f.Community = dipu }, "community_code", "resident.community.invalid"},
		{"negative area", func(f *shequ.Facility) { f.FloorArea = -1 }, "floor_area", "facility.area.invalid"},
		{"half a location", func(f *shequ.Facility) { f.Lng = nil }, "location", "facility.location.pair"},
		{"swapped coordinates", func(f *shequ.Facility) { f.Lat, f.Lng = fptr(119.68), fptr(30.63) }, "location", "location.outside"},
		{"radius too small", func(f *shequ.Facility) { f.Radius = 10 }, "radius", "facility.radius.invalid"},
		{"radius too large", func(f *shequ.Facility) { f.Radius = 60000 }, "radius", "facility.radius.invalid"},
		{"bad source", func(f *shequ.Facility) { f.Source = "gift" }, "source", "facility.source.invalid"},
		{"bad status", func(f *shequ.Facility) { f.Status = "ruined" }, "status", "facility.status.invalid"},
		{"long hours", func(f *shequ.Facility) { f.Hours = strings.Repeat("时", 201) }, "hours", "facility.hours.long"},
		{"opened tomorrow", func(f *shequ.Facility) { tm := testNow.AddDate(0, 0, 2); f.OpenedOn = &tm }, "opened_on", "register.date.future"},
	}
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := newFacilities(t, db)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f := aFacility("站点", tiaoxiu)
				tt.edit(f)
				err := s.CreateFacility(worker(tiaoxiu), f)
				e := shequ.AsError(err)
				found := false
				for _, fe := range e.Fields {
					found = found || (fe.Field == tt.field && fe.Key == tt.key)
				}
				if e.Code != shequ.EInvalid || !found {
					t.Fatalf("err = %v (fields %+v), want %s on %s", err, e.Fields, tt.key, tt.field)
				}
			})
		}
		if _, n, _ := s.FindFacilities(cliContext(), shequ.FacilityFilter{}); n != 0 {
			t.Errorf("%d facilities stored by invalid input", n)
		}
		// An unknown community is refused too.
		err := s.CreateFacility(cliContext(), aFacility("站点", "330523001999"))
		if e := shequ.AsError(err); e.Code != shequ.EInvalid || len(e.Fields) != 1 || e.Fields[0].Key != "resident.community.unknown" {
			t.Errorf("unknown community: %v", err)
		}
	})
}

func TestFacilityListScopeAndImport(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := newFacilities(t, db)
		rows := []*shequ.Facility{aFacility("甲站", tiaoxiu), aFacility("乙中心", kangshan), aFacility("丙点", kangshan)}
		rows[1].Kind, rows[2].Status = shequ.FacilityCenter, shequ.FacilityPlanned
		var heard []string // the listener hears each facility imported, once committed
		s.OnChange = func(now, before *shequ.Facility) {
			if before != nil {
				t.Errorf("an imported facility heard with a before: %+v", before)
			}
			heard = append(heard, now.ID)
		}
		if err := s.ImportFacilities(cliContext(), rows); err != nil {
			t.Fatal(err)
		}
		for _, f := range rows {
			if n := auditCount(t, db, auditFacilityImport, shequ.AuditAllowed, f.ID); n != 1 {
				t.Errorf("%s: %d import records", f.Name, n)
			}
		}
		if len(heard) != 3 || heard[0] != rows[0].ID || heard[2] != rows[2].ID {
			t.Errorf("the listener heard %v", heard)
		}
		heard = nil
		// All or nothing: a bad third row stores nothing and names the row.
		bad := []*shequ.Facility{aFacility("丁站", tiaoxiu), aFacility("戊站", tiaoxiu), aFacility("", tiaoxiu)}
		err := s.ImportFacilities(cliContext(), bad)
		if e := shequ.AsError(err); e.Code != shequ.EInvalid || e.Data["Row"] != 3 {
			t.Errorf("bad row: %v %+v", err, e.Data)
		}
		dup := []*shequ.Facility{aFacility("己站", tiaoxiu), aFacility("己站", tiaoxiu)}
		if e := shequ.AsError(s.ImportFacilities(cliContext(), dup)); e.Code != shequ.EConflict || e.Key != "facility.import.duplicate" {
			t.Errorf("duplicate rows: %v", e)
		}
		// The same file again: refused, nothing doubled.
		again := []*shequ.Facility{aFacility("甲站", tiaoxiu)}
		if e := shequ.AsError(s.ImportFacilities(cliContext(), again)); e.Code != shequ.EConflict || e.Data["Row"] != 1 {
			t.Errorf("second import: %v %+v", e, e.Data)
		}
		if e := shequ.AsError(s.CreateFacility(cliContext(), aFacility("甲站", tiaoxiu))); e.Key != "facility.name.taken" ||
			len(e.Fields) != 1 || e.Fields[0].Field != "name" {
			t.Errorf("same name again: %v", e)
		}
		list, n, err := s.FindFacilities(cliContext(), shequ.FacilityFilter{})
		if err != nil || n != 3 || len(list) != 3 {
			t.Fatalf("after failed imports: %d %v", n, err)
		}
		if len(heard) != 0 {
			t.Errorf("refused imports were heard: %v", heard)
		}
		s.OnChange = nil
		// Filters and scope.
		for _, tt := range []struct {
			ctxScope string
			f        shequ.FacilityFilter
			want     int
		}{
			{tiaoxiu, shequ.FacilityFilter{}, 1},
			{dipu, shequ.FacilityFilter{}, 3},
			{dipu, shequ.FacilityFilter{Community: kangshan}, 2},
			{dipu, shequ.FacilityFilter{Kind: shequ.FacilityCenter}, 1},
			{dipu, shequ.FacilityFilter{Status: shequ.FacilityPlanned}, 1},
			{dipu, shequ.FacilityFilter{Query: "中心"}, 1},
			{tiaoxiu, shequ.FacilityFilter{Community: kangshan}, 0},
		} {
			_, n, err := s.FindFacilities(worker(tt.ctxScope), tt.f)
			if err != nil || n != tt.want {
				t.Errorf("scope %s filter %+v: %d (%v), want %d", tt.ctxScope, tt.f, n, err, tt.want)
			}
		}
		if _, _, err := s.FindFacilities(cliContext(), shequ.FacilityFilter{Kind: "castle"}); shequ.ErrorCode(err) != shequ.EInvalid {
			t.Errorf("bad kind filter: %v", err)
		}
		// Out of scope reads as missing.
		if _, err := s.FindFacilityByID(worker(tiaoxiu), rows[1].ID); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Errorf("out of scope: %v", err)
		}
	})
}

func TestFacilityPhotos(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n0000IHDR")
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := newFacilities(t, db)
		f := aFacility("站", tiaoxiu)
		if err := s.CreateFacility(cliContext(), f); err != nil {
			t.Fatal(err)
		}
		ctx := worker(tiaoxiu)
		if err := s.AddFacilityPhoto(ctx, &shequ.FacilityPhoto{FacilityID: f.ID, ContentType: "image/jpeg", Data: png}); err != nil {
			t.Fatal(err)
		}
		for _, tt := range []struct {
			name string
			data []byte
			key  string
		}{
			{"not an image", []byte("<html>"), "facility.photo.type"},
			{"empty", nil, "facility.photo.size"},
			{"too big", append(append([]byte{}, png...), make([]byte, shequ.MaxPhotoBytes)...), "facility.photo.size"},
		} {
			err := s.AddFacilityPhoto(ctx, &shequ.FacilityPhoto{FacilityID: f.ID, Data: tt.data})
			if e := shequ.AsError(err); e.Code != shequ.EInvalid || len(e.Fields) != 1 || e.Fields[0].Key != tt.key {
				t.Errorf("%s: %v", tt.name, err)
			}
		}
		photos, err := s.FindFacilityPhotos(ctx, f.ID)
		if err != nil || len(photos) != 1 || photos[0].ContentType != "image/png" || string(photos[0].Data) != string(png) {
			t.Fatalf("photos %v %v", photos, err)
		}
		got, _ := s.FindFacilityByID(ctx, f.ID)
		if got.Photos != 1 {
			t.Errorf("photo count %d", got.Photos)
		}
		for range shequ.MaxPhotos - 1 {
			if err := s.AddFacilityPhoto(ctx, &shequ.FacilityPhoto{FacilityID: f.ID, Data: png}); err != nil {
				t.Fatal(err)
			}
		}
		err = s.AddFacilityPhoto(ctx, &shequ.FacilityPhoto{FacilityID: f.ID, Data: png})
		if e := shequ.AsError(err); e.Code != shequ.EInvalid || e.Fields[0].Key != "facility.photo.many" {
			t.Errorf("eleventh photo: %v", err)
		}
		if err := s.AddFacilityPhoto(worker(kangshan), &shequ.FacilityPhoto{FacilityID: f.ID, Data: png}); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Errorf("out of scope photo: %v", err)
		}
	})
}

func TestCommunityLocations(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		mustImport(t, db, divisionsOf(fixture...))
		s := NewLocationService(db)
		var seen []string
		s.OnChange = func(c *shequ.CommunityLocation) { seen = append(seen, c.Code) }
		pop := int64(3200)
		c := &shequ.CommunityLocation{Code: kangshan, Lat: fptr(30.60), Lng: fptr(119.70), Population: &pop,
			Terrain: shequ.TerrainMountain, Relocation: true}
		if err := s.UpdateCommunityLocation(worker(dipu), c); err != nil {
			t.Fatal(err)
		}
		all, err := s.FindCommunityLocations(worker(dipu), "")
		if err != nil {
			t.Fatal(err)
		}
		var got *shequ.CommunityLocation
		for _, x := range all {
			if !strings.HasPrefix(x.Code, dipu) {
				t.Errorf("out of scope %s", x.Code)
			}
			if x.Code == kangshan {
				got = x
			}
		}
		if got == nil || *got.Lat != 30.60 || *got.Population != 3200 || got.Terrain != shequ.TerrainMountain || !got.Relocation || got.Name == "" {
			t.Fatalf("read back %+v", got)
		}
		for _, tt := range []struct {
			name string
			c    shequ.CommunityLocation
			key  string
		}{
			{"outside China", shequ.CommunityLocation{Code: kangshan, Lat: fptr(0), Lng: fptr(0)}, "location.outside"},
			{"half", shequ.CommunityLocation{Code: kangshan, Lat: fptr(30)}, "facility.location.pair"},
			{"township", shequ.CommunityLocation{Code: dipu}, "resident.community.invalid"},
		} {
			err := s.UpdateCommunityLocation(worker(dipu), &tt.c)
			if e := shequ.AsError(err); e.Code != shequ.EInvalid || e.Fields[0].Key != tt.key {
				t.Errorf("%s: %v", tt.name, err)
			}
		}
		if err := s.UpdateCommunityLocation(worker(tiaoxiu), &shequ.CommunityLocation{Code: kangshan}); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Errorf("out of scope: %v", err)
		}
		if err := s.UpdateCommunityLocation(asActor(shequ.RoleResident, tiaoxiu), &shequ.CommunityLocation{Code: tiaoxiu}); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("resident: %v", err)
		}
		if !slices.Equal(seen, []string{kangshan}) {
			t.Errorf("OnChange %v", seen)
		}
	})
}

// TestCommunitiesAfter: the reconcile's batches (CoverageSource.
// CommunitiesAfter) give every community once, in code order, with its
// stored location, and nothing after the last.
func TestCommunitiesAfter(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mustImport(t, db, divisionsOf(fixture...))
		pop := int64(1800)
		if err := NewLocationService(db).UpdateCommunityLocation(worker(dipu), &shequ.CommunityLocation{Code: kangshan,
			Lat: fptr(30.61), Lng: fptr(119.71), Population: &pop, Terrain: shequ.TerrainHill}); err != nil {
			t.Fatal(err)
		}
		var want []string
		if err := streamLocations(ctx, db, "", func(c *shequ.CommunityLocation) error {
			want = append(want, c.Code)
			return nil
		}); err != nil || len(want) < 3 {
			t.Fatalf("communities %v: %v", want, err)
		}
		src := NewCoverageSource(db)
		var got []string
		var located *shequ.CommunityLocation
		after, batches := "", 0
		for {
			batch, err := src.CommunitiesAfter(ctx, after, 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(batch) == 0 {
				break
			}
			if len(batch) > 2 {
				t.Fatalf("batch of %d, limit 2", len(batch))
			}
			batches++
			for _, c := range batch {
				got = append(got, c.Code)
				if c.Code == kangshan {
					located = c
				}
			}
			after = batch[len(batch)-1].Code
		}
		if !slices.Equal(got, want) || batches != (len(want)+1)/2 {
			t.Fatalf("batches %d gave %v, want %v", batches, got, want)
		}
		if located == nil || located.Lat == nil || *located.Lat != 30.61 || *located.Population != 1800 ||
			located.Terrain != shequ.TerrainHill || located.Name == "" {
			t.Fatalf("located community read back %+v", located)
		}
	})
}
