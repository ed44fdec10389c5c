package sitetest

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/padlock-scan/padlock/report"
)

// TestFixtureHarness checks the harness itself: marker parsing, and that it does fail on a
// missing and on an unexpected finding.
func TestFixtureHarness(t *testing.T) {
	t.Parallel()
	toks, err := parseWant("mixed-content-blockable insecure-link*2 mixed-content-upgradeable@uir")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"mixed-content-blockable": 1, "insecure-link": 2, "mixed-content-upgradeable@csp-upgrade-insecure-requests": 1}
	if fmt.Sprint(toks) != fmt.Sprint(want) {
		t.Errorf("parseWant = %v, want %v", toks, want)
	}
	line := `.a { background: image-set(url(http://x/1.png) 1x, url(http://x/2.png) 2x); } /* want: mixed-content-upgradeable*2 */`
	if m := wantCommRE.FindStringSubmatch(line); m == nil || strings.TrimSpace(m[1]) != "mixed-content-upgradeable*2" {
		t.Errorf("CSS marker read as %q", m)
	}
	for _, bad := range []string{"no-such-rule", "insecure-link*x", "Insecure-Link"} {
		if _, err := parseWant(bad); err == nil {
			t.Errorf("parseWant(%q): want an error", bad)
		}
	}
	s := &Site{Vars: map[string]string{"tls": "https://www.example.com:1", "http": "http://www.example.com:2", "cdn": "https://cdn.example.com:1", "cdn_http": "http://cdn.example.com:2"}}
	rep := &report.Report{Findings: []report.Finding{
		{Rule: "insecure-link", Page: "https://www.example.com:1/", Line: 3},
		{Rule: "mixed-content-blockable", Page: "https://www.example.com:1/a.html", Line: 7, Stylesheet: "https://cdn.example.com:1/s.css"},
		{Rule: "mixed-content-blockable", Page: "https://www.example.com:1/b.html", Line: 7, Stylesheet: "https://cdn.example.com:1/s.css"},
		{Rule: "hsts-missing", Page: "https://www.example.com:1/", Line: 0},
	}}
	got, _ := s.produced(rep, map[string]bool{"insecure-link": true, "mixed-content-blockable": true})
	wantGot := map[string]int{"insecure-link {{tls}}/:3": 1, "mixed-content-blockable css:/s.css:7": 1}
	if fmt.Sprint(got) != fmt.Sprint(wantGot) {
		t.Errorf("produced = %v, want %v", got, wantGot)
	}
}

// TestRunInMemorySite serves a fixture site held in memory: the same markers as a folder.
func TestRunInMemorySite(t *testing.T) {
	t.Parallel()
	site := fstest.MapFS{
		"index.html": {Data: []byte(`<!doctype html>
<title>in memory</title>
<link rel="stylesheet" href="/s.css">
<img data-want="mixed-content-upgradeable" src="{{cdn_http}}/a.png" alt="">
<a data-want="insecure-link" href="http://elsewhere.example.com:{{http_port}}/">elsewhere</a>
<a href="/next.html">next</a>
`)},
		"next.html":  {Data: []byte("<!doctype html>\n<title>next</title>\n<script data-want=\"mixed-content-blockable\" src=\"{{cdn_http}}/a.js\"></script>\n")},
		"s.css":      {Data: []byte("body { mask-image: url({{cdn_http}}/m.svg); } /* want: mixed-content-blockable */\n")},
		"routes.txt": {Data: []byte("https /next.html header Refresh: 5; url={{cdn_http}}/\nexpect {{tls}}/next.html insecure-refresh\n")},
	}
	rep := Check(t, StartFS(t, "in-memory", site))
	if len(rep.Pages) != 2 {
		t.Errorf("crawled %d pages, want 2", len(rep.Pages))
	}
}
