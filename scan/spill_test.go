package scan_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/internal/sitetest"
	"github.com/padlock-scan/padlock/report"
	"github.com/padlock-scan/padlock/scan"
)

// TestSpilledReportMatchesGolden crawls the golden sites with a spool that writes every record
// out as its own run (a one-byte threshold), so pages and findings come back through the
// external merge: every format must be byte for byte what the crawl kept in memory writes,
// and the JSON the golden file.
func TestSpilledReportMatchesGolden(t *testing.T) {
	t.Parallel()
	for _, name := range goldenSites {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := sitetest.Start(t, filepath.Join(sitesDir, name))
			spilled := sameWhenSpilled(t, s)
			got := sitetest.NormalizeReport(spilled["json"], s.TLSPort, "TLSPORT", s.HTTPPort, "HTTPPORT")
			sitetest.Golden(t, filepath.Join("..", "testdata", "golden", name+".json"), got, false)
		})
	}
}

// An interrupted crawl whose pages and findings were already written out as runs still writes
// its whole report: what was crawled, in order.
func TestInterruptedSpilledCrawlWritesItsReport(t *testing.T) {
	t.Parallel()
	const links = 12
	arrived := make(chan struct{}, links)
	s := sitetest.StartHandler(t, func(s *sitetest.Site, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		if r.URL.Path == "/" {
			var b strings.Builder
			b.WriteString("<!doctype html><title>home</title><img src=\"http://img.test/h.png\">\n")
			for i := range links {
				fmt.Fprintf(&b, "<a href=\"/p%d.html\">%d</a>\n", i, i)
			}
			w.Write([]byte(b.String()))
			return
		}
		if r.URL.Path == fmt.Sprintf("/p%d.html", links-1) { // the last queued
			arrived <- struct{}{}
			<-r.Context().Done() // answers only when the crawl gives up on it
			return
		}
		fmt.Fprintf(w, "<!doctype html><title>%s</title><img src=\"http://img.test%s.png\">", r.URL.Path, r.URL.Path)
	})
	opt := s.Options()
	opt.Crawl.Concurrency = 1
	opt.Spool, opt.SpillBytes = true, 1
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-arrived
		cancel() // as Ctrl-C would, while the last page hangs
	}()
	rep, err := scan.Run(ctx, opt)
	if !errors.Is(err, context.Canceled) || rep == nil {
		t.Fatalf("scan.Run: %v, report %v; want context.Canceled and a report", err, rep != nil)
	}
	defer rep.Close()
	if !rep.Interrupted || rep.Stats.Pages != links || rep.Stats.Findings < rep.Stats.Pages {
		t.Fatalf("interrupted %v, %d pages, %d findings; want an interrupted report of %d pages, each with a finding", rep.Interrupted, rep.Stats.Pages, rep.Stats.Findings, links)
	}
	var b bytes.Buffer
	w, _ := report.New("json")
	if err := w.Write(&b, rep); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "r.json")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	back, err := report.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Pages) != rep.Stats.Pages || len(back.Findings) != rep.Stats.Findings || !back.Interrupted {
		t.Fatalf("read back %d pages and %d findings, want %d and %d", len(back.Pages), len(back.Findings), rep.Stats.Pages, rep.Stats.Findings)
	}
	for i := 1; i < len(back.Pages); i++ {
		if back.Pages[i-1].URL > back.Pages[i].URL {
			t.Errorf("pages out of order: %s before %s", back.Pages[i-1].URL, back.Pages[i].URL)
		}
	}
}

// A shop whose pages each carry a script and an insecure image of their own, next to ones every
// page shares (a tracker's ?pid=, a product image): the inventory and the fix list grow with
// the pages, and are spooled too. The spilled report is byte for byte the one kept in memory, in
// every format; the inventory lists each script's first pages by URL, not by arrival (the crawl
// reaches them in link order).
func TestSpilledInventoryAndFixesMatchInMemory(t *testing.T) {
	t.Parallel()
	const pages = 45
	s := sitetest.StartHandler(t, func(s *sitetest.Site, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		var i int
		if _, err := fmt.Sscanf(r.URL.Path, "/p%d.html", &i); err != nil && r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, `<!doctype html><title>%d</title>
<script src="https://cdn.example.test/app.js"></script>
<script src="https://track.example.test/t.js?pid=%d"></script>
<script>dataLayer.push({page:%d})</script>
<img src="http://img.example.test/logo.png"><img src="http://img.example.test/p%d.jpg">
<a href="/p%d.html">next</a> <a href="/p%d.html">other</a>`, i, i, i, i, (i+1)%pages, (i*7+3)%pages)
	})
	spilled := sameWhenSpilled(t, s) // page depths depend on which link is followed first: one worker
	for _, want := range []string{`"url": "https://track.example.test/t.js?pid=44"`, `"page_count": 46`, `"url": "http://img.example.test/p44.jpg"`} {
		if !bytes.Contains(spilled["json"], []byte(want)) {
			t.Errorf("the report has no %s", want)
		}
	}
	var rep struct{ Scripts []struct{ Pages []string } }
	if err := json.Unmarshal(spilled["json"], &rep); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range rep.Scripts[0].Pages {
		got = append(got, p[strings.LastIndex(p, "/"):])
	}
	if want := []string{"/", "/p0.html", "/p1.html", "/p10.html", "/p11.html"}; len(got) != 20 || !slices.Equal(got[:5], want) {
		t.Errorf("the inventory lists %v, want the first 20 pages by URL: %v...", got, want)
	}
}

// sameWhenSpilled crawls s twice with one worker, once in memory and once through a spool that
// spills every record (a 1-byte threshold), checks that every format is written byte for byte
// the same both ways, and returns the spilled run's outputs by format.
func sameWhenSpilled(t *testing.T, s *sitetest.Site) map[string][]byte {
	t.Helper()
	write := func(spool bool) map[string][]byte {
		opt := s.Options()
		opt.Crawl.Concurrency = 1
		opt.Now = func() time.Time { return sitetest.Clock }
		opt.Spool, opt.SpillBytes = spool, 1
		rep, err := scan.Run(context.Background(), opt)
		if err != nil {
			t.Fatal(err)
		}
		defer rep.Close()
		out := map[string][]byte{}
		for _, f := range report.Formats() {
			w, _ := report.New(f)
			var b bytes.Buffer
			if err := w.Write(&b, rep); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			out[f] = b.Bytes()
		}
		return out
	}
	mem, spilled := write(false), write(true)
	for f, want := range mem {
		if !bytes.Equal(spilled[f], want) {
			t.Errorf("%s written from the spilled report differs:\n%s", f, sitetest.LineDiff(string(want), string(spilled[f])))
		}
	}
	return spilled
}

// A shop whose product pages fail (the connection drops) has one crawl error a page: the errors
// list grows with the site too, and is spooled with the pages. The spilled report is byte for
// byte the one kept in memory in every format, no error is left in memory, and the temporary
// files are gone once the report is closed.
func TestSpilledErrorsMatchInMemory(t *testing.T) {
	const pages = 30
	s := sitetest.StartHandler(t, func(s *sitetest.Site, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			panic(http.ErrAbortHandler) // no answer: a network error for that page
		}
		w.Header().Set("Content-Type", "text/html")
		var b strings.Builder
		b.WriteString("<!doctype html><title>home</title>\n")
		for i := range pages {
			fmt.Fprintf(&b, "<a href=\"/p%d.html\">%d</a>\n", (i*7)%pages, i) // not in URL order
		}
		w.Write([]byte(b.String()))
	})
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	spilled := sameWhenSpilled(t, s)
	if n := bytes.Count(spilled["json"], []byte(`"error": `)); n < pages {
		t.Errorf("the report has %d errors, want one for each of the %d failing pages", n, pages)
	}

	opt := s.Options()
	opt.Crawl.Concurrency = 1
	opt.Spool, opt.SpillBytes = true, 1
	rep, err := scan.Run(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Errors) != 0 || rep.NumErrors() < pages || rep.Stats.Errors != rep.NumErrors() {
		t.Errorf("%d errors in memory, %d in all (stats %d): want none in memory and at least %d spooled", len(rep.Errors), rep.NumErrors(), rep.Stats.Errors, pages)
	}
	if err := rep.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}
