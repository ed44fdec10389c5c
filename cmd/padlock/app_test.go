package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// site serves pages from a map over TLS and writes its certificate to a PEM file for --ca-file.
func site(t *testing.T, pages map[string]string) (srv *httptest.Server, caFile string) {
	t.Helper()
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return srv, caFile
}

func runCLI(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(ctx, append([]string{"padlock"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestBadUsageExitsTwoWithAClearMessage(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	badYAML := filepath.Join(dir, "bad.yml")
	os.WriteFile(badYAML, []byte("max-pages: 10\nmax-pagez: 3\n"), 0o600)
	badValue := filepath.Join(dir, "badvalue.yml")
	os.WriteFile(badValue, []byte("timeout: 15s\nconcurrency: lots\n"), 0o600)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no command", []string{"nonsense"}, "unknown command"},
		{"no url", []string{"crawl"}, "at least one start URL"},
		{"unknown flag", []string{"crawl", "--bogus", "https://a.test/"}, "bogus"},
		{"fail-on", []string{"crawl", "--fail-on", "sometimes", "https://a.test/"}, "--fail-on"},
		{"check-resources", []string{"crawl", "--check-resources", "most", "https://a.test/"}, "--check-resources"},
		{"max-pages", []string{"crawl", "--max-pages", "0", "https://a.test/"}, "--max-pages"},
		{"concurrency", []string{"crawl", "-c", "0", "https://a.test/"}, "--concurrency"},
		{"timeout", []string{"crawl", "--timeout", "-1s", "https://a.test/"}, "--timeout"},
		{"timeout syntax", []string{"crawl", "--timeout", "soon", "https://a.test/"}, "timeout"},
		{"resolve", []string{"crawl", "--resolve", "a.test:443", "https://a.test/"}, "--resolve"},
		{"resolve addr", []string{"crawl", "--resolve", "a.test:443:nowhere", "https://a.test/"}, "bad address"},
		{"header", []string{"crawl", "-H", "NoColon", "https://a.test/"}, "--header"},
		{"include regex", []string{"crawl", "--include", "(", "https://a.test/"}, "--include"},
		{"format", []string{"crawl", "-f", "pdf", "https://a.test/"}, "unknown format"},
		{"url scheme", []string{"crawl", "ftp://a.test/"}, "http:// or https://"},
		{"ca-file", []string{"crawl", "--ca-file", filepath.Join(dir, "missing.pem"), "https://a.test/"}, "--ca-file"},
		{"max-body", []string{"crawl", "--max-body", "lots", "https://a.test/"}, "--max-body"},
		{"allow-script", []string{"crawl", "--allow-script", "https://a.test/path", "https://a.test/"}, "--allow-script"},
		{"first-party", []string{"crawl", "--first-party", "https://a.test/", "https://a.test/"}, "--first-party"},
		{"stdout two formats", []string{"crawl", "-f", "json", "-f", "json", "-o", "-", "https://a.test/"}, "json given twice"},
		{"config unknown key", []string{"crawl", "--config", badYAML, "https://a.test/"}, "bad.yml:2: unknown key \"max-pagez\""},
		{"config bad value", []string{"crawl", "--config", badValue, "https://a.test/"}, "line 2"},
		{"config missing", []string{"crawl", "--config", filepath.Join(dir, "none.yml"), "https://a.test/"}, "none.yml"},
		{"report args", []string{"report"}, "exactly one JSON report"},
		{"diff args", []string{"diff", "a.json"}, "two JSON reports"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := runCLI(t, context.Background(), tc.args...)
			if code != exitTrouble {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, exitTrouble, stderr)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr does not mention %q:\n%s", tc.want, stderr)
			}
		})
	}
}

func TestExitCodesFollowFindingsAndThreshold(t *testing.T) {
	t.Parallel()
	srv, ca := site(t, map[string]string{
		"/":        `<html><body><a href="/mixed">m</a><a href="/img">i</a></body></html>`,
		"/mixed":   `<script src="http://cdn.example.test/a.js"></script>`,
		"/img":     `<img src="http://img.example.test/a.png">`,
		"/clean":   `<p>nothing to see</p>`,
		"/imgonly": `<img src="http://img.example.test/a.png">`,
	})
	common := []string{"--ca-file", ca, "--check-resources", "none", "--ignore-robots", "-q"}
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"clean site", []string{srv.URL + "/clean"}, exitOK},
		{"blockable is an error", []string{srv.URL + "/"}, exitFindings},
		{"fail-on never", []string{"--fail-on", "never", srv.URL + "/"}, exitOK},
		{"warning below default threshold", []string{"--no-follow", srv.URL + "/imgonly"}, exitOK},
		{"warning at warning threshold", []string{"--no-follow", "--fail-on", "warning", srv.URL + "/imgonly"}, exitFindings},
		{"start URL not found", []string{srv.URL + "/missing"}, exitTrouble},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "r.json")
			args := append(append([]string{"crawl", "-o", out}, common...), tc.args...)
			code, _, stderr := runCLI(t, context.Background(), args...)
			if code != tc.want {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.want, stderr)
			}
			var rep struct {
				Version  int
				Findings []struct{ Rule string }
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatalf("no report written: %v", err)
			}
			if err := json.Unmarshal(data, &rep); err != nil || rep.Version != 1 {
				t.Fatalf("bad report (%v): %s", err, data)
			}
		})
	}
}

func TestUnreachableStartURLWritesReportAndExitsTwo(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there any more
	out := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr := runCLI(t, context.Background(), "crawl", "-q", "--ignore-robots", "--timeout", "2s", "-o", out, "https://"+addr+"/")
	if code != exitTrouble {
		t.Fatalf("exit %d, want 2; stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "no start URL could be fetched") || !strings.Contains(stderr, "refused") {
		t.Errorf("stderr should say why:\n%s", stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("report not written: %v", err)
	}
	if !strings.Contains(string(data), `"errors": [`) || !strings.Contains(string(data), addr) {
		t.Errorf("report lacks the error entry:\n%s", data)
	}
}

func TestInterruptedCrawlWritesPartialReportAndExitsTwo(t *testing.T) {
	t.Parallel()
	srv, ca := site(t, map[string]string{"/": `<p>hi</p>`})
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // interrupted before anything was fetched
	out := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr := runCLI(t, ctx, "crawl", "-q", "--ca-file", ca, "-o", out, srv.URL+"/")
	if code != exitTrouble {
		t.Fatalf("exit %d, want 2; stderr:\n%s", code, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("report not written: %v", err)
	}
	if !strings.Contains(string(data), `"interrupted": true`) {
		t.Errorf("report not marked interrupted:\n%s", data)
	}
}

func TestConfigFileAndFlagsOverride(t *testing.T) {
	t.Parallel()
	srv, ca := site(t, map[string]string{"/": `<img src="http://img.example.test/a.png">`})
	dir := t.TempDir()
	cfg := filepath.Join(dir, "padlock.yml")
	out := filepath.Join(dir, "r.json")
	yml := fmt.Sprintf("urls: [%q]\nca-file: %q\nfail-on: warning\ncheck-resources: none\nignore-robots: true\nquiet: true\noutput: %q\n", srv.URL+"/", ca, out)
	if err := os.WriteFile(cfg, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, context.Background(), "crawl", "--config", cfg); code != exitFindings {
		t.Fatalf("config fail-on warning: exit %d, want 1; stderr:\n%s", code, stderr)
	}
	if code, _, stderr := runCLI(t, context.Background(), "crawl", "--config", cfg, "--fail-on", "error"); code != exitOK {
		t.Fatalf("flag overrides config: exit %d, want 0; stderr:\n%s", code, stderr)
	}
}

func TestStdoutStaysCleanForDashOutput(t *testing.T) {
	t.Parallel()
	srv, ca := site(t, map[string]string{"/": `<p>hi</p>`})
	code, stdout, stderr := runCLI(t, context.Background(), "crawl", "--ca-file", ca, "--ignore-robots", "-o", "-", srv.URL+"/")
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("stdout is not just the JSON report: %v\n%s", err, stdout)
	}
	if !strings.Contains(stderr, "1 pages") {
		t.Errorf("summary missing from stderr:\n%s", stderr)
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	code, stdout, _ := runCLI(t, context.Background(), "version")
	if code != 0 || !strings.HasPrefix(stdout, "padlock ") {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
}
