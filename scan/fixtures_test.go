package scan_test

// The fixture sites: every folder under testdata/sites is a small web site that
// internal/sitetest serves over https and http, crawls with scan.Run and compares with the
// expectations written into its own files. testdata/sites/README.md documents the conventions;
// in short, an element that must trigger a rule carries data-want="rule-id", a line of CSS
// carries /* want: rule-id */, and routes.txt declares redirects, headers and line-0 findings.

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/padlock-scan/padlock/internal/sitetest"
	"github.com/padlock-scan/padlock/report"
)

const sitesDir = "../testdata/sites"

// TestFixtureSites crawls every folder of testdata/sites and compares the findings with the
// markers written in its files.
func TestFixtureSites(t *testing.T) {
	t.Parallel()
	entries, err := os.ReadDir(sitesDir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		n++
		name := e.Name()
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sitetest.Run(t, filepath.Join(sitesDir, name))
		})
	}
	if n == 0 {
		t.Fatal("no fixture site found")
	}
}

// TestFixtureHarness checks the harness itself: marker parsing, and that it does fail on a
// missing and on an unexpected finding.
func TestFixtureHarness(t *testing.T) {
	t.Parallel()
	toks, err := sitetest.ParseWant("mixed-content-blockable insecure-link*2 mixed-content-upgradeable@uir")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"mixed-content-blockable": 1, "insecure-link": 2, "mixed-content-upgradeable@csp-upgrade-insecure-requests": 1}
	if fmt.Sprint(toks) != fmt.Sprint(want) {
		t.Errorf("ParseWant = %v, want %v", toks, want)
	}
	line := `.a { background: image-set(url(http://x/1.png) 1x, url(http://x/2.png) 2x); } /* want: mixed-content-upgradeable*2 */`
	if m, ok := sitetest.CSSWant(line); !ok || m != "mixed-content-upgradeable*2" {
		t.Errorf("CSS marker read as %q", m)
	}
	for _, bad := range []string{"no-such-rule", "insecure-link*x", "Insecure-Link"} {
		if _, err := sitetest.ParseWant(bad); err == nil {
			t.Errorf("ParseWant(%q): want an error", bad)
		}
	}
	s := &sitetest.Site{Vars: map[string]string{"tls": "https://www.example.com:1", "http": "http://www.example.com:2", "cdn": "https://cdn.example.com:1", "cdn_http": "http://cdn.example.com:2"}}
	rep := &report.Report{Findings: []report.Finding{
		{Rule: "insecure-link", Page: "https://www.example.com:1/", Line: 3},
		{Rule: "mixed-content-blockable", Page: "https://www.example.com:1/a.html", Line: 7, Stylesheet: "https://cdn.example.com:1/s.css"},
		{Rule: "mixed-content-blockable", Page: "https://www.example.com:1/b.html", Line: 7, Stylesheet: "https://cdn.example.com:1/s.css"},
		{Rule: "hsts-missing", Page: "https://www.example.com:1/", Line: 0},
	}}
	got, _ := s.Produced(rep, map[string]bool{"insecure-link": true, "mixed-content-blockable": true})
	wantGot := map[string]int{"insecure-link {{tls}}/:3": 1, "mixed-content-blockable css:/s.css:7": 1}
	if fmt.Sprint(got) != fmt.Sprint(wantGot) {
		t.Errorf("Produced = %v, want %v", got, wantGot)
	}
}
