package i18n

import (
	"slices"
	"strings"
	"testing"
	"time"

	"shequ"
)

// TestTransitionMessages checks the 409 of every illegal transition of the
// need, project and bid tables in both languages: the message names the
// current state, the target and each allowed state by their labels, never
// by identifiers, and TransitionDetail keeps the identifiers for the API.
func TestTransitionMessages(t *testing.T) {
	c := mustNew(t)
	type table struct {
		prefix string
		states []string
		check  func(from, to string) error
	}
	tables := []table{
		{"project.status", strs(shequ.ProjectStatuses), func(from, to string) error {
			return (&shequ.Project{Status: shequ.ProjectStatus(from)}).CanTransition(shequ.ProjectStatus(to))
		}},
		{"need.status", strs(shequ.NeedStatuses), func(from, to string) error {
			return (&shequ.Need{Status: shequ.NeedStatus(from)}).CanTransition(shequ.NeedStatus(to))
		}},
		{"bid.status", strs(shequ.BidStatuses), func(from, to string) error {
			return (&shequ.Bid{Status: shequ.BidStatus(from)}).CanTransition(shequ.BidStatus(to))
		}},
		// 物业服务监管 (issue 15).
		{"complaint.status", strs(shequ.ComplaintStates), func(from, to string) error {
			return (&shequ.Complaint{State: shequ.ComplaintState(from)}).CanTransition(shequ.ComplaintState(to))
		}},
		{"rectification.status", strs(shequ.RectificationStatuses), func(from, to string) error {
			return (&shequ.Rectification{Status: shequ.RectificationStatus(from)}).CanTransition(shequ.RectificationStatus(to))
		}},
		{"resolution.status", strs(shequ.ResolutionStatuses), func(from, to string) error {
			return (&shequ.Resolution{Status: shequ.ResolutionStatus(from)}).CanTransition(shequ.ResolutionStatus(to))
		}},
		{"committee.status", strs(shequ.FilingStatuses), func(from, to string) error {
			return (&shequ.OwnersCommittee{Status: shequ.FilingStatus(from)}).CanTransition(shequ.FilingStatus(to))
		}},
		{"appeal.status", strs(shequ.AppealStates), func(from, to string) error {
			return (&shequ.CreditAppeal{State: shequ.AppealState(from)}).CanTransition(shequ.AppealState(to))
		}},
	}
	illegal := 0
	for _, tb := range tables {
		for _, from := range tb.states {
			var allowed []string
			for _, to := range tb.states {
				if tb.check(from, to) == nil {
					allowed = append(allowed, to)
				}
			}
			for _, to := range tb.states {
				err := tb.check(from, to)
				if err == nil {
					continue
				}
				illegal++
				cur, got, ok := shequ.TransitionDetail(err)
				got = slices.Sorted(slices.Values(got))
				if !ok || cur != from || !slices.Equal(got, slices.Sorted(slices.Values(allowed))) {
					t.Errorf("%s %s → %s: detail %q %q %v, want %q %q", tb.prefix, from, to, cur, got, ok, from, allowed)
				}
				for _, lang := range []string{"zh-CN", "en"} {
					l := c.Localizer(lang)
					msg := l.Error(shequ.AsError(err))
					want := []string{"“" + l.T(tb.prefix+"."+from) + "”", "“" + l.T(tb.prefix+"."+to) + "”"}
					for _, a := range allowed {
						want = append(want, l.T(tb.prefix+"."+a))
					}
					if len(allowed) == 0 {
						want = append(want, l.T("list.none"))
					}
					for _, w := range want {
						if !strings.Contains(msg, w) || strings.Contains(w, tb.prefix) {
							t.Errorf("%s %s → %s (%s): %q lacks %q", tb.prefix, from, to, lang, msg, w)
						}
					}
					if lang == "zh-CN" && strings.ContainsAny(msg, "abcdefghijklmnopqrstuvwxyz_") {
						t.Errorf("%s %s → %s: identifiers in %q", tb.prefix, from, to, msg)
					}
				}
			}
		}
	}
	if illegal < 100 {
		t.Errorf("only %d illegal transitions checked", illegal)
	}
	// The example of the issue.
	err := (&shequ.Project{Status: shequ.ProjectReturned}).CanTransition(shequ.ProjectApproved)
	if got := c.Localizer("zh-CN").Error(shequ.AsError(err)); got != "当前状态为“已退回”，不能变为“已批准”；可变为：草稿、已撤销。" {
		t.Errorf("zh = %q", got)
	}
	if got := c.Localizer("en").Error(shequ.AsError(err)); got != "The current state is “Returned”; it cannot go to “Approved”. Allowed next: Draft, Cancelled." {
		t.Errorf("en = %q", got)
	}
}

func strs[S ~string](v []S) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = string(s)
	}
	return out
}

// TestRequestTransitionMessages: an illegal transition of a request or a
// delegation names both states by their labels in every language, never
// by their identifiers in Chinese.
func TestRequestTransitionMessages(t *testing.T) {
	c := mustNew(t)
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	type table struct {
		prefix string
		states []string
		check  func(from, to string) error
	}
	tables := []table{
		{"request.state", strs(shequ.RequestStates), func(from, to string) error {
			return (&shequ.ServiceRequest{State: shequ.RequestState(from)}).CanTransition(shequ.RequestState(to))
		}},
		{"delegation.state", strs(shequ.DelegationStates), func(from, to string) error {
			d := &shequ.Delegation{State: shequ.DelegationState(from), ValidUntil: now.AddDate(1, 0, 0)}
			return d.CanTransition(shequ.DelegationState(to), now)
		}},
	}
	illegal := 0
	for _, tb := range tables {
		for _, from := range tb.states {
			for _, to := range tb.states {
				err := tb.check(from, to)
				if err == nil {
					continue
				}
				illegal++
				for _, lang := range []string{"zh-CN", "en"} {
					l := c.Localizer(lang)
					msg := l.Error(shequ.AsError(err))
					for _, w := range []string{l.T(tb.prefix + "." + from), l.T(tb.prefix + "." + to)} {
						if !strings.Contains(msg, "“"+w+"”") || strings.Contains(w, tb.prefix) {
							t.Errorf("%s %s → %s (%s): %q lacks “%s”", tb.prefix, from, to, lang, msg, w)
						}
					}
					if lang == "zh-CN" && strings.ContainsAny(msg, "abcdefghijklmnopqrstuvwxyz_") {
						t.Errorf("%s %s → %s: identifiers in %q", tb.prefix, from, to, msg)
					}
				}
			}
		}
	}
	if illegal < 50 {
		t.Errorf("only %d illegal transitions checked", illegal)
	}
}
