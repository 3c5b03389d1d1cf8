package shequ

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// NeedCategory is what a need is about.
type NeedCategory string

// Need categories, as the API names them.
const (
	NeedElderly       NeedCategory = "elderly"        // 养老
	NeedDisability    NeedCategory = "disability"     // 助残
	NeedChildren      NeedCategory = "children"       // 儿童青少年
	NeedEmployment    NeedCategory = "employment"     // 就业
	NeedCultureSports NeedCategory = "culture_sports" // 文体
	NeedEnvironment   NeedCategory = "environment"    // 环境卫生
	NeedMediation     NeedCategory = "mediation"      // 矛盾调解
	NeedHealth        NeedCategory = "health"         // 健康
	NeedAgriculture   NeedCategory = "agriculture"    // 农业生产
	NeedOther         NeedCategory = "other"          // 其他
)

// NeedCategories lists the categories in display order.
var NeedCategories = []NeedCategory{NeedElderly, NeedDisability, NeedChildren, NeedEmployment, NeedCultureSports,
	NeedEnvironment, NeedMediation, NeedHealth, NeedAgriculture, NeedOther}

// NeedChannel is how a need reached the platform.
type NeedChannel string

// Need channels.
const (
	NeedOnline    NeedChannel = "online"     // raised by the resident online
	NeedFrontDesk NeedChannel = "front_desk" // recorded at the front desk (线下)
	NeedVisit     NeedChannel = "visit"      // recorded on a home visit (走访)
)

// NeedChannels lists the channels.
var NeedChannels = []NeedChannel{NeedOnline, NeedFrontDesk, NeedVisit}

// NeedStatus is the state of a need (DESIGN §6).
type NeedStatus string

// Need states.
const (
	NeedSubmitted NeedStatus = "submitted" // 待受理
	NeedAccepted  NeedStatus = "accepted"  // 已受理
	NeedRejected  NeedStatus = "rejected"  // 未采纳
	NeedMerged    NeedStatus = "merged"    // 已合并
	NeedPlanned   NeedStatus = "planned"   // 已立项
	NeedFulfilled NeedStatus = "fulfilled" // 已满足
	NeedClosed    NeedStatus = "closed"    // 已关闭
)

// NeedStatuses lists the states in workflow order.
var NeedStatuses = []NeedStatus{NeedSubmitted, NeedAccepted, NeedRejected, NeedMerged, NeedPlanned, NeedFulfilled, NeedClosed}

// needTransitions is the workflow of a need: submitted → accepted |
// rejected | merged; accepted → planned (in a project) → fulfilled | closed.
// An accepted need may still be merged into another before it is planned.
var needTransitions = map[NeedStatus][]NeedStatus{
	NeedSubmitted: {NeedAccepted, NeedRejected, NeedMerged},
	NeedAccepted:  {NeedPlanned, NeedMerged},
	NeedPlanned:   {NeedFulfilled, NeedClosed},
}

// Label names the state in messages (the catalogue entry need.status.<state>).
func (s NeedStatus) Label() Label { return Label{"need.status", string(s)} }

// CanTransition returns nil when the need may go to state to, else an
// EConflict naming the current state and the allowed ones.
func (n *Need) CanTransition(to NeedStatus) error {
	return checkTransition("need", needTransitions, n.Status, to)
}

// Open reports whether residents may still support the need.
func (n *Need) Open() bool { return n.Status == NeedSubmitted || n.Status == NeedAccepted }

// Need is a resident's need (需求) in a community's needs pool.
type Need struct {
	ID          string
	Community   string // 12 digits
	Category    NeedCategory
	Title       string
	Description string
	Channel     NeedChannel
	AuthorID    string // the account that raised or recorded it
	ResidentID  string // the resident, when known (front desk, visit)
	Status      NeedStatus
	Reason      string // why it was rejected, shown to the author
	MergedInto  string // the need it was merged into
	ProjectID   string // the project it is planned in
	Supports    int    // 附议 count, the author not included
	// Supported: the signed-in account has supported it (filled by
	// FindNeedByID), so its page offers no second 附议.
	Supported bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Limits of a need's texts, in characters.
const (
	MaxNeedTitle       = 60
	MaxNeedDescription = 2000
	MaxReason          = 500
)

// Validate checks a new need and returns every field error at once.
func (n *Need) Validate() error {
	var fe FieldErrors
	n.Title = strings.TrimSpace(n.Title)
	n.Description = strings.TrimSpace(n.Description)
	if c := utf8.RuneCountInString(n.Title); c < 2 || c > MaxNeedTitle {
		fe.Add("title", "need.title.invalid", "The title has 2 to 60 characters.", map[string]any{"Max": MaxNeedTitle})
	}
	if c := utf8.RuneCountInString(n.Description); c > MaxNeedDescription {
		fe.Add("description", "need.description.long", "The description has at most 2000 characters.", map[string]any{"Max": MaxNeedDescription})
	}
	if !oneOf(n.Category, NeedCategories) {
		fe.Add("category", "need.category.invalid", "Unknown category of need.", map[string]any{"Value": string(n.Category)})
	}
	if !oneOf(n.Channel, NeedChannels) {
		fe.Add("channel", "need.channel.invalid", "The channel is online, front_desk or visit.", nil)
	}
	if ValidateDivisionCode(n.Community) != nil || len(n.Community) != 12 {
		fe.Add("community_code", "resident.community.invalid", "Give the 12-digit code of a community.", nil)
	}
	return fe.Err()
}

// NeedTransition is a worker's decision on a need.
type NeedTransition struct {
	To     NeedStatus
	Reason string // required to reject
	Into   string // the need to merge into
}

// Validate checks the decision's own fields (the state check is
// CanTransition, on the stored need).
func (t *NeedTransition) Validate() error {
	var fe FieldErrors
	t.Reason = strings.TrimSpace(t.Reason)
	t.Into = strings.TrimSpace(t.Into)
	switch t.To {
	case NeedAccepted:
	case NeedRejected:
		if t.Reason == "" {
			fe.Add("reason", "need.reason.required", "Give the reason for the rejection; the author sees it.", nil)
		}
	case NeedMerged:
		if t.Into == "" {
			fe.Add("into", "need.into.required", "Name the need to merge into.", nil)
		}
	default:
		// planned, fulfilled and closed follow the project, never a direct
		// decision.
		fe.Add("to", "need.to.invalid", "A need is accepted, rejected or merged here.", map[string]any{"Value": string(t.To)})
	}
	if utf8.RuneCountInString(t.Reason) > MaxReason {
		fe.Add("reason", "reason.long", "The reason has at most 500 characters.", map[string]any{"Max": MaxReason})
	}
	return fe.Err()
}

// NeedFilter selects needs; empty fields are not filtered on.
type NeedFilter struct {
	Community string // at or below
	Status    NeedStatus
	Category  NeedCategory
	Query     string // part of the title
	Mine      bool   // only the needs the signed-in account raised or recorded
	Offset    int
	Limit     int
}

// CategoryHeat is the demand of one category over a set of communities.
type CategoryHeat struct {
	Category NeedCategory
	Needs    int // open or planned needs (not rejected, merged or closed)
	Supports int
}

// NeedService is the needs pool.
type NeedService interface {
	// CreateNeed raises (resident) or records (community worker) a need.
	CreateNeed(ctx context.Context, n *Need) error
	FindNeedByID(ctx context.Context, id string) (*Need, error)
	// FindNeeds lists needs ranked by support, then age.
	FindNeeds(ctx context.Context, f NeedFilter) ([]*Need, int, error)
	// SimilarNeeds returns open needs of the community whose titles share
	// words with text, most supported first.
	SimilarNeeds(ctx context.Context, community, text string, limit int) ([]*Need, error)
	// SupportNeed adds the signed-in account's support (附议), once.
	SupportNeed(ctx context.Context, id string) (*Need, error)
	TransitionNeed(ctx context.Context, id string, t NeedTransition) (*Need, error)
	// NeedHeat counts needs and supports per category at or below scope.
	NeedHeat(ctx context.Context, scope string) ([]CategoryHeat, error)
}

// SimilarityTerms returns the terms of a text used to suggest similar needs:
// each run of Han characters as overlapping pairs (Chinese has no spaces
// between words) and each other word of two letters or more, lower-cased.
func SimilarityTerms(text string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	var han, word []rune
	flush := func() {
		for i := 0; i+1 < len(han); i++ {
			add(string(han[i : i+2]))
		}
		if len(word) >= 2 {
			add(strings.ToLower(string(word)))
		}
		han, word = han[:0], word[:0]
	}
	for _, r := range text {
		switch {
		case r >= 0x4E00 && r <= 0x9FFF:
			if len(word) > 0 {
				flush()
			}
			han = append(han, r)
		case r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'):
			if len(han) > 0 {
				flush()
			}
			word = append(word, r)
		default:
			flush()
		}
		if len(out) >= 20 {
			break
		}
	}
	flush()
	if len(out) > 20 {
		out = out[:20]
	}
	return out
}
