//go:build !race

// Browser journeys run without the race detector (scripts/test runs them
// in a step of their own): Chromium against a server slowed by it took
// longer than the package's time limit on two cores.

package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"shequ/internal/config"
	"shequ/internal/notify"
	"shequ/internal/testenv"
)

// hookReceiver is a webhook receiver that checks each call's signature as
// the README tells receivers to, and keeps the payloads.
type hookReceiver struct {
	mu       sync.Mutex
	payloads []notify.WebhookPayload
	refused  int
}

func startHookReceiver(t *testing.T, secret []byte) (*hookReceiver, string) {
	t.Helper()
	h := &hookReceiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		h.mu.Lock()
		defer h.mu.Unlock()
		if err := notify.Verify(secret, r.Header.Get(notify.HeaderTimestamp), r.Header.Get(notify.HeaderSignature), body, time.Now()); err != nil {
			h.refused++
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		var p notify.WebhookPayload
		if err := json.Unmarshal(body, &p); err != nil {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		h.payloads = append(h.payloads, p)
	}))
	t.Cleanup(srv.Close)
	return h, srv.URL
}

func (h *hookReceiver) of(kind string) []notify.WebhookPayload {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []notify.WebhookPayload
	for _, p := range h.payloads {
		if p.Kind == kind {
			out = append(out, p)
		}
	}
	return out
}

// notifyServer starts the platform on dsn with e-mail to smtpAddr and the
// webhook to hookURL, looking for jobs every 100 ms.
func notifyServer(t *testing.T, dsn, smtpAddr, hookURL string, secret []byte) string {
	t.Helper()
	return startServerWith(t, dsn, func(cfg *config.Config) {
		cfg.Notify = config.NotifyConfig{PublicURL: "https://shequ.example.gov.cn", SMTPAddr: smtpAddr,
			SMTPFrom: "社区服务平台 <noreply@example.gov.cn>", SMTPTLS: "none", WebhookURL: hookURL, WebhookSecret: string(secret)}
	})
}

// startServerWith starts the platform on dsn with the key folder of the
// test's command lines (dataDir), the configuration changed by change, and
// background jobs looked for every 100 ms.
func startServerWith(t *testing.T, dsn string, change func(*config.Config)) string {
	t.Helper()
	cfg := config.Default()
	cfg.Addr, cfg.DB, cfg.DataDir = "127.0.0.1:0", dsn, dataDir(t)
	if change != nil {
		change(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	m := &Main{Config: cfg, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), JobPollInterval: 100 * time.Millisecond,
		Getenv: func(k string) string {
			if k == "SHEQU_DATA_DIR" {
				return dataDir(t)
			}
			return ""
		}}
	if err := m.Run(context.Background()); err != nil {
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return "http://" + m.Addr()
}

// eventually polls cond every 100 ms for up to 20 seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestBrowserSupplementAndNotifications is issue 13's story of a resident
// who hears of every change: they choose e-mail and SMS, apply online with
// the guide's materials (the preview warns of their open request for the
// same item), are told the worker needs another material, upload it and
// hand it in (the SLA clock resumes, the worker is told and sees it in the
// queue), are told of completion, and consent to a delegation from its
// notification. The e-mail and the webhook call of the same notification
// reach a real SMTP server and a real HTTP receiver. Screenshots of every
// page added or changed, at 1366 and 390 px.
func TestBrowserSupplementAndNotifications(t *testing.T) {
	dir := t.TempDir()
	dsn := filepath.Join(dir, "shequ.db")
	if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
		t.Fatalf("import: %d %s%s", code, out, errs)
	}
	const worker, pass = "worker", "correct horse battery staple"
	const admin = "sysadmin1"
	for _, u := range [][]string{{worker, "community_worker", "330523001002", "王社工"}, {admin, "sysadmin", "330523", "系统管理员"}} {
		if code, out, errs := cli(t, nil, "user", "add", "-username", u[0], "-password", pass, "-role", u[1],
			"-scope", u[2], "-name", u[3], "-db", dsn); code != exitOK {
			t.Fatalf("user add %s: %d %s%s", u[0], code, out, errs)
		}
	}
	smtpSrv := testenv.StartSMTP(t)
	secret := []byte("0123456789abcdef-browser")
	hook, hookURL := startHookReceiver(t, secret)
	base := notifyServer(t, dsn, smtpSrv.Addr, hookURL, secret)

	j := newJourney(t, base, pass, 4*time.Minute)
	j.shotPrefix = "notify-"
	ctx, run, text, logout, shoot := j.ctx, j.do, j.text, j.logout, j.shots
	login := j.login
	run("services", chromedp.Navigate(base+"/services"))
	files := map[string]string{}
	for _, name := range []string{"身份证.png", "户口簿.png", "社保卡.png", "户口簿补充页.png"} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, append([]byte("\x89PNG\r\n\x1a\n"), []byte(name)...), 0o600); err != nil {
			t.Fatal(err)
		}
		files[name] = p
	}

	// The worker registers the resident.
	login(worker, pass)
	id := validID("33052319420312011")
	run("create resident", chromedp.Navigate(base+"/residents/new"), chromedp.WaitVisible(chromedp.ID("resident-form")),
		chromedp.SendKeys(chromedp.ID("resident-name"), "王建国"),
		chromedp.SendKeys(chromedp.ID("resident-id-number"), id),
		chromedp.SendKeys(chromedp.ID("resident-phone"), "13857200001"),
		chromedp.SetValue(chromedp.ID("resident-community"), "330523001002"),
		chromedp.Click(chromedp.ID("resident-submit")), chromedp.WaitVisible(chromedp.CSS("dd#resident-id-number")))
	residentURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	residentID, _, _ := strings.Cut(residentURL[strings.LastIndex(residentURL, "/")+1:], "?")
	logout()

	// The resident registers and chooses e-mail and SMS.
	const resident, rpass = "wangjianguo", "an old man's long password"
	run("register", chromedp.Navigate(base+"/register"), chromedp.WaitVisible(chromedp.ID("register-form")),
		chromedp.SendKeys(chromedp.ID("register-username"), resident),
		chromedp.SendKeys(chromedp.ID("register-password"), rpass),
		chromedp.SendKeys(chromedp.ID("register-confirm"), rpass),
		chromedp.SendKeys(chromedp.ID("register-id-number"), id),
		chromedp.SendKeys(chromedp.ID("register-phone"), "13857200001"),
		chromedp.Click(chromedp.ID("register-submit")), chromedp.WaitVisible(chromedp.ID("register-done")))
	if err := verifyInBrowser(t, ctx, base, "13857200001"); err != nil {
		t.Fatalf("verify by SMS: %v", err)
	}
	run("after register", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.ID("logout")))
	run("channels", chromedp.Navigate(base+"/account"), chromedp.Click(chromedp.ID("account-notifications")),
		chromedp.WaitVisible(chromedp.ID("channels-form")),
		chromedp.Click(chromedp.ID("email-on")),
		chromedp.SendKeys(chromedp.ID("email-address"), "not an address"),
		chromedp.Click(chromedp.ID("channels-save")), chromedp.WaitVisible(chromedp.CSS(".field-error")))
	shoot("channels-error")
	run("channels again", chromedp.Clear(chromedp.ID("email-address")),
		chromedp.SendKeys(chromedp.ID("email-address"), "wangjianguo@example.com"),
		chromedp.Click(chromedp.ID("webhook-on")), chromedp.SendKeys(chromedp.ID("webhook-address"), "13857200001"),
		chromedp.Click(chromedp.ID("channels-save")), chromedp.WaitVisible(chromedp.ID("email-current")))
	if cur := text("#email-current"); !strings.Contains(cur, "wa*******uo@example.com") || strings.Contains(cur, "wangjianguo@") {
		t.Errorf("e-mail shown as %q, want masked", cur)
	}
	shoot("channels")

	// Apply online for 高龄津贴: the form with the checklist beside it,
	// the preview with the materials, the receipt.
	run("service page", chromedp.Navigate(base+"/services/MZ-003"), chromedp.WaitVisible(chromedp.ID("apply-checklist")))
	if list := text("#apply-checklist"); !strings.Contains(list, "居民身份证") || !strings.Contains(list, "户口簿") {
		t.Errorf("checklist %q", list)
	}
	shoot("apply-form")
	run("preview", chromedp.SendKeys(chromedp.ID("attr-contact_phone"), "13857200001"),
		chromedp.Click(chromedp.ID("apply-next")), chromedp.WaitVisible(chromedp.ID("confirm-form")))
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#apply-duplicate").length`)); err != nil || n != 0 {
		t.Errorf("a duplicate warning before any request (%d, %v)", n, err)
	}
	if v := text("#preview-values"); !strings.Contains(v, "13857200001") {
		t.Errorf("preview values %q", v)
	}
	run("materials", chromedp.SetUploadFiles(chromedp.ID("material-0"), []string{files["身份证.png"]}),
		chromedp.SetUploadFiles(chromedp.ID("material-1"), []string{files["户口簿.png"]}),
		chromedp.SetUploadFiles(chromedp.ID("material-2"), []string{files["社保卡.png"]}),
		chromedp.Click(chromedp.ID("apply-submit")), chromedp.WaitVisible(chromedp.ID("receipt-number")))
	number := text("#receipt-number")
	run("open request", chromedp.Click(chromedp.ID("receipt-request")), chromedp.WaitVisible(chromedp.ID("request-state")))
	requestURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if files := text("#attachments"); !strings.Contains(files, "身份证.png") || !strings.Contains(files, "社保卡.png") {
		t.Errorf("the request's files: %q", files)
	}
	// A second application for the same item warns of the open one.
	run("second preview", chromedp.Navigate(base+"/services/MZ-003"), chromedp.WaitVisible(chromedp.ID("apply-next")),
		chromedp.Click(chromedp.ID("apply-next")), chromedp.WaitVisible(chromedp.ID("apply-duplicate")))
	if warn := text("#apply-duplicate"); !strings.Contains(warn, number) {
		t.Errorf("duplicate warning %q lacks %s", warn, number)
	}
	shoot("apply-preview-duplicate")
	logout()

	// The worker finds it in the queue, accepts it and asks for another
	// page of the household register.
	login(worker, pass)
	run("queue", chromedp.Navigate(base+"/requests"), chromedp.WaitVisible(chromedp.ID("request-list")))
	if q := text("#request-list"); !strings.Contains(q, number) {
		t.Fatalf("the queue lacks %s:\n%s", number, q)
	}
	run("open", chromedp.Navigate(requestURL), chromedp.WaitVisible(chromedp.ID("move-accepted")),
		chromedp.Click(chromedp.ID("move-accepted-submit")), chromedp.WaitVisible(chromedp.CSS(`#request-state[data-state="accepted"]`)),
		chromedp.SendKeys(chromedp.ID("move-missing"), "户口簿本人页复印件"),
		chromedp.Click(chromedp.ID("move-awaiting_materials-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#request-state[data-state="awaiting_materials"]`)))
	pausedDue := text("#request-due")
	// At the window too, filing the same item for him warns of it.
	run("desk duplicate", chromedp.Navigate(base+"/desk?resident="+residentID+"&service_code=MZ-003"),
		chromedp.WaitVisible(chromedp.ID("desk-duplicate")))
	if warn := text("#desk-duplicate"); !strings.Contains(warn, number) {
		t.Errorf("desk warning %q lacks %s", warn, number)
	}
	shoot("desk-duplicate")
	run("back to the request", chromedp.Navigate(requestURL), chromedp.WaitVisible(chromedp.ID("request-due")))
	if !strings.Contains(pausedDue, "计时暂停") {
		t.Errorf("due while paused %q", pausedDue)
	}
	logout()

	// The e-mail and the webhook call of that notification arrive.
	eventually(t, "the e-mail and the webhook call of 待补正", func() bool {
		return len(hook.of("request_awaiting_materials")) == 1 && mailOf(smtpSrv, "补正") != nil
	})
	p := hook.of("request_awaiting_materials")[0]
	m := mailOf(smtpSrv, "补正")
	if p.Recipient.Address != "13857200001" || !strings.Contains(p.Text, "户口簿本人页复印件") || !strings.Contains(p.Text, number) ||
		m.To[0] != "wangjianguo@example.com" || !strings.Contains(m.Body, "户口簿本人页复印件") ||
		!strings.Contains(m.Body, "https://shequ.example.gov.cn/notifications/"+p.NotificationID) ||
		p.Link != "https://shequ.example.gov.cn/notifications/"+p.NotificationID || strings.Contains(m.Body+p.Text, id) {
		t.Errorf("webhook %+v\nmail to %v:\n%s", p, m.To, m.Body)
	}

	// The resident is told in the platform too, follows the notification
	// to the request, uploads the page and hands it in.
	login(resident, rpass)
	if n := text("#unread-count"); n == "" || n == "0" {
		t.Errorf("unread count %q", n)
	}
	run("notifications", chromedp.Click(chromedp.ID("nav-notifications")), chromedp.WaitVisible(chromedp.ID("notifications")))
	if list := text("#notifications"); !strings.Contains(list, "户口簿本人页复印件") || !strings.Contains(list, "已受理") {
		t.Errorf("notifications %q", list)
	}
	shoot("notifications")
	run("follow", chromedp.Click(chromedp.CSS(`li[data-kind="request_awaiting_materials"] a`)),
		chromedp.WaitVisible(chromedp.ID("supplement")))
	if miss := text("#supplement-missing"); !strings.Contains(miss, "户口簿本人页复印件") {
		t.Errorf("missing %q", miss)
	}
	shoot("supplement")
	run("upload", chromedp.SetUploadFiles(chromedp.ID("supplement-file"), []string{files["户口簿补充页.png"]}),
		chromedp.Click(chromedp.ID("supplement-upload-submit")), chromedp.WaitVisible(chromedp.CSS(".alert-ok")),
		chromedp.WaitVisible(chromedp.ID("supplement-files")))
	if f := text("#supplement-files"); !strings.Contains(f, "户口簿补充页.png") {
		t.Errorf("files since the pause %q", f)
	}
	run("hand in", chromedp.Click(chromedp.ID("supplement-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#request-state[data-state="in_process"]`)))
	notice := text(".alert-ok")
	due := text("#request-due")
	if !strings.Contains(notice, "恢复计算") || strings.Contains(due, "计时暂停") || !strings.Contains(notice, strings.Fields(due)[0]) {
		t.Errorf("after handing in: notice %q, due %q", notice, due)
	}
	if tl := text("#timeline"); !strings.Contains(tl, "提交补正") || !strings.Contains(tl, "户口簿补充页.png") {
		t.Errorf("timeline %q", tl)
	}
	shoot("supplemented")
	logout()

	// The worker is told, finds it back in process, and completes it.
	login(worker, pass)
	run("worker notifications", chromedp.Navigate(base+"/notifications"), chromedp.WaitVisible(chromedp.ID("notifications")))
	if list := text("#notifications"); !strings.Contains(list, "已提交补正材料") || !strings.Contains(list, number) {
		t.Errorf("worker's notifications %q", list)
	}
	run("queue in process", chromedp.Navigate(base+"/requests?state=in_process"), chromedp.WaitVisible(chromedp.ID("request-list")))
	if q := text("#request-list"); !strings.Contains(q, number) {
		t.Errorf("the in-process queue lacks %s", number)
	}
	run("complete", chromedp.Navigate(requestURL), chromedp.WaitVisible(chromedp.ID("move-completed")),
		chromedp.SendKeys(chromedp.ID("move-result"), "已核发高龄津贴，按月发放"),
		chromedp.Click(chromedp.ID("move-completed-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#request-state[data-state="completed"]`)))
	// A delegation waiting for the resident's consent.
	run("new delegation", chromedp.Navigate(base+"/delegations/new?resident="+residentID),
		chromedp.WaitVisible(chromedp.ID("delegation-form")), chromedp.Click(chromedp.ID("item-MZ-003")),
		chromedp.Click(chromedp.ID("delegation-submit")), chromedp.WaitVisible(chromedp.ID("delegation-state")))
	logout()

	// The resident is told of completion, and consents from the
	// delegation's notification.
	login(resident, rpass)
	run("notifications again", chromedp.Navigate(base+"/notifications?unread=1"), chromedp.WaitVisible(chromedp.ID("notifications")))
	list := text("#notifications")
	if !strings.Contains(list, "已办结") || !strings.Contains(list, "已核发高龄津贴") || !strings.Contains(list, "确认授权") {
		t.Errorf("unread notifications %q", list)
	}
	run("consent", chromedp.Click(chromedp.CSS(`li[data-kind="delegation_consent"] a`)),
		chromedp.WaitVisible(chromedp.ID("consent-submit")), chromedp.Click(chromedp.ID("consent-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#delegation-state[data-state="active"]`)))
	logout()
	eventually(t, "the completion by e-mail and webhook", func() bool {
		return len(hook.of("request_completed")) == 1 && mailOf(smtpSrv, "已办结") != nil
	})

	// A message that failed every attempt, in the administrator's list.
	db, err := sql.Open("sqlite", "file:"+dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE notification_outbox SET status = 'failed', attempts = 10, last_error = 'dial tcp: connection refused'
		WHERE channel = 'email' AND notification_id = (SELECT id FROM notifications WHERE kind = 'request_completed')`); err != nil {
		t.Fatal(err)
	}
	login(admin, pass)
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#nav-deliveries").length`)); err != nil || n != 1 {
		t.Errorf("no link to the dead letters in the administrator's navigation (%d, %v)", n, err)
	}
	run("dead letters", chromedp.Navigate(base+"/admin/deliveries"), chromedp.WaitVisible(chromedp.ID("deliveries")))
	if rows := text("#deliveries"); !strings.Contains(rows, "connection refused") || !strings.Contains(rows, "wa*******uo@example.com") ||
		strings.Contains(rows, "已核发") {
		t.Errorf("dead letters %q", rows)
	}
	shoot("deliveries")
	before := len(smtpSrv.Messages())
	run("retry", chromedp.Click(chromedp.CSS(`#deliveries button`)), chromedp.WaitVisible(chromedp.ID("deliveries-none")))
	eventually(t, "the retried e-mail", func() bool { return len(smtpSrv.Messages()) == before+1 })
	if hook.refused != 0 {
		t.Errorf("%d webhook calls with a bad signature", hook.refused)
	}
}

// residentClient imports a resident of 苕溪社区 from the command line,
// registers their account and returns an HTTP client signed in as them.
func residentClient(t *testing.T, base, dsn string) *http.Client {
	t.Helper()
	id := validID("33052319420312011")
	csv := filepath.Join(t.TempDir(), "residents.csv")
	if err := os.WriteFile(csv, []byte("name,id_number,phone,community_code\n王建国,"+id+",13857200001,330523001002\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := cli(t, nil, "import", "residents", "-community", "330523001002", "-db", dsn, csv); code != exitOK {
		t.Fatalf("import residents: %d %s%s", code, out, errs)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second}
	const password = "an old man's long password"
	res, err := c.PostForm(base+"/register", url.Values{"username": {"wangjianguo"}, "password": {password},
		"confirm": {password}, "id_number": {id}, "phone": {"13857200001"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusCreated || !strings.Contains(string(body), "register-done") {
		t.Fatalf("register: %d\n%s", res.StatusCode, body)
	}
	verifyBySMS(t, c, base, "13857200001")
	return c
}

// mailOf returns the first message whose subject contains s.
func mailOf(srv *testenv.SMTPServer, s string) *testenv.SMTPMessage {
	for _, m := range srv.Messages() {
		if strings.Contains(m.Subject, s) {
			return m
		}
	}
	return nil
}

// TestApplyNeedsMaterials: an empty application is not filed in one post,
// not without the guide's required materials (a finding of issue 13).
func TestApplyNeedsMaterials(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "shequ.db")
	if code, out, errs := cli(t, nil, "import", "divisions", "-quiet", "-prefix", "330523", "-db", dsn); code != exitOK {
		t.Fatalf("import: %d %s%s", code, out, errs)
	}
	base := startServerWith(t, dsn, nil)
	c := residentClient(t, base, dsn)
	res, err := c.PostForm(base+"/services/MZ-003/apply", url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "请上传“居民身份证”") {
		t.Fatalf("empty application: %d\n%s", res.StatusCode, body)
	}
	res, err = c.Get(base + "/requests")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if strings.Contains(string(body), "330523-") {
		t.Errorf("a request was filed:\n%s", body)
	}
}
