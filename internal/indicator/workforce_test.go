package indicator

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"shequ"
)

// workforceRows is a WorkforceSource of members in memory.
type workforceRows []WorkforceRow

func (w workforceRows) LoadWorkforce(_ context.Context, cs []string, fn func(WorkforceRow) error) error {
	for _, r := range w {
		if cs == nil || in(cs, r.Community) {
			if err := fn(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// TestWorkforceModuleSums: the module's counters summed over any set of
// communities give the figures shequ.ComputeWorkforce computes over the
// members of that set — retention, leavers by reason, structure and the
// median tenure, capped at TenureCapYears (some members here served
// decades) — on random histories.
func TestWorkforceModuleSums(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 7))
	communities := []string{"330523001002", "330523001205", "330523001248"}
	for round := range 40 {
		now := time.Date(2026, time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 9, 0, 0, 0, shequ.Shanghai)
		var rows workforceRows
		var members []*shequ.WorkforceMember
		for range 1 + rng.IntN(60) {
			back := rng.IntN(3650)
			if rng.IntN(5) == 0 {
				back = 365*15 + rng.IntN(365*20)
			}
			hired := shequ.DateOf(now).AddDate(0, 0, -back)
			m := &shequ.WorkforceMember{Community: communities[rng.IntN(len(communities))], HiredOn: hired,
				Post: shequ.Posts[rng.IntN(len(shequ.Posts))], Education: shequ.Educations[rng.IntN(len(shequ.Educations))],
				Qualification: shequ.Qualifications[rng.IntN(len(shequ.Qualifications))]}
			if rng.IntN(3) == 0 {
				left := hired.AddDate(0, 0, rng.IntN(back+1))
				m.LeftOn, m.LeaveReason = &left, shequ.LeaveReasons[rng.IntN(len(shequ.LeaveReasons))]
			}
			members = append(members, m)
			rows = append(rows, WorkforceRow{Community: m.Community, Member: m})
		}
		mod := WorkforceModule(rows, func() time.Time { return now })
		sum := make([]int32, mod.Width())
		err := mod.Load(context.Background(), nil, func(_ string, c []int32) {
			for i, n := range c {
				sum[i] += n
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		var s shequ.IndicatorStats
		mod.Stats(sum, &s)
		got, want := s.Workforce, shequ.ComputeWorkforce(members, now)
		if got.Employed != want.Employed || got.Base12 != want.Base12 || got.Retained12 != want.Retained12 ||
			got.Leavers12 != want.Leavers12 || got.MedianTenure != want.MedianTenure {
			t.Fatalf("round %d: got %+v, want %+v", round, got, want)
		}
		for _, p := range shequ.Posts {
			if got.ByPost[p] != want.ByPost[p] {
				t.Fatalf("round %d: post %s %d, want %d", round, p, got.ByPost[p], want.ByPost[p])
			}
		}
		for _, r := range shequ.LeaveReasons {
			if got.LeaversByWhy[r] != want.LeaversByWhy[r] {
				t.Fatalf("round %d: leavers %s %d, want %d", round, r, got.LeaversByWhy[r], want.LeaversByWhy[r])
			}
		}
	}
}
