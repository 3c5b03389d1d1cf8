package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sort"
	"strconv"
	"sync/atomic"
	"time"

	"shequ"
)

// ServiceItemService keeps the catalogue of service items (服务事项) and the
// holiday table (节假日安排) the requests' working-day due dates count on. It
// implements shequ.ServiceItemService. Reading the catalogue is public; the
// catalogue is small (tens to hundreds of items) and read on every
// submission, so it is cached whole and reloaded after each write.
type ServiceItemService struct {
	db    *DB
	items atomic.Pointer[map[string]*shequ.ServiceItem]
	cal   atomic.Pointer[shequ.Calendar]
}

var _ shequ.ServiceItemService = (*ServiceItemService)(nil)

// NewServiceItemService returns the catalogue on db.
func NewServiceItemService(db *DB) *ServiceItemService { return &ServiceItemService{db: db} }

// Audited actions of the catalogue.
const (
	auditServiceSave     = "service.save"
	auditHolidaysImport  = "holidays.import"
	objServiceItem       = "service_item"
	objHolidays          = "holidays"
	serviceItemColumns   = `code, name, department, category, audience, conditions, materials, process, legal_days, time_limit_days, fee_fen, legal_basis, place, phone, complaint, channels, divisions, form, active, created_at, updated_at`
	maxItemsPerSaveBatch = 1000
)

// load reads the whole catalogue into the cache.
func (s *ServiceItemService) load(ctx context.Context) (map[string]*shequ.ServiceItem, error) {
	if m := s.items.Load(); m != nil {
		return *m, nil
	}
	rows, err := s.db.db.QueryContext(ctx, `SELECT `+serviceItemColumns+` FROM service_items`)
	if err != nil {
		return nil, translateError(err, "load service items")
	}
	defer rows.Close()
	m := map[string]*shequ.ServiceItem{}
	for rows.Next() {
		var it shequ.ServiceItem
		var materials, channels, divisions, form string
		if err := rows.Scan(&it.Code, &it.Name, &it.Department, &it.Category, &it.Audience, &it.Conditions,
			&materials, &it.Process, &it.LegalDays, &it.TimeLimitDays, &it.FeeFen, &it.LegalBasis, &it.Place,
			&it.Phone, &it.Complaint, &channels, &divisions, &form, &it.Active,
			scanTime(&it.CreatedAt), scanTime(&it.UpdatedAt)); err != nil {
			return nil, translateError(err, "load service items")
		}
		for _, f := range []struct {
			src string
			dst any
		}{{materials, &it.Materials}, {channels, &it.Channels}, {divisions, &it.Divisions}, {form, &it.Form}} {
			if err := json.Unmarshal([]byte(f.src), f.dst); err != nil {
				return nil, shequ.Wrap(err, "decode service item "+it.Code)
			}
		}
		m[it.Code] = &it
	}
	if err := rows.Err(); err != nil {
		return nil, translateError(err, "load service items")
	}
	s.items.Store(&m)
	return m, nil
}

// ListItems returns the active items offered in division ("" all), by
// category then code. A township or county lists the items any of its
// communities offer.
func (s *ServiceItemService) ListItems(ctx context.Context, division string) ([]*shequ.ServiceItem, error) {
	m, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	out := []*shequ.ServiceItem{}
	for _, it := range m {
		if !it.Active {
			continue
		}
		if division != "" && !offeredBelow(it, division) {
			continue
		}
		out = append(out, it)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Category != out[j].Category {
			return out[i].Category < out[j].Category
		}
		return out[i].Code < out[j].Code
	})
	return out, nil
}

// offeredBelow reports whether an item is offered at division or in a part
// of it.
func offeredBelow(it *shequ.ServiceItem, division string) bool {
	if len(it.Divisions) == 0 {
		return true
	}
	for _, d := range it.Divisions {
		if shequ.IsAncestorOrSelf(d, division) || shequ.IsAncestorOrSelf(division, d) {
			return true
		}
	}
	return false
}

// GetItem returns one item by code (active or not).
func (s *ServiceItemService) GetItem(ctx context.Context, code string) (*shequ.ServiceItem, error) {
	m, err := s.load(ctx)
	if err != nil {
		return nil, err
	}
	if it, ok := m[code]; ok {
		return it, nil
	}
	return nil, shequ.Errorf(shequ.ENotFound, "service.not_found", "No service item has this code.")
}

// SaveItems creates or replaces items by code in one transaction, each
// audited "service.save". Needs ActionServiceManage (or the console).
func (s *ServiceItemService) SaveItems(ctx context.Context, items []*shequ.ServiceItem) error {
	if err := authorizeResident(ctx, shequ.ActionServiceManage, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditServiceSave, objServiceItem, "", "")
	}
	if len(items) > maxItemsPerSaveBatch {
		return shequ.Errorf(shequ.EInvalid, "service.too_many", "At most %d items at once.", maxItemsPerSaveBatch)
	}
	now := s.db.now()
	err := prepareRows(items, func(it *shequ.ServiceItem) error { return it.Validate() },
		func(it *shequ.ServiceItem) string { return it.Code }, "service.code.repeated", "item code")
	if err != nil {
		return err
	}
	d := s.db.dialect
	err = s.db.withTx(ctx, func(tx *sql.Tx) error {
		for _, it := range items {
			enc := func(v any) string { b, _ := json.Marshal(v); return string(b) }
			if it.CreatedAt.IsZero() {
				it.CreatedAt = now
			}
			it.UpdatedAt = now
			_, err := tx.ExecContext(ctx, s.db.rebind(`INSERT INTO service_items (`+serviceItemColumns+`)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (code) DO UPDATE SET name = excluded.name, department = excluded.department,
				category = excluded.category, audience = excluded.audience, conditions = excluded.conditions,
				materials = excluded.materials, process = excluded.process, legal_days = excluded.legal_days,
				time_limit_days = excluded.time_limit_days, fee_fen = excluded.fee_fen,
				legal_basis = excluded.legal_basis, place = excluded.place, phone = excluded.phone,
				complaint = excluded.complaint, channels = excluded.channels, divisions = excluded.divisions,
				form = excluded.form, active = excluded.active, updated_at = excluded.updated_at`),
				it.Code, it.Name, it.Department, it.Category, it.Audience, it.Conditions, enc(nonNil(it.Materials)),
				it.Process, it.LegalDays, it.TimeLimitDays, it.FeeFen, it.LegalBasis, it.Place, it.Phone, it.Complaint,
				enc(nonNil(it.Channels)), enc(nonNil(it.Divisions)), enc(nonNil(it.Form)), it.Active,
				d.timeArg(it.CreatedAt), d.timeArg(it.UpdatedAt))
			if err != nil {
				return translateError(err, "save service item")
			}
			if err := auditAllowed(ctx, s.db, tx, auditServiceSave, objServiceItem, it.Code, "", ""); err != nil {
				return err
			}
		}
		return nil
	})
	s.items.Store(nil)
	return err
}

// nonNil returns an empty slice for nil, so that JSON lists are [] not null.
func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

// CountItems returns the number of items in the catalogue (active or not).
func (s *ServiceItemService) CountItems(ctx context.Context) (int, error) {
	m, err := s.load(ctx)
	return len(m), err
}

// Calendar returns the working-day calendar of the holiday table, cached;
// an empty table is the weekends-only calendar.
func (s *ServiceItemService) Calendar(ctx context.Context) (*shequ.Calendar, error) {
	if c := s.cal.Load(); c != nil {
		return c, nil
	}
	rows, err := s.db.db.QueryContext(ctx, `SELECT day, kind, name FROM holidays ORDER BY day`)
	if err != nil {
		return nil, translateError(err, "load holidays")
	}
	defer rows.Close()
	var days []shequ.CalendarDay
	for rows.Next() {
		var day, kind, name string
		if err := rows.Scan(&day, &kind, &name); err != nil {
			return nil, translateError(err, "load holidays")
		}
		t, err := time.ParseInLocation(time.DateOnly, day, shequ.Shanghai)
		if err != nil {
			return nil, shequ.Wrap(err, "load holidays")
		}
		days = append(days, shequ.CalendarDay{Date: t, Kind: shequ.DayKind(kind), Name: name})
	}
	if err := rows.Err(); err != nil {
		return nil, translateError(err, "load holidays")
	}
	c := shequ.NewCalendar(days)
	s.cal.Store(c)
	return c, nil
}

// ImportHolidays replaces the arrangement of every year present in days
// with days, in one transaction, audited "holidays.import" with the count.
// Needs ActionServiceManage (or the console).
func (s *ServiceItemService) ImportHolidays(ctx context.Context, days []shequ.CalendarDay) (int, error) {
	if err := authorizeResident(ctx, shequ.ActionServiceManage, nil); err != nil {
		return 0, s.db.recordDenied(ctx, err, auditHolidaysImport, objHolidays, "", "")
	}
	if len(days) == 0 {
		return 0, shequ.Errorf(shequ.EInvalid, "calendar.empty", "The holiday table is empty.")
	}
	years := map[int]bool{}
	for _, d := range days {
		years[d.Date.In(shequ.Shanghai).Year()] = true
	}
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		for y := range years {
			from, to := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly), time.Date(y+1, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
			if _, err := tx.ExecContext(ctx, s.db.rebind(`DELETE FROM holidays WHERE day >= ? AND day < ?`), from, to); err != nil {
				return translateError(err, "import holidays")
			}
		}
		for _, d := range days {
			if _, err := tx.ExecContext(ctx, s.db.rebind(`INSERT INTO holidays (day, kind, name) VALUES (?, ?, ?)`),
				d.Date.In(shequ.Shanghai).Format(time.DateOnly), string(d.Kind), d.Name); err != nil {
				return translateError(err, "import holidays")
			}
		}
		return auditAllowed(ctx, s.db, tx, auditHolidaysImport, objHolidays, "", "", strconv.Itoa(len(days)))
	})
	s.cal.Store(nil)
	if err != nil {
		return 0, err
	}
	return len(days), nil
}

// CountHolidays returns the number of days in the holiday table.
func (s *ServiceItemService) CountHolidays(ctx context.Context) (int, error) {
	var n int
	err := s.db.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM holidays`).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, translateError(err, "count holidays")
}
