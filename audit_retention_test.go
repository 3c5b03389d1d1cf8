package shequ

import (
	"testing"
	"time"
)

func TestAuditPruneLimit(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, Shanghai)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		now, want string
	}{
		{"2026-12-06 10:00", "2026-06-06 00:00"},
		{"2026-12-06 00:00", "2026-06-06 00:00"},
		{"2026-08-31 23:59", "2026-03-03 00:00"}, // 2026-02-31 normalises to 03-03
		{"2027-01-01 08:00", "2026-07-01 00:00"},
	}
	for _, tt := range tests {
		if got := AuditPruneLimit(at(tt.now)); !got.Equal(at(tt.want)) {
			t.Errorf("AuditPruneLimit(%s) = %s, want %s", tt.now, got, tt.want)
		}
		// The cut-off is always at least six months back.
		if got := AuditPruneLimit(at(tt.now)); got.After(at(tt.now).AddDate(0, -AuditRetentionMonths, 0)) {
			t.Errorf("AuditPruneLimit(%s) = %s is younger than six months", tt.now, got)
		}
	}
	// UTC late evening is the next day in Shanghai.
	if got := AuditPruneLimit(time.Date(2026, 12, 5, 20, 0, 0, 0, time.UTC)); !got.Equal(at("2026-06-06 00:00")) {
		t.Errorf("from UTC: %s", got)
	}
}

func TestAuditPruneDetail(t *testing.T) {
	p := &AuditPrune{Before: time.Date(2026, 6, 6, 0, 0, 0, 0, Shanghai), First: 1, Through: 8, Count: 8, Hash: "ab12"}
	got, err := ParseAuditPrune(p.Detail())
	if err != nil || *got != *p {
		t.Fatalf("round trip: %+v, %v", got, err)
	}
	bad := []string{
		"",
		"before=2026-06-06 first=1 through=8 count=8",                 // no hash
		"before=2026-06-06 first=1 through=8 count=7 hash=ab",         // count disagrees
		"before=2026-06-06 first=0 through=8 count=9 hash=ab",         // first below 1
		"before=2026-06-06 first=5 through=4 count=0 hash=ab",         // empty range
		"before=2026-13-06 first=1 through=8 count=8 hash=ab",         // bad day
		"before=2026-06-06 first=1 through=8 count=8 hash=ab hash=cd", // repeated
		"before=2026-06-06 first=1 through=8 count=8 hash=ab extra=1", // unknown
		"before=2026-06-06 first=1 through=x count=8 hash=ab",         // not a number
		"before=2026-06-06 first=1 through=8 count=8 hash=ab stray",   // no =
	}
	for _, d := range bad {
		if _, err := ParseAuditPrune(d); err == nil {
			t.Errorf("ParseAuditPrune(%q) accepted", d)
		}
	}
	made := time.Date(2026, 12, 6, 10, 0, 0, 0, Shanghai)
	for _, tt := range []struct {
		before string
		keeps  bool
	}{{"2026-06-06", true}, {"2026-06-05", true}, {"2026-06-07", false}, {"2026-12-01", false}} {
		p.Before, _ = time.ParseInLocation(time.DateOnly, tt.before, Shanghai)
		if p.Keeps(made) != tt.keeps {
			t.Errorf("a prune before %s made %s: Keeps = %v", tt.before, made, !tt.keeps)
		}
	}
}

func FuzzParseAuditPrune(f *testing.F) {
	f.Add("before=2026-06-06 first=1 through=8 count=8 hash=ab12")
	f.Add("before=2026-06-06 first=1 through=8 count=8 hash=ab12 hash=x")
	f.Fuzz(func(t *testing.T, detail string) {
		p, err := ParseAuditPrune(detail)
		if err != nil {
			return
		}
		if p.First < 1 || p.Through < p.First || p.Count != p.Through-p.First+1 || p.Hash == "" {
			t.Fatalf("accepted an inconsistent prune %+v from %q", p, detail)
		}
		again, err := ParseAuditPrune(p.Detail())
		if err != nil || *again != *p {
			t.Fatalf("round trip of %q: %+v, %v", detail, again, err)
		}
	})
}
