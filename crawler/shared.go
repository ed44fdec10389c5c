package crawler

import (
	"context"
	"net/url"
	"sync/atomic"
	"time"
)

// Job is one page to fetch, as a Frontier holds it.
type Job struct {
	URL    *url.URL
	Key    string // NormalizeURL(URL): the seen-set's key
	Depth  int
	Parent string
	Frame  bool
	UIR    bool // a frame whose parent's upgrade-insecure-requests it inherits
	Start  bool // a start URL the user gave
}

// Frontier is the crawl's work: the seen-set, the jobs waiting and in flight, the --max-pages
// slots, and the URLs kept out (counted once). The in-process frontier (frontier.go) is the
// default; a Frontier shared by several processes (crawler/redisq) makes a crawl of many.
//
// Keys are page URLs in NormalizeURL form. Every job taken with Next ends with Done.
type Frontier interface {
	// Seen reports whether key is known to be seen and its plain reach recorded. false may be
	// wrong (a shared frontier knows only what it asked); Add then settles it.
	Seen(key string) bool
	// Reached records that the crawl reached key, already seen, again: as a frame under
	// upgrade-insecure-requests (uir) or not.
	Reached(key string, uir bool)
	// Add queues each job whose key was not seen, claiming it, in one step; a job whose key was
	// seen counts as a Reached.
	Add(jobs []Job)
	// Claim marks key seen (a redirect target) and reports whether it was new.
	Claim(key string) bool
	// Skip counts key as kept out by --max-depth, --include or --exclude, once per key.
	Skip(key string)
	// SkipJob counts the job's URL as kept out by robots.txt.
	SkipJob(j Job)
	// Next blocks until there is a job, or returns false when the crawl is over.
	Next() (Job, bool)
	// Begin counts work that is not a job (reading sitemaps) as in flight, until end is called.
	Begin() (end func())
	// Done ends a job taken with Next.
	Done(j Job)
	// Close ends the crawl: Next returns false from now on.
	Close()
	// Admit takes a --max-pages slot for j's fetch, or holds j until a slot is given back.
	Admit(j Job) bool
	// GiveBack returns j's slot (its fetch was not an HTML page) and queues a held job again.
	GiveBack(j Job)
	// Drop counts a job taken that the crawl will not fetch (interrupted).
	Drop(j Job)
	// Queued is the number of jobs waiting (for progress).
	Queued() int
	// Left is the number of jobs never fetched: waiting, held for a slot, or dropped.
	Left() int
	// Skipped is the number of URLs kept out.
	Skipped() int
	// Plain reports whether key, first queued as a frame under upgrade-insecure-requests, was
	// also reached another way. Asked once the crawl is over.
	Plain(key string) bool
	// MoveHost records that a start URL moved the crawl to host (the same site); Moved returns
	// the hosts other processes recorded since it was last called.
	MoveHost(host string)
	Moved() []string
	// Delay records the Crawl-delay robots.txt asks of an origin (scheme://host:port), 0 for
	// none. A shared crawl calls it for each origin whose robots.txt it read, before the job's
	// fetch: a shared frontier hands out one job of a host until then.
	Delay(origin string, d time.Duration)
}

// Shared makes a crawl one process's part of a crawl that several processes share through
// Frontier.
type Shared struct {
	Frontier Frontier
	// Join: take part only. The process that started the crawl queued the start URLs and reads
	// robots.txt and the sitemaps.
	Join bool
	// Emit is called instead of the visit callback, with each page and what came with it, by
	// the goroutine that fetched the page, before its job is done: calls come at once (a page's
	// send must not wait for another's), in no particular order. A page that inherits
	// upgrade-insecure-requests is emitted at once (the process that writes the report settles
	// it with Frontier.Plain).
	Emit func(Part)
}

// Part is one page of a shared crawl, with the errors and origin probes this process met since
// the part before it.
type Part struct {
	Page     *Page    `json:"page"`
	Errors   []Error  `json:"errors,omitempty"`
	Origins  []Origin `json:"origins,omitempty"` // probes: Origin, FirstPage, InScope and HSTS are not set
	Requests int64    `json:"requests,omitempty"`
}

// localFrontier is the in-process Frontier: frontier.go's queue and seen-set, with the sets of
// URLs kept out and of frames under upgrade-insecure-requests.
type localFrontier struct {
	*frontier
	skippedSet seenSet // keys kept out by --max-depth, --include, --exclude (counted once), as hashes
	skipped    atomic.Int64
	// uirQueued holds the URLs queued as frames under upgrade-insecure-requests (few on a shop;
	// a hash each however many a site makes); plainReach, those of them the crawl also reached
	// another way. uirCount lets the links of a site without such frames skip the look.
	uirQueued, plainReach seenSet
	uirCount              atomic.Int64
}

func newLocalFrontier(maxPages int) *localFrontier {
	return &localFrontier{frontier: newFrontier(maxPages)}
}

func (f *localFrontier) Seen(key string) bool { return f.has(key) }

func (f *localFrontier) Reached(key string, uir bool) {
	// Only URLs queued as such frames are kept: the rest never inherit anything (a site
	// without such frames costs the hot path one atomic load).
	if !uir && f.uirCount.Load() > 0 && f.uirQueued.has(key) {
		f.plainReach.add(key)
	}
}

func (f *localFrontier) Add(jobs []Job) {
	for _, j := range jobs {
		// Marked before the claim: a plain link to the same URL that another worker follows
		// right after the claim must find it marked (a URL marked whose claim then fails was
		// queued plainly, so nothing ever asks whether it was reached plainly).
		if j.UIR && f.uirQueued.add(j.Key) {
			f.uirCount.Add(1)
		}
		if !f.claim(j.Key) {
			f.Reached(j.Key, j.UIR)
			continue
		}
		f.push(job{u: j.URL, depth: j.Depth, parent: j.Parent, frame: j.Frame, uir: j.UIR, start: j.Start})
	}
}

func (f *localFrontier) Claim(key string) bool { return f.claim(key) }

func (f *localFrontier) Skip(key string) {
	if f.skippedSet.add(key) {
		f.skipped.Add(1)
	}
}

func (f *localFrontier) SkipJob(Job) { f.skipped.Add(1) }

func (f *localFrontier) Next() (Job, bool) {
	j, ok := f.next()
	if !ok {
		return Job{}, false
	}
	return Job{URL: j.u, Depth: j.depth, Parent: j.parent, Frame: j.frame, UIR: j.uir, Start: j.start}, true
}

func (f *localFrontier) Begin() func() {
	f.begin()
	return f.done
}

func (f *localFrontier) Done(Job)    { f.done() }
func (f *localFrontier) Close()      { f.close() }
func (f *localFrontier) Drop(Job)    { f.drop() }
func (f *localFrontier) Queued() int { return f.queued() }
func (f *localFrontier) Left() int   { return f.left() }
func (f *localFrontier) Skipped() int {
	return int(f.skipped.Load())
}

func (f *localFrontier) Admit(j Job) bool {
	return f.admit(job{u: j.URL, depth: j.Depth, parent: j.Parent, frame: j.Frame, uir: j.UIR, start: j.Start})
}

func (f *localFrontier) GiveBack(Job) { f.giveBack() }

func (f *localFrontier) Plain(key string) bool {
	return f.plainReach.has(key)
}

func (f *localFrontier) MoveHost(string) {}
func (f *localFrontier) Moved() []string { return nil }

func (f *localFrontier) Delay(string, time.Duration) {} // the throttle spaces this process's requests

// emit hands a page of a shared crawl on, with the errors met and the probes finished since the
// part before. The probes of the origins the page touched are waited for first: once the page is
// handed on its job is done, and a probe lost with this process would be lost for the crawl.
func (cr *crawl) emit(p *Page) {
	cr.emitPart(p)
}

// emitPart hands p on (nil at the end of this process's part: what is left over).
func (cr *crawl) emitPart(p *Page) {
	probes := cr.origins.settle()
	cr.mu.Lock()
	errs := cr.errs // handed on, not kept: a site failing on every page grows no list here
	cr.errs = nil
	cr.mu.Unlock()
	cr.visitMu.Lock()
	reqs := cr.tr.requests.Load()
	part := Part{Page: p, Errors: errs, Origins: probes, Requests: reqs - cr.emitReqs}
	cr.emitReqs = reqs
	cr.visitMu.Unlock()
	cr.cfg.Shared.Emit(part)
}

// settle waits for the probes under way and returns those not handed on yet.
func (og *origins) settle() []Origin {
	og.mu.Lock()
	var wait []chan struct{}
	for _, st := range og.m {
		if st.ready == nil {
			continue // recorded without a probe (an http: endpoint)
		}
		select {
		case <-st.ready:
		default:
			wait = append(wait, st.ready)
		}
	}
	og.mu.Unlock()
	for _, c := range wait {
		<-c
	}
	og.mu.Lock()
	defer og.mu.Unlock()
	out := og.fresh
	og.fresh = nil
	return out
}

// Merge builds, in the process that writes the report, the outcome of a shared crawl from the
// parts its processes emit: each page once (a page fetched again after its lease expired is
// dropped), its origins from the pages and the probes, the errors once each.
type Merge struct {
	cfg     *Config
	visit   func(*Page)
	pages   seenSet // the page URLs taken, as hashes (bounded memory a page, as the frontier's)
	npages  int
	origins origins
	probes  map[string]Origin
	errs    seenSet // the errors taken, as 64-bit hashes: a part sent twice brings them twice (two errors whose hashes collide would be taken for one)
	errList []Error // without Config.OnError
	reqs    int64
	startOK int
	starts  map[string]bool
	uir     heldPages // frames that inherited upgrade-insecure-requests, settled at the end
}

// NewMerge starts the merge of a shared crawl of cfg (validated) that hands pages to visit.
func NewMerge(cfg *Config, visit func(*Page)) *Merge {
	m := &Merge{cfg: cfg, visit: visit, probes: map[string]Origin{}, starts: map[string]bool{}}
	m.origins = origins{cr: &crawl{cfg: cfg}, ledger: true}
	m.origins.endpoints(context.Background(), cfg.endpoints) // recorded here, probed by the starting process
	for _, u := range cfg.starts {
		m.starts[u.String()] = true
	}
	return m
}

// Add takes one part. It reports whether its page was new.
func (m *Merge) Add(pt Part) bool {
	m.reqs += pt.Requests
	m.addErrors(pt.Errors)
	for _, o := range pt.Origins {
		if _, ok := m.probes[o.Origin]; !ok {
			m.probes[o.Origin] = o
		}
	}
	p := pt.Page
	if p == nil || !m.pages.add(p.URL) {
		return false
	}
	m.npages++
	if m.starts[p.URL] && p.Err == "" && p.Status < 400 {
		m.startOK++
	}
	m.origins.touchPage(context.Background(), p)
	if p.InheritsUIR {
		m.uir.hold(p) // settled at the end, as Crawl does
		return true
	}
	m.visit(p)
	return true
}

// addErrors takes each error not taken before: to Config.OnError when set (called as visit
// is, one at a time), else into the Result's list.
func (m *Merge) addErrors(es []Error) {
	for _, e := range es {
		if !m.errs.add(e.URL + "\x00" + e.Err + "\x00" + string(e.Kind)) {
			continue
		}
		if m.cfg.OnError != nil {
			m.cfg.OnError(e)
		} else {
			m.errList = append(m.errList, e)
		}
	}
}

// Close drops the pages the merge holds (Finish delivers them): a crawl that fails before
// Finish leaves no temporary file behind.
func (m *Merge) Close() { m.uir.drop() }

// Pages is the number of pages taken.
func (m *Merge) Pages() int { return m.npages }

// Finish delivers the pages held back, settled with the frontier f, and returns the crawl's
// outcome; stopped says the crawl was cut short.
func (m *Merge) Finish(f Frontier, stopped bool) (*Result, error) {
	for _, h := range f.Moved() {
		m.cfg.moved.add(h)
	}
	m.uir.settle(f.Plain, m.visit, func(e Error) { m.addErrors([]Error{e}) })
	res := &Result{Requests: m.reqs, NotCrawled: f.Left(), Skipped: f.Skipped(), Stopped: stopped, Pages: m.npages}
	res.Errors = m.errList
	m.origins.mu.Lock()
	for key, st := range m.origins.m {
		first := st.o.FirstPage
		if pr, ok := m.probes[key]; ok {
			st.o = pr
		}
		u, _ := url.Parse(key)
		st.o.Origin, st.o.FirstPage, st.o.Endpoint = key, first, st.endpoint != ""
		st.o.InScope = u != nil && m.cfg.InScope(u)
	}
	m.origins.mu.Unlock()
	res.Origins = m.origins.list()
	if stopped {
		return res, context.Canceled
	}
	if len(m.cfg.starts) == 0 {
		return res, m.origins.endpointsAnswered(res)
	}
	if m.startOK == 0 {
		return res, ErrNoStart
	}
	return res, nil
}
