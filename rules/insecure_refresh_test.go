package rules

import (
	"testing"

	"github.com/padlock-scan/padlock/crawler"
)

func TestInsecureRefresh(t *testing.T) {
	t.Parallel()
	meta := func(u string, delay int) crawler.Resource {
		return crawler.Resource{URL: u, Raw: "0; url=" + u, Element: "meta", Attribute: "content", Kind: crawler.KindRefresh, Line: 4, Source: crawler.SourceHTML, RefreshDelay: delay}
	}
	header := func(u string, delay int) crawler.Resource {
		return crawler.Resource{URL: u, Element: "Refresh", Kind: crawler.KindRefresh, Source: crawler.SourceHeader, RefreshDelay: delay}
	}
	tests := []refCase{
		{name: "meta refresh at 0s is a redirect: https-downgrade's", res: meta("http://www.shop.test/home", 0), want: false},
		{name: "Refresh header at 0s is a redirect: https-downgrade's", res: header("http://other.test/", 0), want: false},
		{name: "meta refresh after 1s", res: meta("http://www.shop.test/home", 1), want: true, contains: []string{"meta refresh after 1s", "plain HTTP"}},
		{name: "meta refresh after 5s", res: meta("http://other.test/", 5), want: true, contains: []string{"after 5s"}},
		{name: "Refresh header", res: header("http://other.test/", 1), want: true, contains: []string{"Refresh header"}},
		{name: "Refresh header delayed", res: header("http://other.test/", 30), want: true, contains: []string{"after 30s"}},
		{name: "https target", res: meta("https://other.test/", 5), want: false},
		{name: "relative target already resolved against https", res: with(meta("https://www.shop.test/next", 5), func(r *crawler.Resource) { r.Raw = "5; url=/next" }), want: false},
		{name: "localhost target", res: meta("http://localhost:8080/", 5), want: false},
		{name: "loopback target", res: meta("http://127.0.0.5/", 5), want: false},
		{name: "ftp target", res: meta("ftp://files.test/", 5), want: true, contains: []string{"FTP"}},
		{name: "http page", page: testHTTPPage, res: meta("http://other.test/", 5), want: false},
		{
			name: "UIR, same host", res: with(meta("http://www.shop.test/home", 5), func(r *crawler.Resource) { r.UpgradedByCSP = true }),
			want: true, wantMitigation: MitigationCSPUpgrade, contains: []string{"upgrade-insecure-requests"},
		},
		{name: "UIR, other host is not upgraded", res: with(meta("http://other.test/", 5), func(r *crawler.Resource) { r.UpgradedByCSP = true }), want: true},
		{name: "UIR, same host other port is not upgraded", res: with(meta("http://www.shop.test:8080/", 5), func(r *crawler.Resource) { r.UpgradedByCSP = true }), want: true},
		{
			name: "UIR, in a frame any host is upgraded", frame: true, res: with(meta("http://other.test/", 5), func(r *crawler.Resource) { r.UpgradedByCSP = true }),
			want: true, wantMitigation: MitigationCSPUpgrade,
		},
		{name: "same host without UIR", res: meta("http://www.shop.test/home", 5), want: true},
		{name: "link is not a refresh", res: html(crawler.KindLink, "a", "href", "http://other.test/"), want: false},
	}
	runRefCases(t, insecureRefresh(), tests, nil)
}
