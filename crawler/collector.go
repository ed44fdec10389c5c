package crawler

// The page collector: the one place padlock uses colly, and the only file that knows about it.
//
// colly is the crawler the design card names for pages. padlock keeps it for the requests of
// pages and for what it does with them: it turns a page URL into a request on the collector's
// client (with the per-request timeout, and no cookie jar: the user's cookies and those the site
// sets under --keep-cookies are the fetcher's, scoped as the user's headers, cookies.go), and its
// header callback drops the download of a link that turns out not to be HTML. Its own redirect following, robots.txt, revisit check and URL filters are
// off: the fetcher (fetch.go) follows redirects hop by hop under the crawl's policies, the
// frontier (frontier.go) de-duplicates, robots.go reads robots.txt. Each page request is one
// hop of the fetcher, sent by pageCollector.send.
//
// How a body gets from the network to padlock without colly copying it: every crawl worker has
// its own clone of the collector (the clones share the client, so the connection pool) whose
// context carries the worker's pageSlot. The collector's transport, pageTransport, reads an HTML or untyped body (decoded, to the limit: transport.go's readBody)
// into a pooled buffer in that slot as soon as the headers are in, drains a little of any other
// and closes it, and always hands colly an empty body marked decoded, so colly never reads or
// inflates one. A worker fetches one page at a time, so the
// slot needs no lock. Nothing else passes between colly and the fetcher.

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/gocolly/colly/v2"
)

// collector is the page collector of a crawl; each worker takes a clone (forWorker).
type collector struct{ base *colly.Collector }

// newCollector builds the collector the workers clone; it makes no request itself.
func newCollector(ctx context.Context, cfg *Config, tr *transport) collector {
	c := colly.NewCollector(
		colly.UserAgent(cfg.UserAgent),
		colly.AllowURLRevisit(), // the frontier's atomic seen-set de-duplicates; colly's check is racy
		colly.ParseHTTPErrorResponse(),
		colly.IgnoreRobotsTxt(), // robots.txt is read once per origin by robotsFor (for Crawl-delay and Sitemap too)
		colly.MaxBodySize(int(cfg.MaxBody)+1),
		colly.StdlibContext(ctx),
	)
	c.SetClient(&http.Client{
		Transport: pageTransport{tr},
		Timeout:   cfg.Timeout,
		Jar:       nil, // cookies are decided per hop, as the user's headers (cookies.go)
		// Redirects are hops of the fetcher, so every hop is recorded and the user's headers are
		// decided per hop (net/http and colly would forward them off-origin). Set on the client
		// rather than through colly's SetRedirectHandler, whose wrapper parses both URLs of
		// every hop with a WHATWG parser before asking (a tenth of what an http: link's
		// redirect hop costs) only to be told not to follow.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	})
	return collector{base: c}
}

// pageSlotKey is the context key of a worker's pageSlot.
type pageSlotKey struct{}

// pageSlot receives the body of the page request in flight on one worker.
type pageSlot struct {
	limit int64         // bytes read at most
	buf   *bytes.Buffer // the body, when it was read
}

// pageTransport reads page bodies for colly, into the worker's slot.
type pageTransport struct{ tr *transport }

func (pt pageTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := pt.tr.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	// colly is handed no body, and told it is decoded: it would read the rest of an answer that
	// is not a page (a 404 of application/gzip, say) and inflate it without a limit.
	read := *resp
	resp.Body, resp.ContentLength, resp.Uncompressed = http.NoBody, 0, true
	slot, _ := req.Context().Value(pageSlotKey{}).(*pageSlot)
	if slot == nil || !isHTMLOrUntyped(resp.Header.Get("Content-Type")) {
		discardBody(read.Body) // not a page: only its status and headers are recorded
		return resp, nil
	}
	buf, err := readBody(&read, slot.limit)
	if err == nil {
		// A request cancelled (timeout, Ctrl-C) while its body is read can end in a clean EOF
		// when the server closes at the same moment: the page is not whole.
		err = req.Context().Err()
	}
	read.Body.Close() // gives the request slot back
	if err != nil {
		releaseBody(buf)
		return nil, err
	}
	slot.buf = buf
	return resp, nil
}

// isHTMLOrUntyped reports whether a response may be a page padlock parses.
func isHTMLOrUntyped(ct string) bool { return ct == "" || isHTML(ct) }

// pageCollector is one worker's clone of the collector, with the outcome of its request in flight.
type pageCollector struct {
	c      *colly.Collector
	sender sender // send, bound once
	slot   pageSlot
	status int
	header http.Header
	err    error
}

// forWorker returns a clone of the collector for one worker, with the worker's page slot.
func (c collector) forWorker(ctx context.Context) *pageCollector {
	pc := &pageCollector{c: c.base.Clone()}
	pc.sender = pc.send
	pc.c.Context = context.WithValue(ctx, pageSlotKey{}, &pc.slot)
	pc.c.OnResponseHeaders(func(r *colly.Response) {
		pc.status, pc.header = r.StatusCode, *r.Headers
		if r.StatusCode >= 200 && r.StatusCode < 300 && !isHTMLOrUntyped(r.Headers.Get("Content-Type")) {
			r.Request.Abort() // only HTML is parsed; the link is recorded, its body is not needed
		}
	})
	pc.c.OnError(func(_ *colly.Response, err error) {
		if !errors.Is(err, colly.ErrAbortedAfterHeaders) {
			pc.err = err
		}
	})
	return pc
}

// send is the fetcher's sender for pages (the collector's context stands for ctx).
func (pc *pageCollector) send(_ context.Context, method string, u *url.URL, h http.Header, limit int64) answer {
	pc.slot = pageSlot{limit: limit}
	pc.status, pc.header, pc.err = 0, nil, nil
	if err := pc.c.Request(method, u.String(), nil, nil, h); err != nil && pc.err == nil && !errors.Is(err, colly.ErrAbortedAfterHeaders) {
		pc.err = err
	}
	a := answer{status: pc.status, header: pc.header, body: pc.slot.buf, err: pc.err}
	pc.slot.buf = nil
	return a
}
