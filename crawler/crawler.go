package crawler

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/html/charset"
)

// ErrNoStart is returned when none of the start URLs could be fetched.
var ErrNoStart = errors.New("no start URL could be fetched")

// ErrNoEndpoint is returned by a crawl of endpoints only when none of them could be reached.
var ErrNoEndpoint = errors.New("no endpoint could be reached")

// Error is a problem met during the crawl that is not a finding: a page that failed, a
// stylesheet that could not be read, a page cut at the size limit, an unreadable sitemap.
type Error struct {
	URL  string
	Err  string
	Kind ErrorKind // what kind of problem it is
}

// Result is what a crawl leaves besides the pages handed to the visit callback.
type Result struct {
	Errors     []Error
	Requests   int64 // HTTP requests made, of every kind
	Pages      int   // HTML pages visited
	NotCrawled int   // in-scope URLs queued but not fetched: --max-pages reached, or interrupted
	Skipped    int   // in-scope URLs robots.txt or --include/--exclude kept out
	Stopped    bool  // the context ended before the crawl did
	// Origins are the HTTPS origins the crawl requested from, probed once each, sorted.
	Origins []Origin
}

// crawl is the state of one Crawl call.
type crawl struct {
	cfg       *Config
	tr        *transport
	fetch     *fetcher
	coll      collector // the page collector the workers clone (collector.go)
	front     Frontier  // newLocalFrontier, or the shared one (Config.Shared)
	robots    robots
	resources resourceCache
	origins   origins

	mu      sync.Mutex // errs
	errs    []Error
	visitMu sync.Mutex

	pages    atomic.Int64
	startOK  atomic.Int64
	errCount atomic.Int64

	// deferred are the pages that inherited upgrade-insecure-requests, delivered at the end
	// (see runJob).
	deferred heldPages

	emitReqs int64 // requests already handed on with a Part

	entries map[string]bool // normalised Config.Entries, written before the workers start
}

// Crawl walks the site from cfg.StartURLs and calls visit once per fetched page (HTML or failed),
// one call at a time. It returns ErrNoStart when no start URL could be fetched and ctx.Err() when
// the context ended first; the pages visited until then were handed to visit all the same.
func Crawl(ctx context.Context, cfg *Config, visit func(*Page)) (*Result, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cr := &crawl{cfg: cfg}
	if cfg.Shared != nil {
		cr.front = cfg.Shared.Frontier
		cr.origins.share = true
	} else {
		lf := newLocalFrontier(cfg.MaxPages)
		defer lf.release()
		cr.front = lf
	}
	cr.tr = newTransport(cfg)
	cr.tr.allowLocal.Store(siteIsLocal(ctx, append(cfg.starts[:len(cfg.starts):len(cfg.starts)], cfg.endpoints...), cfg.resolver))
	cr.fetch = newFetcher(cfg, cr.tr)
	cr.coll = newCollector(ctx, cfg, cr.tr)
	cr.resources.cr = cr
	cr.resources.seed = maphash.MakeSeed()
	defer cr.resources.release()
	cr.origins.cr = cr
	if errs := cr.waitForStarts(ctx); errs != nil {
		return &Result{Errors: errs, Requests: cr.tr.requests.Load()}, ErrNoStart
	}
	cr.origins.endpoints(ctx, cfg.endpoints)

	// The start URLs are queued first. robots.txt and the sitemaps of their origins are read
	// beside the first pages (a sitemap index can take many requests, and a slow robots.txt or
	// sitemap must not hold the start page back); their URLs join the queue as they come, and
	// the crawl is not over while they are being read (they count as work in flight).
	join := cfg.Shared != nil && cfg.Shared.Join
	for _, u := range cfg.starts {
		if !join {
			cr.enqueue(job{u: u, start: true}, true)
		}
	}
	cr.entries = map[string]bool{}
	for _, e := range cfg.Entries {
		u, ok := ParseURL(e)
		if !ok {
			continue
		}
		if jb, ok := cr.candidate(job{u: u}, false); ok {
			cr.entries[jb.Key] = true // asked for, as a start URL is: robots.txt does not keep it out
			if !join {
				cr.front.Add([]Job{jb})
			}
		}
	}
	var discovery sync.WaitGroup
	if (!cfg.IgnoreRobots || !cfg.NoFollow) && !join {
		end := cr.front.Begin()
		discovery.Add(1)
		go func() {
			defer discovery.Done()
			defer end()
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
	stop := context.AfterFunc(ctx, cr.front.Close)
	wg.Wait()
	discovery.Wait() // ends with ctx too: its requests are bound to it
	cr.deferred.settle(cr.front.Plain, visit, cr.addError)
	stop()
	if cfg.Shared != nil {
		cr.emitPart(nil) // the errors, probes and requests since the last page
	}
	defer cr.tr.base.CloseIdleConnections() // a library caller may crawl again: leave no sockets behind

	origins := cr.origins.list()
	res := &Result{
		Origins:    origins,
		Errors:     cr.errs,
		Requests:   cr.tr.requests.Load(),
		Pages:      int(cr.pages.Load()),
		NotCrawled: cr.front.Left(),
		Skipped:    cr.front.Skipped(),
	}
	if ctx.Err() != nil {
		res.Stopped = true
		return res, ctx.Err()
	}
	if len(cfg.starts) == 0 {
		return res, cr.origins.endpointsAnswered(res)
	}
	if cr.startOK.Load() == 0 {
		return res, ErrNoStart
	}
	return res, nil
}

func (cr *crawl) addError(e Error) {
	cr.errCount.Add(1)
	if cr.cfg.OnError != nil && cr.cfg.Shared == nil {
		cr.visitMu.Lock()
		cr.cfg.OnError(e)
		cr.visitMu.Unlock()
		return
	}
	cr.mu.Lock()
	cr.errs = append(cr.errs, e)
	cr.mu.Unlock()
}

// enqueue adds a page job unless its URL was seen before. Start URLs bypass scope filters.
func (cr *crawl) enqueue(j job, start bool) {
	if jb, ok := cr.candidate(j, start); ok {
		cr.front.Add([]Job{jb})
	}
}

// candidate is j as the frontier takes it, unless scope, --max-depth, --include or --exclude
// keep it out. Start URLs bypass scope filters.
func (cr *crawl) candidate(j job, start bool) (Job, bool) {
	if !start {
		if !cr.cfg.InScope(j.u) {
			return Job{}, false
		}
		if (cr.cfg.MaxDepth > 0 && j.depth > cr.cfg.MaxDepth) || !cr.filtersAllow(j.u) {
			// Counted once, but not marked seen: a shallower link to the same URL may come
			// later from a slower page and must still be crawled.
			cr.front.Skip(NormalizeURL(j.u))
			return Job{}, false
		}
	}
	return Job{URL: j.u, Key: NormalizeURL(j.u), Depth: j.depth, Parent: j.parent, Frame: j.frame, UIR: j.uir, Start: j.start}, true
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
				cr.addError(Error{URL: (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/robots.txt"}).String(), Err: e.err.Error(), Kind: ErrorRobots})
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
	var batch []Job
	for _, p := range pages {
		if u, ok := Resolve(nil, p); ok {
			if jb, ok := cr.candidate(job{u: u}, false); ok {
				batch = append(batch, jb)
			}
		}
	}
	cr.front.Add(batch)
}

func (cr *crawl) worker(ctx context.Context, visit func(*Page)) {
	pc := cr.coll.forWorker(ctx)
	for {
		jb, ok := cr.front.Next()
		if !ok {
			return
		}
		for _, h := range cr.front.Moved() {
			cr.cfg.moved.add(h)
		}
		j := job{u: jb.URL, depth: jb.Depth, parent: jb.Parent, frame: jb.Frame, uir: jb.UIR, start: jb.Start}
		if ctx.Err() == nil {
			cr.runJob(ctx, pc, j, jb, visit)
		} else {
			cr.front.Drop(jb) // taken after the interruption, before the frontier closed
		}
		cr.front.Done(jb)
	}
}

func (cr *crawl) runJob(ctx context.Context, pc *pageCollector, j job, jb Job, visit func(*Page)) {
	if !cr.front.Admit(jb) {
		return
	}
	delay := cr.cfg.Delay
	if !cr.cfg.IgnoreRobots {
		e := cr.robotsFor(ctx, j.u)
		if cr.cfg.Shared != nil {
			cr.front.Delay(origin(j.u), e.crawlDelay()) // so that every process spaces its requests
		}
		if !e.allowed(j.u) && !j.start && !cr.entries[NormalizeURL(j.u)] {
			cr.front.GiveBack(jb)
			cr.front.SkipJob(jb)
			return
		}
		delay = max(delay, e.crawlDelay())
	}
	p := cr.fetchPage(ctx, pc, j, delay)
	if ctx.Err() != nil && p.Err != "" {
		cr.front.GiveBack(jb)
		cr.front.Drop(jb)
		return // interrupted mid-fetch: not a page failure, a page not crawled
	}
	html := p.Err == "" && isHTML(p.ContentType) && p.Status < 300
	if !html {
		cr.front.GiveBack(jb) // only HTML pages count against --max-pages
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
	if cr.cfg.Shared != nil {
		cr.emit(p)
	} else if p.InheritsUIR {
		// Judged at the end: whether the frame keeps its parent's upgrade-insecure-requests
		// depends on every way the crawl reaches it, not on which came first.
		cr.deferred.hold(p)
	} else {
		cr.visitMu.Lock()
		visit(p)
		cr.visitMu.Unlock()
	}
	if cr.cfg.Progress != nil {
		cr.cfg.Progress(Progress{Pages: int(cr.pages.Load()), Queued: cr.front.Queued(), Errors: int(cr.errCount.Load()), Requests: int(cr.tr.requests.Load())})
	}
}

// follow queues the page's links, frames and refresh targets.
func (cr *crawl) follow(p *Page, j job) {
	if cr.cfg.NoFollow {
		return
	}
	var batch []Job
	for i := range p.Resources {
		r := &p.Resources[i]
		if r.Kind != KindLink && r.Kind != KindFrame && r.Kind != KindRefresh {
			continue
		}
		frame := r.Kind == KindFrame
		uir := frame && r.UpgradedByCSP
		if cr.front.Seen(r.URL) {
			// most links on a site point at pages already queued (r.URL is normalised)
			cr.front.Reached(r.URL, uir)
			continue
		}
		u, err := url.Parse(r.URL)
		if err != nil {
			continue
		}
		if jb, ok := cr.candidate(job{u: u, depth: j.depth + 1, parent: p.FinalURL, frame: frame, uir: uir}, false); ok {
			batch = append(batch, jb)
		}
	}
	for _, h := range p.Redirects {
		if h.Via != "http" { // refresh hops: the target is a page of its own
			if u, err := url.Parse(h.To); err == nil {
				if jb, ok := cr.candidate(job{u: u, depth: j.depth + 1, parent: p.FinalURL}, false); ok {
					batch = append(batch, jb)
				}
			}
		}
	}
	cr.front.Add(batch) // one step for the page's links (one round trip to a shared frontier)
}

// pageAccept is the Accept header of page requests.
const pageAccept = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"

// fetchPage fetches a page through the worker's collector, following redirects hop by hop under
// pagePolicy, and extracts its references.
func (cr *crawl) fetchPage(ctx context.Context, pc *pageCollector, j job, delay time.Duration) *Page {
	requested := j.u.String()
	p := &Page{URL: requested, FinalURL: requested, Depth: j.depth, Parent: j.parent, Frame: j.frame, InheritsUIR: j.uir, Fetched: time.Now().UTC()}
	r := cr.fetch.fetch(ctx, j.u, &fetchReq{
		method: http.MethodGet,
		accept: pageAccept,
		limit:  cr.cfg.MaxBody + 1,
		policy: cr.pagePolicy(ctx, j),
		retry:  true,
		delay:  delay,
		send:   pc.sender,
	})
	defer r.release() // the extractor copies what it keeps
	if r.final != j.u {
		p.FinalURL = r.final.String()
	}
	p.Redirects = r.hops
	p.Status, p.Header = r.status, r.header
	if err := r.failure(); err != nil {
		p.Err, p.ErrKind = describeErr(err, cr.cfg.Timeout), errorKind(err)
		if r.err == nil {
			p.ContentType = r.header.Get("Content-Type") // the redirect's
		}
		return p
	}
	p.ContentType = r.header.Get("Content-Type")
	if r.stopped {
		return p
	}
	if r.final.Scheme == "https" {
		p.TLS = cr.tr.tlsFor(origin(r.final))
	}
	if p.Status >= 400 {
		p.Err, p.ErrKind = fmt.Sprintf("HTTP %d %s", p.Status, http.StatusText(p.Status)), ErrorStatus
	}
	body := r.bytes()
	if !isHTML(p.ContentType) && !(p.ContentType == "" && sniffHTML(body)) {
		return p
	}
	if p.ContentType == "" {
		p.ContentType = "text/html"
	}
	if int64(len(body)) > cr.cfg.MaxBody {
		body = body[:cr.cfg.MaxBody]
		p.Truncated = true
	}
	cr.extract(ctx, p, r.final, decodeCharset(body, p.ContentType))
	return p
}

// pagePolicy is the hop policy of a page's redirects: a redirect may not take the crawl where a
// link could not. Its target must be in scope, allowed by --include/--exclude and robots.txt (a
// redirect keeps the depth of the page), and not a page of its own already; an http: page's
// redirect to its own https: copy always stops there, the copy queued as a page of its own. A
// start URL's own chain is followed as the user asked, and may move the crawl to another host
// of its site.
func (cr *crawl) pagePolicy(ctx context.Context, j job) hopPolicy {
	return func(cur, next *url.URL) error {
		if !cr.cfg.InScope(next) {
			if !j.start || !webURL(next) || !sameSite(j.u.Hostname(), next.Hostname()) {
				return errStop // off scope: the hop is recorded, the target is not crawled as a page
			}
			// A start URL moving to another host of its site (shop.test -> www.shop.test) takes
			// the crawl there: that host is the site.
			cr.cfg.moved.add(strings.ToLower(next.Hostname()))
			cr.front.MoveHost(strings.ToLower(next.Hostname()))
		}
		key := NormalizeURL(next)
		if !j.start && (!cr.filtersAllow(next) || !cr.cfg.IgnoreRobots && !cr.robotsFor(ctx, next).allowed(next)) {
			cr.front.Skip(key)
			return errStop
		}
		if !j.start && upgradeOf(cur, next) {
			// http://shop/p -> https://shop/p: the https page is a page of its own, queued as a
			// link is (at this page's depth), and this record is the http URL's redirect.
			// Following it whenever no job had claimed the https page yet made the records
			// depend on which job got there first: two crawls of one unchanged site listed
			// different pages, and padlock diff reported pages that "no longer load".
			target := *next
			cr.front.Add([]Job{{URL: &target, Key: key, Depth: j.depth, Parent: cur.String(), Frame: j.frame, UIR: j.uir}})
			return errStop
		}
		if !cr.front.Claim(key) {
			// The target is (or will be) a page of its own: this record stops at the redirect
			// (FinalURL stays the last URL fetched; the hop names the target).
			return errStop
		}
		return nil
	}
}

// upgradeOf reports whether next is the https: copy of the http: URL cur (same host, path and
// query; the port may change, as 80 to 443).
func upgradeOf(cur, next *url.URL) bool {
	return cur.Scheme == "http" && next.Scheme == "https" && strings.EqualFold(cur.Hostname(), next.Hostname()) &&
		cur.EscapedPath() == next.EscapedPath() && cur.RawQuery == next.RawQuery
}

// extract fills the page's document: markup, headers, stylesheets and sub-resource checks.
func (cr *crawl) extract(ctx context.Context, p *Page, u *url.URL, body []byte) {
	doc := extractHTML(u, body, cr.cfg.MaxRefsPerPage)
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
		for _, r := range ParseLinkHeader(u, links) {
			p.refs.add(r)
		}
	}
	for _, v := range p.Header.Values("Refresh") {
		if delay, target, ok := ParseRefresh(v); ok {
			if t, ok := Resolve(u, target); ok && Fetchable(t) {
				p.refs.add(Resource{URL: t.String(), Raw: target, Element: "Refresh", Kind: KindRefresh, Source: SourceHeader, RefreshDelay: delay})
			}
		}
	}
	p.Resources = p.refs.list
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
// <meta charset>, as browsers do.
func decodeCharset(body []byte, contentType string) []byte {
	enc, name, _ := charset.DetermineEncoding(body, contentType)
	if name == "utf-8" || enc == nil || asciiCompatible(name) && plainASCII(body) {
		return body // nothing to convert: no copy of a page that may be megabytes
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return body
	}
	return out
}

// asciiCompatible reports whether an encoding (by its WHATWG name) reads bytes below 0x80 as
// ASCII: all but UTF-16 and ISO-2022-JP, whose escapes are ASCII bytes.
func asciiCompatible(name string) bool {
	return !strings.HasPrefix(name, "utf-16") && name != "iso-2022-jp" && name != "replacement"
}

// plainASCII reports whether b holds only bytes below 0x80.
func plainASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
