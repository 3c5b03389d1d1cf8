package sqlstore

import (
	"context"
	"testing"

	"shequ"
)

// A rotation re-seals every module's sealed values, whatever their table's
// key: a care report (six columns, one NULL) and the notification
// addresses (a key of two columns, taken one row per batch so the batches
// must follow one another); after it nothing is under the old key, which
// can be retired, and both read back with the new key alone.
func TestResealAllModules(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		fx := newCareFx(t, db)
		ring := testSealer(t)
		anon := shequ.WithRequestMeta(ctx, shequ.RequestMeta{ClientAddr: "192.0.2.30", RequestID: "public"})
		r := &shequ.CareReport{Community: kangshan, ReporterKind: shequ.ReporterTeacher, ReporterName: "陈老师",
			ReporterOrg: "康山小学", ChildName: "小明", ChildAge: 11, Where: "康山村5组12号",
			Concern: shequ.ConcernLivingAlone, Details: "孩子连续一周独自在家，晚上无人照看。"}
		mustDo(t, fx.s.SubmitReport(anon, r))
		notify := NewNotificationService(db, ring)
		prefs := []*shequ.ChannelPref{{Channel: shequ.ChannelEmail, Enabled: true, Address: "lizr@example.com", Lang: "zh-CN"},
			{Channel: shequ.ChannelWebhook, Enabled: true, Address: "13800138000", Lang: "zh-CN"}}
		for _, u := range []*shequ.User{fx.director, fx.supervisor} {
			mustDo(t, notify.SetChannels(actorOf(u), prefs))
		}
		if _, err := ring.Rotate(); err != nil {
			t.Fatal(err)
		}
		counts := must(db.CountSealed(ctx, []uint32{1}))(t)
		if counts[1]["care_reports.details_enc"] != 1 || counts[1]["care_reports.phone_enc"] != 0 ||
			counts[1]["notification_channels.address_enc"] != 4 {
			t.Fatalf("before: %v", counts[1])
		}

		channels := sealedTableNamed("notification_channels")
		channels.batch = 1
		n, err := resealTable(cliContext(), db, ring, channels, nil)
		if err != nil || n != 4 {
			t.Fatalf("re-seal the addresses one by one: %d, %v", n, err)
		}
		var batches int
		mustDo(t, db.db.QueryRow(db.rebind(`SELECT COUNT(*) FROM audit_log WHERE action = ? AND detail = ?`),
			auditChannelsReseal, "count=1").Scan(&batches))
		if batches != 4 {
			t.Errorf("%d batches of one address audited, want 4", batches)
		}
		if _, err := db.ResealAll(cliContext(), ring, nil); err != nil {
			t.Fatal(err)
		}
		if counts := must(db.CountSealed(ctx, []uint32{1}))(t); counts[1][""] != 0 {
			t.Fatalf("after: %v", counts[1])
		}
		if err := ring.Retire(1); err != nil {
			t.Fatal(err)
		}
		file := must(NewCareService(db, ring).FindAlertByID(actorOf(fx.director), r.AlertID))(t)
		if file.Report == nil || file.Report.Details != r.Details || file.Report.ReporterOrg != "康山小学" {
			t.Fatalf("report after rotation: %+v", file.Report)
		}
		got := must(notify.Channels(actorOf(fx.supervisor)))(t)
		if len(got) != 2 || got[0].Address != "l***@example.com" || got[1].Address != "138****8000" {
			t.Fatalf("addresses after rotation: %+v %+v", got[0], got[1])
		}
	})
}
