package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/internal/redistest"
	"github.com/padlock-scan/padlock/internal/sitetest"
)

// slowShop is a TLS site of n pages in a tree (p0 under /, pI over p3I+1..p3I+3), each with an http: image (a
// finding), each answered after delay; it counts the requests of each path, and the page
// requests being answered.
type slowShop struct {
	srv      *httptest.Server
	caFile   string
	mu       sync.Mutex
	hits     map[string]int
	served   chan string
	inFlight atomic.Int64
}

func newSlowShop(t *testing.T, n int, delay time.Duration) *slowShop {
	s := &slowShop{hits: map[string]int{}, served: make(chan string, 10*n)}
	s.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits[r.URL.Path]++
		s.mu.Unlock()
		i := -1 // "/" is node -1: its one child is p0
		if r.URL.Path != "/" {
			if _, err := fmt.Sscanf(r.URL.Path, "/p%d", &i); err != nil || i >= n {
				http.NotFound(w, r)
				return
			}
		}
		s.inFlight.Add(1)
		defer s.inFlight.Add(-1)
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<title>p%d</title><img src="http://img.shop.test/%d.png">`, i, i)
		for k := 3*i + 1; k <= 3*i+3 && k < n; k++ { // a tree: each page has one parent and one depth
			if k < 0 {
				continue
			}
			fmt.Fprintf(w, `<a href="/p%d">%d</a>`, k, k)
		}
		s.served <- r.URL.Path
	}))
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	t.Cleanup(s.srv.Close)
	s.caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(s.caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *slowShop) twice() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for p, n := range s.hits {
		if n > 1 {
			out = append(out, p)
		}
	}
	return out
}

// buildPadlock builds the binary once per test.
func buildPadlock(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "padlock")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func startWorker(t *testing.T, bin string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(bin, append([]string{"worker"}, args...)...)
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return cmd, &stderr
}

var (
	timesRE    = regexp.MustCompile(`"(started_at|finished_at|fetched)": "[^"]*"`)
	requestsRE = regexp.MustCompile(`"requests": [0-9]+`)
)

// normalReport reads a JSON report with times and the request count normalised.
func normalReport(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b = timesRE.ReplaceAll(b, []byte(`"$1": "T"`))
	b = requestsRE.ReplaceAll(b, []byte(`"requests": N`))
	return string(b)
}

// TestWorkerKilled shares a crawl between this process and two worker processes, kills one
// worker (SIGKILL) while it fetches pages, and checks that the report equals the single-process
// report of the site: the pages it held were fetched again by the others (nothing lost) and
// are in the report once (nothing twice).
func TestWorkerKilled(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	bin := buildPadlock(t)
	const pages = 40
	shop := newSlowShop(t, pages, 100*time.Millisecond)
	dir := t.TempDir()
	// One request at a time here and in worker b (-c is a bound on requests in flight), four
	// in worker a: with three page requests in flight, a is fetching.
	common := []string{"-q", "--ignore-robots", "--check-resources", "none", "--fail-on", "never", "--ca-file", shop.caFile, "-c", "1"}

	single := filepath.Join(dir, "single.json")
	if code, _, stderr := runCLI(t, context.Background(), append(append([]string{"crawl"}, common...), "-o", single, shop.srv.URL+"/")...); code != exitOK {
		t.Fatalf("single-process crawl: exit %d\n%s", code, stderr)
	}
	shop.mu.Lock()
	clear(shop.hits)
	shop.mu.Unlock()
	for len(shop.served) > 0 {
		<-shop.served
	}

	frontier := srv.URL("lease=1s")
	a := exec.Command(bin, "worker", "--frontier", frontier, "--crawl-id", "kill", "-c", "4")
	aErr, err := a.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Process.Kill() })
	joined := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(aErr)
		once := false
		for sc.Scan() {
			if strings.Contains(sc.Text(), "joining crawl") && !once {
				once = true
				close(joined)
			}
		}
	}()
	b, bErr := startWorker(t, bin, "--frontier", frontier, "--crawl-id", "kill", "-c", "1")
	killed := make(chan struct{})
	go func() {
		// Once the first worker has joined and is fetching (more page requests in flight than
		// this process and worker b can make), it dies holding their leases. Waiting for a number
		// of pages served instead (as this test did) killed it, under load, between two calls
		// for jobs or holding only jobs it had not requested: nothing was fetched twice.
		<-joined
		for shop.inFlight.Load() < 3 {
			time.Sleep(time.Millisecond)
		}
		a.Process.Kill()
		close(killed)
	}()
	shared := filepath.Join(dir, "shared.json")
	args := append(append([]string{"crawl"}, common...), "--frontier", frontier, "--crawl-id", "kill", "-o", shared, shop.srv.URL+"/")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if code, _, stderr := runCLI(t, ctx, args...); code != exitOK {
		t.Fatalf("shared crawl: exit %d\n%s", code, stderr)
	}
	if err := b.Wait(); err != nil {
		t.Errorf("the other worker: %v\n%s", err, bErr)
	}
	a.Wait()
	select {
	case <-killed:
	default:
		t.Fatalf("worker a never had a page request in flight: it fetched nothing")
	}
	if twice := shop.twice(); len(twice) == 0 {
		t.Errorf("no page was fetched again: the killed worker held no lease, and the test proves nothing")
	} else {
		t.Logf("fetched again after the kill: %s", strings.Join(twice, " "))
	}
	if got, want := normalReport(t, shared), normalReport(t, single); got != want {
		t.Errorf("the shared crawl's report differs from the single-process one:\n%s", sitetest.LineDiff(want, got))
	}
}

// TestRedisPausedAndRestarted: a Redis that stops answering for a moment (SIGSTOP) holds the
// crawl up, and it finishes complete; a Redis restarted empty fails the crawl with a clear
// error rather than a report that silently lacks pages.
func TestRedisPausedAndRestarted(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	const pages = 30
	shop := newSlowShop(t, pages, 50*time.Millisecond)
	dir := t.TempDir()
	common := []string{"-q", "--ignore-robots", "--check-resources", "none", "--fail-on", "never", "--ca-file", shop.caFile, "-c", "2"}
	single := filepath.Join(dir, "single.json")
	if code, _, stderr := runCLI(t, context.Background(), append(append([]string{"crawl"}, common...), "-o", single, shop.srv.URL+"/")...); code != exitOK {
		t.Fatalf("single-process crawl: exit %d\n%s", code, stderr)
	}
	for len(shop.served) > 0 {
		<-shop.served
	}

	t.Run("paused", func(t *testing.T) {
		go func() {
			for range 5 {
				<-shop.served
			}
			srv.Pause()
			time.Sleep(3 * time.Second) // longer than a lease and than the client's read timeout
			srv.Resume()
		}()
		out := filepath.Join(dir, "paused.json")
		args := append(append([]string{"crawl"}, common...), "--frontier", srv.URL("lease=1s&retry=20s"), "-o", out, shop.srv.URL+"/")
		if code, _, stderr := runCLI(t, context.Background(), args...); code != exitOK {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		if got, want := normalReport(t, out), normalReport(t, single); got != want {
			t.Errorf("after a pause the report differs from the single-process one:\n%s", sitetest.LineDiff(want, got))
		}
	})
	t.Run("restarted", func(t *testing.T) {
		for len(shop.served) > 0 {
			<-shop.served
		}
		go func() {
			for range 5 {
				<-shop.served
			}
			srv.Restart()
		}()
		out := filepath.Join(dir, "restarted.json")
		args := append(append([]string{"crawl"}, common...), "--frontier", srv.URL("lease=1s&retry=20s"), "-o", out, shop.srv.URL+"/")
		code, _, stderr := runCLI(t, context.Background(), args...)
		if code != exitTrouble || !strings.Contains(stderr, "gone from redis") {
			t.Errorf("exit %d, want 2 and the crawl gone from Redis named:\n%s", code, stderr)
		}
	})
}
