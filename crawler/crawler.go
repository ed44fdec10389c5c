package crawler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gocolly/colly/v2"
	"golang.org/x/net/html/charset"
)

// ErrNoStart is returned when none of the start URLs could be fetched.
var ErrNoStart = errors.New("no start URL could be fetched")

// Error is a problem met during the crawl that is not a finding: a page that failed, a
// stylesheet that could not be read, a page cut at the size limit, an unreadable sitemap.
type Error struct {
	URL string
	Err string
}

// Result is what a crawl leaves besides the pages handed to the visit callback.
type Result struct {
	Errors     []Error
	Requests   int64 // HTTP requests made, of every kind
	Pages      int   // HTML pages visited
	NotCrawled int   // in-scope URLs queued but left when --max-pages was reached
	Skipped    int   // in-scope URLs robots.txt or --include/--exclude kept out
	Stopped    bool  // the context ended before the crawl did
	// Origins are the HTTPS origins the crawl requested from, probed once each, sorted.
	Origins []Origin
}

// job is one page to fetch.
type job struct {
	u      *url.URL
	depth  int
	parent string
	frame  bool
	uir    bool // a frame whose parent's upgrade-insecure-requests it inherits
	start  bool // a start URL the user gave (sitemap URLs are depth 0 too, but not starts)
}

// crawl is the state of one Crawl call.
type crawl struct {
	cfg       *Config
	tr        *transport
	coll      *colly.Collector
	client    *http.Client // sub-resources, robots.txt, sitemaps: no cookie jar, manual redirects
	robots    robots
	resources resourceCache
	origins   origins

	seen       sync.Map // normalised page URL -> struct{}
	skippedSet sync.Map // normalised URLs kept out by --max-depth, --include, --exclude (counted once)
	gates      sync.Map // origin -> *gate, spacing page requests by --delay or Crawl-delay

	mu      sync.Mutex
	cond    *sync.Cond
	queue   []job
	held    []job // jobs waiting for a --max-pages slot that an in-flight fetch may give back
	active  int
	done    bool
	errs    []Error
	visitMu sync.Mutex

	admitted   atomic.Int64 // page fetches started and not given back (non-HTML gives its slot back)
	captureSeq atomic.Int64 // ids of page requests whose body the transport captures
	pages      atomic.Int64
	skipped    atomic.Int64
	startOK    atomic.Int64
	errCount   atomic.Int64

	// uirQueued holds the URLs first queued as frames under upgrade-insecure-requests (few);
	// plainReach, those of them the crawl also reached another way; deferred, the pages that
	// inherited the policy, delivered at the end (see runJob).
	uirQueued, plainReach sync.Map
	deferred              []*Page
}

// Crawl walks the site from cfg.StartURLs and calls visit once per fetched page (HTML or failed),
// one call at a time. It returns ErrNoStart when no start URL could be fetched and ctx.Err() when
// the context ended first; the pages visited until then were handed to visit all the same.
func Crawl(ctx context.Context, cfg *Config, visit func(*Page)) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cr := &crawl{cfg: cfg}
	cr.cond = sync.NewCond(&cr.mu)
	cr.tr = newTransport(cfg)
	cr.tr.allowLocal.Store(siteIsLocal(ctx, cfg.starts, cfg.resolver))
	cr.client = &http.Client{
		Transport:     cr.tr,
		Timeout:       cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	cr.coll = cr.newCollector(ctx)
	cr.resources.cr = cr
	cr.origins.cr = cr

	// The start URLs are queued first. robots.txt and the sitemaps of their origins are read
	// beside the first pages (a sitemap index can take many requests, and a slow robots.txt or
	// sitemap must not hold the start page back); their URLs join the queue as they come, and
	// the crawl is not over while they are being read (they count as a job in flight).
	for _, u := range cfg.starts {
		cr.enqueue(job{u: u, start: true}, true)
	}
	var discovery sync.WaitGroup
	if !cfg.IgnoreRobots || !cfg.NoFollow {
		cr.mu.Lock()
		cr.active++
		cr.mu.Unlock()
		discovery.Add(1)
		go func() {
			defer discovery.Done()
			defer cr.finished()
			cr.discover(ctx)
		}()
	}

	var wg sync.WaitGroup
	for i := 0; i < cfg.Concurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cr.worker(ctx, visit)
		}()
	}
	stop := context.AfterFunc(ctx, func() {
		cr.mu.Lock()
		cr.done = true
		cr.cond.Broadcast()
		cr.mu.Unlock()
	})
	wg.Wait()
	discovery.Wait() // ends with ctx too: its requests are bound to it
	for _, p := range cr.deferred {
		if u, err := url.Parse(p.URL); err == nil {
			if _, plain := cr.plainReach.Load(NormalizeURL(u)); plain {
				p.dropInheritedUpgrade() // also reached outside such a frame: judged on its own
			}
		}
		visit(p)
	}
	stop()
	defer cr.tr.base.CloseIdleConnections() // a library caller may crawl again: leave no sockets behind

	origins := cr.origins.list()
	res := &Result{
		Origins:    origins,
		Errors:     cr.errs,
		Requests:   cr.tr.requests.Load(),
		Pages:      int(cr.pages.Load()),
		NotCrawled: len(cr.queue) + len(cr.held),
		Skipped:    int(cr.skipped.Load()),
	}
	if ctx.Err() != nil {
		res.Stopped = true
		return res, ctx.Err()
	}
	if cr.startOK.Load() == 0 {
		return res, ErrNoStart
	}
	return res, nil
}

func (cr *crawl) addError(e Error) {
	cr.mu.Lock()
	cr.errs = append(cr.errs, e)
	cr.mu.Unlock()
	cr.errCount.Add(1)
}

// enqueue adds a page job unless its URL was seen before. Start URLs bypass scope filters.
func (cr *crawl) enqueue(j job, start bool) bool {
	if !start {
		if !cr.cfg.InScope(j.u) {
			return false
		}
		if (cr.cfg.MaxDepth > 0 && j.depth > cr.cfg.MaxDepth) || !cr.filtersAllow(j.u) {
			// Counted once, but not marked seen: a shallower link to the same URL may come
			// later from a slower page and must still be crawled.
			if _, loaded := cr.skippedSet.LoadOrStore(NormalizeURL(j.u), struct{}{}); !loaded {
				cr.skipped.Add(1)
			}
			return false
		}
	}
	key := NormalizeURL(j.u)
	if _, loaded := cr.seen.LoadOrStore(key, struct{}{}); loaded {
		if !j.uir {
			cr.reachedPlain(key)
		}
		return false
	}
	if j.uir {
		cr.uirQueued.Store(key, struct{}{})
	}
	cr.mu.Lock()
	cr.queue = append(cr.queue, j)
	cr.cond.Signal()
	cr.mu.Unlock()
	return true
}

func (cr *crawl) filtersAllow(u *url.URL) bool {
	s := u.String()
	for _, re := range cr.cfg.Exclude {
		if re.MatchString(s) {
			return false
		}
	}
	if len(cr.cfg.Include) == 0 {
		return true
	}
	for _, re := range cr.cfg.Include {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

// reachedPlain notes that the crawl reached key (a normalised URL already seen) other than as a
// frame under upgrade-insecure-requests. Only URLs first queued as such frames are kept: the
// rest never inherit anything (one lookup in a near-empty map on the hot path).
func (cr *crawl) reachedPlain(key string) {
	if _, ok := cr.uirQueued.Load(key); ok {
		cr.plainReach.Store(key, struct{}{})
	}
}

// dropInheritedUpgrade judges the page without its parent's upgrade-insecure-requests.
func (p *Page) dropInheritedUpgrade() {
	p.InheritsUIR = false
	for i := range p.Resources {
		if r := &p.Resources[i]; r.UpgradeInherited {
			r.UpgradedByCSP, r.UpgradeInherited = false, false
		}
	}
}

// discover reads robots.txt of the start origins, then the sitemaps it names (and the
// /sitemap.xml of each start origin), and queues the pages they list.
func (cr *crawl) discover(ctx context.Context) {
	cfg := cr.cfg
	var sitemapsNamed, sitemapsGuessed []string
	sitemapsNamed = append(sitemapsNamed, cfg.Sitemaps...)
	for _, u := range cfg.starts {
		if !cfg.IgnoreRobots {
			e := cr.robotsFor(ctx, u)
			if e.err != nil && ctx.Err() == nil {
				cr.addError(Error{URL: (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/robots.txt"}).String(), Err: e.err.Error()})
			}
			if !cfg.NoFollow {
				sitemapsNamed = append(sitemapsNamed, e.sitemaps...)
			}
		}
		if !cfg.NoFollow {
			sitemapsGuessed = append(sitemapsGuessed, (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/sitemap.xml"}).String())
		}
	}
	if cfg.NoFollow {
		return
	}
	pages, errs := cr.readSitemaps(ctx, sitemapsNamed, sitemapsGuessed)
	for _, e := range errs {
		cr.addError(e)
	}
	for _, p := range pages {
		if u, ok := Resolve(nil, p); ok {
			cr.enqueue(job{u: u}, false)
		}
	}
}

// next blocks until there is a job, or returns false when the crawl is over: the queue is empty
// and no worker can add to it, or the context ended.
func (cr *crawl) next() (job, bool) {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	for len(cr.queue) == 0 && cr.active > 0 && !cr.done {
		cr.cond.Wait()
	}
	if cr.done || len(cr.queue) == 0 {
		cr.done = true
		cr.cond.Broadcast()
		return job{}, false
	}
	j := cr.queue[0]
	cr.queue[0] = job{}
	cr.queue = cr.queue[1:]
	cr.active++
	return j, true
}

func (cr *crawl) finished() {
	cr.mu.Lock()
	cr.active--
	cr.cond.Broadcast()
	cr.mu.Unlock()
}

func (cr *crawl) worker(ctx context.Context, visit func(*Page)) {
	for {
		j, ok := cr.next()
		if !ok {
			return
		}
		if ctx.Err() == nil {
			cr.runJob(ctx, j, visit)
		}
		cr.finished()
	}
}

// giveBack returns a --max-pages slot that turned out not to be used for an HTML page, and
// puts a job that was held for want of one back in the queue.
func (cr *crawl) giveBack() {
	cr.admitted.Add(-1)
	cr.mu.Lock()
	if n := len(cr.held); n > 0 {
		cr.queue = append(cr.queue, cr.held[n-1])
		cr.held = cr.held[:n-1]
		cr.cond.Signal()
	}
	cr.mu.Unlock()
}

func (cr *crawl) runJob(ctx context.Context, j job, visit func(*Page)) {
	if cr.admitted.Add(1) > int64(cr.cfg.MaxPages) {
		// Every slot is taken, but a fetch in flight may yet turn out not to be an HTML page
		// and give its slot back: hold the job until then (what is still held at the end was
		// not crawled).
		cr.admitted.Add(-1)
		cr.mu.Lock()
		cr.held = append(cr.held, j)
		cr.mu.Unlock()
		return
	}
	delay := cr.cfg.Delay
	if !cr.cfg.IgnoreRobots {
		e := cr.robotsFor(ctx, j.u)
		if !e.allowed(j.u) && !j.start {
			cr.giveBack()
			cr.skipped.Add(1)
			return
		}
		delay = max(delay, e.crawlDelay())
	}
	if delay > 0 {
		g, _ := cr.gates.LoadOrStore(origin(j.u), &gate{})
		if err := g.(*gate).wait(ctx, delay); err != nil {
			cr.giveBack()
			return
		}
	}
	p := cr.fetchPage(ctx, j)
	if ctx.Err() != nil && p.Err != "" {
		cr.giveBack()
		return // interrupted mid-fetch: not a page failure
	}
	html := p.Err == "" && isHTML(p.ContentType) && p.Status < 300
	if !html {
		cr.giveBack() // only HTML pages count against --max-pages
		if p.Err == "" && p.Status < 300 {
			return // a PDF or image link is not a page at all
		}
	}
	if j.start && p.Err == "" && p.Status < 400 {
		cr.startOK.Add(1)
	}
	if p.Err != "" {
		cr.errCount.Add(1)
	}
	if html {
		cr.pages.Add(1)
		cr.follow(p, j)
	}
	cr.origins.touchPage(ctx, p)
	if p.InheritsUIR {
		// Judged at the end: whether the frame keeps its parent's upgrade-insecure-requests
		// depends on every way the crawl reaches it, not on which came first.
		cr.mu.Lock()
		cr.deferred = append(cr.deferred, p)
		cr.mu.Unlock()
	} else {
		cr.visitMu.Lock()
		visit(p)
		cr.visitMu.Unlock()
	}
	if cr.cfg.Progress != nil {
		cr.mu.Lock()
		q := len(cr.queue)
		cr.mu.Unlock()
		cr.cfg.Progress(Progress{Pages: int(cr.pages.Load()), Queued: q, Errors: int(cr.errCount.Load()), Requests: int(cr.tr.requests.Load())})
	}
}

// follow queues the page's links, frames and refresh targets.
func (cr *crawl) follow(p *Page, j job) {
	if cr.cfg.NoFollow {
		return
	}
	for i := range p.Resources {
		r := &p.Resources[i]
		if r.Kind != KindLink && r.Kind != KindFrame && r.Kind != KindRefresh {
			continue
		}
		frame := r.Kind == KindFrame
		uir := frame && r.UpgradedByCSP
		if _, seen := cr.seen.Load(r.URL); seen {
			// most links on a site point at pages already queued (r.URL is normalised)
			if !uir {
				cr.reachedPlain(r.URL)
			}
			continue
		}
		u, err := url.Parse(r.URL)
		if err != nil {
			continue
		}
		cr.enqueue(job{u: u, depth: j.depth + 1, parent: p.FinalURL, frame: frame, uir: uir}, false)
	}
	for _, h := range p.Redirects {
		if h.Via != "http" { // refresh hops: the target is a page of its own
			if u, err := url.Parse(h.To); err == nil {
				cr.enqueue(job{u: u, depth: j.depth + 1, parent: p.FinalURL}, false)
			}
		}
	}
}

// fetchState carries one colly request's outcome out of its callbacks.
type fetchState struct {
	status   int
	header   http.Header
	body     []byte
	err      error
	buf      *bytes.Buffer // pooled buffer holding body, when the transport captured it
	captured bool
}

func (cr *crawl) newCollector(ctx context.Context) *colly.Collector {
	c := colly.NewCollector(
		colly.UserAgent(cr.cfg.UserAgent),
		colly.AllowURLRevisit(), // our own atomic seen-set de-duplicates; colly's check is racy
		colly.ParseHTTPErrorResponse(),
		colly.IgnoreRobotsTxt(), // robots.txt is read once per origin by robotsFor (for Crawl-delay and Sitemap too)
		colly.MaxBodySize(int(cr.cfg.MaxBody)+1),
		colly.StdlibContext(ctx),
	)
	c.WithTransport(cr.tr)
	c.SetRequestTimeout(cr.cfg.Timeout)
	// Redirects are followed one hop at a time by fetchPage, so every hop is recorded and the
	// user's headers are decided per hop (net/http and colly would forward them off-origin).
	c.SetRedirectHandler(func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse })
	c.OnResponseHeaders(func(r *colly.Response) {
		st := r.Ctx.GetAny("state").(*fetchState)
		st.status = r.StatusCode
		st.header = r.Headers.Clone()
		if r.StatusCode >= 200 && r.StatusCode < 300 && !isHTML(r.Headers.Get("Content-Type")) && r.Headers.Get("Content-Type") != "" {
			r.Request.Abort() // only HTML is parsed; the link is recorded, its body is not needed
		}
	})
	c.OnResponse(func(r *colly.Response) {
		st := r.Ctx.GetAny("state").(*fetchState)
		if !st.captured {
			st.body = r.Body
		}
	})
	c.OnError(func(r *colly.Response, err error) {
		st := r.Ctx.GetAny("state").(*fetchState)
		if !errors.Is(err, colly.ErrAbortedAfterHeaders) {
			st.err = err
		}
	})
	return c
}

// setHeaders adds the User-Agent and, where the target may receive them, the user's headers.
func (cr *crawl) setHeaders(req *http.Request, credentials bool) {
	req.Header.Set("User-Agent", cr.cfg.UserAgent)
	if credentials && cr.cfg.mayCarryCredentials(req.URL) {
		for k, vs := range cr.cfg.Headers {
			for _, v := range vs {
				req.Header.Add(k, v)
			}
		}
	}
}

// fetchPage fetches a page, following redirects hop by hop, and extracts its references.
func (cr *crawl) fetchPage(ctx context.Context, j job) *Page {
	p := &Page{URL: j.u.String(), FinalURL: j.u.String(), Depth: j.depth, Parent: j.parent, Frame: j.frame, InheritsUIR: j.uir, Fetched: time.Now().UTC()}
	cur := j.u
	credentials := true // the user's headers stop for good once a chain leaves their origins
	chain := map[string]bool{NormalizeURL(cur): true}
	st := &fetchState{}
	defer func() { st.release() }() // the extractor copies what it keeps
	for hop := 0; ; hop++ {
		credentials = credentials && cr.cfg.mayCarryCredentials(cur)
		hdr := http.Header{}
		hdr.Set("User-Agent", cr.cfg.UserAgent)
		hdr.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")
		if credentials {
			for k, vs := range cr.cfg.Headers {
				for _, v := range vs {
					hdr.Add(k, v)
				}
			}
		}
		for try := 0; ; try++ {
			st.release() // a retried request's first answer is done with
			st = &fetchState{}
			cctx := colly.NewContext()
			cctx.Put("state", st)
			id := strconv.FormatInt(cr.captureSeq.Add(1), 10)
			cr.tr.captures.Store(id, st)
			hdr.Set(captureHeader, id)
			err := cr.coll.Request(http.MethodGet, cur.String(), nil, cctx, hdr)
			cr.tr.captures.Delete(id)
			if err != nil && st.err == nil && !errors.Is(err, colly.ErrAbortedAfterHeaders) {
				st.err = err
			}
			wait, ok := retryAfter(st, try)
			if !ok || sleep(ctx, wait) != nil {
				break
			}
		}
		p.FinalURL = cur.String()
		p.Status = st.status
		p.Header = st.header
		if st.err != nil {
			p.Err = describeErr(st.err, cr.cfg.Timeout)
			return p
		}
		p.ContentType = st.header.Get("Content-Type")
		if st.status < 300 || st.status >= 400 {
			break
		}
		loc := st.header.Get("Location")
		if loc == "" {
			break // a 3xx without Location is the final answer
		}
		next, ok := Resolve(cur, loc)
		if !ok {
			p.Err = fmt.Sprintf("redirect to unusable Location %q", loc)
			return p
		}
		p.Redirects = append(p.Redirects, Hop{From: cur.String(), To: next.String(), Status: st.status, Via: "http"})
		if hop+1 >= cr.cfg.MaxRedirects {
			p.Err = fmt.Sprintf("stopped after %d redirects", cr.cfg.MaxRedirects)
			return p
		}
		key := NormalizeURL(next)
		if chain[key] {
			p.Err = "redirect loop: " + next.String()
			return p
		}
		chain[key] = true
		if !cr.cfg.InScope(next) {
			if !j.start || !sameSite(j.u.Hostname(), next.Hostname()) {
				return p // off scope: the hop is recorded, the target is not crawled as a page
			}
			// A start URL moving to another host of its site (shop.test -> www.shop.test) takes
			// the crawl there: that host is the site.
			cr.cfg.moved.add(strings.ToLower(next.Hostname()))
		}
		// A redirect may not take the crawl where a link could not: --include/--exclude and
		// robots.txt hold for its target too (a redirect keeps the depth of the page). A start
		// URL's own chain is followed as the user asked.
		if !j.start && (!cr.filtersAllow(next) || !cr.cfg.IgnoreRobots && !cr.robotsFor(ctx, next).allowed(next)) {
			if _, loaded := cr.skippedSet.LoadOrStore(key, struct{}{}); !loaded {
				cr.skipped.Add(1)
			}
			return p
		}
		if _, loaded := cr.seen.LoadOrStore(key, struct{}{}); loaded && !sameURL(j.u, next) {
			// The target is (or will be) a page of its own: this record stops at the redirect
			// (FinalURL stays the last URL fetched; the hop names the target).
			return p
		}
		cur = next
	}
	if orig := origin(cur); cur.Scheme == "https" {
		p.TLS = cr.tr.tlsFor(orig)
	}
	if p.Status >= 400 {
		p.Err = fmt.Sprintf("HTTP %d %s", p.Status, http.StatusText(p.Status))
	}
	if !isHTML(p.ContentType) && !(p.ContentType == "" && sniffHTML(st.body)) {
		return p
	}
	if p.ContentType == "" {
		p.ContentType = "text/html"
	}
	body := st.body
	if int64(len(body)) > cr.cfg.MaxBody {
		body = body[:cr.cfg.MaxBody]
		p.Truncated = true
	}
	body = decodeCharset(body, p.ContentType, st.captured)
	cr.extract(ctx, p, cur, body)
	return p
}

func sameURL(a, b *url.URL) bool { return NormalizeURL(a) == NormalizeURL(b) }

// Retries of a page the server asks to fetch later.
const (
	maxRetries    = 2
	maxRetryAfter = time.Minute
)

// retryAfter says whether to ask again for a page answered 429 (Too Many Requests) or 503
// (Service Unavailable) with a Retry-After the crawl can afford, and after how long. Without
// the header a 429 waits a second, then two.
func retryAfter(st *fetchState, try int) (time.Duration, bool) {
	if st.err != nil || try >= maxRetries || (st.status != http.StatusTooManyRequests && st.status != http.StatusServiceUnavailable) {
		return 0, false
	}
	v := strings.TrimSpace(st.header.Get("Retry-After"))
	if v == "" {
		if st.status == http.StatusServiceUnavailable {
			return 0, false // a plain 503 is an outage, not a request to slow down
		}
		return time.Duration(try+1) * time.Second, true
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		d := time.Duration(secs) * time.Second
		return d, d <= maxRetryAfter
	}
	if t, err := http.ParseTime(v); err == nil {
		d := time.Until(t)
		return max(d, 0), d <= maxRetryAfter
	}
	return 0, false
}

// extract fills the page's document: markup, headers, stylesheets and sub-resource checks.
func (cr *crawl) extract(ctx context.Context, p *Page, u *url.URL, body []byte) {
	doc := ExtractHTML(u, body)
	p.Document = *doc
	var headerUIR bool
	for _, v := range p.Header.Values("Content-Security-Policy") {
		p.CSP = append(p.CSP, CSP{Policy: v, Source: "header"})
		for _, pol := range ParseCSP(v) {
			headerUIR = headerUIR || pol.UpgradesInsecureRequests()
		}
	}
	for _, v := range p.Header.Values("Content-Security-Policy-Report-Only") {
		p.CSP = append(p.CSP, CSP{Policy: v, Source: "header", ReportOnly: true})
	}
	p.CSP = append(p.CSP, doc.MetaCSP...)
	if links := p.Header.Values("Link"); len(links) > 0 {
		p.Resources = append(p.Resources, ParseLinkHeader(u, links)...)
	}
	for _, v := range p.Header.Values("Refresh") {
		if delay, target, ok := ParseRefresh(v); ok {
			if t, ok := Resolve(u, target); ok && Fetchable(t) {
				p.Resources = append(p.Resources, Resource{URL: t.String(), Raw: target, Element: "Refresh", Kind: KindRefresh, Source: SourceHeader, RefreshDelay: delay})
			}
		}
	}
	for i := range p.Resources {
		r := &p.Resources[i]
		switch {
		case headerUIR:
			r.UpgradedByCSP = true
		case p.InheritsUIR && !r.UpgradedByCSP:
			r.UpgradedByCSP, r.UpgradeInherited = true, true
		}
		if r.Kind == KindRefresh && r.RefreshDelay == 0 {
			via := "meta-refresh"
			if r.Source == SourceHeader {
				via = "refresh-header"
			}
			p.Redirects = append(p.Redirects, Hop{From: p.FinalURL, To: r.URL, Via: via, Line: r.Line})
		}
	}
	cr.resources.attach(ctx, p)
}

// isHTML reports whether a Content-Type is an HTML document type.
func isHTML(ct string) bool {
	// The media type is what comes before any parameter; no need to parse the parameters
	// (mime.ParseMediaType allocates a map for them) to compare it.
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.TrimSpace(mt)
	return strings.EqualFold(mt, "text/html") || strings.EqualFold(mt, "application/xhtml+xml")
}

// sniffHTML applies the MIME sniffing algorithm to a body served without a Content-Type.
func sniffHTML(b []byte) bool {
	return strings.HasPrefix(http.DetectContentType(b), "text/html")
}

// decodeCharset converts a page to UTF-8: by the Content-Type's charset, else a BOM or a
// <meta charset>, as browsers do. colly has already converted a body it read itself whose
// Content-Type names a charset (raw says the body comes straight from the network).
func decodeCharset(body []byte, contentType string, raw bool) []byte {
	if _, params, err := mime.ParseMediaType(contentType); err == nil && params["charset"] != "" && !raw {
		return body
	}
	enc, name, _ := charset.DetermineEncoding(body, contentType)
	if name == "utf-8" || enc == nil {
		return body
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return body
	}
	return out
}

// describeErr turns transport errors into short report text.
func describeErr(err error, timeout time.Duration) string {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("timeout after %s", timeout)
	}
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
