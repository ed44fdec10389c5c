package scan

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/internal/benchsite"
	"github.com/padlock-scan/padlock/report"
	"github.com/padlock-scan/padlock/rules"
)

// benchPages is the size of the generated shop: 10,000 pages unless PADLOCK_BENCH_PAGES says.
func benchPages() int {
	if n, err := strconv.Atoi(os.Getenv("PADLOCK_BENCH_PAGES")); err == nil && n > 0 {
		return n
	}
	return 10000
}

const benchConcurrency = 16

// BenchmarkCrawl crawls the generated shop three ways at concurrency 16:
//   - baseline: a minimal crawler (fetch, x/net/html tokenizer, links and sub-resource URLs
//     resolved, a visited set, 16 workers) — the physical limit on this machine;
//   - padlock-none: padlock with every rule, --check-resources none (stylesheets only);
//   - padlock-scripts: also every script fetched once (SRI, inventory) and TLS probes;
//   - padlock-all: padlock with every rule and every sub-resource URL requested once.
//
// It reports pages/s, requests/s, allocations per page, the peak Go heap and the process's peak
// RSS (VmHWM, which includes the in-process site server). Run:
//
//	go test ./scan -run '^$' -bench Crawl -benchtime 1x
func BenchmarkCrawl(b *testing.B) {
	n := benchPages()
	b.Run("baseline", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			site := benchsite.Start(n)
			m := measure(func() int { return baselineCrawl(site, benchConcurrency) })
			m.report(b, site)
			site.Close()
		}
	})
	// The core crawl with the seven rules of the core issue only (the issue's own target), then
	// every level with all rules.
	core, err := rules.Select([]string{"mixed-content-blockable", "mixed-content-upgradeable", "insecure-form",
		"insecure-page", "https-downgrade", "insecure-refresh", "insecure-link"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("padlock-none-core-rules", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			site := benchsite.Start(n)
			m := measure(func() int { return runBench(b, site, n, crawler.CheckNone, core) })
			m.report(b, site)
			site.Close()
		}
	})
	for _, level := range []string{crawler.CheckNone, crawler.CheckScripts, crawler.CheckAll} {
		b.Run("padlock-"+level, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				site := benchsite.Start(n)
				m := measure(func() int { return runBench(b, site, n, level, nil) })
				m.report(b, site)
				site.Close()
			}
		})
	}
}

// BenchmarkCLI runs the real padlock binary (built once into a temporary folder) against the
// generated shop, as a separate process, and reports its wall time and peak RSS: the memory a
// user's machine sees, without the in-process site server of BenchmarkCrawl. Run:
//
//	go test ./scan -run '^$' -bench CLI -benchtime 1x
func BenchmarkCLI(b *testing.B) {
	n := benchPages()
	bin := filepath.Join(b.TempDir(), "padlock")
	build := exec.Command("go", "build", "-o", bin, "../cmd/padlock")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	for _, level := range []string{crawler.CheckNone, crawler.CheckAll} {
		b.Run(level, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				site := benchsite.Start(n)
				dir := b.TempDir()
				ca := filepath.Join(dir, "ca.pem")
				if err := os.WriteFile(ca, site.CAPEM(), 0o600); err != nil {
					b.Fatal(err)
				}
				args := []string{"crawl", "-c", strconv.Itoa(benchConcurrency), "--check-resources", level,
					"--max-pages", strconv.Itoa(n + 10), "--ca-file", ca, "--fail-on", "never", "-o", filepath.Join(dir, "r.json")}
				for _, r := range site.Resolve {
					args = append(args, "--resolve", r)
				}
				cmd := exec.Command(bin, append(args, site.StartURL)...)
				start := time.Now()
				out, err := cmd.CombinedOutput()
				elapsed := time.Since(start)
				if err != nil {
					b.Fatalf("padlock: %v\n%s", err, out)
				}
				// The child's own figure: rusage's ru_maxrss would count the test process the
				// child was forked from.
				var rss float64
				if m := peakRE.FindSubmatch(out); m != nil {
					rss, _ = strconv.ParseFloat(string(m[1]), 64)
				}
				b.ReportMetric(float64(n)/elapsed.Seconds(), "pages/s")
				b.ReportMetric(float64(site.Requests.Load())/elapsed.Seconds(), "requests/s")
				b.ReportMetric(rss, "peak-RSS-MB")
				site.Close()
			}
		})
	}
}

var peakRE = regexp.MustCompile(`peak memory (\d+) MB`)

// runBench crawls the site with padlock as the CLI would (report written, resources spooled)
// and returns the pages crawled. selected nil means every rule.
func runBench(b *testing.B, site *benchsite.Site, n int, level string, selected []*rules.Rule) int {
	rep, err := Run(context.Background(), Options{Crawl: crawler.Config{
		StartURLs: []string{site.StartURL}, Resolve: site.Resolve, RootCAs: site.RootCAs,
		Concurrency: benchConcurrency, MaxPages: n + 10, CheckResources: level,
	}, Selected: selected, Spool: true})
	if err != nil {
		b.Fatal(err)
	}
	if rep.Stats.Pages != n {
		b.Fatalf("crawled %d pages of %d", rep.Stats.Pages, n)
	}
	// the report is written too, as the CLI does: that is part of the cost
	w, _ := report.New("json")
	if err := w.Write(io.Discard, rep); err != nil {
		b.Fatal(err)
	}
	rep.Close()
	return rep.Stats.Pages
}

type measurement struct {
	pages    int
	elapsed  time.Duration
	mallocs  uint64
	peakHeap uint64
	peakRSS  uint64
}

// measure runs f, sampling the live-and-unswept heap every 10 ms and reading the process's peak RSS after
// resetting it (Linux /proc/self/clear_refs).
func measure(f func() int) measurement {
	runtime.GC()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		// runtime/metrics, not ReadMemStats: sampling must not stop the world it measures.
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				metrics.Read(sample)
				if v := sample[0].Value.Uint64(); v > peak.Load() {
					peak.Store(v)
				}
			}
		}
	}()
	start := time.Now()
	pages := f()
	elapsed := time.Since(start)
	close(done)
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	return measurement{pages: pages, elapsed: elapsed, mallocs: after.Mallocs - before.Mallocs, peakHeap: peak.Load(), peakRSS: vmHWM()}
}

func (m measurement) report(b *testing.B, site *benchsite.Site) {
	s := m.elapsed.Seconds()
	b.ReportMetric(float64(m.pages)/s, "pages/s")
	b.ReportMetric(float64(site.Requests.Load())/s, "requests/s")
	b.ReportMetric(float64(site.Requests.Load()), "requests")
	b.ReportMetric(float64(m.mallocs)/float64(m.pages), "allocs/page")
	b.ReportMetric(float64(m.peakHeap)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(m.peakRSS)/(1<<20), "peak-RSS-MB")
	b.ReportMetric(float64(site.PageGETs.Load()-int64(m.pages)), "duplicate-page-GETs")
}

// vmHWM reads the process's peak resident set size in bytes (0 where /proc is not there).
func vmHWM() uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseUint(f[1], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// baselineCrawl is the minimal crawler padlock is measured against: fetch, tokenize, resolve
// every link and sub-resource URL, de-duplicate links, 16 workers. No rules, no reports.
func baselineCrawl(site *benchsite.Site, workers int) int {
	resolver := map[string]string{}
	for _, r := range site.Resolve {
		parts := strings.SplitN(r, ":", 3)
		resolver[parts[1]] = parts[2]
	}
	dialer := &net.Dialer{}
	tr := &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: site.RootCAs},
		MaxIdleConnsPerHost: workers,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			_, port, _ := net.SplitHostPort(addr)
			if ip, ok := resolver[port]; ok {
				addr = net.JoinHostPort(ip, port)
			}
			return dialer.DialContext(ctx, network, addr)
		},
	}
	client := &http.Client{Transport: tr}
	start, _ := url.Parse(site.StartURL)
	var (
		mu      sync.Mutex
		cond    = sync.NewCond(&mu)
		queue   = []*url.URL{start}
		active  int
		pages   int
		visited sync.Map
	)
	visited.Store(start.String(), true)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				for len(queue) == 0 && active > 0 {
					cond.Wait()
				}
				if len(queue) == 0 {
					cond.Broadcast()
					mu.Unlock()
					return
				}
				u := queue[0]
				queue = queue[1:]
				active++
				mu.Unlock()
				links := fetchAndTokenize(client, u)
				mu.Lock()
				for _, l := range links {
					if _, seen := visited.LoadOrStore(l.String(), true); !seen {
						queue = append(queue, l)
					}
				}
				pages++
				active--
				cond.Broadcast()
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	tr.CloseIdleConnections()
	return pages
}

func fetchAndTokenize(client *http.Client, u *url.URL) []*url.URL {
	resp, err := client.Get(u.String())
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var links []*url.URL
	z := html.NewTokenizer(resp.Body)
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return links
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		for hasAttr {
			var k, v []byte
			k, v, hasAttr = z.TagAttr()
			switch string(k) {
			case "href", "src", "srcset", "poster", "action":
				ref, err := u.Parse(strings.TrimSpace(string(v)))
				if err != nil {
					continue
				}
				if string(name) == "a" && string(k) == "href" && ref.Host == u.Host {
					ref.Fragment = ""
					links = append(links, ref)
				}
			}
		}
	}
}

// TestBenchSiteIsCrawledCompletely runs the benchmark's three crawls on a small generated shop,
// so the benchmark cannot silently measure a broken crawl.
func TestBenchSiteIsCrawledCompletely(t *testing.T) {
	t.Parallel()
	const n = 60
	site := benchsite.Start(n)
	defer site.Close()
	if got := baselineCrawl(site, 4); got != n {
		t.Errorf("baseline crawled %d pages of %d", got, n)
	}
	for _, level := range []string{crawler.CheckNone, crawler.CheckAll} {
		rep, err := Run(context.Background(), Options{Crawl: crawler.Config{
			StartURLs: []string{site.StartURL}, Resolve: site.Resolve, RootCAs: site.RootCAs,
			Concurrency: 4, CheckResources: level,
		}})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Stats.Pages != n {
			t.Errorf("%s: crawled %d pages of %d", level, rep.Stats.Pages, n)
		}
		if rep.Stats.ByRule["mixed-content-blockable"] == 0 || rep.Stats.ByRule["mixed-content-upgradeable"] == 0 {
			t.Errorf("%s: the generated shop has http scripts and images; findings by rule: %v", level, rep.Stats.ByRule)
		}
	}
}
