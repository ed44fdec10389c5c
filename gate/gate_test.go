package gate

import (
	"strings"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/report"
	"github.com/padlock-scan/padlock/rules"
)

func TestGlob(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"https://cdn.example.com/*", "https://cdn.example.com/a/b.js", true},
		{"https://cdn.example.com/*", "https://cdn.example.com.evil.test/a.js", false},
		{"*.js", "http://x/a.js", true},
		{"*.js", "http://x/a.jsx", false},
		{"http://x/?.png", "http://x/a.png", true},
		{"http://x/?.png", "http://x/ab.png", false},
		{"exact", "exact", true},
		{"exact", "exactly", false},
		{"*", "", true},
		{"a*b*c", "aXXbYYc", true},
		{"a*b*c", "aXXcYYb", false},
		{"http://x/*.js", "http://x/*a.js", true}, // a * in the URL is text, not the pattern's star
		{"*b", "*ab", true},
	}
	for _, tc := range tests {
		if got := Glob(tc.pattern, tc.s); got != tc.want {
			t.Errorf("Glob(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}

func finding(rule, page, url string) report.Finding {
	return report.Finding{Rule: rule, Severity: rules.Error, Page: page, URL: url, Element: "script", Attribute: "src"}
}

func TestApplySuppressesAndExpires(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	rep := &report.Report{Findings: []report.Finding{
		finding("mixed-content-blockable", "https://s/", "http://cdn/a.js"),
		finding("mixed-content-blockable", "https://s/", "http://ads/b.js"),
		finding("third-party-script", "https://s/pay", "https://ads/c.js"),
	}}
	ignores := []Ignore{
		{Rule: "mixed-content-blockable", URL: "http://cdn/*", Reason: "vendor moves to https in Q1", Until: "2026-11-29"}, // last day: still live
		{URL: "http://ads/*", Reason: "old", Until: "2026-11-28"},                                                          // expired yesterday
		{Page: "https://s/pay", Reason: "approved by security"},
	}
	Apply(rep, nil, ignores, now)
	if s := rep.Findings[0].Suppressed; s == nil || s.Reason != "vendor moves to https in Q1" || s.Until != "2026-11-29" {
		t.Errorf("first finding should be suppressed by the live entry: %+v", s)
	}
	if rep.Findings[1].Suppressed != nil {
		t.Errorf("an expired entry must not suppress: %+v", rep.Findings[1].Suppressed)
	}
	if rep.Findings[2].Suppressed == nil {
		t.Errorf("page glob entry should suppress the third finding")
	}
	if len(rep.Warnings) != 1 || !strings.Contains(rep.Warnings[0], "expired on 2026-11-28") {
		t.Errorf("expired entry must be reported: %v", rep.Warnings)
	}
}

func TestApplyBaseline(t *testing.T) {
	t.Parallel()
	old := &report.Report{Findings: []report.Finding{
		finding("mixed-content-blockable", "https://s/", "http://cdn/a.js"),
		finding("insecure-link", "https://s/", "http://old/"),
	}}
	cur := &report.Report{Pages: []report.Page{{URL: "https://s/", FinalURL: "https://s/", Status: 200}},
		Findings: []report.Finding{
			finding("mixed-content-blockable", "https://s/", "http://cdn/a.js"),
			finding("mixed-content-blockable", "https://s/", "http://cdn/new.js"),
		}}
	cur.Findings[0].Line = 40 // lines move between deploys; the finding is the same
	Apply(cur, old, nil, time.Now())
	if cur.Findings[0].Baseline != "known" || cur.Findings[1].Baseline != "new" {
		t.Errorf("baseline marks: %q %q", cur.Findings[0].Baseline, cur.Findings[1].Baseline)
	}
	if len(cur.Fixed) != 1 || cur.Fixed[0].Rule != "insecure-link" {
		t.Errorf("fixed: %+v", cur.Fixed)
	}
}

func TestIgnoreValidate(t *testing.T) {
	t.Parallel()
	known := func(id string) bool { return id == "insecure-link" }
	tests := []struct {
		ig   Ignore
		want string
	}{
		{Ignore{Rule: "insecure-link"}, "reason is required"},
		{Ignore{Reason: "x"}, "at least one of"},
		{Ignore{Rule: "nope", Reason: "x"}, "unknown rule"},
		{Ignore{Rule: "insecure-link", Reason: "x", Until: "next week"}, "until"},
		{Ignore{Rule: "insecure-link", Reason: "x", Until: "2027-01-31"}, ""},
	}
	for _, tc := range tests {
		err := tc.ig.Validate(known)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: got %v, want %q", tc.ig, err, tc.want)
		}
	}
}

func TestApplyBaselineWithRulesOff(t *testing.T) {
	t.Parallel()
	old := &report.Report{
		Config: &report.Settings{RulesDisabled: []string{"insecure-form"}},
		Findings: []report.Finding{
			finding("mixed-content-blockable", "https://s/", "http://cdn/a.js"),
			finding("insecure-link", "https://s/", "http://old/"),
		},
	}
	// This crawl ran insecure-form (off in the baseline) but not insecure-link.
	cur := &report.Report{
		Pages:  []report.Page{{URL: "https://s/", FinalURL: "https://s/", Status: 200}},
		Config: &report.Settings{RulesDisabled: []string{"insecure-link"}},
		Findings: []report.Finding{
			finding("mixed-content-blockable", "https://s/", "http://cdn/a.js"),
			finding("insecure-form", "https://s/", "http://s/pay"),
		},
	}
	Apply(cur, old, nil, time.Now())
	if len(cur.Fixed) != 0 {
		t.Errorf("a rule that did not run fixed nothing, got fixed %+v", cur.Fixed)
	}
	if cur.Findings[1].Baseline != "new" {
		t.Errorf("insecure-form finding: baseline %q, want new", cur.Findings[1].Baseline)
	}
	if len(cur.Warnings) != 1 || !strings.Contains(cur.Warnings[0], "rule insecure-form was off in the baseline: its 1 findings count as new") {
		t.Errorf("warnings %q", cur.Warnings)
	}
}

// A baseline finding on a page that failed, was truncated or was not reached this time is not
// fixed: the crawl did not look. The same for an origin-level finding of an origin not probed.
func TestApplyBaselineOnlyFixesWhatWasChecked(t *testing.T) {
	t.Parallel()
	old := &report.Report{Findings: []report.Finding{
		finding("mixed-content-blockable", "https://s/ok", "http://cdn/a.js"),
		finding("mixed-content-blockable", "https://s/down", "http://cdn/a.js"),
		finding("mixed-content-blockable", "https://s/cut", "http://cdn/a.js"),
		finding("mixed-content-blockable", "https://s/gone", "http://cdn/a.js"),
		finding("mixed-content-blockable", "https://s/moved", "http://cdn/a.js"),
		{Rule: "tls-legacy", Severity: rules.Warning, Page: "https://s/ok", URL: "https://s"},
		{Rule: "tls-version", Severity: rules.Error, Page: "https://s/ok", URL: "https://other"},
	}}
	cur := &report.Report{
		Pages: []report.Page{
			{URL: "https://s/ok", FinalURL: "https://s/ok", Status: 200},
			{URL: "https://s/down", FinalURL: "https://s/down", Status: 503, Error: "HTTP 503 Service Unavailable"},
			{URL: "https://s/cut", FinalURL: "https://s/cut", Status: 200, Truncated: true},
			{URL: "https://s/old", FinalURL: "https://s/moved", Status: 200},
		},
		Origins: []report.Origin{{Origin: "https://s"}, {Origin: "https://other", Error: "connection refused"}},
	}
	Apply(cur, old, nil, time.Now())
	var fixed []string
	for _, f := range cur.Fixed {
		fixed = append(fixed, f.Rule+" "+f.Page)
	}
	want := []string{"mixed-content-blockable https://s/moved", "mixed-content-blockable https://s/ok", "tls-legacy https://s/ok"}
	if strings.Join(fixed, "|") != strings.Join(want, "|") {
		t.Errorf("fixed %q, want %q", fixed, want)
	}
	if len(cur.Warnings) != 1 || !strings.Contains(cur.Warnings[0], "4 baseline findings are on pages or origins this crawl did not check") {
		t.Errorf("warnings %q", cur.Warnings)
	}
}

func TestApplyBaselineOfAnotherHost(t *testing.T) {
	t.Parallel()
	prod := &report.Report{StartURLs: []string{"https://www.shop.test/"}, Findings: []report.Finding{
		finding("mixed-content-blockable", "https://www.shop.test/pay", "http://www.shop.test/old.js"),
		finding("insecure-link", "https://www.shop.test/pay", "http://partner.test/"),
	}}
	preview := &report.Report{StartURLs: []string{"https://pr-7.preview.test/"},
		Pages: []report.Page{{URL: "https://pr-7.preview.test/pay", FinalURL: "https://pr-7.preview.test/pay", Status: 200}},
		Findings: []report.Finding{
			finding("mixed-content-blockable", "https://pr-7.preview.test/pay", "http://pr-7.preview.test/old.js"),
		}}
	Apply(preview, prod, nil, time.Now())
	if preview.Findings[0].Baseline != "known" {
		t.Errorf("the same finding on the preview's host: %q, want known", preview.Findings[0].Baseline)
	}
	if len(preview.Fixed) != 1 || preview.Fixed[0].Rule != "insecure-link" || len(preview.Warnings) != 0 {
		t.Errorf("fixed %+v warnings %q: want the insecure link fixed", preview.Fixed, preview.Warnings)
	}
}
