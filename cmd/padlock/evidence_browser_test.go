package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/padlock-scan/padlock/history"
)

// hostile is text a crawled site controls, written into the evidence: it must show as text.
const hostile = `<script>alert(1)</script><img src=x onerror=alert(2)>`

// The evidence page in headless Chromium from file://: it loads nothing but itself, runs no
// script (the site's text included), and shows the runs, changes, scripts and inventory.
func TestEvidenceHTMLInBrowser(t *testing.T) {
	t.Parallel()
	const chromium = "/usr/bin/chromium"
	if _, err := os.Stat(chromium); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing; CI must install Debian's chromium package: %v", chromium, err)
		}
		t.Skipf("%s is missing (apt-get install chromium); skipping the browser test", chromium)
	}
	at := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	ev := &evidence{GeneratedAt: at, Tool: "padlock test", Store: "h.db", alertsByRun: map[int64]evidenceSent{},
		Summary: evidenceSummary{Runs: 3, ByOutcome: map[string]int{"ok": 1, "changed": 1, "degraded": 1}, Alerts: 2},
		Runs: []*history.Run{
			{ID: 1, Site: "https://shop.test/", StartedAt: at, FinishedAt: at.Add(time.Minute), Outcome: history.OutcomeOK},
			{ID: 2, Site: "https://shop.test/", StartedAt: at.Add(24 * time.Hour), FinishedAt: at.Add(25 * time.Hour), Outcome: history.OutcomeChanged, BaselineRun: 1,
				Changes: []history.Change{{Kind: history.ScriptAdded, Subject: "https://evil.test/" + hostile + ".js", Pages: []string{"https://shop.test/checkout"}}}},
			{ID: 3, Site: "https://shop.test/", StartedAt: at.Add(48 * time.Hour), FinishedAt: at.Add(49 * time.Hour), Outcome: history.OutcomeDegraded, BaselineRun: 2,
				Reasons: []string{"payment page https://shop.test/checkout answers HTTP 500 " + hostile}},
		},
		PaymentPages: []evidencePage{{URL: "https://shop.test/checkout",
			Scripts: []history.Seen{{Page: "https://shop.test/checkout", Script: "https://js.pay.test/v3.js", SHA256: strings.Repeat("ab", 32), FirstRun: 1, LastRun: 3, FirstSeen: at, LastSeen: at}},
			Headers: []history.Seen{{Page: "https://shop.test/checkout", Header: "Content-Security-Policy", Value: hostile, FirstRun: 1, LastRun: 3, FirstSeen: at, LastSeen: at}}}},
		Inventory: &evidenceInventory{File: "inventory.yml", Entries: []map[string]any{
			{"url": "https://js.pay.test/v3.js", "justification": "payments " + hostile, "owner": "payments team", "approved": "2026-11-02"}}},
	}
	ev.alertsByRun[2] = evidenceSent{Deliveries: []history.Delivery{{Channel: "webhook", Status: history.Delivered, Attempts: 2}}}
	dir := t.TempDir()
	if err := writeEvidence(dir, ev); err != nil {
		t.Fatal(err)
	}
	docURL := "file://" + filepath.ToSlash(filepath.Join(dir, "evidence.html"))

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(filepath.Join(dir, "profile")))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithErrorf(t.Logf))
	defer cancel()
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	var mu sync.Mutex
	var requests, dialogs []string
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *network.EventRequestWillBeSent:
			requests = append(requests, e.Request.URL)
		case *cdppage.EventJavascriptDialogOpening:
			dialogs = append(dialogs, e.Message)
			go chromedp.Call(ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: false})
		}
	}); err != nil {
		t.Fatal(err)
	}
	sctx, scancel := context.WithTimeout(ctx, 60*time.Second)
	defer scancel()
	if err := chromedp.Do(sctx, chromedp.Steps(chromedp.Navigate(docURL), chromedp.WaitVisible(chromedp.ID("runs")))); err != nil {
		t.Fatalf("open the evidence: %v", err)
	}
	eval := func(js string) string {
		t.Helper()
		v, err := chromedp.Run(sctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("evaluate %s: %v", js, err)
		}
		return v
	}
	for js, want := range map[string]string{
		`document.title`: "padlock evidence: payment-page scripts and headers",
		`String(document.querySelectorAll('tr.run').length)`:                                    "3",
		`document.querySelector('tr.run[data-outcome="degraded"] td.degraded').textContent`:     "degraded",
		`String(document.querySelectorAll('script, img, iframe, link[rel=stylesheet]').length)`: "0",
		`document.getElementById('sum-runs').textContent`:                                       "3",
		`String(document.querySelectorAll('#inventory tr.entry').length)`:                       "1",
		`String(document.querySelectorAll('table.scripts tr.script').length)`:                   "1",
	} {
		if got := eval(js); got != want {
			t.Errorf("%s = %q, want %q", js, got, want)
		}
	}
	text := eval(`document.body.innerText`)
	for _, want := range []string{"script-added https://evil.test/" + hostile + ".js", "payments " + hostile, "webhook: delivered", "payments team", "2026-11-02",
		"answers HTTP 500 " + hostile, strings.Repeat("ab", 32)} {
		if !strings.Contains(text, want) {
			t.Errorf("the page does not show %q", want)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(dialogs) != 0 {
		t.Errorf("the site's text ran as script: dialogs %q", dialogs)
	}
	for _, r := range requests {
		if r != docURL {
			t.Errorf("the page requested %s: it must be self-contained", r)
		}
	}
}
