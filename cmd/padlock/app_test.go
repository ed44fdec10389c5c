package main

import (
	"bytes"
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
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/padlock-scan/padlock/report/schema"
	"github.com/padlock-scan/padlock/rules"
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
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // padlock's legacy-TLS probes make the server log refusals
	t.Cleanup(srv.Close)
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return srv, caFile
}

// cliMu runs one CLI at a time: urfave/cli v2 writes to its package-level help and version
// flags while parsing, so two apps parsing at once race (the program itself runs one).
var cliMu sync.Mutex

// noEnv is an empty environment: the tests never see the variables of the CI that runs them
// (GITHUB_STEP_SUMMARY would have them write into its job summary).
func noEnv(string) string { return "" }

func runCLI(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runCLIEnv(t, ctx, noEnv, args...)
}

// runCLIEnv is runCLI in an environment.
func runCLIEnv(t *testing.T, ctx context.Context, getenv func(string) string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cliMu.Lock()
	defer cliMu.Unlock()
	var out, errb bytes.Buffer
	code = runWith(ctx, append([]string{"padlock"}, args...), getenv, &out, &errb)
	validateWrittenReport(t, args, out.Bytes())
	return code, out.String(), errb.String()
}

// validateWrittenReport checks the JSON report a crawl wrote (to a file, into a folder or to
// standard output) against the report's JSON Schema, so every CLI test also tests the contract.
func validateWrittenReport(t *testing.T, args []string, stdout []byte) {
	t.Helper()
	if len(args) == 0 || (args[0] != "crawl" && args[0] != "demo" && args[0] != "tls") {
		return
	}
	out, jsonOnly := "", true
	for i := 1; i+1 < len(args); i++ {
		switch args[i] {
		case "-o", "--output":
			out = args[i+1]
		case "-f", "--format":
			jsonOnly = jsonOnly && args[i+1] == "json"
		}
	}
	var doc []byte
	switch {
	case out == "-" && jsonOnly:
		doc = stdout
	case out != "" && out != "-" && isDir(out):
		doc, _ = os.ReadFile(filepath.Join(out, "padlock.json"))
	case out != "" && out != "-" && jsonOnly:
		if st, err := os.Stat(out); err == nil && st.Mode().IsRegular() {
			doc, _ = os.ReadFile(out)
		}
	}
	if len(doc) == 0 {
		return
	}
	if err := schema.Validate(doc); err != nil {
		t.Errorf("padlock %s wrote a report that does not match report/schema/report-v1.json: %v", strings.Join(args, " "), err)
	}
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
		{"delay", []string{"crawl", "--delay", "-1s", "https://a.test/"}, "--delay"},
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
		{"config bad value", []string{"crawl", "--config", badValue, "https://a.test/"}, "badvalue.yml:2: concurrency: want a whole number"},
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
	if _, ok := peakMemory(); ok && !strings.Contains(stderr, "peak memory") {
		t.Errorf("the summary should give the peak memory where the system tells it:\n%s", stderr)
	}
}

func TestFlagsAfterArguments(t *testing.T) {
	t.Parallel()
	app := newApp(context.Background(), noEnv, io.Discard, io.Discard)
	got := strings.Join(flagsFirst(app, []string{"padlock", "crawl", "https://a/", "--max-pages", "5", "-q", "https://b/", "-o=x.json", "--", "-weird"}), " ")
	want := "padlock crawl --max-pages 5 -q -o=x.json https://a/ https://b/ -- -weird"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	code, stdout, _ := runCLI(t, context.Background(), "version")
	if code != 0 || !strings.HasPrefix(stdout, "padlock ") {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	code, flag, _ := runCLI(t, context.Background(), "--version")
	if code != 0 || flag != stdout {
		t.Errorf("--version printed %q (exit %d), version printed %q", flag, code, stdout)
	}
}

func TestBaselineIgnoreReportAndDiff(t *testing.T) {
	t.Parallel()
	srv, ca := site(t, map[string]string{
		"/": `<script src="http://cdn.example.test/a.js"></script><script src="http://ads.example.test/b.js"></script>`,
	})
	dir := t.TempDir()
	base := filepath.Join(dir, "base.json")
	common := []string{"--ca-file", ca, "--check-resources", "none", "--ignore-robots", "-q", "--no-follow"}
	crawl := func(extra ...string) (int, string) {
		args := append(append([]string{"crawl"}, common...), extra...)
		code, _, stderr := runCLI(t, context.Background(), append(args, srv.URL+"/")...)
		return code, stderr
	}
	if code, stderr := crawl("-o", base); code != exitFindings {
		t.Fatalf("first crawl: exit %d\n%s", code, stderr)
	}
	// Same site against its own baseline: nothing new, so the gate passes.
	cur := filepath.Join(dir, "cur.json")
	if code, stderr := crawl("--baseline", base, "-o", cur); code != exitOK {
		t.Fatalf("against its own baseline: exit %d, want 0\n%s", code, stderr)
	}
	data, _ := os.ReadFile(cur)
	if !strings.Contains(string(data), `"baseline": "known"`) {
		t.Errorf("findings not marked known:\n%s", data)
	}
	// An ignore entry suppresses one finding; the other still fails the gate.
	cfg := filepath.Join(dir, "padlock.yml")
	os.WriteFile(cfg, []byte("ignore:\n  - rule: mixed-content-blockable\n    url: http://cdn.example.test/*\n    reason: vendor moves to https in Q1\n"), 0o600)
	ign := filepath.Join(dir, "ign.json")
	if code, stderr := crawl("--config", cfg, "-o", ign); code != exitFindings {
		t.Fatalf("one ignored, one not: exit %d, want 1\n%s", code, stderr)
	}
	data, _ = os.ReadFile(ign)
	if strings.Count(string(data), `"reason": "vendor moves to https in Q1"`) != 1 {
		t.Errorf("want exactly one suppressed finding with its reason:\n%s", data)
	}
	// Both ignored (one entry expired: it stops ignoring and is reported).
	os.WriteFile(cfg, []byte("ignore:\n  - url: http://cdn.example.test/*\n    reason: ok\n  - url: http://ads.example.test/*\n    reason: was ok\n    until: 2020-01-01\n"), 0o600)
	code, stderr := crawl("--config", cfg, "-o", ign)
	if code != exitFindings || !strings.Contains(stderr, "expired on 2020-01-01") {
		t.Fatalf("expired entry: exit %d, want 1 and a warning\n%s", code, stderr)
	}
	// Re-render and diff.
	html := filepath.Join(dir, "r.html")
	if code, _, stderr := runCLI(t, context.Background(), "report", base, "-f", "html", "-o", html); code != 0 {
		t.Fatalf("report: exit %d\n%s", code, stderr)
	}
	if data, err := os.ReadFile(html); err != nil || !strings.Contains(string(data), "<html") {
		t.Fatalf("report did not write HTML: %v", err)
	}
	if code, stdout, _ := runCLI(t, context.Background(), "diff", base, cur); code != exitOK || !strings.Contains(stdout, "no changes") {
		t.Errorf("diff of equal reports: exit %d\n%s", code, stdout)
	}
	// The same crawl with the findings gone: fixed. With the page failing instead: not fixed,
	// the page is reported as no longer loading.
	var saved map[string]any
	data, _ = os.ReadFile(base)
	if err := json.Unmarshal(data, &saved); err != nil {
		t.Fatal(err)
	}
	saved["findings"] = []any{}
	other := filepath.Join(dir, "other.json")
	data, _ = json.Marshal(saved)
	os.WriteFile(other, data, 0o600)
	if code, stdout, _ := runCLI(t, context.Background(), "diff", base, other); code != exitFindings || !strings.Contains(stdout, "- error mixed-content-blockable") {
		t.Errorf("diff with fixed findings: exit %d\n%s", code, stdout)
	}
	page := saved["pages"].([]any)[0].(map[string]any)
	page["status"], page["error"] = 503, "HTTP 503 Service Unavailable"
	data, _ = json.Marshal(saved)
	os.WriteFile(other, data, 0o600)
	code, stdout, _ := runCLI(t, context.Background(), "diff", base, other)
	if code != exitFindings || strings.Contains(stdout, "- error mixed-content-blockable") ||
		!strings.Contains(stdout, "no longer loads: HTTP 503 Service Unavailable") ||
		!strings.Contains(stdout, "warning: 6 findings of the old report are on pages or origins the new crawl did not check") {
		t.Errorf("diff against a failing page: exit %d\n%s", code, stdout)
	}
}

func TestConfigErrorsNameFileLineAndKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct{ name, yaml, want string }{
		{"unknown key", "max-pages: 3\nspeed: fast\n", `:2: unknown key "speed"`},
		{"twice", "max-pages: 3\nmax-pages: 4\n", `:2: key "max-pages" given twice`},
		{"bad type", "max-pages: many\n", "padlock.yml:1: max-pages: want a whole number, got \"many\""},
		{"not a mapping", "- a\n- b\n", ":1: want a mapping"},
		{"ignore no reason", "ignore:\n  - rule: insecure-link\n", ":2: ignore entry: reason is required"},
		{"ignore unknown rule", "ignore:\n  - rule: no-such-rule\n    reason: x\n", `:2: ignore entry: unknown rule "no-such-rule"`},
		{"ignore bad date", "ignore:\n  - url: http://x/*\n    reason: x\n    until: soon\n", ":2: ignore entry: until"},
		{"ignore unknown field", "ignore:\n  - url: http://x/*\n    reason: x\n    owner: me\n", "owner"},
		{"ignore not a list", "ignore: everything\n", "ignore"},
		{"bad fail-on", "fail-on: sometimes\n", "padlock.yml:1: fail-on: want error, warning, info or never"},
		{"yaml syntax", "max-pages: [\n", "padlock.yml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"), "padlock.yml")
			os.MkdirAll(filepath.Dir(path), 0o755)
			os.WriteFile(path, []byte(tc.yaml), 0o600)
			code, _, stderr := runCLI(t, context.Background(), "crawl", "--config", path, "https://a.test/")
			if code != exitTrouble || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, want 2 and %q in:\n%s", code, tc.want, stderr)
			}
		})
	}
}

func TestAllFormatsIntoAFolder(t *testing.T) {
	t.Parallel()
	srv, ca := site(t, map[string]string{"/": `<script src="http://cdn.example.test/a.js"></script>`})
	dir := filepath.Join(t.TempDir(), "reports") + "/"
	code, _, stderr := runCLI(t, context.Background(), "crawl", "-q", "--ca-file", ca, "--ignore-robots", "--check-resources", "none",
		"-f", "json", "-f", "html", "-f", "sarif", "-f", "junit", "-o", dir, srv.URL+"/")
	if code != exitFindings {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, name := range []string{"padlock.json", "padlock.html", "padlock.sarif", "padlock.xml"} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || len(data) == 0 {
			t.Errorf("%s not written: %v", name, err)
		}
	}
	sarif, _ := os.ReadFile(filepath.Join(dir, "padlock.sarif"))
	var s struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []struct{ RuleID string } `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(sarif, &s); err != nil || s.Version != "2.1.0" || len(s.Runs) != 1 || len(s.Runs[0].Results) == 0 {
		t.Errorf("SARIF: %v %+v", err, s)
	}
	code, stdout, _ := runCLI(t, context.Background(), "crawl", "-q", "--ca-file", ca, "--ignore-robots", "--check-resources", "none", "-f", "github", "-o", "-", srv.URL+"/")
	if code != exitFindings || !strings.Contains(stdout, "::error title=mixed-content-blockable::") {
		t.Errorf("github annotations: exit %d\n%s", code, stdout)
	}
}

func TestRulesCommandAndSelection(t *testing.T) {
	t.Parallel()
	code, stdout, _ := runCLI(t, context.Background(), "rules")
	if code != 0 || !strings.Contains(stdout, "mixed-content-blockable") || !strings.Contains(stdout, "payment-csp-missing") {
		t.Fatalf("rules: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = runCLI(t, context.Background(), "rules", "--json")
	var docs []struct{ ID, Severity, Fix string }
	if err := json.Unmarshal([]byte(stdout), &docs); code != 0 || err != nil || len(docs) != len(rules.All()) {
		t.Fatalf("rules --json: exit %d, %v, %d rules", code, err, len(docs))
	}
	srv, ca := site(t, map[string]string{"/": `<script src="http://cdn.example.test/a.js"></script><a href="http://old.example.test/">o</a>`})
	out := filepath.Join(t.TempDir(), "r.json")
	code, _, stderr := runCLI(t, context.Background(), "crawl", "-q", "--ca-file", ca, "--ignore-robots", "--check-resources", "none",
		"--disable", "mixed-content-blockable", "--disable", "third-party-script", "--disable", "sri-missing", "-o", out, srv.URL+"/")
	if code != exitOK {
		t.Fatalf("with the error rules disabled the gate passes: exit %d\n%s", code, stderr)
	}
	data, _ := os.ReadFile(out)
	if strings.Contains(string(data), `"rule": "mixed-content-blockable"`) || !strings.Contains(string(data), `"rule": "insecure-link"`) {
		t.Errorf("disabled rule ran, or others did not:\n%s", data)
	}
	if !strings.Contains(string(data), `"rules_disabled": [`) || !strings.Contains(string(data), `"sri-missing"`) {
		t.Errorf("the report does not say which rules were off:\n%s", data)
	}
	// A rule that was off fixed nothing: not against a baseline, not in a diff.
	full := filepath.Join(t.TempDir(), "full.json")
	if code, _, stderr := runCLI(t, context.Background(), "crawl", "-q", "--ca-file", ca, "--ignore-robots", "--check-resources", "none",
		"-o", full, srv.URL+"/"); code != exitFindings {
		t.Fatalf("all rules: exit %d\n%s", code, stderr)
	}
	gated := filepath.Join(t.TempDir(), "gated.json")
	if code, _, stderr := runCLI(t, context.Background(), "crawl", "-q", "--ca-file", ca, "--ignore-robots", "--check-resources", "none",
		"--disable", "mixed-content-blockable", "--baseline", full, "-o", gated, srv.URL+"/"); code != exitOK {
		t.Fatalf("against the full baseline: exit %d\n%s", code, stderr)
	}
	var rep struct {
		Fixed []struct{ Rule string } `json:"fixed"`
	}
	data, _ = os.ReadFile(gated)
	if err := json.Unmarshal(data, &rep); err != nil || len(rep.Fixed) != 0 {
		t.Errorf("a disabled rule's baseline findings were called fixed: %v %+v", err, rep.Fixed)
	}
	code, stdout, _ = runCLI(t, context.Background(), "diff", full, out)
	if strings.Contains(stdout, "- error mixed-content-blockable") ||
		!strings.Contains(stdout, "rules not compared (off in one of the runs): mixed-content-blockable, sri-missing, third-party-script") {
		t.Errorf("diff with a disabled rule: exit %d\n%s", code, stdout)
	}
	if code != exitOK {
		t.Errorf("diff: only disabled rules differ, want exit 0, got %d\n%s", code, stdout)
	}
	code, _, stderr = runCLI(t, context.Background(), "crawl", "--disable", "no-such-rule", srv.URL+"/")
	if code != exitTrouble || !strings.Contains(stderr, `unknown rule "no-such-rule"`) {
		t.Errorf("unknown rule: exit %d\n%s", code, stderr)
	}
	all := []string{"crawl"}
	for _, id := range rules.IDs() {
		all = append(all, "--disable", id)
	}
	code, _, stderr = runCLI(t, context.Background(), append(all, srv.URL+"/")...)
	if code != exitTrouble || !strings.Contains(stderr, "no rule left to run") {
		t.Errorf("every rule off must be an error, not a crawl with every rule on: exit %d\n%s", code, stderr)
	}
	code, _, stderr = runCLI(t, context.Background(), "crawl", "--rule", "", srv.URL+"/")
	if code != exitTrouble || !strings.Contains(stderr, `unknown rule ""`) {
		t.Errorf("empty --rule (an unset variable) must be an error: exit %d\n%s", code, stderr)
	}
}

func TestRuleSelectionInConfig(t *testing.T) {
	t.Parallel()
	srv, ca := site(t, map[string]string{"/": `<a href="http://old.example.test/">o</a><form action="http://x.example.test/"></form>`})
	dir := t.TempDir()
	cfg := filepath.Join(dir, "padlock.yml")
	out := filepath.Join(dir, "r.json")
	crawl := func(extra ...string) (int, string, string) {
		args := append([]string{"crawl", "-q", "--config", cfg, "--ca-file", ca, "--ignore-robots", "--check-resources", "none", "-o", out}, extra...)
		code, _, stderr := runCLI(t, context.Background(), append(args, srv.URL+"/")...)
		data, _ := os.ReadFile(out)
		return code, stderr, string(data)
	}
	os.WriteFile(cfg, []byte("fail-on: info\ndisable:\n  - insecure-link\n"), 0o600)
	code, stderr, data := crawl()
	if code != exitFindings || strings.Contains(data, `"rule": "insecure-link"`) || !strings.Contains(data, `"rule": "insecure-form"`) {
		t.Errorf("disable: in the file: exit %d\n%s\n%s", code, stderr, data)
	}
	// A flag replaces the file's whole selection: --rule insecure-link wins over disable: [insecure-link].
	code, stderr, data = crawl("--rule", "insecure-link")
	if code != exitFindings || !strings.Contains(data, `"rule": "insecure-link"`) || strings.Contains(data, `"rule": "insecure-form"`) {
		t.Errorf("--rule over the file's disable: exit %d\n%s\n%s", code, stderr, data)
	}
	os.WriteFile(cfg, []byte("fail-on: info\nrule:\n  - insecure-form\n  - insecure-lnk\n"), 0o600)
	code, stderr, _ = crawl()
	if code != exitTrouble || !strings.Contains(stderr, cfg+":4: rule: unknown rule \"insecure-lnk\"") {
		t.Errorf("bad rule ID in the file must name file, line and key: exit %d\n%s", code, stderr)
	}
}

func TestSummaryTable(t *testing.T) {
	t.Parallel()
	srv, ca := site(t, map[string]string{
		"/": `<script src="http://cdn.example.test/a.js"></script><img src="http://img.example.test/x.png">`,
	})
	dir := t.TempDir()
	common := []string{"crawl", "--ca-file", ca, "--check-resources", "none", "--ignore-robots", "--no-follow"}
	base := filepath.Join(dir, "base.json")
	_, _, stderr := runCLI(t, context.Background(), append(common, "-o", base, srv.URL+"/")...)
	if !strings.Contains(stderr, "  rule                       severity   count suppressed\n") ||
		!strings.Contains(stderr, "  mixed-content-blockable    error          1          0\n") {
		t.Errorf("summary without a baseline: want the table without a new column\n%s", stderr)
	}
	if strings.Contains(stderr, "against the baseline") {
		t.Errorf("summary without a baseline talks about one\n%s", stderr)
	}
	// Against a baseline that knows only the image: the script is new, nothing is fixed.
	var rep map[string]any
	data, _ := os.ReadFile(base)
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	var kept []any
	for _, f := range rep["findings"].([]any) {
		if f.(map[string]any)["rule"] == "mixed-content-upgradeable" {
			kept = append(kept, f)
		}
	}
	rep["findings"] = kept
	data, _ = json.Marshal(rep)
	os.WriteFile(base, data, 0o600)
	_, _, stderr = runCLI(t, context.Background(), append(common, "--baseline", base, "-o", filepath.Join(dir, "cur.json"), srv.URL+"/")...)
	if !strings.Contains(stderr, "  rule                       severity   count suppressed   new\n") ||
		!strings.Contains(stderr, "  mixed-content-blockable    error          1          0     1\n") ||
		!strings.Contains(stderr, "  mixed-content-upgradeable  warning        1          0     0\n") {
		t.Errorf("summary with a baseline\n%s", stderr)
	}
	if !strings.Contains(stderr, "padlock: against the baseline: 3 new, 0 fixed\n") {
		t.Errorf("want the script's three findings new and nothing fixed\n%s", stderr)
	}
}

func TestOutputCheckedBeforeTheCrawl(t *testing.T) {
	t.Parallel()
	var hits sync.Map
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Store(r.URL.Path, true)
		io.WriteString(w, "<p>hi</p>")
	}))
	t.Cleanup(srv.Close)
	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, nil, 0o600)
	for _, args := range [][]string{
		{"-o", filepath.Join(file, "sub", "r.json")},                       // a folder where a file is
		{"-f", "json", "-f", "html", "-o", filepath.Join(file, "reports")}, // several formats, same
	} {
		code, _, stderr := runCLI(t, context.Background(), append(append([]string{"crawl", "-q"}, args...), srv.URL+"/")...)
		if code != exitTrouble || !strings.Contains(stderr, "cannot write the json report to "+filepath.Join(file)) {
			t.Errorf("%v: exit %d\n%s", args, code, stderr)
		}
	}
	hits.Range(func(k, _ any) bool {
		t.Errorf("the site was crawled (%v) although no report could be written", k)
		return true
	})
}

func TestInterruptedSummarySaysInterrupted(t *testing.T) {
	t.Parallel()
	// "/" links to 20 pages that hang until the test ends; the crawl is stopped while the first
	// of them is in flight and the rest are queued.
	release := make(chan struct{})
	inFlight := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			for i := 0; i < 20; i++ {
				fmt.Fprintf(w, `<a href="/p%d">p</a>`, i)
			}
			return
		}
		if !strings.HasPrefix(r.URL.Path, "/p") { // robots.txt, sitemap.xml
			http.NotFound(w, r)
			return
		}
		select {
		case inFlight <- struct{}{}:
		default:
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-inFlight; cancel() }()
	_, _, stderr := runCLI(t, ctx, "crawl", "-c", "1", "-o", filepath.Join(t.TempDir(), "r.json"), srv.URL+"/")
	if strings.Contains(stderr, "--max-pages reached") || !strings.Contains(stderr, "padlock: interrupted; ") ||
		!strings.Contains(stderr, " queued URLs were not crawled") {
		t.Errorf("an interrupted crawl must say so, not blame --max-pages:\n%s", stderr)
	}
}

func TestStartFailureSaysWhatToTry(t *testing.T) {
	t.Parallel()
	srv, _ := site(t, map[string]string{"/": `<p>hi</p>`})
	code, _, stderr := runCLI(t, context.Background(), "crawl", "-q", "-o", filepath.Join(t.TempDir(), "r.json"), srv.URL+"/")
	if code != exitTrouble || !strings.Contains(stderr, "--ca-file FILE") || !strings.Contains(stderr, "--insecure") {
		t.Errorf("an untrusted certificate at the start URL: exit %d\n%s", code, stderr)
	}
	dir := t.TempDir()
	rep := filepath.Join(dir, "r.json")
	srv2, ca := site(t, map[string]string{"/": `<p>hi</p>`})
	if code, _, stderr := runCLI(t, context.Background(), "crawl", "-q", "--ca-file", ca, "-o", rep, srv2.URL+"/"); code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	code, _, stderr = runCLI(t, context.Background(), "report", rep, "-f", "html", "-f", "sarif")
	if code != exitTrouble || !strings.Contains(stderr, "add -o DIR") {
		t.Errorf("two formats without -o: exit %d\n%s", code, stderr)
	}
}

// A mistyped flag, command or value is one line on standard error and exit 2: what was wrong,
// what was meant or which format is wanted, never the command's whole help.
func TestUsageMistakesAreOneLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"typo", []string{"crawl", "--max-page", "3", "https://a.test/"}, "padlock: unknown flag --max-page: did you mean --max-pages? (see padlock crawl --help)"},
		{"one dash", []string{"crawl", "-max-page", "3", "https://a.test/"}, "padlock: unknown flag --max-page: did you mean --max-pages? (see padlock crawl --help)"},
		{"nothing close", []string{"crawl", "--bogus", "https://a.test/"}, "padlock: unknown flag --bogus (see padlock crawl --help)"},
		{"other command", []string{"diff", "--jsn", "a.json", "b.json"}, "padlock: unknown flag --jsn: did you mean --json? (see padlock diff --help)"},
		{"top level", []string{"--verison"}, "padlock: unknown flag --verison: did you mean --version? (see padlock --help)"},
		{"command", []string{"crwal", "https://a.test/"}, `padlock: unknown command "crwal": did you mean crawl?`},
		{"duration", []string{"crawl", "--timeout", "soon", "https://a.test/"}, `padlock: --timeout "soon": use a Go duration such as 30s or 2m`},
		{"duration without unit", []string{"crawl", "--delay", "3", "https://a.test/"}, `padlock: --delay "3": use a Go duration such as 30s or 2m`},
		{"number", []string{"crawl", "-c", "lots", "https://a.test/"}, `padlock: -c "lots": want a whole number`},
		{"no value", []string{"crawl", "--timeout"}, "padlock: --timeout needs a value (see padlock crawl --help)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runCLI(t, context.Background(), tc.args...)
			if code != exitTrouble || stdout != "" || stderr != tc.want+"\n" {
				t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant exit 2, nothing on stdout, and one line:\n%s", code, stdout, stderr, tc.want)
			}
		})
	}
}

// padlock rules says which rules report a higher severity on payment pages, from the rules'
// metadata.
func TestRulesCommandNamesPaymentSeverities(t *testing.T) {
	t.Parallel()
	code, stdout, _ := runCLI(t, context.Background(), "rules")
	if code != 0 || !regexp.MustCompile(`(?m)^third-party-script +warning, error\* `).MatchString(stdout) ||
		!strings.Contains(stdout, "* on a payment page (a card field or a payment provider's card frame) these rules report one severity higher: third-party-script (an error, not a warning)\n") {
		t.Errorf("rules: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = runCLI(t, context.Background(), "rules", "--json")
	var docs []struct {
		ID              string `json:"id"`
		PaymentSeverity string `json:"payment_severity"`
	}
	if err := json.Unmarshal([]byte(stdout), &docs); code != 0 || err != nil {
		t.Fatalf("rules --json: exit %d, %v", code, err)
	}
	for _, d := range docs {
		r, _ := rules.ByID(d.ID)
		if want := map[bool]string{true: r.OnPayment().String()}[r.PaymentRaises]; d.PaymentSeverity != want {
			t.Errorf("%s: payment_severity %q, want %q", d.ID, d.PaymentSeverity, want)
		}
	}
}

// Under GitHub Actions: the annotations go to standard output whatever -o says (Actions reads
// them from the step's log only), the markdown report is appended to $GITHUB_STEP_SUMMARY, and
// the other reports go where -o says.
func TestGitHubAnnotationsAndJobSummary(t *testing.T) {
	t.Parallel()
	srv, ca := site(t, map[string]string{"/": `<script src="http://cdn.example.test/a.js"></script><a href="http://old.example.test/">o</a>`})
	tmp := t.TempDir()
	summary := filepath.Join(tmp, "step_summary.md")
	if err := os.WriteFile(summary, []byte("earlier step\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := func(k string) string {
		if k == "GITHUB_STEP_SUMMARY" {
			return summary
		}
		return ""
	}
	dir := filepath.Join(tmp, "reports") + "/"
	code, stdout, stderr := runCLIEnv(t, context.Background(), env, "crawl", "--ca-file", ca, "--ignore-robots", "--check-resources", "none",
		"-f", "json", "-f", "github", "-f", "markdown", "-o", dir, srv.URL+"/")
	if code != exitFindings {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if !strings.HasPrefix(stdout, "::error title=mixed-content-blockable::") || !strings.Contains(stdout, "::notice title=insecure-link::") {
		t.Errorf("annotations on standard output, errors first:\n%s", stdout)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "padlock.json" {
		t.Errorf("reports folder has %v, want only padlock.json (annotations on stdout, markdown in the job summary)", names)
	}
	data, _ := os.ReadFile(summary)
	if !strings.HasPrefix(string(data), "earlier step\n### padlock: 1 error, 2 warnings, 1 info\n") || !strings.Contains(string(data), "| error | mixed-content-blockable |") {
		t.Errorf("job summary not appended:\n%s", data)
	}
	if !strings.Contains(stderr, "padlock: job summary appended to "+summary) {
		t.Errorf("stderr does not say where the summary went:\n%s", stderr)
	}

	// Outside Actions the markdown report is a file like the others.
	code, _, stderr = runCLI(t, context.Background(), "crawl", "-q", "--ca-file", ca, "--ignore-robots", "--check-resources", "none",
		"-f", "json", "-f", "markdown", "-o", dir, srv.URL+"/")
	if md, err := os.ReadFile(filepath.Join(dir, "padlock.md")); code != exitFindings || err != nil || !strings.HasPrefix(string(md), "### padlock:") {
		t.Errorf("markdown into the folder: exit %d, %v\n%s", code, err, stderr)
	}

	// Annotations and another report cannot share standard output.
	code, _, stderr = runCLI(t, context.Background(), "crawl", "-f", "json", "-f", "github", "-o", "-", srv.URL+"/")
	if code != exitTrouble || !strings.Contains(stderr, "the github annotations go to standard output: give the json report a file or folder instead") {
		t.Errorf("-f github -f json -o -: exit %d\n%s", code, stderr)
	}
	// One report file beside the annotations: -o names the file.
	one := filepath.Join(tmp, "one.sarif")
	code, stdout, stderr = runCLI(t, context.Background(), "crawl", "-q", "--ca-file", ca, "--ignore-robots", "--check-resources", "none",
		"-f", "sarif", "-f", "github", "-o", one, srv.URL+"/")
	if st, err := os.Stat(one); code != exitFindings || err != nil || !st.Mode().IsRegular() || !strings.Contains(stdout, "::error ") {
		t.Errorf("-f sarif -f github -o one.sarif: exit %d, %v, stdout:\n%s\n%s", code, err, stdout, stderr)
	}
}

// The report's config records --fail-on-crawl-errors, so a saved report says its gate failed on
// pages that did not load; a plain crawl leaves it and render out.
func TestConfigRecordsFailOnCrawlErrors(t *testing.T) {
	t.Parallel()
	srv, ca := site(t, map[string]string{"/": `<p>hi</p>`})
	for _, tc := range []struct {
		args []string
		want bool
	}{{nil, false}, {[]string{"--fail-on-crawl-errors"}, true}} {
		out := filepath.Join(t.TempDir(), "r.json")
		args := append([]string{"crawl", "-q", "--ca-file", ca, "--ignore-robots", "-o", out}, tc.args...)
		if code, _, stderr := runCLI(t, context.Background(), append(args, srv.URL+"/")...); code != exitOK {
			t.Fatalf("exit %d\n%s", code, stderr)
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		var rep struct {
			Config map[string]any `json:"config"`
		}
		if err := json.Unmarshal(data, &rep); err != nil {
			t.Fatal(err)
		}
		if got := rep.Config["fail_on_crawl_errors"] == true; got != tc.want {
			t.Errorf("%v: config.fail_on_crawl_errors = %v, want %v", tc.args, rep.Config["fail_on_crawl_errors"], tc.want)
		}
		if _, ok := rep.Config["render"]; ok {
			t.Errorf("%v: config.render written for a crawl that rendered nothing", tc.args)
		}
	}
}
