package crawler

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	htmltok "golang.org/x/net/html"
)

// addFileSeeds adds every file matching pattern under testdata as one seed.
func addFileSeeds(f *testing.F, pattern string) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil {
		f.Fatal(err)
	}
	if len(files) == 0 {
		f.Fatalf("no seed files match testdata/%s", pattern)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// checkResources fails when a resource's URL is not an absolute, fetchable URL in the
// normalised form (stable under NormalizeURL), or its line is negative.
func checkResources(t *testing.T, rs []Resource) {
	t.Helper()
	for _, r := range rs {
		u, err := url.Parse(r.URL)
		if err != nil {
			t.Fatalf("resource URL %q (raw %q) does not parse: %v", r.URL, r.Raw, err)
		}
		if !u.IsAbs() || !Fetchable(u) {
			t.Fatalf("resource URL %q (raw %q) is not absolute and fetchable", r.URL, r.Raw)
		}
		if n := NormalizeURL(u); n != r.URL {
			t.Fatalf("resource URL %q (raw %q) is not in normal form: %q", r.URL, r.Raw, n)
		}
		if r.Line < 0 {
			t.Fatalf("resource %q has line %d", r.URL, r.Line)
		}
		if r.Kind == "" || r.Source == "" {
			t.Fatalf("resource %q has no kind or source: %+v", r.URL, r)
		}
	}
}

func FuzzExtractHTML(f *testing.F) {
	addFileSeeds(f, "*.html")
	for _, s := range []string{
		`<base href="//x.test/"><img srcset="a 1x, data:,a,b 2x" src=b><svg><use href=#a /></svg>`,
		`<iframe srcdoc="<iframe srcdoc='<base href=http://a.test/><img src=x>'></iframe>"></iframe>`,
		`<meta http-equiv=refresh content="0;url='http:\\x.test\a'"><form method=dialog></form>`,
		"<svg><script><![CDATA[</script>]]></script><math><mi><style>@import 'x'</style>",
		"<template><template></template><img src=a></template><picture><source srcset=a><img src=b>",
		"<style>@import url(\"a\\\n\");.a{background:url(b\\)c)}</style><p style='b\\61ckground:url(x)'>",
		"\r\n\r<a href=\"\tjava\nscript:x\" onclick=y ping=\"a b\" download>",
	} {
		f.Add([]byte(s))
	}
	base := mustParse(f, testPage)
	f.Fuzz(func(t *testing.T, body []byte) {
		doc := ExtractHTML(base, body)
		checkResources(t, doc.Resources)
		for _, s := range doc.InlineScripts {
			if s.Line < 1 || len(s.SHA256) != 64 {
				t.Fatalf("bad inline script %+v", s)
			}
		}
		for _, fl := range doc.Fields {
			if fl.Line < 1 {
				t.Fatalf("bad field %+v", fl)
			}
		}
		for _, c := range doc.MetaCSP {
			if c.Line < 1 || c.Source != "meta" {
				t.Fatalf("bad meta CSP %+v", c)
			}
		}
		if doc.Base == "" {
			t.Fatal("no base URL")
		}
		if !bytes.ContainsAny(body, "\n\r&") {
			for _, r := range doc.Resources {
				if r.Line != 1 {
					t.Fatalf("single-line input, resource %q on line %d", r.URL, r.Line)
				}
			}
		}
	})
}

func FuzzExtractCSS(f *testing.F) {
	addFileSeeds(f, "*.css")
	for _, s := range []string{
		`@import "a.css"; @namespace url(x); .a{background:url( b.png )}`,
		`@font-face{src:url(f.woff2)format("woff2")} .b{mask:image-set("m.png" 1x,url(n.png)2x)}`,
		"/* unterminated url( 'x' \n",
		`.a{background:url(\"\\)}.b{content:"\` + "\n" + `"}`,
		`<!--@import 'x';--> .a{b:url(` + "\x00" + `)}`,
	} {
		f.Add([]byte(s))
	}
	base := mustParse(f, "https://static.shop.test/css/main.css")
	f.Fuzz(func(t *testing.T, css []byte) {
		rs := ExtractCSS(base, css, 1)
		checkResources(t, rs)
		for _, r := range rs {
			if r.Line < 1 || r.Source != SourceCSS || r.Attribute != "url" || r.Element == "" {
				t.Fatalf("bad CSS resource %+v", r)
			}
		}
		checkResources(t, ExtractStyleAttr(base, string(css), 3))
	})
}

func FuzzSrcset(f *testing.F) {
	file, err := os.Open(filepath.Join("testdata", "srcset.txt"))
	if err != nil {
		f.Fatal(err)
	}
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		f.Add(sc.Text())
	}
	if err := file.Close(); err != nil {
		f.Fatal(err)
	}
	base := mustParse(f, testPage)
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range ParseSrcset(s) {
			if c == "" || strings.ContainsAny(c, " \t\n\r\f") || c[0] == ',' || c[len(c)-1] == ',' {
				t.Fatalf("ParseSrcset(%q): bad candidate %q", s, c)
			}
			if !strings.Contains(s, c) {
				t.Fatalf("ParseSrcset(%q): candidate %q not in the input", s, c)
			}
		}
		doc := ExtractHTML(base, []byte(`<img srcset="`+strings.ReplaceAll(s, `"`, "&quot;")+`">`))
		checkResources(t, doc.Resources)
	})
}

func FuzzHeaders(f *testing.F) {
	for _, s := range []string{
		`</app.js>; rel=preload; as=script, <https://cdn.test/a.css>; rel="stylesheet"; integrity="sha384-x"; crossorigin`,
		`<a.png>; rel=preload; as=image; imagesrcset="b.png 1x, c.png 2x"; title="a \"b\", c"`,
		`0; URL='http://x.test/'`,
		`default-src 'self'; upgrade-insecure-requests, script-src *`,
	} {
		f.Add(s)
	}
	base := mustParse(f, testPage)
	f.Fuzz(func(t *testing.T, s string) {
		checkResources(t, ParseLinkHeader(base, []string{s, s}))
		if delay, target, ok := ParseRefresh(s); ok && (delay < 0 || target == "") {
			t.Fatalf("ParseRefresh(%q) = %d, %q, true", s, delay, target)
		}
		for _, p := range ParseCSP(s) {
			for _, d := range p.Directives {
				if d.Name == "" {
					t.Fatalf("ParseCSP(%q): empty directive name", s)
				}
			}
			p.RestrictsScripts()
			p.UpgradesInsecureRequests()
		}
	})
}

// compactCSP writes policies back in the shortest form ParseCSP reads: directives joined by
// ";", policies by ",", values by one space.
func compactCSP(ps []Policy) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte(',')
		}
		for j, d := range p.Directives {
			if j > 0 {
				b.WriteByte(';')
			}
			b.WriteString(strings.Join(append([]string{d.Name}, d.Values...), " "))
		}
	}
	return b.String()
}

// FuzzCSP: parsing the compact form of a parse gives the same policies (round trip), which is
// never longer than the input (bounded output); two header values parse as the concatenation of
// their policies (agreement of two paths); names are lower-case ASCII, values hold no separator.
func FuzzCSP(f *testing.F) {
	for _, s := range [][2]string{
		{"default-src 'self'; script-src https://a.test 'nonce-x'; upgrade-insecure-requests", "script-src *"},
		{"SCRIPT-SRC a; script-src b;;; ;default-src\t'none'\f", "report-uri /r, img-src data:"},
		{"script-src 'self' café.test; upgrade-insecure-requests", ",,;"},
		{"default-src http:", "DEFAULT-SRC HTTPS:; Script-Src 'unsafe-inline'"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ps := ParseCSP(a)
		compact := compactCSP(ps)
		if len(compact) > len(a) {
			t.Fatalf("ParseCSP(%q): compact form %q is longer than the input", a, compact)
		}
		if again := ParseCSP(compact); !reflect.DeepEqual(again, ps) {
			t.Fatalf("ParseCSP(%q) = %q, but its compact form %q parses as %q", a, ps, compact, again)
		}
		if len(ps) > strings.Count(a, ",")+1 {
			t.Fatalf("ParseCSP(%q): %d policies", a, len(ps))
		}
		for _, p := range ps {
			if len(p.Directives) == 0 {
				t.Fatalf("ParseCSP(%q): empty policy", a)
			}
			for _, d := range p.Directives {
				if d.Name == "" || d.Name != strings.ToLower(d.Name) || !isASCII(d.Name) {
					t.Fatalf("ParseCSP(%q): directive name %q", a, d.Name)
				}
				if got, ok := p.Directive(strings.ToUpper(d.Name)); !ok || !reflect.DeepEqual(got, d.Values) {
					t.Fatalf("ParseCSP(%q): Directive(%q) does not find %v", a, d.Name, d)
				}
				for _, v := range d.Values {
					if v == "" || strings.ContainsAny(v, ",; \t\n\f\r") {
						t.Fatalf("ParseCSP(%q): value %q of %s", a, v, d.Name)
					}
				}
			}
			p.RestrictsScripts()
			p.UpgradesInsecureRequests()
		}
		both := append(append([]Policy(nil), ps...), ParseCSP(b)...)
		if got := ParseCSP(a + "," + b); !reflect.DeepEqual(got, both) && len(got)+len(both) > 0 {
			t.Fatalf("ParseCSP(%q + \",\" + %q) = %q, want %q", a, b, got, both)
		}
	})
}

// quoteParam writes v as a Link header quoted-string.
func quoteParam(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}

// FuzzLinkHeader: each resource a Link header value yields, written back as a link of its own
// with the parameters padlock reads, parses to the same fetch (round trip); no value yields more
// resources than it has bytes (bounded output); every resource is absolute and normalised.
func FuzzLinkHeader(f *testing.F) {
	for _, s := range []string{
		`</app.js>; rel=preload; as=script, <https://cdn.test/a.css>; rel="stylesheet"; integrity="sha384-x"; crossorigin`,
		`<a.png>; rel=preload; as=image; imagesrcset="b.png 1x, c.png 2x"; title="a \"b\", c"`,
		`<m.js>; rel=modulepreload; crossorigin=use-credentials, <x>; anchor="#a"; rel=icon`,
		`<http://x.test/f.woff2>; REL="Preload Prefetch"; As=Font; rel=stylesheet, junk; <y.css>; rel=stylesheet`,
		`<a,b.css>; rel*=UTF-8''stylesheet; integrity="a\\b\"c", <\>; rel=manifest`,
	} {
		f.Add(s)
	}
	base := mustParse(f, testPage)
	f.Fuzz(func(t *testing.T, s string) {
		rs := ParseLinkHeader(base, []string{s})
		checkResources(t, rs)
		if len(rs) > len(s) {
			t.Fatalf("ParseLinkHeader(%q): %d resources from %d bytes", s, len(rs), len(s))
		}
		for _, r := range rs {
			if r.Source != SourceHeader || r.Element != "Link" || (r.Attribute != "" && r.Attribute != "imagesrcset") {
				t.Fatalf("ParseLinkHeader(%q): bad resource %+v", s, r)
			}
			if r.Attribute != "" {
				continue
			}
			link := "<" + r.Raw + ">; rel=" + quoteParam(r.Rel) + "; as=" + quoteParam(r.As) + "; integrity=" + quoteParam(r.Integrity)
			if r.HasCrossOrigin {
				link += "; crossorigin=" + quoteParam(r.CrossOrigin)
			}
			again := ParseLinkHeader(base, []string{link})
			if len(again) != 1 {
				t.Fatalf("ParseLinkHeader(%q): resource %+v written back as %q gives %d resources", s, r, link, len(again))
			}
			g := again[0]
			if g.URL != r.URL || g.Raw != r.Raw || g.Kind != r.Kind || g.Rel != r.Rel || g.As != r.As ||
				g.Integrity != r.Integrity || g.CrossOrigin != r.CrossOrigin || g.HasCrossOrigin != r.HasCrossOrigin {
				t.Fatalf("ParseLinkHeader(%q): resource %+v written back as %q parses as %+v", s, r, link, g)
			}
		}
	})
}

// FuzzRobots reads robots.txt files as the crawl obeys them. Properties: the same verdict for a
// path, the same sitemaps and crawl delay whichever line ending the file uses (RFC 9309: CR,
// LF or CRLF); the crawl delay is between 0 and a minute; every sitemap is a line's text, at
// most one per line.
func FuzzRobots(f *testing.F) {
	for _, s := range [][2]string{
		{"User-agent: *\nDisallow: /private/\nAllow: /private/ok\nCrawl-delay: 2\nSitemap: https://s.test/sitemap.xml\n", "/private/x"},
		{"User-agent: padlock\nDisallow: /\n\nUser-agent: *\nAllow: /\n", "/a?b=c"},
		{"user-agent: PADLOCK/1.0\r\ndisallow: /*.php$\r\ncrawl-delay: 99999999999\r\n", "/x.php"},
		{"# comment\nUser-agent: *\nDisallow: /a%2Fb\nCrawl-delay: -3\nsitemap:\t /s.xml # x", "/a/b"},
		{"User-agent: *\nDisallow:\n\xef\xbb\xbfSitemap: x\n", "/"},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, body, path string) {
		u, err := url.Parse("https://s.test/" + strings.TrimPrefix(path, "/"))
		if err != nil {
			return
		}
		type verdict struct {
			allowed  bool
			delay    time.Duration
			sitemaps []string
			err      bool
		}
		read := func(text string) verdict {
			group, sitemaps, err := parseRobots(200, []byte(text), "padlock/1.0")
			e := &robotsEntry{group: group, sitemaps: sitemaps}
			return verdict{e.allowed(u), e.crawlDelay(), sitemaps, err != nil}
		}
		lf := strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\r", "\n")
		want := read(lf)
		if want.delay < 0 || want.delay > time.Minute {
			t.Fatalf("crawl delay %v", want.delay)
		}
		if len(want.sitemaps) > strings.Count(lf, "\n")+1 {
			t.Fatalf("%d sitemaps from %d lines", len(want.sitemaps), strings.Count(lf, "\n")+1)
		}
		// The parser reads the file as UTF-8: each invalid byte comes out as U+FFFD, as it does
		// in a conversion to runes.
		text := string([]rune(lf))
		for _, s := range want.sitemaps {
			if !strings.Contains(text, s) || strings.Contains(s, "\n") {
				t.Fatalf("sitemap %q is not the text of a line", s)
			}
		}
		for _, eol := range []string{"\r\n", "\r"} {
			if got := read(strings.ReplaceAll(lf, "\n", eol)); !reflect.DeepEqual(got, want) {
				t.Fatalf("with %q line endings: %+v, with \\n: %+v", eol, got, want)
			}
		}
	})
}

// FuzzSitemap reads sitemap files as the crawl does. Properties: a gzipped sitemap reads as the
// same sitemap unzipped (agreement of two paths); no more URLs than "loc" elements, and no more
// bytes of URLs than the file has (bounded output); every URL is trimmed and not empty.
func FuzzSitemap(f *testing.F) {
	for _, s := range []string{
		`<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc> https://s.test/a </loc></url><url><loc/></url></urlset>`,
		`<sitemapindex><sitemap><loc>https://s.test/s1.xml.gz</loc></sitemap><sitemap><loc>&#x68;ttps://s.test/&amp;s2</loc></sitemap></sitemapindex>`,
		`<urlset><url><x:loc xmlns:x="y"><![CDATA[https://s.test/c]]></x:loc><loc>second</loc></url></urlset>`,
		"<urlset><url><loc>a</loc><loc>b</loc></url>",
		"\x1f\x8b not gzip",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		pages, sitemaps, err := parseSitemap(body)
		if bytes.HasPrefix(body, []byte{0x1f, 0x8b}) {
			return
		}
		size := 0
		for _, s := range append(append([]string(nil), pages...), sitemaps...) {
			if s == "" || s != strings.TrimSpace(s) {
				t.Fatalf("URL %q", s)
			}
			size += len(s)
		}
		if n := bytes.Count(body, []byte("loc")); len(pages)+len(sitemaps) > n || size > len(body) {
			t.Fatalf("%d URLs, %d bytes, from %d bytes with %d \"loc\"", len(pages)+len(sitemaps), size, len(body), n)
		}
		var zipped bytes.Buffer
		zw := gzip.NewWriter(&zipped)
		zw.Write(body)
		zw.Close()
		zpages, zsitemaps, zerr := parseSitemap(zipped.Bytes())
		if (err == nil) != (zerr == nil) || !reflect.DeepEqual(pages, zpages) || !reflect.DeepEqual(sitemaps, zsitemaps) {
			t.Fatalf("gzipped: %q %q %v; plain: %q %q %v", zpages, zsitemaps, zerr, pages, sitemaps, err)
		}
	})
}

// FuzzRawAttrs holds rawAttrs to x/net/html's TagAttr: for every start tag of any input, where
// rawAttrs answers, it gives the same keys and values in the same order.
func FuzzRawAttrs(f *testing.F) {
	for _, s := range []string{
		`<a href="/x" class=y id='z'>`, `<img src=a.png srcset="b.png 2x, c.png 3x"/>`, `<br/>`,
		`<a =x href=y>`, `<a href = "x" href="dup">`, `<a b c=d e = 'f g' h=i/j k=>`, `<p a/b=c>`,
		`<x a="unterminated>`, `<x a='q"'b>`, "<x a=b\tc=d\fe\nf>", `<x A=1 a=2>`, `<x a=&amp;>`,
		"<x a=\"\r\n\">", "<x a=\x00>", `<script src=/s.js async defer></script>`, `<x/ a=b / c>`,
		`<x a="b"c=d>`, `<x ==a>`, `<x a=>`, `<x a= >`, `<x a=/>`, `<x a='>'>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		z := htmltok.NewTokenizer(bytes.NewReader(in))
		var dst []htmlAttr
		for {
			tt := z.Next()
			if tt == htmltok.ErrorToken {
				return
			}
			if tt != htmltok.StartTagToken && tt != htmltok.SelfClosingTagToken {
				continue
			}
			raw := bytes.Clone(z.Raw())
			var ok bool
			dst, ok = rawAttrs(dst[:0], raw)
			var want []htmlAttr
			for {
				k, v, more := z.TagAttr()
				if k == nil {
					break
				}
				want = append(want, htmlAttr{k, v})
				if !more {
					break
				}
			}
			if !ok {
				continue
			}
			if len(dst) != len(want) {
				t.Fatalf("%q: rawAttrs %d attributes %q, TagAttr %d %q", raw, len(dst), dst, len(want), want)
			}
			for i := range want {
				if !bytes.Equal(dst[i].key, want[i].key) || !bytes.Equal(dst[i].val, want[i].val) {
					t.Fatalf("%q: attribute %d: rawAttrs %q=%q, TagAttr %q=%q", raw, i, dst[i].key, dst[i].val, want[i].key, want[i].val)
				}
			}
		}
	})
}
