package sqlstore

import (
	"context"
	"slices"
	"strings"

	"shequ"
)

// FindWorkers lists the workers in the actor's scope matching f, ordered by
// home community, name and id, with the total count. Community narrows the
// scope (a disjoint one matches nothing); Qualification matches exactly (an
// unknown one is a field error); Query matches part of the name. Limit
// defaults to 50 and is capped at 500.
func (s *SocialWorkerService) FindWorkers(ctx context.Context, f shequ.WorkerFilter) ([]*shequ.SocialWorker, int, error) {
	if err := authorizeResident(ctx, shequ.ActionWorkerRead, nil); err != nil {
		return nil, 0, s.db.recordDenied(ctx, err, auditWorkerList, objWorker, "", f.Community)
	}
	prefix, ok, err := scopePrefix(shequ.ActorFrom(ctx), f.Community)
	if err != nil || !ok {
		return []*shequ.SocialWorker{}, 0, err
	}
	conds, args := []string{"1 = 1"}, []any{}
	if prefix != "" {
		// A range rather than LIKE, so that the index on community serves it.
		conds, args = append(conds, "w.community >= ? AND w.community < ?"), append(args, prefix, prefix+":")
	}
	if f.Qualification != "" {
		if !slices.Contains(shequ.Qualifications, f.Qualification) {
			var fe shequ.FieldErrors
			fe.Add("qualification", "worker.qualification.invalid", "Unknown qualification.", nil)
			return nil, 0, fe.Err()
		}
		conds, args = append(conds, "w.qualification = ?"), append(args, string(f.Qualification))
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		conds, args = append(conds, s.db.dialect.position("w.name", "?")+" > 0"), append(args, q)
	}
	where := strings.Join(conds, " AND ")
	var total int
	if err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM social_workers w WHERE `+where), args...).
		Scan(&total); err != nil {
		return nil, 0, translateError(err, "count social workers")
	}
	limit := clamp(f.Limit, defaultRegisterLimit, maxRegisterLimit)
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+workerColumns+` FROM social_workers w WHERE `+where+`
		ORDER BY w.community, w.name, w.id LIMIT ? OFFSET ?`), append(args, limit, max(f.Offset, 0))...)
	if err != nil {
		return nil, 0, translateError(err, "find social workers")
	}
	defer rows.Close()
	out := []*shequ.SocialWorker{}
	for rows.Next() {
		w, err := s.scanWorker(rows)
		if err != nil {
			return nil, 0, translateError(err, "find social workers")
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, translateError(err, "find social workers")
	}
	rows.Close()
	if err := s.loadWorkerSets(ctx, s.db.db, out); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// Reseal opens every sealed ID and phone number of the register and seals
// it again under the sealer's current key after a key rotation (`shequ keys
// rotate`), in batches of 500 workers, each audited "worker.reseal" with its
// count. Blind indexes do not change. It can be interrupted and run again;
// progress, if set, gets the number done after each batch. Only the console
// and ActionSecurityManage may run it.
func (s *SocialWorkerService) Reseal(ctx context.Context, progress func(int)) (int, error) {
	if err := authorizeResident(ctx, shequ.ActionSecurityManage, nil); err != nil {
		return 0, s.db.recordDenied(ctx, err, auditWorkerReseal, objWorker, "", "")
	}
	return resealTable(ctx, s.db, s.sealer, sealedTableNamed("social_workers"), progress)
}
