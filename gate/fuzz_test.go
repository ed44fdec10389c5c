package gate

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/report"
	"github.com/padlock-scan/padlock/rules"
)

// globReference is the textbook dynamic-programming glob match, byte by byte: the oracle
// FuzzGlob compares Glob's backtracking matcher with.
func globReference(pattern, s string) bool {
	// m[j] is whether pattern[:i] matches s[:j], row by row.
	m := make([]bool, len(s)+1)
	m[0] = true
	for i := 0; i < len(pattern); i++ {
		next := make([]bool, len(s)+1)
		switch pattern[i] {
		case '*':
			next[0] = m[0]
			for j := 1; j <= len(s); j++ {
				next[j] = m[j] || next[j-1]
			}
		default:
			for j := 1; j <= len(s); j++ {
				next[j] = m[j-1] && (pattern[i] == '?' || pattern[i] == s[j-1])
			}
		}
		m = next
	}
	return m[len(s)]
}

// FuzzGlob: Glob agrees with the dynamic-programming reference on every pattern and string
// (agreement of two paths), a pattern without wildcards matches only itself, and "*" around a
// string matches every string that contains it.
func FuzzGlob(f *testing.F) {
	for _, s := range [][2]string{
		{"https://cdn.example.com/*", "https://cdn.example.com/a/b.js"},
		{"a*b*c", "aXXcYYb"},
		{"*?*?*", "ab"},
		{"**a**", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbba"},
		{"http://x/?.png", "http://x/é.png"},
		{"", ""},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if len(pattern)*len(s) > 1<<20 {
			return // the reference is quadratic
		}
		if got, want := Glob(pattern, s), globReference(pattern, s); got != want {
			t.Fatalf("Glob(%q, %q) = %v, the reference says %v", pattern, s, got, want)
		}
		if !strings.ContainsAny(s, "*?") {
			if !Glob(s, s) || Glob(s, s+"x") || (s != "" && Glob(s, s[1:])) {
				t.Fatalf("a pattern without wildcards, %q, must match only itself", s)
			}
			if !Glob("*"+s+"*", pattern+s+pattern) {
				t.Fatalf("Glob(%q, %q) = false", "*"+s+"*", pattern+s+pattern)
			}
		}
	})
}

// FuzzApply builds findings and ignore entries from fuzzed text. Properties: against itself as
// the baseline a report has every finding known and nothing fixed; against an empty baseline
// every finding is new and none fixed; a finding is suppressed exactly when a live entry that
// Validate accepts matches it, by the entry's own globs; applying twice marks the same.
func FuzzApply(f *testing.F) {
	f.Add("mixed-content-blockable\thttps://s.test/\thttp://cdn.test/a.js\nthird-party-script\thttps://s.test/pay\thttps://ads.test/c.js\ntls-expired\thttps://s.test/\thttps://s.test",
		"mixed-content-blockable", "http://cdn.test/*", "", "2026-11-29")
	f.Add("a\tb\tc\na\tb\tc\n\t\t", "", "", "*", "")
	f.Add("hsts-missing\thttps://S.test:443/#x\thttps://s.test/", "hsts-missing", "", "https://s.test/?", "2026-02-30")
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	known := func(id string) bool { _, ok := rules.ByID(id); return ok }
	f.Fuzz(func(t *testing.T, findings, rule, url, page, until string) {
		build := func() *report.Report {
			rep := &report.Report{Version: report.Version, StartURLs: []string{"https://s.test/"}}
			for _, line := range strings.Split(findings, "\n") {
				p := strings.SplitN(line, "\t", 3)
				for len(p) < 3 {
					p = append(p, "")
				}
				rep.Findings = append(rep.Findings, report.Finding{Rule: p[0], Severity: rules.Warning, Page: p[1], URL: p[2]})
			}
			return rep
		}
		ig := Ignore{Rule: rule, URL: url, Page: page, Until: until, Reason: "fuzz"}
		var ignores []Ignore
		if ig.Validate(known) == nil {
			ignores = append(ignores, ig)
		}

		rep := build()
		Apply(rep, build(), ignores, now)
		if len(rep.Fixed) != 0 {
			t.Fatalf("against itself, %d findings fixed: %+v", len(rep.Fixed), rep.Fixed)
		}
		for _, fd := range rep.Findings {
			if fd.Baseline != report.BaselineKnown {
				t.Fatalf("against itself, finding %+v is %v", fd, fd.Baseline)
			}
			live := len(ignores) == 1 && !ig.expired(now)
			want := live && (rule == "" || rule == fd.Rule) && (url == "" || Glob(url, fd.URL)) && (page == "" || Glob(page, fd.Page))
			if (fd.Suppressed != nil) != want {
				t.Fatalf("finding %+v suppressed %v, want %v (entry %+v)", fd, fd.Suppressed, want, ig)
			}
		}
		first := slices.Clone(rep.Findings)
		Apply(rep, build(), ignores, now)
		if !reflect.DeepEqual(rep.Findings, first) {
			t.Fatalf("a second Apply marks differently:\n%+v\n%+v", first, rep.Findings)
		}

		rep = build()
		Apply(rep, &report.Report{Version: report.Version, StartURLs: rep.StartURLs}, nil, now)
		if len(rep.Fixed) != 0 {
			t.Fatalf("against an empty baseline, %d findings fixed", len(rep.Fixed))
		}
		for _, fd := range rep.Findings {
			if fd.Baseline != report.BaselineNew {
				t.Fatalf("against an empty baseline, finding %+v is %v", fd, fd.Baseline)
			}
		}
	})
}
