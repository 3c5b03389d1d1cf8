package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	"shequ"
)

// An account's channels: e-mail and the webhook, each with an address
// sealed under the personal-data key (bound to the account and the
// channel), a masked copy for the pages, and the language of its messages.

// Audit actions of the channels.
const (
	auditChannelsSet    = "notify.channels"
	auditChannelsReseal = "notify.reseal"
)

// channelAAD binds a sealed address to its account and channel.
func channelAAD(userID, channel string) string { return "notify.address:" + userID + ":" + channel }

// Channels implements shequ.NotificationService.
func (s *NotificationService) Channels(ctx context.Context) ([]*shequ.ChannelPref, error) {
	a := shequ.ActorFrom(ctx)
	if a == nil {
		return nil, shequ.ErrUnauthorized
	}
	rows, err := s.db.db.QueryContext(ctx, s.db.rebind(`SELECT channel, enabled, address_mask, lang
		FROM notification_channels WHERE user_id = ?`), a.UserID)
	if err != nil {
		return nil, translateError(err, "read notification channels")
	}
	defer rows.Close()
	stored := map[string]*shequ.ChannelPref{}
	for rows.Next() {
		p := &shequ.ChannelPref{}
		if err := rows.Scan(&p.Channel, &p.Enabled, &p.Address, &p.Lang); err != nil {
			return nil, translateError(err, "read notification channels")
		}
		stored[p.Channel] = p
	}
	if err := rows.Err(); err != nil {
		return nil, translateError(err, "read notification channels")
	}
	out := make([]*shequ.ChannelPref, 0, len(shequ.ExternalChannels))
	for _, ch := range shequ.ExternalChannels {
		p := stored[ch]
		if p == nil {
			p = &shequ.ChannelPref{Channel: ch, Lang: shequ.MessageLangs[0]}
		}
		out = append(out, p)
	}
	return out, nil
}

// SetChannels implements shequ.NotificationService: every channel's errors
// at once, nothing written unless all are valid. Audited
// "notify.channels" (which channels are on; never the addresses).
func (s *NotificationService) SetChannels(ctx context.Context, prefs []*shequ.ChannelPref) error {
	a := shequ.ActorFrom(ctx)
	if a == nil {
		return shequ.ErrUnauthorized
	}
	if s.Sealer == nil {
		return shequ.Errorf(shequ.EUnavailable, "notify.channel.nokey", "Addresses cannot be stored without the personal-data key.")
	}
	old, err := s.Channels(ctx)
	if err != nil {
		return err
	}
	var fe shequ.FieldErrors
	seen := map[string]bool{}
	for _, p := range prefs {
		if seen[p.Channel] {
			fe.Add("channel", "notify.channel.unknown", "Unknown channel.", nil)
			continue
		}
		seen[p.Channel] = true
		i := slices.IndexFunc(old, func(o *shequ.ChannelPref) bool { return o.Channel == p.Channel })
		if p.Address == "" && i >= 0 && old[i].Address != "" {
			// Blank keeps the stored address (shown masked); only its
			// switch and language change.
			q := *p
			q.Address = "kept@example.invalid"
			if q.Channel == shequ.ChannelWebhook {
				q.Address = "kept"
			}
			q.Validate(&fe)
			continue
		}
		p.Validate(&fe)
	}
	if err := fe.Err(); err != nil {
		return err
	}
	now := s.db.dialect.timeArg(s.db.now())
	var on []string
	err = s.db.withTx(ctx, func(tx *sql.Tx) error {
		for _, p := range prefs {
			if p.Enabled {
				on = append(on, p.Channel)
			}
			if p.Address == "" {
				// Keep the address; a channel never given one stays off.
				_, err := tx.ExecContext(ctx, s.db.rebind(`UPDATE notification_channels SET enabled = ?, lang = ?,
					updated_at = ? WHERE user_id = ? AND channel = ?`), p.Enabled, p.Lang, now, a.UserID, p.Channel)
				if err != nil {
					return translateError(err, "save notification channel")
				}
				continue
			}
			enc, err := s.Sealer.Seal(p.Address, channelAAD(a.UserID, p.Channel))
			if err != nil {
				return fmt.Errorf("seal address: %w", err)
			}
			_, err = tx.ExecContext(ctx, s.db.rebind(`INSERT INTO notification_channels (user_id, channel, enabled,
				address_enc, address_mask, lang, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (user_id, channel) DO UPDATE SET enabled = excluded.enabled, address_enc = excluded.address_enc,
				address_mask = excluded.address_mask, lang = excluded.lang, updated_at = excluded.updated_at`),
				a.UserID, p.Channel, p.Enabled, enc, shequ.Mask(shequ.PersonalContact, p.Address), p.Lang, now)
			if err != nil {
				return translateError(err, "save notification channel")
			}
		}
		return auditAllowed(ctx, s.db, tx, auditChannelsSet, userObjectType, a.UserID, a.Scope, fmt.Sprintf("on=%v", on))
	})
	return err
}

// Reseal opens every sealed channel address and seals it again under the
// sealer's current key after a key rotation (`shequ keys rotate`), in
// batches, each audited "notify.reseal" with its count, each address
// written only if no server changed it meanwhile (resealTable). Only the
// console and ActionSecurityManage may run it.
func (s *NotificationService) Reseal(ctx context.Context, progress func(int)) (int, error) {
	if err := authorizeResident(ctx, shequ.ActionSecurityManage, nil); err != nil {
		return 0, s.db.recordDenied(ctx, err, auditChannelsReseal, userObjectType, "", "")
	}
	if s.Sealer == nil {
		return 0, errNoSealer
	}
	return resealTable(ctx, s.db, s.Sealer, sealedTableNamed("notification_channels"), progress)
}
