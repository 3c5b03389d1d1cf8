package register

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"shequ"
)

// FuzzReadJSON: any JSON object read onto a facility either is refused with
// field errors or gives a record the domain accepts; reading never panics.
func FuzzReadJSON(f *testing.F) {
	f.Add(`{"name":"甲","kind":"service_center","community_code":"330523001002","lat":30.6,"lng":119.6}`)
	f.Add(`{"name":"甲","kind":"other","community_code":"330523001002","lat":30.6,"coordinate_system":"gcj02"}`)
	f.Add(`{"radius":1e309,"floor_area":-1,"opened_on":"2024-02-30","hours":null}`)
	f.Fuzz(func(t *testing.T, body string) {
		var m map[string]json.RawMessage
		if json.Unmarshal([]byte(body), &m) != nil || m == nil {
			return
		}
		x := Facilities.New()
		c := &Context{Now: time.Date(2026, 11, 29, 0, 0, 0, 0, shequ.Shanghai)}
		if err := Facilities.ReadJSON(x, m, c); err != nil {
			if shequ.ErrorCode(err) != shequ.EInvalid {
				t.Fatalf("non-validation error %v", err)
			}
			return
		}
		if err := Facilities.Check(x, c); err != nil {
			if e := shequ.AsError(err); e.Code != shequ.EInvalid || len(e.Fields) == 0 {
				t.Fatalf("refused without fields: %v", err)
			}
			return
		}
		if err := x.Validate(); err != nil {
			t.Fatalf("accepted a record the domain refuses: %+v %v", x, err)
		}
	})
}

// FuzzReadForm: any posted form read onto an organization either is
// refused with field errors or gives a record the domain accepts.
func FuzzReadForm(f *testing.F) {
	f.Add("name=甲&kind=charity&community_code=330523001002&legal_status=incubating&incubator=乙&status=active&grade=0")
	f.Add("members=1e9&grade=9A&founded_on=2024-13-01&leader_phone=123&serves=3305,330523001002")
	f.Fuzz(func(t *testing.T, form string) {
		v, err := url.ParseQuery(form)
		if err != nil {
			return
		}
		x := Orgs.New()
		c := &Context{}
		Orgs.ReadForm(x, v, c)
		if err := Orgs.Check(x, c); err != nil {
			if e := shequ.AsError(err); e.Code != shequ.EInvalid || len(e.Fields) == 0 {
				t.Fatalf("refused without fields: %v", err)
			}
			return
		}
		if err := x.Validate(); err != nil {
			t.Fatalf("accepted a record the domain refuses: %+v %v", x, err)
		}
	})
}
