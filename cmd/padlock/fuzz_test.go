package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// configProblem is the form of every padlock.yml error: the file, a line, what is wrong.
var configProblem = regexp.MustCompile(`^config padlock\.yml:([0-9]+): \S`)

// yamlLines counts the lines of a YAML file as YAML does: CR, LF and CRLF end a line, and so
// do NEL, LS and PS.
func yamlLines(data []byte) int {
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	n := 1
	for _, r := range s {
		switch r {
		case '\n', '\r', '\u0085', '\u2028', '\u2029':
			n++
		}
	}
	return n
}

// FuzzConfig reads fuzzed padlock.yml files. Properties: never a panic; every error names the
// file and a line of it ("config padlock.yml:LINE: ..."), and an accepted file has every key
// and ignore entry on one of its lines (a bound on what the reader reports).
func FuzzConfig(f *testing.F) {
	for _, s := range []string{
		"urls:\n  - https://127.0.0.1/a\nmax-pages: 50\ntimeout: 15s\nformat: [sarif, html]\nfail-on: warning\n",
		"allow-script:\n  - origin: https://js.stripe.com\n    reason: payments\n  - https://cdn.test/*\n",
		"ignore:\n  - rule: insecure-link\n    url: http://x/*\n    reason: legacy partner\n    until: 2027-03-31\n",
		"header:\n  - 'Cookie: a=b'\nmax-body: 512KB\ncheck-resources: scripts\nrule: [insecure-link]\ndisable: [hsts-missing]\n",
		"max-pages: &a 3\nmax-depth: *a\n",
		"max-pages:\ndelay: 1m\nignore:\n- {reason: x, page: '*'}\n",
		"urls: [\n",
		"\tmax-pages: 1\n",
		"- a\n- b\n",
		"max-pages: 1\nmax-pages: 2\n",
		"ignore:\n  - rule: nope\n    reason: x\n",
		"%YAML 1.2\n---\nmax-pages: 1\n...\n---\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := yamlLines(data)
		cf, err := parseConfig("padlock.yml", data)
		if err != nil {
			m := configProblem.FindStringSubmatch(err.Error())
			if m == nil {
				t.Fatalf("error %q does not name padlock.yml:LINE", err)
			}
			if n, _ := strconv.Atoi(m[1]); n < 1 || n > lines {
				t.Fatalf("error %q names line %d of a %d-line file", err, n, lines)
			}
			return
		}
		for key, n := range cf.lines {
			if n < 1 || n > lines {
				t.Fatalf("key %s on line %d of a %d-line file", key, n, lines)
			}
		}
		for _, ig := range cf.vals["ignore"].ignores {
			if ig.Line < 1 || ig.Line > lines || ig.Reason == "" {
				t.Fatalf("ignore entry %+v in a %d-line file", ig, lines)
			}
		}
	})
}
