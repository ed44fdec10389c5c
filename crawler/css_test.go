package crawler

import (
	"slices"
	"testing"
)

func TestExtractCSS(t *testing.T) {
	t.Parallel()
	const sheet = "https://static.shop.test/css/main.css"
	tests := []struct {
		name string
		base string // the sheet's URL; sheet when empty
		css  string
		want []string // describe() of each resource
	}{
		{"background unquoted", "", `.a{background:url(img/a.png)}`,
			[]string{"image background[url] https://static.shop.test/css/img/a.png L1 css"}},
		{"background-image double quoted", "", `.a { background-image: url("/b.png") }`,
			[]string{"image background-image[url] https://static.shop.test/b.png L1 css"}},
		{"single quoted with spaces", "", `.a { cursor: url( 'c.cur' ), auto }`,
			[]string{"image cursor[url] https://static.shop.test/css/c.cur L1 css"}},
		{"upper-case URL and property", "", `.a { BACKGROUND: URL(d.png) }`,
			[]string{"image background[url] https://static.shop.test/css/d.png L1 css"}},
		{"protocol-relative takes the sheet's scheme", "", `.a{background:url(//cdn.test/x.png)}`,
			[]string{"image background[url] https://cdn.test/x.png L1 css"}},
		{"protocol-relative in an http sheet", "http://static.shop.test/main.css", `.a{background:url(//cdn.test/x.png)}`,
			[]string{"image background[url] http://cdn.test/x.png L1 css"}},
		{"mask-image", "", `.a{mask-image:url(http://cdn.test/m.svg)}`,
			[]string{"image mask-image[url] http://cdn.test/m.svg L1 css"}},
		{"several urls in one value", "", `.a{background:url(a.png),url("b.png")}`,
			[]string{
				"image background[url] https://static.shop.test/css/a.png L1 css",
				"image background[url] https://static.shop.test/css/b.png L1 css",
			}},
		{"@import string", "", `@import "base.css";`,
			[]string{"stylesheet @import[url] https://static.shop.test/css/base.css L1 css"}},
		{"@import url", "", `@import url(http://cdn.test/x.css) screen;`,
			[]string{"stylesheet @import[url] http://cdn.test/x.css L1 css"}},
		{"@import url quoted with layer", "", `@IMPORT url("y.css") layer(base) supports(display:grid);`,
			[]string{"stylesheet @import[url] https://static.shop.test/css/y.css L1 css"}},
		{"@import after @charset and @layer", "", `@charset "utf-8"; @layer a, b; @import "z.css";`,
			[]string{"stylesheet @import[url] https://static.shop.test/css/z.css L1 css"}},
		{"@import after a rule is ignored", "", `.a{color:red} @import "late.css";`, nil},
		{"@import inside @media is ignored", "", `@media print { @import "p.css"; }`, nil},
		{"@namespace is not a fetch", "", `@namespace svg url(http://www.w3.org/2000/svg); @namespace "http://x.test/ns";`, nil},
		{"@font-face src", "", `@font-face { font-family: X; src: url(f.woff2) format("woff2"), url('f.woff') format("woff"), local("X"); }`,
			[]string{
				"font @font-face[url] https://static.shop.test/css/f.woff2 L1 css",
				"font @font-face[url] https://static.shop.test/css/f.woff L1 css",
			}},
		{"@font-face inside @media", "", "@media screen {\n@font-face { src: url(http://cdn.test/g.woff) }\n}",
			[]string{"font @font-face[url] http://cdn.test/g.woff L2 css"}},
		{"image-set strings and urls", "", `.a{background-image:image-set("a.png" 1x, url(b.png) 2x, "c.avif" type("image/avif"))}`,
			[]string{
				"image background-image[url] https://static.shop.test/css/a.png L1 css",
				"image background-image[url] https://static.shop.test/css/b.png L1 css",
				"image background-image[url] https://static.shop.test/css/c.avif L1 css",
			}},
		{"-webkit-image-set", "", `.a{background-image:-webkit-image-set("w.png" 1x)}`,
			[]string{"image background-image[url] https://static.shop.test/css/w.png L1 css"}},
		{"url in a string is text", "", `.a::before{content:"url(http://no.test/a.png)"}`, nil},
		{"url in a comment", "", `/* .a{background:url(http://no.test/a.png)} */ .b{color:red}`, nil},
		{"unterminated comment", "", `.b{background:url(ok.png)} /* url(http://no.test/a.png)`,
			[]string{"image background[url] https://static.shop.test/css/ok.png L1 css"}},
		{"url in a selector", "", `a[href="url(http://no.test/)"]{color:red}`, nil},
		{"strings outside url are not fetches", "", `.a{font-family:"http://no.test/f"; quotes: "a" "b"}`, nil},
		{"escaped url", "", `.a{background:url(http\:\/\/cdn.test\/e\ s.png)}`,
			[]string{"image background[url] http://cdn.test/e%20s.png L1 css"}},
		{"hex escape in property", "", `.a{b\61 ckground:url(p.png)}`,
			[]string{"image background[url] https://static.shop.test/css/p.png L1 css"}},
		{"escaped quote in string", "", `.a{background:url("q\".png")}`,
			[]string{`image background[url] https://static.shop.test/css/q%22.png L1 css`}},
		{"line continuation in string", "", "@import \"a\\\nb.css\";\n.x{background:url(y.png)}",
			[]string{
				"stylesheet @import[url] https://static.shop.test/css/ab.css L1 css",
				"image background[url] https://static.shop.test/css/y.png L3 css",
			}},
		{"bad url is dropped", "", `.a{background:url(a b.png)} .c{background:url(c.png)}`,
			[]string{"image background[url] https://static.shop.test/css/c.png L1 css"}},
		{"bad url with quote inside", "", `.a{background:url(a"b.png)} .c{background:url(c.png)}`,
			[]string{"image background[url] https://static.shop.test/css/c.png L1 css"}},
		{"data url dropped", "", `.a{background:url(data:image/png;base64,AAAA)}`, nil},
		{"empty url dropped", "", `.a{background:url()} .b{background:url("")}`, nil},
		{"fragment-only is a local reference", "", `.a{filter:url(#blur); clip-path:url("#c")}`, nil},
		{"external filter", "", `.a{filter:url(f.svg#blur)}`,
			[]string{"image filter[url] https://static.shop.test/css/f.svg L1 css"}},
		{"custom property", "", `:root{--Hero: url(h.png)}`,
			[]string{"image --hero[url] https://static.shop.test/css/h.png L1 css"}},
		{"nested rule", "", `.a{color:red; &:hover{background:url(n.png)} .b &{list-style:url(l.png)}}`,
			[]string{
				"image background[url] https://static.shop.test/css/n.png L1 css",
				"image list-style[url] https://static.shop.test/css/l.png L1 css",
			}},
		{"nested media", "", `@media (min-width: 1px) { @supports (display:grid) { .a { border-image: url(b.png) 30 } } }`,
			[]string{"image border-image[url] https://static.shop.test/css/b.png L1 css"}},
		{"lines", "", "\n.a {\n  color: red;\n  background:\n    url(x.png);\n}\r\n.b{content:url(y.png)}\r.c{cursor:url(z.cur)}",
			[]string{
				"image background[url] https://static.shop.test/css/x.png L5 css",
				"image content[url] https://static.shop.test/css/y.png L7 css",
				"image cursor[url] https://static.shop.test/css/z.cur L8 css",
			}},
		{"lines after a multi-line comment", "", "/*\n\n*/\n.a{background:url(a.png)}",
			[]string{"image background[url] https://static.shop.test/css/a.png L4 css"}},
		{"url function with var is not a url", "", `.a{background:url(var(--x))}`, nil},
		{"declaration at top level is not applied", "", `background:url(top.png);`, nil},
		{"CDO and CDC are ignored", "", `<!-- .a{background:url(a.png)} -->`,
			[]string{"image background[url] https://static.shop.test/css/a.png L1 css"}},
		{"unterminated block", "", `.a{background:url(a.png)`,
			[]string{"image background[url] https://static.shop.test/css/a.png L1 css"}},
		{"src() function", "", `.a{background-image:src("s.png")}`,
			[]string{"image background-image[url] https://static.shop.test/css/s.png L1 css"}},
		{"ftp and ws kept", "", `.a{background:url(ftp://f.test/a.png)}`,
			[]string{"image background[url] ftp://f.test/a.png L1 css"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			base := tt.base
			if base == "" {
				base = sheet
			}
			got := describeAll(ExtractCSS(mustParse(t, base), []byte(tt.css), 1))
			if !slices.Equal(got, tt.want) {
				t.Errorf("ExtractCSS(%q)\n got: %q\nwant: %q", tt.css, got, tt.want)
			}
		})
	}
}

func TestExtractCSSFirstLine(t *testing.T) {
	t.Parallel()
	got := describeAll(ExtractCSS(mustParse(t, "https://shop.test/"), []byte("\n.a{background:url(a.png)}"), 40))
	want := []string{"image background[url] https://shop.test/a.png L41 css"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestExtractStyleAttr(t *testing.T) {
	t.Parallel()
	base := mustParse(t, "https://shop.test/p/")
	tests := []struct {
		name string
		decl string
		want []string
	}{
		{"background", `background-image: url(bg.png)`,
			[]string{"image background-image[url] https://shop.test/p/bg.png L7 css"}},
		{"several declarations", `color: red; list-style: url("http://x.test/l.png") inside; cursor:url(c.cur),auto`,
			[]string{
				"image list-style[url] http://x.test/l.png L7 css",
				"image cursor[url] https://shop.test/p/c.cur L7 css",
			}},
		{"newline in value", "color:red;\nbackground:url(a.png)",
			[]string{"image background[url] https://shop.test/p/a.png L8 css"}},
		{"stray brace does not end the declarations", `} background:url(b.png)`,
			[]string{"image background[url] https://shop.test/p/b.png L7 css"}},
		{"@import is not allowed", `@import "x.css"`, nil},
		{"string is text", `content: "url(x.png)"`, nil},
		{"empty", ``, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := describeAll(ExtractStyleAttr(base, tt.decl, 7))
			if !slices.Equal(got, tt.want) {
				t.Errorf("ExtractStyleAttr(%q)\n got: %q\nwant: %q", tt.decl, got, tt.want)
			}
		})
	}
}
