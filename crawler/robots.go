package crawler

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/xml"
	"fmt"
	"io"
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

// sitemapDoc covers both <urlset> and <sitemapindex>.
type sitemapDoc struct {
	XMLName  xml.Name
	URLs     []sitemapLoc `xml:"url"`
	Sitemaps []sitemapLoc `xml:"sitemap"`
}

type sitemapLoc struct {
	Loc string `xml:"loc"`
}

// readSitemaps reads sitemap files (and sitemap indexes, to a bounded depth) and returns the page
// URLs they list. Problems with a sitemap the user named are errors; a missing /sitemap.xml is not.
func (cr *crawl) readSitemaps(ctx context.Context, named, guessed []string) (pages []string, errs []Error) {
	seen := map[string]bool{}
	type item struct {
		u      string
		named  bool
		nested int
	}
	var queue []item
	for _, u := range named {
		queue = append(queue, item{u, true, 0})
	}
	for _, u := range guessed {
		queue = append(queue, item{u, false, 0})
	}
	for len(queue) > 0 && len(pages) < 10*cr.cfg.MaxPages {
		it := queue[0]
		queue = queue[1:]
		if seen[it.u] || len(seen) >= 1000 {
			continue
		}
		seen[it.u] = true
		locs, nested, err := cr.readSitemap(ctx, it.u)
		if err != nil {
			if it.named {
				errs = append(errs, Error{URL: it.u, Err: "sitemap: " + err.Error(), Kind: ErrorSitemap})
			}
			continue
		}
		pages = append(pages, locs...)
		if it.nested < 3 {
			for _, loc := range nested {
				queue = append(queue, item{loc, it.named, it.nested + 1})
			}
		}
	}
	return pages, errs
}

// readSitemap fetches and parses one sitemap file, gzipped or not.
func (cr *crawl) readSitemap(ctx context.Context, raw string) (pages, sitemaps []string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, nil, err
	}
	r := cr.getSmall(ctx, u, 50<<20, false)
	defer r.release()
	if err := r.failure(); err != nil {
		return nil, nil, err
	}
	if r.status >= 400 {
		return nil, nil, fmt.Errorf("HTTP %d", r.status)
	}
	return parseSitemap(r.bytes())
}

// parseSitemap reads a sitemap (<urlset>) or sitemap index (<sitemapindex>), gzipped or not (at
// most 50 MB once unzipped): the page URLs and the nested sitemaps it lists, trimmed, empty
// ones left out.
func parseSitemap(body []byte) (pages, sitemaps []string, err error) {
	if bytes.HasPrefix(body, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return nil, nil, err
		}
		if body, err = io.ReadAll(io.LimitReader(zr, 50<<20)); err != nil {
			return nil, nil, err
		}
	}
	var doc sitemapDoc
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil, nil, err
	}
	for _, l := range doc.URLs {
		if s := strings.TrimSpace(l.Loc); s != "" {
			pages = append(pages, s)
		}
	}
	for _, l := range doc.Sitemaps {
		if s := strings.TrimSpace(l.Loc); s != "" {
			sitemaps = append(sitemaps, s)
		}
	}
	return pages, sitemaps, nil
}
