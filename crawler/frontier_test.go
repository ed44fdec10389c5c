package crawler

import (
	"fmt"
	"net/url"
	"runtime"
	"testing"
)

func TestFrontierPushNextDone(t *testing.T) {
	t.Parallel()
	f := newFrontier(10)
	u := func(p string) *url.URL { return &url.URL{Scheme: "http", Host: "shop.test", Path: p} }
	for _, p := range []string{"/a", "/b"} {
		if !f.claim("http://shop.test" + p) {
			t.Fatalf("%s: claimed before", p)
		}
		f.push(job{u: u(p)})
	}
	if f.claim("http://shop.test/a") || !f.has("http://shop.test/a") || f.has("http://shop.test/c") {
		t.Error("a URL is claimed once, and only what was claimed is seen")
	}
	a, ok := f.next()
	if !ok || a.u.Path != "/a" {
		t.Fatalf("next = %v %v, want /a first", a.u, ok)
	}
	b, ok := f.next()
	if !ok || b.u.Path != "/b" {
		t.Fatalf("next = %v %v, want /b", b.u, ok)
	}
	f.done() // /a done; /b still in flight and may add work
	got := make(chan job)
	go func() {
		j, _ := f.next() // blocks: nothing waits, but /b is in flight
		got <- j
	}()
	f.push(job{u: u("/c")}) // what /b found
	if j := <-got; j.u == nil || j.u.Path != "/c" {
		t.Fatalf("next after a push = %v, want /c", j.u)
	}
	f.done() // /b
	f.done() // /c
	if j, ok := f.next(); ok {
		t.Errorf("next = %v, want the crawl over: nothing waits, nothing in flight", j.u)
	}
	if f.left() != 0 {
		t.Errorf("left %d, want 0", f.left())
	}
}

func TestFrontierMaxPagesSlots(t *testing.T) {
	t.Parallel()
	f := newFrontier(1)
	u := func(p string) *url.URL { return &url.URL{Scheme: "http", Host: "shop.test", Path: p} }
	f.push(job{u: u("/pdf")})
	f.push(job{u: u("/page")})
	pdf, _ := f.next()
	page, _ := f.next()
	if !f.admit(pdf) {
		t.Fatal("the first fetch must get the one slot")
	}
	if f.admit(page) {
		t.Fatal("a second fetch must wait for the slot")
	}
	if f.queued() != 0 || f.left() != 1 {
		t.Errorf("queued %d, left %d: want the held job counted as left, not queued", f.queued(), f.left())
	}
	f.giveBack() // /pdf was not an HTML page: its slot goes to the held job
	f.done()
	f.done()
	again, ok := f.next()
	if !ok || again.u.Path != "/page" || !f.admit(again) {
		t.Fatalf("the held job must come back and get the slot: %v %v", again.u, ok)
	}
	f.done()
	f.push(job{u: u("/late")})
	if late, ok := f.next(); ok {
		t.Fatalf("the slot is taken by an HTML page for good, and nothing in flight can give it back: next = %v", late.u)
	}
	if f.left() != 1 {
		t.Errorf("the crawl must end with the late job not crawled: left %d", f.left())
	}
}

// TestFrontierMaxPagesKeepsQueue: with every --max-pages slot taken, the jobs stay in the queue
// (on disk past a few thousand) instead of being taken one by one to be held in memory, parsed:
// a site far larger than --max-pages (the default is 10,000) held most of its URLs in memory
// at the end of the crawl.
func TestFrontierMaxPagesKeepsQueue(t *testing.T) {
	t.Parallel()
	f := newFrontier(2)
	const n = 20_000
	for i := range n {
		f.push(job{u: &url.URL{Scheme: "https", Host: "shop.test", Path: fmt.Sprintf("/p/%d", i)}})
	}
	taken, fetched := 0, 0
	for {
		j, ok := f.next()
		if !ok {
			break
		}
		taken++
		if f.admit(j) {
			fetched++
		}
		f.done()
	}
	if fetched != 2 {
		t.Errorf("fetched %d pages, want --max-pages 2", fetched)
	}
	if taken > 2 || len(f.held) != 0 {
		t.Errorf("%d jobs taken and %d held once the slots were gone; want none taken after them", taken, len(f.held))
	}
	if f.left() != n-2 {
		t.Errorf("left %d, want %d not crawled", f.left(), n-2)
	}
	f.release()
}

func TestFrontierClose(t *testing.T) {
	t.Parallel()
	f := newFrontier(10)
	f.begin() // a producer in flight: next would wait for it
	done := make(chan bool)
	go func() {
		_, ok := f.next()
		done <- ok
	}()
	f.close()
	if <-done {
		t.Error("next must return false once the frontier is closed")
	}
	f.push(job{u: &url.URL{Scheme: "http", Host: "shop.test"}})
	if _, ok := f.next(); ok {
		t.Error("a closed frontier hands out no more jobs")
	}
}

// The seen-set answers like a set of strings and costs at most 16 bytes a URL once it holds
// more than a few (issue 13: a map of the URL strings took about 150 bytes a URL).
func TestSeenSetCompact(t *testing.T) {
	t.Parallel()
	var s seenSet
	const n = 200_000
	for i := range n {
		k := fmt.Sprintf("https://shop.test/p/%d.html", i)
		if !s.add(k) {
			t.Fatalf("%s: not new", k)
		}
		if i >= 1000 && s.bytesPerKey() > 16 {
			t.Fatalf("%d URLs: %.1f bytes a URL, want at most 16", i+1, s.bytesPerKey())
		}
	}
	for i := range n {
		k := fmt.Sprintf("https://shop.test/p/%d.html", i)
		if s.add(k) || !s.has(k) {
			t.Fatalf("%s: added twice, or not seen", k)
		}
		if s.has(k + "?x") {
			t.Fatalf("%s?x: seen, never added", k)
		}
	}
}

// The queue keeps a few jobs in memory and writes the rest to its file in chunks: jobs come
// out first in, first out, each as it went in, however pushes and pops interleave.
func TestJobQueueSpillsInOrder(t *testing.T) {
	t.Parallel()
	q := jobQueue{inMem: 8, chunk: 256}
	defer q.release()
	mk := func(i int) job {
		u, _ := url.Parse(fmt.Sprintf("https://shop.test/p/%d.html?q=%%C3%%A9#x", i))
		return job{u: u, depth: i % 7, parent: fmt.Sprintf("https://shop.test/from/%d", i/10), frame: i%2 == 0, uir: i%3 == 0, start: i%5 == 0}
	}
	next, pushed := 0, 0
	for round := range 40 {
		for range 50 + round%13 {
			q.push(mk(pushed))
			pushed++
		}
		for range 30 + round%7 {
			j, ok := q.pop()
			want := mk(next)
			if !ok || j.u.String() != want.u.String() || j.depth != want.depth || j.parent != want.parent ||
				j.frame != want.frame || j.uir != want.uir || j.start != want.start {
				t.Fatalf("pop %d = %+v (%v), want %+v", next, j, ok, want)
			}
			next++
		}
		if q.len() != pushed-next {
			t.Fatalf("len %d, want %d", q.len(), pushed-next)
		}
	}
	if q.file == nil || len(q.disk) == 0 {
		t.Fatal("nothing went to disk")
	}
	for q.len() > 0 {
		if j, ok := q.pop(); !ok || j.u.String() != mk(next).u.String() {
			t.Fatalf("pop %d = %v (%v)", next, j.u, ok)
		}
		next++
	}
	if next != pushed || q.lost != 0 || q.err != nil {
		t.Fatalf("%d of %d jobs out, %d lost (%v)", next, pushed, q.lost, q.err)
	}
}

// The URLs kept out by --exclude, --include or --max-depth are counted once each, in a few bytes
// a URL: a crawl whose filters keep out most of a large site (every http: link excluded, a depth
// limit on a million-page shop) must not hold each URL's string. They were held in a sync.Map,
// about 190 bytes a URL (issue 13: 89,000 excluded links took a 100,000-page crawl from 88 to
// 137 MB). Not parallel: it measures the heap.
func TestSkippedURLsCompact(t *testing.T) {
	f := newLocalFrontier(0)
	const n = 100_000
	key := func(i int) string { return fmt.Sprintf("http://shop.test/catalogue/p/%d.html?sort=price", i) }
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range n {
		f.Skip(key(i))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / n
	t.Logf("%.1f bytes of heap per URL kept out", per)
	if per > 20 {
		t.Errorf("%.1f bytes of heap per URL kept out, want at most 20", per)
	}
	for i := range n {
		f.Skip(key(i)) // a second link to the same URL: not counted again
	}
	f.Skip(key(n))
	if got := f.Skipped(); got != n+1 {
		t.Errorf("Skipped() = %d, want %d: each URL once", got, n+1)
	}
}
