package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Every bad value in padlock.yml is an error naming the file, the line and the key (exit 2),
// in the file's words: no Go type, no flag the user did not type.
func TestConfigBadValuesNameFileLineAndKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		name, yaml string
		line       int
		key, want  string
	}{
		{"int word", "max-pages: lots\n", 1, "max-pages", `want a whole number, got "lots"`},
		{"int list", "quiet: true\nconcurrency: [1, 2]\n", 2, "concurrency", "want a single value, not a list"},
		{"int range", "concurrency: 0\n", 1, "concurrency", "must be between 1 and 256, got 0"},
		{"max-pages zero", "max-pages: 0\n", 1, "max-pages", "must be 1 or more, got 0"},
		{"max-depth negative", "max-depth: -1\n", 1, "max-depth", "must be 0 (unlimited) or more, got -1"},
		{"duration number", "quiet: true\ntimeout: 5\n", 2, "timeout", `want a duration such as 15s or 1m, got "5"`},
		{"duration word", "delay: soon\n", 1, "delay", `want a duration such as 15s or 1m, got "soon"`},
		{"timeout zero", "timeout: 0s\n", 1, "timeout", "must be positive, got 0s"},
		{"delay negative", "delay: -1s\n", 1, "delay", "must not be negative, got -1s"},
		{"bool", "no-follow: maybe\n", 1, "no-follow", `want true or false, got "maybe"`},
		{"bool mapping", "insecure:\n  a: b\n", 2, "insecure", "want a single value, not a mapping"},
		{"list of lists", "urls:\n  - https://127.0.0.1/\n  - [a]\n", 3, "urls", "want a list of single values"},
		{"list mapping", "urls:\n  a: b\n", 2, "urls", "want a list of values, not a mapping"},
		{"url scheme", "urls: ftp://127.0.0.1/\n", 1, "urls", `want an absolute http:// or https:// URL, got "ftp://127.0.0.1/"`},
		{"fail-on", "fail-on: critical\n", 1, "fail-on", `want error, warning, info or never, got "critical"`},
		{"check-resources", "check-resources: most\n", 1, "check-resources", `want all, scripts or none, got "most"`},
		{"max-body", "max-body: lots\n", 1, "max-body", `want a size such as 10MB, 512KB or 1048576, got "lots"`},
		{"format", "format: [json, pdf]\n", 1, "format", `unknown format "pdf"`},
		{"format twice", "format:\n  - json\n  - json\n", 1, "format", "json given twice"},
		{"output stdout", "format: [json, html]\noutput: \"-\"\n", 2, "output", "standard output takes one format"},
		{"resolve", "resolve:\n  - 127.0.0.1:443\n", 2, "resolve", `want HOST:PORT:ADDR, got "127.0.0.1:443"`},
		{"resolve addr", "resolve: a.test:443:nowhere\n", 1, "resolve", `bad address "nowhere": want an IP address`},
		{"header", "header: [\"NoColon\"]\n", 1, "header", `want "Name: value", got "NoColon"`},
		{"header host", "header: \"Host: a.test\"\n", 1, "header", "Host:"},
		{"include", "include:\n  - \"(\"\n", 2, "include", "missing closing )"},
		{"exclude", "exclude: \"[\"\n", 1, "exclude", "missing closing ]"},
		{"first-party", "first-party: https://127.0.0.1/\n", 1, "first-party", "want a domain such as"},
		{"allow-script", "allow-script: https://127.0.0.1/path\n", 1, "allow-script", `got "https://127.0.0.1/path"`},
		{"allow-script entry without origin", "allow-script:\n  - reason: payments\n", 2, "allow-script", "an entry needs origin"},
		{"allow-script entry key", "allow-script:\n  - origin: https://js.pay.test\n    why: x\n", 3, "allow-script", `unknown key "why"`},
		{"allow-script entry pattern", "allow-script:\n  - origin: https://127.0.0.1/path\n    reason: x\n", 2, "allow-script", `got "https://127.0.0.1/path"`},
		{"sitemap", "sitemap: /sitemap.xml\n", 1, "sitemap", `want an absolute URL, got "/sitemap.xml"`},
		{"ca-file", "ca-file: " + filepath.Join(dir, "missing.pem") + "\n", 1, "ca-file", "missing.pem"},
		{"baseline", "baseline: " + filepath.Join(dir, "missing.json") + "\n", 1, "baseline", "missing.json"},
		{"string list", "user-agent: [a, b]\n", 1, "user-agent", "want a single value, not a list"},
		{"rule scalar", "rule: no-such-rule\n", 1, "rule", `unknown rule "no-such-rule"`},
		{"rule both", "rule: [insecure-link]\ndisable: insecure-link\n", 2, "disable", `rule "insecure-link" is both enabled and disabled`},
		{"ignore unknown field", "ignore:\n  - url: http://x/*\n    reason: x\n    owner: me\n", 4, "ignore entry", `unknown key "owner"`},
		{"ignore not a list", "ignore: everything\n", 1, "ignore", "want a list of entries"},
		{"ignore entry not a mapping", "ignore:\n  - everything\n", 2, "ignore", "want a list of entries"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".yml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			code, _, stderr := runCLI(t, context.Background(), "crawl", "--config", path, "https://127.0.0.1:1/")
			prefix := "padlock: config " + path + ":" + strconv.Itoa(tc.line) + ": " + tc.key + ": "
			if code != exitTrouble || !strings.HasPrefix(stderr, prefix) || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, want %d and %q then %q in:\n%s", code, exitTrouble, prefix, tc.want, stderr)
			}
			for _, bad := range []string{"unmarshal", "!!", "--" + tc.key, "time.Duration", "[]string"} {
				if strings.Contains(stderr, bad) {
					t.Errorf("message says %q, which is not the file's language:\n%s", bad, stderr)
				}
			}
		})
	}
}

// Good files parse: a single value is a list of one, durations are Go durations, booleans are
// YAML's.
func TestConfigGoodValuesParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, yaml string
		check      func(v map[string]value) bool
	}{
		{"scalar lists", "urls: https://127.0.0.1/\nheader: \"X-Token: a\"\nformat: html\nsitemap: https://127.0.0.1/s.xml\n" +
			"resolve: a.test:443:127.0.0.1\ninclude: /shop\nexclude: /admin\nfirst-party: static.test\n" +
			"allow-script: https://cdn.test\nrule: insecure-link\ndisable: hsts-missing\n",
			func(v map[string]value) bool {
				return reflect.DeepEqual(v["urls"].list, []string{"https://127.0.0.1/"}) && reflect.DeepEqual(v["header"].list, []string{"X-Token: a"}) &&
					reflect.DeepEqual(v["format"].list, []string{"html"}) && len(v["sitemap"].list) == 1 && len(v["resolve"].list) == 1 &&
					len(v["include"].list) == 1 && len(v["exclude"].list) == 1 && len(v["first-party"].list) == 1 && len(v["allow-script"].list) == 1 &&
					reflect.DeepEqual(v["rule"].list, []string{"insecure-link"}) && reflect.DeepEqual(v["disable"].list, []string{"hsts-missing"})
			}},
		{"lists and scalars", "urls:\n  - https://127.0.0.1/a\n  - https://127.0.0.1/b\nmax-pages: 50\nmax-depth: 0\n" +
			"concurrency: 4\ntimeout: 15s\ndelay: 1m\nno-follow: true\nquiet: false\nfail-on: never\n" +
			"check-resources: scripts\nmax-body: 512KB\noutput: \"-\"\nformat: [sarif]\nuser-agent: 1\n",
			func(v map[string]value) bool {
				return len(v["urls"].list) == 2 && v["max-pages"].n == 50 && v["concurrency"].n == 4 && v["timeout"].d == 15*time.Second &&
					v["delay"].d == time.Minute && v["no-follow"].b && !v["quiet"].b && v["fail-on"].s == "never" && v["check-resources"].s == "scripts" &&
					v["max-body"].s == "512KB" && v["output"].s == "-" && v["user-agent"].s == "1"
			}},
		{"quoted duration and empty list", "timeout: \"2m30s\"\ndelay: 0\nurls:\n", func(v map[string]value) bool {
			return v["timeout"].d == 150*time.Second && v["delay"].d == 0 && v["urls"].list == nil
		}},
		{"ignore", "ignore:\n  - rule: insecure-link\n    url: http://x/*\n    reason: legacy partner\n", func(v map[string]value) bool {
			return len(v["ignore"].ignores) == 1 && v["ignore"].ignores[0].Line == 2 && v["ignore"].ignores[0].Reason == "legacy partner"
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cf, err := parseConfig("good.yml", []byte(tc.yaml))
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(cf.vals) {
				t.Errorf("parsed %+v", cf.vals)
			}
		})
	}
}

// A file that names a missing baseline or CA file is fine when the command line replaces it, and
// an empty value sets nothing.
func TestConfigFilesReplacedByFlagsAndEmptyValues(t *testing.T) {
	t.Parallel()
	srv, ca := site(t, map[string]string{"/": `<p>hi</p>`})
	dir := t.TempDir()
	base := filepath.Join(dir, "base.json")
	if code, _, stderr := runCLI(t, context.Background(), "crawl", "-q", "--ca-file", ca, "-o", base, srv.URL+"/"); code != exitOK {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	cfg := filepath.Join(dir, "padlock.yml")
	os.WriteFile(cfg, []byte("baseline: "+filepath.Join(dir, "nosuch.json")+"\nca-file: "+filepath.Join(dir, "nosuch.pem")+"\nno-follow:\nmax-pages:\ntimeout:\nfail-on:\nmax-body:\ncheck-resources:\n"), 0o600)
	code, _, stderr := runCLI(t, context.Background(), "crawl", "-q", "--config", cfg, "--baseline", base, "--ca-file", ca,
		"-o", filepath.Join(dir, "r.json"), srv.URL+"/")
	if code != exitOK {
		t.Errorf("flags replacing the file's baseline and ca-file: exit %d\n%s", code, stderr)
	}
	code, _, stderr = runCLI(t, context.Background(), "crawl", "-q", "--config", cfg, "--ca-file", ca, srv.URL+"/")
	if code != exitTrouble || !strings.Contains(stderr, "padlock.yml:1: baseline: stat ") || strings.Contains(stderr, `got "`) {
		t.Errorf("the file's own missing baseline: exit %d\n%s", code, stderr)
	}
}

// allow-script entries may carry the reason the script is needed (PCI DSS 6.4.3); it lands in
// the report's script inventory and the HTML report.
func TestAllowScriptJustifications(t *testing.T) {
	t.Parallel()
	srv, ca := site(t, map[string]string{"/": `<script src="https://js.pay.test/sdk.js"></script><script src="https://cdn.other.test/x.js"></script>`})
	dir := t.TempDir()
	cfg := filepath.Join(dir, "padlock.yml")
	os.WriteFile(cfg, []byte("allow-script:\n  - origin: https://js.pay.test\n    reason: card fields <iframe> SDK, contract 2026-114\n  - https://cdn.other.test\n"), 0o600)
	code, _, stderr := runCLI(t, context.Background(), "crawl", "-q", "--config", cfg, "--ca-file", ca, "--ignore-robots", "--check-resources", "none",
		"-f", "json", "-f", "html", "-o", dir, srv.URL+"/")
	if code == exitTrouble {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	var rep struct {
		Scripts []struct {
			URL, Justification string
			AllowedBy          string `json:"allowed_by"`
		} `json:"scripts"`
	}
	data, _ := os.ReadFile(filepath.Join(dir, "padlock.json"))
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, s := range rep.Scripts {
		got[s.URL] = s.AllowedBy + " | " + s.Justification
	}
	if got["https://js.pay.test/sdk.js"] != "https://js.pay.test | card fields <iframe> SDK, contract 2026-114" ||
		got["https://cdn.other.test/x.js"] != "https://cdn.other.test | " {
		t.Errorf("inventory: %q", got)
	}
	html, _ := os.ReadFile(filepath.Join(dir, "padlock.html"))
	if !strings.Contains(string(html), "card fields &lt;iframe&gt; SDK, contract 2026-114") {
		t.Errorf("the HTML inventory does not show the justification (escaped)")
	}
}

// The README's example padlock.yml must stay a valid config.
func TestREADMEConfigExampleParses(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	i := strings.Index(text, "```yaml\nurls:")
	if i < 0 {
		t.Fatal("the README has no padlock.yml example starting with urls:")
	}
	block := text[i+len("```yaml\n"):]
	block = block[:strings.Index(block, "```")]
	cf, err := parseConfig("README.md", []byte(block))
	if err != nil {
		t.Fatalf("the README's example does not parse: %v", err)
	}
	if v := cf.vals; len(v["allow-script"].list) != 2 || v["allow-script"].reasons["https://js.stripe.com"] == "" || len(v["ignore"].ignores) != 1 {
		t.Errorf("parsed %+v", cf.vals)
	}
}
