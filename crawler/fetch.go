package crawler

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// fetcher makes every HTTP request of a crawl: pages, stylesheets and their @imports, resource
// checks and https-copy probes, robots.txt and sitemaps. It is built of small layers, each in a
// file of its own, outermost first:
//
//	redirect.go   redirects followed one hop at a time: every hop recorded, at most
//	              Config.MaxRedirects, loops detected, the caller's per-hop policy (scope and
//	              robots.txt for pages, same site for sitemaps...), and the user's headers only
//	              for origins that may carry them, never again once the chain has left them
//	retry.go      a 429 or 503 whose Retry-After the crawl can afford is asked again (pages)
//	throttle.go   requests to one origin spaced by --delay or robots.txt's Crawl-delay (pages)
//	transport.go  the guarded transport: network guard and --resolve, chain verification, the
//	              --concurrency request slots, the TLS state of each origin
//
// Bodies are read once into pooled buffers, decoded, at most the caller's limit after decoding
// (transport.go's readBody, the one place a body is decoded); a body no caller reads (an error
// answer, a page that is not HTML) is drained a little and closed. Pages leave through the colly
// collector (collector.go); every other request through client.
type fetcher struct {
	cfg      *Config
	tr       *transport
	client   *http.Client // no cookie jar (creds holds the crawl's); redirects are left to fetch
	throttle throttle
	creds    *credentials // the user's cookies and basic auth, the jar of --keep-cookies
}

func newFetcher(cfg *Config, tr *transport) *fetcher {
	return &fetcher{cfg: cfg, tr: tr, creds: newCredentials(cfg), client: &http.Client{
		Transport:     tr,
		Timeout:       cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// fetchReq says how to fetch one URL.
type fetchReq struct {
	method string        // GET or HEAD
	accept string        // the Accept header, if any
	limit  int64         // read at most this many bytes of the body; 0 reads none
	policy hopPolicy     // whether a redirect is followed; nil follows any http(s) target
	retry  bool          // ask again after a 429 or 503 with an affordable Retry-After
	delay  time.Duration // least time between two requests to one origin
	send   sender        // makes one request; nil for the fetcher's client
}

// sender makes one request and reads at most limit bytes of its decoded body: none of a
// redirect's, nor of an error answer unless it is a page (an HTML error page is audited).
type sender func(ctx context.Context, method string, u *url.URL, h http.Header, limit int64) answer

// answer is what one request got: a status and headers, the body when read, or an error.
type answer struct {
	status int
	header http.Header
	body   *bytes.Buffer // pooled: see release
	err    error         // the request failed (status and header are set if it failed after them)
}

// bytes is the body read, nil when none was.
func (a *answer) bytes() []byte {
	if a.body == nil {
		return nil
	}
	return a.body.Bytes()
}

// release gives the body's buffer back to the pool; the bytes must not be used after.
func (a *answer) release() {
	releaseBody(a.body)
	a.body = nil
}

// send is the sender of every request but pages: one request through the client.
func (f *fetcher) send(ctx context.Context, method string, u *url.URL, h http.Header, limit int64) answer {
	// The request is made from u as it is: no second parse of its text, no header map to drop.
	req := (&http.Request{Method: method, URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: h}).WithContext(ctx)
	resp, err := f.client.Do(req)
	if err != nil {
		return answer{err: err}
	}
	a := answer{status: resp.StatusCode, header: resp.Header}
	if limit <= 0 || isRedirect(a.status, a.header) || a.status >= 400 {
		// No caller reads the body of an error answer (a stylesheet, script or sitemap that
		// failed, robots.txt's 4xx or 5xx): it is not read.
		discardBody(resp.Body)
		return a
	}
	defer resp.Body.Close()
	a.body, a.err = readBody(resp, limit)
	if a.err == nil && resp.Request != nil && errors.Is(resp.Request.Context().Err(), context.DeadlineExceeded) {
		// A timeout racing the server's close can end in a clean EOF: the body is not whole.
		// (A plain Canceled is the client releasing the request after EOF.)
		a.release()
		a.err = resp.Request.Context().Err()
	}
	return a
}

// header is the request header of one hop to u: the User-Agent, the Accept the caller asked for
// and, when the hop may carry them, the user's headers, cookies and basic auth.
func (f *fetcher) header(rq *fetchReq, u *url.URL, credentials bool) http.Header {
	h := make(http.Header, 2+len(f.cfg.Headers))
	h.Set("User-Agent", f.cfg.UserAgent)
	if rq.accept != "" {
		h.Set("Accept", rq.accept)
	}
	if credentials {
		for k, vs := range f.cfg.Headers {
			for _, v := range vs {
				h.Add(k, v)
			}
		}
		f.creds.add(h, u)
	}
	return h
}

func isRedirect(status int, h http.Header) bool {
	return status >= 300 && status < 400 && h.Get("Location") != ""
}

// describeErr turns a fetch error into short report text.
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
