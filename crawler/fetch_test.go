package crawler

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// hostSite is a loopback server for many host names (reached through --resolve): routes are
// keyed "host/path" (host without port), and every request is logged with its headers.
type hostSite struct {
	mu     sync.Mutex
	log    []string      // "host/path" in order
	header []http.Header // the headers of each request, in order
	routes map[string]http.HandlerFunc
}

func (s *hostSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host, _, _ := net.SplitHostPort(r.Host)
	k := host + r.URL.Path
	s.mu.Lock()
	s.log = append(s.log, k)
	s.header = append(s.header, r.Header.Clone())
	h := s.routes[k]
	s.mu.Unlock()
	if h == nil {
		http.NotFound(w, r)
		return
	}
	h(w, r)
}

// requests returns the requests made so far and which of them carried the user's header.
func (s *hostSite) requests() (log []string, withKey []bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, k := range s.log {
		log = append(log, k)
		withKey = append(withKey, s.header[i].Get("X-Api-Key") != "")
	}
	return log, withKey
}

// newTestCrawl makes the parts of a crawl the fetcher and the hop policies use.
func newTestCrawl(t *testing.T, cfg *Config) *crawl {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	cr := &crawl{cfg: cfg, front: newLocalFrontier(cfg.MaxPages)}
	cr.tr = newTransport(cfg)
	cr.tr.allowLocal.Store(true)
	cr.fetch = newFetcher(cfg, cr.tr)
	t.Cleanup(cr.tr.base.CloseIdleConnections)
	return cr
}

// Every caller's redirects go through the one loop in redirect.go; what differs is the policy
// the caller passes in. The user's header (X-Api-Key) is given for http://shop.test only.
func TestRedirectPoliciesThroughTheOneLoop(t *testing.T) {
	t.Parallel()
	site := &hostSite{}
	srv := httptest.NewServer(site)
	defer srv.Close()
	port := fmt.Sprint(srv.Listener.Addr().(*net.TCPAddr).Port)
	at := func(host, path string) string { return "http://" + host + ":" + port + path }
	to := func(u string) http.HandlerFunc { return redirect(http.StatusFound, u) }
	page := html(`<p>ok</p>`)
	site.routes = map[string]http.HandlerFunc{
		"shop.test/a":           to("/b"),
		"shop.test/b":           page,
		"shop.test/out":         to(at("other.test", "/x")),
		"shop.test/to-seen":     to("/seen"),
		"shop.test/sitemap.xml": to(at("www.shop.test", "/sitemap.xml")),
		"www.shop.test/sitemap.xml": func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `<urlset></urlset>`)
		},
		"shop.test/map-away":    to(at("other.test", "/sitemap.xml")),
		"shop.test/robots.txt":  to(at("other.test", "/robots.txt")),
		"other.test/robots.txt": func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "User-agent: *\n") },
		"shop.test/mailto":      to("mailto:shop@shop.test"),
		"shop.test/l1":          to("/l2"),
		"shop.test/l2":          to("/l1"),
		"shop.test/far0":        to("/far1"),
		"shop.test/far1":        to("/far2"),
		"shop.test/far2":        to("/far3"),
		"shop.test/far3":        page,
		"shop.test/leave":       to(at("other.test", "/back")),
		"other.test/back":       to(at("shop.test", "/home")),
		"shop.test/home":        page,
	}
	cfg := &Config{
		StartURLs:    []string{at("shop.test", "/")},
		Headers:      http.Header{"X-Api-Key": {"k"}},
		Resolve:      []string{"*:" + port + ":127.0.0.1"},
		IgnoreRobots: true,
		MaxRedirects: 3,
	}

	const (
		pagePolicy = iota
		sitemapPolicy
		robotsPolicy
		resourcePolicy
	)
	tests := []struct {
		name     string
		policy   int
		path     string
		final    string // host/path of the last request
		hops     int
		err      string // part of the error, "" for none
		stopped  bool
		requests []string // host/path in order
		withKey  []bool   // whether each request carried the user's header
	}{
		{name: "page: in-scope chain followed", policy: pagePolicy, path: "/a", final: "shop.test/b", hops: 1,
			requests: []string{"shop.test/a", "shop.test/b"}, withKey: []bool{true, true}},
		{name: "page: off-scope target recorded, not requested", policy: pagePolicy, path: "/out", final: "shop.test/out", hops: 1, stopped: true,
			requests: []string{"shop.test/out"}, withKey: []bool{true}},
		{name: "page: a page of its own ends the record", policy: pagePolicy, path: "/to-seen", final: "shop.test/to-seen", hops: 1, stopped: true,
			requests: []string{"shop.test/to-seen"}, withKey: []bool{true}},
		{name: "sitemap: another host of the site", policy: sitemapPolicy, path: "/sitemap.xml", final: "www.shop.test/sitemap.xml", hops: 1,
			requests: []string{"shop.test/sitemap.xml", "www.shop.test/sitemap.xml"}, withKey: []bool{true, false}},
		{name: "sitemap: another site is refused", policy: sitemapPolicy, path: "/map-away", final: "shop.test/map-away", hops: 1,
			err: "redirect to another site (other.test:" + port + ") not followed", requests: []string{"shop.test/map-away"}, withKey: []bool{true}},
		{name: "sitemap: another scheme is unusable", policy: sitemapPolicy, path: "/mailto", final: "shop.test/mailto", hops: 1,
			err: "redirect to unusable Location", requests: []string{"shop.test/mailto"}, withKey: []bool{true}},
		{name: "robots.txt: any site (RFC 9309)", policy: robotsPolicy, path: "/robots.txt", final: "other.test/robots.txt", hops: 1,
			requests: []string{"shop.test/robots.txt", "other.test/robots.txt"}, withKey: []bool{true, false}},
		{name: "resource: another scheme ends the chain quietly", policy: resourcePolicy, path: "/mailto", final: "shop.test/mailto", hops: 1, stopped: true,
			requests: []string{"shop.test/mailto"}, withKey: []bool{true}},
		{name: "loop", policy: resourcePolicy, path: "/l1", final: "shop.test/l2", hops: 2, err: "redirect loop: " + at("shop.test", "/l1"),
			requests: []string{"shop.test/l1", "shop.test/l2"}, withKey: []bool{true, true}},
		{name: "too many hops", policy: pagePolicy, path: "/far0", final: "shop.test/far2", hops: 3, err: "stopped after 3 redirects",
			requests: []string{"shop.test/far0", "shop.test/far1", "shop.test/far2"}, withKey: []bool{true, true, true}},
		{name: "headers stop once the chain left their origins", policy: resourcePolicy, path: "/leave", final: "shop.test/home", hops: 2,
			requests: []string{"shop.test/leave", "other.test/back", "shop.test/home"}, withKey: []bool{true, false, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			site.mu.Lock()
			site.log, site.header = nil, nil
			site.mu.Unlock()
			cr := newTestCrawl(t, &Config{StartURLs: cfg.StartURLs, Headers: cfg.Headers, Resolve: cfg.Resolve, IgnoreRobots: true, MaxRedirects: cfg.MaxRedirects})
			cr.front.Claim(at("shop.test", "/seen"))
			u, _ := url.Parse(at("shop.test", tc.path))
			var r reply
			switch tc.policy {
			case pagePolicy:
				r = cr.fetch.fetch(context.Background(), u, &fetchReq{method: http.MethodGet, policy: cr.pagePolicy(context.Background(), job{u: u})})
			case sitemapPolicy:
				r = cr.getSmall(context.Background(), u, 1<<10, false)
			case robotsPolicy:
				r = cr.getSmall(context.Background(), u, 1<<10, true)
			case resourcePolicy:
				r = cr.fetch.fetch(context.Background(), u, &fetchReq{method: http.MethodHead})
			}
			defer r.release()
			if got := r.final.Hostname() + r.final.Path; got != tc.final {
				t.Errorf("last request to %s, want %s", got, tc.final)
			}
			if len(r.hops) != tc.hops || r.stopped != tc.stopped {
				t.Errorf("%d hops (stopped %v), want %d (stopped %v): %+v", len(r.hops), r.stopped, tc.hops, tc.stopped, r.hops)
			}
			err := r.failure()
			switch {
			case tc.err == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Errorf("error %v, want %q", err, tc.err)
			case tc.err != "" && errorKind(err) != ErrorRedirect:
				t.Errorf("error kind %q, want %q", errorKind(err), ErrorRedirect)
			}
			log, withKey := site.requests()
			if fmt.Sprint(log) != fmt.Sprint(tc.requests) || fmt.Sprint(withKey) != fmt.Sprint(tc.withKey) {
				t.Errorf("requests %v with the user's header %v, want %v %v", log, withKey, tc.requests, tc.withKey)
			}
		})
	}
}

// Headers given for an https origin never go to its http: twin, even on the same host.
func TestUserHeadersNeverDowngradedToHTTP(t *testing.T) {
	t.Parallel()
	var h hits
	plain := httptest.NewServer(serve(routes{"/x": html(`<p>x</p>`)}, &h))
	defer plain.Close()
	plainPort := fmt.Sprint(plain.Listener.Addr().(*net.TCPAddr).Port)
	secure := httptest.NewTLSServer(serve(routes{"/down": redirect(http.StatusFound, "http://shop.test:"+plainPort+"/x")}, &h))
	defer secure.Close()
	securePort := fmt.Sprint(secure.Listener.Addr().(*net.TCPAddr).Port)
	cr := newTestCrawl(t, &Config{
		StartURLs: []string{"https://shop.test:" + securePort + "/"},
		Headers:   http.Header{"X-Api-Key": {"k"}},
		Resolve:   []string{"*:" + plainPort + ":127.0.0.1", "*:" + securePort + ":127.0.0.1"},
		Insecure:  true, // the test certificate does not name shop.test
	})
	u, _ := url.Parse("https://shop.test:" + securePort + "/down")
	r := cr.fetch.fetch(context.Background(), u, &fetchReq{method: http.MethodGet, limit: 1 << 10})
	defer r.release()
	if err := r.failure(); err != nil || r.final.Scheme != "http" || len(r.hops) != 1 {
		t.Fatalf("want one hop to http, got %v %s %+v", err, r.final, r.hops)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for k, want := range map[string]bool{"GET shop.test:" + securePort + "/down": true, "GET shop.test:" + plainPort + "/x": false} {
		hs := h.headers[k]
		if len(hs) != 1 || (hs[0].Get("X-Api-Key") != "") != want {
			t.Errorf("%s: %d requests, want one that carries the user's header: %v", k, len(hs), want)
		}
	}
}

func TestRetryAfterOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	var h hits
	var mu sync.Mutex
	tries := map[string]int{}
	busyOnce := func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		tries[r.URL.Path]++
		n := tries[r.URL.Path]
		mu.Unlock()
		if n == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		html(`<p>ok</p>`)(w, r)
	}
	srv := httptest.NewServer(serve(routes{
		"/busy":  busyOnce,
		"/busy2": busyOnce,
		"/down": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusServiceUnavailable)
		},
	}, &h))
	defer srv.Close()
	cr := newTestCrawl(t, &Config{StartURLs: []string{srv.URL + "/"}})
	host := strings.TrimPrefix(srv.URL, "http://")
	for _, tc := range []struct {
		path   string
		retry  bool
		status int
		gets   int
	}{
		{"/busy", true, 200, 2},
		{"/busy2", false, 429, 1},
		{"/down", true, 503, 1}, // more than a crawl can wait: not asked again
	} {
		u, _ := url.Parse(srv.URL + tc.path)
		r := cr.fetch.fetch(context.Background(), u, &fetchReq{method: http.MethodGet, limit: 1 << 10, retry: tc.retry})
		r.release()
		if r.status != tc.status || h.count("GET", host+tc.path) != tc.gets {
			t.Errorf("%s (retry %v): status %d after %d GETs, want %d after %d", tc.path, tc.retry, r.status, h.count("GET", host+tc.path), tc.status, tc.gets)
		}
	}
}

func TestSpacingBooksOneSlotAfterAnother(t *testing.T) {
	t.Parallel()
	var s spacing
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const d = time.Second
	for i := 0; i < 3; i++ {
		if at := s.reserve(now, d); !at.Equal(now.Add(time.Duration(i) * d)) {
			t.Errorf("request %d booked at %s, want %s", i, at, now.Add(time.Duration(i)*d))
		}
	}
	later := now.Add(time.Hour) // long after the last booking: no wait
	if at := s.reserve(later, d); !at.Equal(later) {
		t.Errorf("a request after a long pause booked at %s, want %s", at, later)
	}
	var th throttle
	u := &url.URL{Scheme: "http", Host: "shop.test"}
	if err := th.wait(context.Background(), u, 0); err != nil {
		t.Fatal(err)
	}
	n := 0
	th.origins.Range(func(any, any) bool { n++; return true })
	if n != 0 {
		t.Errorf("no delay must book nothing, got %d origins", n)
	}
	th.wait(context.Background(), u, time.Nanosecond)
	th.wait(context.Background(), &url.URL{Scheme: "http", Host: "shop.test:80"}, time.Nanosecond)
	th.wait(context.Background(), &url.URL{Scheme: "https", Host: "shop.test"}, time.Nanosecond)
	n = 0
	th.origins.Range(func(any, any) bool { n++; return true })
	if n != 2 {
		t.Errorf("spacing kept for %d origins, want 2 (http://shop.test and :80 are one)", n)
	}
}

func TestErrorKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want ErrorKind
	}{
		{redirectErrorf("redirect loop: x"), ErrorRedirect},
		{&url.Error{Op: "Get", URL: "u", Err: context.DeadlineExceeded}, ErrorTimeout},
		{&net.OpError{Op: "dial", Err: fmt.Errorf("%w (10.0.0.1)", ErrLocalAddress)}, ErrorBlocked},
		{&url.Error{Op: "Get", URL: "u", Err: &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "x.test", IsNotFound: true}}}, ErrorDNS},
		{&net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, ErrorRefused},
		{&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, ErrorUntrusted},
		{&tls.CertificateVerificationError{Err: x509.HostnameError{Host: "x.test", Certificate: &x509.Certificate{}}}, ErrorTLS},
		{tls.AlertError(40), ErrorTLS},
		{&url.Error{Op: "Get", URL: "u", Err: errors.New("http: server gave HTTP response to HTTPS client")}, ErrorTLS},
		{errors.New("something else"), ErrorNetwork},
		{nil, ""},
	}
	for _, tc := range tests {
		if got := errorKind(tc.err); got != tc.want {
			t.Errorf("errorKind(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

// The kinds the CLI advises on come from real failures, not only from errors made up.
func TestStartPageErrorKinds(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close() // nothing listens there any more
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer tlsSrv.Close()
	for start, want := range map[string]ErrorKind{"http://" + closed + "/": ErrorRefused, tlsSrv.URL + "/": ErrorUntrusted} {
		var pages []*Page
		_, err := Crawl(context.Background(), &Config{StartURLs: []string{start}, IgnoreRobots: true, NoFollow: true}, func(p *Page) { pages = append(pages, p) })
		if err != ErrNoStart || len(pages) != 1 || pages[0].ErrKind != want {
			t.Errorf("%s: %v, pages %+v; want ErrNoStart and a page error of kind %q", start, err, pages, want)
		}
	}
}
