package sqlstore

import (
	"context"
	"strings"

	"shequ"
)

// Residents' ratings of their estate's property service (居民评价): one per
// household, estate and period. The unique key (estate_id, household_id,
// period) is the rule itself, so two members of a household rating at once
// get one success and one EConflict on both engines.

// scoreColumns are the rating dimensions' columns in shequ.RatingDimensions
// order.
var scoreColumns = func() []string {
	out := make([]string, len(shequ.RatingDimensions))
	for i, d := range shequ.RatingDimensions {
		out[i] = "s_" + string(d)
	}
	return out
}()

// errRatedOnce is the answer to a second rating in a period.
func errRatedOnce() error {
	return shequ.Errorf(shequ.EConflict, "rating.once", "Your household has rated this estate in this period already.")
}

// RateEstate implements shequ.RatingService (residents). The first rating
// records the household's estate when the community has not (an estate of
// the household's community); after that the household rates that estate
// alone.
func (s *PropertyService) RateEstate(ctx context.Context, r *shequ.PropertyRating) error {
	if err := s.guard(ctx, shequ.ActionPropertyRate, auditRatingCreate, shequ.ObjRating, r.EstateID); err != nil {
		return err
	}
	a := shequ.ActorFrom(ctx)
	if a == nil || a.Role != shequ.RoleResident {
		return s.denied(ctx, shequ.ErrForbidden, auditRatingCreate, shequ.ObjRating, r.EstateID, "")
	}
	if err := r.Validate(); err != nil {
		return err
	}
	return s.write(ctx, auditRatingCreate, shequ.ObjRating, func(c *change) (string, string, error) {
		household, community, err := s.householdOf(ctx, c.tx)
		if err != nil {
			return "", "", err
		}
		if household == "" {
			return "", "", errNoHousehold()
		}
		if err := authorizeResident(ctx, shequ.ActionPropertyRate, &shequ.Object{Division: community, OwnerID: a.UserID}); err != nil {
			return "", "", refuse(err, auditRatingCreate, shequ.ObjRating, r.EstateID, community)
		}
		e, err := s.loadEstate(ctx, c.tx, r.EstateID)
		if err != nil || !e.InCommunity(community) {
			return "", "", refuse(shequ.ErrNotFound, auditRatingCreate, shequ.ObjEstate, r.EstateID, community)
		}
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO estate_households (household_id, estate_id, set_by, set_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (household_id) DO NOTHING`), household, e.ID, a.UserID, s.db.dialect.timeArg(c.now))
		if err != nil {
			return "", "", translateError(err, "record the household's estate")
		}
		var linked string
		if err := c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT CAST(estate_id AS TEXT) FROM estate_households WHERE household_id = ?`),
			household).Scan(&linked); err != nil {
			return "", "", translateError(err, "find the household's estate")
		}
		if linked != e.ID {
			return "", "", shequ.Errorf(shequ.EConflict, "rating.estate.other",
				"Your household is recorded in another estate; rate that one, or ask your community to correct it.")
		}
		st, err := s.settings(ctx, c.tx, e.Community)
		if err != nil {
			return "", "", err
		}
		r.ID, r.Community, r.HouseholdID, r.CompanyID = newUUID7(), e.Community, household, e.CompanyID
		r.Period, r.RatedBy, r.CreatedAt = st.RatingPeriod.PeriodOf(c.now), a.UserID, c.now
		var n int
		if err := c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM property_ratings WHERE estate_id = ? AND household_id = ?
			AND period = ?`), e.ID, household, r.Period).Scan(&n); err != nil {
			return "", "", translateError(err, "check ratings")
		}
		if n > 0 {
			return "", "", errRatedOnce()
		}
		args := []any{r.ID, e.ID, e.Community, household, nullString(r.CompanyID), r.Period}
		for _, d := range shequ.RatingDimensions {
			args = append(args, r.Scores[d])
		}
		args = append(args, r.Comment, r.RatedBy, s.db.dialect.timeArg(c.now))
		_, err = c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO property_ratings (id, estate_id, community, household_id,
			company_id, period, `+strings.Join(scoreColumns, ", ")+`, comment, rated_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, `+placeholders(len(scoreColumns))+`, ?, ?, ?)`), args...)
		if err != nil {
			// Another member of the household rated in between: the
			// unique key answers.
			if shequ.ErrorCode(translateError(err, "rate")) == shequ.EConflict {
				return "", "", errRatedOnce()
			}
			return "", "", translateError(err, "rate estate")
		}
		c.event(shequ.ObjEstate, e.ID, e.Community, auditRatingCreate, "", "", r.Period)
		return r.ID, e.Community, nil
	})
}

// loadRatings reads the ratings matching cond.
func (s *PropertyService) loadRatings(ctx context.Context, q querier, cond string, args ...any) ([]*shequ.PropertyRating, error) {
	rows, err := q.QueryContext(ctx, s.db.rebind(`SELECT id, estate_id, community, household_id,
		COALESCE(CAST(company_id AS TEXT), ''), period, `+strings.Join(scoreColumns, ", ")+`, comment, rated_by, created_at
		FROM property_ratings WHERE `+cond+` ORDER BY created_at, id`), args...)
	if err != nil {
		return nil, translateError(err, "find ratings")
	}
	defer rows.Close()
	var out []*shequ.PropertyRating
	for rows.Next() {
		r := &shequ.PropertyRating{Scores: map[shequ.RatingDimension]int{}}
		scores := make([]int, len(shequ.RatingDimensions))
		dest := []any{&r.ID, &r.EstateID, &r.Community, &r.HouseholdID, &r.CompanyID, &r.Period}
		for i := range scores {
			dest = append(dest, &scores[i])
		}
		dest = append(dest, &r.Comment, &r.RatedBy, scanTime(&r.CreatedAt))
		if err := rows.Scan(dest...); err != nil {
			return nil, translateError(err, "find ratings")
		}
		for i, d := range shequ.RatingDimensions {
			r.Scores[d] = scores[i]
		}
		out = append(out, r)
	}
	return out, translateError(rows.Err(), "find ratings")
}

// RatingSummary implements shequ.RatingService: whoever may read the
// estate; means only above the threshold.
func (s *PropertyService) RatingSummary(ctx context.Context, estateID, period string) (*shequ.RatingSummary, error) {
	e, err := s.FindEstateByID(ctx, estateID)
	if err != nil {
		return nil, err
	}
	if period == "" {
		st, err := s.settings(ctx, s.db.db, e.Community)
		if err != nil {
			return nil, err
		}
		period = st.RatingPeriod.PeriodOf(s.now())
	} else if _, _, ok := shequ.PeriodBounds(period); !ok {
		return nil, fieldError("period", "rating.period.invalid", "A period is written 2026Q4, 2026H2 or 2026.")
	}
	ratings, err := s.loadRatings(ctx, s.db.db, `estate_id = ? AND period = ?`, e.ID, period)
	if err != nil {
		return nil, err
	}
	return shequ.Summarize(e.ID, period, e.Households, ratings), nil
}

// RatedThisPeriod implements shequ.RatingService.
func (s *PropertyService) RatedThisPeriod(ctx context.Context, estateID string) (bool, error) {
	household, _, err := s.householdOf(ctx, s.db.db)
	if err != nil || household == "" || !validID(estateID) {
		return false, nil
	}
	e, err := s.loadEstate(ctx, s.db.db, estateID)
	if err != nil {
		return false, err
	}
	st, err := s.settings(ctx, s.db.db, e.Community)
	if err != nil {
		return false, err
	}
	var n int
	err = s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM property_ratings WHERE estate_id = ? AND household_id = ?
		AND period = ?`), estateID, household, st.RatingPeriod.PeriodOf(s.now())).Scan(&n)
	return n > 0, translateError(err, "check ratings")
}
