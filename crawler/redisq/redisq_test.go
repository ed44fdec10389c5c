package redisq_test

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/crawler/redisq"
	"github.com/padlock-scan/padlock/internal/redistest"
	"github.com/padlock-scan/padlock/internal/sitetest"
	"github.com/padlock-scan/padlock/scan"
)

var sitesDir = filepath.Join("..", "..", "testdata", "sites")

// requestsRE: each worker reads robots.txt and checks sub-resources once per process, so a
// distributed crawl makes more requests than one process; the count is normalised with times.
var requestsRE = regexp.MustCompile(`"requests": [0-9]+`)

func normal(t *testing.T, s *sitetest.Site, opt scan.Options) []byte {
	t.Helper()
	opt.Now = func() time.Time { return sitetest.Clock }
	rep := sitetest.MustScan(t, opt)
	b := sitetest.NormalizeReport(sitetest.JSON(t, rep), s.TLSPort, "TLSPORT", s.HTTPPort, "HTTPPORT")
	return requestsRE.ReplaceAll(b, []byte(`"requests": N`))
}

// TestSameReport: the report of a crawl shared over Redis by the starting process and two
// workers equals, byte for byte once times and request counts are normalised, the report of
// the same site crawled in one process.
func TestSameReport(t *testing.T) {
	srv := redistest.Start(t)
	for _, name := range []string{"links", "frames", "css", "mixed", "forms", "csp", "traps", "redirects"} {
		t.Run(name, func(t *testing.T) {
			s := sitetest.Start(t, filepath.Join(sitesDir, name))
			base := s.Options()
			if name == "redirects" {
				// Which of two URLs that end on one page records it depends on which is
				// fetched first: one request at a time in every process.
				base.Crawl.Concurrency = 1
			}
			want := normal(t, s, base)

			c, err := redisq.Open(srv.URL("lease=500ms"))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			id := "same-" + name
			var workerPages atomic.Int64
			joined := make(chan error, 2)
			for range 2 {
				go func() {
					local := base.Crawl
					local.Progress = func(crawler.Progress) { workerPages.Add(1) }
					_, err := c.Join(ctx, id, &local)
					joined <- err
				}()
			}
			opt := base
			opt.Crawler = c.Crawler(id, nil)
			got := normal(t, s, opt)
			for range 2 {
				if err := <-joined; err != nil {
					t.Errorf("worker: %v", err)
				}
			}
			t.Logf("%d pages fetched by the two workers", workerPages.Load())
			if !bytes.Equal(got, want) {
				t.Errorf("the distributed report differs from the single-process one:\n%s", sitetest.LineDiff(string(want), string(got)))
			}
		})
	}
}

// TestMemoryPerURL measures what Redis holds per URL: 100,000 page URLs queued (the seen-set
// and the queued jobs), then the seen-set alone (every job fetched), from INFO memory.
func TestMemoryPerURL(t *testing.T) {
	srv := redistest.Start(t)
	c, err := redisq.Open(srv.URL(""))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	const n = 100_000
	f, err := c.TestFrontier(context.Background(), "mem", &crawler.Config{StartURLs: []string{"https://shop.test/"}})
	if err != nil {
		t.Fatal(err)
	}
	before := srv.UsedMemory()
	batch := make([]crawler.Job, 0, 1000)
	for i := range n {
		u, _ := url.Parse(fmt.Sprintf("https://shop.test/catalog/category-%d/product-%d.html", i%100, i))
		batch = append(batch, crawler.Job{URL: u, Key: crawler.NormalizeURL(u), Depth: 3, Parent: "https://shop.test/catalog/category-1/"})
		if len(batch) == cap(batch) {
			f.Add(batch)
			batch = batch[:0]
		}
	}
	queued := srv.UsedMemory()
	if _, err := srv.Do("DEL", "padlock:{mem}:q:https://shop.test"); err != nil {
		t.Fatal(err)
	}
	seen := srv.UsedMemory()
	perQueued, perSeen := float64(queued-before)/n, float64(seen-before)/n
	t.Logf("Redis memory per URL: %.0f bytes queued (seen-set and job), %.0f bytes seen only (%.0f MB per million URLs)", perQueued, perSeen, perSeen*1e6/1e6)
	if perSeen > 120 {
		t.Errorf("the seen-set takes %.0f bytes a URL; 8-byte hashes should need well under 120", perSeen)
	}
}
