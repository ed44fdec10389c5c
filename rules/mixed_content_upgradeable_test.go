package rules

import (
	"testing"

	"github.com/padlock-scan/padlock/crawler"
)

func TestMixedContentUpgradeableCases(t *testing.T) {
	t.Parallel()
	rule := mixedContentUpgradeable()
	forMixedCases(t, func(t *testing.T, tc mixedCase, p *crawler.Page) {
		fs := runOne(t, rule, p)
		f, ok := wantOne(t, fs, tc.want == mixedUpgradeable)
		if !ok {
			return
		}
		wantMitigation := ""
		if tc.reason == reasonCSP {
			wantMitigation = MitigationCSPUpgrade
		}
		if f.Mitigation != wantMitigation {
			t.Errorf("mitigation = %q, want %q", f.Mitigation, wantMitigation)
		}
	})
}

func TestMixedContentUpgradeableFinding(t *testing.T) {
	t.Parallel()
	rule := mixedContentUpgradeable()
	if rule.ID != "mixed-content-upgradeable" || rule.Severity != Warning {
		t.Fatalf("rule %s with severity %v, want mixed-content-upgradeable with warning", rule.ID, rule.Severity)
	}
	tests := []findingCase{
		{
			name: "img src",
			res: crawler.Resource{
				URL: "http://img.test/a.png", Element: "img", Attribute: "src", Kind: crawler.KindImage,
				Line: 5, Source: crawler.SourceHTML, Fetch: &crawler.Fetch{HTTPSAvailable: boolPtr(true)},
			},
			contains: []string{"image loaded over plain HTTP on an HTTPS page", "retry it over HTTPS", "Safari blocks it"},
			excludes: []string{"did not answer"},
		},
		{
			name: "img whose https copy is missing",
			res: crawler.Resource{
				URL: "http://img.test/a.png", Element: "img", Attribute: "src", Kind: crawler.KindImage,
				Line: 5, Source: crawler.SourceHTML, Fetch: &crawler.Fetch{HTTPSAvailable: boolPtr(false)},
			},
			contains: []string{"HTTPS copy did not answer"},
		},
		{
			name: "css background in external stylesheet",
			res: crawler.Resource{
				URL: "http://img.test/bg.png", Element: "background-image", Attribute: "url", Kind: crawler.KindImage,
				Line: 12, Source: crawler.SourceCSS, Stylesheet: "https://www.shop.test/site.css",
			},
			contains: []string{"image (CSS background-image) loaded", "stylesheet https://www.shop.test/site.css"},
		},
		{
			name: "video",
			res: crawler.Resource{
				URL: "http://media.test/v.mp4", Element: "video", Attribute: "src", Kind: crawler.KindMedia,
				Line: 40, Source: crawler.SourceHTML,
			},
			contains: []string{"video loaded over plain HTTP"},
		},
		{
			name: "script upgraded by CSP",
			res: crawler.Resource{
				URL: "http://cdn.other.test/a.js", Element: "script", Attribute: "src", Kind: crawler.KindScript,
				Line: 14, Source: crawler.SourceHTML, UpgradedByCSP: true,
			},
			mitigation: "csp-upgrade-insecure-requests",
			contains:   []string{"script loaded over plain HTTP", "Content-Security-Policy", "upgrade-insecure-requests", "fix the source URL anyway"},
			excludes:   []string{"Safari"},
		},
		{
			name: "script in a frame upgraded by its parent's CSP",
			res: crawler.Resource{
				URL: "http://cdn.other.test/a.js", Element: "script", Attribute: "src", Kind: crawler.KindScript,
				Line: 3, Source: crawler.SourceHTML, UpgradedByCSP: true, UpgradeInherited: true,
			},
			mitigation: "csp-upgrade-insecure-requests",
			contains:   []string{"embedding page's Content-Security-Policy", "opened on its own the page would have it blocked"},
			excludes:   []string{"anyway"},
		},
		{
			name: "image in a frame upgraded by its parent's CSP",
			res: crawler.Resource{
				URL: "http://img.other.test/a.png", Element: "img", Attribute: "src", Kind: crawler.KindImage,
				Line: 4, Source: crawler.SourceHTML, UpgradedByCSP: true, UpgradeInherited: true,
			},
			mitigation: "csp-upgrade-insecure-requests",
			contains:   []string{"embedding page's Content-Security-Policy", "leave it to the browser's own upgrade (Safari blocks it)"},
			excludes:   []string{"would have it blocked"},
		},
	}
	runFindingCases(t, rule, tests)
}

func TestMixedContentRulesPartition(t *testing.T) {
	t.Parallel()
	// A page with every case: each reference is reported by at most one of the two rules.
	var res []crawler.Resource
	want := 0
	for _, tc := range mixedCases() {
		if tc.page == "" {
			r := tc.res
			r.Line = len(res) + 1 // the line identifies the case
			res = append(res, r)
			if tc.want != notMixed {
				want++
			}
		}
	}
	fs := Run([]*Rule{mixedContentBlockable(), mixedContentUpgradeable()}, page(testHTTPSPage, res...), nil)
	seen := map[int]string{}
	for _, f := range fs {
		if prev, ok := seen[f.Line]; ok {
			t.Errorf("%s (line %d) reported by both %s and %s", f.URL, f.Line, prev, f.Rule)
		}
		seen[f.Line] = f.Rule
	}
	if len(fs) != want {
		t.Errorf("got %d findings, want %d", len(fs), want)
	}
}
