package sqlstore

import (
	"context"
	"strings"
	"testing"

	"shequ"
	"shequ/internal/pii"
)

// personalItem is an item whose form asks for a contact phone, the ID
// number of a family member and an address, all personal.
func personalItem() *shequ.ServiceItem {
	it := testItem("MZ-003", 5)
	it.Form = append(it.Form,
		shequ.FormField{Code: "contact_phone", Label: "联系电话", Type: shequ.FieldPhone, Order: 3},
		shequ.FormField{Code: "relative_id", Label: "家属身份证号", Type: shequ.FieldIDNumber, Order: 4},
		shequ.FormField{Code: "address", Label: "现住址", Type: shequ.FieldString, Personal: shequ.PersonalAddress, Order: 5})
	return it
}

// TestRequestPersonalValuesSealed: the phone typed into a service form was
// stored and shown in clear to workers and officials (issue 14). Now such
// values are checked like the register's, sealed at rest, masked on every
// read, and shown in clear only by RevealRequest for a worker, audited.
func TestRequestPersonalValuesSealed(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newRequestFixture(t, db)
		if err := fx.items.SaveItems(cliContext(), []*shequ.ServiceItem{personalItem()}); err != nil {
			t.Fatal(err)
		}
		wctx := actorOf(fx.worker)
		relative := idNumber("330523", "19620401", "013")
		in := windowInput(fx, "MZ-003")
		in.Values["contact_phone"] = []string{"138 5720 1234"}
		in.Values["relative_id"] = []string{relative}
		in.Values["address"] = []string{"安吉县递铺街道胜利西路33号2幢301室"}

		// Bad numbers are field errors, as in the register.
		bad := windowInput(fx, "MZ-003")
		bad.Values["contact_phone"] = []string{"12345"}
		bad.Values["relative_id"] = []string{"330523196204010130"}
		_, err := fx.reqs.Submit(wctx, bad)
		if fieldKeyOf(err, "attribute[contact_phone]") == "" || fieldKeyOf(err, "attribute[relative_id]") == "" {
			t.Fatalf("bad numbers: %v", err)
		}

		r, err := fx.reqs.Submit(wctx, in)
		if err != nil {
			t.Fatal(err)
		}
		wantMasked := func(what string, got map[string][]string) {
			t.Helper()
			if got["contact_phone"][0] != "138****1234" || got["relative_id"][0] != "3****************"+relative[17:] ||
				got["address"][0] != "安吉县递铺街道****" || got["bank"][0] != "农业银行" {
				t.Errorf("%s: values %v", what, got)
			}
		}
		wantMasked("submit", r.Values)
		got, err := fx.reqs.Get(wctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantMasked("get", got.Values)
		list, _, err := fx.reqs.Find(wctx, shequ.RequestFilter{Division: tiaoxiu})
		if err != nil || len(list) != 1 {
			t.Fatal(list, err)
		}
		wantMasked("find", list[0].Values)

		// Nothing of it is in the database in clear.
		var attrs, sealed string
		if err := db.db.QueryRow(db.rebind(`SELECT attrs, attrs_sealed FROM service_requests WHERE id = ?`), r.ID).Scan(&attrs, &sealed); err != nil {
			t.Fatal(err)
		}
		for _, clear := range []string{"13857201234", relative, "胜利西路"} {
			if strings.Contains(attrs, clear) || strings.Contains(sealed, clear) {
				t.Errorf("%s stored in clear: %s %s", clear, attrs, sealed)
			}
		}
		if sealed == "" || strings.Contains(attrs, "contact_phone") {
			t.Errorf("attrs %s, sealed %q", attrs, sealed)
		}

		// Revealed for the worker, audited; refused to an official and to
		// the resident, audited as denied.
		rv, err := fx.reqs.RevealRequest(wctx, r.ID)
		if err != nil || rv.Values["contact_phone"][0] != "13857201234" || rv.Values["relative_id"][0] != relative ||
			rv.Values["address"][0] != "安吉县递铺街道胜利西路33号2幢301室" {
			t.Fatalf("reveal: %v %v", rv, err)
		}
		if n := auditCount(t, db, "request.reveal", shequ.AuditAllowed, ""); n != 1 {
			t.Errorf("reveal records = %d", n)
		}
		_, err = fx.reqs.RevealRequest(asActor(shequ.RoleOfficial, "330523"), r.ID)
		if shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("official reveals: %v", err)
		}
		owner := mustLinkResident(t, fx, &shequ.User{Username: "owner-r"})
		if got, err := fx.reqs.Get(actorOf(owner), r.ID); err != nil || got.Values["contact_phone"][0] != "138****1234" {
			t.Errorf("the resident reads: %v %v", got, err)
		}
		if _, err := fx.reqs.RevealRequest(actorOf(owner), r.ID); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("resident reveals: %v", err)
		}
		if n := auditCount(t, db, "request.reveal", shequ.AuditDenied, ""); n != 2 {
			t.Errorf("denied reveal records = %d", n)
		}
	})
}

// TestRequestPersonalValuesNeedAKey: without a personal-data key a form
// with personal fields is refused rather than stored in clear.
func TestRequestPersonalValuesNeedAKey(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newRequestFixture(t, db)
		fx.reqs = NewRequestService(db, fx.items, nil)
		if err := fx.items.SaveItems(cliContext(), []*shequ.ServiceItem{personalItem()}); err != nil {
			t.Fatal(err)
		}
		in := windowInput(fx, "MZ-003")
		in.Values["contact_phone"] = []string{"13857201234"}
		if _, err := fx.reqs.Submit(actorOf(fx.worker), in); shequ.ErrorCode(err) != shequ.EUnavailable {
			t.Errorf("no key: %v", err)
		}
		// Without personal values the form is fine.
		if _, err := fx.reqs.Submit(actorOf(fx.worker), windowInput(fx, "MZ-003")); err != nil {
			t.Error(err)
		}
	})
}

func TestResealRequests(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newRequestFixture(t, db)
		ring, err := pii.GenerateKeyRing()
		if err != nil {
			t.Fatal(err)
		}
		fx.reqs = NewRequestService(db, fx.items, ring)
		if err := fx.items.SaveItems(cliContext(), []*shequ.ServiceItem{personalItem()}); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for i := range 3 {
			in := windowInput(fx, "MZ-003")
			if i < 2 {
				in.Values["contact_phone"] = []string{"1385720123" + string(rune('0'+i))}
			}
			r, err := fx.reqs.Submit(actorOf(fx.worker), in)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, r.ID)
		}
		if _, err := fx.reqs.ResealRequests(worker(tiaoxiu), nil); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("a worker re-seals: %v", err)
		}
		if _, err := ring.Rotate(); err != nil {
			t.Fatal(err)
		}
		n, err := fx.reqs.ResealRequests(cliContext(), nil)
		if err != nil || n != 2 {
			t.Fatalf("ResealRequests = %d, %v", n, err)
		}
		if err := ring.Retire(1); err != nil {
			t.Fatal(err)
		}
		rv, err := fx.reqs.RevealRequest(actorOf(fx.worker), ids[1])
		if err != nil || rv.Values["contact_phone"][0] != "13857201231" {
			t.Fatalf("after rotation: %v %v", rv, err)
		}
	})
}

// TestIDSearchNeedsReveal: finding a resident by a whole ID number confirms
// the number, so a reader who may not reveal cannot (an official could
// otherwise test candidates for a masked number until one matched).
func TestIDSearchNeedsReveal(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := newResidents(t, db)
		id := idNumber("330523", "19520312", "011")
		mustCreateResident(t, s, &shequ.Resident{Name: "王建国", IDNumber: shequ.IDNumber(id), Community: tiaoxiu})
		_, _, err := s.FindResidents(asActor(shequ.RoleOfficial, "330523"), shequ.ResidentFilter{IDNumber: id})
		if shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("official searches by ID number: %v", err)
		}
		if n := auditCount(t, db, "resident.search_id", shequ.AuditDenied, ""); n != 1 {
			t.Errorf("denied search records = %d", n)
		}
		if _, total, err := s.FindResidents(asActor(shequ.RoleOfficial, "330523"), shequ.ResidentFilter{Query: "王"}); err != nil || total != 1 {
			t.Errorf("official searches by name: %d %v", total, err)
		}
		if _, total, err := s.FindResidents(worker(tiaoxiu), shequ.ResidentFilter{IDNumber: id}); err != nil || total != 1 {
			t.Errorf("worker searches by ID number: %d %v", total, err)
		}
	})
}

// TestHouseholdAddressMasked: the address of a household comes masked; a
// worker may reveal it, audited; an official may not.
func TestHouseholdAddressMasked(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		s := newResidents(t, db)
		h := &shequ.Household{Community: tiaoxiu, Address: "安吉县递铺街道胜利西路33号2幢301室"}
		if err := s.CreateHousehold(cliContext(), h); err != nil {
			t.Fatal(err)
		}
		official := asActor(shequ.RoleOfficial, "330523")
		for _, ctx := range []context.Context{worker(tiaoxiu), official} {
			got, err := s.FindHouseholdByID(ctx, h.ID, false)
			if err != nil || got.Address != "安吉县递铺街道****" {
				t.Errorf("masked address: %v %v", got, err)
			}
		}
		got, err := s.FindHouseholdByID(worker(tiaoxiu), h.ID, true)
		if err != nil || got.Address != h.Address {
			t.Errorf("revealed address: %v %v", got, err)
		}
		if _, err := s.FindHouseholdByID(official, h.ID, true); shequ.ErrorCode(err) != shequ.EForbidden {
			t.Errorf("official reveals: %v", err)
		}
		if n := auditCount(t, db, "household.reveal", shequ.AuditAllowed, ""); n != 1 {
			t.Errorf("reveal records = %d", n)
		}
		if n := auditCount(t, db, "household.reveal", shequ.AuditDenied, ""); n != 1 {
			t.Errorf("denied reveal records = %d", n)
		}
	})
}
