package indicator

import (
	"context"
	"math"

	"shequ"
)

// The indicator module "linkage" (三社联动): per community, the counters
// below, read by a LinkageSource (the store) and summed by the engine over
// any node and breakdown. Days from a need to its project go into a
// histogram whose buckets have the upper bounds of projectDayEdges, so a node's
// median is read from its summed histogram to within a bucket.

// LinkageKind is what a LinkageRow counts.
type LinkageKind int

// Kinds of LinkageRow.
const (
	LinkNeeds     LinkageKind = iota // needs of a category and status; Sum: their supports
	LinkProjects                     // projects of a category (of their first need) and status; Sum: budget in 分
	LinkRatings                      // residents' ratings of one score (Status is the score, "1"–"5")
	LinkToProject                    // one need that reached a project; Sum: days it took
)

// LinkageRow is one aggregate row of the chain for a community.
type LinkageRow struct {
	Community string
	Kind      LinkageKind
	Category  shequ.NeedCategory
	Status    string
	N         int
	Sum       int64
}

// LinkageSource reads the chain's aggregates per community (nil: all).
type LinkageSource interface {
	LoadLinkage(ctx context.Context, communities []string, fn func(LinkageRow) error) error
}

// Counter positions of the module.
const (
	lkRaised = iota
	lkAccepted
	lkFulfilled
	lkSupports
	lkProjects
	lkBudgetK // budget in 千元: int32 counters, national sums stay below 2³¹ 千元
	lkRatings
	lkRatingSum
	lkSatisfied
	lkNeedsCat                     // needs by category: one counter per category
	lkProjCat   = lkNeedsCat + 10  // projects by category
	lkBudgetCat = lkProjCat + 10   // budget by category, 千元
	lkHist      = lkBudgetCat + 10 // first bucket of days to project
	lkWidth     = lkHist + 9       // len(projectDayEdges)
)

// projectDayEdges are the upper bounds, in days, of the histogram buckets.
var projectDayEdges = []float64{7, 14, 30, 60, 90, 120, 180, 365, math.Inf(1)}

// linkageModule is the module over its source.
type linkageModule struct{ src LinkageSource }

// LinkageModule returns the indicator module "linkage" reading src.
func LinkageModule(src LinkageSource) Module { return linkageModule{src} }

// Key names the module.
func (linkageModule) Key() string { return "linkage" }

// Width is the number of counters per community.
func (linkageModule) Width() int { return lkWidth }

// categoryIndex positions the need categories.
var categoryIndex = indexOf(shequ.NeedCategories)

// accepted reports whether a need status means it was accepted at some point.
func accepted(status string) bool {
	switch shequ.NeedStatus(status) {
	case shequ.NeedAccepted, shequ.NeedPlanned, shequ.NeedFulfilled, shequ.NeedClosed:
		return true
	}
	return false
}

// fundedProject reports whether a project status counts as supply: its
// call was approved, and it was not cancelled.
func fundedProject(status string) bool {
	switch shequ.ProjectStatus(status) {
	case shequ.ProjectDraft, shequ.ProjectUnderReview, shequ.ProjectReturned, shequ.ProjectCancelled:
		return false
	}
	return true
}

// Load turns the source's rows into counters.
func (m linkageModule) Load(ctx context.Context, communities []string, add func(string, []int32)) error {
	return m.src.LoadLinkage(ctx, communities, func(r LinkageRow) error {
		c := make([]int32, lkWidth)
		n := int32(r.N)
		cat, ok := categoryIndex[r.Category]
		if !ok {
			cat = categoryIndex[shequ.NeedOther]
		}
		switch r.Kind {
		case LinkNeeds:
			c[lkRaised], c[lkSupports], c[lkNeedsCat+cat] = n, int32(r.Sum), n
			if accepted(r.Status) {
				c[lkAccepted] = n
			}
			if shequ.NeedStatus(r.Status) == shequ.NeedFulfilled {
				c[lkFulfilled] = n
			}
		case LinkProjects:
			if !fundedProject(r.Status) {
				return nil
			}
			k := int32((r.Sum + 50_000) / 100_000) // 分 → 千元, rounded
			c[lkProjects], c[lkBudgetK], c[lkProjCat+cat], c[lkBudgetCat+cat] = n, k, n, k
		case LinkRatings:
			score := int32(0)
			for _, d := range r.Status {
				score = score*10 + int32(d-'0')
			}
			c[lkRatings], c[lkRatingSum] = n, n*score
			if score >= 4 {
				c[lkSatisfied] = n
			}
		case LinkToProject:
			b := 0
			for b < len(projectDayEdges)-1 && float64(r.Sum) > projectDayEdges[b] {
				b++
			}
			c[lkHist+b] = n
		}
		add(r.Community, c)
		return nil
	})
}

// Stats sets the linkage figures from the summed counters.
func (linkageModule) Stats(c []int32, s *shequ.IndicatorStats) {
	f := &s.Linkage
	f.NeedsRaised, f.NeedsAccepted, f.NeedsFulfilled = int(c[lkRaised]), int(c[lkAccepted]), int(c[lkFulfilled])
	f.Supports, f.Projects, f.BudgetFen = int(c[lkSupports]), int(c[lkProjects]), int64(c[lkBudgetK])*100_000
	f.Ratings, f.RatingSum, f.Satisfied = int(c[lkRatings]), int(c[lkRatingSum]), int(c[lkSatisfied])
	f.NeedsByCategory = map[shequ.NeedCategory]int{}
	f.ProjectsByCategory = map[shequ.NeedCategory]int{}
	f.BudgetByCategory = map[shequ.NeedCategory]int64{}
	for i, cat := range shequ.NeedCategories {
		f.NeedsByCategory[cat] = int(c[lkNeedsCat+i])
		f.ProjectsByCategory[cat] = int(c[lkProjCat+i])
		f.BudgetByCategory[cat] = int64(c[lkBudgetCat+i]) * 100_000
	}
	hist := c[lkHist : lkHist+len(projectDayEdges)]
	f.NeedsToProject, f.MedianDaysToProject = 0, 0
	for _, n := range hist {
		f.NeedsToProject += int(n)
	}
	if f.NeedsToProject > 0 {
		f.MedianDaysToProject = Quantile(hist, projectDayEdges, 0.5)
	}
}
