package rules

import (
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/internal/sitetest/testnet"
)

func TestSRIMismatch(t *testing.T) {
	t.Parallel()
	const body = "/*! vendor 1.2.3 */ window.v=1;\n"
	const stale = "/*! vendor 1.2.2 */ window.v=0;\n"
	const u = "https://cdn.vendor.test/v.js"
	fetch := fetchOf(u, body)
	res := func(integrity string, f *crawler.Fetch) crawler.Resource {
		r := scriptRes(u)
		r.Integrity, r.Fetch = integrity, f
		r.CrossOrigin, r.HasCrossOrigin = "anonymous", true
		return r
	}
	modified := func(edit func(*crawler.Fetch)) *crawler.Fetch {
		f := *fetchOf(u, body)
		edit(&f)
		return &f
	}
	tests := []struct {
		name     string
		res      crawler.Resource
		want     bool
		contains []string
	}{
		{"matches sha384", res(testnet.SRI("sha384", body), fetch), false, nil},
		{"matches sha256 (hex digest)", res(testnet.SRI("sha256", body), fetch), false, nil},
		{"stale sha384", res(testnet.SRI("sha384", stale), fetch), true,
			[]string{"expected " + testnet.SRI("sha384", stale), "the file served hashes to " + testnet.SRI("sha384", body), "browsers refuse it"}},
		{"stale sha256 reported in base64", res(testnet.SRI("sha256", stale), fetch), true, []string{"the file served hashes to " + testnet.SRI("sha256", body)}},
		{"sha256 good, sha512 bad", res(testnet.SRI("sha256", body)+" "+testnet.SRI("sha512", stale), fetch), true,
			[]string{"expected " + testnet.SRI("sha512", stale), testnet.SRI("sha512", body), "only the strongest algorithm listed, sha512, counts"}},
		{"sha256 bad, sha512 good", res(testnet.SRI("sha256", stale)+" "+testnet.SRI("sha512", body), fetch), false, nil},
		{"two sha384, one matches", res(testnet.SRI("sha384", stale)+" "+testnet.SRI("sha384", body), fetch), false, nil},
		{"two sha384, none matches", res(testnet.SRI("sha384", stale)+" "+testnet.SRI("sha384", "x"), fetch), true,
			[]string{testnet.SRI("sha384", stale) + " or " + testnet.SRI("sha384", "x")}},
		{"upper-case algorithm", res("SHA384-"+strings.TrimPrefix(testnet.SRI("sha384", body), "sha384-"), fetch), false, nil},
		{"options ignored", res(testnet.SRI("sha384", body)+"?foo", fetch), false, nil},
		{"case-changed digest fails", res("sha384-"+strings.ToUpper(strings.TrimPrefix(testnet.SRI("sha384", body), "sha384-")), fetch), true, nil},
		{"unknown algorithm only: no check", res("sha1-"+strings.TrimPrefix(testnet.SRI("sha256", stale), "sha256-"), fetch), false, nil},
		{"no integrity", res("", fetch), false, nil},
		{"not fetched", res(testnet.SRI("sha384", stale), nil), false, nil},
		{"HEAD only", res(testnet.SRI("sha384", stale), &crawler.Fetch{URL: u, Method: "HEAD", Status: 200}), false, nil},
		{"404", res(testnet.SRI("sha384", stale), modified(func(f *crawler.Fetch) { f.Status = 404 })), false, nil},
		{"transport error", res(testnet.SRI("sha384", stale), modified(func(f *crawler.Fetch) { f.Status = 0; f.Err = "timeout" })), false, nil},
		{"truncated", res(testnet.SRI("sha384", stale), modified(func(f *crawler.Fetch) { f.Truncated = true })), false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := runRule(t, sriMismatch(), page(testHTTPSPage, tc.res), nil)
			if got := len(fs) == 1; got != tc.want || len(fs) > 1 {
				t.Fatalf("got %d findings, want %v: %+v", len(fs), tc.want, fs)
			}
			if !tc.want {
				return
			}
			if fs[0].Severity != Error || fs[0].URL != u {
				t.Errorf("finding %+v", fs[0])
			}
			for _, s := range tc.contains {
				if !strings.Contains(fs[0].Message, s) {
					t.Errorf("message %q does not contain %q", fs[0].Message, s)
				}
			}
		})
	}
}

func TestSRIMismatchElements(t *testing.T) {
	t.Parallel()
	const body = "body{}"
	bad := testnet.SRI("sha384", "other")
	own := stylesheetRes("https://www.shop.test/site.css") // first-party files are checked too
	own.Integrity, own.Fetch = bad, fetchOf(own.URL, body)
	header := crawler.Resource{URL: "https://www.shop.test/h.css", Element: "Link", Rel: "preload", As: "style",
		Kind: crawler.KindStylesheet, Source: crawler.SourceHeader, Integrity: bad, Fetch: fetchOf("h", body)}
	img := crawler.Resource{URL: "https://www.shop.test/a.png", Element: "img", Attribute: "src", Kind: crawler.KindImage,
		Integrity: bad, Fetch: fetchOf("i", body)} // browsers ignore integrity on img
	fs := runRule(t, sriMismatch(), page(testHTTPSPage, own, header, img), nil)
	if len(fs) != 2 || fs[0].URL != own.URL || fs[1].URL != header.URL {
		t.Fatalf("findings %+v, want the stylesheet and the Link preload", fs)
	}
	if !strings.Contains(fs[1].Message, "Link response header") {
		t.Errorf("message %q does not say where the reference came from", fs[1].Message)
	}
}
