package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/riverqueue/river"

	"shequ"
)

// Who is told what of a delegation (issue 13): the resident when it waits
// for their consent (the notification leads to the delegation's page, where
// they consent), the agent when it takes effect, the other party when it is
// revoked or completed, and both when it is about to expire
// (DelegationExpiryArgs, hourly). The resident's notification names the
// agent, the agent's names the resident: each sees the other on the
// delegation's page. The detail is the last day of validity.

// delegationNotes adds the notification kind of d to the resident's
// account and to the agent (the actor of ctx left out).
func delegationNotes(ctx context.Context, notes *noteList, d *shequ.Delegation, kind string, now time.Time) {
	until := d.ValidUntil.In(shequ.Shanghai).Format("2006-01-02")
	notes.add(ctx, now, []string{d.OwnerUserID}, kind, objDelegation, d.ID, d.AgentName, until)
	notes.add(ctx, now, []string{d.AgentID}, kind, objDelegation, d.ID, d.ResidentName, until)
}

// DelegationExpiryArgs is the periodic job that tells residents and agents
// of delegations about to expire.
type DelegationExpiryArgs struct{}

// Kind implements river.JobArgs.
func (DelegationExpiryArgs) Kind() string { return "delegation_expiry" }

// DelegationExpiryWorker is the worker of DelegationExpiryArgs.
func DelegationExpiryWorker(s *DelegationService) river.Worker[DelegationExpiryArgs] {
	return river.WorkFunc(func(ctx context.Context, _ *river.Job[DelegationExpiryArgs]) error {
		_, err := s.NotifyExpiring(ctx)
		return err
	})
}

// ExpiryNoticeDays is how many days before its end a delegation's parties
// are told it expires.
const ExpiryNoticeDays = 3

// NotifyExpiring tells the resident and the agent of each active delegation
// ending within ExpiryNoticeDays ("delegation_expiring"), once per end date
// (an extended delegation is told again). It returns how many it noticed.
// It runs as the periodic job, without an actor.
func (s *DelegationService) NotifyExpiring(ctx context.Context) (int, error) {
	if shequ.ActorFrom(ctx) != nil {
		return 0, shequ.ErrForbidden
	}
	now := s.db.now()
	dl := s.db.dialect
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT `+delegationColumns+delegationFrom+`
		WHERE d.state = 'active' AND d.valid_until >= ? AND d.valid_until < ?
		AND NOT EXISTS (SELECT 1 FROM delegation_expiry_notices n WHERE n.delegation_id = d.id AND n.valid_until = d.valid_until)
		ORDER BY d.valid_until, d.id LIMIT 500`), dl.timeArg(now), dl.timeArg(now.Add(ExpiryNoticeDays*24*time.Hour)))
	if err != nil {
		return 0, translateError(err, "find expiring delegations")
	}
	var list []*shequ.Delegation
	for rows.Next() {
		d, err := scanDelegation(rows)
		if err != nil {
			rows.Close()
			return 0, translateError(err, "find expiring delegations")
		}
		list = append(list, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, translateError(err, "find expiring delegations")
	}
	for i, d := range list {
		err := s.db.withTx(ctx, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, s.db.rebind(`INSERT INTO delegation_expiry_notices (delegation_id, valid_until, noticed_at)
				VALUES (?, ?, ?) ON CONFLICT (delegation_id) DO UPDATE SET valid_until = excluded.valid_until,
				noticed_at = excluded.noticed_at`), d.ID, dl.timeArg(d.ValidUntil), dl.timeArg(now))
			if err != nil {
				return translateError(err, "record expiry notice")
			}
			var notes noteList
			delegationNotes(ctx, &notes, d, "delegation_expiring", now)
			return s.db.addNotifications(ctx, tx, notes)
		})
		if err != nil {
			return i, err
		}
	}
	return len(list), nil
}
