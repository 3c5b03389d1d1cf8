package shequ

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// AuditRetentionMonths is the least time an audit record stays in the
// trail: 等保 2.0 (level 3) and the Cybersecurity Law (article 21) ask that
// network logs be kept no less than six months. It cannot be lowered; older
// records may be pruned from the database only after they were archived
// (shequ audit prune), and by default nothing is ever pruned.
const AuditRetentionMonths = 6

// AuditPruneLimit returns the latest cut-off a prune at now may take: the
// start of the day (Asia/Shanghai) six months before now. Only records
// older than the cut-off may be removed.
func AuditPruneLimit(now time.Time) time.Time {
	d := now.In(Shanghai).AddDate(0, -AuditRetentionMonths, 0)
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, Shanghai)
}

// AuditPrune is what a prune removed from the trail, recorded in the
// "audit.prune" record it appends: the records First..Through, all older
// than Before, archived before removal; Hash is the hash of record Through,
// which the first record kept links to, so that the rest of the chain
// still verifies.
type AuditPrune struct {
	Before         time.Time
	First, Through int64
	Count          int64
	Hash           string
}

// Detail returns the record's detail text (ParseAuditPrune reads it).
func (p *AuditPrune) Detail() string {
	return fmt.Sprintf("before=%s first=%d through=%d count=%d hash=%s",
		p.Before.In(Shanghai).Format(time.DateOnly), p.First, p.Through, p.Count, p.Hash)
}

// ParseAuditPrune reads what Detail wrote.
func ParseAuditPrune(detail string) (*AuditPrune, error) {
	p := &AuditPrune{}
	seen := map[string]bool{}
	for _, f := range strings.Fields(detail) {
		k, v, ok := strings.Cut(f, "=")
		if !ok || seen[k] {
			return nil, fmt.Errorf("audit prune detail %q: bad field %q", detail, f)
		}
		seen[k] = true
		var err error
		switch k {
		case "before":
			p.Before, err = time.ParseInLocation(time.DateOnly, v, Shanghai)
		case "first":
			p.First, err = strconv.ParseInt(v, 10, 64)
		case "through":
			p.Through, err = strconv.ParseInt(v, 10, 64)
		case "count":
			p.Count, err = strconv.ParseInt(v, 10, 64)
		case "hash":
			p.Hash = v
		default:
			err = fmt.Errorf("unknown field")
		}
		if err != nil {
			return nil, fmt.Errorf("audit prune detail %q: field %q: %w", detail, k, err)
		}
	}
	if len(seen) != 5 || p.First < 1 || p.Through < p.First || p.Count != p.Through-p.First+1 || p.Hash == "" {
		return nil, fmt.Errorf("audit prune detail %q: incomplete or inconsistent", detail)
	}
	return p, nil
}

// Keeps reports whether the prune kept the retention rule: it was made at
// time at (the time of its record) and removed only records older than the
// cut-off allowed then.
func (p *AuditPrune) Keeps(at time.Time) bool {
	return !p.Before.After(AuditPruneLimit(at))
}
