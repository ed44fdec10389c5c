package report

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromiumPath is where Debian's chromium package puts the browser.
const chromiumPath = "/usr/bin/chromium"

// cspProbe runs before the report's own code (DevTools-injected scripts are exempt from the
// page's CSP) and records every Content-Security-Policy violation, so the test sees a wrong
// hash or an inline style attribute that the policy blocks.
const cspProbe = `window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
});`

// browserEvents collects what the page did, under a lock: Listen calls back on the reader
// goroutine of the tab.
type browserEvents struct {
	mu         sync.Mutex
	requests   []string
	dialogs    []string
	exceptions []string
}

func (b *browserEvents) add(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		if e.Request != nil {
			b.requests = append(b.requests, e.Request.URL)
		}
	case *page.EventJavascriptDialogOpening:
		b.dialogs = append(b.dialogs, e.Message)
	case *runtime.EventExceptionThrown:
		if e.ExceptionDetails != nil {
			b.exceptions = append(b.exceptions, e.ExceptionDetails.Text)
		}
	}
}

func (b *browserEvents) snapshot() (requests, dialogs, exceptions []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.requests...), append([]string(nil), b.dialogs...), append([]string(nil), b.exceptions...)
}

// TestHTMLInBrowser opens the HTML report in headless Chromium from file:// and uses it as a
// person would: reads the summary, filters by severity and rule, searches. It checks that the
// page loads nothing but itself, that no crawled string runs or becomes markup, and that the
// CSP allows the report's own code. PADLOCK_SCREENSHOT=path writes a full-page PNG.
func TestHTMLInBrowser(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing; CI must install Debian's chromium package: %v", chromiumPath, err)
		}
		t.Skipf("%s is missing (apt-get install chromium); skipping the browser test", chromiumPath)
	}

	r := fixtureReport()
	dir := t.TempDir()
	file := filepath.Join(dir, "report.html")
	out, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeHTML(out, r); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	docURL := "file://" + filepath.ToSlash(file)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithErrorf(t.Logf))
	defer cancel()

	// Start the browser without a deadline (a deadline on the first run would bound the
	// browser's whole life), then bound each step.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	events := &browserEvents{}
	if err := chromedp.Listen(ctx, events.add); err != nil {
		t.Fatal(err)
	}
	// Close any dialog at once so a (failed) test cannot hang on it.
	go func() {
		for ev, err := range chromedp.Events(ctx, page.JavascriptDialogOpening) {
			if err != nil {
				return
			}
			_ = ev
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	step := func(name string, a chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, scancel := context.WithTimeout(ctx, 30*time.Second)
		defer scancel()
		if err := chromedp.Do(sctx, a); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	eval := func(js string) string {
		t.Helper()
		sctx, scancel := context.WithTimeout(ctx, 30*time.Second)
		defer scancel()
		v, err := chromedp.Run(sctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("evaluate %s: %v", js, err)
		}
		return v
	}

	step("install the CSP probe", chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: cspProbe})
		return err
	}))
	step("open the report", chromedp.Steps(
		chromedp.Navigate(docURL),
		chromedp.WaitVisible(chromedp.ID("filters")),
	))

	// visible lists the data-severity of the finding rows a person can see.
	visible := func() []string {
		v := eval(`Array.prototype.filter.call(document.querySelectorAll('tr.finding'),
			function (r) { return r.offsetParent !== null; }).map(function (r) { return r.dataset.severity; }).join(',')`)
		if v == "" {
			return nil
		}
		return strings.Split(v, ",")
	}
	reset := func() {
		eval(`(function () {
			document.getElementById('filter-sev-all').click();
			var s = document.getElementById('filter-search'); s.value = ''; s.dispatchEvent(new Event('input'));
			var r = document.getElementById('filter-rule'); r.value = ''; r.dispatchEvent(new Event('change'));
			return '';
		}())`)
	}
	count := func(sev string) int {
		n := 0
		for _, f := range r.Findings {
			if sev == "" || f.Severity.String() == sev {
				n++
			}
		}
		return n
	}

	t.Run("summary numbers", func(t *testing.T) {
		want := map[string]int{
			"stat-pages": r.Stats.Pages, "stat-resources": r.Stats.Resources, "stat-findings": len(r.Findings),
			"stat-error": r.Stats.BySeverity["error"], "stat-warning": r.Stats.BySeverity["warning"],
			"stat-info": r.Stats.BySeverity["info"], "stat-errors": len(r.Errors), "stat-scripts": len(r.Scripts),
		}
		for id, n := range want {
			got := eval(`document.getElementById('` + id + `').textContent.trim()`)
			if got != strconv.Itoa(n) {
				t.Errorf("#%s shows %q, want %d", id, got, n)
			}
		}
		if got := len(visible()); got != len(r.Findings) {
			t.Errorf("%d finding rows visible, want %d", got, len(r.Findings))
		}
	})

	t.Run("severity filter", func(t *testing.T) {
		for _, level := range severities {
			sev := level.String()
			reset()
			step("click "+sev, chromedp.Click(chromedp.ID("filter-sev-"+sev)))
			rows := visible()
			if len(rows) != count(sev) {
				t.Errorf("%s: %d rows visible, want %d", sev, len(rows), count(sev))
			}
			for _, s := range rows {
				if s != sev {
					t.Errorf("%s filter shows a %s row", sev, s)
				}
			}
		}
		reset()
		if got := len(visible()); got != len(r.Findings) {
			t.Errorf("All shows %d rows, want %d", got, len(r.Findings))
		}
	})

	t.Run("rule filter", func(t *testing.T) {
		reset()
		eval(`(function () { var r = document.getElementById('filter-rule'); r.value = 'insecure-link';
			r.dispatchEvent(new Event('change')); return ''; }())`)
		if got := len(visible()); got != 2 {
			t.Errorf("insecure-link shows %d rows, want 2", got)
		}
		if h := eval(`String(document.getElementById('rule-mixed-content-blockable').offsetParent === null)`); h != "true" {
			t.Errorf("the sections of other rules should hide")
		}
	})

	t.Run("search", func(t *testing.T) {
		tests := []struct{ query, want string }{
			{"cdn.other.test", "error"},
			{"pwned=4", "error"},       // resource URL of the hostile stylesheet
			{"search?q=", "error"},     // matches the row's page
			{"CSP-UPGRADE", "warning"}, // case-insensitive, mitigation chip
			{"no such text anywhere", ""},
		}
		for _, tt := range tests {
			reset()
			step("type "+tt.query, chromedp.SendKeys(chromedp.ID("filter-search"), tt.query))
			rows := visible()
			if strings.Join(rows, ",") != tt.want {
				t.Errorf("search %q shows %v, want [%s]", tt.query, rows, tt.want)
			}
			if tt.want == "" && eval(`String(document.getElementById('no-match').offsetParent !== null)`) != "true" {
				t.Errorf("search %q: the no-match note should show", tt.query)
			}
		}
		reset()
	})

	t.Run("hostile strings stay text", func(t *testing.T) {
		checks := map[string]string{
			"window.pwned is unset":           `String(typeof window.pwned)`,
			"one script element":              `String(document.scripts.length)`,
			"no injected elements":            `String(document.querySelectorAll('img, iframe, object, embed, b, link[rel=stylesheet], [onerror], [onload]').length)`,
			"no javascript: link":             `String(document.querySelectorAll('a[href^="javascript:" i]').length)`,
			"only the report's style element": `String(document.querySelectorAll('style').length)`,
		}
		want := map[string]string{
			"window.pwned is unset": "undefined", "one script element": "1", "no injected elements": "0",
			"no javascript: link": "0", "only the report's style element": "1",
		}
		for name, js := range checks {
			if got := eval(js); got != want[name] {
				t.Errorf("%s: got %s, want %s", name, got, want[name])
			}
		}
		text := eval(`document.body.innerText`)
		for _, s := range []string{
			`"><script>window.pwned=1</script>`, hostileLinkURL, hostileJSURL, hostileStyleURL,
			`</style><b>bold</b> over HTTP`, `<script>window.pwned=6</script>`, `<b>done</b> & "quoted"`,
			`"><script>window.pwned=7</script>`, `sha384-"><b>x</b>`, `CN=<script>window.pwned=8</script>`,
			`(the leaf CN=<script>window.pwned=9</script>)`,
		} {
			if !strings.Contains(text, s) {
				t.Errorf("page text lacks %q: crawled strings must show as text", s)
			}
		}
	})

	t.Run("no network, no dialog, no CSP violation", func(t *testing.T) {
		if v := eval(`window.__cspViolations.join('; ')`); v != "" {
			t.Errorf("CSP violations: %s", v)
		}
		requests, dialogs, exceptions := events.snapshot()
		if len(requests) == 0 {
			t.Errorf("saw no request at all: the network listener is not working")
		}
		for _, u := range requests {
			if u != docURL {
				t.Errorf("the report requested %s", u)
			}
		}
		if len(dialogs) > 0 {
			t.Errorf("dialogs opened: %q", dialogs)
		}
		if len(exceptions) > 0 {
			t.Errorf("script exceptions: %q", exceptions)
		}
	})

	if path := os.Getenv("PADLOCK_SCREENSHOT"); path != "" {
		reset()
		sctx, scancel := context.WithTimeout(ctx, 60*time.Second)
		defer scancel()
		png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot written to %s", path)
	}
}
