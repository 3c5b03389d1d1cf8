package indicator

import "shequ"

// Counter positions in a vec. Every figure of shequ.IndicatorStats is a sum
// of per-community counters, the attainment flags included, so that the
// figures of any set of communities are the sum of their vectors.
const (
	cCommunities = iota
	cUrban
	cRural
	cOther
	cOrgs // all statuses
	cOrgsActive
	cKind                   // active organizations by kind: 6 counters
	cStatus     = cKind + 6 // organizations by status: 3 counters
	cUrbanMeet  = cStatus + 3
	cRuralMeet  = cUrbanMeet + 1
	cWorkers    = cRuralMeet + 1 // homed workers
	cCertified  = cWorkers + 1
	cQual       = cCertified + 1 // homed workers by qualification: 4 counters
	cEdu        = cQual + 4      // homed workers by education: 5 counters
	cWithWorker = cEdu + 5       // communities whose covering workers reach the target
	nCounters   = cWithWorker + 1
)

// vec is the counters of one community or of a set of them: the nCounters
// of the core figures, then the counters of each Module at its offset.
// int32 keeps the core at 116 bytes; national totals stay far below 2³¹.
//
// A community's vec holds only the core counters until a module counts
// something there (data.widen; the core counters of all communities are
// one array, data.core, so a community costs no slice header): most of the country's 600,000-odd
// communities have no module data, and full-width vectors for all of them
// took 590 MB of the national server's heap (issue 18's memory budget).
// The missing counters are zeros. Sums (cells, townships, reports) are
// always full width.
type vec []int32

// add adds o to v; v has the engine's width, o that width or only the
// core counters (its missing counters are zeros).
func (v vec) add(o vec) {
	for i, x := range o {
		v[i] += x
	}
}

// vec returns the counters of community i: its core counters, or its
// full-width vec once it has module data. Writes to it are the community's.
func (d *data) vec(i int) vec {
	if s := d.slot[i]; s > 0 {
		return d.wide[s-1]
	}
	return d.core[i*nCounters : (i+1)*nCounters : (i+1)*nCounters]
}

// vecs returns n zero vectors of the given width, carved from one
// allocation.
func vecs(n, width int) []vec {
	arena := make([]int32, n*width)
	out := make([]vec, n)
	for i := range out {
		out[i] = arena[i*width : (i+1)*width : (i+1)*width]
	}
	return out
}

// index positions of the enums in a vec.
var (
	kindIndex   = indexOf(shequ.OrgKinds)
	statusIndex = indexOf(shequ.OrgStatuses)
	qualIndex   = indexOf(shequ.Qualifications)
	eduIndex    = indexOf(shequ.Educations)
)

func indexOf[T comparable](list []T) map[T]int {
	m := make(map[T]int, len(list))
	for i, x := range list {
		m[x] = i
	}
	return m
}

// stats converts a vector to the domain figures: the core ones, then each
// module's from its counters.
func (d *data) stats(v vec) shequ.IndicatorStats {
	s := v.coreStats()
	var zeros vec
	for _, m := range d.modules {
		if len(v) < m.off+m.width { // a community without module data
			if zeros == nil {
				zeros = make(vec, d.width)
			}
			m.Stats(zeros[m.off:m.off+m.width], &s)
			continue
		}
		m.Stats(v[m.off:m.off+m.width], &s)
	}
	return s
}

// widen gives community i its full-width vec (module counters) when it
// has only the core counters, and returns it.
func (d *data) widen(i int) vec {
	if d.slot[i] == 0 && d.width > nCounters {
		w := make(vec, d.width)
		copy(w, d.vec(i))
		d.wide = append(d.wide, w)
		d.slot[i] = int32(len(d.wide))
	}
	return d.vec(i)
}

// coreStats converts the core counters to the domain figures. The maps list
// every value, zeros included, so that the shape of a report never depends
// on the data.
func (v vec) coreStats() shequ.IndicatorStats {
	s := shequ.IndicatorStats{
		Communities: int(v[cCommunities]), Urban: int(v[cUrban]), Rural: int(v[cRural]), Other: int(v[cOther]),
		Orgs: int(v[cOrgs]), OrgsActive: int(v[cOrgsActive]),
		OrgsByKind:            make(map[shequ.OrgKind]int, len(shequ.OrgKinds)),
		OrgsByStatus:          make(map[shequ.OrgStatus]int, len(shequ.OrgStatuses)),
		UrbanMeetingOrgTarget: int(v[cUrbanMeet]), RuralMeetingOrgTarget: int(v[cRuralMeet]),
		Workers: int(v[cWorkers]), WorkersCertified: int(v[cCertified]),
		WorkersByQual:          make(map[shequ.Qualification]int, len(shequ.Qualifications)),
		WorkersByEdu:           make(map[shequ.Education]int, len(shequ.Educations)),
		CommunitiesWithWorkers: int(v[cWithWorker]),
	}
	for i, k := range shequ.OrgKinds {
		s.OrgsByKind[k] = int(v[cKind+i])
	}
	for i, k := range shequ.OrgStatuses {
		s.OrgsByStatus[k] = int(v[cStatus+i])
	}
	for i, k := range shequ.Qualifications {
		s.WorkersByQual[k] = int(v[cQual+i])
	}
	for i, k := range shequ.Educations {
		s.WorkersByEdu[k] = int(v[cEdu+i])
	}
	return s
}

// Community attributes, each a small index so that the combination of all
// of them (a cell) indexes a flat array: a report adds each community to
// its cell and derives every breakdown from the cells afterwards, instead
// of adding it once per breakdown.
var (
	regionValues  = append([]shequ.Region{""}, shequ.Regions...)
	kindValues    = []shequ.Kind{shequ.KindUrban, shequ.KindRural, shequ.KindOther}
	urValues      = append([]shequ.UrbanRural{""}, shequ.UrbanRuralCodes...)
	twValues      = []shequ.Kind{shequ.KindSubdistrict, shequ.KindTown, shequ.KindTownship, shequ.KindOther}
	terrainValues = append([]shequ.Terrain{""}, shequ.Terrains...)
	nCells        = len(regionValues) * len(kindValues) * len(urValues) * len(twValues) * len(terrainValues)
)

// cellOf returns the cell of a combination of attribute indexes.
func cellOf(region, kind, ur, tw, terrain int) uint16 {
	c := region
	c = c*len(kindValues) + kind
	c = c*len(urValues) + ur
	c = c*len(twValues) + tw
	c = c*len(terrainValues) + terrain
	return uint16(c)
}

// cellAttrs is the inverse of cellOf.
func cellAttrs(c int) (region, kind, ur, tw, terrain int) {
	terrain = c % len(terrainValues)
	c /= len(terrainValues)
	tw = c % len(twValues)
	c /= len(twValues)
	ur = c % len(urValues)
	c /= len(urValues)
	kind = c % len(kindValues)
	region = c / len(kindValues)
	return
}

// urbanRuralClass is the plan's contrast between peri-urban areas (城乡接合部:
// 112 城乡结合区, 122 镇乡结合区) and purely rural ones (纯农村: 210 乡中心区,
// 220 村庄), with the town and city cores (111 主城区, 121 镇中心区, 123
// 特殊区域) as a row of their own; "" only for an unknown code.
func urbanRuralClass(u shequ.UrbanRural) string {
	switch u {
	case "112", "122":
		return "peri_urban"
	case "210", "220":
		return "purely_rural"
	case "111", "121", "123":
		// Town and city cores: neither of the two, but not unknown.
		return "urban"
	}
	return ""
}

// UrbanRuralClasses lists the values of the urban_rural_class breakdown, ""
// (other or unknown) last.
var UrbanRuralClasses = []string{"peri_urban", "purely_rural", "urban", ""}
