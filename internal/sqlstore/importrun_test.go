package sqlstore

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"shequ"
)

func TestImportRuns(t *testing.T) {
	forEachEngine(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		s := NewImportRunService(db)
		shanghai := time.FixedZone("CST", 8*3600)
		base := time.Date(2026, 11, 29, 9, 0, 0, 123456789, shanghai)
		runs := []*shequ.ImportRun{
			{Kind: "divisions", Source: "builtin", Atomic: true, Status: shequ.ImportCompleted,
				Total: 665276, Written: 665276, StartedAt: base, FinishedAt: base.Add(8 * time.Second)},
			{Kind: "divisions", Source: "anji.csv", Status: shequ.ImportPartial,
				Total: 10, Written: 8, Rejected: 2, StartedAt: base.Add(time.Hour), FinishedAt: base.Add(time.Hour + time.Second)},
			{Kind: "facilities", Source: "f.xlsx", Status: shequ.ImportFailed, StartedAt: base.Add(2 * time.Hour)},
		}
		for _, r := range runs {
			if err := s.CreateImportRun(ctx, r); err != nil {
				t.Fatal(err)
			}
			id, err := uuid.Parse(r.ID)
			if err != nil || id.Version() != 7 {
				t.Errorf("ID %q is not a UUIDv7 (%v)", r.ID, err)
			}
			if r.StartedAt.Location() != time.UTC {
				t.Errorf("StartedAt not in UTC: %v", r.StartedAt)
			}
		}
		// A zero FinishedAt takes the clock's time.
		if !runs[2].FinishedAt.Equal(testNow) {
			t.Errorf("FinishedAt = %v, want %v", runs[2].FinishedAt, testNow)
		}
		if runs[0].StartedAt.Nanosecond() != 123456000 {
			t.Errorf("StartedAt not truncated to microseconds: %v", runs[0].StartedAt)
		}

		got, err := s.FindImportRuns(ctx, "divisions", 0)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]*shequ.ImportRun{runs[1], runs[0]}, got); diff != "" {
			t.Errorf("FindImportRuns(divisions) (-want +got):\n%s", diff)
		}
		got, err = s.FindImportRuns(ctx, "", 2)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]*shequ.ImportRun{runs[2], runs[1]}, got); diff != "" {
			t.Errorf("FindImportRuns(all, 2) (-want +got):\n%s", diff)
		}
		got, err = s.FindImportRuns(ctx, "nothing", 0)
		if err != nil || len(got) != 0 {
			t.Errorf("unknown kind: %v, %v", got, err)
		}

		// A given ID is kept; storing it twice is a conflict.
		id := uuid.Must(uuid.NewV7()).String()
		r := &shequ.ImportRun{ID: id, Kind: "divisions", Status: shequ.ImportRejected}
		if err := s.CreateImportRun(ctx, r); err != nil || r.ID != id {
			t.Fatalf("create with ID: %v, %q", err, r.ID)
		}
		dup := &shequ.ImportRun{ID: id, Kind: "divisions", Status: shequ.ImportRejected}
		wantError(t, s.CreateImportRun(ctx, dup), shequ.EConflict, "db.duplicate")

		wantError(t, s.CreateImportRun(ctx, &shequ.ImportRun{Status: shequ.ImportCompleted}),
			shequ.EInvalid, "import_run.kind.empty")
		wantError(t, s.CreateImportRun(ctx, &shequ.ImportRun{ID: "x", Kind: "divisions", Status: shequ.ImportCompleted}),
			shequ.EInvalid, "import_run.id.malformed")
		wantError(t, s.CreateImportRun(ctx, &shequ.ImportRun{Kind: "divisions", Status: "bogus"}),
			shequ.EInvalid, "db.constraint")
	})
}
