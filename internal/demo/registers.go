package demo

import (
	"context"
	"fmt"
	"hash/fnv"
	"time"

	"shequ"
)

// orgNames are the patterns of the synthetic organizations, one per kind.
var orgNames = map[shequ.OrgKind][]string{
	shequ.OrgResidentService: {"%s便民服务队", "%s邻里互助社"},
	shequ.OrgElderlyCare:     {"%s老年协会", "%s银龄互助队"},
	shequ.OrgCharity:         {"%s爱心公益社", "%s慈善帮扶队"},
	shequ.OrgHarmony:         {"%s调解委员会志愿队", "%s和事佬协会"},
	shequ.OrgCultureSports:   {"%s文体队", "%s广场舞队"},
	shequ.OrgRuralProduction: {"%s白茶种植协会", "%s竹产业服务社"},
}

// spread is a deterministic number in [0, n) for a text.
func spread(s string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(s))
	return int(h.Sum32() % uint32(n))
}

// loadRegisters gives every community of the demo county a deterministic
// number of synthetic organizations — some communities reach the plan's
// targets (10 urban, 5 rural), others fall short — and social workers to
// about two communities in three. None of them exists.
func loadRegisters(ctx context.Context, s Services) error {
	if s.Orgs == nil || s.Workers == nil {
		return nil
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	townships, _, err := s.Divisions.FindDivisionChildren(ctx, County, 0, 500)
	if err != nil {
		return err
	}
	var orgs []*shequ.SocialOrg
	var workers []*shequ.SocialWorker
	founded := time.Date(2018, 3, 1, 0, 0, 0, 0, shequ.Shanghai)
	seq := 0
	for _, tw := range townships {
		communities, _, err := s.Divisions.FindDivisionChildren(ctx, tw.Code, 0, 500)
		if err != nil {
			return err
		}
		for _, c := range communities {
			want := 3 + spread(c.Code, 10) // 3–12 organizations
			if c.Kind == shequ.KindRural {
				want = 1 + spread(c.Code, 7) // 1–7
			}
			for i := 0; i < want; i++ {
				kind := shequ.OrgKinds[(i+spread(c.Code, 6))%len(shequ.OrgKinds)]
				if kind == shequ.OrgRuralProduction && c.Kind != shequ.KindRural {
					kind = shequ.OrgResidentService
				}
				names := orgNames[kind]
				o := &shequ.SocialOrg{
					Name: fmt.Sprintf(names[i%len(names)], c.Name) + suffix(i/len(names)), Kind: kind, Community: c.Code,
					Status: shequ.OrgActive, Members: 8 + spread(c.Code+fmt.Sprint(i), 60), FoundedOn: &founded,
				}
				switch i % 3 {
				case 0:
					o.LegalStatus, o.FiledWith = shequ.LegalFiled, tw.Code
				case 1:
					o.LegalStatus = shequ.LegalRegistered
					seq++
					body := fmt.Sprintf("MJ%06d", seq)
					head := "51" + County
					code := head + body + string(shequ.OrgCodeCheckChar(body))
					o.CreditCode = shequ.CreditCode(code + string(shequ.CreditCheckChar(code)))
				default:
					o.LegalStatus, o.Incubator = shequ.LegalIncubating, "安吉县社会组织孵化中心"
				}
				if i == want-1 && want > 4 {
					o.Status = shequ.OrgDormant // not counted towards the targets
				}
				orgs = append(orgs, o)
			}
			if spread(c.Code+"w", 3) > 0 {
				seq++
				first17 := fmt.Sprintf("330523%04d0101%03d", 1975+spread(c.Code, 25), seq%1000)
				id, err := shequ.ParseIDNumber(first17+string(shequ.IDCheckChar(first17)), now())
				if err != nil {
					return err
				}
				q := shequ.Qualifications[spread(c.Code+"q", len(shequ.Qualifications))]
				w := &shequ.SocialWorker{Name: string([]rune(c.Name)[:2]) + "社工", IDNumber: id, Qualification: q,
					Education: shequ.Educations[1+spread(c.Code+"e", len(shequ.Educations)-1)], EmployerKind: shequ.EmployerCommunity,
					Community: c.Code, Functions: []shequ.ServiceFunction{shequ.FuncComfort, shequ.FuncResources}, Areas: []shequ.ServiceArea{shequ.AreaCare}}
				if q.Certified() {
					w.CertNumber, w.CertYear = fmt.Sprintf("ZJ%d%04d", 2015+spread(c.Code, 10), seq%10000), 2015+spread(c.Code, 10)
				}
				workers = append(workers, w)
			}
		}
	}
	if err := s.Orgs.ImportOrgs(ctx, orgs); err != nil {
		return fmt.Errorf("demo organizations: %w", err)
	}
	if err := s.Workers.ImportWorkers(ctx, workers); err != nil {
		return fmt.Errorf("demo social workers: %w", err)
	}
	return nil
}

// suffix tells apart the second organization of a kind in a community.
func suffix(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("（%d）", n+1)
}
