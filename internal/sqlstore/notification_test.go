package sqlstore

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"shequ"
)

// kindsOf returns the kinds of u's notifications, oldest first.
func kindsOf(t *testing.T, db *DB, u *shequ.User) []string {
	t.Helper()
	var out []string
	for _, n := range notesOf(t, db, u) {
		kind, _, _ := strings.Cut(n, ":")
		out = append(out, kind)
	}
	return out
}

// TestDelegationNotifications: the resident is asked for consent, the agent
// told when it takes effect and when the resident revokes it, both before
// it expires (once per end date).
func TestDelegationNotifications(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newRequestFixture(t, db)
		resident := mustLinkResident(t, fx, &shequ.User{Username: "wangxy"})
		wctx, rctx := actorOf(fx.worker), actorOf(resident)
		c := useClock(db)
		d := &shequ.Delegation{ResidentID: fx.resident.ID, AgentID: fx.worker.ID, Items: []string{"MZ-001"},
			ValidFrom: testNow, ValidUntil: testNow.AddDate(0, 0, 10)}
		if err := fx.dels.CreateDelegation(wctx, d); err != nil {
			t.Fatal(err)
		}
		got := notesOf(t, db, resident)
		if len(got) != 1 || got[0] != "delegation_consent:"+d.ValidUntil.In(shequ.Shanghai).Format("2006-01-02") {
			t.Fatalf("resident after the request: %q", got)
		}
		list, _, err := NewNotificationService(db, nil).FindNotifications(rctx, false, 0, 1)
		if err != nil || list[0].ObjectType != objDelegation || list[0].ObjectID != d.ID || list[0].Subject != fx.worker.Name {
			t.Fatalf("consent notification %+v, %v", list, err)
		}
		if _, err := fx.dels.Consent(rctx, d.ID, shequ.ConsentPortal, ""); err != nil {
			t.Fatal(err)
		}
		// Eight days on, the delegation ends within three: both are told,
		// once.
		bg := context.Background()
		if n, err := fx.dels.NotifyExpiring(bg); err != nil || n != 0 {
			t.Fatalf("expiring early: %d, %v", n, err)
		}
		c.advance(8 * 24 * time.Hour)
		if n, err := fx.dels.NotifyExpiring(bg); err != nil || n != 1 {
			t.Fatalf("expiring: %d, %v", n, err)
		}
		if n, err := fx.dels.NotifyExpiring(bg); err != nil || n != 0 {
			t.Fatalf("expiring again: %d, %v", n, err)
		}
		if _, err := fx.dels.EndDelegation(rctx, d.ID, shequ.DelegationRevoked); err != nil {
			t.Fatal(err)
		}
		if got, want := kindsOf(t, db, resident), []string{"delegation_consent", "delegation_expiring"}; !slices.Equal(got, want) {
			t.Errorf("resident: %q, want %q", got, want)
		}
		if got, want := kindsOf(t, db, fx.worker), []string{"delegation_active", "delegation_expiring", "delegation_revoked"}; !slices.Equal(got, want) {
			t.Errorf("agent: %q, want %q", got, want)
		}
	})
}

// TestProjectNotifications: the nearest officials are told a project waits
// for approval, the keepers of admitted organizations that its call is
// open, and the designer and officials of an objection.
func TestProjectNotifications(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newLinkFx(t, db)
		far := mustCreateUser(t, db, "city-official", shequ.RoleOfficial, "3305")
		p := fx.openProject(t)
		if got := kindsOf(t, db, fx.off); !slices.Contains(got, "project_under_review") {
			t.Errorf("official: %q", got)
		}
		if got := kindsOf(t, db, far); len(got) != 0 {
			t.Errorf("a farther official was told: %q", got)
		}
		// The call admits any kind: both keepers of the county's
		// organizations are told, with its deadline.
		for _, u := range []*shequ.User{fx.om1, fx.om2} {
			got := notesOf(t, db, u)
			if len(got) != 1 || got[0] != "project_call_open:"+p.BidDeadline.In(shequ.Shanghai).Format("2006-01-02 15:04") {
				t.Errorf("%s: %q", u.Username, got)
			}
		}
		// A call for elderly care only reaches org1's keeper.
		q := fx.aProject(fx.acceptedNeed(t, "助浴服务").ID)
		q.OrgKinds = []shequ.OrgKind{shequ.OrgElderlyCare}
		mustDo(t, fx.s.CreateProject(userContext(fx.worker), q))
		mustDo(t, fx.move(t, fx.worker, q, shequ.ProjectUnderReview))
		mustDo(t, fx.move(t, fx.off, q, shequ.ProjectApproved))
		mustDo(t, fx.move(t, fx.off, q, shequ.ProjectOpenForBids))
		if n1, n2 := len(kindsOf(t, db, fx.om1)), len(kindsOf(t, db, fx.om2)); n1 != 2 || n2 != 1 {
			t.Errorf("keepers told %d and %d times, want 2 and 1", n1, n2)
		}
	})
}

// TestNotificationCentre: unread filter, opening one marks it read, another
// account's notification is not found, marking all read.
func TestNotificationCentre(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newRequestFixture(t, db)
		resident := mustLinkResident(t, fx, &shequ.User{Username: "wangxy"})
		wctx, rctx := actorOf(fx.worker), actorOf(resident)
		r, err := fx.reqs.Submit(wctx, windowInput(fx, "MZ-001"))
		if err != nil {
			t.Fatal(err)
		}
		for _, to := range []shequ.RequestState{shequ.RequestAccepted, shequ.RequestInProcess} {
			if _, err := fx.reqs.Transition(wctx, r.ID, to, shequ.TransitionInput{}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := fx.reqs.Transition(wctx, r.ID, shequ.RequestCompleted, shequ.TransitionInput{Result: "已办结"}); err != nil {
			t.Fatal(err)
		}
		s := NewNotificationService(db, nil)
		all, unread, err := s.FindNotifications(rctx, false, 0, 10)
		if err != nil || len(all) != 2 || unread != 2 {
			t.Fatalf("all = %d, unread %d, %v", len(all), unread, err)
		}
		if _, err := s.OpenNotification(wctx, all[0].ID); !errors.Is(err, shequ.ErrNotFound) {
			t.Errorf("another account opens it: %v", err)
		}
		if _, err := s.OpenNotification(rctx, "not-a-uuid"); !errors.Is(err, shequ.ErrNotFound) {
			t.Errorf("bad id: %v", err)
		}
		n, err := s.OpenNotification(rctx, all[0].ID)
		if err != nil || n.ReadAt == nil || n.Kind != "request_completed" {
			t.Fatalf("open = %+v, %v", n, err)
		}
		left, unread, err := s.FindNotifications(rctx, true, 0, 10)
		if err != nil || len(left) != 1 || unread != 1 || left[0].Kind != "request_accepted" {
			t.Fatalf("unread after opening one: %d %d %v", len(left), unread, err)
		}
		if page, _, err := s.FindNotifications(rctx, false, 1, 10); err != nil || len(page) != 1 || page[0].ID != all[1].ID {
			t.Errorf("second page: %v %v", page, err)
		}
		if err := s.MarkNotificationsRead(rctx); err != nil {
			t.Fatal(err)
		}
		if n, err := s.CountUnread(rctx); err != nil || n != 0 {
			t.Errorf("unread after marking all: %d, %v", n, err)
		}
	})
}

// TestNotificationChannels: a choice is validated, its address sealed
// (never stored in clear) and shown masked; with a sender configured, a
// notification queues a pending outbox row and a delivery job in the
// change's transaction; the job's attempts end in the dead-letter list,
// which only the system administrator reads and retries.
func TestNotificationChannels(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newRequestFixture(t, db)
		resident := mustLinkResident(t, fx, &shequ.User{Username: "wangxy"})
		wctx, rctx := actorOf(fx.worker), actorOf(resident)
		s := NewNotificationService(db, testSealer(t))

		bad := []*shequ.ChannelPref{{Channel: shequ.ChannelEmail, Enabled: true, Address: "not an address", Lang: "zh-CN"},
			{Channel: shequ.ChannelWebhook, Enabled: true, Address: "", Lang: "fr"}}
		err := s.SetChannels(rctx, bad)
		var fields []string
		for _, f := range shequ.AsError(err).Fields {
			fields = append(fields, f.Field)
		}
		for _, f := range []string{"email_address", "webhook_address", "webhook_lang"} {
			if !slices.Contains(fields, f) {
				t.Errorf("no error on %s: %v", f, fields)
			}
		}
		good := []*shequ.ChannelPref{{Channel: shequ.ChannelEmail, Enabled: true, Address: "wangxy@example.com", Lang: "en"},
			{Channel: shequ.ChannelWebhook, Enabled: true, Address: "13800138000", Lang: "zh-CN"}}
		if err := s.SetChannels(rctx, good); err != nil {
			t.Fatal(err)
		}
		got, err := s.Channels(rctx)
		if err != nil || len(got) != 2 || got[0].Address != "wa**xy@example.com" || got[1].Address != "138****8000" ||
			!got[0].Enabled || got[0].Lang != "en" {
			t.Fatalf("channels = %+v %+v, %v", got[0], got[1], err)
		}
		var clear int
		if err := db.db.QueryRow(db.rebind(`SELECT COUNT(*) FROM notification_channels
			WHERE address_enc LIKE ? OR address_enc LIKE ?`), "%wangxy@%", "%13800138000%").Scan(&clear); err != nil || clear != 0 {
			t.Fatalf("%d addresses stored in clear, %v", clear, err)
		}
		// A blank address keeps the stored one: switch e-mail off.
		if err := s.SetChannels(rctx, []*shequ.ChannelPref{{Channel: shequ.ChannelEmail, Enabled: false, Lang: "en"}}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Channels(rctx); got[0].Enabled || got[0].Address != "wa**xy@example.com" {
			t.Fatalf("after switching e-mail off: %+v", got[0])
		}
		if err := s.SetChannels(rctx, good[:1]); err != nil {
			t.Fatal(err)
		}

		// Only e-mail has a sender here: one pending e-mail row and one
		// job per notification, none for the webhook.
		db.SetDeliveryChannels(shequ.ChannelEmail)
		r, err := fx.reqs.Submit(wctx, windowInput(fx, "MZ-001"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fx.reqs.Transition(wctx, r.ID, shequ.RequestAccepted, shequ.TransitionInput{}); err != nil {
			t.Fatal(err)
		}
		var id string
		if err := db.db.QueryRow(`SELECT id FROM notification_outbox WHERE status = 'pending'`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		var jobs int
		if err := db.db.QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'notify_deliver'`).Scan(&jobs); err != nil || jobs != 1 {
			t.Fatalf("%d delivery jobs, %v", jobs, err)
		}
		bg := context.Background()
		if _, err := s.LoadDelivery(rctx, id); !errors.Is(err, shequ.ErrForbidden) {
			t.Errorf("a signed-in account loads a delivery: %v", err)
		}
		d, err := s.LoadDelivery(bg, id)
		if err != nil || d.Address != "wangxy@example.com" || d.Lang != "en" || d.Channel != shequ.ChannelEmail ||
			d.Notification.Kind != "request_accepted" || d.Notification.UserID != resident.ID {
			t.Fatalf("delivery = %+v, %v", d, err)
		}
		mustDo(t, s.DeliveryDone(bg, id, errors.New("connection refused"), false))
		mustDo(t, s.DeliveryDone(bg, id, errors.New("connection refused again"), true))
		admin := mustCreateUser(t, db, "sysadmin1", shequ.RoleSysadmin, "")
		for _, u := range []*shequ.User{resident, fx.worker} {
			if _, err := s.FailedDeliveries(actorOf(u), 10); !errors.Is(err, shequ.ErrForbidden) {
				t.Errorf("%s reads the dead letters: %v", u.Username, err)
			}
		}
		dead, err := s.FailedDeliveries(actorOf(admin), 10)
		if err != nil || len(dead) != 1 || dead[0].ID != id || dead[0].Attempts != 2 ||
			dead[0].LastError != "connection refused again" || dead[0].Address != "wa**xy@example.com" ||
			dead[0].Notification.Subject != "" || dead[0].Notification.Kind != "request_accepted" {
			t.Fatalf("dead letters = %+v, %v", dead, err)
		}
		if err := s.RetryDelivery(actorOf(fx.worker), id); !errors.Is(err, shequ.ErrForbidden) {
			t.Errorf("a worker retries: %v", err)
		}
		mustDo(t, s.RetryDelivery(actorOf(admin), id))
		wantError(t, s.RetryDelivery(actorOf(admin), id), shequ.EConflict, "delivery.not_failed")
		if err := db.db.QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'notify_deliver'`).Scan(&jobs); err != nil || jobs != 2 {
			t.Fatalf("%d delivery jobs after the retry, %v", jobs, err)
		}
		mustDo(t, s.DeliveryDone(bg, id, nil, false))
		if dead, _ := s.FailedDeliveries(actorOf(admin), 10); len(dead) != 0 {
			t.Errorf("still dead after delivery: %+v", dead)
		}
		if n := auditCount(t, db, auditDeliveryRetry, shequ.AuditAllowed, id); n != 1 {
			t.Errorf("%d retry audit records", n)
		}
	})
}
