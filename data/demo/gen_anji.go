//go:build ignore

// gen_anji writes anji-330523.csv, the illustrative attributes of 安吉县 used
// by `shequ serve -demo`: run `go run ./data/demo/gen_anji.go` from the
// repository root. Coordinates are approximate township centres with a small
// deterministic spread per community; urban-rural codes follow the code kind;
// population and households are made up within plausible ranges. None of it is
// official statistics.
package main

import (
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"hash/fnv"
	"log"
	"os"
	"strings"
)

// Approximate township centres (lat, lng) and terrain.
var townships = map[string]struct {
	lat, lng float64
	terrain  string
}{
	"330523001": {30.638, 119.680, "plain"},    // 递铺街道
	"330523002": {30.622, 119.700, "plain"},    // 昌硕街道
	"330523003": {30.605, 119.665, "hill"},     // 灵峰街道
	"330523004": {30.662, 119.650, "plain"},    // 孝源街道
	"330523103": {30.560, 119.485, "hill"},     // 鄣吴镇
	"330523104": {30.470, 119.520, "mountain"}, // 杭垓镇
	"330523105": {30.550, 119.580, "hill"},     // 孝丰镇
	"330523106": {30.520, 119.545, "mountain"}, // 报福镇
	"330523107": {30.430, 119.560, "mountain"}, // 章村镇
	"330523108": {30.480, 119.620, "mountain"}, // 天荒坪镇
	"330523110": {30.760, 119.730, "plain"},    // 梅溪镇
	"330523111": {30.830, 119.640, "plain"},    // 天子湖镇
	"330523201": {30.700, 119.760, "plain"},    // 溪龙乡
	"330523205": {30.540, 119.630, "hill"},     // 上墅乡
	"330523206": {30.445, 119.700, "mountain"}, // 山川乡
}

// spread returns a deterministic value in [0,1) for a code and a salt.
func spread(code, salt string) float64 {
	h := fnv.New64a()
	h.Write([]byte(code + salt))
	return float64(h.Sum64()%10000) / 10000
}

func main() {
	f, err := os.Open("data/divisions-2023.csv.gz")
	if err != nil {
		log.Fatal(err)
	}
	zr, err := gzip.NewReader(f)
	if err != nil {
		log.Fatal(err)
	}
	recs, err := csv.NewReader(zr).ReadAll()
	if err != nil {
		log.Fatal(err)
	}
	out, err := os.Create("data/demo/anji-330523.csv")
	if err != nil {
		log.Fatal(err)
	}
	w := csv.NewWriter(out)
	w.Write([]string{"code", "urban_rural", "terrain", "population", "households", "lat", "lng"})
	type sum struct{ pop, hh int }
	sums := map[string]*sum{}
	var rows [][]string
	for _, r := range recs[1:] {
		code := r[0]
		if len(code) != 12 || !strings.HasPrefix(code, "330523") {
			continue
		}
		t := townships[code[:9]]
		tk := code[6:9]
		urban := code[9:] < "200"
		var ur string
		switch {
		case tk < "100" && urban:
			ur = "111"
		case tk < "100":
			ur = "112"
		case tk < "200" && urban:
			ur = "121"
		case tk >= "200" && urban:
			ur = "210"
		default:
			ur = "220"
		}
		pop := 1000 + int(spread(code, "p")*2500)
		if urban {
			pop = 2500 + int(spread(code, "p")*4000)
		}
		hh := int(float64(pop) / (2.4 + spread(code, "h")*0.5))
		lat := t.lat + (spread(code, "a")-0.5)*0.06
		lng := t.lng + (spread(code, "o")-0.5)*0.07
		rows = append(rows, []string{code, ur, t.terrain, fmt.Sprint(pop), fmt.Sprint(hh), fmt.Sprintf("%.5f", lat), fmt.Sprintf("%.5f", lng)})
		for _, p := range []string{code[:9], code[:6]} {
			if sums[p] == nil {
				sums[p] = &sum{}
			}
			sums[p].pop += pop
			sums[p].hh += hh
		}
	}
	county := sums["330523"]
	w.Write([]string{"330523", "", "hill", fmt.Sprint(county.pop), fmt.Sprint(county.hh), "30.63800", "119.68000"})
	for _, r := range recs[1:] {
		code := r[0]
		if t, ok := townships[code]; ok {
			s := sums[code]
			w.Write([]string{code, "", t.terrain, fmt.Sprint(s.pop), fmt.Sprint(s.hh), fmt.Sprintf("%.5f", t.lat), fmt.Sprintf("%.5f", t.lng)})
		}
	}
	w.WriteAll(rows)
	if err := w.Error(); err != nil {
		log.Fatal(err)
	}
	if err := out.Close(); err != nil {
		log.Fatal(err)
	}
}
