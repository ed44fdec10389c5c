package redisq_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/crawler/redisq"
	"github.com/padlock-scan/padlock/internal/benchsite"
	"github.com/padlock-scan/padlock/internal/redistest"
	"github.com/padlock-scan/padlock/scan"
)

// BenchmarkShared crawls the generated shop (PADLOCK_BENCH_PAGES pages, default 2,000;
// --check-resources none, -c 16 a process) in one process, then shared over Redis by the
// starting process alone and with 1 and 3 workers (goroutines of this process: on 2 cores the
// point is the frontier's overhead, not a speed-up). It reports pages/s and Redis memory.
//
//	go test ./crawler/redisq -run '^$' -bench Shared -benchtime 1x
func BenchmarkShared(b *testing.B) {
	n := 2000
	if v, err := strconv.Atoi(os.Getenv("PADLOCK_BENCH_PAGES")); err == nil && v > 0 {
		n = v
	}
	srv := redistest.Start(b)
	run := func(b *testing.B, workers int) {
		for i := 0; i < b.N; i++ {
			site := benchsite.Start(n)
			cfg := crawler.Config{StartURLs: []string{site.StartURL}, Resolve: site.Resolve, RootCAs: site.RootCAs,
				Concurrency: 16, MaxPages: n + 10, CheckResources: crawler.CheckNone}
			opt := scan.Options{Crawl: cfg, Spool: true}
			var c *redisq.Client
			ctx, cancel := context.WithCancel(context.Background())
			if workers >= 0 {
				var err error
				if c, err = redisq.Open(srv.URL("lease=2s")); err != nil {
					b.Fatal(err)
				}
				id := fmt.Sprintf("bench-%d-%d", workers, i)
				opt.Crawler = c.Crawler(id, nil, nil)
				for range workers {
					go func() {
						local := cfg
						c.Join(ctx, id, &local, nil)
					}()
				}
			}
			mem := srv.UsedMemory()
			start := time.Now()
			rep, err := scan.Run(ctx, opt)
			elapsed := time.Since(start)
			cancel()
			if err != nil {
				b.Fatal(err)
			}
			if rep.Stats.Pages != n {
				b.Fatalf("crawled %d pages of %d", rep.Stats.Pages, n)
			}
			rep.Close()
			b.ReportMetric(float64(n)/elapsed.Seconds(), "pages/s")
			b.ReportMetric(float64(srv.UsedMemory()-mem), "redis-bytes-after")
			if c != nil {
				c.Close()
			}
			site.Close()
		}
	}
	b.Run("single-process", func(b *testing.B) { run(b, -1) })
	for _, w := range []int{0, 1, 3} {
		b.Run(fmt.Sprintf("shared-%d-processes", w+1), func(b *testing.B) { run(b, w) })
	}
}

// BenchmarkPartDecode decodes the parts of the generated shop's pages as the starting process
// reads them from the stream (one op: one part), and reports their size.
//
//	go test ./crawler/redisq -run '^$' -bench PartDecode
func BenchmarkPartDecode(b *testing.B) {
	site := benchsite.Start(200)
	defer site.Close()
	cfg := crawler.Config{StartURLs: []string{site.StartURL}, Resolve: site.Resolve, RootCAs: site.RootCAs,
		Concurrency: 4, MaxPages: 200, CheckResources: crawler.CheckNone}
	var parts [][]byte
	size := 0
	if _, err := crawler.Crawl(context.Background(), &cfg, func(p *crawler.Page) {
		pt, _ := json.Marshal(crawler.Part{Page: p})
		parts = append(parts, pt)
		size += len(pt)
	}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var pt crawler.Part
		if err := json.Unmarshal(parts[i%len(parts)], &pt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(size)/float64(len(parts)), "bytes/part")
}
