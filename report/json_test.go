package report

import (
	"bytes"
	"testing"
	"time"

	"fmt"
	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/rules"
	"runtime"
)

func sampleReport(pages int) *Report {
	r := &Report{Version: Version, Tool: Tool{Name: "padlock", Version: "0.1.0"}, StartURLs: []string{"https://s.test/"},
		StartedAt: time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC), FinishedAt: time.Date(2026, 11, 29, 3, 0, 4, 0, time.UTC)}
	for i := 0; i < pages; i++ {
		r.Pages = append(r.Pages, Page{URL: "https://s.test/" + string(rune('a'+i)), FinalURL: "https://s.test/", Status: 200,
			Resources: []Resource{{URL: "http://cdn.test/a.js?x=<b>&y", Element: "script", Attribute: "src", Kind: "script", Line: i + 1}}})
	}
	if pages > 0 {
		// a payment page's headers, one name as hostile as a re-rendered report may hold
		r.Pages[0].Payment = true
		r.Pages[0].SecurityHeaders = map[string]string{"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "Bad\"<Name>": "v\u2028\"</script>"}
	}
	r.Findings = []Finding{{Rule: "mixed-content-blockable", Severity: rules.Error, Page: "https://s.test/", URL: "http://cdn.test/a.js", Line: 3}}
	r.Finish()
	return r
}

// The streamed writer must produce exactly what encoding the report in one go produces, held in
// memory or spooled, and read back.
func TestJSONStreamingMatchesEncodingWhole(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 1, 3} {
		r := sampleReport(n)
		checkStreamed(t, r)
		var got bytes.Buffer
		if err := writeJSON(&got, r); err != nil {
			t.Fatal(err)
		}
		if back, err := read(&got, true); err != nil || len(back.Pages) != n {
			t.Errorf("%d pages: read back: %v", n, err)
		}
	}
}

func TestSpoolKeepsPagesOutOfMemory(t *testing.T) {
	t.Parallel()
	spooled := spooledCopy(t, sampleReport(3), 1)
	defer spooled.Close()
	if len(spooled.Pages) != 0 || len(spooled.Findings) != 0 || spooled.NumPages() != 3 || spooled.NumFindings() != 1 {
		t.Fatalf("%d pages and %d findings in memory, %d and %d in all; want none, and 3 and 1",
			len(spooled.Pages), len(spooled.Findings), spooled.NumPages(), spooled.NumFindings())
	}
	n := 0
	if err := spooled.EachPage(func(p *Page) error {
		if p.Resources != nil {
			t.Errorf("a spooled page comes back with its resources: %+v", p.Resources)
		}
		n++
		return nil
	}); err != nil || n != 3 {
		t.Fatalf("EachPage: %d pages, %v", n, err)
	}
}

// BenchmarkWriteJSON spools 2,000 crawled pages of 50 references each, as a crawl does, and
// writes the report: the whole cost of the JSON report to a crawl (about 30 MB written).
func BenchmarkWriteJSON(b *testing.B) {
	const pages, refs = 2000, 50
	rs := make([]crawler.Resource, refs)
	for j := range rs {
		rs[j] = crawler.Resource{URL: fmt.Sprintf("https://static.benchshop.test/assets/img/product-%d.webp?v=%d", j, j*7),
			Element: "img", Attribute: "src", Kind: crawler.KindImage, Line: 20 + j, Source: crawler.SourceHTML}
	}
	var written int64
	for i := 0; i < b.N; i++ {
		s, err := NewSpool()
		if err != nil {
			b.Fatal(err)
		}
		r := &Report{Version: Version, Findings: []Finding{}}
		r.UseSpool(s)
		for p := 0; p < pages; p++ {
			u := fmt.Sprintf("https://www.benchshop.test/p/%d", p)
			meta := Page{URL: u, FinalURL: u, Status: 200, Depth: 3, ContentType: "text/html; charset=utf-8", Title: "Product", TLS: &TLS{Version: "TLS 1.3"}}
			if err := r.AddCrawledPage(meta, rs); err != nil {
				b.Fatal(err)
			}
		}
		w := &countingWriter{}
		if err := writeJSON(w, r); err != nil {
			b.Fatal(err)
		}
		written = w.n
		r.Close()
	}
	b.SetBytes(written)
}

type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}

// A spooled page's bytes are encoded into one buffer reused for the whole crawl, not copied
// into a new allocation per page (that copy was about 180 MB of a 10,000-page crawl's
// allocations): what a page allocates is a small part of its JSON. Not parallel: it counts
// every allocation of the process.
func TestSpoolPageBytesNotCopied(t *testing.T) {
	rs := make([]crawler.Resource, 40)
	for j := range rs {
		rs[j] = crawler.Resource{URL: fmt.Sprintf("https://static.shop.test/img/product-%d.webp", j), Element: "img",
			Attribute: "src", Kind: crawler.KindImage, Line: 20 + j, Source: crawler.SourceHTML}
	}
	r := &Report{Version: Version}
	r.UseSpool(NewSpoolSize(DefaultSpillBytes))
	defer r.Close()
	add := func(n int) {
		for i := range n {
			u := fmt.Sprintf("https://www.shop.test/p/%d", i)
			if err := r.AddCrawledPage(Page{URL: u, FinalURL: u, Status: 200, TLS: &TLS{Version: "TLS 1.3"}}, rs); err != nil {
				t.Fatal(err)
			}
		}
	}
	add(100) // the buffers grow once
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	const pages = 500
	add(pages)
	runtime.ReadMemStats(&after)
	perPage := (after.TotalAlloc - before.TotalAlloc) / pages
	var page bytes.Buffer
	if err := r.spool.eachPageJSON(func(b []byte) error { page.Reset(); page.Write(b); return nil }); err != nil {
		t.Fatal(err)
	}
	bound := uint64(page.Len() / 4)
	if raceEnabled {
		// s2 takes its 16 KB hash table from a sync.Pool, which drops one Put in four under the
		// race detector: about 4 KB a page, with a margin (a page copied adds its 9 KB).
		bound += 6 << 10
	}
	if perPage > bound {
		t.Errorf("spooling a page of %d JSON bytes allocated %d bytes; want at most %d", page.Len(), perPage, bound)
	}
}
