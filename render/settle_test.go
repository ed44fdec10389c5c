package render

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
)

// TestSettledQuietWindow: after the load event, half the quiet window is enough when no script,
// stylesheet or frame document is loading, the whole window otherwise; never before load.
func TestSettledQuietWindow(t *testing.T) {
	const quiet = 500 * time.Millisecond
	tb := &tab{active: map[network.RequestID]bool{}, loaded: true, last: time.Now().Add(-quiet * 3 / 4)}
	if !tb.settled(quiet) {
		t.Error("nothing loading, quiet for 3/4 of the window: want settled")
	}
	tb.active["1"] = true // a script still loading can insert more
	if tb.settled(quiet) {
		t.Error("a script loading, quiet for 3/4 of the window: want not settled")
	}
	tb.last = time.Now().Add(-quiet * 2)
	if !tb.settled(quiet) {
		t.Error("a script loading, quiet for twice the window: want settled (never wait for the network alone)")
	}
	tb.loaded = false
	if tb.settled(quiet) {
		t.Error("before the load event: want not settled")
	}
}

// TestSpareTabs: the browser opens the next page's tab while a page renders, keeps at most
// Concurrency of them, and closes them with the browser.
func TestSpareTabs(t *testing.T) {
	if _, err := FindChrome(""); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must install Debian's chromium package: %v", err)
		}
		t.Skipf("no browser: %v", err)
	}
	b, err := Start(Options{Concurrency: 1, Timeout: 10 * time.Second, Warnf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	spares := func() (n int) {
		b.mu.RLock()
		defer b.mu.RUnlock()
		return len(b.spares) + b.opening
	}
	for range 2 {
		res, err := b.Render(t.Context(), "about:blank")
		if err != nil || res.Err != "" {
			t.Fatalf("render about:blank: %v %s", err, res.Err)
		}
		if n := spares(); n != 1 {
			t.Errorf("after a page: %d spare tabs open or opening, want 1 (Concurrency)", n)
		}
	}
	b.Close()
	b.mu.RLock()
	defer b.mu.RUnlock()
	if n := len(b.spares); n != 0 {
		t.Errorf("after Close: %d spare tabs", n)
	}
}

// TestLazyStart: a Lazy browser starts no process until the first page.
func TestLazyStart(t *testing.T) {
	if _, err := FindChrome(""); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must install Debian's chromium package: %v", err)
		}
		t.Skipf("no browser: %v", err)
	}
	b, err := Start(Options{Lazy: true, Timeout: 10 * time.Second, Warnf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if pid := b.PID(); pid != 0 {
		t.Fatalf("a lazy browser runs process %d before any page", pid)
	}
	if res, err := b.Render(t.Context(), "about:blank"); err != nil || res.Err != "" {
		t.Fatalf("render about:blank: %v %+v", err, res)
	}
	if b.PID() == 0 || b.Restarts() != 0 {
		t.Errorf("after the first page: pid %d, restarts %d; want a process and no restart", b.PID(), b.Restarts())
	}
}

// TestWarm: Warm starts a Lazy browser in the background, once however often it is called, and
// opens a tab for each of the first pages; the first page renders on that browser, with no start
// of its own.
func TestWarm(t *testing.T) {
	if _, err := FindChrome(""); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must install Debian's chromium package: %v", err)
		}
		t.Skipf("no browser: %v", err)
	}
	b, err := Start(Options{Lazy: true, Timeout: 10 * time.Second, Warnf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	b.Warm()
	b.Warm()
	spares := func() int {
		b.mu.RLock()
		defer b.mu.RUnlock()
		return len(b.spares)
	}
	for b.PID() == 0 || spares() < b.opts.Concurrency {
		select {
		case <-t.Context().Done():
			t.Fatalf("the warmed browser never started (pid %d) or opened its tabs (%d)", b.PID(), spares())
		case <-time.After(20 * time.Millisecond):
		}
	}
	pid := b.PID()
	b.Warm()
	if res, err := b.Render(t.Context(), "about:blank"); err != nil || res.Err != "" {
		t.Fatalf("render about:blank: %v %+v", err, res)
	}
	b.mu.RLock()
	gen := b.gen
	b.mu.RUnlock()
	if b.PID() != pid || gen != 1 || b.Restarts() != 0 {
		t.Errorf("after the first page: pid %d (warmed %d), %d starts, %d restarts; want the warmed browser, one start", b.PID(), pid, gen, b.Restarts())
	}
}

// TestTrustReplacesTheBrowserBetweenPages: keys Trust adds take a new browser (Chromium reads
// them at start), started before the next page; a page in progress on the old browser finishes
// there, and the old browser ends after it.
func TestTrustReplacesTheBrowserBetweenPages(t *testing.T) {
	if _, err := FindChrome(""); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must install Debian's chromium package: %v", err)
		}
		t.Skipf("no browser: %v", err)
	}
	// A page whose image the server holds: it cannot reach its load event until let go.
	asked, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/held.png" {
			once.Do(func() { close(asked) })
			<-release
			return
		}
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(`<!doctype html><body><p>slow</p><img src="/held.png"></body>`))
	}))
	defer srv.Close()
	defer close(release)
	b, err := Start(Options{Concurrency: 2, Timeout: 60 * time.Second, Warnf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	old := b.PID()
	done := make(chan *Result, 1)
	go func() {
		res, err := b.Render(t.Context(), srv.URL+"/slow")
		if err != nil {
			t.Error(err)
		}
		done <- res
	}()
	<-asked
	b.Trust("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	b.Trust("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=") // known: nothing to do
	if res, err := b.Render(t.Context(), "about:blank"); err != nil || res.Err != "" {
		t.Fatalf("the next page: %v %+v", err, res)
	}
	if b.PID() == old || b.Restarts() != 1 || !processAlive(old) {
		t.Errorf("after Trust: pid %d (was %d, alive %v), restarts %d; want a new browser, one restart, the old one still running its page",
			b.PID(), old, processAlive(old), b.Restarts())
	}
	release <- struct{}{}
	res := <-done
	if res == nil || res.Err != "" || res.Crashed || res.Retried || !strings.Contains(res.DOM, "slow") {
		t.Errorf("the page in progress on the old browser: %+v; want it finished there", res)
	}
	for start := time.Now(); processAlive(old); time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("the old browser %d still runs after its last page", old)
		}
	}
}

// processAlive says whether process pid still runs (and is not a zombie).
func processAlive(pid int) bool {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && len(s) > i+2 && s[i+2] != 'Z'
}
