package rules

import (
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/crawler"
)

func TestHTTPSDowngrade(t *testing.T) {
	t.Parallel()
	const (
		secure   = "https://www.shop.test/old"
		insecure = "http://www.shop.test/old"
	)
	hop := func(from, to string, status int) crawler.Hop {
		return crawler.Hop{From: from, To: to, Status: status, Via: "http"}
	}
	refresh := func(via, from, to string, delay int) crawler.Hop {
		return crawler.Hop{From: from, To: to, Via: via, Delay: delay}
	}
	// pageVia is a page requested at requested that went through hops.
	pageVia := func(requested string, hops ...crawler.Hop) *crawler.Page {
		final := requested
		if len(hops) > 0 {
			final = hops[len(hops)-1].To
		}
		return &crawler.Page{URL: requested, FinalURL: final, Status: 200, Redirects: hops}
	}
	// fetched is a resource of kind whose fetch went through hops.
	fetched := func(kind crawler.Kind, el, u string, hops ...crawler.Hop) crawler.Resource {
		r := html(kind, el, "src", u)
		r.Fetch = &crawler.Fetch{URL: u, Redirects: hops, Status: 200, HTTPSAvailable: boolPtr(true)}
		return r
	}
	type want struct {
		page       string // defaults to the page's final URL
		url        string
		source     crawler.Source
		line       int
		mitigation string
		contains   []string
	}
	tests := []struct {
		name string
		page *crawler.Page
		want []want
	}{
		// The page's own redirects.
		{
			name: "301 to http", page: pageVia(secure, hop(secure, insecure, 301)),
			want: []want{{page: secure, url: insecure, source: crawler.SourceRedirect, contains: []string{"page redirects from HTTPS to plain HTTP", "https://www.shop.test/old -> http://www.shop.test/old (301)"}}},
		},
		{name: "302 to http", page: pageVia(secure, hop(secure, insecure, 302)), want: []want{{page: secure, url: insecure, source: crawler.SourceRedirect, contains: []string{"(302)"}}}},
		{name: "307 to http", page: pageVia(secure, hop(secure, insecure, 307)), want: []want{{page: secure, url: insecure, source: crawler.SourceRedirect, contains: []string{"(307)"}}}},
		{name: "308 to http", page: pageVia(secure, hop(secure, insecure, 308)), want: []want{{page: secure, url: insecure, source: crawler.SourceRedirect, contains: []string{"(308)"}}}},
		{name: "hop without Via", page: pageVia(secure, crawler.Hop{From: secure, To: insecure, Status: 301}), want: []want{{page: secure, url: insecure, source: crawler.SourceRedirect, contains: []string{"(301)"}}}},
		{
			name: "Refresh header at 0s", page: pageVia(secure, refresh("refresh-header", secure, insecure, 0)),
			want: []want{{page: secure, url: insecure, source: crawler.SourceRedirect, contains: []string{"-> http://www.shop.test/old (Refresh header)"}}},
		},
		{
			name: "meta refresh at 0s", page: pageVia(secure, refresh("meta-refresh", secure, insecure, 0)),
			want: []want{{page: secure, url: insecure, source: crawler.SourceRedirect, contains: []string{"(meta refresh)"}}},
		},
		{name: "meta refresh after 5s is insecure-refresh's", page: pageVia(secure, refresh("meta-refresh", secure, insecure, 5))},
		{name: "Refresh header after 3s is insecure-refresh's", page: pageVia(secure, refresh("refresh-header", secure, insecure, 3))},
		{name: "http to https is an upgrade", page: pageVia(insecure, hop(insecure, secure, 301))},
		{name: "https to https", page: pageVia(secure, hop(secure, "https://www.shop.test/new", 301))},
		{name: "http to http", page: pageVia(insecure, hop(insecure, "http://www.shop.test/new", 301))},
		{name: "hop to http://localhost", page: pageVia(secure, hop(secure, "http://localhost:8080/", 302))},
		{name: "hop to loopback", page: pageVia(secure, hop(secure, "http://127.0.0.1/", 302))},
		{name: "hop to ::1", page: pageVia(secure, hop(secure, "http://[::1]/", 302))},
		{name: "hop from localhost is not from https", page: pageVia("http://localhost/", hop("http://localhost/", insecure, 302))},
		{name: "hop to ftp", page: pageVia(secure, hop(secure, "ftp://files.test/", 302)), want: []want{{page: secure, url: "ftp://files.test/", source: crawler.SourceRedirect, contains: []string{"unencrypted FTP"}}}},
		{
			name: "downgrade in the middle of the page chain",
			page: pageVia("https://a.test/", hop("https://a.test/", "https://b.test/", 301), hop("https://b.test/", "http://c.test/", 302), hop("http://c.test/", "https://c.test/", 301)),
			want: []want{{page: "https://b.test/", url: "http://c.test/", source: crawler.SourceRedirect, contains: []string{"https://b.test/ -> http://c.test/ (302)"}}},
		},
		{
			name: "each downgrading hop counts",
			page: pageVia("https://a.test/", hop("https://a.test/", "http://b.test/", 301), hop("http://b.test/", "https://b.test/", 301), refresh("refresh-header", "https://b.test/", "http://c.test/", 0)),
			want: []want{
				{page: "https://a.test/", url: "http://b.test/", source: crawler.SourceRedirect, contains: []string{"https://a.test/ -> http://b.test/ (301)"}},
				{page: "https://b.test/", url: "http://c.test/", source: crawler.SourceRedirect, contains: []string{"https://b.test/ -> http://c.test/ (Refresh header)"}},
			},
		},
		{
			name: "a loop repeating the same hop is reported once",
			page: pageVia("https://a.test/", hop("https://a.test/", "http://a.test/", 301), hop("http://a.test/", "https://a.test/", 301), hop("https://a.test/", "http://a.test/", 301)),
			want: []want{{page: "https://a.test/", url: "http://a.test/", source: crawler.SourceRedirect}},
		},

		// Sub-resources, forms and links fetched from an https page.
		{
			name: "script redirected to http",
			page: page(testHTTPSPage, fetched(crawler.KindScript, "script", "https://cdn.test/a.js", hop("https://cdn.test/a.js", "http://cdn.test/a.js", 301))),
			want: []want{{url: "https://cdn.test/a.js", source: crawler.SourceHTML, line: 7, contains: []string{"script redirects from HTTPS to plain HTTP", "https://cdn.test/a.js -> http://cdn.test/a.js (301)"}}},
		},
		{
			name: "resource chain with https->http in the middle",
			page: page(testHTTPSPage, fetched(crawler.KindImage, "img", "http://img.test/a.png",
				hop("http://img.test/a.png", "https://img.test/a.png", 301),
				hop("https://img.test/a.png", "http://cdn.img.test/a.png", 302),
				hop("http://cdn.img.test/a.png", "https://cdn.img.test/a.png", 301))),
			want: []want{{url: "http://img.test/a.png", source: crawler.SourceHTML, line: 7, contains: []string{"https://img.test/a.png -> http://cdn.img.test/a.png (302)"}}},
		},
		{name: "resource http to https only", page: page(testHTTPSPage, fetched(crawler.KindScript, "script", "http://cdn.test/a.js", hop("http://cdn.test/a.js", "https://cdn.test/a.js", 301)))},
		{name: "resource hop to localhost", page: page(testHTTPSPage, fetched(crawler.KindScript, "script", "https://cdn.test/a.js", hop("https://cdn.test/a.js", "http://localhost/a.js", 302)))},
		{name: "resource not fetched", page: page(testHTTPSPage, html(crawler.KindScript, "script", "src", "https://cdn.test/a.js"))},
		{
			name: "resource refresh hop after a delay",
			page: page(testHTTPSPage, fetched(crawler.KindFrame, "iframe", "https://w.test/", refresh("meta-refresh", "https://w.test/", "http://w.test/", 2))),
		},
		{
			name: "form target redirected to http",
			page: page(testHTTPSPage, fetched(crawler.KindForm, "form", "https://pay.test/submit", hop("https://pay.test/submit", "http://pay.test/thanks", 303))),
			want: []want{{url: "https://pay.test/submit", source: crawler.SourceHTML, line: 7, contains: []string{"form redirects", "(303)", "submitted data would travel unencrypted"}}},
		},
		{
			name: "link redirected to http",
			page: page(testHTTPSPage, fetched(crawler.KindLink, "a", "https://blog.test/", hop("https://blog.test/", "http://blog.test/", 301))),
			want: []want{{url: "https://blog.test/", source: crawler.SourceHTML, line: 7, contains: []string{"link redirects"}}},
		},
		{
			name: "stylesheet from css",
			page: page(testHTTPSPage, func() crawler.Resource {
				r := with(css("@import", "https://cdn.test/b.css"), func(r *crawler.Resource) { r.Kind = crawler.KindStylesheet })
				r.Fetch = &crawler.Fetch{Redirects: []crawler.Hop{hop("https://cdn.test/b.css", "http://cdn.test/b.css", 301)}}
				return r
			}()),
			want: []want{{url: "https://cdn.test/b.css", source: crawler.SourceCSS, line: 3}},
		},
		{
			name: "UIR sub-resource is mitigated",
			page: page(testHTTPSPage, with(fetched(crawler.KindScript, "script", "https://cdn.test/a.js", hop("https://cdn.test/a.js", "http://cdn.test/a.js", 301)), func(r *crawler.Resource) { r.UpgradedByCSP = true })),
			want: []want{{url: "https://cdn.test/a.js", source: crawler.SourceHTML, line: 7, mitigation: MitigationCSPUpgrade}},
		},
		{
			name: "UIR does not upgrade an ftp hop",
			page: page(testHTTPSPage, with(fetched(crawler.KindScript, "script", "https://cdn.test/a.js", hop("https://cdn.test/a.js", "ftp://cdn.test/a.js", 301)), func(r *crawler.Resource) { r.UpgradedByCSP = true })),
			want: []want{{url: "https://cdn.test/a.js", source: crawler.SourceHTML, line: 7}},
		},
		{
			name: "UIR form target is not marked mitigated",
			page: page(testHTTPSPage, with(fetched(crawler.KindForm, "form", "https://pay.test/submit", hop("https://pay.test/submit", "http://pay.test/thanks", 303)), func(r *crawler.Resource) { r.UpgradedByCSP = true })),
			want: []want{{url: "https://pay.test/submit", source: crawler.SourceHTML, line: 7}},
		},
		{
			name: "same URL referenced twice is reported once",
			page: page(testHTTPSPage,
				fetched(crawler.KindImage, "img", "https://img.test/a.png", hop("https://img.test/a.png", "http://img.test/a.png", 302)),
				with(fetched(crawler.KindImage, "img", "https://img.test/a.png", hop("https://img.test/a.png", "http://img.test/a.png", 302)), func(r *crawler.Resource) { r.Line = 99 })),
			want: []want{{url: "https://img.test/a.png", source: crawler.SourceHTML, line: 7}},
		},
		{
			name: "two URLs with the same hop are two findings",
			page: page(testHTTPSPage,
				fetched(crawler.KindImage, "img", "https://img.test/a.png", hop("https://img.test/a.png", "http://img.test/a.png", 302)),
				fetched(crawler.KindImage, "img", "https://img.test/A.png", hop("https://img.test/a.png", "http://img.test/a.png", 302))),
			want: []want{
				{url: "https://img.test/a.png", source: crawler.SourceHTML, line: 7},
				{url: "https://img.test/A.png", source: crawler.SourceHTML, line: 7},
			},
		},
		{
			name: "resources on an http page are not reported, the page's own hop is",
			page: func() *crawler.Page {
				p := pageVia(secure, hop(secure, insecure, 301))
				p.Resources = []crawler.Resource{fetched(crawler.KindScript, "script", "https://cdn.test/a.js", hop("https://cdn.test/a.js", "http://cdn.test/a.js", 301))}
				return p
			}(),
			want: []want{{page: secure, url: insecure, source: crawler.SourceRedirect}},
		},
		{
			name: "page hop and resource hop on an https page",
			page: func() *crawler.Page {
				p := pageVia("https://a.test/", hop("https://a.test/", "http://a.test/", 301), hop("http://a.test/", "https://www.a.test/", 301))
				p.Resources = []crawler.Resource{fetched(crawler.KindScript, "script", "https://cdn.test/a.js", hop("https://cdn.test/a.js", "http://cdn.test/a.js", 301))}
				return p
			}(),
			want: []want{
				{page: "https://a.test/", url: "http://a.test/", source: crawler.SourceRedirect},
				{url: "https://cdn.test/a.js", source: crawler.SourceHTML, line: 7},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := runOne(t, httpsDowngrade(), tc.page)
			if len(fs) != len(tc.want) {
				t.Fatalf("got %d findings, want %d: %+v", len(fs), len(tc.want), fs)
			}
			for i, w := range tc.want {
				f := fs[i]
				if w.page == "" {
					w.page = tc.page.FinalURL
				}
				if f.Rule != "https-downgrade" || f.Severity != Error || f.Page != w.page ||
					f.URL != w.url || f.Source != w.source || f.Line != w.line || f.Mitigation != w.mitigation {
					t.Errorf("finding %d = %+v\nwant url=%s source=%s line=%d mitigation=%q page=%s", i, f, w.url, w.source, w.line, w.mitigation, w.page)
				}
				if f.HTTPSAvailable != nil {
					t.Errorf("finding %d carries HTTPSAvailable, which is about http: URLs, not redirects", i)
				}
				for _, s := range w.contains {
					if !strings.Contains(f.Message, s) {
						t.Errorf("message %q does not contain %q", f.Message, s)
					}
				}
			}
		})
	}
}
