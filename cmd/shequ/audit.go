package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"strings"
	"time"

	"shequ"
	"shequ/internal/auditseal"
)

// runAudit dispatches `shequ audit verify|checkpoint|export`.
func runAudit(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || (args[0] != "verify" && args[0] != "checkpoint" && args[0] != "export" && args[0] != "prune") {
		fmt.Fprintln(e.stderr, e.loc.T("cli.audit.usage"))
		if len(args) > 0 && isHelpFlag(args[0]) {
			return flag.ErrHelp
		}
		return errUsage
	}
	switch args[0] {
	case "checkpoint":
		return runAuditCheckpoint(ctx, e, args[1:])
	case "export":
		return runAuditExport(ctx, e, args[1:])
	case "prune":
		return runAuditPrune(ctx, e, args[1:])
	}
	var files, pub, archives string
	return withServices(ctx, e, "audit", args[1:], 0, func(fs *flag.FlagSet) {
		fs.StringVar(&files, "checkpoints", "", "checkpoint files to check against, comma-separated (default: the one of this installation, -audit-checkpoints)")
		fs.StringVar(&archives, "archives", "", "archives of pruned records (shequ audit prune -o), comma-separated: checks them and the checkpoints older than the prune against them")
		fs.StringVar(&pub, "public-key", "", "the checkpoints' public key (base64) to pin, as recorded elsewhere (default: the audit key file's)")
	}, func(ctx context.Context, s *services, fs *flag.FlagSet) error {
		// Verification reads the whole trail: it runs as the auditor role,
		// the only one allowed to, on behalf of the operator at the console.
		ctx = shequ.WithActor(ctx, &shequ.Actor{Username: "cli", Role: shequ.RoleAuditor})
		if pub == "" {
			pub = s.seal.keys.PublicKey()
		}
		if files == "" {
			files = s.seal.file
		}
		var cps []*shequ.AuditCheckpoint
		for _, f := range strings.Split(files, ",") {
			got, err := auditseal.ReadFile(strings.TrimSpace(f))
			if errors.Is(err, iofs.ErrNotExist) {
				fmt.Fprintln(e.stderr, e.loc.T("cli.audit.no_checkpoints", map[string]any{"File": f}))
				continue
			}
			if err != nil {
				return err
			}
			for _, cp := range got {
				if !auditseal.Verify(cp, pub) {
					return shequ.Errorf(shequ.EConflict, "audit.checkpoint.signature",
						"The checkpoint at %s is not signed by the audit key: the checkpoint file was forged or damaged.", cp.Source).
						With(map[string]any{"Source": cp.Source})
				}
			}
			cps = append(cps, got...)
		}
		v, err := s.audit.VerifyAuditAgainst(ctx, cps)
		if err != nil {
			return err
		}
		var broken error
		if v.BadSeq != 0 && !strings.HasPrefix(v.Reason, "checkpoint.") {
			broken = shequ.Errorf(shequ.EConflict, "audit.chain.broken", "The audit trail is broken at record %d (%s); %d records before it are intact.",
				v.BadSeq, v.Reason, v.Checked).With(map[string]any{"Seq": v.BadSeq, "Reason": e.loc.T("audit.reason." + v.Reason), "Checked": v.Checked})
		}
		if cp := v.Checkpoint; cp != nil {
			if broken != nil {
				fmt.Fprintln(e.stderr, "shequ:", e.message(broken))
			}
			return shequ.Errorf(shequ.EConflict, "audit.checkpoint.contradicted",
				"The audit trail contradicts the signed checkpoint of %s (record %d, %s): %s.", cp.Time.UTC().Format(time.RFC3339), cp.Seq, cp.Source, v.CheckpointReason).
				With(map[string]any{"Time": cp.Time.In(shequ.Shanghai).Format("2006-01-02 15:04:05"), "Seq": cp.Seq, "Source": cp.Source,
					"Reason": e.loc.T("audit.reason." + v.CheckpointReason), "Checked": v.Checked})
		}
		if broken != nil {
			return broken
		}
		// The checkpoints of pruned records, against the prune's archives.
		var recs []*shequ.AuditRecord
		if archives != "" {
			if recs, err = readAuditArchives(strings.Split(archives, ",")); err != nil {
				return err
			}
		}
		ac, err := checkArchives(recs, v.Pruned, v.KeyedFrom, s.seal.keys.HMACKey(), cps)
		if err != nil {
			if ae := shequ.AsError(err); ae.Key == "audit.archive.broken" {
				ae.Data["Reason"] = e.loc.T("audit.reason." + fmt.Sprint(ae.Data["Reason"]))
			}
			return err
		}
		if cp := ac.Bad; cp != nil {
			return shequ.Errorf(shequ.EConflict, "audit.checkpoint.contradicted",
				"The audit trail contradicts the signed checkpoint of %s (record %d, %s): %s.", cp.Time.UTC().Format(time.RFC3339), cp.Seq, cp.Source, ac.BadReason).
				With(map[string]any{"Time": cp.Time.In(shequ.Shanghai).Format("2006-01-02 15:04:05"), "Seq": cp.Seq, "Source": cp.Source,
					"Reason": e.loc.T("audit.reason." + ac.BadReason), "Checked": v.Checked})
		}
		fmt.Fprintln(e.stdout, e.loc.T("cli.audit.intact", map[string]any{"Checked": v.Checked}))
		if p := v.Pruned; p != nil {
			fmt.Fprintln(e.stdout, e.loc.T("cli.audit.pruned_before", map[string]any{"Through": p.Through, "Before": p.Before.Format(time.DateOnly)}))
			if archives != "" {
				fmt.Fprintln(e.stdout, e.loc.T("cli.audit.archives", map[string]any{"Records": ac.Records, "Checkpoints": ac.Checkpoints}))
			}
			if ac.Unchecked > 0 {
				fmt.Fprintln(e.stdout, e.loc.T("cli.audit.archives_unchecked", map[string]any{"Count": ac.Unchecked}))
			}
		}
		fmt.Fprintln(e.stdout, e.loc.T("cli.audit.checked", map[string]any{"Checkpoints": v.Checkpoints, "KeyedFrom": v.KeyedFrom}))
		return nil
	})
}

// runAuditCheckpoint writes a signed checkpoint of the trail's head now.
func runAuditCheckpoint(ctx context.Context, e *env, args []string) error {
	return withServices(ctx, e, "audit", args, 0, nil, func(ctx context.Context, s *services, fs *flag.FlagSet) error {
		cp, err := s.seal.checkpoint(ctx, true)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, e.loc.T("cli.audit.checkpoint", map[string]any{"Seq": cp.Seq, "Hash": cp.Hash, "File": s.seal.file, "PublicKey": cp.PublicKey}))
		return nil
	})
}

// exportLine is one record of `shequ audit export`: every field, with the
// chain's hashes, one JSON object a line.
type exportLine struct {
	Seq        int64  `json:"seq"`
	ID         string `json:"id"`
	Time       string `json:"time"`
	ActorID    string `json:"actor_id"`
	ActorName  string `json:"actor_name"`
	Role       string `json:"role"`
	Action     string `json:"action"`
	ObjectType string `json:"object_type"`
	ObjectID   string `json:"object_id"`
	Division   string `json:"division"`
	Result     string `json:"result"`
	ClientAddr string `json:"client_addr"`
	RequestID  string `json:"request_id"`
	Detail     string `json:"detail"`
	PrevHash   string `json:"prev_hash"`
	Hash       string `json:"hash"`
}

// exportRecord is r as a line of the export.
func exportRecord(r *shequ.AuditRecord) exportLine {
	return exportLine{Seq: r.Seq, ID: r.ID, Time: r.Time.UTC().Format(time.RFC3339Nano), ActorID: r.ActorID,
		ActorName: r.ActorName, Role: string(r.Role), Action: r.Action, ObjectType: r.ObjectType, ObjectID: r.ObjectID,
		Division: r.Division, Result: string(r.Result), ClientAddr: r.ClientAddr, RequestID: r.RequestID, Detail: r.Detail,
		PrevHash: r.PrevHash, Hash: r.Hash}
}

// runAuditExport writes the records of a period as JSON lines, for the
// archive that keeps the trail beyond the database (retention: at least
// six months, 等保). The file is created 0600.
func runAuditExport(ctx context.Context, e *env, args []string) error {
	var from, to, out string
	return withServices(ctx, e, "audit", args, 0, func(fs *flag.FlagSet) {
		fs.StringVar(&from, "from", "", "first day, YYYY-MM-DD (Asia/Shanghai; default: the beginning)")
		fs.StringVar(&to, "to", "", "last day, YYYY-MM-DD (default: today)")
		fs.StringVar(&out, "o", "", "output file (default: standard output)")
	}, func(ctx context.Context, s *services, fs *flag.FlagSet) error {
		ctx = shequ.WithActor(ctx, &shequ.Actor{Username: "cli", Role: shequ.RoleAuditor})
		var f shequ.AuditFilter
		for _, d := range []struct {
			v   string
			dst **time.Time
			day int
		}{{from, &f.From, 0}, {to, &f.To, 1}} {
			if d.v == "" {
				continue
			}
			t, err := time.ParseInLocation("2006-01-02", d.v, shequ.Shanghai)
			if err != nil {
				return shequ.Errorf(shequ.EInvalid, "cli.audit.date", "%q is not a date YYYY-MM-DD.", d.v).With(map[string]any{"Value": d.v})
			}
			t = t.AddDate(0, 0, d.day)
			*d.dst = &t
		}
		var w io.Writer = e.stdout
		if out != "" {
			file, err := os.OpenFile(out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return shequ.Errorf(shequ.EInvalid, "import.file.create", "Cannot create %s: %v.", out, err).
					With(map[string]any{"File": out, "Reason": err.Error()})
			}
			defer file.Close()
			w = file
		}
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		n := 0
		err := s.audit.EachAuditRecord(ctx, f, func(r *shequ.AuditRecord) error {
			n++
			return enc.Encode(exportRecord(r))
		})
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stderr, e.loc.T("cli.audit.exported", map[string]any{"Count": n}))
		return nil
	})
}
