package sqlstore

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"shequ"
)

// VolunteerRemindArgs is the periodic job that reminds the volunteers
// signed up for an opportunity, ReminderLead before it starts
// (VolunteerService.Remind). Each opportunity is reminded once: its
// reminded_at is set in the transaction that writes the notifications, on
// the condition that it was not set, so a retried or doubled run tells
// nobody twice.
type VolunteerRemindArgs struct{}

// Kind implements river.JobArgs.
func (VolunteerRemindArgs) Kind() string { return "volunteer_remind" }

// VolunteerRemindWorker is the worker of VolunteerRemindArgs.
func VolunteerRemindWorker(s *VolunteerService) river.Worker[VolunteerRemindArgs] {
	return river.WorkFunc(func(ctx context.Context, _ *river.Job[VolunteerRemindArgs]) error {
		_, err := s.Remind(ctx)
		return err
	})
}

// auditRemind is the audited action of a reminder.
const auditRemind = "opportunity.remind"

// reminderLead is the configured lead or the default.
func (s *VolunteerService) reminderLead() time.Duration {
	if s.ReminderLead > 0 {
		return s.ReminderLead
	}
	return shequ.DefaultReminderLead
}

// Remind sends the reminders due now: for every open opportunity starting
// within the lead time and not reminded yet, each volunteer still signed
// up is notified ("opportunity_reminder"). It returns how many
// opportunities were reminded. A sign-up made after the reminder went out
// is not reminded again (the volunteer signed up within the lead time).
func (s *VolunteerService) Remind(ctx context.Context) (int, error) {
	if shequ.ActorFrom(ctx) == nil && shequ.RequestMetaFrom(ctx).ClientAddr == "" {
		ctx = shequ.WithRequestMeta(ctx, shequ.RequestMeta{ClientAddr: systemActor, RequestID: auditRemind})
	}
	now, lead := s.now(), s.reminderLead()
	// Candidates by day (days are Asia/Shanghai dates); the instant is
	// checked here, so that a run audits only what it reminds, and again
	// inside each transaction.
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT id, day, start_time FROM volunteer_opportunities
		WHERE status = 'open' AND reminded_at IS NULL AND day >= ? AND day <= ? ORDER BY day, start_time`),
		dayArg(now), dayArg(now.Add(lead)))
	if err != nil {
		return 0, translateError(err, "read opportunities to remind")
	}
	var ids []string
	for rows.Next() {
		var id, day, start string
		if err := rows.Scan(&id, &day, &start); err != nil {
			rows.Close()
			return 0, translateError(err, "read opportunities to remind")
		}
		if shequ.ReminderDue(&shequ.Opportunity{Day: parseDay(day), Start: start, Status: shequ.OpportunityOpen}, now, lead) {
			ids = append(ids, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, translateError(err, "read opportunities to remind")
	}
	n := 0
	for _, id := range ids {
		sent := false
		err := s.write(ctx, auditRemind, objOpportunity, func(c *change) (string, string, error) {
			o, err := s.loadOpportunity(ctx, c.tx, id)
			if err != nil {
				return "", "", err
			}
			if !shequ.ReminderDue(o, c.now, lead) {
				return o.ID, o.Community, nil
			}
			res, err := c.tx.ExecContext(ctx, s.db.rebind(`UPDATE volunteer_opportunities SET reminded_at = ?
				WHERE id = ? AND reminded_at IS NULL AND status = 'open'`), s.db.dialect.timeArg(c.now), o.ID)
			if err != nil {
				return "", "", translateError(err, "remind opportunity")
			}
			if k, err := res.RowsAffected(); err != nil || k != 1 {
				return o.ID, o.Community, translateError(err, "remind opportunity")
			}
			users, err := s.signedUsers(ctx, c.tx, o.ID)
			if err != nil {
				return "", "", err
			}
			subject := o.Title + " · " + dayArg(o.Day) + " " + o.Start + " · " + o.Place
			c.notify(users, "opportunity_reminder", objOpportunity, o.ID, subject)
			c.event(objOpportunity, o.ID, o.Community, auditRemind, "", "", "")
			sent = true
			return o.ID, o.Community, nil
		})
		if err != nil {
			return n, err
		}
		if sent {
			n++
		}
	}
	return n, nil
}
