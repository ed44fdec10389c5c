package crawler

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// Regression tests for defects a review found (each failed before its fix).

func TestSitemapURLsFollowRobots(t *testing.T) {
	t.Parallel()
	var h hits
	srv := serveSite(t, &h, func(base string) routes {
		return routes{
			"/":           html(`<p>home</p>`),
			"/private/x":  html(`<p>secret</p>`),
			"/robots.txt": func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n") },
			"/sitemap.xml": func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, `<urlset><url><loc>%s/private/x</loc></url></urlset>`, base)
			},
		}
	})
	_, res := crawlAll(t, &Config{StartURLs: []string{srv.URL + "/"}})
	if n := h.count("GET", strings.TrimPrefix(srv.URL, "http://")+"/private/x"); n != 0 || res.Skipped != 1 {
		t.Errorf("a robots-disallowed sitemap URL was fetched %d times (skipped %d)", n, res.Skipped)
	}
}

func TestRedirectIntoExcludedURLIsNotFollowed(t *testing.T) {
	t.Parallel()
	var h hits
	srv := serveSite(t, &h, func(base string) routes {
		return routes{
			"/":        html(`<a href="/signout">x</a>`),
			"/signout": redirect(302, "/logout"),
			"/logout":  html(`<p>logged out</p>`),
		}
	})
	crawlAll(t, &Config{StartURLs: []string{srv.URL + "/"}, IgnoreRobots: true, Exclude: []*regexp.Regexp{regexp.MustCompile(`/logout`)},
		Headers: http.Header{"Authorization": {"Basic x"}}})
	if n := h.count("GET", strings.TrimPrefix(srv.URL, "http://")+"/logout"); n != 0 {
		t.Errorf("an excluded URL was fetched %d times through a redirect", n)
	}
}

// Page bodies once reached the transport through a marker header (X-Padlock-Capture) that had
// to be removed before the request left; no header of padlock's own may reach the server.
func TestCaptureMarkerNeverLeavesPadlock(t *testing.T) {
	t.Parallel()
	var h hits
	srv := httptest.NewServer(serve(routes{"/": html(`<p>x</p>`)}, &h))
	defer srv.Close()
	crawlAll(t, &Config{StartURLs: []string{srv.URL + "/"}, IgnoreRobots: true, NoFollow: true})
	hs := h.headers["GET "+strings.TrimPrefix(srv.URL, "http://")+"/"]
	if len(hs) != 1 {
		t.Fatalf("want one GET of /, got %d", len(hs))
	}
	for k, v := range hs[0] {
		if strings.HasPrefix(strings.ToLower(k), "x-padlock") {
			t.Errorf("the server received %s: %s", k, v)
		}
	}
}

// A URL first met beyond --max-depth must still be crawled when a shallower page links it later.
func TestMaxDepthKeepsAShallowerLinkMetLater(t *testing.T) {
	t.Parallel()
	var h hits
	srv := serveSite(t, &h, func(base string) routes {
		return routes{
			"/":     html(`<a href="/fast">f</a>`),
			"/fast": html(`<a href="/x">x</a>`), // /x at depth 2, beyond the limit
			"/s2": func(w http.ResponseWriter, r *http.Request) {
				time.Sleep(200 * time.Millisecond) // links /x at depth 1, after /fast did
				html(`<a href="/x">x</a>`)(w, r)
			},
			"/x": html(`<p>x</p>`),
		}
	})
	crawlAll(t, &Config{StartURLs: []string{srv.URL + "/", srv.URL + "/s2"}, MaxDepth: 1, IgnoreRobots: true})
	if n := h.count("GET", strings.TrimPrefix(srv.URL, "http://")+"/x"); n != 1 {
		t.Errorf("/x is at depth 1 from /s2 but was fetched %d times", n)
	}
}

// Redirect records and errors are not HTML pages: they give their --max-pages slot back.
func TestMaxPagesCountsHTMLPagesOnly(t *testing.T) {
	t.Parallel()
	var h hits
	srv := httptest.NewServer(serve(routes{
		"/":   html(`<a href="/a/">a</a><a href="/a">a</a><a href="/b">b</a><a href="/b/">b</a>`),
		"/a":  redirect(301, "/a/"),
		"/b":  redirect(301, "/b/"),
		"/a/": html(`<p>a</p>`),
		"/b/": html(`<p>b</p>`),
	}, &h))
	defer srv.Close()
	_, res := crawlAll(t, &Config{StartURLs: []string{srv.URL + "/"}, MaxPages: 3, IgnoreRobots: true, Concurrency: 1})
	if res.Pages != 3 || res.NotCrawled != 0 {
		t.Errorf("max-pages 3 on a site of 3 HTML pages: crawled %d, not crawled %d", res.Pages, res.NotCrawled)
	}
}

func TestRobotsTxtRedirectIsFollowed(t *testing.T) {
	t.Parallel()
	var h hits
	srv := httptest.NewServer(serve(routes{
		"/":            html(`<a href="/blocked">b</a>`),
		"/blocked":     html(`<p>b</p>`),
		"/robots.txt":  redirect(301, "/robots2.txt"),
		"/robots2.txt": func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "User-agent: *\nDisallow: /blocked\n") },
	}, &h))
	defer srv.Close()
	_, res := crawlAll(t, &Config{StartURLs: []string{srv.URL + "/"}, CheckResources: CheckNone})
	if len(res.Errors) != 0 {
		t.Errorf("a redirected robots.txt is not an error: %+v", res.Errors)
	}
	if n := h.count("GET", strings.TrimPrefix(srv.URL, "http://")+"/blocked"); n != 0 {
		t.Errorf("the redirected robots.txt's Disallow was not applied (%d GETs)", n)
	}
}

// A URL met first as a prefetch and later as a script must still be fetched and hashed.
func TestScriptMetAfterPrefetchIsHashed(t *testing.T) {
	t.Parallel()
	var h hits
	srv := httptest.NewServer(serve(routes{
		"/":     html(`<link rel=prefetch href="/x.js"><a href="/b">b</a>`),
		"/b":    html(`<script src="/x.js" integrity="sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="></script>`),
		"/x.js": typed("text/javascript", "alert(1)"),
	}, &h))
	defer srv.Close()
	pages, _ := crawlAll(t, &Config{StartURLs: []string{srv.URL + "/"}, IgnoreRobots: true, Concurrency: 1})
	for _, p := range pages {
		for _, r := range p.Resources {
			if r.Kind == KindScript && (r.Fetch == nil || r.Fetch.SHA256 == "") {
				t.Errorf("script %s on %s has no body hash: %+v", r.URL, p.URL, r.Fetch)
			}
		}
	}
}

// An off-scope redirect target is never requested, so it is neither listed nor probed.
func TestOffScopeRedirectTargetIsNotProbed(t *testing.T) {
	t.Parallel()
	var h hits
	other := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.add(r) }))
	defer other.Close()
	port := strings.TrimPrefix(other.URL, "https://127.0.0.1:")
	srv := httptest.NewServer(serve(routes{
		"/":      html(`<a href="/login">x</a>`),
		"/login": redirect(302, "https://localhost:"+port+"/sso"),
	}, &h))
	defer srv.Close()
	_, res := crawlAll(t, &Config{StartURLs: []string{srv.URL + "/"}, IgnoreRobots: true})
	for _, o := range res.Origins {
		t.Errorf("origin listed and probed though never requested: %s", o.Origin)
	}
}

// A sitemap that answers only after the start page was fetched: read beside the crawl, not
// before it. (Read first, it would wait for the start page forever, here until the timeout.)
func TestSitemapsAreReadBesideTheCrawl(t *testing.T) {
	t.Parallel()
	var h hits
	startServed := make(chan struct{})
	var once sync.Once
	srv := serveSite(t, &h, func(base string) routes {
		return routes{
			"/": func(w http.ResponseWriter, r *http.Request) {
				once.Do(func() { close(startServed) })
				html(`<p>home</p>`)(w, r)
			},
			"/from-sitemap": html(`<p>listed</p>`),
			"/sitemap.xml": func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-startServed:
				case <-r.Context().Done():
					return
				}
				fmt.Fprintf(w, `<urlset><url><loc>%s/from-sitemap</loc></url></urlset>`, base)
			},
		}
	})
	pages, res := crawlAll(t, &Config{StartURLs: []string{srv.URL + "/"}, Timeout: 3 * time.Second})
	var urls []string
	for _, p := range pages {
		urls = append(urls, p.URL)
	}
	if len(pages) != 2 || len(res.Errors) != 0 {
		t.Errorf("pages %v, errors %+v: want the start page and the sitemap's page, no error", urls, res.Errors)
	}
}

// A frame inherits its parent's upgrade-insecure-requests (Chromium upgrades the frame's http:
// script; see scan's browser conformance test); a page that is not framed under it does not.
func TestFrameInheritsUpgradeInsecureRequests(t *testing.T) {
	t.Parallel()
	var h hits
	srv := serveSite(t, &h, func(base string) routes {
		return routes{
			"/":       html(`<meta http-equiv="Content-Security-Policy" content="upgrade-insecure-requests"><iframe src="/frame"></iframe><a href="/plain">p</a>`),
			"/frame":  html(`<script src="http://cdn.test/a.js"></script><iframe src="/nested"></iframe>`),
			"/nested": html(`<img src="http://cdn.test/b.png">`),
			"/plain":  html(`<script src="http://cdn.test/c.js"></script>`),
		}
	})
	pages, _ := crawlAll(t, &Config{StartURLs: []string{srv.URL + "/"}, IgnoreRobots: true, CheckResources: CheckNone})
	want := map[string][2]bool{ // path -> InheritsUIR, and its cdn.test reference upgraded-by-inheritance
		"/frame": {true, true}, "/nested": {true, true}, "/plain": {false, false},
	}
	for _, p := range pages {
		path := strings.TrimPrefix(p.URL, srv.URL)
		w, ok := want[path]
		if !ok {
			continue
		}
		delete(want, path)
		if p.InheritsUIR != w[0] {
			t.Errorf("%s: InheritsUIR %v, want %v", path, p.InheritsUIR, w[0])
		}
		for _, r := range p.Resources {
			if strings.Contains(r.URL, "cdn.test") && (r.UpgradedByCSP != w[1] || r.UpgradeInherited != w[1]) {
				t.Errorf("%s: %s upgraded %v inherited %v, want %v", path, r.URL, r.UpgradedByCSP, r.UpgradeInherited, w[1])
			}
		}
	}
	if len(want) != 0 {
		t.Errorf("pages not crawled: %v", want)
	}
}

// A frame reached both under upgrade-insecure-requests and without it is judged on its own,
// whichever way the crawl reaches it first (the verdict must not change from run to run). Here
// the framing under the policy always comes first: /nouir answers only once /widget was served.
func TestFrameReachedBothWaysIsJudgedOnItsOwn(t *testing.T) {
	t.Parallel()
	var h hits
	widgetServed := make(chan struct{})
	var once sync.Once
	srv := serveSite(t, &h, func(base string) routes {
		return routes{
			"/":    html(`<a href="/uir">u</a><a href="/nouir">n</a>`),
			"/uir": html(`<meta http-equiv="Content-Security-Policy" content="upgrade-insecure-requests"><iframe src="/widget"></iframe>`),
			"/nouir": func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-widgetServed:
				case <-r.Context().Done():
					return
				}
				html(`<iframe src="/widget"></iframe>`)(w, r)
			},
			"/widget": func(w http.ResponseWriter, r *http.Request) {
				html(`<script src="http://cdn.test/w.js"></script>`)(w, r)
				once.Do(func() { close(widgetServed) })
			},
		}
	})
	pages, _ := crawlAll(t, &Config{StartURLs: []string{srv.URL + "/"}, IgnoreRobots: true, CheckResources: CheckNone, Concurrency: 4})
	found := false
	for _, p := range pages {
		if !strings.HasSuffix(p.URL, "/widget") {
			continue
		}
		found = true
		for _, r := range p.Resources {
			if strings.Contains(r.URL, "cdn.test") && (r.UpgradedByCSP || r.UpgradeInherited || p.InheritsUIR) {
				t.Errorf("the widget, also framed without the policy, inherited it")
			}
		}
	}
	if !found {
		t.Error("the widget was not crawled")
	}
}
