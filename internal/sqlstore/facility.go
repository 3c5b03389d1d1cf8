package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"

	"shequ"
)

// FacilityService keeps the register of community service facilities
// (服务设施). It implements shequ.FacilityService.
//
// Authorization is shequ.Authorize with ActionFacilityRead and
// ActionFacilityWrite on the facility's community; console work is trusted.
// The permission is checked before any lookup, and a facility out of scope
// answers ENotFound like a missing one, with a denied audit record. Writes
// are audited in their transaction ("facility.create", "facility.update"
// with the changed field names, "facility.import" once per row,
// "facility.photo").
type FacilityService struct {
	db *DB

	// OnChange, when set, is called after every committed write with the
	// facility as it now is and as it was (nil for a new one), so that the
	// coverage engine can update itself incrementally.
	OnChange func(now, before *shequ.Facility)
}

var _ shequ.FacilityService = (*FacilityService)(nil)

// NewFacilityService returns a FacilityService on db.
func NewFacilityService(db *DB) *FacilityService { return &FacilityService{db: db} }

// Audited actions of FacilityService.
const (
	auditFacilityCreate = "facility.create"
	auditFacilityRead   = "facility.read"
	auditFacilityList   = "facility.list"
	auditFacilityUpdate = "facility.update"
	auditFacilityImport = "facility.import"
	auditFacilityPhoto  = "facility.photo"
	objFacility         = "facility"
)

func facilityObject(f *shequ.Facility) *shequ.Object { return &shequ.Object{Division: f.Community} }

// normalizeFacility validates f and brings it to its stored form: trimmed
// text, the opening date at midnight in Asia/Shanghai and not in the future.
func normalizeFacility(f *shequ.Facility, now time.Time) error {
	f.Community = strings.TrimSpace(f.Community)
	f.OpenedOn = dayOf(f.OpenedOn)
	var fe shequ.FieldErrors
	futureDate(&fe, "opened_on", f.OpenedOn, now)
	return mergeFieldErrors(f.Validate(), fe)
}

// prepareNewFacility normalizes f and gives it an id and the times of a new
// record.
func prepareNewFacility(f *shequ.Facility, now time.Time) error {
	if err := normalizeFacility(f, now); err != nil {
		return err
	}
	if f.ID == "" {
		f.ID = newUUID7()
	} else if _, err := uuid.Parse(f.ID); err != nil {
		return shequ.Errorf(shequ.EInvalid, "facility.id.malformed", "The facility id is not a UUID.")
	}
	f.CreatedAt, f.UpdatedAt, f.Photos = now, now, 0
	return nil
}

// checkFacilityCommunity answers a field error when f's community does not
// exist.
func checkFacilityCommunity(ctx context.Context, tx *sql.Tx, f *shequ.Facility, cc *communityChecker) error {
	c, err := cc.missing(ctx, tx, f.Community)
	if err != nil {
		return err
	}
	if c != "" {
		var fe shequ.FieldErrors
		fe.Add("community_code", "resident.community.unknown", "No community has this code.", nil)
		return fe.Err()
	}
	return nil
}

// CreateFacility stores a new facility (validated and normalized; a zero
// radius becomes the kind's default). Audited "facility.create".
func (s *FacilityService) CreateFacility(ctx context.Context, f *shequ.Facility) error {
	if err := authorizeResident(ctx, shequ.ActionFacilityWrite, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditFacilityCreate, objFacility, clipID(f.ID), f.Community)
	}
	if err := prepareNewFacility(f, s.db.now()); err != nil {
		return err
	}
	if err := authorizeResident(ctx, shequ.ActionFacilityWrite, facilityObject(f)); err != nil {
		return s.db.recordDenied(ctx, err, auditFacilityCreate, objFacility, f.ID, f.Community)
	}
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		if err := s.insertFacility(ctx, tx, f, newCommunityChecker(s.db)); err != nil {
			return err
		}
		return auditAllowed(ctx, s.db, tx, auditFacilityCreate, objFacility, f.ID, f.Community, "")
	})
	if err != nil {
		return settleRefusal(ctx, s.db, err)
	}
	s.changed(f, nil)
	return nil
}

func (s *FacilityService) changed(now, before *shequ.Facility) {
	if s.OnChange != nil {
		c := *now
		s.OnChange(&c, before)
	}
}

// insertFacility checks and inserts a normalized f inside tx.
func (s *FacilityService) insertFacility(ctx context.Context, tx *sql.Tx, f *shequ.Facility, cc *communityChecker) error {
	if err := checkFacilityCommunity(ctx, tx, f, cc); err != nil {
		return err
	}
	d := s.db.dialect
	_, err := tx.ExecContext(ctx, s.db.rebind(`INSERT INTO facilities
		(id, community, name, kind, floor_area, lat, lng, radius, source, opened_on, status, hours, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		f.ID, f.Community, f.Name, string(f.Kind), f.FloorArea, floatArg(f.Lat), floatArg(f.Lng), f.Radius,
		nullString(string(f.Source)), dateArg(f.OpenedOn), string(f.Status), f.Hours,
		d.timeArg(f.CreatedAt), d.timeArg(f.UpdatedAt))
	return facilityNameConflict(translateError(err, "create facility"))
}

// facilityNameConflict turns the unique violation of (community, name) into
// a field error on the name.
func facilityNameConflict(err error) error {
	if shequ.AsError(err).Key != "db.duplicate" {
		return err
	}
	const msg = "The community already has a facility of this name."
	return &shequ.Error{Code: shequ.EConflict, Key: "facility.name.taken", Message: msg,
		Fields: []shequ.FieldError{{Field: "name", Key: "facility.name.taken", Message: msg}}}
}

// floatArg is a nullable float column's argument.
func floatArg(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// facilityColumns are read by scanFacility, with the table aliased f.
const facilityColumns = `f.id, f.community, f.name, f.kind, f.floor_area, f.lat, f.lng, f.radius, f.source,
	f.opened_on, f.status, f.hours, f.created_at, f.updated_at,
	(SELECT COUNT(*) FROM facility_photos p WHERE p.facility_id = f.id)`

func scanFacility(row rowScanner) (*shequ.Facility, error) {
	var f shequ.Facility
	var kind, status string
	var source, opened sql.NullString
	var lat, lng sql.NullFloat64
	if err := row.Scan(&f.ID, &f.Community, &f.Name, &kind, &f.FloorArea, &lat, &lng, &f.Radius, &source,
		&opened, &status, &f.Hours, scanTime(&f.CreatedAt), scanTime(&f.UpdatedAt), &f.Photos); err != nil {
		return nil, err
	}
	f.Kind, f.Status, f.Source = shequ.FacilityKind(kind), shequ.FacilityStatus(status), shequ.FacilitySource(source.String)
	if lat.Valid && lng.Valid {
		f.Lat, f.Lng = &lat.Float64, &lng.Float64
	}
	var err error
	if f.OpenedOn, err = scanDate(opened); err != nil {
		return nil, err
	}
	return &f, nil
}

// loadFacility reads one facility; ErrNotFound when there is none.
func (s *FacilityService) loadFacility(ctx context.Context, q querier, id string) (*shequ.Facility, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, shequ.ErrNotFound
	}
	f, err := scanFacility(q.QueryRowContext(ctx, s.db.rebind(`SELECT `+facilityColumns+` FROM facilities f WHERE f.id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, shequ.ErrNotFound
	}
	if err != nil {
		return nil, translateError(err, "find facility")
	}
	return f, nil
}

// FindFacilityByID returns a facility. It needs ActionFacilityRead in its
// community; one out of scope answers ENotFound like a missing one.
func (s *FacilityService) FindFacilityByID(ctx context.Context, id string) (*shequ.Facility, error) {
	return findRecord(ctx, s.db, shequ.ActionFacilityRead, auditFacilityRead, objFacility, id, s.loadFacility, facilityObject)
}

// FindFacilities lists the facilities in the actor's scope matching f,
// ordered by community, name and id, with the total count. Limit defaults
// to 50 and is capped at 500.
func (s *FacilityService) FindFacilities(ctx context.Context, f shequ.FacilityFilter) ([]*shequ.Facility, int, error) {
	q, ok, err := s.db.scopedList(ctx, shequ.ActionFacilityRead, auditFacilityList, objFacility, "f.community", f.Community)
	if err != nil || !ok {
		return []*shequ.Facility{}, 0, err
	}
	enumFilter(q, "f.kind", "kind", f.Kind, shequ.FacilityKinds, "facility.kind.invalid", "Unknown kind of facility.")
	enumFilter(q, "f.status", "status", f.Status, shequ.FacilityStatuses, "facility.status.invalid", "The status is planned, in use or closed.")
	q.contains("f.name", f.Query)
	return listPage(ctx, q, "facilities f", facilityColumns, "f.community, f.name, f.id", f.Offset, f.Limit, scanFacility, "facilities")
}

// UpdateFacility replaces the editable fields of the facility f.ID,
// validated as a whole; CreatedAt is kept and f is filled with the stored
// result. Moving it to another community needs the write permission in
// both. Audited "facility.update" with the changed field names; a call that
// changes nothing writes nothing.
func (s *FacilityService) UpdateFacility(ctx context.Context, f *shequ.Facility) error {
	if err := authorizeResident(ctx, shequ.ActionFacilityWrite, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditFacilityUpdate, objFacility, clipID(f.ID), "")
	}
	now := s.db.now()
	var old *shequ.Facility
	var changed []string
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		var err error
		if old, err = s.loadFacility(ctx, tx, f.ID); err != nil {
			return refuse(err, auditFacilityUpdate, objFacility, f.ID, "")
		}
		if err := authorizeResident(ctx, shequ.ActionFacilityWrite, facilityObject(old)); err != nil {
			return refuse(err, auditFacilityUpdate, objFacility, f.ID, old.Community)
		}
		if err := normalizeFacility(f, now); err != nil {
			return err
		}
		f.CreatedAt, f.UpdatedAt, f.Photos = old.CreatedAt, old.UpdatedAt, old.Photos
		if changed = facilityChanges(old, f); len(changed) == 0 {
			return nil
		}
		if f.Community != old.Community {
			if err := authorizeResident(ctx, shequ.ActionFacilityWrite, facilityObject(f)); err != nil {
				return refuse(err, auditFacilityUpdate, objFacility, f.ID, f.Community)
			}
			if err := checkFacilityCommunity(ctx, tx, f, newCommunityChecker(s.db)); err != nil {
				return err
			}
		}
		f.UpdatedAt = now
		_, err = tx.ExecContext(ctx, s.db.rebind(`UPDATE facilities SET community = ?, name = ?, kind = ?,
			floor_area = ?, lat = ?, lng = ?, radius = ?, source = ?, opened_on = ?, status = ?, hours = ?,
			updated_at = ? WHERE id = ?`),
			f.Community, f.Name, string(f.Kind), f.FloorArea, floatArg(f.Lat), floatArg(f.Lng), f.Radius,
			nullString(string(f.Source)), dateArg(f.OpenedOn), string(f.Status), f.Hours,
			s.db.dialect.timeArg(f.UpdatedAt), f.ID)
		if err != nil {
			return facilityNameConflict(translateError(err, "update facility"))
		}
		return auditAllowed(ctx, s.db, tx, auditFacilityUpdate, objFacility, f.ID, f.Community,
			"fields="+strings.Join(changed, ","))
	})
	if err != nil {
		return settleRefusal(ctx, s.db, err)
	}
	if len(changed) > 0 {
		s.changed(f, old)
	}
	return nil
}

// facilityChanges names the fields that differ, with the names of the API.
func facilityChanges(a, b *shequ.Facility) []string {
	var out []string
	add := func(name string, differ bool) {
		if differ {
			out = append(out, name)
		}
	}
	add("community_code", a.Community != b.Community)
	add("name", a.Name != b.Name)
	add("kind", a.Kind != b.Kind)
	add("floor_area", a.FloorArea != b.FloorArea)
	add("location", !sameFloat(a.Lat, b.Lat) || !sameFloat(a.Lng, b.Lng))
	add("radius", a.Radius != b.Radius)
	add("source", a.Source != b.Source)
	add("opened_on", !sameDay(a.OpenedOn, b.OpenedOn))
	add("status", a.Status != b.Status)
	add("hours", a.Hours != b.Hours)
	return out
}

func sameFloat(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// ImportFacilities creates facilities in one transaction: all or nothing,
// the first bad row named (1-based). Audited "facility.import" per row.
func (s *FacilityService) ImportFacilities(ctx context.Context, fs []*shequ.Facility) error {
	if err := authorizeResident(ctx, shequ.ActionFacilityWrite, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditFacilityImport, objFacility, "", "")
	}
	now := s.db.now()
	if err := prepareRows(fs, func(f *shequ.Facility) error { return prepareNewFacility(f, now) },
		func(f *shequ.Facility) string { return f.Community + "\x00" + f.Name }, "facility.import.duplicate",
		"community and name"); err != nil {
		return err
	}
	cc := newCommunityChecker(s.db) // kept across a retried transaction: an import writes no division
	err := writeImport(ctx, s.db, now, fs, func(c *change, f *shequ.Facility) error {
		if err := authorizeResident(ctx, shequ.ActionFacilityWrite, facilityObject(f)); err != nil {
			return refuse(err, auditFacilityImport, objFacility, f.ID, f.Community)
		}
		return s.insertFacility(ctx, c.tx, f, cc)
	}, func(f *shequ.Facility) (string, string) { return f.ID, f.Community }, auditFacilityImport, objFacility, nil)
	if err != nil {
		return err
	}
	// The facility listener hears each facility itself (its coverage moves).
	for _, f := range fs {
		s.changed(f, nil)
	}
	return nil
}

// AddFacilityPhoto stores a photo of a facility the actor may write: JPEG,
// PNG or WebP as its bytes say (the declared type is not trusted), at most
// shequ.MaxPhotoBytes, at most shequ.MaxPhotos per facility. Audited
// "facility.photo".
func (s *FacilityService) AddFacilityPhoto(ctx context.Context, p *shequ.FacilityPhoto) error {
	if err := authorizeResident(ctx, shequ.ActionFacilityWrite, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditFacilityPhoto, objFacility, clipID(p.FacilityID), "")
	}
	var fe shequ.FieldErrors
	p.ContentType = shequ.SniffImage(p.Data)
	switch {
	case len(p.Data) == 0 || len(p.Data) > shequ.MaxPhotoBytes:
		fe.Add("photo", "facility.photo.size", "A photo has at most 5 MB.", nil)
	case p.ContentType == "":
		fe.Add("photo", "facility.photo.type", "A photo is a JPEG, PNG or WebP image.", nil)
	}
	if err := fe.Err(); err != nil {
		return err
	}
	p.ID, p.CreatedAt = newUUID7(), s.db.now()
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		f, err := s.loadFacility(ctx, tx, p.FacilityID)
		if err != nil {
			return refuse(err, auditFacilityPhoto, objFacility, p.FacilityID, "")
		}
		if err := authorizeResident(ctx, shequ.ActionFacilityWrite, facilityObject(f)); err != nil {
			return refuse(err, auditFacilityPhoto, objFacility, f.ID, f.Community)
		}
		if f.Photos >= shequ.MaxPhotos {
			var fe shequ.FieldErrors
			fe.Add("photo", "facility.photo.many", "A facility has at most 10 photos.", nil)
			return fe.Err()
		}
		_, err = tx.ExecContext(ctx, s.db.rebind(`INSERT INTO facility_photos (id, facility_id, content_type, data, created_at)
			VALUES (?, ?, ?, ?, ?)`), p.ID, f.ID, p.ContentType, p.Data, s.db.dialect.timeArg(p.CreatedAt))
		if err != nil {
			return translateError(err, "add facility photo")
		}
		return auditAllowed(ctx, s.db, tx, auditFacilityPhoto, objFacility, f.ID, f.Community, "photo="+p.ID)
	})
	return settleRefusal(ctx, s.db, err)
}

// FindFacilityPhotos returns the photos of a facility the actor may read,
// oldest first.
func (s *FacilityService) FindFacilityPhotos(ctx context.Context, facilityID string) ([]*shequ.FacilityPhoto, error) {
	if _, err := s.FindFacilityByID(ctx, facilityID); err != nil {
		return nil, err
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT id, content_type, data, created_at FROM facility_photos
		WHERE facility_id = ? ORDER BY created_at, id`), facilityID)
	if err != nil {
		return nil, translateError(err, "find facility photos")
	}
	defer rows.Close()
	var out []*shequ.FacilityPhoto
	for rows.Next() {
		p := &shequ.FacilityPhoto{FacilityID: facilityID}
		if err := rows.Scan(&p.ID, &p.ContentType, &p.Data, scanTime(&p.CreatedAt)); err != nil {
			return nil, translateError(err, "find facility photos")
		}
		out = append(out, p)
	}
	return out, translateError(rows.Err(), "find facility photos")
}
