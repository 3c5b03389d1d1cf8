package sqlstore

import (
	"testing"
	"time"

	"shequ"
)

// reviewedProject opens a project, has org2 bid, three reviewers score the
// bid after the deadline: ready to be awarded.
func (fx *linkFx) reviewedProject(t *testing.T) *shequ.Project {
	t.Helper()
	p := fx.openProject(t)
	b := aBid(p.ID, fx.org2, fx.w2, 1_000_000)
	mustDo(t, fx.s.SubmitBid(userContext(fx.om2), b))
	must(fx.s.AppointReviewers(userContext(fx.off), p.ID, []string{fx.rev[0].ID, fx.rev[1].ID, fx.rev[2].ID}))(t)
	fx.clock.Add(8 * 24 * time.Hour)
	mustDo(t, fx.move(t, fx.off, p, shequ.ProjectBidReview))
	for _, r := range fx.rev {
		mustDo(t, fx.s.SubmitReview(userContext(r), &shequ.Review{ProjectID: p.ID, BidID: b.ID, Scores: scores(80)}))
	}
	return p
}

// TestObjectionPeriodCalendar: the 公示期 counts working days on the
// holiday table of the database, as the requests' due dates do: weekends
// alone while the table is empty, and a holiday loaded into it lengthens
// the period.
func TestObjectionPeriodCalendar(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newLinkFx(t, db)
		items := NewServiceItemService(db)
		fx.s.Holidays = items
		var weekends *shequ.Calendar

		p := fx.reviewedProject(t)
		mustDo(t, fx.move(t, fx.off, p, shequ.ProjectAwarded))
		if want := weekends.AddWorkdays(*p.AwardedAt, 5).UTC().Truncate(time.Microsecond); !p.ObjectionEnds.Equal(want) {
			t.Fatalf("without holidays the period ends %v, want %v", p.ObjectionEnds, want)
		}

		// The next two working days after the award are made holidays.
		q := fx.reviewedProject(t)
		now := fx.clock.Now()
		var days []shequ.CalendarDay
		for d := dayOf(&now).AddDate(0, 0, 1); len(days) < 2; d = d.AddDate(0, 0, 1) {
			if weekends.IsWorkday(d) {
				days = append(days, shequ.CalendarDay{Date: d, Kind: shequ.DayHoliday, Name: "测试假日"})
			}
		}
		must(items.ImportHolidays(cliContext(), days))(t)
		mustDo(t, fx.move(t, fx.off, q, shequ.ProjectAwarded))
		want := weekends.AddWorkdays(*q.AwardedAt, 7).UTC().Truncate(time.Microsecond)
		if !q.ObjectionEnds.Equal(want) || !q.ObjectionEnds.After(weekends.AddWorkdays(*q.AwardedAt, 5)) {
			t.Fatalf("with two holidays the period ends %v, want %v", q.ObjectionEnds, want)
		}
		if stored := must(fx.s.FindProjectByID(userContext(fx.off), q.ID))(t); !stored.ObjectionEnds.Equal(want) {
			t.Errorf("stored end %v, want %v", stored.ObjectionEnds, want)
		}
	})
}
