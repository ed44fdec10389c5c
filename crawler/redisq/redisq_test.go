package redisq_test

import (
	"bytes"
	"context"
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
