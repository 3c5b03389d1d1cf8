package main

import (
	"strings"
	"testing"
)

func TestImportRegisters(t *testing.T) {
	dsn := migratedSQLite(t)
	if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
		t.Fatalf("divisions: %d %s%s", code, out, errs)
	}
	orgs := writeFile(t, "orgs.csv", "名称,类型,社区代码,法律状态,统一社会信用代码,备案街道\n"+
		"甲协会,公益慈善,330523001002,备案,,330523001\n"+
		"乙协会,游泳,330523001002,备案,,330523001\n"+ // unknown kind
		"丙协会,为民服务,330523001002,登记,91350100M000100Y44,\n"+ // bad credit code
		"丁协会,为民服务,339999001002,备案,,339999001\n") // no such community: refused by the store
	code, out, errs := cli(t, nil, "import", "orgs", "-all-or-nothing", orgs, "-db", dsn)
	if code != exitError || !strings.Contains(errs, "第 3 行") || !strings.Contains(errs, "类型") || !strings.Contains(errs, "第 4 行") || !strings.Contains(out, "已导入 0 个") {
		t.Errorf("all or nothing: %d\n%s%s", code, out, errs)
	}
	code, out, errs = cli(t, nil, "import", "orgs", "-quiet", orgs, "-db", dsn)
	if code != exitError || !strings.Contains(out, "已导入 1 个") || !strings.Contains(errs, "第 5 行") || !strings.Contains(errs, "有 3 行被拒绝") {
		t.Errorf("good rows kept: %d\n%s%s", code, out, errs)
	}
	workers := writeFile(t, "workers.csv", "姓名,身份证号,职业资格,单位类型,工作单位,社区代码\n"+
		"王社工,"+validID("33052319850101002")+",无,其他,安吉县社工站,330523001002\n")
	if code, out, errs := cli(t, nil, "import", "workers", workers, "-all-or-nothing", "-db", dsn); code != exitOK || !strings.Contains(out, "已导入 1 名") {
		t.Errorf("workers: %d\n%s%s", code, out, errs)
	}
}
