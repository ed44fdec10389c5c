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
		body, status, err := cr.getSmall(ctx, ru.String(), 512<<10, true)
		if err != nil {
			e.err = fmt.Errorf("robots.txt: %w", err)
			return
		}
		data, err := robotstxt.FromStatusAndBytes(status, body)
		if err != nil {
			e.err = fmt.Errorf("robots.txt: %w", err)
			return
		}
		e.group = data.FindGroup(cr.cfg.UserAgent)
		e.sitemaps = data.Sitemaps
	})
	return e
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
	return min(e.group.CrawlDelay, time.Minute)
}

// gate spaces page requests to one origin.
type gate struct {
	mu   sync.Mutex
	next time.Time // earliest time of the next request
}

// wait blocks until a request may go out, d after the previous one.
func (g *gate) wait(ctx context.Context, d time.Duration) error {
	g.mu.Lock()
	now := time.Now()
	at := g.next
	if at.Before(now) {
		at = now
	}
	g.next = at.Add(d)
	g.mu.Unlock()
	return sleep(ctx, time.Until(at))
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// getSmall GETs a small helper file (robots.txt, a sitemap), following up to five redirects
// (apex to www, http to https; to another site only with anySite, as RFC 9309 asks for
// robots.txt), with the user's headers only where request() would send them.
func (cr *crawl) getSmall(ctx context.Context, u string, limit int64, anySite bool) ([]byte, int, error) {
	cur, err := url.Parse(u)
	if err != nil {
		return nil, 0, err
	}
	credentials := true
	for hop := 0; ; hop++ {
		credentials = credentials && cr.cfg.mayCarryCredentials(cur)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, cur.String(), nil)
		if err != nil {
			return nil, 0, err
		}
		cr.setHeaders(req, credentials)
		resp, err := cr.client.Do(req)
		if err != nil {
			return nil, 0, err
		}
		if loc := resp.Header.Get("Location"); resp.StatusCode >= 300 && resp.StatusCode < 400 && loc != "" && hop < 5 {
			resp.Body.Close()
			next, ok := Resolve(cur, loc)
			if !ok || (next.Scheme != "http" && next.Scheme != "https") {
				return nil, resp.StatusCode, fmt.Errorf("redirect to unusable Location %q", loc)
			}
			if !anySite && !sameSite(cur.Hostname(), next.Hostname()) {
				return nil, resp.StatusCode, fmt.Errorf("redirect to another site (%s) not followed", next.Host)
			}
			cur = next
			continue
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, limit))
		resp.Body.Close()
		if err != nil {
			return nil, resp.StatusCode, err
		}
		return body, resp.StatusCode, nil
	}
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
		body, status, err := cr.getSmall(ctx, it.u, 50<<20, false)
		if err == nil && status >= 400 {
			err = fmt.Errorf("HTTP %d", status)
		}
		if err == nil && (bytes.HasPrefix(body, []byte{0x1f, 0x8b})) {
			var zr *gzip.Reader
			if zr, err = gzip.NewReader(bytes.NewReader(body)); err == nil {
				body, err = io.ReadAll(io.LimitReader(zr, 50<<20))
			}
		}
		var doc sitemapDoc
		if err == nil {
			err = xml.Unmarshal(body, &doc)
		}
		if err != nil {
			if it.named {
				errs = append(errs, Error{URL: it.u, Err: "sitemap: " + err.Error()})
			}
			continue
		}
		for _, l := range doc.URLs {
			if s := strings.TrimSpace(l.Loc); s != "" {
				pages = append(pages, s)
			}
		}
		if it.nested < 3 {
			for _, s := range doc.Sitemaps {
				if loc := strings.TrimSpace(s.Loc); loc != "" {
					queue = append(queue, item{loc, it.named, it.nested + 1})
				}
			}
		}
	}
	return pages, errs
}
