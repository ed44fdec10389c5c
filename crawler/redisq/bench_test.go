package redisq_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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

// BenchmarkFrontierRedisCPU runs the frontier's page path alone (no fetch): 16 goroutines take
// PADLOCK_BENCH_PAGES pages (default 10,000), each queueing two new links, as the benchmark
// shop's pages do (a page and its http: twin), then ending its page. It reports redis-server's
// CPU time (INFO cpu) and the commands it ran (its scripts' calls included) per page.
//
//	go test ./crawler/redisq -run '^$' -bench FrontierRedisCPU -benchtime 1x
func BenchmarkFrontierRedisCPU(b *testing.B) {
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("PADLOCK_BENCH_PAGES")); err == nil && v > 0 {
		n = v
	}
	srv := redistest.Start(b)
	cpu := func() float64 {
		info, err := srv.Do("INFO", "cpu")
		if err != nil {
			b.Fatal(err)
		}
		var s float64
		for _, l := range strings.Split(info, "\n") {
			for _, k := range []string{"used_cpu_sys:", "used_cpu_user:"} {
				if v, ok := strings.CutPrefix(strings.TrimSpace(l), k); ok {
					x, _ := strconv.ParseFloat(v, 64)
					s += x
				}
			}
		}
		return s
	}
	calls := func() (total, scripts int) {
		info, err := srv.Do("INFO", "commandstats")
		if err != nil {
			b.Fatal(err)
		}
		for _, l := range strings.Split(info, "\n") {
			if name, rest, ok := strings.Cut(l, ":calls="); ok {
				x, _ := strconv.Atoi(rest[:strings.IndexByte(rest, ',')])
				total += x
				if name == "cmdstat_evalsha" {
					scripts += x
				}
			}
		}
		return total, scripts
	}
	c, err := redisq.Open(srv.URL("lease=1m"))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	for i := 0; i < b.N; i++ {
		id := fmt.Sprintf("cpu-%d", i)
		f, err := c.TestFrontier(context.Background(), id, &crawler.Config{StartURLs: []string{"https://shop.test/"}, IgnoreRobots: true})
		if err != nil {
			b.Fatal(err)
		}
		w := c.TestJoin(id, 16)
		mkjob := func(raw string) crawler.Job {
			u, _ := url.Parse(raw)
			return crawler.Job{URL: u, Key: crawler.NormalizeURL(u), Depth: 2, Parent: "https://shop.test/"}
		}
		f.Add([]crawler.Job{mkjob("https://shop.test/p/0")})
		f.Sync()
		srv.Do("CONFIG", "RESETSTAT")
		cpu0 := cpu()
		var next atomic.Int64
		var wg sync.WaitGroup
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					j, ok := w.Next()
					if !ok {
						return
					}
					if k := next.Add(1); k < int64(n) {
						w.Add([]crawler.Job{mkjob(fmt.Sprintf("https://shop.test/p/%d", k)), mkjob(fmt.Sprintf("http://shop.test/p/%d", k))})
					}
					w.Done(j)
				}
			}()
		}
		wg.Wait() // the crawl is over when nothing was queued or leased for the idle window
		b.ReportMetric((cpu()-cpu0)*1e6/float64(2*n), "redis-µs/url")
		total, scripts := calls()
		b.ReportMetric(float64(total)/float64(2*n), "redis-calls/url")
		b.ReportMetric(float64(scripts)/float64(2*n), "scripts/url")
		w.Stop()
		f.Stop()
	}
}
