package rules

import (
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/crawler"
)

func TestThirdPartyScript(t *testing.T) {
	t.Parallel()
	modulepreload := crawler.Resource{URL: "https://cdn.vendor.test/m.js", Element: "link", Attribute: "href",
		Rel: "modulepreload", Kind: crawler.KindScript, Line: 3, Source: crawler.SourceHTML}
	preload := crawler.Resource{URL: "https://cdn.vendor.test/p.js", Element: "link", Attribute: "href",
		Rel: "preload", As: "script", Kind: crawler.KindScript, Line: 4, Source: crawler.SourceHTML}
	header := crawler.Resource{URL: "https://cdn.vendor.test/h.js", Element: "Link", Rel: "preload", As: "script",
		Kind: crawler.KindScript, Source: crawler.SourceHeader}
	svgScript := crawler.Resource{URL: "https://cdn.vendor.test/s.js", Element: "script", Attribute: "href",
		Kind: crawler.KindScript, Line: 9, Source: crawler.SourceHTML}
	search := crawler.Field{Element: "input", Type: "search", Name: "q", Autocomplete: "off"}
	tests := []struct {
		name     string
		page     string // default testHTTPSPage
		res      []crawler.Resource
		fields   []crawler.Field
		cfg      *Config
		want     int
		severity Severity // of every finding
		contains []string // in the first finding's message
	}{
		{name: "third-party script src", res: []crawler.Resource{scriptRes("https://cdn.vendor.test/a.js")},
			want: 1, severity: Warning, contains: []string{"script from third-party site https://vendor.test", "--allow-script"}},
		{name: "same host", res: []crawler.Resource{scriptRes("https://www.shop.test/a.js")}},
		{name: "same site", res: []crawler.Resource{scriptRes("https://static.shop.test/a.js")}},
		{name: "first-party domain", res: []crawler.Resource{scriptRes("https://js.shop-cdn.test/a.js")},
			cfg: &Config{FirstParty: []string{"shop-cdn.test"}}},
		{name: "allowed origin", res: []crawler.Resource{scriptRes("https://cdn.vendor.test/a.js")},
			cfg: &Config{AllowScript: []string{"https://cdn.vendor.test"}}},
		{name: "allowed by host pattern", res: []crawler.Resource{scriptRes("https://cdn.vendor.test/a.js")},
			cfg: &Config{AllowScript: []string{"*.vendor.test"}}},
		{name: "pattern does not cover the bare domain", res: []crawler.Resource{scriptRes("https://vendor.test/a.js")},
			cfg: &Config{AllowScript: []string{"*.vendor.test"}}, want: 1, severity: Warning},
		{name: "allowed origin is scheme-exact", res: []crawler.Resource{scriptRes("http://cdn.vendor.test/a.js")},
			cfg: &Config{AllowScript: []string{"https://cdn.vendor.test"}}, want: 1, severity: Warning, contains: []string{"http://vendor.test"}},
		{name: "github.io sibling", page: "https://a.github.io/", res: []crawler.Resource{scriptRes("https://b.github.io/x.js")},
			want: 1, severity: Warning, contains: []string{"https://b.github.io"}},
		{name: "co.uk sibling", page: "https://www.shop.co.uk/", res: []crawler.Resource{scriptRes("https://cdn.other.co.uk/x.js")},
			want: 1, severity: Warning, contains: []string{"https://other.co.uk"}},
		{name: "co.uk same registrable domain", page: "https://www.shop.co.uk/", res: []crawler.Resource{scriptRes("https://static.shop.co.uk/x.js")}},
		{name: "own domain over http is mixed content, not a third party", res: []crawler.Resource{scriptRes("http://static.shop.test/a.js")}},
		{name: "modulepreload", res: []crawler.Resource{modulepreload}, want: 1, severity: Warning, contains: []string{"module preload"}},
		{name: "preload as=script", res: []crawler.Resource{preload}, want: 1, severity: Warning, contains: []string{"script preload"}},
		{name: "Link header", res: []crawler.Resource{header}, want: 1, severity: Warning, contains: []string{"Link response header"}},
		{name: "SVG script", res: []crawler.Resource{svgScript}, want: 1, severity: Warning},
		{name: "stylesheet is not a script", res: []crawler.Resource{stylesheetRes("https://cdn.vendor.test/a.css")}},
		{name: "image is not a script", res: []crawler.Resource{{URL: "https://cdn.vendor.test/a.png", Element: "img", Attribute: "src", Kind: crawler.KindImage}}},
		{name: "iframe is not a script", res: []crawler.Resource{{URL: "https://cdn.vendor.test/", Element: "iframe", Attribute: "src", Kind: crawler.KindFrame}}},
		{name: "data: script", res: []crawler.Resource{scriptRes("data:text/javascript,alert(1)")}},
		{name: "one finding per reference", res: []crawler.Resource{scriptRes("https://cdn.vendor.test/a.js"), scriptRes("https://cdn.vendor.test/a.js"), modulepreload},
			want: 3, severity: Warning},
		{name: "error on a payment page", res: []crawler.Resource{scriptRes("https://cdn.vendor.test/a.js")}, fields: []crawler.Field{cardField},
			want: 1, severity: Error, contains: []string{"payment page", "cc-number"}},
		{name: "payment page by card frame", res: []crawler.Resource{scriptRes("https://cdn.vendor.test/a.js"),
			{URL: "https://js.stripe.com/v3/frame.html", Element: "iframe", Attribute: "src", Kind: crawler.KindFrame, Line: 20}},
			want: 1, severity: Error, contains: []string{"js.stripe.com"}},
		{name: "payment page, approved script", res: []crawler.Resource{scriptRes("https://cdn.vendor.test/a.js")}, fields: []crawler.Field{cardField},
			cfg: &Config{AllowScript: []string{"cdn.vendor.test"}}},
		{name: "search form is no payment page", res: []crawler.Resource{scriptRes("https://cdn.vendor.test/a.js")}, fields: []crawler.Field{search},
			want: 1, severity: Warning},
		{name: "http page", page: "http://www.shop.test/", res: []crawler.Resource{scriptRes("http://cdn.vendor.test/a.js")},
			want: 1, severity: Warning, contains: []string{"http://vendor.test, not approved"}},
		{name: "first-party domain over http", res: []crawler.Resource{scriptRes("http://js.shop-cdn.test/a.js")},
			cfg: &Config{FirstParty: []string{"shop-cdn.test"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pu := tc.page
			if pu == "" {
				pu = testHTTPSPage
			}
			p := page(pu, tc.res...)
			p.Fields = tc.fields
			fs := runRule(t, thirdPartyScript(), p, tc.cfg)
			if len(fs) != tc.want {
				t.Fatalf("got %d findings, want %d: %+v", len(fs), tc.want, fs)
			}
			for _, f := range fs {
				if f.Severity != tc.severity {
					t.Errorf("severity %v, want %v", f.Severity, tc.severity)
				}
				if f.Page != pu {
					t.Errorf("page %q, want %q", f.Page, pu)
				}
			}
			for _, s := range tc.contains {
				if !strings.Contains(fs[0].Message, s) {
					t.Errorf("message %q does not contain %q", fs[0].Message, s)
				}
			}
		})
	}
}

func TestThirdPartyScriptFinding(t *testing.T) {
	t.Parallel()
	r := scriptRes("https://cdn.vendor.test/a.js")
	fs := runRule(t, thirdPartyScript(), page(testHTTPSPage, r), nil)
	if len(fs) != 1 {
		t.Fatalf("got %d findings", len(fs))
	}
	f := fs[0]
	if f.URL != r.URL || f.Element != "script" || f.Attribute != "src" || f.Line != 7 || f.Source != crawler.SourceHTML {
		t.Errorf("finding does not carry the reference's location: %+v", f)
	}
}

func TestThirdPartyScriptSeverityOverride(t *testing.T) {
	t.Parallel()
	// A caller that lowers the rule to info still sees the payment page raise it one step.
	rule := thirdPartyScript()
	rule.Severity = Info
	p := page(testHTTPSPage, scriptRes("https://cdn.vendor.test/a.js"))
	p.Fields = []crawler.Field{cardField}
	fs := runRule(t, rule, p, nil)
	if len(fs) != 1 || fs[0].Severity != Warning {
		t.Errorf("findings %+v, want one warning", fs)
	}
}
