package rules

import (
	"fmt"
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/crawler"
)

// pagesOf returns n sorted page URLs on origin.
func pagesOf(origin string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s/p%04d", origin, i)
	}
	return out
}

// hstsOrigin is an in-scope origin whose pages sent the given headers, one HSTSSeen each.
func hstsOrigin(origin string, seen ...crawler.HSTSSeen) *crawler.Origin {
	return &crawler.Origin{Origin: origin, FirstPage: origin + "/", InScope: true, Probed: true, Version: "TLS 1.3", HSTS: seen}
}

func TestHSTSMissing(t *testing.T) {
	t.Parallel()
	const o = "https://www.shop.test"
	tests := []struct {
		name     string
		origin   *crawler.Origin
		want     []string // substrings, one per expected finding, in order
		wantPage []string
	}{
		{name: "absent on 42 pages: one finding", origin: hstsOrigin(o, crawler.HSTSSeen{Header: "", Pages: pagesOf(o, 42)}),
			want: []string{"https://www.shop.test sends no Strict-Transport-Security header (this page and 41 other pages)"}, wantPage: []string{o + "/p0000"}},
		{name: "absent on one page", origin: hstsOrigin(o, crawler.HSTSSeen{Pages: pagesOf(o, 1)}),
			want: []string{"no Strict-Transport-Security header (this page)"}},
		{name: "absent on two pages", origin: hstsOrigin(o, crawler.HSTSSeen{Pages: pagesOf(o, 2)}),
			want: []string{"(this page and 1 other page)"}},
		{name: "valid one year", origin: hstsOrigin(o, crawler.HSTSSeen{Header: "max-age=31536000; includeSubDomains", Pages: pagesOf(o, 3)})},
		{name: "valid but short is not missing", origin: hstsOrigin(o, crawler.HSTSSeen{Header: "max-age=300", Pages: pagesOf(o, 3)})},
		{name: "quoted max-age is valid", origin: hstsOrigin(o, crawler.HSTSSeen{Header: `max-age="31536000"`, Pages: pagesOf(o, 1)})},
		{name: "max-age=0", origin: hstsOrigin(o, crawler.HSTSSeen{Header: "max-age=0; includeSubDomains", Pages: pagesOf(o, 5)}),
			want: []string{"max-age=0, which tells browsers to forget HSTS"}},
		{name: "duplicate directive", origin: hstsOrigin(o, crawler.HSTSSeen{Header: "max-age=31536000; max-age=31536000", Pages: pagesOf(o, 1)}),
			want: []string{`invalid Strict-Transport-Security header "max-age=31536000; max-age=31536000" (directive max-age appears more than once)`}},
		{name: "missing max-age", origin: hstsOrigin(o, crawler.HSTSSeen{Header: "includeSubDomains; preload", Pages: pagesOf(o, 1)}),
			want: []string{"no max-age directive"}},
		{name: "non-digit max-age", origin: hstsOrigin(o, crawler.HSTSSeen{Header: "max-age=1y", Pages: pagesOf(o, 1)}),
			want: []string{"not a number"}},
		{name: "several values: one finding per invalid value", origin: hstsOrigin(o,
			crawler.HSTSSeen{Header: "", Pages: []string{o + "/a", o + "/b"}},
			crawler.HSTSSeen{Header: "max-age=31536000", Pages: []string{o + "/c"}},
			crawler.HSTSSeen{Header: "max-age=0", Pages: []string{o + "/d", o + "/e", o + "/f"}}),
			want:     []string{"no Strict-Transport-Security header (this page and 1 other page)", "max-age=0"},
			wantPage: []string{o + "/a", o + "/d"}},
		{name: "out of scope origin", origin: func() *crawler.Origin {
			x := hstsOrigin("https://cdn.vendor.test", crawler.HSTSSeen{Pages: []string{o + "/"}})
			x.InScope = false
			return x
		}()},
		{name: "IP host: browsers ignore HSTS there", origin: hstsOrigin("https://10.0.0.1", crawler.HSTSSeen{Pages: []string{"https://10.0.0.1/"}})},
		{name: "http origin", origin: hstsOrigin("http://www.shop.test", crawler.HSTSSeen{Pages: []string{"http://www.shop.test/"}})},
		{name: "no pages recorded", origin: hstsOrigin(o)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := runOriginRule(t, hstsMissing(), tc.origin, nil)
			if len(fs) != len(tc.want) {
				t.Fatalf("got %d findings, want %d: %+v", len(fs), len(tc.want), fs)
			}
			for i, f := range fs {
				if f.Severity != Warning || f.URL != tc.origin.Origin || f.Source != crawler.SourceHeader || f.Element != "Strict-Transport-Security" {
					t.Errorf("finding %+v", f)
				}
				if !strings.Contains(f.Message, tc.want[i]) {
					t.Errorf("message %q does not contain %q", f.Message, tc.want[i])
				}
				if tc.wantPage != nil && f.Page != tc.wantPage[i] {
					t.Errorf("page %q, want %q", f.Page, tc.wantPage[i])
				}
			}
		})
	}
}

func TestHSTSOneFindingPerOrigin(t *testing.T) {
	t.Parallel()
	// 5,000 pages without HSTS on one origin and 3 on another make two findings, not 5,003.
	a := hstsOrigin("https://www.shop.test", crawler.HSTSSeen{Pages: pagesOf("https://www.shop.test", 5000)})
	b := hstsOrigin("https://shop.test", crawler.HSTSSeen{Pages: pagesOf("https://shop.test", 3)})
	var fs []Finding
	for _, o := range []*crawler.Origin{a, b} {
		fs = append(fs, RunOrigin(All(), o, nil)...)
	}
	var got []string
	for _, f := range fs {
		if f.Rule == "hsts-missing" {
			got = append(got, f.Page+": "+f.Message)
		}
	}
	if len(got) != 2 {
		t.Fatalf("hsts-missing findings: %q, want 2", got)
	}
	if !strings.Contains(got[0], "and 4999 other pages") || !strings.Contains(got[1], "and 2 other pages") {
		t.Errorf("messages do not count the pages: %q", got)
	}
}

// HSTSClass puts together the values the HSTS rules and the grade judge alike; an origin whose
// values were folded into those classes still gets its findings, each saying its count is of
// values like the one shown.
func TestHSTSClassAndFoldedFindings(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]string{
		"": "absent", "max-age": "invalid", "max-age=1; max-age=2": "invalid", "max-age=0": "max-age=0",
		"max-age=100": "under 180 days", "max-age=15552000": "under a year", "max-age=31535999; includeSubDomains": "under a year",
		"max-age=31536000": "a year or more", `max-age="63072000"; preload`: "a year or more",
	} {
		if got := HSTSClass(v); got != want {
			t.Errorf("HSTSClass(%q) = %q, want %q", v, got, want)
		}
	}
	o := hstsOrigin("https://www.shop.test",
		crawler.HSTSSeen{Header: "", Pages: pagesOf("https://www.shop.test", 3), Count: 40},
		crawler.HSTSSeen{Header: "max-age=100", Pages: pagesOf("https://www.shop.test/s", 2), Count: 30},
		crawler.HSTSSeen{Header: "max-age=40000000", Pages: pagesOf("https://www.shop.test/l", 2), Count: 500})
	o.HSTSFolded = true
	rules := map[string]int{}
	for _, f := range RunOrigin(All(), o, nil) {
		if strings.HasPrefix(f.Rule, "hsts-") {
			rules[f.Rule]++
			if !strings.Contains(f.Message, "more than 64 different values") {
				t.Errorf("%s: %q does not say the values were folded", f.Rule, f.Message)
			}
		}
	}
	if rules["hsts-missing"] != 1 || rules["hsts-short"] != 1 {
		t.Errorf("findings %v, want one hsts-missing (the pages without HSTS) and one hsts-short", rules)
	}
}
