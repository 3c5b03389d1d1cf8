package sqlstore

import (
	"testing"

	"shequ"
)

// TestUnreadCache: the count of unread notifications is served from the
// cache for a second; a notification added or read through this process
// shows at once; one added by another process (straight into the table)
// shows when the second is over.
func TestUnreadCache(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		c := useClock(db)
		s := NewLinkageService(db)
		u := mustCreateUser(t, db, "unread1", shequ.RoleCommunityWorker, "330523001001")
		other := mustCreateUser(t, db, "unread2", shequ.RoleCommunityWorker, "330523001001")
		ctx := userContext(u)
		unread := func() int {
			t.Helper()
			n, err := s.CountUnread(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		notify := func() {
			t.Helper()
			err := s.write(userContext(other), auditNeedCreate, objNeed, func(ch *change) (string, string, error) {
				ch.notify([]string{u.ID}, "need_submitted", objNeed, newUUID7(), "测试通知")
				return "", "330523001001", nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		if n := unread(); n != 0 {
			t.Fatalf("%d unread at first", n)
		}
		notify()
		if n := unread(); n != 1 {
			t.Errorf("%d unread after a notification of this process, want 1 at once", n)
		}
		// Another process adds one: the cached count stands for its second.
		if _, err := db.db.Exec(db.rebind(`INSERT INTO notifications (id, user_id, kind, object_type, object_id, subject,
			created_at, read_at) VALUES (?, ?, 'need_submitted', 'need', ?, '另一进程', ?, NULL)`),
			newUUID7(), u.ID, newUUID7(), db.dialect.timeArg(c.now())); err != nil {
			t.Fatal(err)
		}
		c.advance(unreadCacheTTL / 2)
		if n := unread(); n != 1 {
			t.Errorf("%d unread within the cache's second, want the cached 1", n)
		}
		c.advance(unreadCacheTTL / 2)
		if n := unread(); n != 2 {
			t.Errorf("%d unread after the cache's second, want 2", n)
		}
		if err := s.MarkNotificationsRead(ctx); err != nil {
			t.Fatal(err)
		}
		if n := unread(); n != 0 {
			t.Errorf("%d unread after marking read, want 0 at once", n)
		}
	})
}
