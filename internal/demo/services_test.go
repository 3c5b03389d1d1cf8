package demo

import "testing"

func TestServiceItemsValid(t *testing.T) {
	items := ServiceItems()
	if len(items) < 20 {
		t.Fatalf("%d items, want at least 20", len(items))
	}
	seen := map[string]bool{}
	for _, it := range items {
		if err := it.Validate(); err != nil {
			t.Errorf("%s %s: %v", it.Code, it.Name, err)
		}
		if seen[it.Code] {
			t.Errorf("code %s repeats", it.Code)
		}
		seen[it.Code] = true
	}
}
