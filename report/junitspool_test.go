package report

import (
	"bytes"
	"io"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/rules"
)

// junitSpoolReport is a report whose findings are filed under pages by URL, by final URL (a redirect
// to a later and to an earlier page, and to a URL two pages share), and under no page at all,
// with crawl errors of a page and of no page.
func junitSpoolReport() *Report {
	r := fixtureReport()
	r.Pages = append(r.Pages,
		Page{URL: "https://s.test/a", FinalURL: "https://s.test/z", Status: 200},
		Page{URL: "https://s.test/m", FinalURL: "https://s.test/b", Status: 200},
		Page{URL: "https://s.test/n", FinalURL: "https://s.test/m", Status: 200},
		Page{URL: "https://s.test/z", FinalURL: "https://s.test/z", Status: 200},
		Page{URL: "https://s.test/e", Error: "reset", Status: 0},
	)
	r.Errors = append(r.Errors, Error{URL: "https://s.test/e", Error: "timeout"}, Error{URL: "https://s.test/robots.txt", Error: "404"})
	for i := 0; i < 60; i++ {
		page := []string{"https://s.test/z", "https://s.test/b", "https://s.test/m", "https://s.test/a",
			"https://s.test/gone", "https://s.test/e", "https://s.test/0orphan"}[i%7]
		f := Finding{Rule: []string{"mixed-content-blockable", "sri-missing", "x-unknown-rule"}[i%3],
			Severity: []rules.Severity{rules.Info, rules.Warning, rules.Error}[i%3],
			Page:     page, URL: "http://x.test/" + strconv.Itoa(i), Line: i % 4, Message: "m" + strconv.Itoa(i%5)}
		if i%11 == 0 {
			f.Suppressed = &Suppression{Reason: "r"}
		}
		r.Findings = append(r.Findings, f)
	}
	r.Finish()
	return r
}

func TestJUnitOfSpooledReportMatchesInMemory(t *testing.T) {
	t.Parallel()
	r := junitSpoolReport()
	for _, failOn := range []FailOn{FailOnError, FailOnWarning, FailNever} {
		var want bytes.Buffer
		if err := (JUnitWriter{FailOn: failOn}).Write(&want, r); err != nil {
			t.Fatal(err)
		}
		for _, limit := range []int{1, 300, DefaultSpillBytes} {
			spooled := spooledCopy(t, r, limit)
			var got bytes.Buffer
			err := (JUnitWriter{FailOn: failOn}).Write(&got, spooled)
			spooled.Close()
			if err != nil {
				t.Fatal(err)
			}
			if got.String() != want.String() {
				t.Errorf("fail-on %v, spill at %d bytes: the spooled report's JUnit differs:\n%s\nwant:\n%s", failOn, limit, got.String(), want.String())
			}
		}
	}
}

// heapSampler is an output that measures the live heap every 256 KB written, and, from start to
// stop, every few milliseconds besides (a writer may hold the report before it writes a byte).
type heapSampler struct {
	n    uint64
	mu   sync.Mutex
	peak uint64
	done chan struct{}
	wg   sync.WaitGroup
}

func (h *heapSampler) sample() {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	h.mu.Lock()
	h.peak = max(h.peak, ms.HeapAlloc)
	h.mu.Unlock()
}

func (h *heapSampler) start() {
	h.done = make(chan struct{})
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		for {
			select {
			case <-h.done:
				return
			case <-time.After(5 * time.Millisecond):
				h.sample()
			}
		}
	}()
}

func (h *heapSampler) stop() {
	close(h.done)
	h.wg.Wait()
}

func (h *heapSampler) Write(b []byte) (int, error) {
	if h.n/(256<<10) != (h.n+uint64(len(b)))/(256<<10) {
		h.sample()
	}
	h.n += uint64(len(b))
	return len(b), nil
}

// liveHeap is the heap in use after a collection.
func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// spooledBigReport is a spooled report of pages pages with perPage findings each, spilling at
// 64 KB: its findings alone take tens of MB in memory.
func spooledBigReport(t *testing.T, pages, perPage int) *Report {
	t.Helper()
	r := &Report{Version: Version, Tool: Tool{Name: "padlock"}, StartURLs: []string{"https://big.test/"}}
	r.UseSpool(NewSpoolSize(64 << 10))
	for i := 0; i < pages; i++ {
		u := "https://big.test/product/" + strconv.Itoa(i)
		if err := r.AddPage(Page{URL: u, FinalURL: u, Status: 200}); err != nil {
			t.Fatal(err)
		}
		for k := 0; k < perPage; k++ {
			f := Finding{Rule: "third-party-script", Severity: rules.Warning, Page: u, Line: k + 1,
				URL:     "https://cdn" + strconv.Itoa(k) + ".test/lib.js?page=" + strconv.Itoa(i),
				Message: "third-party script without Subresource Integrity, loaded on " + u}
			if err := r.AddFinding(f); err != nil {
				t.Fatal(err)
			}
		}
	}
	return r
}

// TestJUnitStreamsSpooledReport fails if the writer reads a spooled report's findings or pages
// into memory: 20,000 pages with 8 findings each are about 40 MB as Go values; the writer may
// hold one page's at a time.
func TestJUnitStreamsSpooledReport(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 20,000-page report")
	}
	writesStreaming(t, 20<<20, func(w io.Writer, r *Report) error { return (JUnitWriter{}).Write(w, r) })
}

// writesStreaming writes a spooled 20,000-page report (8 findings a page) with write and fails
// if it wrote less than minBytes or the live heap grew by more than 24 MB meanwhile (reading the
// report in takes over 100 MB).
func writesStreaming(t *testing.T, minBytes uint64, write func(io.Writer, *Report) error) {
	t.Helper()
	r := spooledBigReport(t, 20000, 8)
	defer r.Close()
	before := liveHeap()
	out := &heapSampler{}
	out.start()
	err := write(out, r)
	out.stop()
	if err != nil {
		t.Fatal(err)
	}
	if out.n < minBytes {
		t.Fatalf("wrote only %d bytes", out.n)
	}
	const bound = 24 << 20 // reading the report in: over 100 MB
	t.Logf("%d MB written; the live heap grew by %d KB", out.n>>20, (max(out.peak, before)-before)>>10)
	if out.peak > before+bound {
		t.Errorf("the live heap grew by %d MB while writing (at most %d MB): the writer holds the report",
			(out.peak-before)>>20, bound>>20)
	}
}
