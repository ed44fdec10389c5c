package crawler

import (
	"net/url"
	"sync"
)

// job is one page to fetch.
type job struct {
	u      *url.URL
	depth  int
	parent string
	frame  bool
	uir    bool // a frame whose parent's upgrade-insecure-requests it inherits
	start  bool // a start URL the user gave (sitemap URLs are depth 0 too, but not starts)
}

// frontier is the crawl's work: the page URLs seen, the jobs waiting, the jobs in flight, and
// the --max-pages slots. Workers take jobs with next and say done when through with one; the
// crawl is over when nothing waits and nothing in flight can add more.
type frontier struct {
	seen sync.Map // normalised page URL -> struct{}: queued once, or claimed by a redirect
	max  int      // --max-pages

	mu       sync.Mutex
	cond     sync.Cond
	queue    []job
	held     []job // jobs waiting for a --max-pages slot that a fetch in flight may give back
	active   int   // jobs taken and not done, and other producers (begin)
	admitted int   // page fetches started and not given back
	dropped  int   // jobs taken but never fetched: the crawl was interrupted first or mid-fetch
	closed   bool
}

func newFrontier(maxPages int) *frontier {
	f := &frontier{max: maxPages}
	f.cond.L = &f.mu
	return f
}

// claim marks a page URL (NormalizeURL form) seen and reports whether it was new.
func (f *frontier) claim(key string) bool {
	_, loaded := f.seen.LoadOrStore(key, struct{}{})
	return !loaded
}

// has reports whether a page URL (NormalizeURL form) was seen.
func (f *frontier) has(key string) bool {
	_, ok := f.seen.Load(key)
	return ok
}

// push queues a job (its URL claimed first).
func (f *frontier) push(j job) {
	f.mu.Lock()
	f.queue = append(f.queue, j)
	f.cond.Signal()
	f.mu.Unlock()
}

// next blocks until there is a job, or returns false when the crawl is over: nothing waits and
// nothing in flight can add more, or the frontier was closed.
func (f *frontier) next() (job, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for len(f.queue) == 0 && f.active > 0 && !f.closed {
		f.cond.Wait()
	}
	if f.closed || len(f.queue) == 0 {
		f.closed = true
		f.cond.Broadcast()
		return job{}, false
	}
	j := f.queue[0]
	f.queue[0] = job{}
	f.queue = f.queue[1:]
	f.active++
	return j, true
}

// begin counts a producer that is not a job (sitemap discovery) as work in flight; it ends with
// done.
func (f *frontier) begin() {
	f.mu.Lock()
	f.active++
	f.mu.Unlock()
}

// done ends a job taken with next, or the work of begin.
func (f *frontier) done() {
	f.mu.Lock()
	f.active--
	f.cond.Broadcast()
	f.mu.Unlock()
}

// close ends the crawl: next returns false from now on.
func (f *frontier) close() {
	f.mu.Lock()
	f.closed = true
	f.cond.Broadcast()
	f.mu.Unlock()
}

// admit takes a --max-pages slot for j's fetch. When every slot is taken, a fetch in flight may
// yet turn out not to be an HTML page and give its slot back: j is held until then, and admit
// returns false (what is still held at the end was not crawled).
func (f *frontier) admit(j job) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.admitted >= f.max {
		f.held = append(f.held, j)
		return false
	}
	f.admitted++
	return true
}

// giveBack returns a slot whose fetch was not an HTML page, and queues a held job again.
func (f *frontier) giveBack() {
	f.mu.Lock()
	f.admitted--
	if n := len(f.held); n > 0 {
		f.queue = append(f.queue, f.held[n-1])
		f.held = f.held[:n-1]
		f.cond.Signal()
	}
	f.mu.Unlock()
}

// drop counts a job taken with next that the crawl will not fetch after all (interrupted): it
// is not crawled, like the jobs still waiting.
func (f *frontier) drop() {
	f.mu.Lock()
	f.dropped++
	f.mu.Unlock()
}

// queued is the number of jobs waiting.
func (f *frontier) queued() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.queue)
}

// left is the number of jobs never fetched: waiting, held for a slot, or dropped.
func (f *frontier) left() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.queue) + len(f.held) + f.dropped
}
