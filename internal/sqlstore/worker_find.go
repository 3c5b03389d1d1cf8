package sqlstore

import (
	"context"

	"shequ"
)

// FindWorkers lists the workers in the actor's scope matching f, ordered by
// home community, name and id, with the total count. Community narrows the
// scope (a disjoint one matches nothing); Qualification matches exactly (an
// unknown one is a field error); Query matches part of the name. Limit
// defaults to 50 and is capped at 500.
func (s *SocialWorkerService) FindWorkers(ctx context.Context, f shequ.WorkerFilter) ([]*shequ.SocialWorker, int, error) {
	q, ok, err := s.db.scopedList(ctx, shequ.ActionWorkerRead, auditWorkerList, objWorker, "w.community", f.Community)
	if err != nil || !ok {
		return []*shequ.SocialWorker{}, 0, err
	}
	enumFilter(q, "w.qualification", "qualification", f.Qualification, shequ.Qualifications,
		"worker.qualification.invalid", "Unknown qualification.")
	q.contains("w.name", f.Query)
	out, total, err := listPage(ctx, q, "social_workers w", workerColumns, "w.community, w.name, w.id", f.Offset, f.Limit,
		s.scanWorker, "social workers")
	if err != nil {
		return nil, 0, err
	}
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
