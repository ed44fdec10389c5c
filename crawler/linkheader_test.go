package crawler

import (
	"slices"
	"testing"
)

func TestParseLinkHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		values []string
		want   []string
	}{
		{"preload script", []string{`</app.js>; rel=preload; as=script`},
			[]string{`script Link[] https://shop.test/app.js L0 header rel="preload" as=script`}},
		{"several links in one value", []string{`<https://cdn.test/a.css>; rel="preload"; as="style", <//cdn.test/b.js>; rel=modulepreload`},
			[]string{
				`stylesheet Link[] https://cdn.test/a.css L0 header rel="preload" as=style`,
				`script Link[] https://cdn.test/b.js L0 header rel="modulepreload" crossorigin=anonymous`,
			}},
		{"several values", []string{`<a.css>; rel=stylesheet`, `<f.woff2>; rel=preload; as=font; crossorigin`},
			[]string{
				`stylesheet Link[] https://shop.test/dir/a.css L0 header rel="stylesheet"`,
				`font Link[] https://shop.test/dir/f.woff2 L0 header rel="preload" as=font crossorigin=anonymous`,
			}},
		{"integrity and crossorigin", []string{`<http://x.test/s.js>; rel=preload; as=script; integrity="sha384-abc"; crossorigin=use-credentials`},
			[]string{`script Link[] http://x.test/s.js L0 header rel="preload" as=script integrity=sha384-abc crossorigin=use-credentials`}},
		{"comma inside the target and quotes", []string{`</a,b.js>; rel="preload"; as=script; title="x, y", </c.png>; rel=prefetch`},
			[]string{
				`script Link[] https://shop.test/a,b.js L0 header rel="preload" as=script`,
				`prefetch Link[] https://shop.test/c.png L0 header rel="prefetch"`,
			}},
		{"case and spacing", []string{`  <x.js> ;REL = "PreLoad" ; AS = Script  `},
			[]string{`script Link[] https://shop.test/dir/x.js L0 header rel="preload" as=script`}},
		{"first rel wins", []string{`<x.js>; rel=preload; rel=stylesheet; as=script`},
			[]string{`script Link[] https://shop.test/dir/x.js L0 header rel="preload" as=script`}},
		{"preload image with imagesrcset", []string{`<a.png>; rel=preload; as=image; imagesrcset="b.png 1x, c.png 2x"`},
			[]string{
				`image Link[] https://shop.test/dir/a.png L0 header imageset rel="preload" as=image`,
				`image Link[imagesrcset] https://shop.test/dir/b.png L0 header imageset rel="preload" as=image`,
				`image Link[imagesrcset] https://shop.test/dir/c.png L0 header imageset rel="preload" as=image`,
			}},
		{"rels that fetch nothing", []string{`<https://shop.test/>; rel=canonical, <https://cdn.test>; rel=preconnect, <//x.test>; rel=dns-prefetch, <de.html>; rel=alternate; hreflang=de, <n>; rel=next`}, nil},
		{"no rel", []string{`<x.js>; as=script`}, nil},
		{"anchor describes another resource", []string{`<x.js>; rel=preload; as=script; anchor="#foo"`}, nil},
		{"malformed then good", []string{`garbage; rel=preload, <ok.js>; rel=preload; as=script`},
			[]string{`script Link[] https://shop.test/dir/ok.js L0 header rel="preload" as=script`}},
		{"unterminated target", []string{`<x.js; rel=preload`}, nil},
		{"non-fetchable target", []string{`<data:text/css,x>; rel=stylesheet`}, nil},
		{"escaped quote in parameter", []string{`<x.js>; rel=preload; as=script; title="a \"b\", c"; integrity="sha256-x"`},
			[]string{`script Link[] https://shop.test/dir/x.js L0 header rel="preload" as=script integrity=sha256-x`}},
		{"empty", []string{""}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := describeAll(ParseLinkHeader(mustParse(t, testPage), tt.values))
			if !slices.Equal(got, tt.want) {
				t.Errorf("ParseLinkHeader(%q)\n got: %q\nwant: %q", tt.values, got, tt.want)
			}
		})
	}
}

func TestParseRefresh(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in         string
		wantDelay  int
		wantTarget string
		wantOK     bool
	}{
		{"0; URL='http://x.test/'", 0, "http://x.test/", true},
		{`0; url="http://x.test/a"b`, 0, "http://x.test/a", true},
		{"5;url=next.html", 5, "next.html", true},
		{"3, url=/x", 3, "/x", true},
		{"0;http://x.test/", 0, "http://x.test/", true},
		{"0 http://x.test/", 0, "http://x.test/", true},
		{"  10 ;  URL = 'a b.html' ", 10, "a b.html", true},
		{"1.5; url=x", 1, "x", true},
		{".5; url=x", 0, "x", true},
		{"0; url='unterminated", 0, "unterminated", true},
		{"0; urlx", 0, "urlx", true},
		{"0; url", 0, "url", true},
		{"0; ur=x", 0, "ur=x", true},
		{"99999999999999999999; url=x", 2147483647, "x", true},
		{"5", 5, "", false},
		{"5;", 5, "", false},
		{"0; url=", 0, "", false},
		{"0; url=''", 0, "", false},
		{"", 0, "", false},
		{"abc; url=x", 0, "", false},
		{"5x; url=y", 0, "", false},
		{"-1; url=x", 0, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			delay, target, ok := ParseRefresh(tt.in)
			if delay != tt.wantDelay || target != tt.wantTarget || ok != tt.wantOK {
				t.Errorf("ParseRefresh(%q) = %d, %q, %v; want %d, %q, %v", tt.in, delay, target, ok, tt.wantDelay, tt.wantTarget, tt.wantOK)
			}
		})
	}
}
