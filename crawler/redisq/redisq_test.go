package redisq_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
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
					_, err := c.Join(ctx, id, &local, nil)
					joined <- err
				}()
			}
			opt := base
			opt.Crawler = c.Crawler(id, nil, nil)
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
			f.Sync() // Add queues with the next group commit
			batch = batch[:0]
		}
	}
	queued := srv.UsedMemory()
	if _, err := srv.Do("DEL", "padlock:{mem}:q:https://shop.test:443"); err != nil {
		t.Fatal(err)
	}
	seen := srv.UsedMemory()
	perQueued, perSeen := float64(queued-before)/n, float64(seen-before)/n
	t.Logf("Redis memory per URL: %.0f bytes queued (seen-set and job), %.0f bytes seen only (%.0f MB per million URLs)", perQueued, perSeen, perSeen*1e6/1e6)
	if perSeen > 120 {
		t.Errorf("the seen-set takes %.0f bytes a URL; 8-byte hashes should need well under 120", perSeen)
	}
}

// TestWorkerBeforeTheStart: a worker that joins while the starting process still waits for its
// start URL (--wait-for: the site is not up yet) does not end the crawl as idle; the crawl goes
// on when the site answers, and every page is crawled.
func TestWorkerBeforeTheStart(t *testing.T) {
	srv := redistest.Start(t)
	var up atomic.Bool
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !up.Load() {
			http.Error(w, "starting", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		switch r.URL.Path {
		case "/":
			fmt.Fprint(w, `<a href="/a">a</a> <a href="/b">b</a>`)
		case "/a", "/b":
			fmt.Fprint(w, `<a href="/">home</a>`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer site.Close()
	const lease = time.Second // renewed every third of it: more than a loaded machine's delays
	c, err := redisq.Open(srv.URL("lease=" + lease.String()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	joined := make(chan error, 1)
	go func() {
		_, err := c.Join(ctx, "early", &crawler.Config{Concurrency: 2}, nil)
		joined <- err
	}()
	go func() {
		time.Sleep(4 * lease) // the worker has polled an empty frontier for several lease periods
		up.Store(true)
	}()
	cfg := &crawler.Config{StartURLs: []string{site.URL + "/"}, WaitFor: 30 * time.Second, Concurrency: 2, IgnoreRobots: true}
	var pages []string
	var mu sync.Mutex
	res, err := c.Crawler("early", nil, nil)(ctx, cfg, func(p *crawler.Page) {
		mu.Lock()
		pages = append(pages, p.URL)
		mu.Unlock()
	})
	if err != nil {
		t.Fatalf("crawl: %v", err)
	}
	if err := <-joined; err != nil {
		t.Errorf("worker: %v", err)
	}
	if len(pages) != 3 || res.Pages != 3 {
		t.Errorf("pages %v (result: %d), want the 3 pages of the site", pages, res.Pages)
	}
}

// TestStartNeverAnswers: when the starting process gives up waiting for its start URL, the
// shared crawl ends with ErrNoStart (it does not wait for a frontier nobody will fill).
func TestStartNeverAnswers(t *testing.T) {
	srv := redistest.Start(t)
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer site.Close()
	c, err := redisq.Open(srv.URL("lease=300ms"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg := &crawler.Config{StartURLs: []string{site.URL + "/"}, WaitFor: time.Second, Concurrency: 2}
	_, err = c.Crawler("never", nil, nil)(ctx, cfg, func(*crawler.Page) {})
	if !errors.Is(err, crawler.ErrNoStart) {
		t.Errorf("err = %v, want ErrNoStart", err)
	}
}

// TestBacklogBounded: workers that fetch faster than the starting process merges wait for it
// once the stream holds maxBacklog parts, so Redis never holds the crawl's pages at once.
func TestBacklogBounded(t *testing.T) {
	const backlog, pages, workers, conc = 8, 300, 2, 4
	defer redisq.SetMaxBacklog(backlog)()
	srv := redistest.Start(t)
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var i int
		if _, err := fmt.Sscanf(r.URL.Path, "/p/%d", &i); err != nil && r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		for k := 1; k <= 3; k++ {
			if n := 3*i + k; n < pages {
				fmt.Fprintf(w, `<a href="/p/%d">%d</a>`, n, n)
			}
		}
	}))
	defer site.Close()
	c, err := redisq.Open(srv.URL("lease=2s"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	joined := make(chan error, workers)
	for range workers {
		go func() {
			_, err := c.Join(ctx, "backlog", &crawler.Config{Concurrency: conc}, nil)
			joined <- err
		}()
	}
	var peak atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
			if n, err := srv.Do("XLEN", "padlock:{backlog}:results"); err == nil {
				if x, err := strconv.ParseInt(n, 10, 64); err == nil && x > peak.Load() {
					peak.Store(x)
				}
			}
		}
	}()
	cfg := &crawler.Config{StartURLs: []string{site.URL + "/"}, Concurrency: conc, IgnoreRobots: true, MaxPages: 1000}
	got := 0
	_, err = c.Crawler("backlog", nil, nil)(ctx, cfg, func(*crawler.Page) {
		got++
		time.Sleep(3 * time.Millisecond) // the rules and the report, slower than the fetches
	})
	close(stop)
	<-sampled
	if err != nil {
		t.Fatalf("crawl: %v", err)
	}
	for range workers {
		if err := <-joined; err != nil {
			t.Errorf("worker: %v", err)
		}
	}
	if got != pages {
		t.Errorf("%d pages merged, want %d", got, pages)
	}
	// Every process's goroutines may each add one part past the mark before they see it.
	if limit := int64(backlog + (workers+1)*conc); peak.Load() > limit {
		t.Errorf("the stream held %d parts at once; the workers should wait at %d (+%d in flight)", peak.Load(), backlog, (workers+1)*conc)
	}
	t.Logf("peak stream length %d", peak.Load())
}

// TestCrawlDelayFromTheFirstPage: a site whose robots.txt asks for a Crawl-delay of 2s, five
// start URLs on it, crawled by the starting process and a worker: its pages are fetched about
// 2s apart from the first one on (each host gets one job out until its robots.txt record is in
// Redis). The gap asked is half the delay: a lower bound that load only widens.
func TestCrawlDelayFromTheFirstPage(t *testing.T) {
	srv := redistest.Start(t)
	var mu sync.Mutex
	var at []time.Time
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			fmt.Fprint(w, "User-agent: *\nCrawl-delay: 2\n")
			return
		}
		mu.Lock()
		at = append(at, time.Now())
		mu.Unlock()
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<title>page</title>`)
	}))
	defer site.Close()
	c, err := redisq.Open(srv.URL("lease=10s"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	joined := make(chan error, 1)
	go func() {
		_, err := c.Join(ctx, "delay", &crawler.Config{Concurrency: 4}, nil)
		joined <- err
	}()
	var starts []string
	for _, p := range []string{"/", "/a", "/b", "/c", "/d"} {
		starts = append(starts, site.URL+p)
	}
	// --no-follow: no sitemap read beside the first pages (its request would take the first
	// slot of the starting process's own spacing and hide the workers' first pages).
	cfg := &crawler.Config{StartURLs: starts, Concurrency: 4, CheckResources: crawler.CheckNone, NoFollow: true}
	if _, err := c.Crawler("delay", nil, nil)(ctx, cfg, func(*crawler.Page) {}); err != nil {
		t.Fatalf("crawl: %v", err)
	}
	if err := <-joined; err != nil {
		t.Errorf("worker: %v", err)
	}
	if len(at) != 5 {
		t.Fatalf("%d page requests, want 5", len(at))
	}
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	for i := 1; i < len(at); i++ {
		if gap := at[i].Sub(at[i-1]); gap < time.Second {
			t.Errorf("pages %d and %d fetched %s apart; robots.txt asks for 2s", i, i+1, gap.Round(time.Millisecond))
		}
	}
}

// TestSealedSecrets: a crawl's -H headers, cookies and basic auth are sealed in its record with
// PADLOCK_FRONTIER_KEY: the raw record in Redis holds none of them, the workers that have the
// key send them, a worker without the key or with another one says so, and a crawl with
// secrets and no key is refused.
func TestSealedSecrets(t *testing.T) {
	srv := redistest.Start(t)
	const header, cookie, user, pass = "h3ader-s3cret", "c00kie-s3cret", "auditor", "pa55-s3cret"
	var bare atomic.Int64 // page requests without the secrets
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		c, _ := r.Cookie("session")
		u, p, _ := r.BasicAuth()
		if r.Header.Get("X-Audit") != header || c == nil || c.Value != cookie || u != user || p != pass {
			bare.Add(1)
		}
		w.Header().Set("Content-Type", "text/html")
		var n int
		fmt.Sscanf(r.URL.Path, "/p%d", &n)
		for k := 2*n + 1; k <= 2*n+2 && k < 20; k++ {
			fmt.Fprintf(w, `<a href="/p%d">%d</a>`, k, k)
		}
	}))
	defer site.Close()
	cfg := func() *crawler.Config {
		return &crawler.Config{StartURLs: []string{site.URL + "/"}, Concurrency: 2, CheckResources: crawler.CheckNone,
			Headers: http.Header{"X-Audit": {header}}, Cookies: []crawler.Cookie{{Name: "session", Value: cookie}},
			BasicAuth: user + ":" + pass}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	keyless, err := redisq.Open(srv.URL("lease=1s"))
	if err != nil {
		t.Fatal(err)
	}
	defer keyless.Close()
	if _, err := keyless.Crawler("clear", nil, nil)(ctx, cfg(), func(*crawler.Page) {}); err == nil || !strings.Contains(err.Error(), redisq.KeyEnv) {
		t.Errorf("a crawl with secrets and no key: %v, want an error naming %s", err, redisq.KeyEnv)
	}

	t.Setenv(redisq.KeyEnv, "a key of the right length, for the test")
	c, err := redisq.Open(srv.URL("lease=1s"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	t.Setenv(redisq.KeyEnv, "another key, not the crawl's one")
	wrong, err := redisq.Open(srv.URL("lease=1s"))
	if err != nil {
		t.Fatal(err)
	}
	defer wrong.Close()
	joined := make(chan error, 1)
	go func() {
		_, err := c.Join(ctx, "sealed", &crawler.Config{Concurrency: 2}, nil)
		joined <- err
	}()
	var raw string
	var refusals []error
	pages := 0
	_, err = c.Crawler("sealed", nil, nil)(ctx, cfg(), func(*crawler.Page) {
		if pages++; pages == 1 {
			raw, _ = srv.Do("GET", "padlock:{sealed}:rec")
			for _, w := range []*redisq.Client{keyless, wrong} {
				_, err := w.Join(ctx, "sealed", &crawler.Config{Concurrency: 1}, nil)
				refusals = append(refusals, err)
			}
		}
	})
	if err != nil {
		t.Fatalf("crawl: %v", err)
	}
	if err := <-joined; err != nil {
		t.Errorf("worker with the key: %v", err)
	}
	if raw == "" || !strings.Contains(raw, `"sealed"`) {
		t.Errorf("the record read from Redis has no sealed secrets: %q", raw)
	}
	for _, s := range []string{header, cookie, user, pass} {
		if strings.Contains(raw, s) {
			t.Errorf("the record in Redis holds %q in clear:\n%s", s, raw)
		}
	}
	if pages != 20 || bare.Load() != 0 {
		t.Errorf("%d pages, %d requests without the secrets; want 20 and 0", pages, bare.Load())
	}
	if len(refusals) != 2 || refusals[0] == nil || !strings.Contains(refusals[0].Error(), "set "+redisq.KeyEnv) ||
		refusals[1] == nil || !strings.Contains(refusals[1].Error(), "do not open") {
		t.Errorf("a worker without the key and one with another key: %v", refusals)
	}
}

// TestSameReportWithEndpoints: a crawl with TLS endpoints of its own (padlock.yml endpoints:)
// shared over Redis: the starting process probes them, and the report equals the
// single-process one, the endpoints' origins and grades included.
func TestSameReportWithEndpoints(t *testing.T) {
	srv := redistest.Start(t)
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	api.Config.ErrorLog = log.New(io.Discard, "", 0)
	defer api.Close()
	s := sitetest.Start(t, filepath.Join(sitesDir, "links"))
	base := s.Options()
	base.Crawl.Endpoints = []string{api.URL + "/", "http://127.0.0.1:1/"}
	want := normal(t, s, base)
	if n := bytes.Count(want, []byte(`"endpoint": true`)); n != 2 {
		t.Fatalf("the single-process report has %d endpoint origins, want 2:\n%s", n, want)
	}
	c, err := redisq.Open(srv.URL("lease=1s"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	joined := make(chan error, 1)
	go func() {
		local := base.Crawl
		_, err := c.Join(ctx, "endpoints", &local, nil)
		joined <- err
	}()
	opt := base
	opt.Crawler = c.Crawler("endpoints", nil, nil)
	got := normal(t, s, opt)
	if err := <-joined; err != nil {
		t.Errorf("worker: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the distributed report differs from the single-process one:\n%s", sitetest.LineDiff(string(want), string(got)))
	}
}

// TestStoppedWorkerGivesBack: a worker that stops (its context cancelled, as on SIGTERM) while
// it holds jobs, some being fetched and some not started, puts them back on the queue at once:
// the others crawl them long before the lease (a minute here) would have lapsed, and every page
// is in the crawl once.
func TestStoppedWorkerGivesBack(t *testing.T) {
	const pages = 12
	srv := redistest.Start(t)
	release := make(chan struct{})
	var inFlight atomic.Int64
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		if r.URL.Path == "/" {
			for k := 1; k < pages; k++ {
				fmt.Fprintf(w, `<a href="/p/%d">%d</a>`, k, k)
			}
			return
		}
		if !strings.HasPrefix(r.URL.Path, "/p/") {
			http.NotFound(w, r) // sitemap.xml
			return
		}
		// Every other page waits until the test lets go of them: the worker is stopped while
		// it fetches two and holds two more.
		inFlight.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
			inFlight.Add(-1)
			return
		}
		inFlight.Add(-1)
		fmt.Fprint(w, `<a href="/">home</a>`)
	}))
	defer site.Close()
	const lease = time.Minute
	c, err := redisq.Open(srv.URL("lease=" + lease.String()))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), lease/2)
	defer cancel()
	wctx, stopWorker := context.WithCancel(ctx)
	joined := make(chan error, 1)
	go func() {
		_, err := c.Join(wctx, "stop", &crawler.Config{Concurrency: 2}, nil)
		joined <- err
	}()
	go func() {
		// The starting process fetches one page at a time: with three pages in flight, the
		// worker fetches two (and took two more with them).
		for inFlight.Load() < 3 {
			time.Sleep(5 * time.Millisecond)
		}
		stopWorker()
		<-joined
		close(release)
	}()
	cfg := &crawler.Config{StartURLs: []string{site.URL + "/"}, Concurrency: 1, IgnoreRobots: true}
	got := map[string]int{}
	res, err := c.Crawler("stop", nil, nil)(ctx, cfg, func(p *crawler.Page) { got[p.URL]++ })
	if err != nil {
		t.Fatalf("crawl: %v", err)
	}
	if len(got) != pages || res.Pages != pages || res.NotCrawled != 0 {
		t.Errorf("%d pages merged (result: %d, not crawled %d), want the %d pages of the site: %v", len(got), res.Pages, res.NotCrawled, pages, got)
	}
	for p, n := range got {
		if n != 1 {
			t.Errorf("%s merged %d times", p, n)
		}
	}
}

// TestCrawlIDReused: a crawl ID used again as soon as its crawl is over (a CI job re-run, a
// weekly job's fixed --crawl-id) starts a new crawl. The done marker the first crawl left for
// late workers ended the second at once, with "no start URL could be fetched".
func TestCrawlIDReused(t *testing.T) {
	srv := redistest.Start(t)
	s := sitetest.Start(t, filepath.Join(sitesDir, "links"))
	base := s.Options()
	want := normal(t, s, base)
	c, err := redisq.Open(srv.URL("lease=500ms"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for run := 1; run <= 2; run++ {
		opt := base
		opt.Crawler = c.Crawler("weekly", nil, nil)
		if got := normal(t, s, opt); !bytes.Equal(got, want) {
			t.Fatalf("run %d with the same crawl ID differs from the single-process report:\n%s", run, sitetest.LineDiff(string(want), string(got)))
		}
	}
}

// TestSlotsGivenBack: under --max-pages, a link that is no page (a PDF, a redirect) gives its
// slot back with the group commit, and a job held for a slot is queued: a site of 6 HTML pages
// and 12 PDFs linked from the start page, crawled with --max-pages 6 by the starting process and
// a worker, gets all 6 pages (PDFs held when the pages have every slot stay uncrawled). A slot
// not given back would leave HTML pages held when the crawl ends.
func TestSlotsGivenBack(t *testing.T) {
	const htmlPages, pdfs = 6, 12
	srv := redistest.Start(t)
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/":
			w.Header().Set("Content-Type", "text/html")
			for i := 1; i <= pdfs; i++ {
				fmt.Fprintf(w, `<a href="/d/%d.pdf">doc</a>`, i)
			}
			for i := 1; i < htmlPages; i++ {
				fmt.Fprintf(w, `<a href="/p/%d.html">page</a>`, i)
			}
		case strings.HasPrefix(r.URL.Path, "/d/"):
			w.Header().Set("Content-Type", "application/pdf")
			time.Sleep(20 * time.Millisecond)
			io.WriteString(w, "%PDF-1.4")
		case strings.HasPrefix(r.URL.Path, "/p/"):
			w.Header().Set("Content-Type", "text/html")
			io.WriteString(w, "<p>page</p>")
		default:
			http.NotFound(w, r)
		}
	}))
	defer site.Close()
	c, err := redisq.Open(srv.URL("lease=2s"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	joined := make(chan error, 1)
	go func() {
		_, err := c.Join(ctx, "slots", &crawler.Config{Concurrency: 4}, nil)
		joined <- err
	}()
	cfg := &crawler.Config{StartURLs: []string{site.URL + "/"}, Concurrency: 4, IgnoreRobots: true, MaxPages: htmlPages, CheckResources: crawler.CheckNone}
	var pages []string
	res, err := c.Crawler("slots", nil, nil)(ctx, cfg, func(p *crawler.Page) {
		if p.Err == "" && p.Status == http.StatusOK {
			pages = append(pages, p.URL)
		}
	})
	if err != nil {
		t.Fatalf("crawl: %v", err)
	}
	if err := <-joined; err != nil {
		t.Errorf("worker: %v", err)
	}
	if len(pages) != htmlPages {
		t.Errorf("%d pages crawled (%d jobs not crawled), want %d: %v", len(pages), res.NotCrawled, htmlPages, pages)
	}
}
