package demo

import (
	"context"
	"fmt"
	"time"

	"shequ"
)

// Password is the password of every demo account. It is published in the
// README: a demo database must never hold real data.
const Password = "anji-demo-2026"

// Community is the demo community: 递铺街道的第一个社区.
const Community = "330523001002"

// Account is a demo account.
type Account struct {
	Username string
	Role     shequ.Role
	Scope    string
}

// Accounts lists one demo account per role in 安吉县.
var Accounts = []Account{
	{"demo-resident", shequ.RoleResident, Community},
	{"demo-worker", shequ.RoleCommunityWorker, Community},
	{"demo-org", shequ.RoleOrgMember, "330523001"},
	{"demo-social", shequ.RoleSocialWorker, "330523001"},
	{"demo-property", shequ.RolePropertyStaff, "330523001"},
	{"demo-official", shequ.RoleOfficial, County},
	{"demo-auditor", shequ.RoleAuditor, County},
	{"demo-sysadmin", shequ.RoleSysadmin, County},
	{"demo-secadmin", shequ.RoleSecadmin, County},
}

// residentSeeds are synthetic residents: names, birth dates and the
// sequence digits of made-up ID numbers (address code of 安吉县, real check
// characters), tags. None is a real person.
var residentSeeds = []struct {
	name  string
	birth string
	seq   string
	phone string
	tags  []string
}{
	{"王建国", "19520312", "011", "13857200001", []string{"veteran"}},
	{"李秀英", "19550708", "022", "13857200002", []string{"left_behind_elderly", "dibao"}},
	{"张伟", "19800115", "031", "13857200003", nil},
	{"刘芳", "19850620", "042", "13857200004", []string{"left_behind_woman"}},
	{"陈明", "20120905", "051", "", []string{"left_behind_child"}},
	{"杨丽", "19900228", "062", "13857200006", []string{"disabled"}},
	{"赵强", "19751111", "071", "13857200007", []string{"relocated"}},
	{"黄敏", "19480402", "082", "13857200008", []string{"tekun"}},
	{"周杰", "20150714", "091", "", nil},
	{"吴静", "19680930", "102", "13857200010", nil},
}

// loadAccounts creates the demo accounts and residents; the demo resident
// account is linked to the first resident through self-registration.
func loadAccounts(ctx context.Context, s Services) error {
	hash, err := s.Hasher.Hash(Password)
	if err != nil {
		return err
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	var rs []*shequ.Resident
	for i, seed := range residentSeeds {
		idNumber, _, err := seedIdentity(i, now)
		if err != nil {
			return err
		}
		id, _ := shequ.ParseIDNumber(idNumber, now())
		r := &shequ.Resident{Name: seed.name, IDNumber: id, Phone: shequ.Phone(seed.phone), Community: Community}
		for _, t := range seed.tags {
			r.Tags = append(r.Tags, shequ.Tag(t))
		}
		rs = append(rs, r)
	}
	if err := s.Residents.ImportResidents(ctx, rs); err != nil {
		return fmt.Errorf("demo residents: %w", err)
	}
	for _, a := range Accounts {
		u := &shequ.User{Username: a.Username, Role: a.Role, Scope: a.Scope, Name: a.Username}
		if a.Role == shequ.RoleResident {
			if err := registerLinked(ctx, s, string(rs[0].IDNumber), string(rs[0].Phone), u, hash); err != nil {
				return fmt.Errorf("demo account %s: %w", a.Username, err)
			}
			continue
		}
		if err := s.Users.CreateUser(ctx, u, hash); err != nil {
			return fmt.Errorf("demo account %s: %w", a.Username, err)
		}
	}
	return nil
}

// seedIdentity returns the ID number and the phone of the i-th synthetic
// resident, with which an account registers and links to it.
func seedIdentity(i int, now func() time.Time) (idNumber, phone string, err error) {
	if now == nil {
		now = time.Now
	}
	seed := residentSeeds[i]
	first17 := "330523" + seed.birth + seed.seq
	id, err := shequ.ParseIDNumber(first17+string(shequ.IDCheckChar(first17)), now())
	if err != nil {
		return "", "", fmt.Errorf("demo resident %s: %w", seed.name, err)
	}
	return string(id), seed.phone, nil
}

// registerLinked registers a resident account as a person would (a pending
// account claiming the resident of idNumber and phone) and verifies it at
// the window, as the console, so that the demo's resident accounts are
// linked to their records from the start.
func registerLinked(ctx context.Context, s Services, idNumber, phone string, u *shequ.User, hash string) error {
	v, ok := s.Residents.(shequ.AccountVerifier)
	if !ok {
		return fmt.Errorf("demo: the resident service cannot verify accounts")
	}
	if err := s.Residents.RegisterAccount(ctx, idNumber, phone, u, hash); err != nil {
		return err
	}
	rs, _, err := s.Residents.FindResidents(ctx, shequ.ResidentFilter{IDNumber: idNumber, Limit: 1})
	if err != nil {
		return err
	}
	if len(rs) != 1 {
		return fmt.Errorf("demo: no resident with the ID number of %s", u.Username)
	}
	r, err := v.VerifyAtWindow(ctx, rs[0].ID, u.ID)
	if err != nil {
		return err
	}
	u.Scope, u.VerifyState = r.Community, shequ.VerifyWindow
	return nil
}
