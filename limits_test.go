package shequ

import (
	"slices"
	"strings"
	"testing"
)

// TestTextLimits checks each length limit of the need and request rules at
// its boundary: the longest allowed text passes, one character more is the
// field's error (and the shortest title likewise).
func TestTextLimits(t *testing.T) {
	han := func(n int) string { return strings.Repeat("社", n) }
	need := func(title, desc string) error {
		n := &Need{Title: title, Description: desc, Category: NeedElderly, Channel: NeedChannels[0], Community: "330523001002"}
		return n.Validate()
	}
	fieldOf := func(err error) []string {
		var out []string
		for _, f := range AsError(err).Fields {
			out = append(out, f.Field)
		}
		return out
	}
	tests := []struct {
		name  string
		err   error
		field string // "" when valid
	}{
		{"title of 2", need(han(2), ""), ""},
		{"title of 1", need(han(1), ""), "title"},
		{"title of 60", need(han(MaxNeedTitle), ""), ""},
		{"title of 61", need(han(MaxNeedTitle+1), ""), "title"},
		{"description of 2000", need("独居老人", han(MaxNeedDescription)), ""},
		{"description of 2001", need("独居老人", han(MaxNeedDescription+1)), "description"},
		{"rejection reason of 500", (&NeedTransition{To: NeedRejected, Reason: han(MaxReason)}).Validate(), ""},
		{"rejection reason of 501", (&NeedTransition{To: NeedRejected, Reason: han(MaxReason + 1)}).Validate(), "reason"},
		{"request note of 2000", (&TransitionInput{Note: han(2000)}).Check(RequestAccepted), ""},
		{"request note of 2001", (&TransitionInput{Note: han(2001)}).Check(RequestAccepted), "note"},
		{"refusal reason of 2000", (&TransitionInput{Reason: han(2000)}).Check(RequestRefused), ""},
		{"refusal reason of 2001", (&TransitionInput{Reason: han(2001)}).Check(RequestRefused), "reason"},
		{"refusal without a reason", (&TransitionInput{}).Check(RequestRefused), "reason"},
		{"one missing material", (&TransitionInput{Missing: []string{"户口簿"}}).Check(RequestAwaitingMaterials), ""},
		{"50 missing materials", (&TransitionInput{Missing: materials(50)}).Check(RequestAwaitingMaterials), ""},
		{"51 missing materials", (&TransitionInput{Missing: materials(51)}).Check(RequestAwaitingMaterials), "missing"},
		{"nothing missing", (&TransitionInput{}).Check(RequestAwaitingMaterials), "missing"},
		{"department of 100", (&TransitionInput{Department: han(100)}).Check(RequestTransferred), ""},
		{"department of 101", (&TransitionInput{Department: han(101)}).Check(RequestTransferred), "department"},
		{"no department", (&TransitionInput{}).Check(RequestTransferred), "department"},
		{"result of 2000", (&TransitionInput{Result: han(2000)}).Check(RequestCompleted), ""},
		{"result of 2001", (&TransitionInput{Result: han(2001)}).Check(RequestCompleted), "result"},
		{"no result", (&TransitionInput{}).Check(RequestCompleted), "result"},
		{"rating 1", (&TransitionInput{Rating: 1}).Check(RequestRated), ""},
		{"rating 5", (&TransitionInput{Rating: 5}).Check(RequestRated), ""},
		{"rating 0", (&TransitionInput{Rating: 0}).Check(RequestRated), "rating"},
		{"rating 6", (&TransitionInput{Rating: 6}).Check(RequestRated), "rating"},
	}
	for _, tt := range tests {
		got := fieldOf(tt.err)
		switch {
		case tt.field == "" && tt.err != nil:
			t.Errorf("%s: %v %v, want valid", tt.name, tt.err, got)
		case tt.field != "" && !slices.Contains(got, tt.field):
			t.Errorf("%s: fields %v, want an error on %s", tt.name, got, tt.field)
		}
	}
}

// TestPasswordLengthLimits: 12 and 128 characters pass, 11 and 129 do not
// (characters, not bytes).
func TestPasswordLengthLimits(t *testing.T) {
	pw := func(n int) string { return strings.Repeat("社", n-1) + "z" }
	for _, tt := range []struct {
		n  int
		ok bool
	}{{MinPasswordLength - 1, false}, {MinPasswordLength, true}, {MaxPasswordLength, true}, {MaxPasswordLength + 1, false}} {
		if err := ValidatePassword(pw(tt.n), "wang"); (err == nil) != tt.ok {
			t.Errorf("a password of %d characters: %v", tt.n, err)
		}
	}
}

// materials returns n distinct material names.
func materials(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "材料" + string(rune(0x4E00+i))
	}
	return out
}

// TestSimilarityTermsLimits: terms are Han pairs and words of two or more
// letters, at most 20 of them.
func TestSimilarityTermsLimits(t *testing.T) {
	if got := SimilarityTerms("a 楼道 ab"); !slices.Equal(got, []string{"楼道", "ab"}) {
		t.Errorf("one letter, a pair, two letters: %v", got)
	}
	var long []rune
	for i := range 40 {
		long = append(long, rune(0x4E00+i)) // 39 distinct pairs
	}
	if got := SimilarityTerms(string(long)); len(got) != 20 {
		t.Errorf("%d terms of a long text, want at most 20", len(got))
	}
	var words []string
	for i := range 30 {
		words = append(words, "w"+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	if got := SimilarityTerms(strings.Join(words, " ")); len(got) != 20 {
		t.Errorf("%d terms of 30 words, want 20", len(got))
	}
}
