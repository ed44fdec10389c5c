package crawler

// Hostile pages and sites at the crawler's level: references that must not vanish, pages that
// repeat one reference without end, discovery that must not hold the crawl. The real binary
// against the same sites, under a memory bound, is in cmd/padlock/hostile_test.go.

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	htmlstd "html"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A C0 control or DEL inside a URL is percent-encoded, as the URL Standard's parser does, never a
// reason to drop the reference: Chromium runs <script src="https://skimmer.example/a&#x1;.js">
// (it fetches /a%01.js), so padlock must see it.
func TestControlCharactersInURLsAreEncodedNotDropped(t *testing.T) {
	t.Parallel()
	page := mustParse(t, "https://shop.test/checkout")
	for _, tc := range []struct {
		name, markup string
		want         string // "" when browsers fail the URL too
	}{
		{"control in path", `<script src="https://skimmer.example/a&#x1;.js"></script>`, "https://skimmer.example/a%01.js"},
		{"escape and bell in path", "<script src=\"https://skimmer.example/\x1b[2J\x07.js\"></script>", "https://skimmer.example/%1B[2J%07.js"},
		{"DEL in path", "<script src=\"https://skimmer.example/a\x7f.js\"></script>", "https://skimmer.example/a%7F.js"},
		{"control in query", `<script src="https://skimmer.example/a.js?v=&#x1f;1"></script>`, "https://skimmer.example/a.js?v=%1F1"},
		{"control in a relative path", `<script src="/js/&#x2;x.js"></script>`, "https://shop.test/js/%02x.js"},
		{"NUL is U+FFFD in HTML", "<script src=\"https://skimmer.example/a\x00.js\"></script>", "https://skimmer.example/a%EF%BF%BD.js"},
		{"control in the host fails, as in browsers", `<script src="https://skim&#x1;mer.example/a.js"></script>`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			doc := ExtractHTML(page, []byte(tc.markup))
			var got []string
			for _, r := range doc.Resources {
				got = append(got, r.URL)
			}
			if tc.want == "" {
				if len(got) != 0 {
					t.Errorf("got %q, want no reference (browsers fail the host)", got)
				}
				return
			}
			if len(got) != 1 || got[0] != tc.want {
				t.Errorf("got %q, want [%q]", got, tc.want)
			}
		})
	}
	t.Run("css", func(t *testing.T) {
		t.Parallel()
		refs := ExtractCSS(mustParse(t, "https://shop.test/s.css"), []byte(`a{background:url("https://skimmer.example/b\1 .png")}`), 1)
		if len(refs) != 1 || refs[0].URL != "https://skimmer.example/b%01.png" {
			t.Errorf("got %+v, want the url() with its control encoded", refs)
		}
	})
	t.Run("link header", func(t *testing.T) {
		t.Parallel()
		refs := ParseLinkHeader(page, []string{"<https://skimmer.example/c\x01.js>; rel=preload; as=script"})
		if len(refs) != 1 || refs[0].URL != "https://skimmer.example/c%01.js" {
			t.Errorf("got %+v, want the preload with its control encoded", refs)
		}
	})
}

// FuzzScriptSrcNeverVanishes: whatever a script's path holds, the URL Standard never fails a
// path, so the script is one reference on skimmer.example: padlock sees every script a browser
// would fetch from that host.
func FuzzScriptSrcNeverVanishes(f *testing.F) {
	for _, s := range []string{"a\x01.js", "a.js", "\x7f", "%", "%zz/../x?#", `\a\b`, "a b\tc\nd", "\x00", "\xff\xfe", "..", "?q=\x1b", "@x:1"} {
		f.Add(s)
	}
	page := mustParse(f, "https://shop.test/")
	f.Fuzz(func(t *testing.T, path string) {
		markup := `<script src="https://skimmer.example/` + htmlstd.EscapeString(path) + `"></script>`
		doc := ExtractHTML(page, []byte(markup))
		if len(doc.Resources) != 1 {
			t.Fatalf("%q: %d references, want the script once", markup, len(doc.Resources))
		}
		r := doc.Resources[0]
		u, err := url.Parse(r.URL)
		if r.Kind != KindScript || err != nil || u.Host != "skimmer.example" || u.Scheme != "https" {
			t.Fatalf("%q: got %s %q (parse error %v), want a script on https://skimmer.example", markup, r.Kind, r.URL, err)
		}
	})
}

// One reference made many times is one reference with a count; a page keeps at most
// MaxRefsPerPage different ones, its stylesheets' included, and the cut is reported.
func TestReferencesOncePerPageAndCapped(t *testing.T) {
	t.Parallel()
	var page strings.Builder
	page.WriteString("<!doctype html>\n")
	for range 2000 {
		page.WriteString(`<link rel=stylesheet href="/s.css"><a href="/same">x</a>` + "\n")
	}
	for i := range 50 {
		fmt.Fprintf(&page, "<img src=/i%d.png>\n", i)
	}
	var css strings.Builder
	for i := range 300 {
		fmt.Fprintf(&css, "a{background:url(/c%d.png)} b{background:url(/c0.png)}\n", i)
	}
	var h hits
	srv := serveSite(t, &h, func(string) routes {
		return routes{"/": html(page.String()), "/s.css": typed("text/css", css.String())}
	})
	pages, res := crawlAll(t, &Config{StartURLs: []string{srv.URL + "/"}, MaxRefsPerPage: 100, NoFollow: true, IgnoreRobots: true, CheckResources: CheckNone})
	if len(pages) != 1 {
		t.Fatalf("%d pages, want 1", len(pages))
	}
	count := map[string]int{}
	for _, r := range pages[0].Resources {
		if count[r.URL] > 0 {
			t.Errorf("%s listed twice", r.URL)
		}
		count[r.URL] += r.Count
	}
	if n := len(pages[0].Resources); n != 100 {
		t.Errorf("%d references kept, want MaxRefsPerPage 100", n)
	}
	if count[srv.URL+"/s.css"] != 2000 || count[srv.URL+"/same"] != 2000 {
		t.Errorf("counts: stylesheet %d, link %d, want 2000 each", count[srv.URL+"/s.css"], count[srv.URL+"/same"])
	}
	if n := h.count("GET", strings.TrimPrefix(srv.URL, "http://")+"/s.css"); n != 1 {
		t.Errorf("the stylesheet was requested %d times, want once", n)
	}
	var cut []string
	for _, e := range res.Errors {
		if e.Kind == ErrorTooManyRefs {
			cut = append(cut, e.Err)
		}
	}
	if len(cut) != 1 || !strings.Contains(cut[0], "--max-refs-per-page") {
		t.Errorf("errors %+v: want one saying the page was cut at --max-refs-per-page", res.Errors)
	}
}

// A body's size limit holds after decoding: a small gzip that inflates far beyond it is cut at
// the limit, wherever it is served (a page, an error page whose type says gzip, a stylesheet, a
// script with x-gzip).
func TestSizeLimitAppliesAfterDecoding(t *testing.T) {
	t.Parallel()
	const limit = 64 << 10
	bomb := func(prefix string) []byte {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(prefix))
		zw.Write(bytes.Repeat([]byte{' '}, 8<<20)) // 8 MB of spaces: some 8 KB of gzip
		zw.Close()
		return b.Bytes()
	}
	serveGzip := func(ct, enc string, status int, body []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", ct)
			if enc != "" {
				w.Header().Set("Content-Encoding", enc)
			}
			w.WriteHeader(status)
			w.Write(body)
		}
	}
	var h hits
	srv := serveSite(t, &h, func(string) routes {
		return routes{
			"/":            html(`<a href="/big">big</a><a href="/gone.xml.gz">gone</a><a href="/gone">gone</a><link rel=stylesheet href=/s.css><script src=/a.js></script>`),
			"/big":         serveGzip("text/html", "x-gzip", 200, bomb("<p>big</p>")),
			"/gone.xml.gz": serveGzip("application/gzip", "", 404, bomb("")),
			"/gone":        serveGzip("text/plain", "gzip", 404, bomb("")),
			"/s.css":       serveGzip("text/css", "x-gzip", 200, bomb("a{background:url(/in-sheet.png)}")),
			"/a.js":        serveGzip("text/javascript", "x-gzip", 200, bomb("var a;")),
		}
	})
	pages, res := crawlAll(t, &Config{StartURLs: []string{srv.URL + "/"}, MaxBody: limit, IgnoreRobots: true})
	byURL := map[string]*Page{}
	for _, p := range pages {
		byURL[strings.TrimPrefix(p.URL, srv.URL)] = p
	}
	if p := byURL["/big"]; p == nil || !p.Truncated || p.Title != "" && p.Err != "" {
		t.Errorf("/big: %+v, want a page cut at the limit", p)
	}
	for _, path := range []string{"/gone.xml.gz", "/gone"} {
		if p := byURL[path]; p == nil || p.Status != 404 {
			t.Errorf("%s: %+v, want a 404 page", path, p)
		}
	}
	var sheet, script *Fetch
	sawInSheet := false
	for _, r := range byURL["/"].Resources {
		switch strings.TrimPrefix(r.URL, srv.URL) {
		case "/s.css":
			sheet = r.Fetch
		case "/a.js":
			script = r.Fetch
		case "/in-sheet.png":
			sawInSheet = true
		}
	}
	if sheet == nil || !sheet.Truncated || !sawInSheet {
		t.Errorf("stylesheet %+v (its url() seen: %v): want it decoded, read, cut at the limit", sheet, sawInSheet)
	}
	if script == nil || !script.Truncated || script.Size != limit {
		t.Errorf("script %+v: want %d decoded bytes hashed, marked truncated", script, limit)
	}
	if len(res.Errors) == 0 {
		t.Error("no error says what was cut")
	}
}

// Discovery has a budget: an index of slow sitemaps holds a crawl for at most a few timeouts,
// says once that it stopped, and says nothing of the sitemaps left when the crawl is cancelled.
func TestSitemapDiscoveryHasABudget(t *testing.T) {
	t.Parallel()
	index := func(base string) string {
		var b strings.Builder
		b.WriteString("<sitemapindex>")
		for i := range 1000 {
			fmt.Fprintf(&b, "<sitemap><loc>%s/slow/%d.xml</loc></sitemap>", base, i)
		}
		b.WriteString("</sitemapindex>")
		return b.String()
	}
	slow := func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }
	mk := func(base string) routes {
		return routes{
			"/":           html(`<p>one page</p>`),
			"/robots.txt": typed("text/plain", "Sitemap: "+base+"/index.xml\n"),
			"/index.xml":  typed("application/xml", index(base)),
		}
	}
	// /sitemap.xml and every /slow/N.xml hang (slowSitemaps).
	t.Run("budget", func(t *testing.T) {
		t.Parallel()
		var h hits
		srv := serveSite(t, &h, mk)
		srv.Config.Handler = slowSitemaps(srv.Config.Handler, slow)
		_, res := crawlAll(t, &Config{StartURLs: []string{srv.URL + "/"}, Timeout: 250 * time.Millisecond})
		var stops int
		for _, e := range res.Errors {
			switch {
			case strings.Contains(e.Err, "sitemaps: stopped after"):
				stops++
			case e.Kind == ErrorSitemap && strings.Contains(e.Err, "context"):
				t.Errorf("a context error reported: %+v", e)
			}
		}
		if stops != 1 {
			t.Errorf("errors %+v: want one saying discovery stopped at its budget", res.Errors)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		t.Parallel()
		var h hits
		srv := serveSite(t, &h, mk)
		asked := make(chan struct{}, 1)
		srv.Config.Handler = slowSitemaps(srv.Config.Handler, func(w http.ResponseWriter, r *http.Request) {
			select {
			case asked <- struct{}{}:
			default:
			}
			slow(w, r)
		})
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-asked; cancel() }() // as Ctrl-C would, once discovery is held by a slow sitemap
		res, err := Crawl(ctx, &Config{StartURLs: []string{srv.URL + "/"}, Timeout: time.Minute}, func(*Page) {})
		if err == nil || res == nil || !res.Stopped {
			t.Fatalf("crawl: %v, %+v: want it stopped by the cancellation", err, res)
		}
		for _, e := range res.Errors {
			if e.Kind == ErrorSitemap {
				t.Errorf("a sitemap error after the cancellation: %+v", e)
			}
		}
	})
}

// slowSitemaps answers /sitemap.xml and every /slow/ path with slow, and the rest with next.
func slowSitemaps(next http.Handler, slow http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/slow/") || r.URL.Path == "/sitemap.xml" {
			slow(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// A site failing on every page (each over --max-refs-per-page, each with a broken stylesheet)
// hands its errors to OnError as the crawl meets them, one call at a time with visit, and keeps
// no list of them: Result.Errors stays empty.
func TestErrorsStreamToOnError(t *testing.T) {
	t.Parallel()
	const n = 30
	var h hits
	srv := serveSite(t, &h, func(string) routes {
		r := routes{}
		for i := range n {
			var page strings.Builder
			if i+1 < n {
				fmt.Fprintf(&page, "<a href=/p%d>next</a>", i+1)
			}
			fmt.Fprintf(&page, "<link rel=stylesheet href=/broken%d.css>", i)
			for j := range 12 {
				fmt.Fprintf(&page, "<img src=/p%d-%d.png>", i, j)
			}
			path := fmt.Sprintf("/p%d", i)
			if i == 0 {
				path = "/"
			}
			r[path] = html(page.String())
		}
		return r
	})
	var inside atomic.Int32
	var overlap atomic.Bool
	enter := func() func() {
		if inside.Add(1) > 1 {
			overlap.Store(true)
		}
		return func() { inside.Add(-1) }
	}
	var errs []Error
	pages := 0
	cfg := &Config{StartURLs: []string{srv.URL + "/"}, MaxRefsPerPage: 10, IgnoreRobots: true, CheckResources: CheckNone,
		Concurrency: 4, OnError: func(e Error) { defer enter()(); errs = append(errs, e) }}
	res, err := Crawl(context.Background(), cfg, func(*Page) { defer enter()(); pages++ })
	if err != nil {
		t.Fatal(err)
	}
	if pages != n {
		t.Fatalf("%d pages, want %d", pages, n)
	}
	kinds := map[ErrorKind]int{}
	for _, e := range errs {
		kinds[e.Kind]++
	}
	if kinds[ErrorTooManyRefs] != n || len(errs) < n {
		t.Errorf("OnError got %v, want %d pages over the cap (and their stylesheets)", kinds, n)
	}
	if len(res.Errors) != 0 {
		t.Errorf("Result.Errors keeps %d errors, want none: they went to OnError", len(res.Errors))
	}
	if overlap.Load() {
		t.Error("OnError and visit were called at the same time")
	}

	// A process of a shared crawl hands each error on once, with a part, and keeps none.
	var mu sync.Mutex
	handed := map[Error]int{}
	shared := &Config{StartURLs: []string{srv.URL + "/"}, MaxRefsPerPage: 10, IgnoreRobots: true, CheckResources: CheckNone,
		Concurrency: 4, Shared: &Shared{Frontier: newLocalFrontier(1000), Emit: func(pt Part) {
			mu.Lock()
			defer mu.Unlock()
			for _, e := range pt.Errors {
				handed[e]++
			}
		}}}
	res, err = Crawl(context.Background(), shared, nil)
	if err != nil && !errors.Is(err, ErrNoStart) { // the start's success is counted where parts merge
		t.Fatal(err)
	}
	if len(handed) != len(errs) {
		t.Errorf("the shared crawl handed on %d different errors, the local one met %d", len(handed), len(errs))
	}
	for e, n := range handed {
		if n != 1 {
			t.Errorf("%s handed on %d times", e.URL, n)
		}
	}
	if len(res.Errors) != 0 {
		t.Errorf("the shared crawl keeps %d errors after handing them on", len(res.Errors))
	}
}

// The merge of a shared crawl's parts hands each error once to OnError, however many parts
// bring it (a page fetched again after its lease lapsed), and keeps no list of them.
func TestMergeStreamsErrorsOnce(t *testing.T) {
	var got []Error
	cfg := &Config{StartURLs: []string{"https://shop.test/"}, OnError: func(e Error) { got = append(got, e) }}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	m := NewMerge(cfg, func(*Page) {})
	a := Error{URL: "https://shop.test/a.css", Err: "stylesheet: HTTP 500", Kind: ErrorStatus}
	b := Error{URL: "https://shop.test/p", Err: "too many", Kind: ErrorTooManyRefs}
	b2 := Error{URL: "https://shop.test/p", Err: "too many", Kind: ErrorStatus} // differs in kind only
	m.Add(Part{Errors: []Error{a, b}})
	m.Add(Part{Errors: []Error{b, a, b2}})
	m.Add(Part{Errors: []Error{a}})
	if len(got) != 3 || got[0] != a || got[1] != b || got[2] != b2 {
		t.Errorf("OnError got %+v, want a, b and b2 once each", got)
	}
	res, _ := m.Finish(newLocalFrontier(10), false)
	if len(res.Errors) != 0 {
		t.Errorf("the merge kept %d errors it handed to OnError", len(res.Errors))
	}
}
