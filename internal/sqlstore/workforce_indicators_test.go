package sqlstore

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"shequ"
	"shequ/internal/indicator"
)

// wfHistory is what the test knows of a stored member: the record and its
// attended course minutes by course day.
type wfHistory struct {
	m        *shequ.WorkforceMember
	training map[string]int // course day → minutes
}

// bruteWorkforceFigures computes the workforce figures of the members
// working in communities as of now by counting: who worked on a day is
// decided by comparing 'YYYY-MM-DD' texts, completed years by adding whole
// years to the hiring day one at a time, the median by sorting.
func bruteWorkforceFigures(hs []*wfHistory, communities map[string]bool, now time.Time) shequ.WorkforceFigures {
	day := func(t time.Time) string { return t.In(shequ.Shanghai).Format(time.DateOnly) }
	today := day(now)
	t := now.In(shequ.Shanghai)
	yearAgo := day(time.Date(t.Year()-1, t.Month(), t.Day(), 0, 0, 0, 0, shequ.Shanghai))
	worked := func(m *shequ.WorkforceMember, d string) bool {
		return day(m.HiredOn) <= d && (m.LeftOn == nil || day(*m.LeftOn) > d)
	}
	f := shequ.WorkforceFigures{MedianTenure: -1, LeaversByWhy: map[shequ.LeaveReason]int{}, ByPost: map[shequ.Post]int{},
		ByEducation: map[shequ.Education]int{}, ByQual: map[shequ.Qualification]int{}}
	var tenures []int
	for _, h := range hs {
		m := h.m
		if !communities[m.Community] {
			continue
		}
		if worked(m, today) {
			f.Employed++
			f.ByPost[m.Post]++
			f.ByEducation[m.Education]++
			f.ByQual[m.Qualification]++
			years := 0
			for day(m.HiredOn.AddDate(years+1, 0, 0)) <= today {
				years++
			}
			tenures = append(tenures, years)
		}
		if worked(m, yearAgo) {
			f.Base12++
			if worked(m, today) {
				f.Retained12++
			}
		}
		if m.LeftOn != nil && day(*m.LeftOn) > yearAgo && day(*m.LeftOn) <= today {
			f.Leavers12++
			f.LeaversByWhy[m.LeaveReason]++
		}
		for d, n := range h.training {
			if d > yearAgo && d <= today {
				f.TrainingMinutes12 += n
			}
		}
	}
	if len(tenures) > 0 {
		slices.Sort(tenures)
		f.MedianTenure = min(tenures[(len(tenures)-1)/2], shequ.TenureCapYears)
	}
	return f
}

// sameWorkforce compares the figures the engine gives with the brute
// force's.
func sameWorkforce(got, want shequ.WorkforceFigures) error {
	if got.Employed != want.Employed || got.Base12 != want.Base12 || got.Retained12 != want.Retained12 ||
		got.Leavers12 != want.Leavers12 || got.MedianTenure != want.MedianTenure || got.TrainingMinutes12 != want.TrainingMinutes12 {
		return fmt.Errorf("employed %d/%d, base %d/%d, retained %d/%d, leavers %d/%d, median tenure %d/%d, training %d/%d (got/want)",
			got.Employed, want.Employed, got.Base12, want.Base12, got.Retained12, want.Retained12, got.Leavers12, want.Leavers12,
			got.MedianTenure, want.MedianTenure, got.TrainingMinutes12, want.TrainingMinutes12)
	}
	for _, r := range shequ.LeaveReasons {
		if got.LeaversByWhy[r] != want.LeaversByWhy[r] {
			return fmt.Errorf("leavers for %s: %d, want %d", r, got.LeaversByWhy[r], want.LeaversByWhy[r])
		}
	}
	for _, p := range shequ.Posts {
		if got.ByPost[p] != want.ByPost[p] {
			return fmt.Errorf("post %s: %d, want %d", p, got.ByPost[p], want.ByPost[p])
		}
	}
	for _, e := range shequ.Educations {
		if got.ByEducation[e] != want.ByEducation[e] {
			return fmt.Errorf("education %s: %d, want %d", e, got.ByEducation[e], want.ByEducation[e])
		}
	}
	for _, q := range shequ.Qualifications {
		if got.ByQual[q] != want.ByQual[q] {
			return fmt.Errorf("qualification %s: %d, want %d", q, got.ByQual[q], want.ByQual[q])
		}
	}
	return nil
}

// TestWorkforceIndicatorsBruteForce: on random workforce histories, the
// engine's retention, median tenure, leavers by reason, structure and
// training figures equal a brute-force count, for the county, each
// community and each value of the urban/rural and terrain breakdowns —
// both for an engine loaded afresh and for one kept up to date
// incrementally (each write refreshes its communities, the day job all of
// them as the clock moves on), on both engines.
func TestWorkforceIndicatorsBruteForce(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := cliContext()
		divs := divisionsOf(fixture...)
		terrains := map[string]shequ.Terrain{}
		kinds := map[string]shequ.Kind{}
		var communities []string
		for i, d := range divs {
			if d.Level == shequ.LevelCommunity && d.Code[:6] == "330523" {
				tr := []shequ.Terrain{shequ.TerrainPlain, shequ.TerrainHill, shequ.TerrainMountain}[i%3]
				d.Terrain = &tr
				terrains[d.Code], kinds[d.Code] = tr, d.Kind
				communities = append(communities, d.Code)
			}
		}
		mustImport(t, db, divs)
		clock := newTestClock(time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC))
		db.Now = clock.Now
		s := NewWorkforceService(db)
		s.Now = clock.Now
		src := NewIndicatorSource(db)
		newEngine := func() *indicator.Engine {
			eng := indicator.New(src, NewTargetService(db), indicator.WorkforceModule(src, clock.Now))
			eng.Now = clock.Now
			mustDo(t, eng.Load(t.Context()))
			return eng
		}
		// The incremental engine hears every write, as the server's does.
		live := newEngine()
		s.OnChange = func(cs ...string) { mustDo(t, live.RefreshModule(t.Context(), "workforce", cs...)) }
		rng := rand.New(rand.NewPCG(17, uint64(len(db.Engine()))))
		var hs []*wfHistory
		official := asActor(shequ.RoleOfficial, "330523")
		for round := range 8 {
			now := clock.Now()
			// New engagements, some hired decades ago (past the tenure
			// cap), some already left.
			var batch []*shequ.WorkforceMember
			for range 5 + rng.IntN(20) {
				back := rng.IntN(3650)
				if rng.IntN(8) == 0 {
					back = 365*25 + rng.IntN(365*12)
				}
				hired := shequ.DateOf(now).AddDate(0, 0, -back)
				m := &shequ.WorkforceMember{Name: fmt.Sprintf("成员%d", len(hs)+len(batch)),
					Community: communities[rng.IntN(len(communities))], Post: shequ.Posts[rng.IntN(len(shequ.Posts))],
					Education: shequ.Educations[rng.IntN(len(shequ.Educations))], AgeBand: shequ.AgeBands[rng.IntN(len(shequ.AgeBands))],
					Qualification: shequ.Qualifications[rng.IntN(len(shequ.Qualifications))], HiredOn: hired}
				if rng.IntN(3) == 0 {
					left := hired.AddDate(0, 0, rng.IntN(back+1))
					m.LeftOn, m.LeaveReason = &left, shequ.LeaveReasons[rng.IntN(len(shequ.LeaveReasons))]
				}
				batch = append(batch, m)
			}
			mustDo(t, s.ImportMembers(ctx, batch))
			for _, m := range batch {
				hs = append(hs, &wfHistory{m: m, training: map[string]int{}})
			}
			// Some current members leave today or move to another
			// community.
			for _, h := range hs {
				if h.m.LeftOn != nil || rng.IntN(6) != 0 {
					continue
				}
				m := *h.m
				if rng.IntN(2) == 0 {
					left := shequ.DateOf(now)
					m.LeftOn, m.LeaveReason = &left, shequ.LeaveReasons[rng.IntN(len(shequ.LeaveReasons))]
				} else {
					m.Community = communities[rng.IntN(len(communities))]
				}
				mustDo(t, s.UpdateMember(ctx, &m))
				h.m = &m
			}
			// A course, some of this year's members attend it.
			c := &shequ.Course{Title: fmt.Sprintf("培训%d", round), Organizer: "安吉县民政局", Community: communities[0],
				Topic: shequ.TopicPolicy, Day: shequ.DateOf(now).AddDate(0, 0, -rng.IntN(30)), Minutes: 60 * (1 + rng.IntN(8))}
			mustDo(t, s.CreateCourse(ctx, c))
			for _, h := range hs {
				if rng.IntN(3) != 0 {
					continue
				}
				a := &shequ.Attendance{CourseID: c.ID, MemberID: h.m.ID, Minutes: 30 + rng.IntN(c.Minutes-29)}
				mustDo(t, s.RecordAttendance(ctx, a))
				h.training[c.Day.Format(time.DateOnly)] += a.Minutes
			}
			// Attendance is no module write: the live engine hears of it
			// through the day job, as the clock moves on.
			clock.Add(time.Duration(20+rng.IntN(200)) * 24 * time.Hour)
			mustDo(t, live.RefreshModule(t.Context(), "workforce", must(src.ModuleCommunities(t.Context(), "workforce"))(t)...))
			now = clock.Now()

			all := map[string]bool{}
			for _, c := range communities {
				all[c] = true
			}
			for name, eng := range map[string]*indicator.Engine{"fresh": newEngine(), "incremental": live} {
				rep := must(eng.IndicatorReport(official, "330523"))(t)
				if err := sameWorkforce(rep.Stats.Workforce, bruteWorkforceFigures(hs, all, now)); err != nil {
					t.Fatalf("round %d, %s engine, county: %v", round, name, err)
				}
				for _, b := range []shequ.Breakdown{shequ.ByKind, shequ.ByTerrain} {
					for _, row := range rep.Breakdowns[b] {
						in := map[string]bool{}
						for _, c := range communities {
							if (b == shequ.ByKind && string(kinds[c]) == row.Key) || (b == shequ.ByTerrain && string(terrains[c]) == row.Key) {
								in[c] = true
							}
						}
						if err := sameWorkforce(row.Stats.Workforce, bruteWorkforceFigures(hs, in, now)); err != nil {
							t.Fatalf("round %d, %s engine, %s %q: %v", round, name, b, row.Key, err)
						}
					}
				}
				town := must(eng.IndicatorReport(official, "330523001"))(t)
				for _, row := range town.Breakdowns[shequ.ByChild] {
					if err := sameWorkforce(row.Stats.Workforce, bruteWorkforceFigures(hs, map[string]bool{row.Key: true}, now)); err != nil {
						t.Fatalf("round %d, %s engine, community %s: %v", round, name, row.Key, err)
					}
				}
			}
		}
	})
}

// TestVolunteerIndicators: the volunteer module counts registered and
// active volunteers per 1,000 residents, the last 12 months' standing
// service minutes by category (a superseded record and an old one not),
// and the time bank's hours owed and redeemed, for the county and each
// community, on both engines.
func TestVolunteerIndicators(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		mustImport(t, db, divisionsOf(fixture...))
		clock := newTestClock(testNow)
		db.Now = clock.Now
		cli := cliContext()
		res := NewResidentService(db, testSealer(t))
		var rs []*shequ.Resident
		for i, comm := range []string{tiaoxiu, tiaoxiu, tiaoxiu, kangshan} {
			rs = append(rs, mustCreateResident(t, res, &shequ.Resident{Name: fmt.Sprintf("居民%d", i), Community: comm,
				IDNumber: shequ.IDNumber(idNumber("330523", "19800101", fmt.Sprintf("%03d", 700+i)))}))
		}
		vs := NewVolunteerService(db, testSealer(t))
		var vols []*shequ.Volunteer
		for _, r := range rs[:2] {
			v := &shequ.Volunteer{ResidentID: r.ID, Skills: []shequ.VolunteerSkill{shequ.SkillGeneral},
				Availability: []shequ.Availability{shequ.Availabilities[0]}}
			mustDo(t, vs.RegisterVolunteer(cli, v))
			vols = append(vols, v)
		}
		record := func(vol *shequ.Volunteer, day string, cat shequ.ServiceCategory, minutes int, superseded bool) {
			t.Helper()
			var sup any
			if superseded {
				sup = newUUID7()
			}
			_, err := db.db.Exec(db.rebind(`INSERT INTO volunteer_records (id, volunteer_id, community, title, category,
				organizer_kind, organizer, day, minutes, recorded_by, recorder_name, reason, superseded_by, deposited, created_at)
				VALUES (?, ?, ?, '探访', ?, 'community', '苕秀社区', ?, ?, 'x', '记录人', '', ?, 0, ?)`),
				newUUID7(), vol.ID, tiaoxiu, string(cat), day, minutes, sup, db.dialect.timeArg(testNow))
			mustDo(t, err)
		}
		record(vols[0], "2026-10-01", shequ.CatElderly, 120, false)
		record(vols[0], "2026-10-02", shequ.CatElderly, 60, true)
		record(vols[1], "2024-10-01", shequ.CatCulture, 90, false)
		_, err := db.db.Exec(db.rebind(`INSERT INTO timebank_accounts (id, resident_id, community, balance, deposited,
			withdrawn, created_at) VALUES (?, ?, ?, 100, 160, 60, ?)`), newUUID7(), rs[0].ID, tiaoxiu, db.dialect.timeArg(testNow))
		mustDo(t, err)
		src := NewIndicatorSource(db)
		eng := indicator.New(src, NewTargetService(db), indicator.VolunteerModule(src))
		eng.Now = clock.Now
		mustDo(t, eng.Load(t.Context()))
		official := asActor(shequ.RoleOfficial, "330523")
		f := must(eng.IndicatorReport(official, "330523"))(t).Stats.Volunteer
		if f.Residents != 4 || f.Registered != 2 || f.Active12 != 1 || f.MinutesByCategory[shequ.CatElderly] != 120 ||
			f.MinutesByCategory[shequ.CatCulture] != 0 || f.OwedMinutes != 100 || f.RedeemedMinutes != 60 || f.PerThousand() != 500 {
			t.Errorf("county: %+v", f)
		}
		for _, row := range must(eng.IndicatorReport(official, "330523001"))(t).Breakdowns[shequ.ByChild] {
			g := row.Stats.Volunteer
			switch row.Key {
			case tiaoxiu:
				if g.Residents != 3 || g.Registered != 2 || g.Hours() != 2 {
					t.Errorf("苕秀: %+v", g)
				}
			case kangshan:
				if g.Residents != 1 || g.Registered != 0 || g.PerThousand() != 0 {
					t.Errorf("康山: %+v", g)
				}
			}
		}
	})
}
