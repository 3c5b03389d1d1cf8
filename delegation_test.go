package shequ

import (
	"testing"
	"time"
)

// TestDelegationCovers checks each condition of Covers on its own: the
// state, both ends of the validity (an agent may not act before the
// delegation starts nor after its last day) and the items.
func TestDelegationCovers(t *testing.T) {
	from := time.Date(2026, 12, 1, 0, 0, 0, 0, Shanghai)
	until := from.Add(48 * time.Hour)
	tests := []struct {
		name  string
		state DelegationState
		item  string
		at    time.Time
		want  bool
	}{
		{"active, listed item, inside the validity", DelegationActive, "A", from.Add(time.Hour), true},
		{"at the very start", DelegationActive, "A", from, true},
		{"at the very end", DelegationActive, "A", until, true},
		{"a second before it starts", DelegationActive, "A", from.Add(-time.Second), false},
		{"a day before it starts", DelegationActive, "A", from.AddDate(0, 0, -1), false},
		{"after its last day", DelegationActive, "A", until.Add(time.Second), false},
		{"an item it does not list", DelegationActive, "B", from.Add(time.Hour), false},
		{"requested, not yet consented", DelegationRequested, "A", from.Add(time.Hour), false},
		{"revoked", DelegationRevoked, "A", from.Add(time.Hour), false},
		{"completed", DelegationCompleted, "A", from.Add(time.Hour), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &Delegation{State: tt.state, Items: []string{"A", "C"}, ValidFrom: from, ValidUntil: until}
			if got := d.Covers(tt.item, tt.at); got != tt.want {
				t.Errorf("Covers(%q, %v) = %v, want %v", tt.item, tt.at, got, tt.want)
			}
		})
	}
}

// TestDelegationEffective: an active or requested delegation past its last
// day reads as expired; one revoked or completed keeps its state, whenever
// it is read.
func TestDelegationEffective(t *testing.T) {
	from := time.Date(2026, 12, 1, 0, 0, 0, 0, Shanghai)
	until := from.Add(48 * time.Hour)
	for _, tt := range []struct {
		state DelegationState
		at    time.Time
		want  DelegationState
	}{
		{DelegationActive, until, DelegationActive},
		{DelegationActive, until.Add(time.Second), DelegationExpired},
		{DelegationRequested, until, DelegationRequested},
		{DelegationRequested, until.Add(time.Second), DelegationExpired},
		{DelegationRevoked, until.Add(time.Hour), DelegationRevoked},
		{DelegationCompleted, until.Add(time.Hour), DelegationCompleted},
		{DelegationRevoked, from, DelegationRevoked},
	} {
		d := &Delegation{State: tt.state, ValidFrom: from, ValidUntil: until}
		if got := d.Effective(tt.at); got != tt.want {
			t.Errorf("%s read at %v: %s, want %s", tt.state, tt.at, got, tt.want)
		}
	}
}
