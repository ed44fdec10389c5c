package scan_test

// Hostile input: every case must end with a report (and, where the crawl could not complete,
// the right error), quickly, without leaving loopback.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/internal/sitetest"
	"github.com/padlock-scan/padlock/internal/sitetest/testnet"
	"github.com/padlock-scan/padlock/report"
	"github.com/padlock-scan/padlock/scan"
)

// hostileDeadline guards each case against a hang: generous enough for the race detector on a
// loaded two-core machine, it is no measure of speed, and running into it fails the test with a
// message that says so.
const hostileDeadline = 2 * time.Minute

// runScan runs scan.Run under hostileDeadline and checks that it ended and returned a report.
func runScan(t *testing.T, opt scan.Options) (*report.Report, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), hostileDeadline)
	defer cancel()
	rep, err := scan.Run(ctx, opt)
	if errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil {
		t.Fatalf("the crawl did not end within %s (a hang guard, not a timing)", hostileDeadline)
	}
	if rep == nil {
		t.Fatalf("scan.Run returned no report (err %v)", err)
	}
	if testing.Verbose() {
		t.Logf("err %v; %d page(s), %d finding(s), stats %+v; errors:%s", err, len(rep.Pages), len(rep.Findings), rep.Stats, dumpErrors(rep))
	}
	return rep, err
}

func writeHTML(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(body))
}

// hasFinding reports whether a finding of rule has a URL containing sub.
func hasFinding(rep *report.Report, rule, sub string) bool {
	for _, f := range rep.Findings {
		if f.Rule == rule && strings.Contains(f.URL, sub) {
			return true
		}
	}
	return false
}

// hasError reports whether an error entry's URL contains urlSub and its text contains textSub.
func hasError(rep *report.Report, urlSub, textSub string) bool {
	for _, e := range rep.Errors {
		if strings.Contains(e.URL, urlSub) && strings.Contains(strings.ToLower(e.Error), textSub) {
			return true
		}
	}
	return false
}

func dumpErrors(rep *report.Report) string {
	var b strings.Builder
	for _, e := range rep.Errors {
		fmt.Fprintf(&b, "\n\t%s: %s", e.URL, e.Error)
	}
	return b.String()
}

// bigPage returns an HTML page of about size bytes: an http image at the top, one just before
// the offset near, filler, and one at the very end.
func bigPage(cdnHTTP string, size, near int) []byte {
	var b bytes.Buffer
	b.Grow(size + 1024)
	b.WriteString("<!doctype html>\n<html><head><title>big</title></head><body>\n")
	fmt.Fprintf(&b, "<img src=\"%s/top.png\" alt=\"\">\n", cdnHTTP)
	filler := "<p class=\"row\">Lorem ipsum dolor sit amet, <b>consectetur</b> adipiscing elit, sed do eiusmod.</p>\n"
	for b.Len() < near {
		b.WriteString(filler)
	}
	fmt.Fprintf(&b, "<img src=\"%s/before-cut.png\" alt=\"\">\n", cdnHTTP)
	for b.Len() < size {
		b.WriteString(filler)
	}
	fmt.Fprintf(&b, "<img src=\"%s/after-cut.png\" alt=\"\">\n</body></html>\n", cdnHTTP)
	return b.Bytes()
}

func TestHostileHugePage(t *testing.T) {
	t.Parallel()
	const size = 20 << 20
	for _, tc := range []struct {
		name    string
		maxBody int64 // 0: the default
		limit   int   // where the crawler cuts the page
	}{
		{"max-body-1MB", 1 << 20, 1 << 20},
		{"default-max-body", 0, crawler.DefaultMaxBody},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var once sync.Once
			var page []byte
			s := sitetest.StartHandler(t, func(s *sitetest.Site, w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/" {
					http.NotFound(w, r)
					return
				}
				once.Do(func() { page = bigPage(s.Vars["cdn_http"], size, tc.limit-4096) })
				w.Header().Set("Content-Length", strconv.Itoa(len(page)))
				writeHTML(w, string(page))
			})
			opt := s.Options()
			opt.Crawl.MaxBody = tc.maxBody
			// Reading 10 MB under the race detector on a loaded machine may take longer than the
			// fixture sites' 5 s; this case is about the cut, not about timeouts.
			opt.Crawl.Timeout = hostileDeadline / 2
			rep, err := runScan(t, opt)
			if err != nil {
				t.Fatalf("scan.Run: %v", err)
			}
			if len(rep.Pages) != 1 || !rep.Pages[0].Truncated {
				t.Fatalf("want one page marked truncated, got %+v", rep.Pages)
			}
			if !hasError(rep, "/", "truncated") {
				t.Errorf("no error entry says the page was truncated:%s", dumpErrors(rep))
			}
			for _, u := range []string{"/top.png", "/before-cut.png"} {
				if !hasFinding(rep, "mixed-content-upgradeable", u) {
					t.Errorf("the reference to %s, before the cut, was not found", u)
				}
			}
			if hasFinding(rep, "mixed-content-upgradeable", "/after-cut.png") {
				t.Error("a reference after the cut was reported: the page was not cut")
			}
		})
	}
}

func TestHostileNeverEndingPage(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	s := sitetest.StartHandler(t, func(s *sitetest.Site, w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			writeHTML(w, `<!doctype html><title>start</title><a href="/slow">slow</a> <img src="`+s.Vars["cdn_http"]+`/fine.png">`)
		case "/slow":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte("<!doctype html><html><body><p>Loading"))
			w.(http.Flusher).Flush()
			select { // hold the response open until the client gives up or the test ends
			case <-r.Context().Done():
			case <-release:
			}
		default:
			http.NotFound(w, r)
		}
	})
	t.Cleanup(func() { close(release) }) // runs before the servers' Close (cleanups are LIFO)
	opt := s.Options()
	// Long enough that a loaded CI machine (the race detector, packages in parallel) still
	// fetches the start page; short enough to keep the test quick.
	opt.Crawl.Timeout = 2 * time.Second
	rep, err := runScan(t, opt)
	if err != nil {
		t.Fatalf("scan.Run: %v", err)
	}
	if !hasError(rep, "/slow", "timeout") {
		t.Errorf("no timeout error entry for /slow:%s", dumpErrors(rep))
	}
	if !hasFinding(rep, "mixed-content-upgradeable", "/fine.png") {
		t.Error("the start page's findings are missing")
	}
}

func TestHostileRedirectLoops(t *testing.T) {
	t.Parallel()
	s := sitetest.StartHandler(t, func(s *sitetest.Site, w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			writeHTML(w, `<!doctype html><title>start</title>
<a href="/loop-a">two-step loop</a>
<a href="/self">redirects to itself</a>
<a href="/chain?n=0">endless chain</a>
<script src="/script-loop.js"></script>`)
		case "/loop-a":
			http.Redirect(w, r, "/loop-b", http.StatusFound)
		case "/loop-b":
			http.Redirect(w, r, s.Vars["tls"]+"/loop-a", http.StatusMovedPermanently)
		case "/self", "/script-loop.js":
			http.Redirect(w, r, r.URL.Path, http.StatusFound)
		case "/chain":
			n, _ := strconv.Atoi(r.URL.Query().Get("n"))
			http.Redirect(w, r, "/chain?n="+strconv.Itoa(n+1), http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	})
	rep, err := runScan(t, s.Options())
	if err != nil {
		t.Fatalf("scan.Run: %v", err)
	}
	for _, c := range []struct{ url, text string }{
		{"/loop-a", "redirect loop"},
		{"/self", "redirect loop"},
		{"/chain?n=0", "redirect"},
	} {
		if !hasError(rep, c.url, c.text) {
			t.Errorf("no %q error entry for %s:%s", c.text, c.url, dumpErrors(rep))
		}
	}
}

// calendar serves /calendar?month=N, which links to month N+1 forever.
func calendar(s *sitetest.Site, w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/calendar" {
		http.NotFound(w, r)
		return
	}
	n, _ := strconv.Atoi(r.URL.Query().Get("month"))
	writeHTML(w, fmt.Sprintf(`<!doctype html><title>month %d</title>
<a href="/calendar?month=%d">next month</a>
<img src="%s/month-%d.png" alt="">`, n, n+1, s.Vars["cdn_http"], n))
}

func TestHostileCalendarTrap(t *testing.T) {
	t.Parallel()
	t.Run("max-pages", func(t *testing.T) {
		t.Parallel()
		s := sitetest.StartHandler(t, calendar)
		opt := s.Options()
		opt.Crawl.StartURLs = []string{s.Vars["tls"] + "/calendar?month=0"}
		opt.Crawl.MaxPages = 25
		rep, err := runScan(t, opt)
		if err != nil {
			t.Fatalf("scan.Run: %v", err)
		}
		if rep.Stats.Pages != 25 || len(rep.Pages) != 25 {
			t.Errorf("crawled %d pages (%d in the report), want --max-pages 25", rep.Stats.Pages, len(rep.Pages))
		}
		if rep.Stats.NotCrawled == 0 {
			t.Error("stats.not_crawled is 0: the next month should be left in the queue")
		}
	})
	t.Run("max-depth", func(t *testing.T) {
		t.Parallel()
		s := sitetest.StartHandler(t, calendar)
		opt := s.Options()
		opt.Crawl.StartURLs = []string{s.Vars["tls"] + "/calendar?month=0"}
		opt.Crawl.MaxDepth = 5
		rep, err := runScan(t, opt)
		if err != nil {
			t.Fatalf("scan.Run: %v", err)
		}
		if len(rep.Pages) != 6 {
			t.Errorf("crawled %d pages, want months 0 to 5 (depth 0 to 5)", len(rep.Pages))
		}
		for _, p := range rep.Pages {
			if p.Depth > 5 {
				t.Errorf("page %s at depth %d, beyond --max-depth 5", p.URL, p.Depth)
			}
		}
		if rep.Stats.Skipped == 0 {
			t.Error("stats.skipped is 0: month 6 is beyond --max-depth")
		}
	})
}

func TestHostileMalformedHTML(t *testing.T) {
	t.Parallel()
	s := sitetest.StartHandler(t, func(s *sitetest.Site, w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		c := s.Vars["cdn_http"]
		page := "<!doctype html>\n<html><head><meta charset=utf-8>\n" +
			"<link rel=stylesheet href=" + c + "/unquoted.css>\n" +
			"</head><body><div><p><b><i>unclosed elements\n" +
			"garbage bytes \x00\x01\xff\xfe\x80\x81 \xc3\x28 and a stray < and > and \" and '\n" +
			"<img src=\"" + c + "/after-garbage.png\" alt='it\"s'>\n" +
			"<img src=" + c + "/unquoted.png alt=x>\n" +
			"<a href=\"" + c + "/stray-quote.html\" \" title=\"x\">link</a>\n" +
			"<img/src=\"" + c + "/slash-separated.png\">\n" +
			"</span></div></section></b>\n" +
			"<table><tr><td><script src=\"" + c + "/in-table.js\"></script></td></tr>\n" +
			"<img src=\"" + c + "/first-wins.png\" src=\"https://cdn.example.com/second.png\">\n" +
			"<<img src=\"" + c + "/double-lt.png\">\n" +
			"<img src=\"" + c + "/unterminated.png\" alt=\"never closed\n" +
			"<p>more text, then the end of the input without closing anything"
		writeHTML(w, page)
	})
	rep, err := runScan(t, s.Options())
	if err != nil {
		t.Fatalf("scan.Run: %v", err)
	}
	for _, c := range []struct{ rule, url string }{
		{"mixed-content-blockable", "/unquoted.css"},
		{"mixed-content-upgradeable", "/after-garbage.png"},
		{"mixed-content-upgradeable", "/unquoted.png"},
		{"insecure-link", "/stray-quote.html"},
		{"mixed-content-upgradeable", "/slash-separated.png"},
		{"mixed-content-blockable", "/in-table.js"},
		{"mixed-content-upgradeable", "/first-wins.png"},
		{"mixed-content-upgradeable", "/double-lt.png"},
	} {
		if !hasFinding(rep, c.rule, c.url) {
			t.Errorf("malformed page: no %s finding for %s", c.rule, c.url)
		}
	}
	// The last img never ends: browsers drop a tag cut by the end of the input.
	if hasFinding(rep, "mixed-content-upgradeable", "/unterminated.png") {
		t.Error("an img tag cut by the end of the input was reported; browsers never see it")
	}
}

func TestHostileCharset(t *testing.T) {
	t.Parallel()
	// "Café" and an http URL with é in its path, in windows-1252: é is the single byte 0xE9.
	body := func(c string, meta bool) string {
		head := ""
		if meta {
			head = `<meta charset="windows-1252">`
		}
		return "<!doctype html>\n<html><head>" + head + "<title>Caf\xe9</title></head>\n" +
			"<body><img src=\"" + c + "/caf\xe9/cr\xe8me.png\" alt=\"\"></body></html>\n"
	}
	for _, tc := range []struct {
		name        string
		contentType string
		meta        bool
	}{
		{"meta-charset", "text/html", true},
		{"header-charset", "text/html; charset=windows-1252", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := sitetest.StartHandler(t, func(s *sitetest.Site, w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/" {
					http.NotFound(w, r)
					return
				}
				w.Header().Set("Content-Type", tc.contentType)
				_, _ = w.Write([]byte(body(s.Vars["cdn_http"], tc.meta)))
			})
			rep, err := runScan(t, s.Options())
			if err != nil {
				t.Fatalf("scan.Run: %v", err)
			}
			want := s.Vars["cdn_http"] + "/caf%C3%A9/cr%C3%A8me.png"
			found := false
			for _, f := range rep.Findings {
				if f.Rule == "mixed-content-upgradeable" {
					found = found || f.URL == want
					if f.URL != want {
						t.Errorf("finding URL %s, want %s (é and è decoded from windows-1252, then percent-encoded as UTF-8)", f.URL, want)
					}
				}
			}
			if !found {
				t.Errorf("no mixed-content-upgradeable finding for %s", want)
			}
			if len(rep.Pages) == 1 && rep.Pages[0].Title != "Café" {
				t.Errorf("title %q, want %q", rep.Pages[0].Title, "Café")
			}
		})
	}
}

func TestHostileUnreachableStart(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	ln.Close() // nothing listens there any more: connections are refused
	guard := &testnet.Guard{}
	var opt scan.Options
	opt.Crawl.StartURLs = []string{"https://" + sitetest.SiteHost + ":" + port + "/"}
	opt.Crawl.Resolve = testnet.Resolve(port, "*")
	opt.Crawl.Timeout = 2 * time.Second
	opt.Crawl.DialContext = guard.Dial
	rep, err := runScan(t, opt)
	if !errors.Is(err, crawler.ErrNoStart) {
		t.Errorf("scan.Run error %v, want crawler.ErrNoStart", err)
	}
	if !hasError(rep, opt.Crawl.StartURLs[0], "") || len(rep.Errors) == 0 {
		t.Errorf("no error entry for the start URL:%s", dumpErrors(rep))
	}
	if len(rep.Findings) != 0 {
		t.Errorf("findings for a site that never answered: %v", rep.Findings)
	}
	if r := guard.Refused(); len(r) > 0 {
		t.Errorf("dialed non-loopback addresses: %v", r)
	}
}

func TestHostileCancelMidCrawl(t *testing.T) {
	t.Parallel()
	s := sitetest.StartHandler(t, calendar)
	opt := s.Options()
	opt.Crawl.StartURLs = []string{s.Vars["tls"] + "/calendar?month=0"}
	opt.Crawl.Concurrency = 1
	ctx, cancel := context.WithTimeout(context.Background(), hostileDeadline)
	defer cancel()
	opt.Progress = func(p scan.Progress) {
		if p.Pages >= 3 {
			cancel() // as Ctrl-C would, after three pages
		}
	}
	rep, err := scan.Run(ctx, opt)
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("the interrupted crawl did not end within %s (a hang guard, not a timing)", hostileDeadline)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("scan.Run error %v, want context.Canceled", err)
	}
	if rep == nil {
		t.Fatal("no report after an interrupted crawl")
	}
	if !rep.Interrupted {
		t.Error("report.interrupted is false")
	}
	if n := len(rep.Pages); n < 3 || n > 10 {
		t.Errorf("the report has %d pages, want the 3 (or a few more in flight) crawled before the interruption", n)
	}
	if !hasFinding(rep, "mixed-content-upgradeable", "/month-0.png") {
		t.Error("the findings of the pages crawled before the interruption are missing")
	}
	if rep.FinishedAt.IsZero() {
		t.Error("finished_at not set on an interrupted report")
	}
}
