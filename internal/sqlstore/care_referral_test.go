package sqlstore

import (
	"strings"
	"testing"

	"shequ"
)

// referralFx is the care cast with the catalogue and the requests linked:
// MZ-010 takes requests at the window and asks for a bank (required),
// MZ-011 takes them online only.
type referralFx struct {
	*careFx
	reqs    *RequestService
	handler *shequ.User // a worker of 康山村 who handles requests, no care duty
}

func newReferralFx(t *testing.T, db *DB) *referralFx {
	t.Helper()
	fx := &referralFx{careFx: newCareFx(t, db)}
	items := NewServiceItemService(db)
	online := testItem("MZ-011", 5)
	online.Channels = []shequ.Channel{shequ.ChannelOnline}
	if err := items.SaveItems(cliContext(), []*shequ.ServiceItem{testItem("MZ-010", 5), online}); err != nil {
		t.Fatal(err)
	}
	fx.reqs = NewRequestService(db, items, testSealer(t))
	fx.s.LinkRequests(fx.reqs)
	fx.handler = mustCreateUser(t, db, "handler1", shequ.RoleCommunityWorker, kangshan)
	return fx
}

// count counts the rows of table matching cond.
func (fx *referralFx) count(t *testing.T, table, cond string, args ...any) int {
	t.Helper()
	var n int
	if err := fx.db.db.QueryRow(fx.db.rebind(`SELECT COUNT(*) FROM `+table+` WHERE `+cond), args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCareReferralFilesRequest: a referral to a catalogue service item
// files a request for the person in the referral's transaction — by the
// case's worker on the person's behalf, in the community's queue, with its
// timeline event and audit record; the item's rules (window channel,
// required form fields) refuse it with nothing written; the request's
// acceptance accepts the referral, its refusal refuses it with the reason;
// the worker is told, and of missing materials too. Nobody answers such a
// referral by hand; another community's worker cannot refer the case.
func TestCareReferralFilesRequest(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newReferralFx(t, db)
		dir := actorOf(fx.director)
		k := &shequ.Case{ResidentID: fx.child.ID, Area: shequ.AreaCare, Origin: shequ.OriginCare, Summary: "留守儿童需申请救助"}
		mustDo(t, fx.s.OpenCase(dir, k))
		nothingWritten := func(what string) {
			t.Helper()
			if n := fx.count(t, "service_requests", "resident_id = ?", fx.child.ID); n != 0 {
				t.Errorf("%s: %d requests written", what, n)
			}
			if n := fx.count(t, "care_referrals", "case_id = ?", k.ID); n != 0 {
				t.Errorf("%s: %d referrals written", what, n)
			}
		}
		// The item's required field unanswered, an item not taken at the
		// window, an unknown item: field errors, nothing written.
		err := fx.s.ReferCase(dir, k.ID, &shequ.Referral{Target: shequ.ReferToService, ServiceItemID: "MZ-010", Note: "请申请救助"})
		if !hasFieldErr(err, shequ.FieldKey("bank")) {
			t.Errorf("required field unanswered: %v", err)
		}
		nothingWritten("required field")
		for _, code := range []string{"MZ-011", "MZ-999"} {
			err := fx.s.ReferCase(dir, k.ID, &shequ.Referral{Target: shequ.ReferToService, ServiceItemID: code, Note: "请申请",
				Values: map[string][]string{"bank": {"农业银行"}}})
			if !hasFieldErr(err, "service_item_id") {
				t.Errorf("item %s: %v", code, err)
			}
		}
		nothingWritten("wrong items")
		// Another village's 儿童主任 cannot refer the case.
		if err := fx.s.ReferCase(actorOf(fx.otherDirector), k.ID, &shequ.Referral{Target: shequ.ReferToService,
			ServiceItemID: "MZ-010", Note: "请申请", Values: map[string][]string{"bank": {"农业银行"}}}); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Errorf("another village's director refers: %v", err)
		}
		nothingWritten("attacker")

		// The referral files the request.
		ref := &shequ.Referral{Target: shequ.ReferToService, ServiceItemID: "MZ-010", Note: "请为孩子申请临时救助",
			Values: map[string][]string{"bank": {"农业银行"}}}
		mustDo(t, fx.s.ReferCase(dir, k.ID, ref))
		if ref.RequestID == "" || ref.RequestNumber == "" || ref.RequestState != shequ.RequestSubmitted {
			t.Fatalf("referral %+v", ref)
		}
		req := must(fx.reqs.Get(actorOf(fx.handler), ref.RequestID))(t)
		if req.ResidentID != fx.child.ID || req.SubmittedBy != fx.director.ID || req.Channel != shequ.ChannelWindow ||
			req.Community != kangshan || req.State != shequ.RequestSubmitted || req.Description != ref.Note ||
			!strings.Contains(req.IdentityNote, k.Number) || strings.Join(req.Values["bank"], "") != "农业银行" || req.DueAt.IsZero() {
			t.Errorf("request %+v", req)
		}
		// In the community's queue like any other.
		queue, n, err := fx.reqs.Find(actorOf(fx.handler), shequ.RequestFilter{Division: kangshan})
		if err != nil || n != 1 || len(queue) != 1 || queue[0].ID != req.ID {
			t.Errorf("queue %d %v", n, err)
		}
		tl := must(fx.reqs.Timeline(actorOf(fx.handler), req.ID))(t)
		if len(tl) != 1 || tl[0].ActorID != fx.director.ID || !strings.Contains(tl[0].Note, k.Number) {
			t.Errorf("timeline %+v", tl)
		}
		if n := auditCount(t, db, auditRequestSubmit, shequ.AuditAllowed, req.ID); n != 1 {
			t.Errorf("request.submit audited %d times", n)
		}
		if n := auditCount(t, db, auditReferral, shequ.AuditAllowed, k.ID); n != 1 {
			t.Errorf("referral.create audited %d times", n)
		}
		// The case file shows the referral with its request.
		cf := must(fx.s.FindCaseByID(dir, k.ID))(t)
		if len(cf.Referrals) != 1 || cf.Referrals[0].RequestID != req.ID || cf.Referrals[0].RequestNumber != req.Number ||
			cf.Referrals[0].Status != shequ.ReferralPending || cf.Referrals[0].ServiceName == "" {
			t.Fatalf("case referrals %+v", cf.Referrals)
		}
		// Nobody answers it by hand: the request does.
		if _, err := fx.s.AnswerReferral(actorOf(fx.handler), ref.ID, shequ.ReferralAnswer{Accept: true}); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Errorf("answered by hand: %v", err)
		}
		// Accepted: the referral is accepted, the worker told.
		must(fx.reqs.Transition(actorOf(fx.handler), req.ID, shequ.RequestAccepted, shequ.TransitionInput{}))(t)
		cf = must(fx.s.FindCaseByID(dir, k.ID))(t)
		if r := cf.Referrals[0]; r.Status != shequ.ReferralAccepted || r.AnsweredBy != fx.handler.ID || r.AnsweredAt == nil ||
			r.RequestState != shequ.RequestAccepted {
			t.Errorf("after acceptance %+v", r)
		}
		if !fx.notified(t, fx.director, "referral_accepted") || auditCount(t, db, auditReferralAnswer, shequ.AuditAllowed, ref.ID) != 1 {
			t.Error("the acceptance is not told or not audited")
		}
		// Materials missing: the worker is told what.
		must(fx.reqs.Transition(actorOf(fx.handler), req.ID, shequ.RequestAwaitingMaterials,
			shequ.TransitionInput{Missing: []string{"户口簿"}}))(t)
		var detail string
		mustDo(t, db.db.QueryRow(db.rebind(`SELECT detail FROM notifications WHERE user_id = ? AND kind = ?`),
			fx.director.ID, "referral_request_materials").Scan(&detail))
		if detail != "户口簿" {
			t.Errorf("materials notice %q", detail)
		}

		// A second referral, refused: the referral is refused with the
		// request's reason.
		ref2 := &shequ.Referral{Target: shequ.ReferToService, ServiceItemID: "MZ-010", Note: "再次申请",
			Values: map[string][]string{"bank": {"工商银行"}}}
		mustDo(t, fx.s.ReferCase(dir, k.ID, ref2))
		must(fx.reqs.Transition(actorOf(fx.handler), ref2.RequestID, shequ.RequestRefused,
			shequ.TransitionInput{Reason: "不符合申领条件"}))(t)
		cf = must(fx.s.FindCaseByID(dir, k.ID))(t)
		var refused *shequ.Referral
		for _, r := range cf.Referrals {
			if r.ID == ref2.ID {
				refused = r
			}
		}
		if refused == nil || refused.Status != shequ.ReferralRefused || refused.Reason != "不符合申领条件" ||
			!fx.notified(t, fx.director, "referral_refused") {
			t.Errorf("after refusal %+v", refused)
		}

		// A social worker assigned to a case refers to the item although
		// they cannot file requests themselves.
		k2 := &shequ.Case{ResidentID: fx.grandma.ID, Area: shequ.AreaCare, Origin: shequ.OriginCare, Summary: "老人需助餐",
			WorkerID: fx.socialWk.ID}
		mustDo(t, fx.s.OpenCase(cliContext(), k2))
		ref3 := &shequ.Referral{Target: shequ.ReferToService, ServiceItemID: "MZ-010", Note: "请申请高龄津贴",
			Values: map[string][]string{"bank": {"农业银行"}}}
		mustDo(t, fx.s.ReferCase(actorOf(fx.socialWk), k2.ID, ref3))
		req3 := must(fx.reqs.Get(actorOf(fx.handler), ref3.RequestID))(t)
		if req3.SubmittedBy != fx.socialWk.ID || req3.ResidentID != fx.grandma.ID {
			t.Errorf("social worker's request %+v", req3)
		}
	})
}
