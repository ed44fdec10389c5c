package main

import (
	"context"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/crawler/redisq"
	"github.com/padlock-scan/padlock/internal/redistest"
	"github.com/padlock-scan/padlock/internal/sitetest"
	"github.com/padlock-scan/padlock/internal/sitetest/testnet"
	"github.com/padlock-scan/padlock/render"
	"github.com/padlock-scan/padlock/scan"
)

// renderShop is a TLS shop.test of n pages (/ links to /p1 ... /p(n-1)) with tags.test beside
// it and a plain-http cdn.test. Every page shows an http: image (a static finding the browser
// upgrades); every page's inline script injects a tags.test script of its own (a finding only
// the browser sees, initiated by the page, and an injected script in the inventory). It counts
// the browsers' navigations to each page.
type renderShop struct {
	caFile  string
	resolve []string
	start   string
	mu      sync.Mutex
	navs    map[string]int
	// Armed (arm), the crawl's fetches of /p1 on wait until two are in flight at once: the
	// starting process fetches one at a time, so the second is the worker's, which then has
	// pages of its own to render however late its process and browser start under load.
	armed    bool
	fetching int
	open     chan struct{}
}

// arm holds the crawl's page fetches until the worker fetches too (see armed).
func (s *renderShop) arm() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.armed, s.fetching, s.open = true, 0, make(chan struct{})
}

// await waits, when armed, for two page fetches in flight at once (a minute at most).
func (s *renderShop) await() {
	s.mu.Lock()
	if !s.armed {
		s.mu.Unlock()
		return
	}
	s.fetching++
	open := s.open
	if s.fetching == 2 {
		close(open)
	}
	s.mu.Unlock()
	select {
	case <-open:
	case <-time.After(time.Minute):
	}
}

func newRenderShop(t *testing.T, n int) *renderShop {
	t.Helper()
	if _, err := render.FindChrome(""); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must install Debian's chromium package: %v", err)
		}
		t.Skipf("no browser: %v", err)
	}
	s := &renderShop{navs: map[string]int{}}
	var tlsPort, httpPort string
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := strings.Cut(r.Host, ":")
		switch {
		case host == "tags.test" && strings.HasSuffix(r.URL.Path, ".js"):
			w.Header().Set("Content-Type", "text/javascript")
			fmt.Fprintf(w, "window.tag = %q;", r.URL.Path)
			return
		case host != "shop.test":
			http.NotFound(w, r)
			return
		}
		i := 0
		if r.URL.Path != "/" {
			if _, err := fmt.Sscanf(r.URL.Path, "/p%d", &i); err != nil || i < 1 || i >= n {
				http.NotFound(w, r)
				return
			}
		}
		if r.Header.Get("Sec-Fetch-Mode") == "navigate" {
			s.mu.Lock()
			s.navs[r.URL.Path]++
			s.mu.Unlock()
		} else {
			if i > 0 {
				s.await()
			}
			time.Sleep(100 * time.Millisecond) // the crawl's fetch: the worker takes its share
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><head><meta charset=utf-8><title>p%d</title></head><body>
<img src="http://cdn.test:%s/%d.png">
<script>var s = document.createElement("script"); s.src = "https://tags.test:%s/t%d.js"; document.head.appendChild(s);</script>
`, i, httpPort, i, tlsPort, i)
		if i == 0 {
			for k := 1; k < n; k++ {
				fmt.Fprintf(w, `<a href="/p%d">%d</a>`, k, k)
			}
		}
	})
	ca := testnet.NewCA(t, "padlock worker render root")
	leaf := ca.ValidLeaf(t, "shop.test", "tags.test")
	tlsPort = testnet.Port(testnet.TLSServer(t, h, leaf))
	httpPort = testnet.Port(testnet.HTTPServer(t, h))
	s.resolve = append(testnet.Resolve(tlsPort, "shop.test", "tags.test"), testnet.Resolve(httpPort, "cdn.test")...)
	s.start = "https://shop.test:" + tlsPort + "/"
	s.caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(s.caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return s
}

// navigations returns, and clears, the count of each page's navigations.
func (s *renderShop) navigations() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.navs
	s.navs = map[string]int{}
	return out
}

// TestWorkerRenders: in a shared crawl with --render all, a worker process renders the pages it
// fetches in its own browser and streams what it saw; the starting process renders only its own
// pages (each page is rendered once), and the report equals the single-process one: render
// findings with their initiator, observed marks, rendered pages, injected scripts with
// injected_by and sha256.
func TestWorkerRenders(t *testing.T) {
	const pages = 8
	shop := newRenderShop(t, pages)
	srv := redistest.Start(t)
	bin := buildPadlock(t)
	dir := t.TempDir()
	common := []string{"-q", "--ignore-robots", "--check-resources", "none", "--fail-on", "never", "--render", "all",
		"--render-timeout", "20s", "--ca-file", shop.caFile}
	for _, r := range shop.resolve {
		common = append(common, "--resolve", r)
	}

	single := filepath.Join(dir, "single.json")
	if code, _, stderr := runCLI(t, context.Background(), append(append([]string{"crawl"}, common...), "-c", "2", "-o", single, shop.start)...); code != exitOK {
		t.Fatalf("single-process crawl: exit %d\n%s", code, stderr)
	}
	if navs := shop.navigations(); len(navs) != pages {
		t.Fatalf("the single-process crawl rendered %v; want the %d pages", navs, pages)
	}

	frontier := srv.URL("")
	shop.arm()
	worker, werr := startWorker(t, bin, "--frontier", frontier, "--crawl-id", "render", "-c", "4", "--render-concurrency", "2")
	shared := filepath.Join(dir, "shared.json")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// The starting process fetches one page at a time, the worker four.
	args := append(append([]string{"crawl"}, common...), "-c", "1", "--frontier", frontier, "--crawl-id", "render", "-o", shared, shop.start)
	if code, _, stderr := runCLI(t, ctx, args...); code != exitOK {
		t.Fatalf("shared crawl: exit %d\n%s", code, stderr)
	}
	if err := worker.Wait(); err != nil {
		t.Fatalf("worker: %v\n%s", err, werr)
	}
	m := regexp.MustCompile(`\((\d+) pages rendered here\)`).FindStringSubmatch(werr.String())
	if m == nil {
		t.Fatalf("the worker rendered no page, and the test proves nothing:\n%s", werr)
	}
	t.Logf("the worker rendered %s of %d pages", m[1], pages)
	for p, n := range shop.navigations() {
		if n != 1 {
			t.Errorf("%s rendered %d times; want once (by the process that fetched it)", p, n)
		}
	}
	got, want := normalReport(t, shared), normalReport(t, single)
	if got != want {
		t.Errorf("the shared crawl's report differs from the single-process one:\n%s", sitetest.LineDiff(want, got))
	}
	for _, s := range []string{`"rendered": true`, `"source": "render"`, `"initiator": "https://shop.test:`, `"observed": "`, `"injected_by": "https://shop.test:`} {
		if !strings.Contains(want, s) {
			t.Errorf("the report has no %s: the fixture does not test what it should", s)
		}
	}
}

// TestWorkerWithoutBrowser: a worker that joins a crawl with --render and finds no Chromium
// stops at once with exit 2, naming the browser it tried, rather than fetch pages it cannot
// render.
func TestWorkerWithoutBrowser(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done() // the crawl waits on its start page while the worker joins
	}))
	defer site.Close()
	c, err := redisq.Open(srv.URL(""))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	started := make(chan struct{})
	crawled := make(chan struct{})
	go func() {
		defer close(crawled)
		opt := scan.Options{Render: scan.RenderOptions{Mode: scan.RenderAll}}
		cfg := &crawler.Config{StartURLs: []string{site.URL + "/"}, Concurrency: 1, IgnoreRobots: true}
		c.Crawler("nobrowser", func(string) { close(started) }, scan.SharedRender(&opt))(ctx, cfg, func(*crawler.Page) {})
	}()
	<-started
	code, _, stderr := runCLI(t, ctx, "worker", "--frontier", srv.URL(""), "--crawl-id", "nobrowser", "--chrome", "/nonexistent/chromium")
	if code != exitTrouble || !strings.Contains(stderr, "/nonexistent/chromium") || !strings.Contains(stderr, "no Chromium browser found") {
		t.Errorf("exit %d, stderr %q; want exit 2 naming the browser tried", code, stderr)
	}
	cancel()
	<-crawled
}
