package indicator

import (
	"context"
	"math"
	"testing"

	"shequ"
)

func TestServicesModule(t *testing.T) {
	const urban, rural = "330523001002", "330523001205"
	rows := []shequ.ServiceCountRow{
		{Community: urban, Channel: shequ.ChannelOnline, N: 3},
		{Community: urban, Channel: shequ.ChannelWindow, Done: true, OnTime: true, Days: 2, Rating: 5, N: 2},
		{Community: urban, Channel: shequ.ChannelWindow, Done: true, OnTime: false, Days: 9, Rating: 2, N: 1},
		{Community: rural, Channel: shequ.ChannelAgency, Done: true, OnTime: true, Days: 3, N: 3},
		{Community: rural, Channel: shequ.ChannelPhone, N: 1},
	}
	m := ServicesModule(func(_ context.Context, communities []string, fn func(shequ.ServiceCountRow)) error {
		for _, r := range rows {
			if communities == nil || r.Community == communities[0] {
				fn(r)
			}
		}
		return nil
	})
	if m.Key() != "services" {
		t.Fatal(m.Key())
	}
	sum := make([]int32, m.Width())
	per := map[string][]int32{}
	err := m.Load(context.Background(), nil, func(c string, v []int32) {
		if per[c] == nil {
			per[c] = make([]int32, m.Width())
		}
		for i, x := range v {
			sum[i] += x
			per[c][i] += x
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	var s shequ.IndicatorStats
	m.Stats(sum, &s)
	v := s.Services
	if v.Requests != 10 || v.Online != 3 || v.Window != 3 || v.Agency != 3 || v.Phone != 1 {
		t.Errorf("channels %+v", v)
	}
	if v.Completed != 6 || v.OnTime != 5 || math.Abs(v.OnTimeRate()-5.0/6) > 1e-9 {
		t.Errorf("on time %+v", v)
	}
	// Days 2, 2, 3, 3, 3, 9: the median is 3.
	if v.MedianDays != 3 {
		t.Errorf("median %v", v.MedianDays)
	}
	if v.RuralRequests != 4 || v.RuralAgency != 3 || v.RuralAgencyShare() != 0.75 {
		t.Errorf("rural agency %+v", v)
	}
	if v.Rated != 3 || v.MeanRating() != 4 || v.Satisfied != 2 {
		t.Errorf("rating %+v mean %v", v, v.MeanRating())
	}
	// A node's figures are the sum of its communities'.
	var u shequ.IndicatorStats
	m.Stats(per[urban], &u)
	if u.Services.Requests != 6 || u.Services.MedianDays != 2 || !math.IsNaN((&shequ.ServiceStats{}).MeanRating()) {
		t.Errorf("urban %+v", u.Services)
	}
}
