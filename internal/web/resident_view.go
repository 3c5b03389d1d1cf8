package web

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"shequ"
	"shequ/internal/i18n"
)

// residentView is a resident as pages show it: ID and phone numbers masked
// unless revealed, and the values derived from the ID number: the age and
// sex always, the birth date only when revealed (with the masked number,
// the birth date would give the number's middle digits back).
type residentView struct {
	*shequ.Resident
	IDNumber string // masked unless Revealed
	Phone    string // masked unless Revealed; "" when none
	Revealed bool
	Birth    time.Time // zero unless revealed and the number carries a date
	AgeKnown bool      // the number carries a birth date
	Age      int
	Sex      shequ.Sex
	Minor    bool
	Tags     []tagLabel
}

// tagLabel is a tag with its label: the catalogue's for known tags, the
// text itself for free ones.
type tagLabel struct {
	ID    string
	Label string
	Known bool
}

// derivedFromID returns birth date and sex when n is a full 18-character
// number. A service may hand back numbers already masked, whose date part
// is stars; then nothing is derived rather than something wrong.
func derivedFromID(n shequ.IDNumber) (birth time.Time, sex shequ.Sex, ok bool) {
	s := string(n)
	if len(s) != 18 {
		return time.Time{}, "", false
	}
	for i := 6; i < 17; i++ {
		if s[i] < '0' || s[i] > '9' {
			return time.Time{}, "", false
		}
	}
	birth = n.BirthDate()
	if birth.IsZero() {
		return time.Time{}, "", false
	}
	return birth, n.Sex(), true
}

// residentTags lists the stored and derived tags of r on day.
func residentTags(r *shequ.Resident, birth time.Time, day time.Time) []shequ.Tag {
	out := slices.Clone(r.Tags)
	if !birth.IsZero() && shequ.AgeAt(birth, day) >= shequ.ElderlyAge && !slices.Contains(out, shequ.TagElderly) {
		out = append([]shequ.Tag{shequ.TagElderly}, out...)
	}
	return out
}

// isKnownTag reports whether t has a catalogue label.
func isKnownTag(t shequ.Tag) bool { return slices.Contains(shequ.KnownTags, t) }

func labelTags(l *i18n.Localizer, tags []shequ.Tag) []tagLabel {
	out := make([]tagLabel, 0, len(tags))
	for _, t := range tags {
		if isKnownTag(t) {
			out = append(out, tagLabel{ID: string(t), Label: l.T("tag." + string(t)), Known: true})
		} else {
			out = append(out, tagLabel{ID: string(t), Label: string(t)})
		}
	}
	return out
}

func newResidentView(l *i18n.Localizer, r *shequ.Resident, revealed bool, now time.Time) *residentView {
	v := &residentView{Resident: r, Revealed: revealed,
		IDNumber: shequ.Disclose(shequ.PersonalIDNumber, string(r.IDNumber), revealed),
		Phone:    shequ.Disclose(shequ.PersonalPhone, string(r.Phone), revealed)}
	birth, sex, ok := derivedFromID(r.IDNumber)
	if ok {
		v.AgeKnown, v.Sex = true, sex
		v.Age = shequ.AgeAt(birth, now)
		v.Minor = v.Age < shequ.AdultAge
		if revealed {
			v.Birth = birth
		}
	}
	v.Tags = labelTags(l, residentTags(r, birth, now))
	return v
}

// residentJSON is the API form of a resident.
type residentJSON struct {
	ID            string   `json:"id"`
	Name          string   `json:"name"`
	IDNumber      string   `json:"id_number"`
	Phone         string   `json:"phone"`
	CommunityCode string   `json:"community_code"`
	HouseholdID   string   `json:"household_id"`
	Relation      string   `json:"relation"`
	Tags          []string `json:"tags"`
	BirthDate     *string  `json:"birth_date"` // only when revealed
	Age           *int     `json:"age"`
	Sex           *string  `json:"sex"`
	Verified      bool     `json:"verified"`
	VerifiedAt    *string  `json:"verified_at"`
	CreatedAt     string   `json:"created_at"`
	UpdatedAt     string   `json:"updated_at"`
}

// apiTime formats an instant for the API: RFC 3339 in UTC.
func apiTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func newResidentJSON(r *shequ.Resident, revealed bool, now time.Time) residentJSON {
	j := residentJSON{
		ID: r.ID, Name: r.Name, CommunityCode: r.Community, HouseholdID: r.HouseholdID, Relation: string(r.Relation),
		IDNumber: shequ.Disclose(shequ.PersonalIDNumber, string(r.IDNumber), revealed),
		Phone:    shequ.Disclose(shequ.PersonalPhone, string(r.Phone), revealed),
		Verified: r.Verified, Tags: []string{}, CreatedAt: apiTime(r.CreatedAt), UpdatedAt: apiTime(r.UpdatedAt),
	}
	birth, sex, ok := derivedFromID(r.IDNumber)
	if ok {
		age := shequ.AgeAt(birth, now)
		j.Age, j.Sex = &age, strPtr(sex)
		if revealed {
			d := birth.Format(time.DateOnly)
			j.BirthDate = &d
		}
	}
	for _, t := range residentTags(r, birth, now) {
		j.Tags = append(j.Tags, string(t))
	}
	if r.VerifiedAt != nil {
		v := apiTime(*r.VerifiedAt)
		j.VerifiedAt = &v
	}
	return j
}

// residentQuery is the filter of the resident list, as read from a query
// string by the page and the API alike.
type residentQuery struct {
	Community string
	Q         string
	IDNumber  string
	Tag       string
}

// parseResidentQuery reads community, q, id_number and tag. The community
// defaults to the actor's scope; an ID number is normalized (15 digits,
// lower-case x) so that the blind index finds it.
func parseResidentQuery(q url.Values, a *shequ.Actor, now time.Time) (residentQuery, error) {
	var fe shequ.FieldErrors
	rq := residentQuery{
		Community: strings.TrimSpace(q.Get("community")),
		Q:         strings.TrimSpace(strings.ToValidUTF8(q.Get("q"), "")),
		IDNumber:  strings.TrimSpace(q.Get("id_number")),
		Tag:       strings.TrimSpace(strings.ToValidUTF8(q.Get("tag"), "")),
	}
	if rq.Community == "" && a != nil {
		rq.Community = a.Scope
	}
	if rq.Community != "" && shequ.ValidateDivisionCode(rq.Community) != nil {
		fe.Add("community", "division.code.malformed", "A division code has 2, 4, 6, 9 or 12 digits.", nil)
	}
	if len([]rune(rq.Q)) > maxQueryRunes {
		fe.Add("q", "search.too_long", "The search text is too long.", map[string]any{"Max": maxQueryRunes})
	}
	if rq.IDNumber != "" {
		id, err := shequ.ParseIDNumber(rq.IDNumber, now)
		if err != nil {
			fe.Add("id_number", "id_number.invalid", shequ.ErrIDNumber.Message, nil)
		}
		rq.IDNumber = string(id)
	}
	if len([]rune(rq.Tag)) > 20 {
		fe.Add("tag", "resident.tag.invalid", "A tag has at most 20 characters and no commas.", nil)
	}
	return rq, fe.Err()
}

func (rq residentQuery) filter(offset, limit int) shequ.ResidentFilter {
	return shequ.ResidentFilter{Community: rq.Community, Query: rq.Q, IDNumber: rq.IDNumber, Tag: shequ.Tag(rq.Tag),
		Offset: offset, Limit: limit}
}

// values returns the query as URL values, for paging links.
func (rq residentQuery) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"community": rq.Community, "q": rq.Q, "id_number": rq.IDNumber, "tag": rq.Tag} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// queryPager links the pages of a filtered list, keeping the filters.
func queryPager(path string, v url.Values, page, total, size int) pager {
	p := pager{Page: page, Pages: (total + size - 1) / size}
	if p.Pages == 0 {
		p.Pages = 1
	}
	link := func(n int) string {
		q := url.Values{}
		for k, vs := range v {
			q[k] = vs
		}
		if n > 1 {
			q.Set("page", strconv.Itoa(n))
		}
		if len(q) == 0 {
			return path
		}
		return path + "?" + q.Encode()
	}
	if page > 1 {
		p.PrevURL = link(min(page-1, p.Pages))
	}
	if page < p.Pages {
		p.NextURL = link(page + 1)
	}
	return p
}
