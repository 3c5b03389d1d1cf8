package divimport

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"shequ"
	"shequ/internal/mock"
)

// store returns a mock division service that knows the stored codes and
// records what it is asked to write.
func store(stored ...string) (*mock.DivisionService, *[]string, *shequ.DivisionImportOptions) {
	known := map[string]bool{}
	for _, c := range stored {
		known[c] = true
	}
	var written []string
	var opts shequ.DivisionImportOptions
	return &mock.DivisionService{
		FindExistingDivisionCodesFn: func(_ context.Context, codes []string) (map[string]bool, error) {
			out := map[string]bool{}
			for _, c := range codes {
				if known[c] {
					out[c] = true
				}
			}
			return out, nil
		},
		ImportDivisionsFn: func(_ context.Context, rows []*shequ.Division, _ shequ.DivisionColumns, opt shequ.DivisionImportOptions) error {
			opts = opt
			for _, d := range rows {
				written = append(written, d.Code)
			}
			if opt.Progress != nil {
				opt.Progress(len(rows))
			}
			return nil
		},
	}, &written, &opts
}

func mustParse(t *testing.T, in string) *File {
	t.Helper()
	f, err := Parse(strings.NewReader(in), ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestImportRejectsUnknownParentsAndDescendants(t *testing.T) {
	in := "code,name\n" +
		"330523,安吉县\n" + // parent 3305 is stored
		"330523001,递铺街道\n" + // parent in the file
		"330599,无名县\n" + // parent 3305 stored: fine
		"339901,孤县\n" + // parent 3399 nowhere
		"339901001,孤街道\n" + // parent rejected
		"3x,坏\n" // malformed (parse error)
	svc, written, _ := store("33", "3305")
	res, err := Import(context.Background(), svc, mustParse(t, in), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"330523", "330523001", "330599"}, *written); diff != "" {
		t.Errorf("written (-want +got):\n%s", diff)
	}
	type rej struct {
		Line int
		Key  string
	}
	var got []rej
	for _, e := range res.Errors {
		got = append(got, rej{e.Line, e.Key})
	}
	want := []rej{{5, "import.row.parent_unknown"}, {6, "import.row.parent_rejected"}, {7, "import.row.code"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if res.Status != shequ.ImportPartial || res.Written != 3 || res.Total != 6 {
		t.Errorf("result = %+v", res)
	}
}

func TestImportAllOrNothing(t *testing.T) {
	in := "code,name\n33,浙江省\n3305,湖州市\n3399x,坏\n"
	svc, written, _ := store()
	res, err := Import(context.Background(), svc, mustParse(t, in), Options{AllOrNothing: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(*written) != 0 || res.Status != shequ.ImportRejected || res.Written != 0 {
		t.Fatalf("all-or-nothing with a bad row wrote %v, result %+v", *written, res)
	}
	// Without bad rows it writes everything in one transaction.
	svc, written, opts := store()
	res, err = Import(context.Background(), svc, mustParse(t, "code,name\n33,浙江省\n3305,湖州市\n"), Options{AllOrNothing: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(*written) != 2 || !opts.Atomic || res.Status != shequ.ImportCompleted {
		t.Fatalf("wrote %v atomic=%v status %s", *written, opts.Atomic, res.Status)
	}
}

func TestImportAttributesOnlyNeedStoredRows(t *testing.T) {
	in := "code,population\n330523,600000\n330524,1\n"
	svc, written, _ := store("33", "3305", "330523")
	res, err := Import(context.Background(), svc, mustParse(t, in), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"330523"}, *written); diff != "" {
		t.Errorf("written (-want +got):\n%s", diff)
	}
	if len(res.Errors) != 1 || res.Errors[0].Key != "import.row.unknown" || res.Errors[0].Line != 3 {
		t.Errorf("errors = %+v", res.Errors)
	}
}

func TestImportWriteFailure(t *testing.T) {
	svc, _, _ := store()
	svc.ImportDivisionsFn = func(_ context.Context, rows []*shequ.Division, _ shequ.DivisionColumns, opt shequ.DivisionImportOptions) error {
		opt.Progress(1) // one batch committed, then the disk fills up
		return errors.New("disk full")
	}
	res, err := Import(context.Background(), svc, mustParse(t, "code,name\n33,浙江省\n3305,湖州市\n"), Options{})
	if err == nil || res.Status != shequ.ImportFailed || res.Written != 1 {
		t.Fatalf("err %v, result %+v: want failed with 1 written", err, res)
	}
	res, err = Import(context.Background(), svc, mustParse(t, "code,name\n33,浙江省\n3305,湖州市\n"), Options{AllOrNothing: true})
	if err == nil || res.Written != 0 {
		t.Fatalf("atomic failure must report nothing written: %+v", res)
	}
}
