package divimport

import (
	"context"
	"fmt"
	"sort"
	"time"

	"shequ"
)

// Options controls an import.
type Options struct {
	// AllOrNothing writes nothing when any row is bad, and writes the good
	// rows in one transaction; otherwise good rows are written in batches and
	// bad ones reported.
	AllOrNothing bool
	// BatchSize is passed to the store; 0 lets it choose.
	BatchSize int
	// Progress, if set, is called as rows are written.
	Progress func(written, total int)
}

// Result is the outcome of an import.
type Result struct {
	Status   shequ.ImportStatus
	Total    int // data rows read
	Written  int // rows inserted or updated
	Filtered int // rows outside the prefix
	Errors   []RowError
}

// Resolve checks what a row needs from the database: that its parent exists,
// in the file or already stored, and that a row without a name column updates
// an existing division. Rows that fail move to f.Errors; so do the
// descendants of a rejected row, with a reason that names it.
func Resolve(ctx context.Context, svc shequ.DivisionService, f *File) error {
	// Parents first, so a rejected parent is known before its children.
	order := make([]int, len(f.Rows))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return f.Rows[order[a]].Code < f.Rows[order[b]].Code })

	inFile := make(map[string]bool, len(f.Rows))
	for _, d := range f.Rows {
		inFile[d.Code] = true
	}
	// Ask the database only about codes the file cannot answer: the whole
	// NBS file needs no lookups at all.
	var ask []string
	for _, d := range f.Rows {
		if d.ParentCode != "" && !inFile[d.ParentCode] {
			ask = append(ask, d.ParentCode)
		}
		if !f.Columns.Name {
			ask = append(ask, d.Code)
		}
	}
	stored, err := svc.FindExistingDivisionCodes(ctx, dedupe(ask))
	if err != nil {
		return fmt.Errorf("look up existing divisions: %w", err)
	}

	rejected := make(map[string]int) // code → line of the rejected row
	keep := make([]bool, len(f.Rows))
	for _, i := range order {
		d, line := f.Rows[i], f.Lines[i]
		var e *RowError
		switch {
		case !f.Columns.Name && !stored[d.Code]:
			e = &RowError{Key: "import.row.unknown", Message: "No such division is stored; add a name column to create it."}
		case d.ParentCode != "" && rejected[d.ParentCode] > 0:
			pl := rejected[d.ParentCode]
			e = &RowError{Key: "import.row.parent_rejected", Message: fmt.Sprintf("Its parent %s on line %d was rejected.", d.ParentCode, pl),
				Data: map[string]any{"Parent": d.ParentCode, "ParentLine": pl}}
		case d.ParentCode != "" && !inFile[d.ParentCode] && !stored[d.ParentCode]:
			e = &RowError{Key: "import.row.parent_unknown", Message: fmt.Sprintf("Its parent %s is neither in the file nor stored.", d.ParentCode),
				Data: map[string]any{"Parent": d.ParentCode}}
		}
		if e != nil {
			e.Line, e.Code = line, d.Code
			f.Errors = append(f.Errors, *e)
			rejected[d.Code] = line
			continue
		}
		keep[i] = true
	}
	rows, lines := f.Rows[:0:0], f.Lines[:0:0]
	for i, ok := range keep {
		if ok {
			rows, lines = append(rows, f.Rows[i]), append(lines, f.Lines[i])
		}
	}
	f.Rows, f.Lines = rows, lines
	sort.SliceStable(f.Errors, func(a, b int) bool { return f.Errors[a].Line < f.Errors[b].Line })
	return nil
}

// Import resolves f against the database and writes its good rows. With
// AllOrNothing and any bad row, nothing is written and the status is
// ImportRejected. The error is non-nil only when writing failed.
func Import(ctx context.Context, svc shequ.DivisionService, f *File, opt Options) (*Result, error) {
	if err := Resolve(ctx, svc, f); err != nil {
		return &Result{Status: shequ.ImportFailed, Total: f.Total, Filtered: f.Filtered, Errors: f.Errors}, err
	}
	res := &Result{Total: f.Total, Filtered: f.Filtered, Errors: f.Errors}
	if opt.AllOrNothing && len(f.Errors) > 0 {
		res.Status = shequ.ImportRejected
		return res, nil
	}
	total := len(f.Rows)
	err := svc.ImportDivisions(ctx, f.Rows, f.Columns, shequ.DivisionImportOptions{
		Atomic:    opt.AllOrNothing,
		BatchSize: opt.BatchSize,
		Progress: func(n int) {
			res.Written = n
			if opt.Progress != nil {
				opt.Progress(n, total)
			}
		},
	})
	if err != nil {
		if opt.AllOrNothing {
			res.Written = 0
		}
		res.Status = shequ.ImportFailed
		return res, fmt.Errorf("write divisions: %w", err)
	}
	res.Written = total
	res.Status = shequ.ImportCompleted
	if len(f.Errors) > 0 {
		res.Status = shequ.ImportPartial
	}
	return res, nil
}

// Run records the import as a finished run.
func (r *Result) Run(source string, atomic bool, started, finished time.Time) *shequ.ImportRun {
	return &shequ.ImportRun{Kind: "divisions", Source: source, Atomic: atomic, Status: r.Status,
		Total: r.Total, Written: r.Written, Rejected: len(r.Errors), StartedAt: started.UTC(), FinishedAt: finished.UTC()}
}

func dedupe(codes []string) []string {
	seen := make(map[string]bool, len(codes))
	out := codes[:0]
	for _, c := range codes {
		if !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}
