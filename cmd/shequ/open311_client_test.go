package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"shequ"
	"shequ/internal/sqlstore"
	"shequ/internal/testenv"
)

// open311Item is an item whose form has one field of every type, so the
// client meets every datatype of the spec.
// bound is a number field's limit.
func bound(v float64) *float64 { return &v }

func open311Item() *shequ.ServiceItem {
	return &shequ.ServiceItem{
		Code: "MZ-311", Name: "居家养老服务申请", Department: "县民政局", Category: "民政",
		Audience: "本社区60岁以上居民", Conditions: "本社区户籍或居住满半年的老年人", Process: "申请、受理、评估、办结",
		Materials:     []shequ.Material{{Name: "居民身份证", Form: shequ.MaterialOriginal, Copies: 1, Required: true}},
		TimeLimitDays: 10, Channels: shequ.Channels, Active: true,
		Form: []shequ.FormField{
			{Code: "applicant", Label: "申请人姓名", Type: shequ.FieldString, Required: true, Order: 1},
			{Code: "age", Label: "年龄", Type: shequ.FieldNumber, Required: true, Order: 2, Min: bound(0), Max: bound(150)},
			{Code: "visit_at", Label: "希望上门时间", Type: shequ.FieldDatetime, Order: 3},
			{Code: "situation", Label: "家庭情况", Description: "同住人、自理能力", Type: shequ.FieldText, Order: 4},
			{Code: "service", Label: "服务类型", Type: shequ.FieldSingleChoice, Required: true, Order: 5,
				Choices: []shequ.Choice{{Key: "meal", Label: "助餐"}, {Key: "clean", Label: "助洁"}, {Key: "bath", Label: "助浴"}}},
			{Code: "days", Label: "服务日", Type: shequ.FieldMultipleChoice, Order: 6,
				Choices: []shequ.Choice{{Key: "mon", Label: "周一"}, {Key: "wed", Label: "周三"}, {Key: "fri", Label: "周五"}}},
		},
	}
}

// node returns the path of Node.js, skipping the test (failing it under
// SHEQU_TEST_STRICT=1) when there is none.
func node(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("node")
	if err != nil {
		if testenv.Strict() {
			t.Fatal("node is required (SHEQU_TEST_STRICT=1) but not on the PATH")
		}
		t.Skip("SKIP-BACKEND: node not available")
	}
	return p
}

// TestOpen311Client runs the independent Open311 client
// (scripts/open311-client, written from the GeoReport v2 spec in
// JavaScript) against the real server on each engine, with the API token
// of a community worker.
func TestOpen311Client(t *testing.T) {
	nodeBin := node(t)
	client, err := filepath.Abs(filepath.Join("..", "..", "scripts", "open311-client", "client.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	engines(t, func(t *testing.T, dsn string) {
		base := startServer(t, dsn, "330523")
		db := openTestDB(t, dsn)
		ctx := cliContext(context.Background())
		items := sqlstore.NewServiceItemService(db)
		if err := items.SaveItems(ctx, []*shequ.ServiceItem{open311Item(), benchItem()}); err != nil {
			t.Fatal(err)
		}
		const community = "330523001002"
		key := token(t, dsn, "open311-worker", "community_worker", community)
		cctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(cctx, nodeBin, client, base, key, community)
		cmd.Env = append(os.Environ(), "NO_COLOR=1")
		out, err := cmd.CombinedOutput()
		t.Logf("%s", out)
		if err != nil {
			t.Fatalf("open311 client: %v", err)
		}
		if !regexp.MustCompile(`open311-client: [0-9]{3,} checks passed`).Match(out) {
			t.Errorf("the client did not report its checks:\n%s", out)
		}
	})
}

// TestOpen311ClientFails makes sure the client can fail: with a key the
// server does not know, its first submission is refused and it must exit
// non-zero, naming the check.
func TestOpen311ClientFails(t *testing.T) {
	nodeBin := node(t)
	client := filepath.Join("..", "..", "scripts", "open311-client", "client.mjs")
	base := startServer(t, migratedSQLite(t), "330523")
	out, err := exec.Command(nodeBin, client, base, "shq_not-a-key").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "FAILED") || !strings.Contains(string(out), "HTTP 200 or 201") {
		t.Fatalf("the client passed with an unknown key: %v\n%s", err, out)
	}
}

// TestOpen311ClientParser runs the tests of the client's own XML parser
// (node --test).
func TestOpen311ClientParser(t *testing.T) {
	nodeBin := node(t)
	out, err := exec.Command(nodeBin, "--test", filepath.Join("..", "..", "scripts", "open311-client", "xml.test.mjs")).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "# fail 0") {
		t.Fatalf("node --test: %v\n%s", err, out)
	}
}
