package report

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/rules"
)

// siteReport makes a report of a made-up site crawled at seed: pages that load, fail, redirect
// (http: to https:, and elsewhere), payment pages with headers, CSPs, findings of page and
// origin rules, and scripts. Two seeds give two crawls with a bit of everything changed.
func siteReport(seed uint64, n int) *Report {
	rng := rand.New(rand.NewPCG(seed, 7))
	r := &Report{Version: Version, StartURLs: []string{"https://s.test/"}, StartedAt: time.Date(2026, 12, 1, 0, 0, int(seed), 0, time.UTC),
		Origins: []Origin{{Origin: "https://s.test", TLSVersion: "TLS 1.3", HSTS: []string{"", "max-age=1"}[rng.IntN(2)]}}}
	for i := range n {
		if rng.IntN(10) == 0 {
			continue // not in this crawl
		}
		u := fmt.Sprintf("https://s.test/p/%d", i)
		p := Page{URL: u, FinalURL: u, Status: 200, Depth: 1, ContentType: "text/html", Resources: []Resource{}}
		switch rng.IntN(12) {
		case 0:
			p.Status, p.Error = 503, "HTTP 503 Service Unavailable"
		case 1:
			p.FinalURL = fmt.Sprintf("https://s.test/p/%d", (i+1)%n)
			p.Redirects = []Redirect{{From: u, To: p.FinalURL, Status: 301, Via: "http"}}
		case 2:
			p.URL = fmt.Sprintf("http://s.test/p/%d", i)
			p.Redirects = []Redirect{{From: p.URL, To: u, Status: 301, Via: "http"}}
		case 3:
			p.Truncated = true
		}
		if rng.IntN(3) == 0 {
			p.CSP = []string{fmt.Sprintf("script-src 'self' https://cdn%d.test", rng.IntN(2))}
		}
		if i%17 == 0 {
			p.Payment = true
			p.SecurityHeaders = map[string]string{"Content-Security-Policy": fmt.Sprint(rng.IntN(2)), "X-Frame-Options": "DENY"}
		}
		r.Pages = append(r.Pages, p)
		for k := range rng.IntN(4) {
			r.Findings = append(r.Findings, Finding{Rule: []string{"sri-missing", "third-party-script", "mixed-content-passive"}[k%3],
				Severity: rules.Warning, Page: p.FinalURL, URL: fmt.Sprintf("https://cdn%d.test/%d.js", rng.IntN(2), k), Element: "script", Attribute: "src", Source: "html"})
		}
	}
	if rng.IntN(2) == 0 {
		r.Findings = append(r.Findings, Finding{Rule: "hsts-missing", Severity: rules.Warning, Page: "https://s.test/p/1", URL: "https://s.test", Source: "header"})
	}
	for i := range 30 { // scripts added, removed (where a page of theirs loaded), changed
		if rng.IntN(4) == 0 {
			continue
		}
		page := fmt.Sprintf("https://s.test/p/%d", rng.IntN(n))
		r.Scripts = append(r.Scripts, Script{Kind: "external", Party: "third", URL: fmt.Sprintf("https://cdn0.test/%d.js", i),
			SHA256: strings.Repeat(fmt.Sprint(rng.IntN(2)), 64), PageCount: 1, Pages: []string{page}},
			Script{Kind: "inline", Party: "first", SHA256: strings.Repeat(fmt.Sprintf("%x", rng.IntN(16)), 64), PageCount: 1, Pages: []string{page}})
	}
	slices.SortFunc(r.Scripts, func(a, b Script) int {
		return cmp.Or(strings.Compare(a.Kind, b.Kind), strings.Compare(a.URL, b.URL), strings.Compare(a.SHA256, b.SHA256))
	})
	r.Finish()
	return r
}

// Diff of two spooled reports (and of two reports read with OpenFile, each record through the
// disk) is the Diff of the same reports in memory, field for field.
func TestDiffOfSpooledReportsMatchesInMemory(t *testing.T) {
	old, cur := siteReport(1, 400), siteReport(2, 400)
	want := Diff(old, cur)
	if len(want.NewFindings) == 0 || len(want.Fixed) == 0 || len(want.PagesAdded) == 0 || len(want.PagesRemoved) == 0 ||
		len(want.PagesFailed) == 0 || len(want.CSPChanged) == 0 || len(want.HeadersChanged) == 0 ||
		len(want.ScriptsAdded) == 0 || len(want.ScriptsRemoved) == 0 || len(want.ScriptsChanged) == 0 {
		t.Fatalf("the made-up crawls should differ in every way: %+v", want)
	}
	wantJSON, _ := json.Marshal(want)
	check := func(name string, c *Changes) {
		t.Helper()
		if got, _ := json.Marshal(c); !bytes.Equal(got, wantJSON) {
			t.Errorf("%s: diff differs from the in-memory one:\n got %s\nwant %s", name, got, wantJSON)
		}
	}
	spooled := func(r *Report) *Report {
		c := spooledCopy(t, r, 1)
		t.Cleanup(func() { c.Close() })
		return c
	}
	check("spooled", Diff(spooled(old), spooled(cur)))
	check("one spooled", Diff(old, spooled(cur)))

	dir := t.TempDir()
	open := func(r *Report, name string) *Report {
		path := filepath.Join(dir, name)
		var b bytes.Buffer
		if err := writeJSON(&b, r); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		rep, err := OpenFile(path, false)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { rep.Close() })
		if rep.spool == nil || len(rep.Pages) != 0 || rep.NumPages() != len(r.Pages) || rep.NumFindings() != len(r.Findings) {
			t.Fatalf("OpenFile: %d pages in memory, %d in all (want %d, spooled)", len(rep.Pages), rep.NumPages(), len(r.Pages))
		}
		return rep
	}
	old2, cur2 := open(old, "old.json"), open(cur, "new.json")
	if old2.spool.pages.len() < 2 || len(old2.spool.pages.runs) == 0 {
		t.Fatalf("the spool did not spill (%d runs)", len(old2.spool.pages.runs))
	}
	check("OpenFile", Diff(old2, cur2))
}

func init() {
	if testing.Testing() {
		spillBytes = 1 << 10 // OpenFile in tests: a run every few records
	}
}
