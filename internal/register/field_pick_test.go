package register

import (
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"shequ"
)

// crew is a register with picked records, as the team register.
type crew struct {
	ID, Community, Name, Lead string
	Members                   []string
}

var crews = (&Schema[crew]{
	Name: "crew", Type: "Crew", Plural: "crews",
	Fields: []*Field[crew]{
		Text("name", 20, func(c *crew) *string { return &c.Name }),
		Picks("members", func(c *crew) *[]string { return &c.Members }).Alias("队员"),
		Pick("lead", func(c *crew) *string { return &c.Lead }).Alias("队长"),
	},
	New: func() *crew { return &crew{Community: "330523001002"} }, ID: func(c *crew) string { return c.ID },
	Community: func(c *crew) string { return c.Community }, Title: func(c *crew) string { return c.Name },
	Validate: func(c *crew, _ time.Time) error {
		var fe shequ.FieldErrors
		if len(c.Members) == 0 {
			fe.Add("members", "crew.members.required", "Pick members.", nil)
		}
		return fe.Err()
	},
	Import: &Import[crew]{Required: []string{"name", "members"}},
}).Init()

// Picks read the boxes of a form, a JSON array and a file cell alike:
// trimmed, repeats dropped, the order kept; an id too long to name a record
// is an error of the field.
func TestPicksRead(t *testing.T) {
	tests := []struct {
		name string
		read func(x *crew, c *Context)
		want []string
		bad  bool
	}{
		{"form boxes", func(x *crew, c *Context) {
			crews.ReadForm(x, url.Values{"name": {"a"}, "members": {"b", " a ", "b"}, "lead": {"a"}}, c)
		}, []string{"b", "a"}, false},
		{"form none ticked", func(x *crew, c *Context) { crews.ReadForm(x, url.Values{"name": {"a"}}, c) }, []string{}, false},
		{"json", func(x *crew, c *Context) {
			_ = crews.ReadJSON(x, map[string]json.RawMessage{"members": json.RawMessage(`["x","y","x",""]`)}, c)
		}, []string{"x", "y"}, false},
		{"json not an array", func(x *crew, c *Context) {
			_ = crews.ReadJSON(x, map[string]json.RawMessage{"members": json.RawMessage(`42`)}, c)
		}, nil, true},
		{"json huge id", func(x *crew, c *Context) {
			_ = crews.ReadJSON(x, map[string]json.RawMessage{"members": json.RawMessage(`["` + strings.Repeat("z", 5000) + `","ok"]`)}, c)
		}, []string{"ok"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := crews.New()
			c := &Context{}
			tt.read(x, c)
			if (c.Err() != nil) != tt.bad {
				t.Fatalf("error %v, want bad=%v", c.Err(), tt.bad)
			}
			if !tt.bad || tt.want != nil {
				if !slices.Equal(x.Members, tt.want) && !(len(x.Members) == 0 && len(tt.want) == 0) {
					t.Fatalf("members %q, want %q", x.Members, tt.want)
				}
			}
		})
	}
}

// An import resolves every item of a Picks cell and a Pick cell through
// ImportOptions.Pick: an item nobody matches is an error of its row (an ID
// number echoed masked), a resolver failure fails the file.
func TestImportPicks(t *testing.T) {
	known := map[string]string{"11010519491231002X": "v1", "张伟": "v2"}
	var asked []string
	resolve := func(field, cell string) (string, error) {
		asked = append(asked, field+":"+cell)
		if cell == "boom" {
			return "", errors.New("database down")
		}
		if id, ok := known[cell]; ok {
			return id, nil
		}
		return "", shequ.ErrNotFound
	}
	in := "name,队员,队长\n甲队,\"11010519491231002X、张伟\",张伟\n乙队,330523201503070027,\n"
	p, err := crews.Parse(strings.NewReader(in), "c.csv", ImportOptions{Pick: resolve})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Records) != 1 || !slices.Equal(p.Records[0].Members, []string{"v1", "v2"}) || p.Records[0].Lead != "v2" {
		t.Fatalf("records %+v", p.Records)
	}
	if len(p.Errors) != 1 || p.Errors[0].Line != 3 || p.Errors[0].Fields[0].Key != "register.pick.none" ||
		strings.Contains(p.Errors[0].Fields[0].Data["Q"].(string), "20150307") {
		t.Fatalf("errors %+v", p.Errors)
	}
	if !slices.Contains(asked, "lead:张伟") || !slices.Contains(asked, "members:张伟") {
		t.Errorf("asked %v", asked)
	}
	if _, err := crews.Parse(strings.NewReader("name,队员\n丙队,boom\n"), "c.csv", ImportOptions{Pick: resolve}); err == nil {
		t.Error("a resolver failure passed as a row error")
	}
	// Without a resolver the cells are the ids.
	p, err = crews.Parse(strings.NewReader("name,队员\n丁队,a b\n"), "c.csv", ImportOptions{})
	if err != nil || len(p.Records) != 1 || !slices.Equal(p.Records[0].Members, []string{"a", "b"}) {
		t.Fatalf("without a resolver %+v %v", p, err)
	}
}

func FuzzPicksForm(f *testing.F) {
	f.Add("a,b,,a")
	f.Add(strings.Repeat("x", 100))
	f.Fuzz(func(t *testing.T, s string) {
		x := crews.New()
		c := &Context{}
		crews.ReadForm(x, url.Values{"members": strings.Split(s, "|")}, c)
		seen := map[string]bool{}
		for _, m := range x.Members {
			if m == "" || len(m) > maxPickID || seen[m] || strings.TrimSpace(m) != m {
				t.Fatalf("member %q kept from %q", m, s)
			}
			seen[m] = true
		}
	})
}
