package scan

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/demo"
	"github.com/padlock-scan/padlock/internal/benchsite"
	"github.com/padlock-scan/padlock/render"
	"github.com/padlock-scan/padlock/report"
)

// BenchmarkRenderCrawl crawls the generated shop (PADLOCK_RENDER_BENCH_PAGES pages, 100 unless
// set) without the browser, with --render auto and with --render all, and reports pages/s,
// the wall time relative to the static crawl, and the peak memory of padlock plus its browser
// (the proportional set size of this process and its descendants: the site server runs in it
// too) and of this process alone (self-RSS-MB). The shop has no payment page and no
// script-built shell, so auto renders nothing (the browser starts in the background all the
// same). Run:
//
//	go test ./scan -run '^$' -bench RenderCrawl -benchtime 1x
func BenchmarkRenderCrawl(b *testing.B) {
	n := 100
	if v, err := strconv.Atoi(os.Getenv("PADLOCK_RENDER_BENCH_PAGES")); err == nil && v > 0 {
		n = v
	}
	benchRenderModes(b, func(b *testing.B) (benchTarget, func()) {
		site := benchsite.Start(n)
		return benchTarget{site.StartURL, site.Resolve, site.RootCAs, []string{benchLeafSPKI(b, site.StartURL, site.RootCAs, benchsite.ShopHost)}, n + 10}, site.Close
	})
}

// BenchmarkRenderDemo is BenchmarkRenderCrawl over the demo shop, whose checkout is a payment
// page (auto renders it). Run:
//
//	go test ./scan -run '^$' -bench RenderDemo -benchtime 1x
func BenchmarkRenderDemo(b *testing.B) {
	benchRenderModes(b, func(b *testing.B) (benchTarget, func()) {
		d, err := demo.Start(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		var spkis []string
		for _, h := range []string{demo.ShopHost, demo.StaticHost, demo.CDNHost, demo.WidgetsHost, demo.StatsHost} {
			spkis = append(spkis, benchLeafSPKI(b, d.StartURL, d.RootCAs, h))
		}
		return benchTarget{d.StartURL, d.Resolve, d.RootCAs, spkis, 1000}, d.Close
	})
}

// benchTarget is a site to crawl: where it starts, how it resolves, what the crawl and the
// browser trust, and a page limit above its size.
type benchTarget struct {
	start    string
	resolve  []string
	roots    *x509.CertPool
	spkis    []string
	maxPages int
}

// benchRenderModes crawls the site that open starts in each render mode.
func benchRenderModes(b *testing.B, open func(*testing.B) (benchTarget, func())) {
	if _, err := render.FindChrome(""); err != nil {
		b.Skip(err)
	}
	var static time.Duration
	for _, mode := range []string{RenderOff, RenderAuto, RenderAll} {
		b.Run(mode, func(b *testing.B) {
			for b.Loop() {
				site, closeSite := open(b)
				var peak, self atomic.Uint64
				stop, sampled := make(chan struct{}), make(chan struct{})
				go func() {
					defer close(sampled)
					t := time.NewTicker(200 * time.Millisecond)
					defer t.Stop()
					for {
						if v := benchTreePSS(os.Getpid()); v > peak.Load() {
							peak.Store(v)
						}
						if v := benchSelfRSS(); v > self.Load() {
							self.Store(v)
						}
						select {
						case <-stop:
							return
						case <-t.C:
						}
					}
				}()
				start := time.Now()
				rep, err := Run(context.Background(), Options{Crawl: crawler.Config{
					StartURLs: []string{site.start}, Resolve: site.resolve, RootCAs: site.roots,
					Concurrency: benchConcurrency, MaxPages: site.maxPages, CheckResources: crawler.CheckNone,
				}, Spool: true, Render: RenderOptions{Mode: mode, Browser: render.Options{
					// The browser trusts the sites' leaves by their keys: Chromium matches
					// --ignore-certificate-errors-spki-list against the chain the server sends,
					// which has no root.
					HostResolverRules: "MAP * 127.0.0.1", SPKIs: site.spkis,
				}}})
				if err != nil {
					b.Fatal(err)
				}
				renderErrs := 0
				for _, e := range rep.Errors {
					if strings.HasPrefix(e.Error, "render: ") {
						renderErrs++
						b.Logf("render error: %s: %s", e.URL, e.Error)
					}
				}
				if err := func() error { w, _ := report.New("json"); return w.Write(io.Discard, rep) }(); err != nil {
					b.Fatal(err)
				}
				elapsed := time.Since(start)
				close(stop)
				<-sampled
				rendered := 0
				_ = rep.EachPage(func(p *report.Page) error { // spooled: render mode spools as the static crawl does
					if p.Rendered {
						rendered++
					}
					return nil
				})
				rep.Close()
				closeSite()
				if mode == RenderOff {
					static = elapsed
				} else if static > 0 {
					b.ReportMetric(elapsed.Seconds()/static.Seconds(), "x-static")
				}
				b.ReportMetric(float64(rep.Stats.Pages)/elapsed.Seconds(), "pages/s")
				b.ReportMetric(float64(rendered), "rendered")
				b.ReportMetric(float64(renderErrs), "render-errors")
				b.ReportMetric(float64(peak.Load())/(1<<20), "peak-PSS-MB")
				b.ReportMetric(float64(self.Load())/(1<<20), "self-RSS-MB")
			}
		})
	}
}

// benchLeafSPKI is the base64 SHA-256 of the public key of host's leaf on the TLS port of start.
func benchLeafSPKI(b *testing.B, start string, roots *x509.CertPool, host string) string {
	hp, _, _ := strings.Cut(strings.TrimPrefix(start, "https://"), "/")
	_, port, _ := strings.Cut(hp, ":")
	c, err := tls.Dial("tcp", "127.0.0.1:"+port, &tls.Config{ServerName: host, RootCAs: roots})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	h := sha256.Sum256(c.ConnectionState().PeerCertificates[0].RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(h[:])
}

// benchSelfRSS is this process's resident set size in bytes (padlock and the site server,
// whose pages are generated on request: the browser is not counted).
func benchSelfRSS() uint64 {
	data, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			return kb << 10
		}
	}
	return 0
}

// benchTreePSS sums the proportional set size of pid and its descendants, in bytes.
func benchTreePSS(pid int) uint64 {
	children := map[int][]int{}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, st := range stats {
		data, err := os.ReadFile(st)
		if err != nil {
			continue
		}
		s := string(data)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) < 2 {
			continue
		}
		p, _ := strconv.Atoi(strings.Fields(s)[0])
		pp, _ := strconv.Atoi(f[1])
		children[pp] = append(children[pp], p)
	}
	var sum uint64
	var walk func(int)
	walk = func(p int) {
		data, _ := os.ReadFile("/proc/" + strconv.Itoa(p) + "/smaps_rollup")
		for _, line := range strings.Split(string(data), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "Pss:" {
				kb, _ := strconv.ParseUint(f[1], 10, 64)
				sum += kb << 10
			}
		}
		for _, c := range children[p] {
			walk(c)
		}
	}
	walk(pid)
	return sum
}
