package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"shequ"
)

// LocationService reads and edits what coverage needs of the communities:
// location (WGS-84), population, terrain and the relocation-area tag (易地
// 扶贫搬迁安置区), kept on the division rows (the division import fills the
// first three too). It implements shequ.LocationService. Reading needs
// ActionFacilityRead over the prefix, editing ActionFacilityWrite in the
// community; edits are audited "division.location".
type LocationService struct {
	db *DB

	// OnChange, when set, is called after a committed edit with the
	// community as it now is.
	OnChange func(c *shequ.CommunityLocation)
}

var _ shequ.LocationService = (*LocationService)(nil)

// NewLocationService returns a LocationService on db.
func NewLocationService(db *DB) *LocationService { return &LocationService{db: db} }

const (
	auditLocationUpdate = "division.location"
	auditLocationList   = "division.locations"
	objDivision         = "division"
)

// locationColumns are read by scanLocation.
const locationColumns = `code, name, lat, lng, population, terrain, relocation`

func scanLocation(row rowScanner) (*shequ.CommunityLocation, error) {
	var c shequ.CommunityLocation
	var lat, lng sql.NullFloat64
	var pop sql.NullInt64
	var terrain sql.NullString
	if err := row.Scan(&c.Code, &c.Name, &lat, &lng, &pop, &terrain, &c.Relocation); err != nil {
		return nil, err
	}
	if lat.Valid && lng.Valid {
		c.Lat, c.Lng = &lat.Float64, &lng.Float64
	}
	if pop.Valid {
		c.Population = &pop.Int64
	}
	c.Terrain = shequ.Terrain(terrain.String)
	return &c, nil
}

// FindCommunityLocations lists the communities at or below prefix in the
// actor's scope, in code order.
func (s *LocationService) FindCommunityLocations(ctx context.Context, prefix string) ([]*shequ.CommunityLocation, error) {
	if err := authorizeResident(ctx, shequ.ActionFacilityRead, nil); err != nil {
		return nil, s.db.recordDenied(ctx, err, auditLocationList, objDivision, "", prefix)
	}
	p, ok, err := scopePrefix(shequ.ActorFrom(ctx), prefix)
	if err != nil || !ok {
		return []*shequ.CommunityLocation{}, err
	}
	out := []*shequ.CommunityLocation{}
	err = streamLocations(ctx, s.db, p, func(c *shequ.CommunityLocation) error {
		out = append(out, c)
		return nil
	})
	return out, err
}

// streamLocations reads the communities under prefix ("" all) in code
// order, without authorization: for the coverage engine's load.
func streamLocations(ctx context.Context, db *DB, prefix string, fn func(*shequ.CommunityLocation) error) error {
	q := `SELECT ` + locationColumns + ` FROM divisions WHERE level = 'community'`
	var args []any
	if prefix != "" {
		q += ` AND code >= ? AND code < ?`
		args = append(args, prefix, prefix+":")
	}
	rows, err := db.db.QueryContext(ctx, db.rebind(q+` ORDER BY code`), args...)
	if err != nil {
		return translateError(err, "find community locations")
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanLocation(rows)
		if err != nil {
			return translateError(err, "find community locations")
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	return translateError(rows.Err(), "find community locations")
}

// UpdateCommunityLocation sets the location, population, terrain and
// relocation tag of a community (nil location or population clear them).
func (s *LocationService) UpdateCommunityLocation(ctx context.Context, c *shequ.CommunityLocation) error {
	c.Code = strings.TrimSpace(c.Code)
	if err := authorizeResident(ctx, shequ.ActionFacilityWrite, nil); err != nil {
		return s.db.recordDenied(ctx, err, auditLocationUpdate, objDivision, "", clipID(c.Code))
	}
	if err := c.Validate(); err != nil {
		return err
	}
	if err := authorizeResident(ctx, shequ.ActionFacilityWrite, &shequ.Object{Division: c.Code}); err != nil {
		return s.db.recordDenied(ctx, err, auditLocationUpdate, objDivision, c.Code, c.Code)
	}
	var pop any
	if c.Population != nil {
		pop = *c.Population
	}
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.db.rebind(`UPDATE divisions SET lat = ?, lng = ?, population = ?,
			terrain = ?, relocation = ?, updated_at = ? WHERE code = ? AND level = 'community'`),
			floatArg(c.Lat), floatArg(c.Lng), pop, nullString(string(c.Terrain)), c.Relocation,
			s.db.dialect.timeArg(s.db.now()), c.Code)
		if err != nil {
			return translateError(err, "update community location")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return refuse(errDivisionNotFound(c.Code), auditLocationUpdate, objDivision, c.Code, c.Code)
		}
		detail := "location=cleared"
		if c.Lat != nil {
			detail = fmt.Sprintf("location=%.6f,%.6f", *c.Lat, *c.Lng)
		}
		if err := tx.QueryRowContext(ctx, s.db.rebind(`SELECT name FROM divisions WHERE code = ?`), c.Code).Scan(&c.Name); err != nil {
			return translateError(err, "update community location")
		}
		return auditAllowed(ctx, s.db, tx, auditLocationUpdate, objDivision, c.Code, c.Code, detail)
	})
	if err != nil {
		return settleRefusal(ctx, s.db, err)
	}
	if s.OnChange != nil {
		cp := *c
		s.OnChange(&cp)
	}
	return nil
}

// CoverageSource streams what the coverage engine (internal/coverage)
// loads: every community's location and every facility. Its methods check
// no permission: the engine authorizes every answer.
type CoverageSource struct{ db *DB }

// NewCoverageSource returns a CoverageSource on db.
func NewCoverageSource(db *DB) *CoverageSource { return &CoverageSource{db: db} }

// LoadCommunities streams every community, in code order.
func (s *CoverageSource) LoadCommunities(ctx context.Context, fn func(*shequ.CommunityLocation) error) error {
	return streamLocations(ctx, s.db, "", fn)
}

// CommunitiesAfter returns the next limit communities after code after
// ("" from the first), in code order: the reconcile of a server whose
// engines started from a snapshot reads the country in such batches
// (cmd/shequ serve_reconcile.go), never all at once.
func (s *CoverageSource) CommunitiesAfter(ctx context.Context, after string, limit int) ([]*shequ.CommunityLocation, error) {
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+locationColumns+` FROM divisions
		WHERE level = 'community' AND code > ? ORDER BY code LIMIT ?`), after, limit)
	if err != nil {
		return nil, translateError(err, "find community locations")
	}
	defer rows.Close()
	out := make([]*shequ.CommunityLocation, 0, limit)
	for rows.Next() {
		c, err := scanLocation(rows)
		if err != nil {
			return nil, translateError(err, "find community locations")
		}
		out = append(out, c)
	}
	return out, translateError(rows.Err(), "find community locations")
}

// LoadFacilities streams every facility.
func (s *CoverageSource) LoadFacilities(ctx context.Context, fn func(*shequ.Facility) error) error {
	rows, err := s.db.db.QueryContext(ctx, `SELECT `+facilityColumns+` FROM facilities f ORDER BY f.id`)
	if err != nil {
		return translateError(err, "load facilities")
	}
	defer rows.Close()
	for rows.Next() {
		f, err := scanFacility(rows)
		if err != nil {
			return translateError(err, "load facilities")
		}
		if err := fn(f); err != nil {
			return err
		}
	}
	return translateError(rows.Err(), "load facilities")
}

// LoadDivisionNames streams the code and name of every division above the
// communities.
func (s *CoverageSource) LoadDivisionNames(ctx context.Context, fn func(code, name string) error) error {
	rows, err := s.db.db.QueryContext(ctx, `SELECT code, name FROM divisions WHERE level <> 'community'`)
	if err != nil {
		return translateError(err, "load division names")
	}
	defer rows.Close()
	for rows.Next() {
		var code, name string
		if err := rows.Scan(&code, &name); err != nil {
			return translateError(err, "load division names")
		}
		if err := fn(code, name); err != nil {
			return err
		}
	}
	return translateError(rows.Err(), "load division names")
}
