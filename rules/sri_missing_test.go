package rules

import (
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/crawler"
)

func TestSRIMissing(t *testing.T) {
	t.Parallel()
	const vendorJS = "https://cdn.vendor.test/a.js"
	with := func(r crawler.Resource, integrity string) crawler.Resource {
		r.Integrity = integrity
		return r
	}
	importRule := crawler.Resource{URL: "https://cdn.vendor.test/b.css", Element: "@import", Attribute: "url",
		Kind: crawler.KindStylesheet, Line: 2, Source: crawler.SourceCSS, Stylesheet: "https://www.shop.test/site.css"}
	preloadStyle := crawler.Resource{URL: "https://cdn.vendor.test/p.css", Element: "link", Attribute: "href",
		Rel: "preload", As: "style", Kind: crawler.KindStylesheet, Line: 4, Source: crawler.SourceHTML}
	headerStyle := crawler.Resource{URL: "https://cdn.vendor.test/h.css", Element: "Link", Rel: "stylesheet",
		Kind: crawler.KindStylesheet, Source: crawler.SourceHeader}
	modulepreload := crawler.Resource{URL: "https://cdn.vendor.test/m.js", Element: "link", Attribute: "href",
		Rel: "modulepreload", Kind: crawler.KindScript, CrossOrigin: "anonymous", HasCrossOrigin: true, Line: 3}
	svgScript := crawler.Resource{URL: vendorJS, Element: "script", Attribute: "href", Kind: crawler.KindScript, Line: 9}
	font := crawler.Resource{URL: "https://cdn.vendor.test/f.woff2", Element: "link", Attribute: "href",
		Rel: "preload", As: "font", Kind: crawler.KindFont, Line: 6}
	tests := []struct {
		name     string
		res      crawler.Resource
		cfg      *Config
		want     bool
		contains string
	}{
		{"third-party script without integrity", scriptRes(vendorJS), nil, true, "third-party script from https://vendor.test has no integrity"},
		{"empty integrity", with(scriptRes(vendorJS), "  "), nil, true, "has no integrity"},
		{"unknown algorithm only", with(scriptRes(vendorJS), "sha1-abc md5-def"), nil, true, `"sha1-abc md5-def", which names no algorithm`},
		{"usable integrity", with(scriptRes(vendorJS), "sha384-abc"), nil, false, ""},
		{"upper-case algorithm is usable", with(scriptRes(vendorJS), "SHA384-abc"), nil, false, ""},
		{"usable beside unknown", with(scriptRes(vendorJS), "sha1-x sha256-abc"), nil, false, ""},
		{"usable with options", with(scriptRes(vendorJS), "sha512-abc?x"), nil, false, ""},
		{"approved script still needs integrity", scriptRes(vendorJS), &Config{AllowScript: []string{"https://cdn.vendor.test"}}, true, ""},
		{"third-party stylesheet", stylesheetRes("https://cdn.vendor.test/a.css"), nil, true, "third-party stylesheet"},
		{"stylesheet preload", preloadStyle, nil, true, "stylesheet preload"},
		{"stylesheet from a Link header", headerStyle, nil, true, "Link response header"},
		{"modulepreload", modulepreload, nil, true, "module preload"},
		{"css @import cannot carry integrity", importRule, nil, false, ""},
		{"SVG script cannot carry integrity", svgScript, nil, false, ""},
		{"font preload is not a script or stylesheet", font, nil, false, ""},
		{"own host", scriptRes("https://www.shop.test/a.js"), nil, false, ""},
		{"own site", stylesheetRes("https://static.shop.test/a.css"), nil, false, ""},
		{"first-party domain", scriptRes("https://js.shop-cdn.test/a.js"), &Config{FirstParty: []string{"shop-cdn.test"}}, false, ""},
		{"data: script", scriptRes("data:text/javascript,1"), nil, false, ""},
		{"own domain over http is the same site", scriptRes("http://static.shop.test/a.js"), nil, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := runRule(t, sriMissing(), page(testHTTPSPage, tc.res), tc.cfg)
			if got := len(fs) == 1; got != tc.want || len(fs) > 1 {
				t.Fatalf("got %d findings, want %v: %+v", len(fs), tc.want, fs)
			}
			if !tc.want {
				return
			}
			if fs[0].Severity != Warning || fs[0].URL != tc.res.URL || fs[0].Line != tc.res.Line {
				t.Errorf("finding %+v", fs[0])
			}
			if !strings.Contains(fs[0].Message, tc.contains) {
				t.Errorf("message %q does not contain %q", fs[0].Message, tc.contains)
			}
		})
	}
}

func TestSRIMissingUnknownAlgorithmIsNotAMismatch(t *testing.T) {
	t.Parallel()
	// An integrity with only unknown algorithms is sri-missing, and never checked for a match.
	r := scriptRes("https://cdn.vendor.test/a.js")
	r.Integrity = "sha1-AAAA"
	r.Fetch = fetchOf(r.URL, "whatever")
	p := page(testHTTPSPage, r)
	if fs := runRule(t, sriMissing(), p, nil); len(fs) != 1 {
		t.Errorf("sri-missing: %d findings, want 1", len(fs))
	}
	if fs := runRule(t, sriMismatch(), p, nil); len(fs) != 0 {
		t.Errorf("sri-mismatch: %+v, want none", fs)
	}
	if fs := runRule(t, sriCORS(), p, nil); len(fs) != 0 {
		t.Errorf("sri-cors: %+v, want none", fs)
	}
}
