package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"shequ"
)

// Checking the archives of pruned audit records (shequ audit verify
// -archives): the records a prune removed are in its archive (shequ audit
// prune -o), not in the database, so the signed checkpoints of those
// records can only be checked against the archive.

// maxArchiveLine bounds a line of an archive (one record).
const maxArchiveLine = 1 << 20

// readAuditArchives reads the records of archive files, in seq order. The same
// record in two files must be the same; another record at a seq is an
// error.
func readAuditArchives(paths []string) ([]*shequ.AuditRecord, error) {
	bySeq := map[int64]*shequ.AuditRecord{}
	for _, p := range paths {
		if err := readAuditArchive(p, bySeq); err != nil {
			return nil, err
		}
	}
	out := make([]*shequ.AuditRecord, 0, len(bySeq))
	for _, r := range bySeq {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *shequ.AuditRecord) int { return int(a.Seq - b.Seq) })
	return out, nil
}

// readAuditArchive adds the records of the archive at path to bySeq.
func readAuditArchive(path string, bySeq map[int64]*shequ.AuditRecord) error {
	bad := func(line int, err error) error {
		return shequ.Errorf(shequ.EInvalid, "audit.archive.read", "Cannot read the archive %s (line %d): %v.", path, line, err).
			With(map[string]any{"File": path, "Line": line, "Reason": err.Error()})
	}
	f, err := os.Open(path)
	if err != nil {
		return bad(0, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), maxArchiveLine)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var l exportLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return bad(n, err)
		}
		t, err := time.Parse(time.RFC3339Nano, l.Time)
		if err != nil {
			return bad(n, err)
		}
		r := &shequ.AuditRecord{Seq: l.Seq, ID: l.ID, Time: t, ActorID: l.ActorID, ActorName: l.ActorName,
			Role: shequ.Role(l.Role), Action: l.Action, ObjectType: l.ObjectType, ObjectID: l.ObjectID, Division: l.Division,
			Result: shequ.AuditResult(l.Result), ClientAddr: l.ClientAddr, RequestID: l.RequestID, Detail: l.Detail,
			PrevHash: l.PrevHash, Hash: l.Hash}
		if old, ok := bySeq[r.Seq]; ok && *old != *r {
			return bad(n, fmt.Errorf("record %d differs from the one another archive holds", r.Seq))
		}
		bySeq[r.Seq] = r
	}
	if err := sc.Err(); err != nil {
		return bad(0, err)
	}
	return nil
}

// archiveCheck is what checkArchives found.
type archiveCheck struct {
	Records     int64                  // archived records that verified
	Checkpoints int                    // checkpoints of pruned records checked against them
	Unchecked   int                    // checkpoints of pruned records the archives do not reach
	Bad         *shequ.AuditCheckpoint // the first checkpoint the archives contradict
	BadReason   string
}

// checkArchives checks archived records against the last prune and the
// checkpoints: their hashes recomputed (keyed from keyedFrom under key, as
// the trail's) and chained without gap, ending at the record and the hash
// the prune names; then every signed checkpoint of a record before the
// prune's last (that one the store checks) against the archived hash at
// its seq. With no archives, it only counts the checkpoints left
// unchecked.
func checkArchives(recs []*shequ.AuditRecord, pruned *shequ.AuditPrune, keyedFrom int64, key []byte, cps []*shequ.AuditCheckpoint) (*archiveCheck, error) {
	c := &archiveCheck{}
	if pruned == nil {
		if len(recs) > 0 {
			return nil, shequ.Errorf(shequ.EInvalid, "audit.archive.unpruned", "Nothing was pruned from this audit trail: there is no archive to check.")
		}
		return c, nil
	}
	hashAt := map[int64]string{}
	first := int64(0)
	if len(recs) > 0 {
		first = recs[0].Seq
		prev := recs[0].PrevHash
		if first == 1 {
			prev = ""
		}
		i := 0
		v, err := shequ.VerifyAuditChainFrom(func() (*shequ.AuditRecord, bool, error) {
			if i == len(recs) {
				return nil, false, nil
			}
			i++
			return recs[i-1], true, nil
		}, first, prev, keyedFrom, key)
		if err != nil {
			return nil, err
		}
		if v.BadSeq != 0 {
			return nil, shequ.Errorf(shequ.EConflict, "audit.archive.broken", "The archived audit records are broken at record %d (%s).", v.BadSeq, v.Reason).
				With(map[string]any{"Seq": v.BadSeq, "Reason": v.Reason})
		}
		last := recs[len(recs)-1]
		if last.Seq != pruned.Through || last.Hash != pruned.Hash {
			return nil, shequ.Errorf(shequ.EConflict, "audit.archive.end",
				"The archives end at record %d, not at record %d with the hash the last prune names: they are not its archives, or were altered.",
				last.Seq, pruned.Through).With(map[string]any{"Seq": last.Seq, "Through": pruned.Through})
		}
		c.Records = v.Checked
		for _, r := range recs {
			hashAt[r.Seq] = r.Hash
		}
	}
	slices.SortFunc(cps, func(a, b *shequ.AuditCheckpoint) int { return int(a.Seq - b.Seq) })
	for _, cp := range cps {
		if cp.Seq == 0 || cp.Seq >= pruned.Through {
			continue
		}
		if first == 0 || cp.Seq < first {
			c.Unchecked++
			continue
		}
		c.Checkpoints++
		switch {
		case cp.KeyedFrom != 0 && cp.KeyedFrom != keyedFrom:
			c.Bad, c.BadReason = cp, "checkpoint.keyed"
		case hashAt[cp.Seq] != cp.Hash:
			c.Bad, c.BadReason = cp, "checkpoint.hash"
		}
		if c.Bad != nil {
			return c, nil
		}
	}
	return c, nil
}
