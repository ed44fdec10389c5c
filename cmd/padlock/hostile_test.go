//go:build linux

package main

// Hostile sites against the real binary, at the default settings, each under a memory limit:
// the run must end, write a report that matches the schema, and stay under hostileRSS of
// resident memory. Every site here took padlock down with out-of-memory (or held it for hours)
// before the crawler was hardened; the data is sized to blow the bound without the fixes yet
// keep each case to a few seconds.

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/report/schema"
)

const (
	// hostileRSS is the peak resident memory a crawl of one hostile site may reach.
	hostileRSS = 300 << 20
	// hostileVM is the address space the child gets (ulimit -v): far above what padlock needs,
	// low enough that a regression dies quickly rather than taking the machine's memory.
	hostileVM = 4 << 30
	// hostileDeadline only guards against a hang; it is no measure of speed (the race detector
	// on a loaded two-core machine is slow).
	hostileDeadline = 3 * time.Minute
)

// hostileReport is what these tests read of a report.
type hostileReport struct {
	Interrupted bool
	Stats       struct{ Pages, Resources int }
	Pages       []struct {
		URL       string
		Truncated bool
		Resources []struct {
			URL, Kind, Error string
			Count            int
		}
	}
	Errors []struct{ URL, Error string }
}

// peakMemoryLine is the summary's line giving padlock's peak resident memory.
var peakMemoryLine = regexp.MustCompile(`(?m)^padlock: peak memory (\d+) MB$`)

// hostileRun is one run of the binary.
type hostileRun struct {
	code   int
	stderr string
	rss    int64 // peak resident set size, bytes
	rep    hostileReport
}

// runHostile crawls url with the binary at its defaults (plus args), under the memory limit,
// and checks the run ended, wrote a valid report and kept under hostileRSS. signal, when set,
// is called with the running process (to interrupt it).
func runHostile(t *testing.T, bin, url string, signal func(*os.Process), args ...string) hostileRun {
	t.Helper()
	out := filepath.Join(t.TempDir(), "r.json")
	ctx, cancel := context.WithTimeout(context.Background(), hostileDeadline)
	defer cancel()
	argv := append([]string{"crawl", "-o", out}, args...) // not -q: the summary says the peak memory
	argv = append(argv, url)
	// exec keeps the PID: the signal and the resource usage are padlock's own.
	cmd := exec.CommandContext(ctx, "/bin/sh", append([]string{"-c", fmt.Sprintf(`ulimit -v %d && exec "$0" "$@"`, hostileVM>>10), bin}, argv...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if signal != nil {
		signal(cmd.Process)
	}
	err := cmd.Wait()
	if ctx.Err() != nil {
		t.Fatalf("padlock %s did not end within %s (a hang guard, not a timing): killed", strings.Join(argv, " "), hostileDeadline)
	}
	run := hostileRun{stderr: stderr.String()}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	run.code = cmd.ProcessState.ExitCode()
	// padlock's own peak (VmHWM of its memory map), from its summary. The rusage of the child is
	// the fallback only (a run that died before its summary): Linux carries the peak of the
	// process that started it, this test, over exec into its maxrss, so a test that read a
	// large report made every later run look as large.
	if m := peakMemoryLine.FindStringSubmatch(run.stderr); m != nil {
		mb, _ := strconv.ParseInt(m[1], 10, 64)
		run.rss = mb << 20
	} else if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		run.rss = ru.Maxrss << 10 // kilobytes on Linux
	}
	t.Logf("exit %d, peak RSS %d MB", run.code, run.rss>>20)
	if run.rss > hostileRSS {
		t.Errorf("peak RSS %d MB, want under %d MB", run.rss>>20, hostileRSS>>20)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("no report written (exit %d): %v\nstderr:\n%s", run.code, err, tail(run.stderr))
	}
	if err := schema.Validate(data); err != nil {
		t.Errorf("the report does not match the schema: %v", err)
	}
	if err := json.Unmarshal(data, &run.rep); err != nil {
		t.Fatal(err)
	}
	return run
}

// tail is the end of a long text, for failure messages.
func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}

// hostileBinary builds padlock once per test run of the parent test.
func hostileBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "padlock")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// hostileSite serves the routes (path -> handler) mk makes from the site's URL on loopback
// until the test ends; other paths are 404.
func hostileSite(t *testing.T, mk func(url string) map[string]http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	url := "http://" + srv.Listener.Addr().String()
	routes := mk(url)
	srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h, ok := routes[r.URL.Path]; ok {
			h(w, r)
			return
		}
		http.NotFound(w, r)
	})
	srv.Start()
	t.Cleanup(srv.Close)
	return url
}

func page(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(body))
	}
}

// gzipBomb is some 500 KB of gzip that inflates to 512 MB, made once.
var gzipBomb = sync.OnceValue(func() []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	zeros := make([]byte, 1<<20)
	for range 512 {
		zw.Write(zeros)
	}
	zw.Close()
	return b.Bytes()
})

func TestHostileSitesUnderAMemoryBound(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary and crawls hostile sites")
	}
	bin := hostileBinary(t)

	// A.1: error pages and pages whose body inflates far past --max-body.
	t.Run("compressed-error-pages", func(t *testing.T) {
		bomb := gzipBomb()
		serve := func(ct, enc string, status int) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", ct)
				if enc != "" {
					w.Header().Set("Content-Encoding", enc)
				}
				w.WriteHeader(status)
				w.Write(bomb)
			}
		}
		url := hostileSite(t, func(string) map[string]http.HandlerFunc {
			return map[string]http.HandlerFunc{
				"/": page(`<a href="/gone">a</a> <a href="/x-gzip">b</a> <a href="/sitemap-1.xml.gz">c</a> <a href="/page">d</a>
<link rel=stylesheet href="/s.css"><script src="/a.js"></script>`),
				"/gone":             serve("application/gzip", "", 404),
				"/x-gzip":           serve("text/plain", "x-gzip", 500),
				"/sitemap-1.xml.gz": serve("application/octet-stream", "", 404),
				"/page":             serve("text/html", "x-gzip", 200),
				"/s.css":            serve("text/css", "x-gzip", 200),
				"/a.js":             serve("text/javascript", "x-gzip", 404),
				"/sitemap.xml":      serve("application/xml", "x-gzip", 200),
				"/robots.txt":       serve("text/plain", "x-gzip", 200),
			}
		})
		run := runHostile(t, bin, url+"/", nil)
		truncated := false
		for _, p := range run.rep.Pages {
			truncated = truncated || strings.HasSuffix(p.URL, "/page") && p.Truncated
		}
		if !truncated {
			t.Errorf("the x-gzip page is not reported cut at --max-body: %+v", run.rep.Pages)
		}
	})

	// A.2: one page, 200,000 srcset candidates (2,000 images, each named 100 times: enough for
	// a goroutine per candidate to blow the bound, few enough requests to keep the case short),
	// and Ctrl-C while their checks run.
	t.Run("srcset-candidates-interrupted", func(t *testing.T) {
		var b strings.Builder
		b.WriteString(`<!doctype html><img src=/a.png srcset="`)
		for i := range 200000 {
			fmt.Fprintf(&b, "/i%d.png %dw, ", i%2000, i+1)
		}
		b.WriteString(`/last.png 1x">`)
		checking := make(chan struct{})
		var once sync.Once
		url := hostileSite(t, func(string) map[string]http.HandlerFunc {
			routes := map[string]http.HandlerFunc{"/": page(b.String())}
			for i := range 2000 {
				routes[fmt.Sprintf("/i%d.png", i)] = func(w http.ResponseWriter, r *http.Request) {
					if i == 1000 {
						once.Do(func() { close(checking) })
					}
					w.Header().Set("Content-Type", "image/png")
				}
			}
			return routes
		})
		run := runHostile(t, bin, url+"/", func(p *os.Process) {
			select {
			case <-checking:
			case <-time.After(hostileDeadline / 2):
				t.Error("the checks never reached the 1000th image")
			}
			p.Signal(os.Interrupt)
		})
		if run.code != exitTrouble || !run.rep.Interrupted || len(run.rep.Pages) != 1 {
			t.Fatalf("exit %d, interrupted %v, %d page(s): want exit 2 and the page in an interrupted report", run.code, run.rep.Interrupted, len(run.rep.Pages))
		}
		var candidates int
		for _, r := range run.rep.Pages[0].Resources {
			candidates += max(r.Count, 1)
		}
		if n := len(run.rep.Pages[0].Resources); n != 2002 || candidates != 200002 {
			t.Errorf("%d references for %d uses, want 2002 (each image once) for 200002", n, candidates)
		}
	})

	// A.3: 2,000 links to one stylesheet with 20,000 url()s.
	t.Run("one-sheet-linked-2000-times", func(t *testing.T) {
		var css strings.Builder
		for range 20000 {
			css.WriteString(".a{background:url(/bg.png)}\n")
		}
		html := strings.Repeat(`<link rel=stylesheet href="/s.css">`+"\n", 2000)
		url := hostileSite(t, func(string) map[string]http.HandlerFunc {
			return map[string]http.HandlerFunc{
				"/": page(html),
				"/s.css": func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "text/css")
					w.Write([]byte(css.String()))
				},
			}
		})
		run := runHostile(t, bin, url+"/", nil)
		counts := map[string]int{}
		for _, p := range run.rep.Pages {
			for _, r := range p.Resources {
				counts[r.URL] += max(r.Count, 1)
				if r.Count == 0 {
					counts[r.URL+" listed"]++
				}
			}
		}
		if counts[url+"/s.css"] != 2000 || counts[url+"/bg.png"] != 20000 || run.rep.Stats.Resources != 2 {
			t.Errorf("want the sheet once (count 2000) and its image once (count 20000); stats.resources %d, counts %v", run.rep.Stats.Resources, counts)
		}
	})

	// A.6: every page links a stylesheet URL of its own (a cache-busting query), each sheet
	// naming 400 images of its own: every sheet's references stayed in memory for the rest of
	// the crawl (448 MB here); past a bound they go to a temporary file (62 MB).
	t.Run("a-stylesheet-url-per-page", func(t *testing.T) {
		const pages = 1500
		url := hostileSite(t, func(string) map[string]http.HandlerFunc {
			return map[string]http.HandlerFunc{
				"/": func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "text/html")
					i, _ := strconv.Atoi(r.URL.Query().Get("p"))
					fmt.Fprintf(w, `<link rel=stylesheet href="/s.css?v=%d">`, i)
					for k := 1; k <= 2; k++ {
						if j := 2*i + k; j < pages {
							fmt.Fprintf(w, `<a href="/?p=%d">next</a>`, j)
						}
					}
				},
				"/s.css": func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "text/css")
					v := r.URL.Query().Get("v")
					for k := range 400 {
						fmt.Fprintf(w, ".i%d{background:url(/img/%s/%d.png)}\n", k, v, k)
					}
				},
			}
		})
		run := runHostile(t, bin, url+"/?p=0", nil, "--check-resources", "none")
		if len(run.rep.Pages) != pages {
			t.Fatalf("%d pages, want %d", len(run.rep.Pages), pages)
		}
		for _, p := range run.rep.Pages {
			_, v, _ := strings.Cut(p.URL, "?p=")
			images := 0
			for _, r := range p.Resources {
				if strings.Contains(r.URL, "/img/"+v+"/") {
					images++
				}
			}
			if images != 400 {
				t.Fatalf("%s: %d images of its sheet, want 400", p.URL, images)
			}
		}
	})

	// A.4: eight pages, each 10 MB of one link (cut at --max-body).
	t.Run("repeated-links", func(t *testing.T) {
		big := []byte(strings.Repeat(`<a href="/same">same</a>`+"\n", (11<<20)/25))
		routes := map[string]http.HandlerFunc{"/same": page("<p>same</p>")}
		var start strings.Builder
		for i := range 8 {
			fmt.Fprintf(&start, `<a href="/big%d">%d</a>`, i, i)
			routes["/big"+strconv.Itoa(i)] = func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.Write(big)
			}
		}
		routes["/"] = page(start.String())
		url := hostileSite(t, func(string) map[string]http.HandlerFunc { return routes })
		run := runHostile(t, bin, url+"/", nil)
		if run.rep.Stats.Pages != 10 {
			t.Errorf("crawled %d pages, want the start page, eight big ones and /same", run.rep.Stats.Pages)
		}
		for _, p := range run.rep.Pages {
			if strings.Contains(p.URL, "/big") && (len(p.Resources) != 1 || !p.Truncated) {
				t.Errorf("%s: %d references (truncated %v), want one link with a count, cut at --max-body", p.URL, len(p.Resources), p.Truncated)
			}
		}
	})

	// A.5: a sitemap index of 1,000 sitemaps that never answer; Ctrl-C once discovery is held.
	t.Run("slow-sitemaps-interrupted", func(t *testing.T) {
		held := make(chan struct{}, 1)
		slow := func(w http.ResponseWriter, r *http.Request) {
			select {
			case held <- struct{}{}:
			default:
			}
			<-r.Context().Done()
		}
		url := hostileSite(t, func(url string) map[string]http.HandlerFunc {
			routes := map[string]http.HandlerFunc{"/": page(`<p>one page</p>`)}
			var index strings.Builder
			index.WriteString("<sitemapindex>")
			for i := range 1000 {
				fmt.Fprintf(&index, "<sitemap><loc>%s/s/%d.xml</loc></sitemap>", url, i)
				routes[fmt.Sprintf("/s/%d.xml", i)] = slow
			}
			index.WriteString("</sitemapindex>")
			routes["/robots.txt"] = func(w http.ResponseWriter, r *http.Request) { fmt.Fprintf(w, "Sitemap: %s/index.xml\n", url) }
			routes["/index.xml"] = func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(index.String())) }
			routes["/sitemap.xml"] = slow
			return routes
		})
		run := runHostile(t, bin, url+"/", func(p *os.Process) {
			select {
			case <-held:
			case <-time.After(hostileDeadline / 2):
				t.Error("discovery never reached the slow sitemaps")
			}
			p.Signal(os.Interrupt)
		})
		if run.code != exitTrouble || !run.rep.Interrupted || run.rep.Stats.Pages != 1 {
			t.Errorf("exit %d, interrupted %v, %d page(s): want exit 2 and the start page in an interrupted report", run.code, run.rep.Interrupted, run.rep.Stats.Pages)
		}
		if strings.Contains(run.stderr, "context canceled") || hasReportError(run.rep, "context canceled") {
			t.Errorf("the interruption is reported as errors: %+v\n%s", run.rep.Errors, tail(run.stderr))
		}
	})

	// A.7 and A.9: a script hidden by a control character, a reference to the metadata endpoint.
	t.Run("hidden-script-and-refused-reference", func(t *testing.T) {
		url := hostileSite(t, func(string) map[string]http.HandlerFunc {
			return map[string]http.HandlerFunc{
				"/": page(`<script src="/js/a&#x1;.js"></script><img src="http://169.254.169.254/latest/meta-data/">`),
			}
		})
		run := runHostile(t, bin, url+"/", nil)
		var script, refused bool
		for _, p := range run.rep.Pages {
			for _, r := range p.Resources {
				script = script || r.URL == url+"/js/a%01.js" && r.Kind == "script"
				refused = refused || strings.HasPrefix(r.URL, "http://169.254.169.254/") && strings.Contains(r.Error, "non-public address")
			}
		}
		if !script {
			t.Errorf("the script at /js/a%%01.js is missing: %+v", run.rep.Pages)
		}
		if !refused {
			t.Errorf("the metadata endpoint's refusal is not recorded on its resource: %+v", run.rep.Pages)
		}
	})
}

// hasReportError reports whether an error entry's text contains sub.
func hasReportError(rep hostileReport, sub string) bool {
	for _, e := range rep.Errors {
		if strings.Contains(e.Error, sub) {
			return true
		}
	}
	return false
}
