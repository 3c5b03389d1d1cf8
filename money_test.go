package shequ

import "testing"

func TestYuan(t *testing.T) {
	for _, tt := range []struct {
		in   string
		fen  int64
		fail bool
	}{
		{"50000", 5000000, false},
		{"50,000.5", 5000050, false},
		{"¥1.05", 105, false},
		{"0.01", 1, false},
		{"1.", 0, true},
		{".5", 0, true},
		{"1.234", 0, true},
		{"-1", 0, true},
		{"1e3", 0, true},
		{"", 0, true},
		{"99999999999999", 0, true},
	} {
		got, err := ParseYuan(tt.in)
		if (err != nil) != tt.fail || got != tt.fen {
			t.Errorf("ParseYuan(%q) = %d, %v", tt.in, got, err)
		}
	}
	for fen, want := range map[int64]string{0: "0.00", 5: "0.05", 5000000: "50,000.00", 123456789: "1,234,567.89", -150: "-1.50"} {
		if got := FormatYuan(fen); got != want {
			t.Errorf("FormatYuan(%d) = %q, want %q", fen, got, want)
		}
	}
}

func FuzzYuan(f *testing.F) {
	f.Add("50,000.50")
	f.Add("¥0.1")
	f.Fuzz(func(t *testing.T, s string) {
		fen, err := ParseYuan(s)
		if err != nil {
			return
		}
		if fen < 0 {
			t.Fatalf("%q → %d", s, fen)
		}
		back, err := ParseYuan(FormatYuan(fen))
		if err != nil || back != fen {
			t.Fatalf("%q → %d → %q → %d, %v", s, fen, FormatYuan(fen), back, err)
		}
	})
}
