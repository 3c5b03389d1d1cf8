package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"shequ"
)

// demoResidentID is the ID number of the demo resident 王建国 (the first
// synthetic resident: 安吉县, born 1952-03-12, sequence 011).
func demoResidentID() string {
	s := "330523" + "19520312" + "011"
	return s + string(shequ.IDCheckChar(s))
}

// TestLookupByNumberAndID: anyone finds a request by its number and the
// applicant's ID number (办件查询) and lands on its tracking page; every
// other pair gets the same answer after the same time, whether the number
// exists or not; past five tries of one number, or ten from one address,
// the form refuses (429), so that it is no oracle for ID numbers.
func TestLookupByNumberAndID(t *testing.T) {
	demoEngines(t, func(t *testing.T, dsn string) {
		base, _ := startDemo(t, dsn)
		res := openSession(t, base, "demo-resident")
		_, mine := res.get("/requests")
		m := regexp.MustCompile(`>(330523-\d{8}-\d{6})<`).FindStringSubmatch(mine)
		if m == nil {
			t.Fatalf("the demo resident has no request:\n%s", mine)
		}
		number := m[1]
		anon := openSession(t, base, "")
		if code, page := anon.get("/track"); code != http.StatusOK || !strings.Contains(page, `id="lookup-form"`) {
			t.Fatalf("lookup form: %d", code)
		}
		try := func(s *browserSession, number, id string) (int, string, string, time.Duration) {
			t.Helper()
			started := time.Now()
			code, loc, body := s.post("/track", url.Values{"number": {number}, "id_number": {id}})
			return code, loc, body, time.Since(started)
		}
		code, loc, _, _ := try(anon, strings.ToLower(number), demoResidentID())
		if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/track/") {
			t.Fatalf("lookup: %d %q", code, loc)
		}
		if code, page := anon.get(loc); code != http.StatusOK || !strings.Contains(page, number) {
			t.Errorf("tracking page: %d", code)
		}
		// A wrong ID number for an existing number and any ID number for
		// a number that does not exist: the same page but for the number
		// typed, in at least the same time.
		wrongID := "330523195203120127"
		if _, err := shequ.ParseIDNumber(wrongID, time.Now()); err != nil {
			t.Fatal(err)
		}
		other := openSession(t, base, "") // a fresh address count is not needed: the limits are per number too
		c1, _, b1, d1 := try(other, number, wrongID)
		c2, _, b2, d2 := try(other, "330523-20991231-999999", wrongID)
		norm := func(b, n string) string { return strings.ReplaceAll(b, n, "NUMBER") }
		if c1 != http.StatusOK || c1 != c2 || norm(b1, number) != norm(b2, "330523-20991231-999999") || !strings.Contains(b1, `id="lookup-none"`) {
			t.Errorf("answers differ: %d %d", c1, c2)
		}
		if d1 < 300*time.Millisecond || d2 < 300*time.Millisecond {
			t.Errorf("answers too quick to be alike: %v %v", d1, d2)
		}
		// A malformed ID number is a field error, not a lookup.
		if code, _, body, _ := try(other, number, "12345"); code != http.StatusBadRequest || !strings.Contains(body, `id="lookup-id-number-error"`) {
			t.Errorf("malformed ID number: %d", code)
		}
		// One number: five tries in ten minutes (one was the success).
		for i := 0; i < 3; i++ {
			try(other, number, wrongID)
		}
		if code, _, _, _ := try(other, number, wrongID); code != http.StatusTooManyRequests {
			t.Errorf("sixth try of one number: %d", code)
		}
		// One address: ten lookups in ten minutes, whatever the numbers.
		n := 0
		for i := 0; i < 12; i++ {
			if code, _, _, _ := try(other, "330523-20991231-00000"+string(rune('0'+i%10)), wrongID); code == http.StatusTooManyRequests {
				break
			}
			n++
		}
		if n >= 12 {
			t.Errorf("no limit per address")
		}
	})
}
