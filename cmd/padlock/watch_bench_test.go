//go:build linux

package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/history"
	"github.com/padlock-scan/padlock/internal/benchsite"
	"github.com/padlock-scan/padlock/report"
	"github.com/padlock-scan/padlock/scan"
)

// BenchmarkWatch measures what padlock watch adds to a crawl. The generated shop
// (internal/benchsite, 10,000 pages or $PADLOCK_BENCH_PAGES; every 100th page made a payment page
// with security headers and its scripts) is crawled once; then the watcher makes 50 runs whose
// crawl returns that report spooled, as a crawl does, one run in ten with a payment page's script
// changed (an alert). It reports the crawl's time, the time and CPU per run beyond the crawl
// (comparing, recording the run and its compressed report, alerting; the report read from its
// JSON, standing for the crawl, left out) and the store's size after 50 runs.
//
//	go test ./cmd/padlock -run '^$' -bench Watch -benchtime 1x
func BenchmarkWatch(b *testing.B) {
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("PADLOCK_BENCH_PAGES")); err == nil && v > 0 {
		n = v
	}
	const runs = 50
	site := benchsite.Start(n)
	defer site.Close()
	crawlStart := time.Now()
	rep, err := scan.Run(context.Background(), scan.Options{Crawl: crawler.Config{
		StartURLs: []string{site.StartURL}, Resolve: site.Resolve, RootCAs: site.RootCAs,
		Concurrency: 16, MaxPages: n + 10, CheckResources: crawler.CheckScripts,
	}})
	if err != nil {
		b.Fatal(err)
	}
	crawlTime := time.Since(crawlStart)
	payment := map[string]bool{}
	for i := range rep.Pages {
		if i%100 == 0 && rep.Pages[i].Error == "" {
			p := &rep.Pages[i]
			p.Payment = true
			p.SecurityHeaders = map[string]string{"Content-Security-Policy": "script-src 'self' https://" + benchsite.CDNHost,
				"Strict-Transport-Security": "max-age=31536000"}
			p.CSP = []string{p.SecurityHeaders["Content-Security-Policy"]}
			payment[p.FinalURL] = true
		}
	}
	for i := range rep.Scripts {
		s := &rep.Scripts[i]
		for _, p := range s.Pages {
			if payment[p] {
				s.PaymentPages = append(s.PaymentPages, p)
			}
		}
	}
	// The runs' crawls return the report as a crawl does, spooled: read from its JSON (the one in
	// ten with the payment script changed from another), which is timed and left out.
	same := reportJSON(b, rep)
	for k := range rep.Scripts {
		if len(rep.Scripts[k].PaymentPages) > 0 && rep.Scripts[k].Kind == "external" {
			rep.Scripts[k].SHA256 = fmt.Sprintf("%064x", 1)
			break
		}
	}
	changed := reportJSON(b, rep)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		path := filepath.Join(b.TempDir(), "h.db")
		store, err := history.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		clock := &fakeClock{t: time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)}
		ctx, cancel := context.WithCancel(context.Background())
		made := 0
		clock.onWake = func() error {
			if made == runs {
				cancel()
				return context.Canceled
			}
			return nil
		}
		var crawlReturn, crawlCPU time.Duration
		w := &watcher{site: site.StartURL, configHash: "bench", store: store, stdout: io.Discard, stderr: io.Discard, quiet: true,
			next: func(t time.Time) time.Time { return t.Add(24 * time.Hour) }, now: clock.now, sleep: clock.sleep,
			scanRun: func(context.Context, scan.Options) (*report.Report, error) {
				start, cpu := time.Now(), cpuTime()
				made++
				js := same
				if made%10 == 0 {
					js = changed
				}
				r, err := report.Open(bytes.NewReader(js), true)
				if err != nil {
					b.Fatal(err)
				}
				r.StartedAt, r.FinishedAt = clock.now(), clock.now().Add(crawlTime)
				crawlReturn += time.Since(start)
				crawlCPU += cpuTime() - cpu
				return r, nil
			}}
		start, cpu0 := time.Now(), cpuTime()
		if err := w.loop(ctx); err != nil {
			b.Fatal(err)
		}
		elapsed, cpu := time.Since(start)-crawlReturn, cpuTime()-cpu0-crawlCPU
		w.close()
		size := int64(0)
		for _, f := range []string{path, path + "-wal"} {
			if st, err := os.Stat(f); err == nil {
				size += st.Size()
			}
		}
		b.ReportMetric(crawlTime.Seconds(), "s/crawl")
		b.ReportMetric(elapsed.Seconds()/runs*1000, "ms/run-beyond-crawl")
		b.ReportMetric(cpu.Seconds()/runs*1000, "cpu-ms/run-beyond-crawl")
		b.ReportMetric(float64(size)/(1<<20), "MB-store-after-50-runs")
		b.ReportMetric(float64(len(rep.Pages)), "pages")
	}
}

// reportJSON is r's JSON report.
func reportJSON(b *testing.B, r *report.Report) []byte {
	w, err := report.New("json")
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := w.Write(&buf, r); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// cpuTime is the process's user and system CPU time so far: on a shared machine it says what a
// run costs better than the wall clock.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
