package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"

	"shequ"
)

// RecordWorkLog implements shequ.CareService: a social worker logs a
// service of their own in a community of their scope; a linked case must
// be theirs.
func (s *CareService) RecordWorkLog(ctx context.Context, l *shequ.WorkLog) error {
	if err := authorizeResident(ctx, shequ.ActionWorkLog, nil); err != nil {
		return s.denied(ctx, err, auditWorkLog, objWorkLog, "", l.Community)
	}
	return s.write(ctx, auditWorkLog, objWorkLog, func(c *change) (string, string, error) {
		if err := l.Validate(c.now); err != nil {
			return "", "", err
		}
		if len(l.Community) != 12 || shequ.ValidateDivisionCode(l.Community) != nil {
			return "", "", fieldError("community", "worklog.community.invalid", "Pick the community served.")
		}
		l.UserID = actorID(ctx)
		if a := shequ.ActorFrom(ctx); a != nil {
			if err := shequ.Authorize(a, shequ.ActionWorkLog, &shequ.Object{Division: l.Community, OwnerID: a.UserID}); err != nil {
				return "", "", refuse(err, auditWorkLog, objWorkLog, "", l.Community)
			}
		} else {
			return "", "", fieldError("user_id", "worklog.user.required", "Sign in as the social worker.")
		}
		if err := divisionExists(ctx, s.db, c.tx, l.Community); err != nil {
			return "", "", fieldError("community", "worklog.community.invalid", "Pick the community served.")
		}
		if l.CaseID != "" {
			var worker, comm string
			err := c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT worker_id, community FROM care_cases WHERE id = ?`), l.CaseID).
				Scan(&worker, &comm)
			if !validID(l.CaseID) || err != nil || worker != l.UserID || comm != l.Community {
				return "", "", fieldError("case_id", "worklog.case.invalid", "Pick one of your cases in this community.")
			}
		}
		if l.ResidentID != "" {
			var comm string
			err := c.tx.QueryRowContext(ctx, s.db.rebind(`SELECT community FROM residents WHERE id = ?`), l.ResidentID).Scan(&comm)
			if !validID(l.ResidentID) || err != nil || comm != l.Community {
				return "", "", fieldError("resident_id", "worklog.person.required", "Pick the person served, or the case.")
			}
		}
		l.ID, l.CreatedAt, l.Date = newUUID7(), c.now, shequ.Day(l.Date)
		notes, err := s.seal(l.Notes, "worklog", "notes", l.ID)
		if err != nil {
			return "", "", err
		}
		if _, err := c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO sw_work_logs (id, user_id, community, day, method, area,
			function, minutes, beneficiary, resident_id, beneficiaries, case_id, project_id, notes_enc, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), l.ID, l.UserID, l.Community, dayArg(l.Date),
			string(l.Method), string(l.Area), string(l.Function), l.Minutes, string(l.Beneficiary), nullString(l.ResidentID),
			l.Beneficiaries, nullString(l.CaseID), nullString(l.ProjectID), notes, s.db.dialect.timeArg(c.now)); err != nil {
			return "", "", translateError(err, "record service")
		}
		return l.ID, l.Community, nil
	})
}

// FindWorkLogs implements shequ.CareService: a social worker's own
// records, or, for those who supervise (worklog.supervise), the records of
// their scope; newest first. Notes are opened for the worker alone (the
// list read is audited).
func (s *CareService) FindWorkLogs(ctx context.Context, f shequ.WorkLogFilter) ([]*shequ.WorkLog, int, error) {
	a := shequ.ActorFrom(ctx)
	own := a.Can(shequ.ActionWorkLog) && !a.Can(shequ.ActionWorkSupervise)
	if !a.Can(shequ.ActionWorkLog) && !a.Can(shequ.ActionWorkSupervise) {
		return nil, 0, s.denied(ctx, shequ.ErrForbidden, auditWorkLogRead, objWorkLog, "", f.Community)
	}
	conds, args := []string{}, []any{}
	sc, sa := prefixScope("l.community", a.Scope)
	conds, args = append(conds, sc), append(args, sa...)
	if own || f.UserID == "" && a.Role == shequ.RoleSocialWorker {
		f.UserID = a.UserID
	}
	if f.UserID != "" {
		conds, args = append(conds, "l.user_id = ?"), append(args, f.UserID)
	}
	if f.Community != "" {
		c, ca := prefixScope("l.community", f.Community)
		conds, args = append(conds, c), append(args, ca...)
	}
	if !f.From.IsZero() {
		conds, args = append(conds, "l.day >= ?"), append(args, dayArg(f.From))
	}
	if !f.To.IsZero() {
		conds, args = append(conds, "l.day < ?"), append(args, dayArg(f.To))
	}
	where := " WHERE " + strings.Join(conds, " AND ")
	var total int
	if err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM sw_work_logs l`+where), args...).Scan(&total); err != nil {
		return nil, 0, translateError(err, "count service records")
	}
	offset, limit := clampLimit(f.Offset, f.Limit)
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT l.id, l.user_id, u.username, l.community, l.day, l.method,
		l.area, l.function, l.minutes, l.beneficiary, l.resident_id, l.beneficiaries, l.case_id, l.project_id, l.notes_enc,
		l.created_at FROM sw_work_logs l JOIN users u ON u.id = l.user_id`+where+`
		ORDER BY l.day DESC, l.id DESC LIMIT ? OFFSET ?`), append(args, limit, offset)...)
	if err != nil {
		return nil, 0, translateError(err, "list service records")
	}
	defer rows.Close()
	var out []*shequ.WorkLog
	for rows.Next() {
		l := &shequ.WorkLog{}
		var day, method, area, fn, ben string
		var res, caseID, proj, notes sql.NullString
		if err := rows.Scan(&l.ID, &l.UserID, &l.UserName, &l.Community, &day, &method, &area, &fn, &l.Minutes, &ben, &res,
			&l.Beneficiaries, &caseID, &proj, &notes, scanTime(&l.CreatedAt)); err != nil {
			return nil, 0, translateError(err, "list service records")
		}
		l.Date, l.Method, l.Area, l.Function = parseDay(day), shequ.WorkMethod(method), shequ.ServiceArea(area), shequ.ServiceFunction(fn)
		l.Beneficiary, l.ResidentID, l.CaseID, l.ProjectID = shequ.BeneficiaryKind(ben), res.String, caseID.String, proj.String
		if l.UserID == a.UserID {
			if l.Notes, err = s.open(notes, "worklog", "notes", l.ID); err != nil {
				return nil, 0, err
			}
		} else {
			l.ResidentID = "" // a supervisor sees what was done, not for whom
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, translateError(err, "list service records")
	}
	return out, total, s.auditReads(ctx, auditWorkLogRead, objWorkLog, []string{""}, []string{f.Community},
		fmt.Sprintf("n=%d", len(out)))
}

// ServedPeople implements shequ.CareService: a social worker (worklog.write)
// names a person served without a case. The search is narrow on purpose —
// social workers do not read the resident register: one community of
// their area, the whole name exactly (no partial names, no ID numbers,
// which would let a caller test numbers), at most shequ.MaxServedPeople,
// name, masked ID number and age only; the read is audited.
func (s *CareService) ServedPeople(ctx context.Context, community, name string) ([]*shequ.ServedPerson, error) {
	name = strings.TrimSpace(name)
	a := shequ.ActorFrom(ctx)
	if err := authorizeResident(ctx, shequ.ActionWorkLog, nil); err != nil || a == nil {
		if err == nil {
			err = shequ.ErrForbidden
		}
		return nil, s.denied(ctx, err, auditServedPeople, objWorkLog, "", community)
	}
	if len(community) != 12 || shequ.ValidateDivisionCode(community) != nil {
		return nil, fieldError("community", "worklog.community.invalid", "Pick the community served.")
	}
	if err := shequ.Authorize(a, shequ.ActionWorkLog, &shequ.Object{Division: community, OwnerID: a.UserID}); err != nil {
		return nil, s.denied(ctx, err, auditServedPeople, objWorkLog, "", community)
	}
	if n := utf8.RuneCountInString(name); n < 2 || n > 50 {
		return nil, fieldError("person", "worklog.person.name", "Give the person's whole name (2 to 50 characters).")
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT id, name, id_number_enc, birth_date FROM residents
		WHERE community = ? AND name = ? ORDER BY birth_date, id LIMIT ?`), community, name, shequ.MaxServedPeople)
	if err != nil {
		return nil, translateError(err, "find people served")
	}
	defer rows.Close()
	var out []*shequ.ServedPerson
	now := s.now()
	for rows.Next() {
		p := &shequ.ServedPerson{}
		var enc, birth string
		if err := rows.Scan(&p.ResidentID, &p.Name, &enc, &birth); err != nil {
			return nil, translateError(err, "find people served")
		}
		id, err := s.sealer.Open(enc, residentAAD("id_number", p.ResidentID))
		if err != nil {
			return nil, shequ.Wrap(err, "open ID number")
		}
		p.IDMasked, p.Age = shequ.Mask(shequ.PersonalIDNumber, id), shequ.AgeAt(parseDay(birth), now)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, translateError(err, "find people served")
	}
	ids := make([]string, len(out))
	for i, p := range out {
		ids[i] = p.ResidentID
	}
	if len(ids) == 0 {
		ids = []string{""}
	}
	comms := make([]string, len(ids))
	for i := range comms {
		comms[i] = community
	}
	return out, s.auditReads(ctx, auditServedPeople, objResident, ids, comms, "n="+fmt.Sprint(len(out)))
}

// RecordSupervision implements shequ.CareService: a supervisor
// (worklog.supervise) records a supervision session of a social worker of
// their scope; the worker is told.
func (s *CareService) RecordSupervision(ctx context.Context, sv *shequ.Supervision) error {
	if err := authorizeResident(ctx, shequ.ActionWorkSupervise, nil); err != nil {
		return s.denied(ctx, err, auditSupervision, objSupervisor, "", sv.Community)
	}
	return s.write(ctx, auditSupervision, objSupervisor, func(c *change) (string, string, error) {
		if err := sv.Validate(c.now); err != nil {
			return "", "", err
		}
		u, err := NewUserService(s.db).findUser(ctx, c.tx, `u.id = ?`, sv.WorkerUserID)
		if err != nil || u.Role != shequ.RoleSocialWorker || u.ID == actorID(ctx) {
			return "", "", fieldError("worker_user_id", "supervision.worker.required", "Pick the social worker supervised.")
		}
		// The session belongs to the worker's area (a community or a
		// township): the supervisor must cover it.
		sv.Community = u.Scope
		if err := authorizeResident(ctx, shequ.ActionWorkSupervise, &shequ.Object{Division: u.Scope}); err != nil {
			return "", "", refuse(err, auditSupervision, objSupervisor, sv.WorkerUserID, u.Scope)
		}
		if u.Scope == "" {
			return "", "", fieldError("worker_user_id", "supervision.worker.community", "The social worker's account must be bound to an area.")
		}
		sv.ID, sv.SupervisorID, sv.CreatedAt, sv.Date = newUUID7(), actorID(ctx), c.now, shequ.Day(sv.Date)
		notes, err := s.seal(sv.Notes, "supervision", "notes", sv.ID)
		if err != nil {
			return "", "", err
		}
		if _, err := c.tx.ExecContext(ctx, s.db.rebind(`INSERT INTO sw_supervisions (id, supervisor_id, worker_user_id,
			community, day, minutes, topic, notes_enc, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`), sv.ID, sv.SupervisorID,
			sv.WorkerUserID, sv.Community, dayArg(sv.Date), sv.Minutes, sv.Topic, notes, s.db.dialect.timeArg(c.now)); err != nil {
			return "", "", translateError(err, "record supervision")
		}
		c.notify([]string{sv.WorkerUserID}, "supervision_recorded", objSupervisor, sv.ID, sv.Topic)
		return sv.ID, sv.Community, nil
	})
}

// FindSupervisions implements shequ.CareService: the sessions of a
// social worker (their own) or of the supervisor's scope.
func (s *CareService) FindSupervisions(ctx context.Context, f shequ.WorkLogFilter) ([]*shequ.Supervision, int, error) {
	a := shequ.ActorFrom(ctx)
	if !a.Can(shequ.ActionWorkLog) && !a.Can(shequ.ActionWorkSupervise) {
		return nil, 0, s.denied(ctx, shequ.ErrForbidden, auditWorkLogRead, objSupervisor, "", f.Community)
	}
	sc, args := prefixScope("v.community", a.Scope)
	conds := []string{sc}
	if a.Role == shequ.RoleSocialWorker {
		conds, args = append(conds, "(v.worker_user_id = ? OR v.supervisor_id = ?)"), append(args, a.UserID, a.UserID)
	}
	if f.UserID != "" {
		conds, args = append(conds, "v.worker_user_id = ?"), append(args, f.UserID)
	}
	where := " WHERE " + strings.Join(conds, " AND ")
	var total int
	if err := s.db.db.QueryRowContext(ctx, s.db.rebind(`SELECT COUNT(*) FROM sw_supervisions v`+where), args...).Scan(&total); err != nil {
		return nil, 0, translateError(err, "count supervisions")
	}
	offset, limit := clampLimit(f.Offset, f.Limit)
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT v.id, v.supervisor_id, su.username, v.worker_user_id,
		wu.username, v.community, v.day, v.minutes, v.topic, v.notes_enc, v.created_at FROM sw_supervisions v
		JOIN users su ON su.id = v.supervisor_id JOIN users wu ON wu.id = v.worker_user_id`+where+`
		ORDER BY v.day DESC, v.id DESC LIMIT ? OFFSET ?`), append(args, limit, offset)...)
	if err != nil {
		return nil, 0, translateError(err, "list supervisions")
	}
	defer rows.Close()
	var out []*shequ.Supervision
	for rows.Next() {
		v := &shequ.Supervision{}
		var day string
		var notes sql.NullString
		if err := rows.Scan(&v.ID, &v.SupervisorID, &v.SupervisorName, &v.WorkerUserID, &v.WorkerName, &v.Community, &day,
			&v.Minutes, &v.Topic, &notes, scanTime(&v.CreatedAt)); err != nil {
			return nil, 0, translateError(err, "list supervisions")
		}
		v.Date = parseDay(day)
		if v.Notes, err = s.open(notes, "supervision", "notes", v.ID); err != nil {
			return nil, 0, err
		}
		out = append(out, v)
	}
	return out, total, translateError(rows.Err(), "list supervisions")
}

// RaiseCareNeed implements shequ.CareService: a duty holder puts a need
// found on visits into the needs pool. The need says how many people of
// the community (open in the register) had it found on their latest visit,
// and nothing else about them: no names, no ids, no resident link. At
// least one must have it.
func (s *CareService) RaiseCareNeed(ctx context.Context, community string, kind shequ.CareNeedKind) (*shequ.Need, error) {
	if err := authorizeResident(ctx, shequ.ActionCareVisit, nil); err != nil {
		return nil, s.denied(ctx, err, auditNeedFromCare, objCarePerson, "", community)
	}
	if !validCareNeed(kind) || len(community) != 12 {
		return nil, fieldError("kind", "care.visit.need.invalid", "Unknown need.")
	}
	if err := s.authorizeCare(ctx, s.db.db, shequ.ActionCareVisit, community); err != nil {
		return nil, s.denied(ctx, err, auditNeedFromCare, objCarePerson, "", community)
	}
	counts := map[shequ.CareKind]int{}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT p.kind, v.needs FROM care_persons p
		JOIN care_visits v ON v.person_id = p.id AND v.day = p.last_visit_on
		WHERE p.community = ? AND p.status <> 'exited'`), community)
	if err != nil {
		return nil, translateError(err, "count needs")
	}
	for rows.Next() {
		var k, needs string
		if err := rows.Scan(&k, &needs); err != nil {
			rows.Close()
			return nil, translateError(err, "count needs")
		}
		for _, n := range strings.Split(needs, ",") {
			if n == string(kind) {
				counts[shequ.CareKind(k)]++
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translateError(err, "count needs")
	}
	total := counts[shequ.CareChild] + counts[shequ.CareWoman] + counts[shequ.CareElderly]
	if total == 0 {
		return nil, fieldError("kind", "care.need.none", "No visit found this need in the community.")
	}
	// The needs pool is read by residents: counts of 1 to 4, which in a
	// small village can point at a person, are said as "不足5".
	n := &shequ.Need{Community: community, Category: kind.Category(), Channel: shequ.NeedVisit,
		Title:       fmt.Sprintf("关爱走访发现的需求：%s（%s人）", careNeedLabels[kind], careCount(total)),
		Description: fmt.Sprintf("留守儿童 %s 人、留守妇女 %s 人、留守老人 %s 人在最近一次走访中反映此项需求。此需求由关爱走访汇总生成，不含个人信息。", careCount(counts[shequ.CareChild]), careCount(counts[shequ.CareWoman]), careCount(counts[shequ.CareElderly]))}
	needs := s.Needs
	if needs == nil {
		needs = NewLinkageService(s.db)
	}
	if err := needs.CreateNeed(ctx, n); err != nil {
		return nil, err
	}
	return n, nil
}

// careCount words a count of people for a text others read: 1 to 4 as
// "不足5" (shequ.SuppressSmall).
func careCount(n int) string {
	if shequ.SuppressSmall(n) {
		return fmt.Sprintf("不足%d", shequ.SmallCount)
	}
	return fmt.Sprint(n)
}

// careNeedLabels are the Chinese names of found needs, for the generated
// need's title (the needs pool stores text, not keys).
var careNeedLabels = map[shequ.CareNeedKind]string{
	shequ.NeedAfterSchool: "课后托管", shequ.NeedTutoring: "学业辅导", shequ.NeedPsychological: "心理关爱",
	shequ.NeedHealthCare: "健康照护", shequ.NeedDailyCare: "生活照料", shequ.NeedFinancial: "经济困难",
	shequ.NeedSafetyEdu: "安全教育",
}

// validCareNeed reports whether k is a known found need.
func validCareNeed(k shequ.CareNeedKind) bool {
	_, ok := careNeedLabels[k]
	return ok
}
