package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"shequ"
	"shequ/internal/sqlstore"
)

const goodAndBad = `code,name,urban_rural,population
33,浙江省,,
3305,湖州市,,
330523,安吉县,,600000
330523001,递铺街道,,
330523001001,桃园社区,111,5200
330523001002,,111,
330523001003,某社区,999,
9901,无主市,,
330523001x,坏代码,,
`

func TestImportDivisionsFile(t *testing.T) {
	engines(t, func(t *testing.T, dsn string) {
		file := writeFile(t, "divisions.csv", goodAndBad)
		errFile := writeFile(t, "errors.csv", "")

		// All or nothing: the bad rows stop everything.
		code, out, errs := cli(t, nil, "import", "divisions", "-db", dsn, "-all-or-nothing", "-quiet", file)
		if code != exitError || !strings.Contains(out, "未写入任何数据") {
			t.Fatalf("all-or-nothing: exit %d\n%s%s", code, out, errs)
		}
		if n := countDivisions(t, dsn); n != 0 {
			t.Fatalf("all-or-nothing wrote %d rows", n)
		}

		// Default: good rows kept, every bad row named with its line and reason;
		// flags may follow the file name.
		code, out, errs = cli(t, nil, "import", "divisions", "-db", dsn, file, "-quiet", "-errors", errFile)
		if code != exitError {
			t.Fatalf("partial import: exit %d\n%s%s", code, out, errs)
		}
		for _, want := range []string{"第 7 行 330523001002：名称为空", "第 8 行 330523001003", "999", "第 9 行 9901", "第 10 行 330523001x", "有 4 行被拒绝"} {
			if !strings.Contains(errs, want) {
				t.Errorf("stderr lacks %q:\n%s", want, errs)
			}
		}
		if !strings.Contains(out, "写入 5 行") || !strings.Contains(out, "拒绝 4 行") {
			t.Errorf("summary: %s", out)
		}
		b, err := os.ReadFile(errFile)
		if err != nil || strings.Count(string(b), "\n") != 5 || !strings.HasPrefix(string(b), "line,code,reason\n7,330523001002,") {
			t.Errorf("errors file (%v):\n%s", err, b)
		}
		if n := countDivisions(t, dsn); n != 5 {
			t.Fatalf("stored %d divisions, want 5", n)
		}

		// Idempotent: the same file again updates, never duplicates.
		cli(t, nil, "import", "divisions", "-db", dsn, "-quiet", file)
		if n := countDivisions(t, dsn); n != 5 {
			t.Fatalf("re-import left %d divisions, want 5", n)
		}

		// A file with only some attribute columns updates just those.
		attrs := writeFile(t, "attrs.csv", "code,terrain,lat,lng\n330523001001,丘陵,30.64,119.68\n")
		if code, out, errs := cli(t, map[string]string{"SHEQU_LANG": "en"}, "import", "divisions", "-db", dsn, "-quiet", attrs); code != exitOK || !strings.Contains(out, "Import completed") {
			t.Fatalf("attribute import: exit %d\n%s%s", code, out, errs)
		}
		d, err := sqlstore.NewDivisionService(openTestDB(t, dsn)).FindDivisionByCode(context.Background(), "330523001001")
		if err != nil {
			t.Fatal(err)
		}
		if d.Name != "桃园社区" || d.UrbanRural == nil || *d.UrbanRural != "111" || d.Population == nil || *d.Population != 5200 ||
			d.Terrain == nil || *d.Terrain != shequ.TerrainHill || d.Lat == nil || *d.Lat != 30.64 {
			t.Errorf("after attribute import: %+v", d)
		}

		// Runs are recorded.
		runs, err := sqlstore.NewImportRunService(openTestDB(t, dsn)).FindImportRuns(context.Background(), "divisions", 10)
		if err != nil || len(runs) != 4 {
			t.Fatalf("import runs: %d, %v", len(runs), err)
		}
		if runs[0].Status != shequ.ImportCompleted || runs[len(runs)-1].Status != shequ.ImportRejected {
			t.Errorf("run statuses: newest %s, oldest %s", runs[0].Status, runs[len(runs)-1].Status)
		}
	})
}

func TestImportShippedCodesWithPrefix(t *testing.T) {
	dsn := t.TempDir() + "/shequ.db"
	code, out, errs := cli(t, nil, "import", "divisions", "-db", dsn, "-prefix", "330523")
	if code != exitOK {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	// 安吉县, its 15 townships and 218 communities, and its province and city.
	if n := countDivisions(t, dsn); n != 1+15+218+2 {
		t.Errorf("stored %d divisions", n)
	}
	if !strings.Contains(out, "读取 665276 行") {
		t.Errorf("summary: %s", out)
	}
}

func TestImportBadInput(t *testing.T) {
	dsn := t.TempDir() + "/shequ.db"
	tests := []struct {
		name, content, want string
	}{
		{"missing file", "", "无法打开文件"},
		{"no code column", "name\n浙江省\n", "没有 code"},
		{"unknown column", "code,name,colour\n", "未知的列“colour”"},
		{"broken quotes", "code,name\n\"33,浙江\n", "不是有效的 CSV"},
		{"not gzip", "code,name\n", "不是有效的 gzip"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := t.TempDir() + "/missing.csv"
			switch tt.name {
			case "missing file":
			case "not gzip":
				file = writeFile(t, "x.csv.gz", tt.content)
			default:
				file = writeFile(t, "x.csv", tt.content)
			}
			code, out, errs := cli(t, nil, "import", "divisions", "-db", dsn, "-quiet", file)
			if code != exitError || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, want message %q:\n%s%s", code, tt.want, out, errs)
			}
		})
	}
	if n := countDivisions(t, dsn); n != 0 {
		t.Errorf("bad files wrote %d rows", n)
	}
}
