package sqlstore

import (
	"database/sql"
	"fmt"
	"testing"

	"shequ"
)

// member stores a resident of 苕秀社区 in household hh with a relation, and
// links an account when phone is given.
func (fx *volFx) member(t *testing.T, name, birth, phone, hh string, rel shequ.Relation) (*shequ.Resident, *shequ.User) {
	t.Helper()
	fx.n++
	r := mustCreateResident(t, fx.res, &shequ.Resident{Name: name, Community: tiaoxiu, Phone: shequ.Phone(phone),
		HouseholdID: hh, Relation: rel, IDNumber: shequ.IDNumber(idNumber("330523", birth, fmt.Sprintf("%03d", 300+fx.n)))})
	if phone == "" {
		return r, nil
	}
	u := &shequ.User{Username: fmt.Sprintf("vhh%d", fx.n)}
	return registerVerified(t, fx.res, r, phone, u), u
}

// TestTimeBankFamilyByHolder: the holder adds a member of their own
// household (picked from the register's list) and that member is told;
// another household's person is refused with a field error and nothing is
// written; another resident cannot add to the account nor list its
// household, nor can the family member add others; a worker registers
// anyone; the family member redeems for themself.
func TestTimeBankFamilyByHolder(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newVolFx(t, db)
		cli := cliContext()
		home := &shequ.Household{Community: tiaoxiu, Address: "苕溪路8号"}
		next := &shequ.Household{Community: tiaoxiu, Address: "苕溪路9号"}
		mustDo(t, fx.res.CreateHousehold(cli, home))
		mustDo(t, fx.res.CreateHousehold(cli, next))
		holderRes, holder := fx.member(t, "陈户主", "19580101", "13800138101", home.ID, shequ.RelationHead)
		wifeRes, wife := fx.member(t, "林阿姨", "19600101", "13800138102", home.ID, shequ.RelationSpouse)
		sonRes, _ := fx.member(t, "陈小明", "19850101", "", home.ID, shequ.RelationChild)
		neighRes, neighbour := fx.member(t, "隔壁王", "19700101", "13800138103", next.ID, shequ.RelationHead)
		me := actorOf(holder)

		acc, err := fx.s.AccountOf(me, holderRes.ID)
		if err != nil {
			t.Fatal(err)
		}
		cands, err := fx.s.HouseholdCandidates(me, acc.ID)
		if err != nil || len(cands) != 2 {
			t.Fatalf("household candidates %+v %v", cands, err)
		}
		for _, c := range cands {
			if c.ResidentID != wifeRes.ID && c.ResidentID != sonRes.ID {
				t.Fatalf("candidate of another household: %+v", c)
			}
		}

		// Another household's person: a field error, nothing written.
		err = fx.s.AddFamily(me, acc.ID, shequ.FamilyMember{ResidentID: neighRes.ID, Relation: "邻居"})
		if shequ.ErrorCode(err) != shequ.EInvalid || fieldKeyOf(err, "resident_id") != "timebank.family.household" {
			t.Fatalf("another household's person: %v", err)
		}
		// A resident not of the register, and the holder themself.
		for _, id := range []string{"0190d7a8-0000-7000-8000-000000000000", holderRes.ID} {
			if err := fx.s.AddFamily(me, acc.ID, shequ.FamilyMember{ResidentID: id, Relation: "本人"}); shequ.ErrorCode(err) != shequ.EInvalid {
				t.Fatalf("member %s: %v", id, err)
			}
		}
		// Another resident: not their account.
		if err := fx.s.AddFamily(actorOf(neighbour), acc.ID, shequ.FamilyMember{ResidentID: neighRes.ID, Relation: "朋友"}); shequ.ErrorCode(err) != shequ.ENotFound &&
			shequ.ErrorCode(err) != shequ.EForbidden {
			t.Fatalf("another resident added to the account: %v", err)
		}
		if _, err := fx.s.HouseholdCandidates(actorOf(neighbour), acc.ID); err == nil {
			t.Fatal("another resident listed the household")
		}
		if got, _ := fx.s.FindAccountByID(cli, acc.ID); len(got.Family) != 0 {
			t.Fatalf("refusals wrote family %+v", got.Family)
		}

		// The holder adds the spouse, who is told.
		mustDo(t, fx.s.AddFamily(me, acc.ID, shequ.FamilyMember{ResidentID: wifeRes.ID, Relation: "妻子"}))
		if n := countKind(t, db, wife, "timebank_family_added"); n != 1 {
			t.Fatalf("the spouse was told %d times", n)
		}
		if err := fx.s.AddFamily(me, acc.ID, shequ.FamilyMember{ResidentID: wifeRes.ID, Relation: "妻子"}); shequ.ErrorCode(err) != shequ.EInvalid {
			t.Fatalf("added twice: %v", err)
		}
		if cands, _ = fx.s.HouseholdCandidates(me, acc.ID); len(cands) != 1 || cands[0].ResidentID != sonRes.ID {
			t.Fatalf("candidates after adding %+v", cands)
		}
		// The family member redeems but does not register others.
		if err := fx.s.AddFamily(actorOf(wife), acc.ID, shequ.FamilyMember{ResidentID: sonRes.ID, Relation: "儿子"}); err == nil {
			t.Fatal("a family member registered another")
		}
		mustDo(t, db.withTx(cli, func(tx *sql.Tx) error {
			_, err := fx.s.credit(&change{db: db, ctx: cli, tx: tx, now: testNow}, holderRes.ID, tiaoxiu, 120,
				shequ.LedgerDeposit, "", "seed")
			return err
		}))
		if _, err := fx.s.Withdraw(actorOf(wife), &shequ.Withdrawal{AccountID: acc.ID, BeneficiaryID: wifeRes.ID, Minutes: 60,
			Community: tiaoxiu, Service: "助浴服务"}); err != nil {
			t.Fatalf("the family member redeemed: %v", err)
		}
		// A worker registers anyone of the register.
		mustDo(t, fx.s.AddFamily(actorOf(fx.worker), acc.ID, shequ.FamilyMember{ResidentID: neighRes.ID, Relation: "表弟"}))
		if got, _ := fx.s.FindAccountByID(cli, acc.ID); len(got.Family) != 2 || got.Balance != 60 {
			t.Fatalf("account after %+v", got)
		}
	})
}
