package register

import (
	"errors"
	"strings"
	"testing"
	"time"

	"shequ"
)

// care is a register with a person, as the care register of issue 16.
type care struct {
	ID, Community, ResidentID, Reason string
}

var cares = (&Schema[care]{
	Name: "care", Type: "Care", Plural: "cares",
	Fields: []*Field[care]{
		Person("resident_id", func(c *care) *string { return &c.ResidentID }).Alias("居民身份证号"),
		Community("community_code", func(c *care) *string { return &c.Community }),
		Text("reason", 50, func(c *care) *string { return &c.Reason }),
	},
	New: func() *care { return &care{} }, ID: func(c *care) string { return c.ID },
	Community: func(c *care) string { return c.Community }, Title: func(c *care) string { return c.ResidentID },
	Validate: func(c *care, _ time.Time) error {
		var fe shequ.FieldErrors
		if c.ResidentID == "" {
			fe.Add("resident_id", "care.person.required", "Name the person.", nil)
		}
		return fe.Err()
	},
	Import: &Import[care]{Required: []string{"resident_id"}},
}).Init()

// A Person cell is resolved through ImportOptions.Person: a resident not
// found refuses the row, any other error the file.
func TestImportPerson(t *testing.T) {
	people := map[string]string{"11010519491231002X": "r1"}
	resolve := func(cell string) (string, error) {
		if cell == "boom" {
			return "", errors.New("database down")
		}
		if id, ok := people[cell]; ok {
			return id, nil
		}
		return "", shequ.ErrNotFound
	}
	in := "居民身份证号,community_code,reason\n11010519491231002X,330523001002,父母外出务工\n330523201503070027,330523001002,\n"
	p, err := cares.Parse(strings.NewReader(in), "c.csv", ImportOptions{Person: resolve})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Records) != 1 || p.Records[0].ResidentID != "r1" || len(p.Errors) != 1 || p.Errors[0].Line != 3 ||
		p.Errors[0].Fields[0].Key != "register.person.none" || len(p.Errors[0].Fields) != 1 {
		t.Errorf("%+v %+v", p.Records, p.Errors)
	}
	if _, err := cares.Parse(strings.NewReader("居民身份证号\nboom\n"), "c.csv", ImportOptions{Person: resolve}); err == nil {
		t.Error("a resolver failure passed as a row error")
	}
	if !cares.Has(KindPerson) || cares.Has(KindMoney) {
		t.Error("Has")
	}
}
