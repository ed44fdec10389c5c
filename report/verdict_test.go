package report

import (
	"fmt"
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/rules"
)

func TestParseFailOn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    FailOn
		wantErr bool
	}{
		{"error", FailOnError, false},
		{"warning", FailOnWarning, false},
		{"info", FailOnInfo, false},
		{"never", FailNever, false},
		{" Warning ", FailOnWarning, false},
		{"NEVER", FailNever, false},
		{"critical", FailOnError, true},
		{"sometimes", FailOnError, true},
		{"", FailOnError, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseFailOn(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseFailOn(%q) error %v, want error %v", tt.in, err, tt.wantErr)
			}
			if err != nil {
				if !strings.Contains(err.Error(), "want error, warning, info or never") {
					t.Errorf("error %q does not list the levels", err)
				}
				return
			}
			if got != tt.want {
				t.Errorf("ParseFailOn(%q) = %v, want %v", tt.in, got, tt.want)
			}
			if back, err := ParseFailOn(got.String()); err != nil || back != got {
				t.Errorf("%v does not round-trip through String: %v, %v", got, back, err)
			}
		})
	}
}

// TestFails is the gate's whole table: every severity, threshold, suppression and baseline state.
func TestFails(t *testing.T) {
	t.Parallel()
	reached := map[FailOn][]rules.Severity{
		FailOnError:   {rules.Error},
		FailOnWarning: {rules.Error, rules.Warning},
		FailOnInfo:    {rules.Error, rules.Warning, rules.Info},
		FailNever:     nil,
	}
	for threshold, sevs := range reached {
		for _, sev := range []rules.Severity{rules.Info, rules.Warning, rules.Error} {
			for _, state := range []BaselineState{BaselineNone, BaselineNew, BaselineKnown} {
				for _, suppressed := range []bool{false, true} {
					f := Finding{Rule: "r", Severity: sev, Baseline: state}
					if suppressed {
						f.Suppressed = &Suppression{Reason: "accepted"}
					}
					inRange := false
					for _, s := range sevs {
						inRange = inRange || s == sev
					}
					want := inRange && !suppressed && state != BaselineKnown
					name := fmt.Sprintf("fail-on %v, %v, baseline %q, suppressed %v", threshold, sev, state, suppressed)
					if got := Fails(&f, threshold); got != want {
						t.Errorf("%s: Fails = %v, want %v", name, got, want)
					}
					if got, want := f.CanFail(), !suppressed && state != BaselineKnown; got != want {
						t.Errorf("%s: CanFail = %v, want %v", name, got, want)
					}
				}
			}
		}
	}
}

// A start URL or a payment page the baseline knows that did not load fails the gate, with the
// page and why; any other page only with --fail-on-crawl-errors; nothing with --fail-on never.
func TestPageFailures(t *testing.T) {
	t.Parallel()
	ok := func(u string) Page { return Page{URL: u, FinalURL: u, Status: 200} }
	failed := func(u, why string) Page { return Page{URL: u, FinalURL: u, Status: 500, Error: why} }
	// The baseline is production; the crawl is a preview at its own host.
	baseline := &Report{StartURLs: []string{"https://shop.test/"}, Pages: []Page{
		ok("https://shop.test/"), {URL: "https://shop.test/checkout", FinalURL: "https://shop.test/checkout", Status: 200, Payment: true}, ok("https://shop.test/blog"),
	}}
	cur := &Report{StartURLs: []string{"https://preview.test", "https://preview.test/help"}, Pages: []Page{
		ok("https://preview.test/"),
		failed("https://preview.test/help/", "timeout after 15s"),
		failed("https://preview.test/checkout", "HTTP 500 Internal Server Error"),
		failed("https://preview.test/blog", "HTTP 502 Bad Gateway"),
	}}
	show := func(fs []PageGateFailure) string {
		var s []string
		for _, f := range fs {
			s = append(s, f.URL+" ("+f.Error+"): "+f.Why)
		}
		return strings.Join(s, "\n")
	}
	for _, tc := range []struct {
		name     string
		baseline *Report
		t        FailOn
		anyPage  bool
		want     []string
	}{
		{"no baseline", nil, FailOnError, false, []string{
			"https://preview.test/help/ (timeout after 15s): start URL"}},
		{"baseline", baseline, FailOnError, false, []string{
			"https://preview.test/checkout (HTTP 500 Internal Server Error): payment page (in the baseline)",
			"https://preview.test/help/ (timeout after 15s): start URL"}},
		{"every page", baseline, FailOnWarning, true, []string{
			"https://preview.test/blog (HTTP 502 Bad Gateway): page (--fail-on-crawl-errors)",
			"https://preview.test/checkout (HTTP 500 Internal Server Error): payment page (in the baseline)",
			"https://preview.test/help/ (timeout after 15s): start URL"}},
		{"never", baseline, FailNever, true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := *cur
			r.Pages = append([]Page(nil), cur.Pages...)
			r.Finish()
			if got, want := show(PageFailures(&r, tc.baseline, tc.t, tc.anyPage)), strings.Join(tc.want, "\n"); got != want {
				t.Errorf("page failures:\n%s\nwant:\n%s", got, want)
			}
			// The same pages in a spool that spills (the gate reads its failed pages back).
			sp := Report{StartURLs: cur.StartURLs}
			sp.UseSpool(NewSpoolSize(1))
			defer sp.Close()
			for _, p := range cur.Pages {
				if err := sp.AddPage(p); err != nil {
					t.Fatal(err)
				}
			}
			sp.Finish()
			if got, want := show(PageFailures(&sp, tc.baseline, tc.t, tc.anyPage)), strings.Join(tc.want, "\n"); got != want {
				t.Errorf("spooled page failures:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// AnyFails answers from the counts Recount keeps: the same answer as reading every finding,
// before and after the gate marks findings suppressed or known, and without reading a spilled
// spool back (the spool's file is gone when it is asked).
func TestAnyFailsCounts(t *testing.T) {
	t.Parallel()
	fs := []Finding{
		{Rule: "mixed-content-blockable", Severity: rules.Error, Page: "https://s.test/", URL: "http://cdn.test/a.js"},
		{Rule: "sri-missing", Severity: rules.Warning, Page: "https://s.test/", URL: "https://cdn.test/b.js"},
		{Rule: "sri-missing", Severity: rules.Warning, Page: "https://s.test/2", URL: "https://cdn.test/b.js"},
		{Rule: "hsts-short", Severity: rules.Info, Page: "https://s.test/", URL: "https://s.test/"},
	}
	iterate := func(r *Report, th FailOn) bool {
		for _, f := range r.Findings {
			if Fails(&f, th) {
				return true
			}
		}
		return false
	}
	thresholds := []FailOn{FailOnError, FailOnWarning, FailOnInfo, FailNever}
	for _, mark := range []struct {
		name string
		fn   func(*Finding)
	}{
		{"unmarked", func(*Finding) {}},
		{"error suppressed", func(f *Finding) {
			if f.Severity == rules.Error {
				f.Suppressed = &Suppression{Reason: "accepted"}
			}
		}},
		{"error and warnings known", func(f *Finding) {
			if f.Severity >= rules.Warning {
				f.Baseline = BaselineKnown
			}
		}},
	} {
		mem := Report{Findings: append([]Finding(nil), fs...)}
		for i := range mem.Findings {
			mark.fn(&mem.Findings[i])
		}
		mem.Finish()
		sp := Report{}
		sp.UseSpool(NewSpoolSize(1))
		for _, f := range fs {
			if err := sp.AddFinding(f); err != nil {
				t.Fatal(err)
			}
		}
		sp.Finish()
		if err := sp.UpdateFindings(mark.fn); err != nil {
			t.Fatal(err)
		}
		sp.Recount()
		defer sp.Close()
		if sp.spool.file.f == nil {
			t.Fatal("the findings did not spill: the test reads nothing back")
		}
		sp.spool.file.f.Close() // the findings can no longer be read back: the counts must answer
		for _, th := range thresholds {
			want := iterate(&mem, th)
			if got := mem.AnyFails(th); got != want {
				t.Errorf("%s, in memory, fail-on %v: AnyFails %v, want %v", mark.name, th, got, want)
			}
			if got := sp.AnyFails(th); got != want {
				t.Errorf("%s, spooled, fail-on %v: AnyFails %v, want %v", mark.name, th, got, want)
			}
		}
	}
}
