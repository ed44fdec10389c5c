package crawler

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// hits counts requests per method and path, and keeps the headers each one carried.
type hits struct {
	mu      sync.Mutex
	n       map[string]int
	headers map[string][]http.Header
}

func (h *hits) add(r *http.Request) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.n == nil {
		h.n = map[string]int{}
		h.headers = map[string][]http.Header{}
	}
	k := r.Method + " " + r.Host + r.URL.RequestURI()
	h.n[k]++
	h.headers[k] = append(h.headers[k], r.Header.Clone())
}

func (h *hits) count(method, hostPath string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n[method+" "+hostPath]
}

func (h *hits) all() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]int{}
	for k, v := range h.n {
		out[k] = v
	}
	return out
}

// routes is a tiny test site: path -> handler.
type routes map[string]http.HandlerFunc

func html(body string) http.HandlerFunc { return typed("text/html; charset=utf-8", body) }

// typed answers body with Content-Type ct.
func typed(ct, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ct)
		fmt.Fprint(w, body)
	}
}

func redirect(code int, to string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", to)
		w.WriteHeader(code)
	}
}

func serve(rt routes, h *hits) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.add(r)
		if f, ok := rt[r.URL.Path]; ok {
			f(w, r)
			return
		}
		http.NotFound(w, r)
	})
}

// serveSite serves the routes mk builds from the server's URL until the test ends, counting
// requests in h.
func serveSite(t *testing.T, h *hits, mk func(base string) routes) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(nil)
	t.Cleanup(srv.Close)
	srv.Config.Handler = serve(mk(srv.URL), h)
	return srv
}

func crawlAll(t *testing.T, cfg *Config) ([]*Page, *Result) {
	t.Helper()
	var pages []*Page
	res, err := Crawl(context.Background(), cfg, func(p *Page) { pages = append(pages, p) })
	if err != nil {
		t.Fatalf("crawl: %v", err)
	}
	sort.Slice(pages, func(i, j int) bool { return pages[i].URL < pages[j].URL })
	return pages, res
}

func TestUserHeadersGoOnlyToTheStartOrigin(t *testing.T) {
	t.Parallel()
	var h hits
	// other: same IP, another port. Reached by a page redirect (in scope: same host) and by a
	// sub-resource redirect.
	other := httptest.NewServer(serve(routes{
		"/landing": html(`<p>landing</p>`),
		"/x.js":    html(`//js`),
	}, &h))
	defer other.Close()
	otherPort := other.Listener.Addr().(*net.TCPAddr).Port
	start := httptest.NewServer(nil)
	defer start.Close()
	port := start.Listener.Addr().(*net.TCPAddr).Port
	// the page's img points at third.localhost on the start server's port: another host
	body := strings.ReplaceAll(`<a href="/to-port">p</a>
			<script src="/same.js"></script>
			<script src="/to-host.js"></script>
			<script src="/to-port.js"></script>
			<img src="http://third.localhost:PORT/pixel.png">`, "PORT", fmt.Sprint(port))
	start.Config.Handler = serve(routes{
		"/":           html(body),
		"/same.js":    html(`//same`),
		"/to-port":    redirect(302, fmt.Sprintf("http://127.0.0.1:%d/landing", otherPort)),
		"/to-port.js": redirect(302, fmt.Sprintf("http://127.0.0.1:%d/x.js", otherPort)),
		"/to-host.js": redirect(301, fmt.Sprintf("http://localhost:%d/host.js", port)),
		"/host.js":    html(`//host`),
		"/pixel.png":  html(`png`),
		"/robots.txt": html("User-agent: *\nAllow: /\n"),
	}, &h)

	cfg := &Config{
		StartURLs: []string{start.URL + "/"},
		Headers:   http.Header{"X-Api-Key": {"s3cret"}, "Cookie": {"session=1"}, "Authorization": {"Bearer t"}},
		Resolve:   []string{fmt.Sprintf("third.localhost:%d:127.0.0.1", port)},
	}
	pages, _ := crawlAll(t, cfg)
	if len(pages) < 2 {
		t.Fatalf("want the start page and the redirected page, got %d", len(pages))
	}
	startHost := fmt.Sprintf("127.0.0.1:%d", port)
	otherHost := fmt.Sprintf("127.0.0.1:%d", otherPort)
	must := map[string]bool{
		"GET " + startHost + "/":                               true,
		"GET " + startHost + "/same.js":                        true,
		"GET " + startHost + "/to-port":                        true,
		"GET " + otherHost + "/landing":                        false, // page redirect to another port
		"GET " + otherHost + "/x.js":                           false, // sub-resource redirect to another port
		fmt.Sprintf("GET localhost:%d/host.js", port):          false, // sub-resource redirect to another host
		fmt.Sprintf("HEAD third.localhost:%d/pixel.png", port): false, // third-party host
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for k, want := range must {
		hs, ok := h.headers[k]
		if !ok {
			t.Errorf("%s was never requested; requests: %v", k, h.n)
			continue
		}
		for _, hdr := range hs {
			for _, name := range []string{"X-Api-Key", "Cookie", "Authorization"} {
				got := hdr.Get(name) != ""
				if got != want {
					t.Errorf("%s: header %s sent=%v, want %v", k, name, got, want)
				}
			}
		}
	}
}

func TestEachPageAndResourceIsFetchedOnce(t *testing.T) {
	t.Parallel()
	var h hits
	rt := routes{
		"/style.css":  typed("text/css", "@import '/more.css';\nbody{background:url(/bg.png)}"),
		"/more.css":   typed("text/css", "@import '/style.css';\n.a{cursor:url(/c.cur)}"),
		"/bg.png":     html("png"),
		"/c.cur":      html("cur"),
		"/app.js":     html("js"),
		"/robots.txt": html(""),
	}
	const n = 40
	for i := 0; i < n; i++ {
		var links strings.Builder
		for j := 0; j < n; j += 3 {
			fmt.Fprintf(&links, `<a href="/p/%d#frag%d">x</a> <a href="/p/%d#">y</a>`, (i+j)%n, j, (i+j+1)%n)
		}
		rt[fmt.Sprintf("/p/%d", i)] = html(`<link rel=stylesheet href="/style.css"><script src="/app.js"></script>` + links.String())
	}
	rt["/"] = html(`<a href="/p/0">start</a>`)
	srv := httptest.NewServer(serve(rt, &h))
	defer srv.Close()
	pages, _ := crawlAll(t, &Config{StartURLs: []string{srv.URL + "/"}, Concurrency: 16})
	if len(pages) != n+1 {
		t.Errorf("got %d pages, want %d", len(pages), n+1)
	}
	for k, c := range h.all() {
		if c != 1 {
			t.Errorf("%s fetched %d times", k, c)
		}
	}
	// every page carries the stylesheet's references, attributed to the stylesheet
	for _, p := range pages {
		if p.URL == srv.URL+"/" {
			continue
		}
		var css []Resource
		for _, r := range p.Resources {
			if r.Source == SourceCSS {
				css = append(css, r)
			}
		}
		if len(css) < 3 {
			t.Fatalf("%s: want bg.png, @import and c.cur from the stylesheets, got %+v", p.URL, css)
		}
		for _, r := range css {
			if r.Stylesheet == "" || r.Line == 0 {
				t.Errorf("%s: css reference %s lacks stylesheet or line: %+v", p.URL, r.URL, r)
			}
		}
	}
}

func TestRedirectChainsLoopsAndHopCap(t *testing.T) {
	t.Parallel()
	var h hits
	srv := httptest.NewServer(serve(routes{
		"/":      html(`<a href="/a">a</a><a href="/loop1">l</a><a href="/far0">f</a>`),
		"/a":     redirect(301, "/b"),
		"/b":     redirect(302, "/c"),
		"/c":     html(`<p>c</p>`),
		"/loop1": redirect(302, "/loop2"),
		"/loop2": redirect(302, "/loop1"),
	}, &h))
	defer srv.Close()
	mux := srv.Config.Handler
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var k int
		if _, err := fmt.Sscanf(r.URL.Path, "/far%d", &k); err == nil {
			redirect(302, fmt.Sprintf("/far%d", k+1))(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
	pages, _ := crawlAll(t, &Config{StartURLs: []string{srv.URL + "/"}, IgnoreRobots: true})
	byURL := map[string]*Page{}
	for _, p := range pages {
		byURL[strings.TrimPrefix(p.URL, srv.URL)] = p
	}
	a := byURL["/a"]
	if a == nil || len(a.Redirects) != 2 || !strings.HasSuffix(a.FinalURL, "/c") || a.Redirects[0].Status != 301 {
		t.Fatalf("/a: want 2 hops ending at /c, got %+v", a)
	}
	if p := byURL["/loop1"]; p == nil || !strings.Contains(p.Err, "redirect loop") {
		t.Errorf("/loop1: want a redirect loop error, got %+v", p)
	}
	if p := byURL["/far0"]; p == nil || !strings.Contains(p.Err, "stopped after 10 redirects") {
		t.Errorf("/far0: want the hop cap error, got %+v", p)
	}
	if _, ok := byURL["/c"]; ok {
		t.Errorf("/c was crawled a second time as a page of its own")
	}
}

// An http: link whose URL redirects to its https: copy gets the same records whichever job
// reaches the https page first: the http URL's record is its redirect, and the https page is
// a page of its own. It used to follow the redirect when it came first, so two crawls of one
// site listed different pages.
func TestUpgradeRedirectRecordsDoNotDependOnOrder(t *testing.T) {
	t.Parallel()
	records := func(httpFirst bool) []string {
		var h hits
		site := httptest.NewTLSServer(nil)
		defer site.Close()
		plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, site.URL+r.URL.RequestURI(), http.StatusMovedPermanently)
		}))
		defer plain.Close()
		httpLink := fmt.Sprintf(`<a href="%s/x">x</a>`, plain.URL)
		first, deep := httpLink, `<a href="/x">x</a>`
		if !httpFirst {
			first, deep = deep, httpLink
		}
		site.Config.Handler = serve(routes{
			"/":     html(first + `<a href="/deep">d</a>`),
			"/deep": html(deep),
			"/x":    html(`<p>x</p>`),
		}, &h)
		pool := x509.NewCertPool()
		pool.AddCert(site.Certificate())
		pages, _ := crawlAll(t, &Config{StartURLs: []string{site.URL + "/"}, RootCAs: pool, IgnoreRobots: true, Concurrency: 1})
		var got []string
		for _, p := range pages {
			got = append(got, fmt.Sprintf("%s -> %s %d", strings.NewReplacer(plain.URL, "http", site.URL, "https").Replace(p.URL),
				strings.NewReplacer(plain.URL, "http", site.URL, "https").Replace(p.FinalURL), p.Status))
		}
		sort.Strings(got)
		return got
	}
	a, b := records(true), records(false)
	want := []string{"http/x -> http/x 301", "https/ -> https/ 200", "https/deep -> https/deep 200", "https/x -> https/x 200"}
	if !slices.Equal(a, want) || !slices.Equal(b, want) {
		t.Errorf("records with the http link met first:\n%s\nmet last:\n%s\nwant:\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"), strings.Join(want, "\n"))
	}
}

func TestScopeLimitsAndNoFollow(t *testing.T) {
	t.Parallel()
	var h hits
	rt := routes{"/robots.txt": html("User-agent: *\nDisallow: /private\n")}
	for i := 0; i < 30; i++ {
		rt[fmt.Sprintf("/d%d", i)] = html(fmt.Sprintf(`<a href="/d%d">next</a><a href="/private/x">p</a><a href="https://elsewhere.test/">off</a><a href="/file.pdf">pdf</a>`, i+1))
	}
	rt["/file.pdf"] = typed("application/pdf", `<a href="/never-parsed">x</a>`)
	rt["/private/x"] = html(`<p>secret</p>`)
	srv := httptest.NewServer(serve(rt, &h))
	defer srv.Close()
	start := srv.URL + "/d0"

	t.Run("max-depth", func(t *testing.T) {
		pages, res := crawlAll(t, &Config{StartURLs: []string{start}, MaxDepth: 3, CheckResources: CheckNone})
		if len(pages) != 4 {
			t.Errorf("max-depth 3: got %d pages, want 4", len(pages))
		}
		if res.Skipped == 0 {
			t.Errorf("pages beyond the depth should be counted as skipped")
		}
	})
	t.Run("max-pages", func(t *testing.T) {
		pages, res := crawlAll(t, &Config{StartURLs: []string{start}, MaxPages: 5, CheckResources: CheckNone})
		if len(pages) != 5 || res.Pages != 5 {
			t.Errorf("max-pages 5: got %d pages (%d counted)", len(pages), res.Pages)
		}
	})
	t.Run("no-follow", func(t *testing.T) {
		pages, _ := crawlAll(t, &Config{StartURLs: []string{start}, NoFollow: true, CheckResources: CheckNone})
		if len(pages) != 1 {
			t.Errorf("no-follow: got %d pages, want 1", len(pages))
		}
	})
	t.Run("robots and non-HTML", func(t *testing.T) {
		pages, _ := crawlAll(t, &Config{StartURLs: []string{start}, MaxDepth: 2, CheckResources: CheckNone})
		for _, p := range pages {
			if strings.Contains(p.URL, "/private") || strings.Contains(p.URL, ".pdf") || strings.Contains(p.URL, "elsewhere") {
				t.Errorf("crawled %s as a page", p.URL)
			}
		}
		if h.count("GET", strings.TrimPrefix(srv.URL, "http://")+"/never-parsed") != 0 {
			t.Errorf("a link inside a PDF was followed")
		}
		if h.count("GET", strings.TrimPrefix(srv.URL, "http://")+"/private/x") != 0 {
			t.Errorf("robots.txt Disallow was not respected")
		}
	})
	t.Run("ignore-robots", func(t *testing.T) {
		pages, _ := crawlAll(t, &Config{StartURLs: []string{start}, MaxDepth: 1, IgnoreRobots: true, CheckResources: CheckNone})
		found := false
		for _, p := range pages {
			found = found || strings.Contains(p.URL, "/private/x")
		}
		if !found {
			t.Errorf("--ignore-robots: /private/x not crawled")
		}
	})
}

func TestSitemapsFeedTheQueue(t *testing.T) {
	t.Parallel()
	var h hits
	var srvURL string
	rt := routes{
		"/": html(`<p>no links</p>`),
		"/robots.txt": func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "User-agent: *\nSitemap: %s/index.xml\n", srvURL)
		},
		"/index.xml": func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `<sitemapindex><sitemap><loc>%s/pages.xml</loc></sitemap></sitemapindex>`, srvURL)
		},
		"/pages.xml": func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `<urlset><url><loc>%s/from-index</loc></url></urlset>`, srvURL)
		},
		"/sitemap.xml": func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `<urlset><url><loc>%s/from-default</loc></url><url><loc>https://off.test/x</loc></url></urlset>`, srvURL)
		},
		"/from-index":   html(`<p>a</p>`),
		"/from-default": html(`<p>b</p>`),
	}
	srv := httptest.NewServer(serve(rt, &h))
	defer srv.Close()
	srvURL = srv.URL
	pages, _ := crawlAll(t, &Config{StartURLs: []string{srv.URL + "/"}, CheckResources: CheckNone})
	got := map[string]bool{}
	for _, p := range pages {
		got[strings.TrimPrefix(p.URL, srv.URL)] = true
	}
	for _, want := range []string{"/", "/from-index", "/from-default"} {
		if !got[want] {
			t.Errorf("%s not crawled; got %v", want, got)
		}
	}
	if len(got) != 3 {
		t.Errorf("off-scope sitemap entries must not be crawled: %v", got)
	}
}

func TestResourceChecksRecordRedirectsAndHTTPSCopies(t *testing.T) {
	t.Parallel()
	var h hits
	tlsSrv := httptest.NewTLSServer(nil)
	defer tlsSrv.Close()
	plain := httptest.NewServer(serve(routes{
		"/img.png":  typed("image/png", "png"),
		"/only.png": typed("image/png", "png"),
		"/down.js":  html("js"),
	}, &h))
	defer plain.Close()
	tlsPort := tlsSrv.Listener.Addr().(*net.TCPAddr).Port
	plainPort := plain.Listener.Addr().(*net.TCPAddr).Port
	// http://img.test:TLSPORT/ is upgraded by browsers to https://img.test:TLSPORT/, which exists;
	// http://only.test:PLAINPORT/ has no https twin.
	page := fmt.Sprintf(`<img src="http://img.test:%d/img.png"><img src="http://only.test:%d/only.png">
		<script src="https://127.0.0.1:%d/down.js"></script><img src="https://127.0.0.1:%d/head405">`, tlsPort, plainPort, tlsPort, tlsPort)
	tlsSrv.Config.Handler = serve(routes{
		"/":        html(page),
		"/img.png": typed("image/png", "png"),
		"/down.js": redirect(301, plain.URL+"/down.js"),
		"/head405": func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodHead {
				w.WriteHeader(405)
				return
			}
			w.Header().Set("Content-Type", "image/png")
			fmt.Fprint(w, "png")
		},
	}, &h)
	pool := x509.NewCertPool()
	pool.AddCert(tlsSrv.Certificate())
	cfg := &Config{
		StartURLs:    []string{tlsSrv.URL + "/"},
		RootCAs:      pool,
		IgnoreRobots: true,
		Resolve:      []string{fmt.Sprintf("img.test:%d:127.0.0.1", tlsPort), fmt.Sprintf("only.test:%d:127.0.0.1", plainPort)},
	}
	pages, _ := crawlAll(t, cfg)
	if len(pages) != 1 {
		t.Fatalf("got %d pages", len(pages))
	}
	res := map[string]*Resource{}
	for i := range pages[0].Resources {
		r := &pages[0].Resources[i]
		u, _ := url.Parse(r.URL)
		res[u.Path] = r
	}
	if r := res["/down.js"]; r == nil || r.Fetch == nil || len(r.Fetch.Redirects) != 1 || !strings.HasPrefix(r.Fetch.Redirects[0].To, "http://") || r.Fetch.SHA256 == "" {
		t.Errorf("down.js: want a GET with one recorded https->http hop and a hash, got %+v", r)
	}
	if r := res["/head405"]; r == nil || r.Fetch == nil || r.Fetch.Method != http.MethodGet || r.Fetch.Status != 200 {
		t.Errorf("head405: want a GET fallback answered 200, got %+v", r.Fetch)
	}
	if r := res["/only.png"]; r == nil || r.Fetch == nil || r.Fetch.HTTPSAvailable == nil || *r.Fetch.HTTPSAvailable {
		t.Errorf("only.png: want https_available=false, got %+v", r.Fetch)
	}
	// img.test's https twin fails certificate verification (the cert does not name img.test), so
	// it is not available to browsers either.
	if r := res["/img.png"]; r == nil || r.Fetch == nil || r.Fetch.HTTPSAvailable == nil || *r.Fetch.HTTPSAvailable {
		t.Errorf("img.png: want https_available=false (certificate for another host), got %+v", r.Fetch)
	}
}

// tlsSniffer counts the connections of a listener whose first byte opens a TLS handshake.
type tlsSniffer struct {
	net.Listener
	tls atomic.Int64
}

func (l *tlsSniffer) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &sniffedConn{Conn: c, l: l}, nil
}

type sniffedConn struct {
	net.Conn
	l    *tlsSniffer
	seen bool
}

func (c *sniffedConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if n > 0 && !c.seen {
		c.seen = true
		if b[0] == 0x16 { // a TLS handshake record
			c.l.tls.Add(1)
		}
	}
	return n, err
}

// An origin whose https copy does not speak TLS (a plain HTTP port, as http://cdn:8080 upgraded
// to https://cdn:8080) is tried once: its other http: URLs get the same verdict without another
// handshake. A crawl with many such images used to spend a quarter of its CPU on handshakes
// that could only fail.
func TestHTTPSCopyOfADeadOriginTriedOnce(t *testing.T) {
	t.Parallel()
	var h hits
	imgs := routes{}
	var page strings.Builder
	plain := httptest.NewUnstartedServer(nil)
	sn := &tlsSniffer{Listener: plain.Listener}
	plain.Listener = sn
	plain.Start()
	defer plain.Close()
	for i := range 12 {
		path := fmt.Sprintf("/i%d.png", i)
		imgs[path] = typed("image/png", "png")
		fmt.Fprintf(&page, `<img src="%s%s">`, plain.URL, path)
	}
	plain.Config.Handler = serve(imgs, &h)
	site := httptest.NewTLSServer(serve(routes{"/": html(page.String())}, &h))
	defer site.Close()
	pool := x509.NewCertPool()
	pool.AddCert(site.Certificate())
	pages, _ := crawlAll(t, &Config{StartURLs: []string{site.URL + "/"}, RootCAs: pool, IgnoreRobots: true, Concurrency: 1})
	if len(pages) != 1 {
		t.Fatalf("got %d pages", len(pages))
	}
	checked := 0
	for _, r := range pages[0].Resources {
		if r.Fetch == nil || r.Fetch.Status != 200 || r.Fetch.HTTPSAvailable == nil || *r.Fetch.HTTPSAvailable {
			t.Errorf("%s: want a 200 over http and https_available=false, got %+v", r.URL, r.Fetch)
			continue
		}
		checked++
	}
	if checked != 12 {
		t.Errorf("%d images checked, want 12", checked)
	}
	if n := sn.tls.Load(); n != 1 {
		t.Errorf("%d TLS handshakes tried on the plain port, want 1", n)
	}
}

func TestRetryAfterAndDelay(t *testing.T) {
	t.Parallel()
	var h hits
	var mu sync.Mutex
	busyTries := 0
	var starts []time.Time // the first request of each page job
	mark := func() {
		mu.Lock()
		starts = append(starts, time.Now())
		mu.Unlock()
	}
	srv := httptest.NewServer(serve(routes{
		"/": func(w http.ResponseWriter, r *http.Request) {
			mark()
			html(`<a href="/busy">b</a><a href="/down">d</a><a href="/later">l</a>`)(w, r)
		},
		"/busy": func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			busyTries++
			n := busyTries
			mu.Unlock()
			if n == 1 {
				mark()
				w.Header().Set("Retry-After", "0")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			html(`<p>ok now</p>`)(w, r)
		},
		"/down": func(w http.ResponseWriter, r *http.Request) {
			mark()
			w.Header().Set("Retry-After", "3600") // more than a crawl can wait
			w.WriteHeader(http.StatusServiceUnavailable)
		},
		"/later": func(w http.ResponseWriter, r *http.Request) {
			mark()
			html(`<p>later</p>`)(w, r)
		},
	}, &h))
	defer srv.Close()
	const delay = 150 * time.Millisecond
	began := time.Now()
	pages, _ := crawlAll(t, &Config{StartURLs: []string{srv.URL + "/"}, IgnoreRobots: true, CheckResources: CheckNone, Delay: delay, Concurrency: 4})
	took := time.Since(began)
	byPath := map[string]*Page{}
	for _, p := range pages {
		byPath[strings.TrimPrefix(p.URL, srv.URL)] = p
	}
	if p := byPath["/busy"]; p == nil || p.Err != "" || p.Status != 200 || busyTries != 2 {
		t.Errorf("/busy: a 429 with Retry-After 0 must be asked again and succeed: %+v (%d tries)", p, busyTries)
	}
	if p := byPath["/down"]; p == nil || !strings.Contains(p.Err, "503") || h.count("GET", strings.TrimPrefix(srv.URL, "http://")+"/down") != 1 {
		t.Errorf("/down: a Retry-After beyond what a crawl waits is not retried: %+v", p)
	}
	// --delay spaces the four page requests to one origin even with four workers: the crawl
	// takes at least three delays (a lower bound, which no slow machine can break).
	if len(starts) != 4 || took < 3*delay {
		t.Errorf("%d page requests in %s, want 4 taking at least %s", len(starts), took, 3*delay)
	}
}

func TestThrottleSpacesRequests(t *testing.T) {
	t.Parallel()
	var th throttle
	u := &url.URL{Scheme: "http", Host: "shop.test"}
	const d = 40 * time.Millisecond
	began := time.Now()
	for i := 0; i < 4; i++ {
		if err := th.wait(context.Background(), u, d); err != nil {
			t.Fatal(err)
		}
	}
	if took := time.Since(began); took < 3*d {
		t.Errorf("four requests went out within %s, want at least %s", took, 3*d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := th.wait(ctx, u, time.Hour); err == nil {
		t.Error("a cancelled crawl must not wait for the throttle")
	}
}

func TestRetryAfterParsing(t *testing.T) {
	t.Parallel()
	hdr := func(v string) http.Header {
		h := http.Header{}
		if v != "" {
			h.Set("Retry-After", v)
		}
		return h
	}
	tests := []struct {
		status int
		value  string
		try    int
		want   time.Duration
		ok     bool
	}{
		{429, "0", 0, 0, true},
		{429, "5", 0, 5 * time.Second, true},
		{429, "", 0, time.Second, true},
		{429, "", 1, 2 * time.Second, true},
		{429, "1", 2, 0, false}, // retries used up
		{429, "3600", 0, time.Hour, false},
		{503, "", 0, 0, false},
		{503, "2", 0, 2 * time.Second, true},
		{500, "1", 0, 0, false},
		{429, "soon", 0, 0, false},
	}
	for _, tc := range tests {
		got, ok := retryAfter(tc.status, hdr(tc.value), tc.try)
		if ok != tc.ok || ok && got != tc.want {
			t.Errorf("status %d Retry-After %q try %d: %s %v, want %s %v", tc.status, tc.value, tc.try, got, ok, tc.want, tc.ok)
		}
	}
}

func TestStartURLMovingToAnotherHostOfItsSite(t *testing.T) {
	t.Parallel()
	var h hits
	var port string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.add(r)
		host := strings.Split(r.Host, ":")[0]
		switch {
		case host == "shop.test":
			redirect(301, "http://www.shop.test:"+port+r.URL.Path)(w, r)
		case host == "www.shop.test" && r.URL.Path == "/":
			html(`<a href="/about">a</a><a href="http://shop.test:`+port+`/elsewhere">e</a>`)(w, r)
		case host == "www.shop.test" && r.URL.Path == "/about":
			html(`<p>about</p>`)(w, r)
		case host == "sso.other.test":
			html(`<p>login</p>`)(w, r)
		case host == "start.test":
			redirect(302, "http://sso.other.test:"+port+"/login")(w, r)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	port = strings.Split(srv.Listener.Addr().String(), ":")[1]
	resolve := []string{"*:" + port + ":127.0.0.1"}
	pages, _ := crawlAll(t, &Config{StartURLs: []string{"http://shop.test:" + port + "/"}, Resolve: resolve, IgnoreRobots: true, CheckResources: CheckNone})
	got := map[string]bool{}
	for _, p := range pages {
		got[p.FinalURL] = true
	}
	if !got["http://www.shop.test:"+port+"/about"] {
		t.Errorf("the crawl should follow the start URL to www.shop.test and crawl it: %v", got)
	}
	// Another site is not taken on that way.
	pages, _ = crawlAll(t, &Config{StartURLs: []string{"http://start.test:" + port + "/"}, Resolve: resolve, IgnoreRobots: true, CheckResources: CheckNone})
	if h.count("GET", "sso.other.test:"+port+"/login") != 0 {
		t.Errorf("a start URL redirecting to another site must not take the crawl there: %+v", pages)
	}
}
