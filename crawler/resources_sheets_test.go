package crawler

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"hash/maphash"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// sheetSite is a site of n pages, each linking the shared /main.css, two stylesheets of its
// own URL (/s.css?v=i and the next page's), each of which names images of its own and imports
// another sheet of its own, and a sheet of its own that answers 404: a cache-busting query on
// every page.
func sheetSite(n int, h *hits) *httptest.Server {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.add(r)
		v := r.URL.Query().Get("v")
		switch {
		case r.URL.Path == "/":
			w.Header().Set("Content-Type", "text/html")
			for i := range n {
				fmt.Fprintf(w, `<a href="/p/%d">%d</a>`, i, i)
			}
		case strings.HasPrefix(r.URL.Path, "/p/"):
			var i int
			fmt.Sscanf(r.URL.Path, "/p/%d", &i)
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<link rel="stylesheet" href="/main.css"><link rel="stylesheet" href="/s.css?v=%d"><link rel="stylesheet" href="/s.css?v=%d"><link rel="stylesheet" href="/gone.css?v=%d">`, i, (i+1)%n, i)
		case r.URL.Path == "/main.css":
			w.Header().Set("Content-Type", "text/css")
			fmt.Fprint(w, "body{background:url(/bg.png)}")
		case r.URL.Path == "/s.css":
			w.Header().Set("Content-Type", "text/css")
			w.Header().Set("X-Sheet", v)
			fmt.Fprintf(w, "@import url(/imp.css?v=%s);\n.a{background:url(/img/%s-a.png)}\n.b{background:url(http://plain.test/%s-b.png)}\n.c{cursor:url(/img/%s-c.cur),auto}", v, v, v, v)
		case r.URL.Path == "/imp.css":
			w.Header().Set("Content-Type", "text/css")
			fmt.Fprintf(w, "@font-face{src:url(/fonts/%s.woff2)}", v)
		default:
			http.NotFound(w, r)
		}
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the TLS probes' refused handshakes
	srv.StartTLS()
	return srv
}

// A site that links another stylesheet URL from every page (a cache-busting query) had every
// sheet's references kept in memory for the rest of the crawl: 45 KB a page, 1.4 GB for a
// 30,000-page site (issue 13). Past maxSheetRefs, sheets go to a temporary file and are read
// back when another page links them: every page's references and their sheets' answers are
// those of a crawl that keeps every sheet in memory, each sheet is requested once, and nothing
// is left in the temporary folder. Not parallel: it sets maxSheetRefs and TMPDIR.
func TestSheetsPastTheBoundGoToDisk(t *testing.T) {
	const n = 40
	crawlWith := func(limit int) ([]*Page, *hits) {
		old := maxSheetRefs
		maxSheetRefs = limit
		defer func() { maxSheetRefs = old }()
		var h hits
		site := sheetSite(n, &h)
		defer site.Close()
		pool := x509.NewCertPool()
		pool.AddCert(site.Certificate())
		pages, _ := crawlAll(t, &Config{StartURLs: []string{site.URL + "/"}, RootCAs: pool, IgnoreRobots: true, Concurrency: 4, CheckResources: CheckNone})
		return pages, &h
	}
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	before := sheetsSpilled.Load()
	inMemory, _ := crawlWith(1 << 30)
	if got := sheetsSpilled.Load() - before; got != 0 {
		t.Fatalf("%d sheets written to disk with room for all", got)
	}
	spilled, h := crawlWith(12)
	// 3n sheets of their own (s.css twice linked, imp.css, the 404s) and main.css: all but the
	// first few go to disk, the failed ones too.
	if got := sheetsSpilled.Load() - before; got < 3*n-10 {
		t.Errorf("%d sheets written to disk, want nearly all of the %d", got, 3*n)
	}
	if len(inMemory) != n+1 || len(spilled) != n+1 {
		t.Fatalf("%d and %d pages, want %d", len(inMemory), len(spilled), n+1)
	}
	// The two sites listen on other ports: compare the references with the port taken out.
	norm := func(p *Page) string {
		b, err := json.Marshal(p.Resources)
		if err != nil {
			t.Fatal(err)
		}
		host := strings.TrimPrefix(p.URL[:strings.Index(p.URL[len("https://"):], "/")+len("https://")], "https://")
		return strings.ReplaceAll(string(b), host, "SITE")
	}
	for i := range inMemory {
		if a, b := norm(inMemory[i]), norm(spilled[i]); a != b {
			t.Errorf("%s: references differ when the sheets spill:\n in memory: %s\n spilled:   %s", spilled[i].URL, a, b)
		}
		if strings.Contains(spilled[i].URL, "/p/") && len(spilled[i].Resources) < 12 {
			t.Errorf("%s: %d references, want the three sheets and what they name", spilled[i].URL, len(spilled[i].Resources))
		}
	}
	for k, c := range h.all() {
		if strings.Contains(k, ".css") && c != 1 {
			t.Errorf("%s requested %d times, want once", k, c)
		}
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("left in the temporary folder: %v", left)
	}
}

// settle keeps sheets in memory up to the bound (a sheet counting its references and one
// more), then writes them to the file: the entry read back is the one written (its fetch
// with headers and redirects, its references, what was cut), and a released file answers
// with a sheet that failed, not a panic.
func TestSheetSettleAndReadBack(t *testing.T) {
	old := maxSheetRefs
	maxSheetRefs = 8
	defer func() { maxSheetRefs = old }()
	t.Setenv("TMPDIR", t.TempDir())
	rc := &resourceCache{seed: maphash.MakeSeed()}
	mk := func(i, refs int) *sheetEntry {
		e := rc.sheetFor(fmt.Sprintf("https://shop.test/s.css?v=%d", i))
		e.once.Do(func() {
			e.fetch = &Fetch{URL: fmt.Sprintf("https://shop.test/s.css?v=%d", i), Method: "GET", Status: 200, ContentType: "text/css",
				Header: http.Header{"X-Sheet": {fmt.Sprint(i)}}, Redirects: []Hop{{From: "http://shop.test/s.css", To: "https://shop.test/s.css", Status: 301, Via: "http"}}}
			for k := range refs {
				e.refs = append(e.refs, Resource{URL: fmt.Sprintf("https://shop.test/img/%d-%d.png", i, k), Element: "background-image", Attribute: "url",
					Kind: KindImage, Line: k + 1, Source: SourceCSS, Stylesheet: e.fetch.URL})
			}
			e.cut = i
			rc.settle(fmt.Sprintf("https://shop.test/s.css?v=%d", i), e)
		})
		return e
	}
	var written []*sheetEntry
	for i := range 6 {
		written = append(written, mk(i, 3)) // 4 each: two fit in 8
	}
	if len(rc.sheets) != 2 || rc.spilled.Len() != 4 {
		t.Fatalf("%d sheets in memory, %d on disk; want 2 and 4", len(rc.sheets), rc.spilled.Len())
	}
	for i, w := range written {
		got := rc.sheetFor(fmt.Sprintf("https://shop.test/s.css?v=%d", i))
		if !reflect.DeepEqual(got.fetch, w.fetch) || !reflect.DeepEqual(got.refs, w.refs) || got.cut != w.cut {
			t.Errorf("sheet %d read back as %+v %+v %d, want %+v %+v %d", i, got.fetch, got.refs, got.cut, w.fetch, w.refs, w.cut)
		}
	}
	// A sheet on disk that pages keep linking is read once: the next read is the same entry.
	if a, b := rc.sheetFor("https://shop.test/s.css?v=5"), rc.sheetFor("https://shop.test/s.css?v=5"); a != b {
		t.Error("a sheet read back is read again for the next page")
	}
	// A record that does not decode, and a file already released: a sheet that failed.
	rc.mu.Lock()
	bad, _ := rc.sheetFile.add("padlock-sheets-*", []byte{200, 1, 2})
	sp, ok := rc.sheetFile.span(bad)
	rc.mu.Unlock()
	rc.release()
	_, released := rc.sheetFile.span(0)
	badRecord, _ := readSheet(sp, ok)
	afterRelease, _ := readSheet(recordSpan{}, released)
	for name, e := range map[string]*sheetEntry{"bad record": badRecord, "released": afterRelease} {
		if e.fetch == nil || !strings.Contains(e.fetch.Err, "could not read this stylesheet back") || len(e.refs) != 0 {
			t.Errorf("%s: %+v, want a sheet that failed", name, e)
		}
	}
}

// A record written before the file stopped taking writes (a full disk) still reads back: its
// end was taken from the next record's offset, -1 for one not written, and the read panicked
// on a negative length.
func TestRecordFileReadsBackAfterAFailedWrite(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("makes the file read-only through /proc/self/fd")
	}
	t.Setenv("TMPDIR", t.TempDir())
	var rf recordFile
	defer rf.release()
	first, ok := rf.add("padlock-test-*", []byte("first record"))
	if !ok {
		t.Fatal("first record not written")
	}
	ro, err := os.Open(fmt.Sprintf("/proc/self/fd/%d", rf.file.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	rf.file.Close()
	rf.file = ro // writes fail from here on
	second, ok := rf.add("padlock-test-*", []byte("second"))
	if ok {
		t.Fatal("a write to a read-only file succeeded")
	}
	sp, _ := rf.span(first)
	if b, err := sp.read(); err != nil || string(b) != "first record" {
		t.Errorf("first record read back as %q, %v", b, err)
	}
	if sp, ok := rf.span(second); !ok || sp.off != -1 {
		t.Errorf("the record not written has span %+v, %v; want offset -1", sp, ok)
	}
}
