package crawler

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/temoto/robotstxt"
)

// robotsEntry is the parsed robots.txt of one origin, fetched once per crawl.
type robotsEntry struct {
	once     sync.Once
	group    *robotstxt.Group
	sitemaps []string
	err      error
}

// robots holds robots.txt state per origin.
type robots struct {
	mu      sync.Mutex
	entries map[string]*robotsEntry
}

func (r *robots) entry(orig string) *robotsEntry {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.entries == nil {
		r.entries = map[string]*robotsEntry{}
	}
	e, ok := r.entries[orig]
	if !ok {
		e = &robotsEntry{}
		r.entries[orig] = e
	}
	return e
}

// load fetches and parses robots.txt for u's origin once. A missing file allows everything; an
// unreachable one is an error the caller records (the crawl goes on as if it allowed everything).
func (cr *crawl) robotsFor(ctx context.Context, u *url.URL) *robotsEntry {
	e := cr.robots.entry(origin(u))
	e.once.Do(func() {
		ru := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/robots.txt"}
		r := cr.getSmall(ctx, ru, 512<<10, true)
		defer r.release()
		if err := r.failure(); err != nil {
			e.err = fmt.Errorf("robots.txt: %w", err)
			return
		}
		var err error
		if e.group, e.sitemaps, err = parseRobots(r.status, r.bytes(), cr.cfg.UserAgent); err != nil {
			e.err = fmt.Errorf("robots.txt: %w", err)
		}
	})
	return e
}

// parseRobots reads a robots.txt response as the crawl obeys it: the group for userAgent (a
// 4xx status allows everything, a 5xx disallows everything) and the sitemaps it lists.
func parseRobots(status int, body []byte, userAgent string) (*robotstxt.Group, []string, error) {
	data, err := robotstxt.FromStatusAndBytes(status, body)
	if err != nil {
		return nil, nil, err
	}
	return data.FindGroup(userAgent), data.Sitemaps, nil
}

// allowed reports whether robots.txt lets the crawler fetch u.
func (e *robotsEntry) allowed(u *url.URL) bool {
	if e.group == nil {
		return true
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return e.group.Test(p)
}

// crawlDelay is robots.txt's Crawl-delay for this origin, at most a minute (a larger delay
// would stall any crawl; one a minute is already polite).
func (e *robotsEntry) crawlDelay() time.Duration {
	if e.group == nil {
		return 0
	}
	if e.group.CrawlDelay < 0 {
		// the library refuses negative delays: this is a huge one (1e11 seconds) overflowed
		return time.Minute
	}
	return min(e.group.CrawlDelay, time.Minute)
}

// getSmall GETs a small helper file (robots.txt, a sitemap) through the fetcher, at most limit
// bytes of it. Redirects are followed (apex to www, http to https; to another site only with
// anySite, as RFC 9309 asks for robots.txt); the caller releases the reply.
func (cr *crawl) getSmall(ctx context.Context, u *url.URL, limit int64, anySite bool) reply {
	policy := func(cur, next *url.URL) error {
		if !webURL(next) {
			return redirectErrorf("redirect to unusable Location %q", next)
		}
		if !anySite && !sameSite(cur.Hostname(), next.Hostname()) {
			return redirectErrorf("redirect to another site (%s) not followed", next.Host)
		}
		return nil
	}
	return cr.fetch.fetch(ctx, u, &fetchReq{method: http.MethodGet, limit: limit, policy: policy})
}

// Discovery's budget. Sitemaps only add pages to a crawl that links would mostly reach anyway;
// a site must not hold the crawl up with them: an index of a thousand slow sitemaps is read for
// at most discoveryTimeouts request timeouts in all, and at most maxSitemaps files.
const (
	discoveryTimeouts = 4
	maxSitemaps       = 1000
	maxSitemapBytes   = 50 << 20 // the sitemap protocol's own limit, decoded from a .gz file
	maxSitemapNesting = 3        // sitemap indexes within sitemap indexes
)

// sitemapItem is a sitemap to read: whether the user (or robots.txt) named it, and how deep in
// sitemap indexes it was found.
type sitemapItem struct {
	u      string
	named  bool
	nested int
}

// readSitemaps reads sitemap files (and sitemap indexes, to a bounded depth) and returns the page
// URLs they list, at most 10 per --max-pages slot. Problems with a sitemap the user named are
// errors; a missing /sitemap.xml is not. It stops at the budget above (one error says so) and,
// quietly, when ctx ends.
func (cr *crawl) readSitemaps(ctx context.Context, named, guessed []string) (pages []string, errs []Error) {
	budget := discoveryTimeouts * cr.cfg.Timeout
	dctx, cancel := context.WithTimeout(ctx, budget)
	defer cancel()
	room := 10 * cr.cfg.MaxPages
	seen := map[string]bool{}
	var queue []sitemapItem
	for _, u := range named {
		queue = append(queue, sitemapItem{u, true, 0})
	}
	for _, u := range guessed {
		queue = append(queue, sitemapItem{u, false, 0})
	}
	read, left := 0, "" // left: the sitemap the budget stopped
	for len(queue) > 0 && len(pages) < room && len(seen) < maxSitemaps && dctx.Err() == nil {
		it := queue[0]
		queue = queue[1:]
		if seen[it.u] {
			continue
		}
		seen[it.u] = true
		urls, sitemaps, err := cr.readSitemap(dctx, it.u, room-len(pages))
		if dctx.Err() != nil {
			left = it.u
			break // the budget or the crawl ended mid-request: not this sitemap's fault
		}
		read++
		if err != nil {
			if it.named {
				errs = append(errs, Error{URL: it.u, Err: "sitemap: " + describeErr(err, cr.cfg.Timeout), Kind: ErrorSitemap})
			}
			continue
		}
		pages = append(pages, urls...)
		if it.nested < maxSitemapNesting {
			for _, loc := range sitemaps {
				queue = append(queue, sitemapItem{loc, it.named, it.nested + 1})
			}
		}
	}
	if ctx.Err() == nil && dctx.Err() != nil {
		if left == "" && len(queue) > 0 {
			left = queue[0].u
		}
		errs = append(errs, Error{URL: left, Err: fmt.Sprintf("sitemaps: stopped after %s (%d read); the pages the others list were not queued", budget, read), Kind: ErrorSitemap})
	}
	return pages, errs
}

// readSitemap fetches one sitemap file, gzipped or not, and returns at most room of the page
// URLs it lists, and the sitemaps it lists (a sitemap index).
func (cr *crawl) readSitemap(ctx context.Context, loc string, room int) (pages, sitemaps []string, err error) {
	u, err := url.Parse(loc)
	if err != nil {
		return nil, nil, err
	}
	// The file is read to --max-body (a gzipped one inflates, streamed, to the protocol's
	// 50 MB): a plain sitemap longer than that gives the URLs before the cut.
	r := cr.getSmall(ctx, u, cr.cfg.MaxBody+1, false)
	defer r.release()
	if err := r.failure(); err != nil {
		return nil, nil, err
	}
	if r.status >= 400 {
		return nil, nil, fmt.Errorf("HTTP %d", r.status)
	}
	raw := r.bytes()
	cut := int64(len(raw)) > cr.cfg.MaxBody
	if cut {
		raw = raw[:cr.cfg.MaxBody]
	}
	return parseSitemapStream(raw, room, cut)
}

// parseSitemap reads a sitemap (<urlset>) or sitemap index (<sitemapindex>), gzipped or not (at
// most 50 MB once unzipped): the page URLs and the nested sitemaps it lists, trimmed, empty
// ones left out.
func parseSitemap(body []byte) (pages, sitemaps []string, err error) {
	return parseSitemapStream(body, math.MaxInt, false)
}

// parseSitemapStream is parseSitemap read as a stream, token by token, stopping at room page
// URLs: a sitemap's size does not decide padlock's memory. A body cut at the size limit (cut)
// gives the URLs before the cut; any other error gives none.
func parseSitemapStream(body []byte, room int, cut bool) (pages, sitemaps []string, err error) {
	var r io.Reader = bytes.NewReader(body)
	if bytes.HasPrefix(body, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, nil, err
		}
		defer zr.Close()
		r = io.LimitReader(zr, maxSitemapBytes)
	}
	dec := xml.NewDecoder(r)
	for len(pages) < room && len(sitemaps) < maxSitemaps {
		tok, err := dec.Token()
		if err == io.EOF || err != nil && cut {
			break // the end, or the cut: the URLs before it are kept
		}
		if err != nil {
			return nil, nil, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "url" && se.Name.Local != "sitemap" {
			continue
		}
		var l struct {
			Loc string `xml:"loc"`
		}
		if err := dec.DecodeElement(&l, &se); err != nil {
			if cut {
				break
			}
			return nil, nil, err
		}
		if loc := strings.TrimSpace(l.Loc); loc == "" {
			continue
		} else if se.Name.Local == "url" {
			pages = append(pages, loc)
		} else {
			sitemaps = append(sitemaps, loc)
		}
	}
	return pages, sitemaps, nil
}
