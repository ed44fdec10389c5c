package main

import (
	"context"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestGateFailsOnPagesItCouldNotCheck: a payment page the baseline knows that answers 500 on
// the preview fails the gate even though no finding is new; another failing page only with
// --fail-on-crawl-errors.
func TestGateFailsOnPagesItCouldNotCheck(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	down := map[string]bool{}
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		fail := down[r.URL.Path]
		mu.Unlock()
		if fail {
			http.Error(w, "boom", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Strict-Transport-Security", "max-age=63072000")
		switch r.URL.Path {
		case "/":
			io.WriteString(w, `<title>home</title><a href="/checkout">pay</a> <a href="/blog">blog</a>`)
		case "/checkout":
			io.WriteString(w, `<title>pay</title><form><input name="cc" autocomplete="cc-number"></form>`)
		case "/blog":
			io.WriteString(w, `<title>blog</title>`)
		default:
			http.NotFound(w, r)
		}
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(dir, "base.json")
	crawl := func(extra ...string) (int, string) {
		args := append([]string{"crawl", "--ca-file", ca, "--ignore-robots", "-q", "--check-resources", "none", "-o", filepath.Join(dir, "cur.json")}, extra...)
		code, _, stderr := runCLI(t, context.Background(), append(args, srv.URL+"/")...)
		return code, stderr
	}
	if code, stderr := crawl("-o", base); code != exitOK {
		t.Fatalf("baseline crawl: exit %d\n%s", code, stderr)
	}
	setDown := func(paths ...string) {
		mu.Lock()
		defer mu.Unlock()
		clear(down)
		for _, p := range paths {
			down[p] = true
		}
	}

	setDown("/checkout")
	code, stderr := crawl("--baseline", base)
	want := "padlock: gate fails: payment page (in the baseline) " + srv.URL + "/checkout did not load: HTTP 500"
	if code != exitFindings || !strings.Contains(stderr, want) {
		t.Errorf("payment page down, against the baseline: exit %d, want 1 and %q\n%s", code, want, stderr)
	}

	setDown("/blog")
	if code, stderr := crawl("--baseline", base); code != exitOK {
		t.Errorf("another page down: exit %d, want 0 without --fail-on-crawl-errors\n%s", code, stderr)
	}
	code, stderr = crawl("--baseline", base, "--fail-on-crawl-errors")
	want = "padlock: gate fails: page (--fail-on-crawl-errors) " + srv.URL + "/blog did not load: HTTP 500"
	if code != exitFindings || !strings.Contains(stderr, want) {
		t.Errorf("another page down, --fail-on-crawl-errors: exit %d, want 1 and %q\n%s", code, want, stderr)
	}
	if code, stderr := crawl("--baseline", base, "--fail-on-crawl-errors", "--fail-on", "never"); code != exitOK {
		t.Errorf("--fail-on never: exit %d, want 0\n%s", code, stderr)
	}
}
