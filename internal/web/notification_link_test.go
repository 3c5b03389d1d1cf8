package web

import "testing"

// TestNotificationHref checks that a notification about every object the
// stores notify about leads to its page, and that others show as text.
func TestNotificationHref(t *testing.T) {
	tests := []struct{ typ, id, want string }{
		{"need", "n1", "/needs/n1"},
		{"project", "p1", "/projects/p1"},
		{"service_request", "q1", "/requests/q1"},
		{"delegation", "d1", "/delegations/d1"},
		{"care_alert", "a1", "/care/alerts/a1"},
		{"care_person", "c1", "/care/people/c1"},
		{"case", "k1", "/care/cases/k1"},
		{"referral", "r1", "/care/referrals"},
		{"care_duty", "d1", "/care/duties"},
		{"supervision", "s1", "/care/worklogs"},
		{"care_policy", "330523", "/care/visits"},
		{"case", "a/b?c", "/care/cases/a%2Fb%3Fc"},
		{"case", "", ""},
		{"unknown", "x", ""},
	}
	for _, tt := range tests {
		if got := notificationHref(tt.typ, tt.id); got != tt.want {
			t.Errorf("notificationHref(%q, %q) = %q, want %q", tt.typ, tt.id, got, tt.want)
		}
	}
}
