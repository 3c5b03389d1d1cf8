package main

import (
	"context"
	"flag"
	"fmt"

	"shequ"
)

// runKeys dispatches `shequ keys rotate`.
func runKeys(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "rotate" {
		fmt.Fprintln(e.stderr, e.loc.T("cli.keys.usage"))
		if len(args) > 0 && isHelpFlag(args[0]) {
			return flag.ErrHelp
		}
		return errUsage
	}
	var retire, quiet bool
	return withServices(ctx, e, "keys", args[1:], 0, func(fs *flag.FlagSet) {
		fs.BoolVar(&retire, "retire", false, "after re-encrypting, remove the old keys from the key file")
		fs.BoolVar(&quiet, "quiet", false, "no progress bar")
	}, func(ctx context.Context, s *services, fs *flag.FlagSet) error {
		if s.keys.FromEnv() {
			return shequ.Errorf(shequ.EInvalid, "keys.rotate.env", "Keys given in SHEQU_DATA_KEY cannot be rotated in place; move them to a key file first.")
		}
		old := s.keys.KeyIDs()
		id, err := s.keys.Rotate()
		if err != nil {
			return err
		}
		// Save the new key before anything is sealed with it: a crash after
		// re-encrypting but before saving would lose the data.
		if err := s.keys.Save(s.keys.Path()); err != nil {
			return err
		}
		// The total is only for the progress bar.
		_, total, err := s.residents.FindResidents(ctx, shequ.ResidentFilter{Limit: 1})
		if err != nil {
			return err
		}
		bar := newProgress(e.stderr, e.loc.T("cli.keys.progress"), e.loc.T("cli.import.rows"), int64(total), quiet)
		n, err := s.residents.ResealResidents(ctx, func(done int) { bar.Set(int64(done)) })
		if err != nil {
			return err
		}
		// The registers hold sealed numbers too: leaders' phones, workers'
		// ID and phone numbers; the requests' sealed form values; the
		// accounts' notification addresses; property companies' contact
		// phones.
		for _, reseal := range []func(context.Context, func(int)) (int, error){s.orgs.Reseal, s.workers.Reseal,
			s.requests.ResealRequests, s.notifications.Reseal, s.property.Reseal} {
			k, err := reseal(ctx, nil)
			if err != nil {
				return err
			}
			n += k
		}
		bar.Done()
		if retire {
			for _, k := range old {
				if err := s.keys.Retire(k); err != nil {
					return err
				}
			}
			if err := s.keys.Save(s.keys.Path()); err != nil {
				return err
			}
		}
		fmt.Fprintln(e.stdout, e.loc.T("cli.keys.rotated", map[string]any{"ID": id, "Count": n, "Path": s.keys.Path()}))
		return nil
	})
}
