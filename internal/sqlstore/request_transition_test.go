package sqlstore

import (
	"testing"

	"shequ"
)

// TestTransitionNote: what the timeline says of each move — the reason,
// the missing materials, the department, the result or the stars, then the
// note when there is one (and nothing dangling when there is none).
// Mutation testing found that dropping or inverting the note's condition
// went unnoticed.
func TestTransitionNote(t *testing.T) {
	for _, c := range []struct {
		to   shequ.RequestState
		in   shequ.TransitionInput
		want string
	}{
		{shequ.RequestAccepted, shequ.TransitionInput{}, ""},
		{shequ.RequestAccepted, shequ.TransitionInput{Note: "材料齐全"}, "材料齐全"},
		{shequ.RequestRefused, shequ.TransitionInput{Reason: "不符合条件"}, "不符合条件"},
		{shequ.RequestRefused, shequ.TransitionInput{Reason: "不符合条件", Note: "已电话告知"}, "不符合条件 — 已电话告知"},
		{shequ.RequestAwaitingMaterials, shequ.TransitionInput{Missing: []string{"户口簿", "收入证明"}}, "户口簿；收入证明"},
		{shequ.RequestTransferred, shequ.TransitionInput{Department: "县民政局", Note: "涉及低保"}, "县民政局 — 涉及低保"},
		{shequ.RequestCompleted, shequ.TransitionInput{Result: "已办结"}, "已办结"},
		{shequ.RequestRated, shequ.TransitionInput{Rating: 4}, "★★★★"},
		{shequ.RequestRated, shequ.TransitionInput{Rating: 5, Note: "很满意"}, "★★★★★ — 很满意"},
	} {
		if got := transitionNote(c.to, c.in); got != c.want {
			t.Errorf("transitionNote(%s, %+v) = %q, want %q", c.to, c.in, got, c.want)
		}
	}
}
