package demo

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"time"

	"shequ"
)

// loadRequests gives the demo community what the request pages show: a
// household, three requests (online with a scanned document and completed,
// at the window and waiting for materials, by an agent under an active
// delegation), the delegation with its custody log, and photos of a
// facility, a need and an activity. Each goes through the services as the
// account that would do it, so every rule is checked. It needs Requests,
// Desk and Delegations of s (and Linkage, Facilities for the photos).
func loadRequests(ctx context.Context, s Services) error {
	if s.Requests == nil || s.Desk == nil || s.Delegations == nil || s.Residents == nil {
		return nil
	}
	as := func(name string) (context.Context, *shequ.User, error) {
		u, err := s.Users.FindUserByUsername(ctx, name)
		if err != nil {
			return nil, nil, fmt.Errorf("demo account %s: %w", name, err)
		}
		return shequ.WithActor(ctx, u.Actor()), u, nil
	}
	wctx, worker, err := as("demo-worker")
	if err != nil {
		return err
	}
	// The register entries by name.
	rs, _, err := s.Residents.FindResidents(wctx, shequ.ResidentFilter{Community: Community, Limit: 50})
	if err != nil {
		return err
	}
	resident := map[string]*shequ.Resident{}
	for _, r := range rs {
		resident[r.Name] = r
	}
	// 王建国's household: he is its head, his grandson 周杰 lives with him
	// (in the household the property demo registered in 苕溪花园, when it
	// ran: moving him would take him out of his estate).
	h := &shequ.Household{Community: Community, Address: "递铺街道苕秀路18号"}
	if r := resident["王建国"]; r != nil && r.HouseholdID != "" {
		h.ID = r.HouseholdID
	} else if err := s.Residents.CreateHousehold(wctx, h); err != nil {
		return fmt.Errorf("demo household: %w", err)
	}
	for name, rel := range map[string]shequ.Relation{"王建国": shequ.RelationHead, "周杰": shequ.RelationGrandchild} {
		r := resident[name]
		if r == nil {
			return fmt.Errorf("demo household: no resident %s", name)
		}
		hid, relation := h.ID, string(rel)
		if _, err := s.Residents.UpdateResident(wctx, r.ID, shequ.ResidentInput{HouseholdID: &hid, Relation: &relation}); err != nil {
			return fmt.Errorf("demo household member %s: %w", name, err)
		}
	}

	// Online: 王建国 applies for his 老年人优待证 with a scan of his ID card;
	// the community accepts and completes it.
	rctx, _, err := as("demo-resident")
	if err != nil {
		return err
	}
	online, err := s.Requests.Submit(rctx, &shequ.RequestInput{ItemCode: "MZ-006", Channel: shequ.ChannelOnline,
		Description: "申请办理老年人优待证", Values: map[string][]string{"contact_phone": {"13857200001"}}})
	if err != nil {
		return fmt.Errorf("demo online request: %w", err)
	}
	if _, err := s.Desk.AddAttachment(wctx, "request", online.ID, "居民身份证.pdf", "application/pdf", demoPDF); err != nil {
		return fmt.Errorf("demo attachment: %w", err)
	}
	for _, step := range []struct {
		to shequ.RequestState
		in shequ.TransitionInput
	}{
		{shequ.RequestAccepted, shequ.TransitionInput{Note: "材料齐全"}},
		{shequ.RequestInProcess, shequ.TransitionInput{}},
		{shequ.RequestCompleted, shequ.TransitionInput{Result: "优待证已制作，请到社区服务中心领取"}},
	} {
		if _, err := s.Requests.Transition(wctx, online.ID, step.to, step.in); err != nil {
			return fmt.Errorf("demo online request to %s: %w", step.to, err)
		}
	}

	// At the window: 黄敏 applies for her 高龄津贴; the bank card is missing.
	window, err := s.Requests.Submit(wctx, &shequ.RequestInput{ItemCode: "MZ-003", Channel: shequ.ChannelWindow,
		ResidentID: resident["黄敏"].ID, IdentityNote: "身份证原件核验", Materials: []string{"居民身份证", "户口簿"},
		Values: map[string][]string{"contact_phone": {"13857200008"}}})
	if err != nil {
		return fmt.Errorf("demo window request: %w", err)
	}
	for _, step := range []struct {
		to shequ.RequestState
		in shequ.TransitionInput
	}{
		{shequ.RequestAccepted, shequ.TransitionInput{}},
		{shequ.RequestInProcess, shequ.TransitionInput{}},
		{shequ.RequestAwaitingMaterials, shequ.TransitionInput{Missing: []string{"本人银行账户（社保卡）复印件"}}},
	} {
		if _, err := s.Requests.Transition(wctx, window.ID, step.to, step.in); err != nil {
			return fmt.Errorf("demo window request to %s: %w", step.to, err)
		}
	}

	// 李秀英 (demo-resident2) asks the community worker to act for her on
	// 居家养老服务; she confirms in the portal, the worker files it and
	// records the ID card received.
	r2ctx, _, err := as("demo-resident2")
	if err != nil {
		return err
	}
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	li := resident["李秀英"]
	d := &shequ.Delegation{ResidentID: li.ID, AgentID: worker.ID, Items: []string{"MZ-005"},
		ValidFrom: now, ValidUntil: now.AddDate(0, 6, 0), Note: "行动不便，委托社区代办"}
	if err := s.Delegations.CreateDelegation(wctx, d); err != nil {
		return fmt.Errorf("demo delegation: %w", err)
	}
	if _, err := s.Delegations.Consent(r2ctx, d.ID, shequ.ConsentPortal, ""); err != nil {
		return fmt.Errorf("demo delegation consent: %w", err)
	}
	agency, err := s.Requests.Submit(wctx, &shequ.RequestInput{ItemCode: "MZ-005", Channel: shequ.ChannelAgency,
		DelegationID: d.ID, Values: map[string][]string{"services": {"meal", "clean"}}})
	if err != nil {
		return fmt.Errorf("demo agency request: %w", err)
	}
	if err := s.Delegations.AddCustody(wctx, &shequ.CustodyEntry{DelegationID: d.ID, RequestID: agency.ID,
		Material: "居民身份证复印件", Action: shequ.CustodyReceived}); err != nil {
		return fmt.Errorf("demo custody: %w", err)
	}
	return loadPhotos(ctx, s)
}

// loadPhotos adds a photo to the first facility of the demo community, to
// the first need and to the first activity of the closed project.
func loadPhotos(ctx context.Context, s Services) error {
	if s.Facilities != nil {
		fs, _, err := s.Facilities.FindFacilities(ctx, shequ.FacilityFilter{Community: County, Limit: 1})
		if err != nil {
			return err
		}
		if len(fs) == 1 {
			if err := s.Facilities.AddFacilityPhoto(ctx, &shequ.FacilityPhoto{FacilityID: fs[0].ID,
				ContentType: "image/png", Data: demoPNG(color.RGBA{0x2e, 0x7d, 0x32, 0xff})}); err != nil {
				return fmt.Errorf("demo facility photo: %w", err)
			}
		}
	}
	if s.Linkage == nil {
		return nil
	}
	needs, _, err := s.Linkage.FindNeeds(ctx, shequ.NeedFilter{Limit: 1})
	if err != nil {
		return err
	}
	if len(needs) == 1 {
		if err := s.Linkage.AddPhoto(ctx, &shequ.LinkagePhoto{ObjectType: "need", ObjectID: needs[0].ID,
			ContentType: "image/png", Data: demoPNG(color.RGBA{0x15, 0x65, 0xc0, 0xff})}); err != nil {
			return fmt.Errorf("demo need photo: %w", err)
		}
	}
	projects, _, err := s.Linkage.FindProjects(ctx, shequ.ProjectFilter{Status: shequ.ProjectClosed})
	if err != nil {
		return err
	}
	for _, p := range projects {
		acts, err := s.Linkage.FindActivities(ctx, p.ID)
		if err != nil {
			return err
		}
		if len(acts) > 0 {
			if err := s.Linkage.AddPhoto(ctx, &shequ.LinkagePhoto{ObjectType: "activity", ObjectID: acts[0].ID,
				ContentType: "image/png", Data: demoPNG(color.RGBA{0xef, 0x6c, 0x00, 0xff})}); err != nil {
				return fmt.Errorf("demo activity photo: %w", err)
			}
			break
		}
	}
	return nil
}

// demoPDF is the smallest document the attachment check accepts as PDF.
var demoPDF = []byte("%PDF-1.4\n% shequ demo: 居民身份证（样例）\n%%EOF\n")

// demoPNG is a 64×48 picture of one colour with a lighter band.
func demoPNG(c color.RGBA) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			px := c
			if y > 30 && y < 38 {
				px = color.RGBA{0xff, 0xff, 0xff, 0xff}
			}
			img.SetRGBA(x, y, px)
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img) // writing to memory does not fail
	return b.Bytes()
}
