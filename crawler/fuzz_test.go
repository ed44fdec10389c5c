package crawler

import (
	"bufio"
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
