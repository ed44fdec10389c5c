package rules

import (
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/crawler"
)

// Shared fixtures for the rule tests: pages are built by hand, no network.

const (
	testHTTPSPage = "https://www.shop.test/checkout"
	testHTTPPage  = "http://www.shop.test/checkout"
)

// page returns a page at finalURL (also its requested URL) holding res.
func page(finalURL string, res ...crawler.Resource) *crawler.Page {
	p := &crawler.Page{URL: finalURL, FinalURL: finalURL, Status: 200, ContentType: "text/html"}
	p.Resources = res
	return p
}

// runOne runs a single rule over p and checks that every finding has the rule's ID and
// severity, and a message.
func runOne(t *testing.T, r *Rule, p *crawler.Page) []Finding {
	t.Helper()
	fs := Run([]*Rule{r}, p, nil)
	for _, f := range fs {
		if f.Severity != r.Severity {
			t.Errorf("finding has severity %v, want the rule's %v", f.Severity, r.Severity)
		}
	}
	return checkAll(t, r, fs)
}

// checkAll checks what every finding of r must have: its rule ID and a message.
func checkAll(t *testing.T, r *Rule, fs []Finding) []Finding {
	t.Helper()
	for _, f := range fs {
		if f.Rule != r.ID {
			t.Errorf("finding has rule %q, want %q", f.Rule, r.ID)
		}
		if f.Message == "" {
			t.Errorf("finding %+v has no message", f)
		}
	}
	return fs
}

// refCase is one reference on a page (testHTTPSPage unless page is set) and whether rule
// reports it, in the style of go/analysis's analysistest: the input, then what it must produce.
type refCase struct {
	name           string
	page           string
	frame          bool
	res            crawler.Resource
	want           bool
	wantMitigation string
	contains       []string // in the message
}

// runRefCases runs r over each case's page: no finding when the case says so, else exactly one,
// at the reference's place, with the rule's severity and the case's mitigation. more, if not
// nil, checks a reported finding further.
func runRefCases(t *testing.T, r *Rule, cases []refCase, more func(*testing.T, refCase, Finding)) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := tc.page
			if p == "" {
				p = testHTTPSPage
			}
			pg := page(p, tc.res)
			pg.Frame = tc.frame
			f, ok := wantOne(t, runOne(t, r, pg), tc.want)
			if !ok {
				return
			}
			want := Finding{
				Rule: r.ID, Severity: r.Severity, Page: p, URL: tc.res.URL, Element: tc.res.Element,
				Attribute: tc.res.Attribute, Line: tc.res.Line, Source: tc.res.Source, Mitigation: tc.wantMitigation,
			}
			checkFinding(t, f, want, tc.contains)
			if more != nil {
				more(t, tc, f)
			}
		})
	}
}

// findingCase is one reference on testHTTPSPage that rule must report once: the finding
// carries the reference's URL, place, stylesheet and https_available, the rule's ID and
// severity, and mitigation.
type findingCase struct {
	name       string
	res        crawler.Resource
	mitigation string
	contains   []string // in the message
	excludes   []string // not in the message
}

// runFindingCases runs r over each case's page and compares the one finding with the case's.
func runFindingCases(t *testing.T, r *Rule, cases []findingCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := runOne(t, r, page(testHTTPSPage, tc.res))
			if len(fs) != 1 {
				t.Fatalf("got %d findings, want 1: %+v", len(fs), fs)
			}
			want := Finding{
				Rule: r.ID, Severity: r.Severity, Page: testHTTPSPage, URL: tc.res.URL, Element: tc.res.Element,
				Attribute: tc.res.Attribute, Line: tc.res.Line, Source: tc.res.Source, Stylesheet: tc.res.Stylesheet,
				Mitigation: tc.mitigation,
			}
			if tc.res.Fetch != nil {
				want.HTTPSAvailable = tc.res.Fetch.HTTPSAvailable
			}
			checkFinding(t, fs[0], want, tc.contains)
			for _, s := range tc.excludes {
				if strings.Contains(fs[0].Message, s) {
					t.Errorf("message %q contains %q", fs[0].Message, s)
				}
			}
		})
	}
}

// forMixedCases runs check on each case of mixedCases, with the case's page.
func forMixedCases(t *testing.T, check func(t *testing.T, tc mixedCase, p *crawler.Page)) {
	t.Helper()
	for _, tc := range mixedCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := tc.page
			if p == "" {
				p = testHTTPSPage
			}
			check(t, tc, page(p, tc.res))
		})
	}
}

// wantOne fails the test unless fs holds one finding when want is set and none otherwise. It
// returns that finding, and want.
func wantOne(t *testing.T, fs []Finding, want bool) (Finding, bool) {
	t.Helper()
	n := 0
	if want {
		n = 1
	}
	if len(fs) != n {
		t.Fatalf("got %d findings, want %d: %+v", len(fs), n, fs)
	}
	if !want {
		return Finding{}, false
	}
	return fs[0], true
}

func boolPtr(b bool) *bool { return &b }
