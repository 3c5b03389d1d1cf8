package shequ

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Tag is a label on a resident. The listed ones have fixed meanings and
// Chinese labels in the catalogue ("tag.<id>"); any other non-empty text of up
// to 20 characters is a free tag.
type Tag string

// Known tags. TagElderly is derived from the birth date, never stored.
const (
	TagElderly           Tag = "elderly_60"          // 60岁以上 (derived)
	TagDisabled          Tag = "disabled"            // 残疾
	TagDibao             Tag = "dibao"               // 低保
	TagTekun             Tag = "tekun"               // 特困
	TagLeftBehindChild   Tag = "left_behind_child"   // 留守儿童
	TagLeftBehindWoman   Tag = "left_behind_woman"   // 留守妇女
	TagLeftBehindElderly Tag = "left_behind_elderly" // 留守老人
	TagRelocated         Tag = "relocated"           // 易地扶贫搬迁
	TagVeteran           Tag = "veteran"             // 退役军人
)

// KnownTags lists the tags with fixed meanings.
var KnownTags = []Tag{TagElderly, TagDisabled, TagDibao, TagTekun, TagLeftBehindChild, TagLeftBehindWoman,
	TagLeftBehindElderly, TagRelocated, TagVeteran}

// Relation is a member's relation to the head of household (与户主关系).
type Relation string

// Relations.
const (
	RelationHead        Relation = "head"        // 户主
	RelationSpouse      Relation = "spouse"      // 配偶
	RelationChild       Relation = "child"       // 子女
	RelationParent      Relation = "parent"      // 父母
	RelationGrandchild  Relation = "grandchild"  // 孙子女
	RelationGrandparent Relation = "grandparent" // 祖父母
	RelationSibling     Relation = "sibling"     // 兄弟姐妹
	RelationOther       Relation = "other"       // 其他
)

// Relations lists the relations.
var Relations = []Relation{RelationHead, RelationSpouse, RelationChild, RelationParent, RelationGrandchild,
	RelationGrandparent, RelationSibling, RelationOther}

// Valid reports whether r is one of Relations.
func (r Relation) Valid() bool {
	for _, x := range Relations {
		if r == x {
			return true
		}
	}
	return false
}

// AdultAge is the age of majority; records of younger residents are
// sensitive personal information (PIPL art. 28) and every read is audited.
const AdultAge = 18

// ElderlyAge is the age from which TagElderly applies.
const ElderlyAge = 60

// Resident is a person registered in a community (居民). ID and phone numbers
// are held in clear only in memory; the store keeps them encrypted.
type Resident struct {
	ID          string
	Name        string
	IDNumber    IDNumber
	Phone       Phone // optional
	Community   string
	HouseholdID string   // "" when not in a household
	Relation    Relation // to the head of the household, when in one
	Tags        []Tag    // stored tags; Tags() adds the derived ones
	UserID      string   // linked resident account, "" if none
	Verified    bool     // identity checked at the front desk (实名核验)
	VerifiedAt  *time.Time
	VerifiedBy  string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// BirthDate, Sex and AgeAt derive from the ID number.
func (r *Resident) BirthDate() time.Time { return r.IDNumber.BirthDate() }

// Sex derives from the ID number.
func (r *Resident) Sex() Sex { return r.IDNumber.Sex() }

// AgeAt returns the age on a day.
func (r *Resident) AgeAt(day time.Time) int { return AgeAt(r.BirthDate(), day) }

// MinorAt reports whether the resident is under 18 on a day.
func (r *Resident) MinorAt(day time.Time) bool { return r.AgeAt(day) < AdultAge }

// AllTags returns the stored tags plus the derived ones on a day.
func (r *Resident) AllTags(day time.Time) []Tag {
	out := append([]Tag(nil), r.Tags...)
	if r.AgeAt(day) >= ElderlyAge {
		out = append([]Tag{TagElderly}, out...)
	}
	return out
}

// NormalizeTags trims, drops duplicates and derived tags, and checks length.
func NormalizeTags(in []string) ([]Tag, error) {
	seen := map[Tag]bool{}
	var out []Tag
	for _, s := range in {
		t := Tag(strings.TrimSpace(s))
		if t == "" || t == TagElderly || seen[t] {
			continue
		}
		if utf8.RuneCountInString(string(t)) > 20 || strings.ContainsAny(string(t), ",;\n\t") {
			return nil, Errorf(EInvalid, "resident.tag.invalid", "A tag has at most 20 characters and no commas.")
		}
		seen[t] = true
		out = append(out, t)
	}
	return out, nil
}

// ResidentInput is what a form, the API or an import gives to create or edit
// a resident; Validate turns it into a Resident with field errors.
type ResidentInput struct {
	Name        *string
	IDNumber    *string
	Phone       *string
	Community   *string
	HouseholdID *string
	Relation    *string
	Tags        *[]string
}

// Apply validates in and writes the given fields into r. All field errors are
// returned together; r is changed only when there are none.
func (in ResidentInput) Apply(r *Resident, now time.Time) error {
	var fe FieldErrors
	next := *r
	if in.Name != nil {
		next.Name = strings.TrimSpace(*in.Name)
		if n := utf8.RuneCountInString(next.Name); n == 0 || n > 50 {
			fe.Add("name", "resident.name.invalid", "The name has 1 to 50 characters.", nil)
		}
	}
	if in.IDNumber != nil {
		id, err := ParseIDNumber(*in.IDNumber, now)
		if err != nil {
			fe.Add("id_number", "id_number.invalid", ErrIDNumber.Message, nil)
		}
		next.IDNumber = id
	}
	if in.Phone != nil {
		next.Phone = ""
		if strings.TrimSpace(*in.Phone) != "" {
			p, err := ParsePhone(*in.Phone)
			if err != nil {
				fe.Add("phone", "phone.invalid", ErrPhone.Message, nil)
			}
			next.Phone = p
		}
	}
	if in.Community != nil {
		next.Community = strings.TrimSpace(*in.Community)
		if ValidateDivisionCode(next.Community) != nil || len(next.Community) != 12 {
			fe.Add("community_code", "resident.community.invalid", "Give the 12-digit code of a community.", nil)
		}
	}
	if in.HouseholdID != nil {
		next.HouseholdID = strings.TrimSpace(*in.HouseholdID)
	}
	if in.Relation != nil {
		next.Relation = Relation(strings.TrimSpace(*in.Relation))
		if next.Relation != "" && !next.Relation.Valid() {
			fe.Add("relation", "resident.relation.invalid", "Unknown relation to the head of household.", nil)
		}
	}
	if in.Tags != nil {
		tags, err := NormalizeTags(*in.Tags)
		if err != nil {
			fe.Add("tags", "resident.tag.invalid", AsError(err).Message, nil)
		}
		next.Tags = tags
	}
	if next.HouseholdID != "" && next.Relation == "" {
		fe.Add("relation", "resident.relation.required", "Give the relation to the head of household.", nil)
	}
	if next.Name == "" && in.Name == nil {
		fe.Add("name", "resident.name.invalid", "The name has 1 to 50 characters.", nil)
	}
	if next.IDNumber == "" && in.IDNumber == nil {
		fe.Add("id_number", "id_number.invalid", ErrIDNumber.Message, nil)
	}
	if next.Community == "" && in.Community == nil {
		fe.Add("community_code", "resident.community.invalid", "Give the 12-digit code of a community.", nil)
	}
	if err := fe.Err(); err != nil {
		return err
	}
	*r = next
	return nil
}

// Household is a household (户) in a community.
type Household struct {
	ID        string
	Community string
	Address   string // 住址, optional
	Members   []*Resident
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ResidentFilter selects residents; empty fields are not filtered on.
type ResidentFilter struct {
	Community string // at or below this division
	Query     string // part of the name
	IDNumber  string // exact, through the blind index
	Tag       Tag
	Offset    int
	Limit     int
}

// ResidentMatcher finds the resident an import file names by ID number
// without the right to reveal ID numbers (issue 16: an official over the
// county imports the care register). The number is matched through the
// blind index, never shown: the resident comes back with it masked. The
// actor must hold purpose (the import's action) and resident.read over the
// resident's community; one out of scope is ENotFound like one missing.
// Every lookup, found or not, is audited "resident.match".
type ResidentMatcher interface {
	MatchResidentForImport(ctx context.Context, idNumber string, purpose Action) (*Resident, error)
}

// ResidentService keeps residents and households. Every method authorizes the
// actor of the context (Authorize) and audits writes and sensitive reads in
// the same transaction.
type ResidentService interface {
	CreateResident(ctx context.Context, r *Resident) error
	// FindResidentByID returns the resident; reveal asks for ID and phone
	// numbers in clear (needs ActionResidentReveal, audited). Without reveal
	// the caller must still show them masked.
	FindResidentByID(ctx context.Context, id string, reveal bool) (*Resident, error)
	FindResidents(ctx context.Context, f ResidentFilter) ([]*Resident, int, error)
	UpdateResident(ctx context.Context, id string, in ResidentInput) (*Resident, error)
	VerifyResident(ctx context.Context, id string) (*Resident, error)
	// ImportResidents creates residents in one transaction (all or nothing).
	ImportResidents(ctx context.Context, rs []*Resident) error
	CreateHousehold(ctx context.Context, h *Household) error
	// FindHouseholdByID returns a household with its members. Its address
	// comes masked (Mask) unless reveal asks for it in clear (needs
	// ActionResidentReveal, audited); the members' numbers as in
	// FindResidentByID without reveal.
	FindHouseholdByID(ctx context.Context, id string, reveal bool) (*Household, error)
	// RegisterAccount creates a pending resident account (account_verify.go)
	// claiming the resident of the ID number and phone, linked to nothing:
	// it answers, and works, alike whether or not they match a resident.
	RegisterAccount(ctx context.Context, idNumber, phone string, u *User, passwordHash string) error
}

// Sealer encrypts personal data at rest and computes the blind index used
// for exact lookup and uniqueness (internal/pii: AES-256-GCM and HMAC-SHA256).
type Sealer interface {
	// Seal encrypts plaintext bound to aad (e.g. "resident.id_number:<id>").
	Seal(plaintext, aad string) (string, error)
	// Open decrypts what Seal returned, under whichever key sealed it.
	Open(ciphertext, aad string) (string, error)
	// Index returns the keyed hash of a value of a kind, for lookups.
	Index(kind, value string) string
}
