package divtab

import (
	"slices"
	"strings"
	"testing"
)

func TestCodes(t *testing.T) {
	list := []string{"110101001001", "110101001002", "330523001002", "330523104201", "330523104202", "650102003004"}
	c, err := NewCodes(list)
	if err != nil {
		t.Fatal(err)
	}
	if c.Len() != len(list) {
		t.Fatalf("Len = %d, want %d", c.Len(), len(list))
	}
	for i, want := range list {
		if got := c.At(i); got != want {
			t.Errorf("At(%d) = %q, want %q", i, got, want)
		}
	}
	for _, tc := range []struct {
		code string
		i    int
		ok   bool
	}{
		{"110101001001", 0, true},
		{"330523104202", 4, true},
		{"000000000000", 0, false},
		{"330523001003", 3, false},
		{"999999999999", 6, false},
		{"3305", 2, false}, // a shorter code sorts before its communities
	} {
		i, ok := c.Search(tc.code)
		wantI, wantOK := slices.BinarySearch(list, tc.code)
		if i != tc.i || ok != tc.ok || i != wantI || ok != wantOK {
			t.Errorf("Search(%q) = %d, %v; want %d, %v", tc.code, i, ok, tc.i, tc.ok)
		}
	}
	for _, tc := range []struct {
		prefix string
		lo, hi int
	}{{"", 0, 6}, {"33", 2, 5}, {"330523104", 3, 5}, {"11", 0, 2}, {"44", 5, 5}, {"650102003004", 5, 6}} {
		if lo, hi := c.Span(tc.prefix); lo != tc.lo || hi != tc.hi {
			t.Errorf("Span(%q) = %d, %d; want %d, %d", tc.prefix, lo, hi, tc.lo, tc.hi)
		}
	}
	var empty Codes
	if empty.Len() != 0 {
		t.Error("the zero Codes is not empty")
	}
	if i, ok := empty.Search("33"); i != 0 || ok {
		t.Errorf("empty Search = %d, %v", i, ok)
	}
}

func TestNewCodesRefuses(t *testing.T) {
	for name, list := range map[string][]string{
		"unsorted":      {"330523001002", "110101001001"},
		"duplicate":     {"330523001002", "330523001002"},
		"mixed lengths": {"330523001", "330523001002"},
		"empty code":    {""},
	} {
		if _, err := NewCodes(list); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestNames(t *testing.T) {
	list := []string{"余村村", "", "天荒坪镇", "a", strings.Repeat("名", 40)}
	var b NamesBuilder
	b.Grow(len(list), 200)
	for _, n := range list {
		if err := b.Add(n); err != nil {
			t.Fatal(err)
		}
	}
	names := b.Names()
	if names.Len() != len(list) {
		t.Fatalf("Len = %d, want %d", names.Len(), len(list))
	}
	for i, want := range list {
		if got := names.At(i); got != want {
			t.Errorf("At(%d) = %q, want %q", i, got, want)
		}
	}
	if again := b.Names(); again.Len() != 0 {
		t.Errorf("the builder kept %d names", again.Len())
	}
}
