//go:build !race

// Browser journeys run without the race detector (scripts/test runs them
// in a step of their own): Chromium against a server slowed by it took
// longer than the package's time limit on two cores.

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"shequ/internal/demo"
)

// TestBrowserReceipt: the resident's receipt of a request, in Chromium
// (PostgreSQL). Its 打印回执 button calls the browser's print (through the
// page's own script: the CSP refuses inline handlers); printed, the page
// shows the receipt alone (no header, navigation or buttons); its QR code,
// read from the screen by an independent decoder (zbarimg), is the
// absolute tracking address the receipt prints, which opens the tracking
// page without signing in.
func TestBrowserReceipt(t *testing.T) {
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		t.Skip("zbarimg (zbar-tools) is not installed: the QR code cannot be read back")
	}
	base, _ := startDemo(t, demoCopy(t, "postgres"))
	_, body := openSession(t, base, "demo-resident").get("/requests")
	m := regexp.MustCompile(`href="(/requests/[0-9a-f-]{36})"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the resident's requests list no request:\n%s", body)
	}
	receipt := m[1] + "/receipt"
	j := newJourney(t, base, demo.Password, 3*time.Minute)
	ctx := j.ctx
	j.login("demo-resident", j.password)
	j.do("the receipt at 390 px", chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(base+receipt), chromedp.WaitVisible(chromedp.ID("receipt-qr")))
	screenshot(t, ctx, "receipt-390.png")

	// The tracking address: absolute, and within a phone's width.
	type trackInfo struct {
		Href  string  `json:"href"`
		Text  string  `json:"text"`
		Right float64 `json:"right"`
		Width float64 `json:"width"`
	}
	track, err := chromedp.Run(ctx, chromedp.Evaluate[trackInfo](`(() => {
		const a = document.getElementById("receipt-track");
		return {href: a.getAttribute("href"), text: a.innerText, right: a.getBoundingClientRect().right, width: window.innerWidth};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(track.Href, base+"/track/") || track.Text != track.Href {
		t.Errorf("tracking address %q (shown %q), want an absolute address under %s/track/", track.Href, track.Text, base)
	}
	if track.Right > track.Width {
		t.Errorf("the tracking address overflows the 390 px screen (right edge %.0f px)", track.Right)
	}

	// The QR code decodes to that address.
	png, err := chromedp.Run(ctx, chromedp.ScreenshotScale(chromedp.CSS("#receipt-qr svg"), 2))
	if err != nil {
		t.Fatal(err)
	}
	qr := filepath.Join(t.TempDir(), "qr.png")
	if err := os.WriteFile(qr, png, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(zbar, "--raw", "-q", qr).Output()
	if got := string(bytes.TrimSpace(out)); err != nil || got != track.Href {
		t.Errorf("the QR code reads %q (%v), want %q", got, err, track.Href)
	}

	// 打印回执 calls print.
	if err := chromedp.Do(ctx,
		chromedp.Evaluate[chromedp.Void](`window.__printed = 0; window.print = () => { window.__printed++; }`),
		chromedp.Click(chromedp.ID("receipt-print"))); err != nil {
		t.Fatal(err)
	}
	printed, err := chromedp.Run(ctx, chromedp.Evaluate[int](`window.__printed`))
	if err != nil || printed != 1 {
		t.Errorf("打印回执 called print %d times (%v), want once", printed, err)
	}

	// Printed, the receipt stands alone.
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	hidden, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
		const shown = [];
		for (const sel of [".site-header", "nav", ".site-footer", "#receipt-print", "#receipt-request"]) {
			for (const el of document.querySelectorAll(sel)) {
				if (el.offsetParent !== null || getComputedStyle(el).display !== "none" && el.getClientRects().length > 0) { shown.push(sel); }
			}
		}
		const qr = document.getElementById("receipt-qr").getBoundingClientRect();
		if (qr.width < 80) { shown.push("a QR code too small to scan: " + qr.width); }
		return shown;
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if len(hidden) > 0 {
		t.Errorf("printed, the receipt still shows %q", hidden)
	}
	screenshot(t, ctx, "receipt-print.png")
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""}); err != nil {
		t.Fatal(err)
	}

	// The address opens the tracking page for anyone.
	code, page := openSession(t, base, "").get(strings.TrimPrefix(track.Href, base))
	if code != 200 || !strings.Contains(page, `id="page-title"`) {
		t.Errorf("the tracking address answers %d", code)
	}
}
