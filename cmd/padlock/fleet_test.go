package main

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestFleet crawls 20 loopback sites as separate audits, two at a time: 18 small shops, one
// that hangs until every other site's report is written (it would hang for ever if it held the
// others back), and one that refuses connections. Each site gets its reports and a line in the
// index; the refusing one is an error there, and the run exits 2.
func TestFleet(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "reports")
	var good []*httptest.Server
	for i := range 18 {
		srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			switch r.URL.Path {
			case "/":
				fmt.Fprintf(w, `<title>shop %d</title><a href="/a">a</a><a href="/b">b</a>`, i)
			case "/a":
				fmt.Fprint(w, `<img src="http://img.shop.test/a.png">`)
			case "/b":
				if i == 0 {
					fmt.Fprint(w, `<form action="/pay"><input autocomplete="cc-number" name="card"></form><script src="https://cdn.third.test/x.js"></script>`)
				}
			default:
				http.NotFound(w, r)
			}
		}))
		srv.Config.ErrorLog = log.New(io.Discard, "", 0) // padlock's TLS probes make the server log refusals
		t.Cleanup(srv.Close)
		good = append(good, srv)
	}
	var released atomic.Bool
	hanging := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for !released.Load() {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
			n, _ := filepath.Glob(filepath.Join(out, "*", "padlock.json"))
			released.Store(len(n) >= len(good))
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<title>slow</title>`)
	}))
	hanging.Config.ErrorLog = log.New(io.Discard, "", 0)
	t.Cleanup(hanging.Close)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusing := "https://" + l.Addr().String() + "/"
	l.Close()

	caFile := writeCA(t, good[0])
	var lines []string
	lines = append(lines, "# the fleet", hanging.URL+"/ timeout=2m", refusing+" max-pages=5")
	for i, s := range good {
		extra := ""
		if i == 1 {
			extra = ` max-pages=2 exclude=/b header="X-Fleet: one"`
		}
		lines = append(lines, s.URL+"/"+extra)
	}
	sites := filepath.Join(dir, "sites.txt")
	os.WriteFile(sites, []byte(strings.Join(lines, "\n")+"\n"), 0o600)

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	code, _, stderr := runCLI(t, ctx, "crawl", "-q", "--sites", sites, "--sites-at-once", "2", "--ignore-robots",
		"--check-resources", "none", "--ca-file", caFile, "-f", "json", "-f", "html", "-o", out)
	if code != exitTrouble {
		t.Errorf("exit %d, want 2 (a site could not be crawled)\n%s", code, stderr)
	}
	var idx fleetIndex
	b, err := os.ReadFile(filepath.Join(out, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		t.Fatal(err)
	}
	if len(idx.Sites) != 20 {
		t.Fatalf("%d sites in the index, want 20", len(idx.Sites))
	}
	if e := idx.Sites[0]; e.Failed != "" || e.Pages != 1 || !released.Load() {
		t.Errorf("the hanging site: %+v", e)
	}
	if e := idx.Sites[1]; e.Failed == "" || e.Gate != "error" || !strings.Contains(e.Failed, "no start URL") {
		t.Errorf("the refusing site: %+v", e)
	}
	for i, e := range idx.Sites[2:] {
		want := 3
		if i == 1 {
			want = 2 // max-pages=2 exclude=/b
		}
		if e.Failed != "" || e.Pages != want || e.Report == "" || e.Findings["warning"]+e.Findings["error"] == 0 {
			t.Errorf("site %d: %+v, want %d pages and findings", i, e, want)
		}
		if _, err := os.Stat(filepath.Join(out, e.Report)); err != nil {
			t.Errorf("site %d: %v", i, err)
		}
	}
	if e := idx.Sites[2]; e.PaymentPages != 1 {
		t.Errorf("the shop with a card form: %d payment pages, want 1", e.PaymentPages)
	}
	html, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil || !strings.Contains(string(html), good[5].URL) {
		t.Errorf("index.html does not list the sites: %v", err)
	}
}

// TestSitesFileErrors: a bad line is named by file and line.
func TestSitesFileErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, c := range []struct{ text, want string }{
		{"https://a.test/\nhttps://b.test/ max-pages=lots\n", ":2: max-pages=\"lots\": want a whole number"},
		{"https://a.test/ bogus=1\n", `:1: "bogus" is not a setting a site can have`},
		{"https://a.test/ output=x\n", `:1: "output" is not a setting a site can have`},
		{"\n\nhttps://a.test/ header=\"X: a\n", ":3: a quote is not closed"},
		{"max-pages=3 https://a.test/\n", ":1: the line starts with"},
		{"https://a.test/ \"=\" x\n", `:1: "\"=\"": want key=value, the key a setting's name`},
		{"https://a.test/ check-resources=some\n", ":1: check-resources="},
		{"ftp://a.test/\n", ":1:"},
		{"# nothing\n", "no site in it"},
	} {
		f := filepath.Join(dir, "sites.txt")
		os.WriteFile(f, []byte(c.text), 0o600)
		code, _, stderr := runCLI(t, context.Background(), "crawl", "--sites", f, "-o", dir)
		if code != exitTrouble || !strings.Contains(stderr, "sites.txt"+c.want) && !strings.Contains(stderr, c.want) {
			t.Errorf("%q: exit %d, stderr %q; want 2 and %q", c.text, code, stderr, c.want)
		}
	}
}

// FuzzSitesFile: parsing a --sites file never panics, and what it reads, written back, reads
// the same.
func FuzzSitesFile(f *testing.F) {
	f.Add([]byte("https://a.test/ max-pages=50 render=auto\n# c\n\nhttps://b.test/ header=\"X-T: a b\" no-follow\n"))
	f.Add([]byte("https://a.test/ x=\"\\\"q\\\"\"\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lines, err := parseSites("f", data)
		if err != nil {
			return
		}
		var b strings.Builder
		for _, l := range lines {
			b.WriteString(l.format() + "\n")
		}
		again, err := parseSites("f", []byte(b.String()))
		if err != nil {
			t.Fatalf("written back %q, it does not read: %v", b.String(), err)
		}
		for i := range lines {
			lines[i].line, again[i].line = 0, 0
		}
		if !reflect.DeepEqual(lines, again) {
			t.Fatalf("read %#v, written back and read %#v", lines, again)
		}
	})
}

func writeCA(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return ca
}

// BenchmarkFleet crawls a fleet of 200 small loopback sites (3 pages each, --check-resources
// none), 8 at a time, and reports sites/s.
//
//	go test ./cmd/padlock -run '^$' -bench Fleet -benchtime 1x
func BenchmarkFleet(b *testing.B) {
	const n = 200
	var lines []string
	var first *httptest.Server
	for i := range n {
		srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			switch r.URL.Path {
			case "/":
				fmt.Fprintf(w, `<title>shop %d</title><a href="/a">a</a><a href="/b">b</a>`, i)
			case "/a", "/b":
				fmt.Fprint(w, `<img src="http://img.shop.test/a.png"><script src="https://cdn.third.test/x.js"></script>`)
			default:
				http.NotFound(w, r)
			}
		}))
		srv.Config.ErrorLog = log.New(io.Discard, "", 0)
		b.Cleanup(srv.Close)
		if first == nil {
			first = srv
		}
		lines = append(lines, srv.URL+"/")
	}
	dir := b.TempDir()
	sites := filepath.Join(dir, "sites.txt")
	os.WriteFile(sites, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
	ca := filepath.Join(dir, "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: first.Certificate().Raw}), 0o600)
	for i := 0; i < b.N; i++ {
		out := filepath.Join(dir, fmt.Sprint("out", i))
		start := time.Now()
		var stdout, stderr strings.Builder
		code := runWith(context.Background(), []string{"padlock", "crawl", "-q", "--sites", sites, "--sites-at-once", "8",
			"--ignore-robots", "--check-resources", "none", "--fail-on", "never", "--ca-file", ca, "-o", out}, noEnv, &stdout, &stderr)
		if code != exitOK {
			b.Fatalf("exit %d: %s", code, stderr.String())
		}
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "sites/s")
	}
}
