package shequ

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// BidStatus is the state of a bid (DESIGN §6).
type BidStatus string

// Bid states.
const (
	BidSubmitted   BidStatus = "submitted"   // 已申报
	BidWithdrawn   BidStatus = "withdrawn"   // 已撤回
	BidShortlisted BidStatus = "shortlisted" // 入围评审
	BidRejected    BidStatus = "rejected"    // 未入围
	BidWon         BidStatus = "won"         // 中标
	BidLost        BidStatus = "lost"        // 未中标
)

// BidStatuses lists the states.
var BidStatuses = []BidStatus{BidSubmitted, BidWithdrawn, BidShortlisted, BidRejected, BidWon, BidLost}

// bidTransitions: submitted → withdrawn | shortlisted | rejected;
// shortlisted → won | lost.
var bidTransitions = map[BidStatus][]BidStatus{
	BidSubmitted:   {BidWithdrawn, BidShortlisted, BidRejected},
	BidShortlisted: {BidWon, BidLost},
}

// Label names the state in messages (the catalogue entry bid.status.<state>).
func (s BidStatus) Label() Label { return Label{"bid.status", string(s)} }

// CanTransition returns nil when the bid may go to state to.
func (b *Bid) CanTransition(to BidStatus) error {
	return checkTransition("bid", bidTransitions, b.Status, to)
}

// Bid is an organization's application (申报) for a project.
type Bid struct {
	ID          string
	ProjectID   string
	OrgID       string
	OrgName     string // read only
	Plan        string
	PriceFen    int64
	Team        []string // social worker ids
	Experience  string
	Status      BidStatus
	SubmittedBy string
	SubmittedAt time.Time // first submission: ties go to the earlier
	UpdatedAt   time.Time
}

// Validate checks a bid against its project (price within the budget).
// The team's register checks (certified worker, employer) are the store's.
func (b *Bid) Validate(p *Project) error {
	var fe FieldErrors
	b.Plan = strings.TrimSpace(b.Plan)
	b.Experience = strings.TrimSpace(b.Experience)
	if c := utf8.RuneCountInString(b.Plan); c < 10 || c > 5000 {
		fe.Add("plan", "bid.plan.invalid", "The service plan has 10 to 5000 characters.", nil)
	}
	if utf8.RuneCountInString(b.Experience) > 2000 {
		fe.Add("experience", "bid.experience.long", "The experience has at most 2000 characters.", nil)
	}
	if b.PriceFen <= 0 || (p != nil && b.PriceFen > p.BudgetFen) {
		fe.Add("price", "bid.price.invalid", "The price is more than 0 and at most the budget.", nil)
	}
	if strings.TrimSpace(b.OrgID) == "" {
		fe.Add("org_id", "bid.org.required", "Name the organization that bids.", nil)
	}
	slices.Sort(b.Team)
	b.Team = slices.Compact(b.Team)
	if len(b.Team) == 0 || len(b.Team) > 50 {
		fe.Add("team", "bid.team.invalid", "The team has 1 to 50 social workers of the register.", nil)
	}
	return fe.Err()
}

// Review is one reviewer's scores of one bid, one score per criterion of
// the project, each from 0 to the criterion's weight.
type Review struct {
	ID         string
	ProjectID  string
	BidID      string
	ReviewerID string
	Scores     map[string]int
	Total      int
	CreatedAt  time.Time
}

// Validate checks the scores against the project's criteria and sets Total.
func (r *Review) Validate(p *Project) error {
	var fe FieldErrors
	r.Total = 0
	for k := range r.Scores {
		if !slices.ContainsFunc(p.Criteria, func(c Criterion) bool { return c.Key == k }) {
			fe.Add("scores", "review.criterion.unknown", "Score only the project's criteria.", map[string]any{"Value": k})
			return fe.Err()
		}
	}
	for _, c := range p.Criteria {
		v, ok := r.Scores[c.Key]
		if !ok || v < 0 || v > c.Weight {
			fe.Add("scores."+c.Key, "review.score.invalid", "Each criterion is scored from 0 to its weight.", map[string]any{"Max": c.Weight})
			continue
		}
		r.Total += v
	}
	return fe.Err()
}

// BidRank is a bid's place in the ranking.
type BidRank struct {
	BidID     string
	Rank      int
	Score     float64 // mean of the counted totals
	Reviewers int     // reviews received
	Counted   int     // reviews counted (highest and lowest dropped from five on)
	PriceFen  int64
}

// RankBids ranks the shortlisted (or won/lost) bids by their reviews: the
// mean total of the reviews, dropping the highest and the lowest total when
// a bid has five reviews or more; ties go to the lower price, then the
// earlier submission. Bids without reviews rank last.
func RankBids(bids []*Bid, reviews []*Review) []BidRank {
	totals := map[string][]int{}
	for _, r := range reviews {
		totals[r.BidID] = append(totals[r.BidID], r.Total)
	}
	type ranked struct {
		BidRank
		at time.Time
	}
	var rs []ranked
	for _, b := range bids {
		if b.Status == BidWithdrawn || b.Status == BidRejected {
			continue
		}
		t := slices.Clone(totals[b.ID])
		slices.Sort(t)
		n := len(t)
		if n >= 5 {
			t = t[1 : n-1]
		}
		sum := 0
		for _, v := range t {
			sum += v
		}
		r := ranked{BidRank: BidRank{BidID: b.ID, Reviewers: n, Counted: len(t), PriceFen: b.PriceFen}, at: b.SubmittedAt}
		if len(t) > 0 {
			r.Score = float64(sum) / float64(len(t))
		}
		rs = append(rs, r)
	}
	slices.SortStableFunc(rs, func(a, b ranked) int {
		switch {
		case (a.Counted > 0) != (b.Counted > 0):
			if a.Counted > 0 {
				return -1
			}
			return 1
		case a.Score != b.Score:
			if a.Score > b.Score {
				return -1
			}
			return 1
		case a.PriceFen != b.PriceFen:
			if a.PriceFen < b.PriceFen {
				return -1
			}
			return 1
		}
		return a.at.Compare(b.at)
	})
	out := make([]BidRank, len(rs))
	for i, r := range rs {
		r.Rank = i + 1
		out[i] = r.BidRank
	}
	return out
}

// MinReviewers is the least number of reviewers of a call.
const MinReviewers = 3

// BidService takes bids and reviews.
type BidService interface {
	// SubmitBid creates the organization's bid, or replaces the plan,
	// price, team and experience of its existing one, before the deadline.
	SubmitBid(ctx context.Context, b *Bid) error
	WithdrawBid(ctx context.Context, bidID string) (*Bid, error)
	FindBidByID(ctx context.Context, id string) (*Bid, error)
	// FindBids lists a project's bids: every bid to the official and the
	// reviewers, the organization's own to an org_member, after the award
	// every bid but withdrawn ones to anyone who may read the project.
	FindBids(ctx context.Context, projectID string) ([]*Bid, error)
	// SubmitReview stores an appointed reviewer's scores of one bid, once.
	SubmitReview(ctx context.Context, r *Review) error
	FindReviews(ctx context.Context, projectID string) ([]*Review, error)
	// Ranking ranks the project's bids (RankBids on the stored reviews).
	Ranking(ctx context.Context, projectID string) ([]BidRank, error)
}
