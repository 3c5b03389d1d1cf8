package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"shequ"
	"shequ/data"
	"shequ/internal/demo"
)

// seedServiceDefaults gives a fresh install what requests need: the default
// catalogue of community service items (internal/demo/services.go) when the
// catalogue is empty, and the shipped 2026 holiday table when the table is
// empty. Existing items and holidays are never touched; `shequ import
// services` and `shequ import holidays FILE` write them again on purpose.
func seedServiceDefaults(ctx context.Context, s *services) error {
	ctx = cliContext(ctx)
	n, err := s.items.CountItems(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		if err := s.items.SaveItems(ctx, demo.ServiceItems()); err != nil {
			return fmt.Errorf("seed service items: %w", err)
		}
	}
	if n, err = s.items.CountHolidays(ctx); err != nil {
		return err
	}
	if n == 0 {
		days, err := shequ.ParseCalendar(data.Holidays2026())
		if err != nil {
			return err
		}
		if _, err := s.items.ImportHolidays(ctx, days); err != nil {
			return fmt.Errorf("seed holidays: %w", err)
		}
	}
	return nil
}

// runImportHolidays serves `shequ import holidays FILE`: the holiday table
// (date,kind,name; the format of data/holidays-2026.csv) replaces the
// arrangement of every year it lists, in one transaction.
func runImportHolidays(ctx context.Context, e *env, args []string) error {
	return withServices(ctx, e, "import", args, 1, nil, func(ctx context.Context, s *services, fs *flag.FlagSet) error {
		fh, err := os.Open(fs.Arg(0))
		if err != nil {
			return shequ.Errorf(shequ.EInvalid, "import.file.open", "Cannot open %s: %v.", fs.Arg(0), err).
				With(map[string]any{"File": fs.Arg(0), "Reason": err.Error()})
		}
		defer fh.Close()
		days, err := shequ.ParseCalendar(fh)
		if err != nil {
			return err
		}
		return importHolidays(ctx, e, s, days)
	})
}

func importHolidays(ctx context.Context, e *env, s *services, days []shequ.CalendarDay) error {
	n, err := s.items.ImportHolidays(ctx, days)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, e.loc.T("cli.import.holidays.done", map[string]any{"Count": n}))
	return nil
}

// runImportServices serves `shequ import services`: writes the default
// catalogue, replacing items of the same code.
func runImportServices(ctx context.Context, e *env, args []string) error {
	return withServices(ctx, e, "import", args, 0, nil, func(ctx context.Context, s *services, fs *flag.FlagSet) error {
		items := demo.ServiceItems()
		if err := s.items.SaveItems(ctx, items); err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, e.loc.T("cli.import.services.done", map[string]any{"Count": len(items)}))
		return nil
	})
}
