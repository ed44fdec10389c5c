package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/internal/redistest"
	"github.com/padlock-scan/padlock/internal/sitetest"
)

var secondsRE = regexp.MustCompile(`"seconds": [0-9.e+-]+`)

// TestFleetShared runs one fleet twice: in one process, then with --frontier beside a worker
// process that serves the fleet's crawls (no --crawl-id). The sites: four small shops, one that
// hangs until the shops' reports are written, one that refuses connections. Every site's report
// and the index (times aside) are the same both ways, and no crawl waited out the idle window.
func TestFleetShared(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	bin := buildPadlock(t)
	dir := t.TempDir()
	var outDir atomic.Value   // the run's -o, which the hanging site watches
	var sharedRun atomic.Bool // the run with --frontier: the hanging site waits for the worker too
	var shops []*httptest.Server
	for i := range 4 {
		s := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			var n int
			switch _, err := fmt.Sscanf(r.URL.Path, "/p%d", &n); {
			case r.URL.Path == "/":
			case err != nil || n >= 12:
				http.NotFound(w, r)
				return
			}
			fmt.Fprintf(w, `<title>shop %d p%d</title><img src="http://img.shop.test/%d.png">`, i, n, n)
			for k := 2*n + 1; k <= 2*n+2 && k < 12; k++ {
				fmt.Fprintf(w, `<a href="/p%d">%d</a>`, k, k)
			}
			if i == 0 && n == 3 {
				fmt.Fprint(w, `<form action="/pay"><input autocomplete="cc-number" name="card"></form><script src="https://cdn.third.test/x.js"></script>`)
			}
		}))
		s.Config.ErrorLog = log.New(io.Discard, "", 0)
		t.Cleanup(s.Close)
		shops = append(shops, s)
	}
	hanging := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for {
			n, _ := filepath.Glob(filepath.Join(outDir.Load().(string), "*", "padlock.json"))
			if len(n) >= len(shops)+1 { // the shops' and the refusing site's
				if !sharedRun.Load() {
					break
				}
				// and the worker took part in the hanging site's crawl (fleet-1): the fleet's
				// crawls are over in a moment, maybe before the worker process is up
				if n, _ := srv.Do("ZCARD", "padlock:{fleet-1}:takers"); n == "2" {
					break
				}
			}
			select {
			case <-r.Context().Done():
				return
			case <-time.After(50 * time.Millisecond):
			}
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
	lines := []string{hanging.URL + "/", refusing + " max-pages=5"}
	for i, s := range shops {
		extra := ""
		if i == 1 {
			// a whole breadth-first level (/, p1, p2): which 4th page a crawl takes depends on
			// which of p1 and p2 answers first, in one process as across two
			extra = " max-pages=3"
		}
		lines = append(lines, s.URL+"/"+extra)
	}
	sites := filepath.Join(dir, "sites.txt")
	os.WriteFile(sites, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
	caFile := writeCA(t, shops[0])
	common := []string{"crawl", "-q", "--sites", sites, "--sites-at-once", "2", "--ignore-robots",
		"--check-resources", "none", "--ca-file", caFile, "-c", "2", "-f", "json"}

	run := func(name string, extra ...string) string {
		out := filepath.Join(dir, name)
		outDir.Store(out)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		code, _, stderr := runCLI(t, ctx, append(append(common, extra...), "-o", out)...)
		if code != exitTrouble {
			t.Fatalf("%s: exit %d, want 2 (the refusing site)\n%s", name, code, stderr)
		}
		return out
	}
	one := run("one")
	frontier := srv.URL("lease=1s")
	w, wErr := startWorker(t, bin, "--frontier", frontier, "--wait", "3s", "-c", "2")
	sharedRun.Store(true)
	shared := run("shared", "--frontier", frontier, "--crawl-id", "fleet")
	if err := w.Wait(); err != nil {
		t.Errorf("worker: %v\n%s", err, wErr)
	}
	if n := strings.Count(wErr.String(), "joining crawl fleet-"); n == 0 {
		t.Errorf("the worker joined no crawl of the fleet:\n%s", wErr)
	}
	// Each site's crawl ended as soon as nothing was queued or leased and every process taking
	// part had found it so ("quiet"), not after the idle window meant for a process killed
	// ("idle"): a small site's crawl would otherwise cost it a lease period.
	for i := range lines {
		id := fmt.Sprintf("fleet-%d", i+1)
		if how, err := srv.Do("GET", "padlock:{"+id+"}:done"); err != nil || how != "quiet" {
			t.Errorf("crawl %s ended %q (%v), want \"quiet\"", id, how, err)
		}
	}

	index := func(out string) string {
		return secondsRE.ReplaceAllString(normalReport(t, filepath.Join(out, "index.json")), `"seconds": S`)
	}
	if got, want := index(shared), index(one); got != want {
		t.Errorf("the shared fleet's index differs from the one-process fleet's:\n%s", sitetest.LineDiff(want, got))
	}
	reports, _ := filepath.Glob(filepath.Join(one, "*", "padlock.json"))
	if len(reports) != len(lines) {
		t.Fatalf("%d reports in the one-process fleet, want %d", len(reports), len(lines))
	}
	for _, r := range reports {
		rel, _ := filepath.Rel(one, r)
		if got, want := normalReport(t, filepath.Join(shared, rel)), normalReport(t, r); got != want {
			t.Errorf("%s differs:\n%s", rel, sitetest.LineDiff(want, got))
		}
	}
}

// TestWatchShared: padlock watch --frontier shares each run's crawl over Redis (crawl ID-TIME),
// which a worker process without --crawl-id serves; the run is recorded with every page.
func TestWatchShared(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	bin := buildPadlock(t)
	const pages = 12
	// Pages slow enough that the worker, polling for open crawls, joins this one while it runs;
	// a worker that waits long enough for it to open, however loaded the machine, and is
	// stopped once the run is over (with a 3s wait it gave up under load before the run began).
	shop := newSlowShop(t, pages, 200*time.Millisecond)
	dir := t.TempDir()
	frontier := srv.URL("lease=1s")
	w, wErr := startWorker(t, bin, "--frontier", frontier, "--wait", "2m", "-c", "2")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code, _, stderr := runCLI(t, ctx, "watch", "--once", "--store", filepath.Join(dir, "h.db"), "--ca-file", shop.caFile,
		"--check-resources", "scripts", "--ignore-robots", "-c", "2", "--frontier", frontier, "--crawl-id", "weekly", shop.srv.URL+"/")
	if code != exitOK {
		t.Fatalf("watch: exit %d\n%s", code, stderr)
	}
	sitetest.Contains(t, "stderr", stderr, "padlock: crawl weekly-", "shared over Redis")
	w.Process.Signal(syscall.SIGTERM) // waiting for the next crawl: stop it (it exits 2, interrupted)
	w.Wait()
	if !strings.Contains(wErr.String(), "joining crawl weekly-") {
		t.Errorf("the worker did not join the watch's crawl:\n%s", wErr)
	}
	// One http: image a page: the findings count the pages.
	code, stdout, stderr := runCLI(t, ctx, "history", "--store", filepath.Join(dir, "h.db"))
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if f := strings.Fields(lines[len(lines)-1]); code != exitOK || len(lines) != 2 || len(f) < 9 || f[5] != "ok" || f[8] != fmt.Sprint(pages+1) {
		t.Errorf("history: exit %d, want one ok run with %d findings:\n%s%s", code, pages+1, stdout, stderr)
	}
}
