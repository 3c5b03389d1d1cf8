package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"shequ"
)

// DivisionService reads and writes the division tree. It implements
// shequ.DivisionService.
type DivisionService struct {
	db *DB
}

var _ shequ.DivisionService = (*DivisionService)(nil)

// NewDivisionService returns a DivisionService on db.
func NewDivisionService(db *DB) *DivisionService { return &DivisionService{db: db} }

// Paging and search limits.
const (
	defaultChildrenLimit = 50
	maxChildrenLimit     = 500
	defaultSearchLimit   = 20
	maxSearchLimit       = 100
	// maxInList bounds the parameters of one IN list, well below SQLite's
	// 32766 and PostgreSQL's 65535 bind parameters, and small enough that
	// the planners still pick the primary key index.
	maxInList = 500
)

// divisionColumns lists the stored columns of a division, aliased d.
const divisionColumns = `d.code, d.name, d.level, d.parent_code, d.kind, d.region,
	d.urban_rural, d.terrain, d.population, d.households, d.lat, d.lng`

// childrenCountColumn counts the children of d through the parent_code
// index. As a correlated subquery it runs once per returned row only, so a
// page of children costs one query, not one per child.
const childrenCountColumn = `(SELECT COUNT(*) FROM divisions c WHERE c.parent_code = d.code)`

// scanDivision scans divisionColumns, then extra destinations.
func scanDivision(rows interface{ Scan(...any) error }, extra ...any) (*shequ.Division, error) {
	var (
		d                                     shequ.Division
		level                                 string
		parent, kind, region, urbanRural, ter sql.NullString
		pop, hh                               sql.NullInt64
		lat, lng                              sql.NullFloat64
	)
	dest := append([]any{&d.Code, &d.Name, &level, &parent, &kind, &region,
		&urbanRural, &ter, &pop, &hh, &lat, &lng}, extra...)
	if err := rows.Scan(dest...); err != nil {
		return nil, err
	}
	d.Level = shequ.Level(level)
	d.ParentCode = parent.String
	d.Kind = shequ.Kind(kind.String)
	d.Region = shequ.Region(region.String)
	if urbanRural.Valid {
		u := shequ.UrbanRural(urbanRural.String)
		d.UrbanRural = &u
	}
	if ter.Valid {
		t := shequ.Terrain(ter.String)
		d.Terrain = &t
	}
	if pop.Valid {
		d.Population = &pop.Int64
	}
	if hh.Valid {
		d.Households = &hh.Int64
	}
	if lat.Valid && lng.Valid {
		d.Lat, d.Lng = &lat.Float64, &lng.Float64
	}
	return &d, nil
}

// errDivisionNotFound is the error for a well-formed code that is not stored.
func errDivisionNotFound(code string) error {
	return shequ.Errorf(shequ.ENotFound, "division.not_found", "Division %s not found.", code).
		With(map[string]any{"Code": code})
}

// FindDivisionByCode returns a division with its Path and ChildrenCount.
func (s *DivisionService) FindDivisionByCode(ctx context.Context, code string) (*shequ.Division, error) {
	if err := shequ.ValidateDivisionCode(code); err != nil {
		return nil, err
	}
	row := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT `+divisionColumns+`, `+childrenCountColumn+`
		FROM divisions d WHERE d.code = ?`), code)
	var n int
	d, err := scanDivision(row, &n)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errDivisionNotFound(code)
	} else if err != nil {
		return nil, translateError(err, "find division")
	}
	d.ChildrenCount = n
	if err := s.fillPaths(ctx, []*shequ.Division{d}); err != nil {
		return nil, err
	}
	return d, nil
}

// FindDivisionChildren lists the children of code ("" for the provinces),
// ordered by code, each with its ChildrenCount, and their total number.
// limit defaults to 50 and is capped at 500; a negative offset counts as 0.
func (s *DivisionService) FindDivisionChildren(ctx context.Context, code string, offset, limit int) ([]*shequ.Division, int, error) {
	if code != "" {
		if err := shequ.ValidateDivisionCode(code); err != nil {
			return nil, 0, err
		}
	}
	limit = clamp(limit, defaultChildrenLimit, maxChildrenLimit)
	offset = max(offset, 0)

	// Provinces are found by level rather than "parent_code IS NULL" so
	// that both take an index with an equality predicate.
	where, arg := `d.parent_code = ?`, code
	if code == "" {
		where, arg = `d.level = ?`, string(shequ.LevelProvince)
	}
	var total int
	err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM divisions d WHERE `+where), arg).Scan(&total)
	if err != nil {
		return nil, 0, translateError(err, "count division children")
	}
	if total == 0 && code != "" {
		// No children: tell a leaf from an unknown code, only now so that
		// the common case costs no extra query.
		if err := s.mustExist(ctx, code); err != nil {
			return nil, 0, err
		}
		return []*shequ.Division{}, 0, nil
	}

	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+divisionColumns+`, `+childrenCountColumn+`
		FROM divisions d WHERE `+where+` ORDER BY d.code LIMIT ? OFFSET ?`), arg, limit, offset)
	if err != nil {
		return nil, 0, translateError(err, "list division children")
	}
	defer rows.Close()
	out := make([]*shequ.Division, 0, min(limit, total))
	for rows.Next() {
		var n int
		d, err := scanDivision(rows, &n)
		if err != nil {
			return nil, 0, translateError(err, "list division children")
		}
		d.ChildrenCount = n
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, translateError(err, "list division children")
	}
	return out, total, nil
}

// mustExist returns ENotFound unless code is stored.
func (s *DivisionService) mustExist(ctx context.Context, code string) error {
	var one int
	err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT 1 FROM divisions WHERE code = ?`), code).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return errDivisionNotFound(code)
	}
	return translateError(err, "look up division")
}

// SearchDivisions finds divisions whose name contains q (trimmed): exact
// names first, then names starting with q, then higher levels first, then by
// code. limit defaults to 20 and is capped at 100. Every result carries its
// Path, all filled by one extra query.
func (s *DivisionService) SearchDivisions(ctx context.Context, q string, limit int) ([]*shequ.Division, error) {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil, shequ.Errorf(shequ.EInvalid, "division.search.empty", "Enter part of a division name to search for.")
	}
	limit = clamp(limit, defaultSearchLimit, maxSearchLimit)
	pos := s.db.dialect.position("d.name", "?")
	// The code length orders the levels (2 province … 12 community), so it
	// ranks higher levels first without a CASE over level names. The
	// substring test is a full scan; names are short and the table fits in
	// memory, and a trigram index would not be portable.
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+divisionColumns+`
		FROM divisions d
		WHERE `+pos+` > 0
		ORDER BY CASE WHEN d.name = ? THEN 0 WHEN `+pos+` = 1 THEN 1 ELSE 2 END,
			length(d.code), d.code
		LIMIT ?`), q, q, q, limit)
	if err != nil {
		return nil, translateError(err, "search divisions")
	}
	defer rows.Close()
	var out []*shequ.Division
	for rows.Next() {
		d, err := scanDivision(rows)
		if err != nil {
			return nil, translateError(err, "search divisions")
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, translateError(err, "search divisions")
	}
	if err := s.fillPaths(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// fillPaths sets the Path of every division from one IN query over the
// union of their ancestor codes (at most 4 per division, so 400 for a full
// search page). Ancestors missing from the table are left out of the path.
func (s *DivisionService) fillPaths(ctx context.Context, divs []*shequ.Division) error {
	seen := map[string]bool{}
	var codes []string
	for _, d := range divs {
		for _, c := range shequ.AncestorCodes(d.Code) {
			if !seen[c] {
				seen[c] = true
				codes = append(codes, c)
			}
		}
	}
	names := make(map[string]string, len(codes))
	err := s.inBatches(ctx, codes, `SELECT code, name FROM divisions WHERE code IN `, func(rows *sql.Rows) error {
		var code, name string
		if err := rows.Scan(&code, &name); err != nil {
			return err
		}
		names[code] = name
		return nil
	})
	if err != nil {
		return translateError(err, "find division paths")
	}
	for _, d := range divs {
		d.Path = []shequ.DivisionRef{}
		for _, c := range shequ.AncestorCodes(d.Code) {
			if name, ok := names[c]; ok {
				d.Path = append(d.Path, shequ.DivisionRef{Code: c, Name: name})
			}
		}
	}
	return nil
}

// inBatches runs prefix followed by a parenthesised IN list for each batch of
// at most maxInList codes, calling scan for every row.
func (s *DivisionService) inBatches(ctx context.Context, codes []string, prefix string, scan func(*sql.Rows) error) error {
	for len(codes) > 0 {
		batch := codes[:min(len(codes), maxInList)]
		codes = codes[len(batch):]
		args := make([]any, len(batch))
		for i, c := range batch {
			args[i] = c
		}
		rows, err := s.db.db.QueryContext(ctx, s.db.rebind(prefix+`(`+placeholders(len(batch))+`)`), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := scan(rows); err != nil {
				rows.Close()
				return err
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// FindExistingDivisionCodes returns the codes among codes that are stored,
// each mapped to true; absent codes are not in the map.
func (s *DivisionService) FindExistingDivisionCodes(ctx context.Context, codes []string) (map[string]bool, error) {
	out := make(map[string]bool)
	seen := make(map[string]bool, len(codes))
	uniq := make([]string, 0, len(codes))
	for _, c := range codes {
		if !seen[c] {
			seen[c] = true
			uniq = append(uniq, c)
		}
	}
	err := s.inBatches(ctx, uniq, `SELECT code FROM divisions WHERE code IN `, func(rows *sql.Rows) error {
		var code string
		if err := rows.Scan(&code); err != nil {
			return err
		}
		out[code] = true
		return nil
	})
	if err != nil {
		return nil, translateError(err, "find existing division codes")
	}
	return out, nil
}

// CountDivisions returns the number of divisions per level; every level is
// present, with 0 when it has none.
func (s *DivisionService) CountDivisions(ctx context.Context) (map[shequ.Level]int, error) {
	// A GROUP BY over the whole table reads every row (0.6 s on SQLite for
	// the national tree). Instead, the levels above the communities are
	// grouped from the partial level index, whose WHERE this repeats word
	// for word so that SQLite uses it, and the communities are the rest of
	// COUNT(*), which both engines answer from the smallest index or a
	// narrow scan.
	rows, err := s.db.db.QueryContext(ctx, `SELECT level, COUNT(*) FROM divisions
		WHERE level = 'province' OR level = 'city' OR level = 'county' OR level = 'township'
		GROUP BY level
		UNION ALL
		SELECT '', COUNT(*) FROM divisions`)
	if err != nil {
		return nil, translateError(err, "count divisions")
	}
	defer rows.Close()
	out := make(map[shequ.Level]int, len(shequ.Levels))
	for _, l := range shequ.Levels {
		out[l] = 0
	}
	total, upper := 0, 0
	for rows.Next() {
		var level string
		var n int
		if err := rows.Scan(&level, &n); err != nil {
			return nil, translateError(err, "count divisions")
		}
		if level == "" {
			total = n
			continue
		}
		out[shequ.Level(level)] = n
		upper += n
	}
	if err := rows.Err(); err != nil {
		return nil, translateError(err, "count divisions")
	}
	out[shequ.LevelCommunity] = total - upper
	return out, nil
}

// clamp returns def for n ≤ 0 and at most hi.
func clamp(n, def, hi int) int {
	if n <= 0 {
		return def
	}
	return min(n, hi)
}
