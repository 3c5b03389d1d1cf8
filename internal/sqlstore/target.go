package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"shequ"
)

// TargetService keeps the plan targets (规划目标). It implements
// shequ.TargetService.
//
// A target applies to its scope and everything below it; the longest scope
// that is a prefix of a code wins, and where no row applies the plan's
// default (shequ.PlanTargets) does. A local target may raise, never lower,
// the target that applies above it: the national plan is a floor.
type TargetService struct {
	db *DB
	// OnChange, when set, is called after every successful SetTarget, so
	// that a cache of effective targets (the indicator engine's) can
	// recompute. It runs after the commit, outside any transaction.
	OnChange func()
}

var _ shequ.TargetService = (*TargetService)(nil)

// NewTargetService returns a TargetService on db.
func NewTargetService(db *DB) *TargetService { return &TargetService{db: db} }

// Audit action and object type of target writes.
const (
	auditTargetSet = "target.set"
	objTarget      = "target"
)

// maxPeriodLength bounds a plan period's name ("2016-2020").
const maxPeriodLength = 20

// FindTargets returns every target stored for period, by scope then key.
// The plan's defaults are not rows: they apply wherever none does. Targets
// are public figures of the plan, so reading them needs no permission.
func (s *TargetService) FindTargets(ctx context.Context, period string) ([]*shequ.Target, error) {
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT scope, period, key, value, set_by, set_at
		FROM targets WHERE period = ? ORDER BY scope, key`), period)
	if err != nil {
		return nil, translateError(err, "find targets")
	}
	defer rows.Close()
	out := []*shequ.Target{}
	for rows.Next() {
		var t shequ.Target
		var key string
		if err := rows.Scan(&t.Scope, &t.Period, &key, &t.Value, &t.SetBy, scanTime(&t.SetAt)); err != nil {
			return nil, translateError(err, "find targets")
		}
		t.Key = shequ.TargetKey(key)
		out = append(out, &t)
	}
	if err := rows.Err(); err != nil {
		return nil, translateError(err, "find targets")
	}
	return out, nil
}

// EffectiveTargets returns, for every key of the plan, the value of the
// longest stored scope that is a prefix of code (code itself included), else
// the plan's default. code "" is the national level.
func (s *TargetService) EffectiveTargets(ctx context.Context, code, period string) (shequ.Targets, error) {
	if code != "" {
		if err := shequ.ValidateDivisionCode(code); err != nil {
			return nil, err
		}
	}
	return s.effective(ctx, s.db.db, scopeChain(code), period)
}

// scopeChain returns code and all its ancestors down to "", shortest first.
func scopeChain(code string) []string {
	chain := []string{""}
	if code != "" {
		chain = append(chain, shequ.AncestorCodes(code)...)
		chain = append(chain, code)
	}
	return chain
}

// effective resolves the targets over scopes (shortest first) in one query.
func (s *TargetService) effective(ctx context.Context, q querier, scopes []string, period string) (shequ.Targets, error) {
	out := make(shequ.Targets, len(shequ.PlanTargets))
	for k, v := range shequ.PlanTargets {
		out[k] = v
	}
	args := []any{period}
	for _, sc := range scopes {
		args = append(args, sc)
	}
	// Ordered by scope length, so a longer scope overwrites a shorter one.
	rows, err := q.QueryContext(ctx, s.db.rebind(`SELECT key, value FROM targets
		WHERE period = ? AND scope IN (`+placeholders(len(scopes))+`) ORDER BY length(scope)`), args...)
	if err != nil {
		return nil, translateError(err, "find effective targets")
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		var v float64
		if err := rows.Scan(&key, &v); err != nil {
			return nil, translateError(err, "find effective targets")
		}
		if _, known := shequ.PlanTargets[shequ.TargetKey(key)]; known {
			out[shequ.TargetKey(key)] = v
		}
	}
	if err := rows.Err(); err != nil {
		return nil, translateError(err, "find effective targets")
	}
	return out, nil
}

// SetTarget inserts or replaces the target t.Key of t.Scope for t.Period
// (shequ.DefaultPeriod when empty). It needs ActionTargetWrite over the
// scope (console work is trusted). The value must be a finite number no
// lower than the target that applies above the scope ("target.below_parent",
// with the parent's value as Data "Parent"); the key must be one of the
// plan's ("target.key.invalid"). SetBy and SetAt are filled. The change is
// audited as "target.set" in the same transaction; OnChange runs after it.
func (s *TargetService) SetTarget(ctx context.Context, t *shequ.Target) error {
	if t.Period == "" {
		t.Period = shequ.DefaultPeriod
	}
	if err := authorizeResident(ctx, shequ.ActionTargetWrite, &shequ.Object{Division: t.Scope}); err != nil {
		return s.db.recordDenied(ctx, err, auditTargetSet, objTarget, string(t.Key), clipID(t.Scope))
	}
	var fe shequ.FieldErrors
	if t.Scope != "" && shequ.ValidateDivisionCode(t.Scope) != nil {
		fe.Add("scope", "target.scope.invalid", "The scope is a division code, or empty for the whole country.", nil)
	}
	if _, ok := shequ.PlanTargets[t.Key]; !ok {
		fe.Add("key", "target.key.invalid", "Unknown target.", map[string]any{"Value": truncateText(string(t.Key), 50)})
	}
	if n := utf8.RuneCountInString(t.Period); n > maxPeriodLength || strings.TrimSpace(t.Period) != t.Period {
		fe.Add("period", "target.period.invalid", "The plan period has at most 20 characters.", nil)
	}
	if math.IsNaN(t.Value) || math.IsInf(t.Value, 0) || t.Value < 0 || t.Value > 1e6 {
		fe.Add("value", "target.value.invalid", "The target is a number from 0 to 1000000.", nil)
	}
	if shequ.TargetIsPercent(t.Key) && t.Value > 100 {
		fe.Add("value", "target.value.percent", "This target is a percentage from 0 to 100.", nil)
	}
	if err := fe.Err(); err != nil {
		return err
	}
	now := s.db.now()
	t.SetAt, t.SetBy = now, actorRef(ctx)
	err := s.db.withTx(ctx, func(tx *sql.Tx) error {
		if t.Scope != "" {
			var n int
			err := tx.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM divisions WHERE code = ?`), t.Scope).Scan(&n)
			if err != nil {
				return translateError(err, "check target scope")
			}
			if n == 0 {
				return errDivisionNotFound(t.Scope)
			}
		}
		// The target that applies above the scope: its ancestors' (or the
		// plan's), read inside the write transaction so that a concurrent
		// change above cannot slip under the check.
		chain := scopeChain(t.Scope)
		parent := shequ.PlanTargets[t.Key]
		if len(chain) > 1 {
			above, err := s.effective(ctx, tx, chain[:len(chain)-1], t.Period)
			if err != nil {
				return err
			}
			parent = above[t.Key]
		}
		if t.Value < parent {
			var fe shequ.FieldErrors
			fe.Add("value", "target.below_parent",
				fmt.Sprintf("The target cannot be lower than %s, the one that applies above.",
					strconv.FormatFloat(parent, 'f', -1, 64)),
				map[string]any{"Parent": parent})
			return fe.Err()
		}
		_, err := tx.ExecContext(ctx, s.db.rebind(`INSERT INTO targets (scope, period, key, value, set_by, set_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (scope, period, key) DO UPDATE SET value = excluded.value,
				set_by = excluded.set_by, set_at = excluded.set_at`),
			t.Scope, t.Period, string(t.Key), t.Value, t.SetBy, s.db.dialect.timeArg(now))
		if err != nil {
			return translateError(err, "set target")
		}
		rec := s.db.newAudit(ctx, auditTargetSet, objTarget, string(t.Key), t.Scope, shequ.AuditAllowed)
		rec.Detail = fmt.Sprintf("period=%s value=%s", t.Period, strconv.FormatFloat(t.Value, 'f', -1, 64))
		return s.db.appendAudit(ctx, tx, rec)
	})
	if err != nil {
		return err
	}
	if s.OnChange != nil {
		s.OnChange()
	}
	return nil
}
