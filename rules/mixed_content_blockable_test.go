package rules

import (
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/crawler"
)

func TestMixedContentBlockableCases(t *testing.T) {
	t.Parallel()
	rule := mixedContentBlockable()
	forMixedCases(t, func(t *testing.T, tc mixedCase, p *crawler.Page) {
		f, ok := wantOne(t, runOne(t, rule, p), tc.want == mixedBlockable)
		if ok && f.Mitigation != "" {
			t.Errorf("blockable finding has mitigation %q", f.Mitigation)
		}
	})
}

func TestMixedContentBlockableFinding(t *testing.T) {
	t.Parallel()
	rule := mixedContentBlockable()
	if rule.ID != "mixed-content-blockable" || rule.Severity != Error {
		t.Fatalf("rule %s with severity %v, want mixed-content-blockable with error", rule.ID, rule.Severity)
	}
	tests := []findingCase{
		{
			name: "script in html",
			res: crawler.Resource{
				URL: "http://cdn.other.test/a.js", Raw: "http://cdn.other.test/a.js", Element: "script",
				Attribute: "src", Kind: crawler.KindScript, Line: 14, Source: crawler.SourceHTML,
				Fetch: &crawler.Fetch{URL: "http://cdn.other.test/a.js", HTTPSAvailable: boolPtr(true)},
			},
			contains: []string{"script loaded over plain HTTP on an HTTPS page", "browsers block it"},
		},
		{
			name: "font in external stylesheet",
			res: crawler.Resource{
				URL: "http://fonts.test/f.woff2", Element: "@font-face", Attribute: "url", Kind: crawler.KindFont,
				Line: 3, Source: crawler.SourceCSS, Stylesheet: "https://www.shop.test/site.css",
			},
			contains: []string{"font", "stylesheet https://www.shop.test/site.css", "browsers block it"},
		},
		{
			name: "import in inline style",
			res: crawler.Resource{
				URL: "http://cdn.other.test/b.css", Element: "@import", Attribute: "url", Kind: crawler.KindStylesheet,
				Line: 9, Source: crawler.SourceCSS,
			},
			contains: []string{"@import", "inline style"},
		},
		{
			name: "preload from Link header",
			res: crawler.Resource{
				URL: "http://cdn.other.test/w.js", Element: "Link", Kind: crawler.KindPreload, As: "worker",
				Source: crawler.SourceHeader,
				Fetch:  &crawler.Fetch{URL: "http://cdn.other.test/w.js"},
			},
			contains: []string{"Link response header"},
		},
		{
			name: "IP-literal image",
			res: crawler.Resource{
				URL: "http://93.184.215.14/image.png", Element: "img", Attribute: "src", Kind: crawler.KindImage,
				Line: 20, Source: crawler.SourceHTML, Fetch: &crawler.Fetch{HTTPSAvailable: boolPtr(false)},
			},
			contains: []string{"IP address"},
		},
		{
			name: "srcset image",
			res: crawler.Resource{
				URL: "http://img.test/a.png", Element: "img", Attribute: "src", Kind: crawler.KindImage,
				Line: 21, Source: crawler.SourceHTML, Imageset: true,
			},
			contains: []string{"srcset", "never upgraded"},
		},
		{
			name: "ftp download",
			res: crawler.Resource{
				URL: "ftp://files.test/setup.exe", Element: "a", Attribute: "href", Kind: crawler.KindDownload,
				Line: 30, Source: crawler.SourceHTML,
			},
			contains: []string{"download loaded over unencrypted FTP"},
		},
	}
	runFindingCases(t, rule, tests)
}

func TestMixedContentBlockableHTTPSAvailableIsCopied(t *testing.T) {
	t.Parallel()
	avail := true
	r := crawler.Resource{URL: "http://cdn.other.test/a.js", Kind: crawler.KindScript, Fetch: &crawler.Fetch{HTTPSAvailable: &avail}}
	fs := runOne(t, mixedContentBlockable(), page(testHTTPSPage, r))
	if len(fs) != 1 || fs[0].HTTPSAvailable == nil {
		t.Fatalf("want one finding with HTTPSAvailable, got %+v", fs)
	}
	if fs[0].HTTPSAvailable == &avail {
		t.Error("finding shares the crawler's *bool; a later change to the Fetch would change the report")
	}
}

func TestMixedContentBlockableEveryReference(t *testing.T) {
	t.Parallel()
	// One finding per blockable reference, in page order, none for the others.
	p := page(testHTTPSPage,
		crawler.Resource{URL: "http://a.test/1.js", Kind: crawler.KindScript, Line: 1},
		crawler.Resource{URL: "http://a.test/2.png", Kind: crawler.KindImage, Line: 2},
		crawler.Resource{URL: "https://a.test/3.js", Kind: crawler.KindScript, Line: 3},
		crawler.Resource{URL: "http://a.test/1.js", Kind: crawler.KindScript, Line: 4},
	)
	fs := runOne(t, mixedContentBlockable(), p)
	if len(fs) != 2 || fs[0].Line != 1 || fs[1].Line != 4 {
		t.Fatalf("want findings at lines 1 and 4, got %+v", fs)
	}
}

// checkFinding compares f with want, except Message, which must contain each of contains.
func checkFinding(t *testing.T, f, want Finding, contains []string) {
	t.Helper()
	if f.Rule != want.Rule || f.Severity != want.Severity || f.Page != want.Page || f.URL != want.URL ||
		f.Element != want.Element || f.Attribute != want.Attribute || f.Line != want.Line ||
		f.Source != want.Source || f.Stylesheet != want.Stylesheet || f.Mitigation != want.Mitigation {
		t.Errorf("finding = %+v\nwant      %+v", f, want)
	}
	if (f.HTTPSAvailable == nil) != (want.HTTPSAvailable == nil) ||
		f.HTTPSAvailable != nil && *f.HTTPSAvailable != *want.HTTPSAvailable {
		t.Errorf("HTTPSAvailable = %v, want %v", fmtBoolPtr(f.HTTPSAvailable), fmtBoolPtr(want.HTTPSAvailable))
	}
	for _, s := range contains {
		if !strings.Contains(f.Message, s) {
			t.Errorf("message %q does not contain %q", f.Message, s)
		}
	}
}

func fmtBoolPtr(b *bool) string {
	if b == nil {
		return "nil"
	}
	if *b {
		return "true"
	}
	return "false"
}
