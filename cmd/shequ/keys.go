package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"shequ"
	"shequ/internal/sqlstore"
)

// `shequ keys rotate` works while servers run (issue 14): it introduces the
// new key, waits until every running server and command (the key holders
// of the registry, see keywatch.go) holds it, makes it the one that seals,
// waits until every holder seals with it, and only then re-seals what the
// old key sealed. A holder that does not follow in time — a server on
// another machine with its own copy of the key file — stops the rotation
// with a message naming it; nothing is lost, and running the command again
// resumes where it stopped. `-retire` (or `shequ keys retire`) removes old
// keys, refusing while any sealed value or running holder still uses one.

// defaultKeysWait is how long a step waits for the key holders: a few
// heartbeats (keywatch.go) and key file checks.
const defaultKeysWait = 30 * time.Second

// runKeys dispatches `shequ keys rotate|retire|status`.
func runKeys(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || !slices.Contains([]string{"rotate", "retire", "status"}, args[0]) {
		fmt.Fprintln(e.stderr, e.loc.T("cli.keys.usage"))
		if len(args) > 0 && isHelpFlag(args[0]) {
			return flag.ErrHelp
		}
		return errUsage
	}
	sub := args[0]
	var retire, quiet bool
	wait := defaultKeysWait
	return withServices(ctx, e, "keys", args[1:], 0, func(fs *flag.FlagSet) {
		if sub != "status" {
			fs.DurationVar(&wait, "wait", wait, "how long to wait for running servers to follow each step")
		}
		if sub == "rotate" {
			fs.BoolVar(&retire, "retire", false, "after re-encrypting, remove the old keys from the key file")
			fs.BoolVar(&quiet, "quiet", false, "no progress bar")
		}
	}, func(ctx context.Context, s *services, fs *flag.FlagSet) error {
		switch sub {
		case "status":
			return keysStatus(ctx, e, s)
		case "retire":
			return keysRetire(ctx, e, s)
		}
		if err := keysRotate(ctx, e, s, wait, quiet); err != nil {
			return err
		}
		if retire {
			return keysRetire(ctx, e, s)
		}
		return nil
	})
}

// keysRotate runs or resumes a rotation.
func keysRotate(ctx context.Context, e *env, s *services, wait time.Duration, quiet bool) error {
	ring, db := s.keys, s.db
	if ring.FromEnv() {
		return shequ.Errorf(shequ.EInvalid, "keys.rotate.env", "Keys given in SHEQU_DATA_KEY cannot be rotated in place; move them to a key file first.")
	}
	keys, err := db.DataKeys(ctx)
	if err != nil {
		return err
	}
	// The key being introduced: one registered new (a rotation that
	// stopped), else a fresh one.
	var id uint32
	for _, k := range keys {
		if k.State != sqlstore.KeyNew {
			continue
		}
		if _, ok := ring.Fingerprint(k.ID); !ok {
			return shequ.Errorf(shequ.EConflict, "keys.rotate.elsewhere",
				"Data key %d was added by a rotation from another key file; finish it there, or copy that key file here.", k.ID).
				With(map[string]any{"ID": k.ID})
		}
		id = k.ID
	}
	if id == 0 {
		// A rotation that stopped after the switch: finish re-sealing.
		var old []uint32
		for _, k := range keys {
			if k.State == sqlstore.KeyOld {
				old = append(old, k.ID)
			}
		}
		counts, err := db.CountSealed(ctx, old)
		if err != nil {
			return err
		}
		for _, c := range counts {
			if c[""] > 0 {
				id = ring.CurrentID()
			}
		}
	}
	if id == 0 {
		if id, err = ring.AddKey(); err != nil {
			return err
		}
		// Saved before anyone may seal with it, then registered as new.
		if err := ring.Save(ring.Path()); err != nil {
			return err
		}
		if _, err := db.CheckKeyRing(ctx, ring); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, e.loc.T("cli.keys.added", map[string]any{"ID": id, "Path": ring.Path()}))
	} else {
		fmt.Fprintln(e.stdout, e.loc.T("cli.keys.resumed", map[string]any{"ID": id}))
	}
	if err := waitForHolders(ctx, db, wait, func(h sqlstore.KeyHolder) bool { return h.Has(id) }); err != nil {
		return holdersError(e, err, "keys.rotate.load", "The running servers below have not loaded data key %d: copy the key file %s to them (they read it when it changes, or on SIGHUP), then run shequ keys rotate again; nothing has been sealed with the new key.", id, ring.Path())
	}
	// The registry switches every process (keywatch.go); the key file says
	// so too, for the record.
	if err := db.SetKeyState(ctx, id, sqlstore.KeyCurrent); err != nil {
		return err
	}
	if err := ring.SetCurrent(id); err != nil {
		return err
	}
	if err := ring.Save(ring.Path()); err != nil {
		return err
	}
	if err := waitForHolders(ctx, db, wait, func(h sqlstore.KeyHolder) bool { return h.CurrentKey == id }); err != nil {
		return holdersError(e, err, "keys.rotate.seal", "The running servers below do not seal with key %d yet (they refuse to write personal data until they load it): copy the key file %s to them or send them SIGHUP, then run shequ keys rotate again to re-encrypt.", id, ring.Path())
	}
	bar := newProgress(e.stderr, e.loc.T("cli.keys.progress"), e.loc.T("cli.import.rows"), 0, quiet)
	done := 0
	n, err := db.ResealAll(ctx, ring, func(table string, rows int) { bar.Set(int64(done + rows)) })
	done += n
	bar.Done()
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, e.loc.T("cli.keys.rotated", map[string]any{"ID": id, "Count": n, "Path": ring.Path()}))
	return nil
}

// keysRetire removes the old keys from the key file. It refuses while a
// running holder still seals with one; values an old key still seals (a
// rotation that stopped, a holder that followed late) are re-sealed under
// the current key first, and it refuses if any remain after that — a value
// that cannot be opened, or a writer it does not know of.
func keysRetire(ctx context.Context, e *env, s *services) error {
	ring, db := s.keys, s.db
	keys, err := db.DataKeys(ctx)
	if err != nil {
		return err
	}
	var old []uint32
	for _, k := range keys {
		if k.State == sqlstore.KeyOld {
			old = append(old, k.ID)
		}
	}
	if len(old) == 0 {
		fmt.Fprintln(e.stdout, e.loc.T("cli.keys.nothing_to_retire"))
		return nil
	}
	holders, err := db.KeyHolders(ctx)
	if err != nil {
		return err
	}
	for _, id := range old {
		var using []string
		for _, h := range holders {
			if h.CurrentKey == id {
				using = append(using, h.String())
			}
		}
		if len(using) > 0 {
			return shequ.Errorf(shequ.EConflict, "keys.retire.holder",
				"Data key %d is still the sealing key of running servers: %s. Copy the key file to them or send them SIGHUP first.", id, strings.Join(using, "; ")).
				With(map[string]any{"ID": id, "Servers": strings.Join(using, "; ")})
		}
	}
	if _, err := db.ResealAll(ctx, ring, nil); err != nil {
		return err
	}
	counts, err := db.CountSealed(ctx, old)
	if err != nil {
		return err
	}
	for _, id := range old {
		if n := counts[id][""]; n > 0 {
			var where []string
			for col, c := range counts[id] {
				if col != "" && c > 0 {
					where = append(where, fmt.Sprintf("%s %d", col, c))
				}
			}
			slices.Sort(where)
			return shequ.Errorf(shequ.EConflict, "keys.retire.in_use",
				"Data key %d still seals %d values (%s); run shequ keys retire again once they are re-encrypted.", id, n, strings.Join(where, ", ")).
				With(map[string]any{"ID": id, "Count": n, "Where": strings.Join(where, ", ")})
		}
	}
	for _, id := range old {
		if _, ok := ring.Fingerprint(id); ok {
			if err := ring.Retire(id); err != nil {
				return err
			}
		}
	}
	if err := ring.Save(ring.Path()); err != nil {
		return err
	}
	for _, id := range old {
		if err := db.SetKeyState(ctx, id, sqlstore.KeyRetired); err != nil {
			return err
		}
	}
	ids := make([]string, len(old))
	for i, id := range old {
		ids[i] = fmt.Sprint(id)
	}
	fmt.Fprintln(e.stdout, e.loc.T("cli.keys.retired", map[string]any{"IDs": strings.Join(ids, ", "), "Path": ring.Path()}))
	return nil
}

// errHoldersBehind is waitForHolders' error: the holders that did not
// follow.
type errHoldersBehind []sqlstore.KeyHolder

func (e errHoldersBehind) Error() string { return fmt.Sprintf("%d key holders behind", len(e)) }

// waitForHolders waits until every running key holder satisfies ok, or
// wait has passed (then it returns errHoldersBehind).
func waitForHolders(ctx context.Context, db *sqlstore.DB, wait time.Duration, ok func(sqlstore.KeyHolder) bool) error {
	end := time.Now().Add(wait)
	for {
		holders, err := db.KeyHolders(ctx)
		if err != nil {
			return err
		}
		var behind errHoldersBehind
		for _, h := range holders {
			if !ok(h) {
				behind = append(behind, h)
			}
		}
		if len(behind) == 0 {
			return nil
		}
		if time.Now().After(end) {
			return behind
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// holdersError turns errHoldersBehind into the message of key, naming the
// holders one a line; other errors pass.
func holdersError(e *env, err error, key, msg string, id uint32, path string) error {
	behind, ok := err.(errHoldersBehind)
	if !ok {
		return err
	}
	names := make([]string, len(behind))
	for i, h := range behind {
		names[i] = h.String()
	}
	return shequ.Errorf(shequ.EConflict, key, msg+" (%s)", id, path, strings.Join(names, "; ")).
		With(map[string]any{"ID": id, "Path": path, "Servers": strings.Join(names, "; ")})
}

// keysStatus prints the registry, what each key seals and the holders.
func keysStatus(ctx context.Context, e *env, s *services) error {
	keys, err := s.db.DataKeys(ctx)
	if err != nil {
		return err
	}
	ids := make([]uint32, len(keys))
	for i, k := range keys {
		ids[i] = k.ID
	}
	counts, err := s.db.CountSealed(ctx, ids)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, e.loc.T("cli.keys.status.keys"))
	for _, k := range keys {
		_, here := s.keys.Fingerprint(k.ID)
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%v\n", k.ID, e.loc.T("cli.keys.state."+k.State), k.Fingerprint, counts[k.ID][""], here)
	}
	tw.Flush()
	holders, err := s.db.KeyHolders(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout)
	tw = tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, e.loc.T("cli.keys.status.holders"))
	for _, h := range holders {
		ks := make([]string, len(h.KeyIDs))
		for i, id := range h.KeyIDs {
			ks[i] = fmt.Sprint(id)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%s\t%s\n", h.Host, h.PID, h.Addr, h.CurrentKey, strings.Join(ks, ","), h.SeenAt.In(shequ.Shanghai).Format("2006-01-02 15:04:05"))
	}
	return tw.Flush()
}
