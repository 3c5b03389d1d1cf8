package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"shequ"
)

// volFx is the cast of the volunteer tests in 安吉县: a community worker of
// 苕秀社区, a county official, a resident volunteer with an account and an
// elderly resident with an account, a keeper of an organization.
type volFx struct {
	db              *DB
	s               *VolunteerService
	res             *ResidentService
	clock           *testClock
	worker, county  *shequ.User
	keeper          *shequ.User
	org             *shequ.SocialOrg
	vol, elder      *shequ.User
	volRes, elderRs *shequ.Resident
	n               int
}

func newVolFx(t *testing.T, db *DB) *volFx {
	t.Helper()
	mustImport(t, db, divisionsOf(fixture...))
	fx := &volFx{db: db, s: NewVolunteerService(db, testSealer(t)), res: NewResidentService(db, testSealer(t)),
		clock: newTestClock(testNow)}
	fx.s.Now = fx.clock.Now
	fx.worker = mustCreateUser(t, db, "vworker", shequ.RoleCommunityWorker, tiaoxiu)
	fx.county = mustCreateUser(t, db, "vcounty", shequ.RoleOfficial, "330523")
	fx.keeper = mustCreateUser(t, db, "vkeeper", shequ.RoleOrgMember, tiaoxiu)
	org := anOrg("苕秀志愿者协会", tiaoxiu)
	org.OwnerUserIDs = []string{fx.keeper.ID}
	fx.org = mustCreateOrg(t, NewOrgService(db, testSealer(t)), org)
	fx.volRes, fx.vol = fx.linked(t, "李志愿", "19900101", "13800138001")
	fx.elderRs, fx.elder = fx.linked(t, "王阿婆", "19450101", "13800138002")
	return fx
}

// linked stores a resident of 苕秀社区 and links an account to them.
func (fx *volFx) linked(t *testing.T, name, birth, phone string) (*shequ.Resident, *shequ.User) {
	t.Helper()
	fx.n++
	r := mustCreateResident(t, fx.res, &shequ.Resident{Name: name, Community: tiaoxiu, Phone: shequ.Phone(phone),
		IDNumber: shequ.IDNumber(idNumber("330523", birth, fmt.Sprintf("%03d", 200+fx.n)))})
	u := &shequ.User{Username: fmt.Sprintf("vres%d", fx.n)}
	return registerVerified(t, fx.res, r, phone, u), u
}

// opportunity is an elderly-care opportunity today 16:00–18:00 in 苕秀社区.
func (fx *volFx) opportunity(kind shequ.OrganizerKind) *shequ.Opportunity {
	o := &shequ.Opportunity{Title: "陪伴独居老人", Community: tiaoxiu, OrganizerKind: kind, Category: shequ.CatElderly,
		Day: parseDay("2026-11-29"), Start: "16:00", End: "18:00", Place: "苕秀社区日间照料中心", Slots: 2,
		Skills: []shequ.VolunteerSkill{shequ.SkillElderlyCare}}
	if kind == shequ.OrganizerOrg {
		o.OrgID = fx.org.ID
	}
	return o
}

func TestVolunteerJourney(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newVolFx(t, db)
		me, worker, keeper := actorOf(fx.vol), actorOf(fx.worker), actorOf(fx.keeper)

		// Bad input leaves nothing written.
		bad := &shequ.Volunteer{EmergencyName: "张三"}
		if err := fx.s.Join(me, bad); shequ.ErrorCode(err) != shequ.EInvalid {
			t.Fatalf("join without skills: %v", err)
		}
		if _, n, _ := fx.s.FindVolunteers(worker, shequ.VolunteerFilter{}); n != 0 {
			t.Fatalf("a refused join wrote %d volunteers", n)
		}
		v := &shequ.Volunteer{Skills: []shequ.VolunteerSkill{shequ.SkillElderlyCare, shequ.SkillDigital},
			Availability: []shequ.Availability{shequ.Availabilities[0]}, EmergencyName: "李父", EmergencyPhone: "13900001234"}
		mustDo(t, fx.s.Join(me, v))
		if v.Community != tiaoxiu || v.Name != "李志愿" {
			t.Fatalf("joined %+v", v)
		}
		again := *v
		if err := fx.s.Join(me, &again); shequ.ErrorCode(err) != shequ.EInvalid {
			t.Fatalf("joined twice: %v", err)
		}
		// The worker sees the contact masked, revealed on request.
		got, err := fx.s.FindVolunteerByID(worker, v.ID, false)
		if err != nil || got.EmergencyPhone == "13900001234" || got.EmergencyName == "李父" {
			t.Fatalf("masked read %+v %v", got, err)
		}
		if got, err = fx.s.FindVolunteerByID(worker, v.ID, true); err != nil || got.EmergencyPhone != "13900001234" {
			t.Fatalf("revealed read %+v %v", got, err)
		}
		// Another resident does not see it.
		if _, err := fx.s.FindVolunteerByID(actorOf(fx.elder), v.ID, false); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Fatalf("another resident read the volunteer: %v", err)
		}

		// The organization's keeper publishes; the volunteer signs up.
		o := fx.opportunity(shequ.OrganizerOrg)
		mustDo(t, fx.s.CreateOpportunity(keeper, o))
		other := fx.opportunity(shequ.OrganizerCommunity)
		if err := fx.s.CreateOpportunity(keeper, other); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Fatalf("keeper published for the community: %v", err)
		}
		x, err := fx.s.SignUp(me, o.ID)
		if err != nil || x.State != shequ.SignupSigned {
			t.Fatalf("sign up %+v %v", x, err)
		}
		if _, err := fx.s.SignUp(me, o.ID); shequ.ErrorCode(err) != shequ.EConflict {
			t.Fatalf("signed up twice: %v", err)
		}
		// Check in and out by the code the organizer shows.
		token, err := fx.s.ScanToken(keeper, o.ID)
		if err != nil || token == "" {
			t.Fatalf("token %q %v", token, err)
		}
		if _, err := fx.s.ScanToken(me, o.ID); err == nil {
			t.Fatal("the volunteer read the organizer's code")
		}
		if _, err := fx.s.Scan(me, token+"x"); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Fatalf("a wrong code: %v", err)
		}
		if x, err = fx.s.Scan(me, token); err != nil || x.State != shequ.SignupCheckedIn {
			t.Fatalf("check in %+v %v", x, err)
		}
		fx.clock.Add(75 * time.Minute)
		if x, err = fx.s.Scan(me, token); err != nil || x.State != shequ.SignupCheckedOut || x.Minutes != 75 {
			t.Fatalf("check out %+v %v", x, err)
		}
		// The volunteer cannot confirm their own hours.
		if _, err := fx.s.ConfirmSignup(me, x.ID, shequ.Confirmation{}); err == nil {
			t.Fatal("the volunteer confirmed their own hours")
		}
		// Another minute count needs a reason.
		ninety := 90
		if _, err := fx.s.ConfirmSignup(keeper, x.ID, shequ.Confirmation{Minutes: &ninety}); shequ.ErrorCode(err) != shequ.EInvalid {
			t.Fatalf("confirm without a reason: %v", err)
		}
		if x, err = fx.s.ConfirmSignup(keeper, x.ID, shequ.Confirmation{}); err != nil || x.State != shequ.SignupConfirmed ||
			x.RecordID == "" {
			t.Fatalf("confirm %+v %v", x, err)
		}
		recs, n, err := fx.s.FindRecords(me, shequ.RecordFilter{})
		if err != nil || n != 1 || recs[0].Minutes != 75 || recs[0].Organizer != "苕秀志愿者协会" {
			t.Fatalf("own records %d %+v %v", n, recs, err)
		}
		// Elderly care deposits 1:1.
		accs, err := fx.s.MyAccounts(me)
		if err != nil || len(accs) != 1 || accs[0].Balance != 75 {
			t.Fatalf("account after the deposit %+v %v", accs, err)
		}

		// A correction is a new record; the deposit follows it.
		if _, err := fx.s.CorrectRecord(me, recs[0].ID, shequ.Correction{Minutes: 60, Reason: "提前离开"}); err == nil {
			t.Fatal("the volunteer corrected their own record")
		}
		fixed, err := fx.s.CorrectRecord(keeper, recs[0].ID, shequ.Correction{Minutes: 60, Reason: "提前离开"})
		if err != nil || fixed.Corrects != recs[0].ID || fixed.Minutes != 60 {
			t.Fatalf("correct %+v %v", fixed, err)
		}
		if _, err := fx.s.CorrectRecord(keeper, recs[0].ID, shequ.Correction{Minutes: 50, Reason: "再改"}); shequ.ErrorCode(err) != shequ.EConflict {
			t.Fatalf("corrected a superseded record: %v", err)
		}
		if accs, _ = fx.s.MyAccounts(me); accs[0].Balance != 60 {
			t.Fatalf("balance after the correction %d", accs[0].Balance)
		}
		all, n, _ := fx.s.FindRecords(worker, shequ.RecordFilter{All: true})
		if n != 2 || all[0].SupersededBy != "" && all[1].SupersededBy != "" {
			t.Fatalf("records with the superseded one: %d %+v", n, all)
		}

		// The certificate verifies; a tampered code does not.
		cert, err := fx.s.IssueCertificate(me, v.ID, parseDay("2026-01-01"), parseDay("2026-12-31"))
		if err != nil || cert.Minutes != 60 || cert.Records != 1 || cert.Code == "" {
			t.Fatalf("certificate %+v %v", cert, err)
		}
		check, err := fx.s.VerifyCertificate(context.Background(), cert.Code)
		if err != nil || check.Number != cert.Number || check.Name != "李**" || check.Minutes != 60 {
			t.Fatalf("verify %+v %v", check, err)
		}
		tampered := []byte(cert.Code)
		if tampered[0] == 'A' {
			tampered[0] = 'B'
		} else {
			tampered[0] = 'A'
		}
		if _, err := fx.s.VerifyCertificate(context.Background(), string(tampered)); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Fatalf("a tampered code verified: %v", err)
		}
		if _, err := fx.s.IssueCertificate(actorOf(fx.elder), v.ID, parseDay("2026-01-01"), parseDay("2026-12-31")); err == nil {
			t.Fatal("another resident issued the volunteer's certificate")
		}

		// The holder redeems; a family member too; never beyond the balance.
		// The grandmother lives in another household: the worker registers
		// her (the holder may not).
		acc := accs[0]
		if err := fx.s.AddFamily(me, acc.ID, shequ.FamilyMember{ResidentID: fx.elderRs.ID, Relation: "外婆"}); shequ.ErrorCode(err) != shequ.EInvalid {
			t.Fatalf("the holder added another household's person: %v", err)
		}
		mustDo(t, fx.s.AddFamily(actorOf(fx.worker), acc.ID, shequ.FamilyMember{ResidentID: fx.elderRs.ID, Relation: "外婆"}))
		if _, err := fx.s.Withdraw(actorOf(fx.elder), &shequ.Withdrawal{AccountID: acc.ID, BeneficiaryID: fx.elderRs.ID,
			Minutes: 30, Community: kangshan, Service: "上门助浴"}); err != nil {
			t.Fatalf("family withdrawal: %v", err)
		}
		if _, err := fx.s.Withdraw(me, &shequ.Withdrawal{AccountID: acc.ID, Minutes: 31, Community: tiaoxiu,
			Service: "助餐"}); shequ.ErrorCode(err) != shequ.EConflict {
			t.Fatalf("overdraft: %v", err)
		}
		entries, _, err := fx.s.Ledger(me, acc.ID, 0, 50)
		if err != nil || len(entries) != 3 || entries[0].Balance != 30 {
			t.Fatalf("ledger %+v %v", entries, err)
		}
		book, err := fx.s.CountyBook(actorOf(fx.county), "330523")
		if err != nil || book.OwedMinutes != 30 || book.Redeemed != 30 || book.Volunteers != 1 || book.ServingSkill != 1 {
			t.Fatalf("county book %+v %v", book, err)
		}
		if _, err := fx.s.CountyBook(me, "330523"); err == nil {
			t.Fatal("a resident read the county book")
		}
	})
}

// TestTimeBankLedgerProperty moves random minutes between random accounts
// concurrently: every balance is the sum of its entries, deposits minus
// withdrawals, transfers sum to zero, and no balance goes below zero.
func TestTimeBankLedgerProperty(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *DB) {
		fx := newVolFx(t, db)
		cli := cliContext()
		// Accounts of two counties (安吉县, 长兴县); withdrawals are served
		// in a community of either (通存通兑), transfers cross too.
		mustImport(t, db, divisionsOf([2]string{"330522", "长兴县"}, [2]string{"330522001", "雉城街道"},
			[2]string{"330522001001", "钮店湾居委会"}))
		const changxing = "330522001001"
		communities := []string{tiaoxiu, changxing}
		const accounts = 6
		ids := make([]string, accounts)
		for i := range ids {
			comm := communities[i%2]
			r := mustCreateResident(t, fx.res, &shequ.Resident{Name: fmt.Sprintf("储户%d", i), Community: comm,
				IDNumber: shequ.IDNumber(idNumber(comm[:6], "19600101", fmt.Sprintf("%03d", 500+i)))})
			acc, err := fx.s.AccountOf(cli, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			ids[i] = acc.ID
			// Seed each account through a deposit entry.
			mustDo(t, db.withTx(cli, func(tx *sql.Tx) error {
				_, err := fx.s.credit(&change{db: db, ctx: cli, tx: tx, now: testNow}, r.ID, comm, 100,
					shequ.LedgerDeposit, "", "seed")
				return err
			}))
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		okMoves, refused := 0, 0
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(w), 17))
				for range 25 {
					from := ids[rng.IntN(accounts)]
					m := 1 + rng.IntN(80)
					var err error
					if rng.IntN(2) == 0 {
						_, err = fx.s.Withdraw(cli, &shequ.Withdrawal{AccountID: from, Minutes: m,
							Community: communities[rng.IntN(2)], Service: "助餐服务"})
					} else {
						to := ids[rng.IntN(accounts)]
						if to == from {
							continue
						}
						_, err = fx.s.Transfer(cli, &shequ.Transfer{From: from, To: to, Minutes: m})
					}
					mu.Lock()
					switch {
					case err == nil:
						okMoves++
					case shequ.ErrorCode(err) == shequ.EConflict:
						refused++
					default:
						t.Errorf("move: %v", err)
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if okMoves == 0 || refused == 0 {
			t.Logf("moves %d, refused %d", okMoves, refused)
		}
		var sumTransfers int
		if err := db.db.QueryRowContext(t.Context(), `SELECT COALESCE(SUM(minutes), 0) FROM timebank_entries
			WHERE kind = 'transfer_in' OR kind = 'transfer_out'`).Scan(&sumTransfers); err != nil {
			t.Fatal(err)
		}
		if sumTransfers != 0 {
			t.Errorf("transfers sum to %d", sumTransfers)
		}
		for _, id := range ids {
			var balance, deposited, withdrawn, sum, negative int
			if err := db.db.QueryRowContext(t.Context(), db.rebind(`SELECT balance, deposited, withdrawn FROM timebank_accounts
				WHERE id = ?`), id).Scan(&balance, &deposited, &withdrawn); err != nil {
				t.Fatal(err)
			}
			if err := db.db.QueryRowContext(t.Context(), db.rebind(`SELECT COALESCE(SUM(minutes), 0),
				COALESCE(SUM(CASE WHEN balance < 0 THEN 1 ELSE 0 END), 0) FROM timebank_entries WHERE account_id = ?`), id).
				Scan(&sum, &negative); err != nil {
				t.Fatal(err)
			}
			if balance < 0 || balance != sum || negative != 0 {
				t.Errorf("account %s: balance %d, entries sum %d, %d negative balances", id, balance, sum, negative)
			}
			var in, out int
			if err := db.db.QueryRowContext(t.Context(), db.rebind(`SELECT
				COALESCE(SUM(CASE WHEN kind = 'deposit' OR kind = 'correction' THEN minutes ELSE 0 END), 0),
				COALESCE(SUM(CASE WHEN kind = 'withdrawal' THEN -minutes ELSE 0 END), 0)
				FROM timebank_entries WHERE account_id = ?`), id).Scan(&in, &out); err != nil {
				t.Fatal(err)
			}
			if deposited != in || withdrawn != out {
				t.Errorf("account %s: deposited %d (entries %d), withdrawn %d (entries %d)", id, deposited, in, withdrawn, out)
			}
		}
		// Every entry's balance is the running sum in order.
		for _, id := range ids {
			rows, err := db.db.QueryContext(t.Context(), db.rebind(`SELECT minutes, balance FROM timebank_entries
				WHERE account_id = ? ORDER BY created_at, id`), id)
			if err != nil {
				t.Fatal(err)
			}
			run := 0
			for rows.Next() {
				var m, b int
				if err := rows.Scan(&m, &b); err != nil {
					t.Fatal(err)
				}
				run += m
				if b != run {
					t.Errorf("account %s: entry balance %d, running sum %d", id, b, run)
				}
			}
			rows.Close()
		}
		// The counties' books: the balances held are what each owes; what
		// one county's holders redeemed in the other is what the other
		// served for them.
		prov := actorOf(mustCreateUser(t, db, "vprov", shequ.RoleOfficial, "33"))
		books := map[string]*shequ.TimeBankCounty{}
		owed := 0
		for _, c := range communities {
			b, err := fx.s.CountyBook(prov, c[:6])
			if err != nil {
				t.Fatal(err)
			}
			books[c[:6]] = b
			owed += b.OwedMinutes
		}
		var total, cross int
		if err := db.db.QueryRowContext(t.Context(), `SELECT COALESCE(SUM(balance), 0) FROM timebank_accounts`).Scan(&total); err != nil {
			t.Fatal(err)
		}
		if err := db.db.QueryRowContext(t.Context(), `SELECT COALESCE(SUM(-e.minutes), 0) FROM timebank_entries e
			JOIN timebank_accounts a ON a.id = e.account_id WHERE e.kind = 'withdrawal'
			AND substr(e.community, 1, 6) <> substr(a.community, 1, 6)`).Scan(&cross); err != nil {
			t.Fatal(err)
		}
		aj, cx := books["330523"], books["330522"]
		if owed != total || aj.RedeemedOutside != cx.ServedForOthers || cx.RedeemedOutside != aj.ServedForOthers ||
			aj.RedeemedOutside+cx.RedeemedOutside != cross {
			t.Errorf("books %+v %+v: owed %d of %d, cross-county %d", aj, cx, owed, total, cross)
		}
		// The ledger names both counties of a cross-county withdrawal.
		seen := 0
		for _, id := range ids {
			entries, _, err := fx.s.Ledger(cli, id, 0, 500)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if e.HolderCommunity == "" || (e.CrossCounty() != (e.Kind == shequ.LedgerWithdrawal && e.Community[:6] != e.HolderCommunity[:6])) {
					t.Fatalf("entry %+v", e)
				}
				if e.CrossCounty() {
					seen++
				}
			}
		}
		if cross > 0 && seen == 0 {
			t.Errorf("%d cross-county minutes but no entry marked", cross)
		}
		t.Logf("%s: %d moves, %d refused, %d cross-county minutes", db.Engine(), okMoves, refused, cross)
	})
}

func TestWorkforceStore(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, db *DB) {
		mustImport(t, db, divisionsOf(fixture...))
		s := NewWorkforceService(db)
		s.Now = func() time.Time { return testNow }
		worker := actorOf(mustCreateUser(t, db, "wfworker", shequ.RoleCommunityWorker, tiaoxiu))
		outsider := actorOf(mustCreateUser(t, db, "wfout", shequ.RoleCommunityWorker, kangshan))
		day := func(s string) *time.Time { d := parseDay(s); return &d }
		reg := day("2024-03-01")
		m := &shequ.WorkforceMember{Name: "陈社工", Community: tiaoxiu, Post: shequ.Posts[len(shequ.Posts)-1],
			Education: shequ.Educations[0], AgeBand: shequ.AgeBands[0], Qualification: shequ.QualAssistant,
			RegisteredOn: reg, HiredOn: parseDay("2020-05-01")}
		mustDo(t, s.CreateMember(worker, m))
		left := &shequ.WorkforceMember{Name: "赵委员", Community: tiaoxiu, Post: shequ.Posts[0], Education: shequ.Educations[0],
			AgeBand: shequ.AgeBands[0], HiredOn: parseDay("2023-01-01"), LeftOn: day("2026-06-30")}
		if err := s.CreateMember(worker, left); shequ.ErrorCode(err) != shequ.EInvalid {
			t.Fatalf("a leaver without a reason: %v", err)
		}
		left.LeaveReason = shequ.LeavePay
		mustDo(t, s.CreateMember(worker, left))
		if err := s.CreateMember(outsider, &shequ.WorkforceMember{Name: "越权", Community: tiaoxiu, Post: shequ.Posts[0],
			Education: shequ.Educations[0], AgeBand: shequ.AgeBands[0], HiredOn: parseDay("2023-01-01")}); shequ.ErrorCode(err) != shequ.ENotFound {
			t.Fatalf("another community's worker wrote: %v", err)
		}
		f, err := s.Retention(worker, tiaoxiu)
		if err != nil || f.Employed != 1 || f.Base12 != 2 || f.Retained12 != 1 || f.LeaversByWhy[shequ.LeavePay] != 1 {
			t.Fatalf("retention %+v %v", f, err)
		}
		c := &shequ.Course{Title: "社会工作实务", Organizer: "安吉县民政局", Community: tiaoxiu, Topic: shequ.TopicSocialWork,
			Day: parseDay("2026-10-10"), Minutes: 12 * 60}
		mustDo(t, s.CreateCourse(worker, c))
		mustDo(t, s.RecordAttendance(worker, &shequ.Attendance{CourseID: c.ID, MemberID: m.ID}))
		if err := s.RecordAttendance(worker, &shequ.Attendance{CourseID: c.ID, MemberID: m.ID, Minutes: 13 * 60}); shequ.ErrorCode(err) != shequ.EInvalid {
			t.Fatalf("more hours than the course: %v", err)
		}
		ce, err := s.ContinuingEducation(worker, tiaoxiu, false)
		if err != nil || len(ce) != 1 || ce[0].Done != 12*60 || ce[0].Required != 72*60 {
			t.Fatalf("continuing education %+v %v", ce, err)
		}
		ms, n, err := s.FindMembers(worker, shequ.WorkforceFilter{Current: true})
		if err != nil || n != 1 || ms[0].ID != m.ID {
			t.Fatalf("current members %d %+v %v", n, ms, err)
		}
	})
}
