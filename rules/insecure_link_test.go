package rules

import (
	"testing"

	"github.com/padlock-scan/padlock/crawler"
)

func TestInsecureLink(t *testing.T) {
	t.Parallel()
	a := func(u string) crawler.Resource { return html(crawler.KindLink, "a", "href", u) }
	uir := func(r crawler.Resource) crawler.Resource {
		return with(r, func(r *crawler.Resource) { r.UpgradedByCSP = true })
	}
	tests := []refCase{
		{name: "a href http", res: a("http://blog.test/post"), want: true, contains: []string{"link from an HTTPS page to plain HTTP", "leaves HTTPS"}},
		{name: "area href http", res: html(crawler.KindLink, "area", "href", "http://map.test/"), want: true},
		{name: "ftp link", res: a("ftp://files.test/pub/"), want: true, contains: []string{"FTP"}},
		{name: "https link", res: a("https://blog.test/post"), want: false},
		{name: "localhost link", res: a("http://localhost:3000/"), want: false},
		{name: "loopback link", res: a("http://127.0.0.1/"), want: false},
		{name: "::1 link", res: a("http://[::1]/"), want: false},
		{name: "localhost.example.com link", res: a("http://localhost.example.com/"), want: true},
		{name: "mailto", res: a("mailto:help@shop.test"), want: false},
		{name: "tel", res: a("tel:+15551234"), want: false},
		{name: "javascript", res: a("javascript:void(0)"), want: false},
		{name: "fragment resolved to https page", res: a(testHTTPSPage + "#top"), want: false},
		{name: "download is mixed content, not a link", res: html(crawler.KindDownload, "a", "href", "http://files.test/a.zip"), want: false},
		{name: "ping is mixed content, not a link", res: html(crawler.KindPing, "a", "ping", "http://track.test/p"), want: false},
		{name: "http page", page: testHTTPPage, res: a("http://blog.test/"), want: false},
		{name: "UIR, same host", res: uir(a("http://www.shop.test/about")), want: true, wantMitigation: MitigationCSPUpgrade, contains: []string{"upgrade-insecure-requests"}},
		{name: "UIR, same host explicit default port", res: uir(a("http://www.shop.test:80/about")), want: true, wantMitigation: MitigationCSPUpgrade},
		{name: "UIR, same host upper case", res: uir(a("http://WWW.SHOP.TEST/about")), want: true, wantMitigation: MitigationCSPUpgrade},
		{name: "UIR, other port", res: uir(a("http://www.shop.test:8080/")), want: true},
		{name: "UIR, other host", res: uir(a("http://blog.test/")), want: true},
		{name: "UIR, ftp same host", res: uir(a("ftp://www.shop.test/")), want: true},
		{name: "same host without UIR", res: a("http://www.shop.test/about"), want: true},
	}
	runRefCases(t, insecureLink(), tests, nil)
}
