package crawler

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var updateExtract = flag.Bool("update-extract", false, "rewrite crawler/testdata/*.golden from the extractor's output")

// describe renders the fields of r a test cares about on one line:
// "kind element[attribute] URL Lline source" followed by the flags that are set.
func describe(r Resource) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s[%s] %s L%d %s", r.Kind, r.Element, r.Attribute, r.URL, r.Line, r.Source)
	if r.Imageset {
		b.WriteString(" imageset")
	}
	if r.UpgradedByCSP {
		b.WriteString(" uir")
	}
	if r.Rel != "" {
		fmt.Fprintf(&b, " rel=%q", r.Rel)
	}
	if r.As != "" {
		fmt.Fprintf(&b, " as=%s", r.As)
	}
	if r.Integrity != "" {
		fmt.Fprintf(&b, " integrity=%s", r.Integrity)
	}
	if r.HasCrossOrigin {
		fmt.Fprintf(&b, " crossorigin=%s", r.CrossOrigin)
	} else if r.CrossOrigin != "" {
		fmt.Fprintf(&b, " crossorigin=%s(not present!)", r.CrossOrigin)
	}
	if r.Method != "" {
		fmt.Fprintf(&b, " method=%s", r.Method)
	}
	if r.RefreshDelay != 0 {
		fmt.Fprintf(&b, " delay=%d", r.RefreshDelay)
	}
	if r.Stylesheet != "" {
		fmt.Fprintf(&b, " sheet=%s", r.Stylesheet)
	}
	if r.Count > 1 {
		fmt.Fprintf(&b, " x%d", r.Count)
	}
	return b.String()
}

func describeAll(rs []Resource) []string {
	var out []string
	for _, r := range rs {
		out = append(out, describe(r))
	}
	return out
}

const testPage = "https://shop.test/dir/page.html"

func TestExtractHTMLResources(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		html string
		want []string
	}{
		// img, srcset, picture
		{"img src", `<img src="a.png">`, []string{"image img[src] https://shop.test/dir/a.png L1 html"}},
		{"img srcset makes src imageset", `<img src="http://x.test/a.png" srcset="b.png 1x, /c.png 2x">`, []string{
			"image img[src] http://x.test/a.png L1 html imageset",
			"image img[srcset] https://shop.test/dir/b.png L1 html imageset",
			"image img[srcset] https://shop.test/c.png L1 html imageset",
		}},
		{"empty srcset still makes src imageset", `<img src="a.png" srcset="">`, []string{
			"image img[src] https://shop.test/dir/a.png L1 html imageset",
		}},
		{"srcset with data URLs containing commas", `<img srcset="data:image/png;base64,AA,BB 1x, http://x.test/b.png 2x">`, []string{
			"image img[srcset] http://x.test/b.png L1 html imageset",
		}},
		{"picture", `<picture><source srcset="a.webp 1x, b.webp 2x" type="image/webp"><source src="ignored.png"><img src="c.png"></picture><img src="d.png">`, []string{
			"image source[srcset] https://shop.test/dir/a.webp L1 html imageset",
			"image source[srcset] https://shop.test/dir/b.webp L1 html imageset",
			"image img[src] https://shop.test/dir/c.png L1 html imageset",
			"image img[src] https://shop.test/dir/d.png L1 html",
		}},
		{"html image element is img", `<image src="i.png">`, []string{"image img[src] https://shop.test/dir/i.png L1 html"}},
		{"input type=image", `<input type="IMAGE" src="go.png"><input type="text" src="no.png">`, []string{
			"image input[src] https://shop.test/dir/go.png L1 html",
		}},
		// media
		{"video src and poster", `<video src="v.mp4" poster="p.jpg"></video>`, []string{
			"media video[src] https://shop.test/dir/v.mp4 L1 html",
			"image video[poster] https://shop.test/dir/p.jpg L1 html",
		}},
		{"audio and video sources", `<audio><source src="a.ogg"><source src="a.mp3"></audio><video><source src="v.webm"><track src="t.vtt"></video>`, []string{
			"media source[src] https://shop.test/dir/a.ogg L1 html",
			"media source[src] https://shop.test/dir/a.mp3 L1 html",
			"media source[src] https://shop.test/dir/v.webm L1 html",
			"track track[src] https://shop.test/dir/t.vtt L1 html",
		}},
		{"source outside media or picture", `<source src="x.mp4" srcset="y.png">`, nil},
		// scripts
		{"script src with SRI", `<script src="http://cdn.test/a.js" integrity="sha384-abc" crossorigin></script>`, []string{
			"script script[src] http://cdn.test/a.js L1 html integrity=sha384-abc crossorigin=anonymous",
		}},
		{"script crossorigin values", `<script src="a.js" crossorigin="use-credentials"></script><script src="b.js" crossorigin="bogus"></script><script src="c.js"></script>`, []string{
			"script script[src] https://shop.test/dir/a.js L1 html crossorigin=use-credentials",
			"script script[src] https://shop.test/dir/b.js L1 html crossorigin=anonymous",
			"script script[src] https://shop.test/dir/c.js L1 html",
		}},
		{"module script is CORS", `<script type="module" src="m.js"></script><script type=MODULE src="n.js" crossorigin="use-credentials"></script>`, []string{
			"script script[src] https://shop.test/dir/m.js L1 html crossorigin=anonymous",
			"script script[src] https://shop.test/dir/n.js L1 html crossorigin=use-credentials",
		}},
		{"script types", `<script type="text/javascript; charset=utf-8" src="a.js"></script><script language="JavaScript" src="b.js"></script><script type="text/template" src="no.js"></script><script type="importmap" src="no2.js"></script><script type="" src="c.js"></script>`, []string{
			"script script[src] https://shop.test/dir/a.js L1 html",
			"script script[src] https://shop.test/dir/b.js L1 html",
			"script script[src] https://shop.test/dir/c.js L1 html",
		}},
		{"empty script src fetches nothing", `<script src=""></script><script src="  "></script>`, nil},
		{"script text is not markup", `<script>document.write('<img src="http://no.test/a.png">')</script>`, nil},
		// SVG
		{"svg script", `<svg><script href="s1.js"/><script xlink:href="s2.js"></script><script href="s3.js" xlink:href="no.js"/></svg>`, []string{
			"script script[href] https://shop.test/dir/s1.js L1 html",
			"script script[xlink:href] https://shop.test/dir/s2.js L1 html",
			"script script[href] https://shop.test/dir/s3.js L1 html",
		}},
		{"svg image and feImage, href wins", `<svg><image xlink:href="a.png"/><image xlink:href="no.png" href="b.png"/><filter><feImage href="c.png"/></filter></svg>`, []string{
			"image image[xlink:href] https://shop.test/dir/a.png L1 html",
			"image image[href] https://shop.test/dir/b.png L1 html",
			"image feimage[href] https://shop.test/dir/c.png L1 html",
		}},
		{"svg use external only", `<svg><use href="#icon"/><use xlink:href=" #x"/><use href="sprite.svg#cart"/></svg>`, []string{
			"image use[href] https://shop.test/dir/sprite.svg L1 html",
		}},
		{"svg a", `<svg><a xlink:href="http://x.test/"><text>x</text></a></svg>`, []string{
			"link a[xlink:href] http://x.test/ L1 html",
		}},
		{"svg self-closing script does not swallow the page", `<svg><script href="a.js"/></svg><img src="after.png">`, []string{
			"script script[href] https://shop.test/dir/a.js L1 html",
			"image img[src] https://shop.test/dir/after.png L1 html",
		}},
		{"html breaks out of unclosed svg", `<svg><g><p>x</p><script>var s = '<img src="http://no.test/">'</script>`, nil},
		{"svg image outside svg is img", `<image href="no.png">`, nil},
		{"foreignObject holds html", `<svg><foreignObject><iframe src="f.html"></iframe><script>'<img src=no.png>'</script></foreignObject></svg>`, []string{
			"frame iframe[src] https://shop.test/dir/f.html L1 html",
		}},
		// link
		{"link stylesheet with SRI", `<link rel="stylesheet" href="http://cdn.test/a.css" integrity="sha256-x" crossorigin="anonymous">`, []string{
			`stylesheet link[href] http://cdn.test/a.css L1 html rel="stylesheet" integrity=sha256-x crossorigin=anonymous`,
		}},
		{"link stylesheet disabled is not fetched", `<link rel="stylesheet" href="http://cdn.test/off.css" disabled><link rel="preload" as="style" href="p.css" disabled>`, []string{
			`stylesheet link[href] https://shop.test/dir/p.css L1 html rel="preload" as=style`,
		}},
		{"link alternate stylesheet", `<link rel="Alternate  StyleSheet" href="alt.css">`, []string{
			`stylesheet link[href] https://shop.test/dir/alt.css L1 html rel="alternate stylesheet"`,
		}},
		{"link icons", `<link rel="icon" href="a.ico"><link rel="shortcut icon" href="b.ico"><link rel="apple-touch-icon" href="c.png"><link rel="apple-touch-icon-precomposed" href="d.png"><link rel="mask-icon" href="e.svg">`, []string{
			`icon link[href] https://shop.test/dir/a.ico L1 html rel="icon"`,
			`icon link[href] https://shop.test/dir/b.ico L1 html rel="shortcut icon"`,
			`icon link[href] https://shop.test/dir/c.png L1 html rel="apple-touch-icon"`,
			`icon link[href] https://shop.test/dir/d.png L1 html rel="apple-touch-icon-precomposed"`,
			`icon link[href] https://shop.test/dir/e.svg L1 html rel="mask-icon"`,
		}},
		{"link manifest prefetch modulepreload", `<link rel="manifest" href="m.json"><link rel="prefetch" href="next.html"><link rel="modulepreload" href="mod.js">`, []string{
			`manifest link[href] https://shop.test/dir/m.json L1 html rel="manifest"`,
			`prefetch link[href] https://shop.test/dir/next.html L1 html rel="prefetch"`,
			`script link[href] https://shop.test/dir/mod.js L1 html rel="modulepreload" crossorigin=anonymous`,
		}},
		{"link preload as", `<link rel=preload as=script href=a.js><link rel=preload as=STYLE href=b.css><link rel=preload as=font href=c.woff2 crossorigin><link rel=preload as=audio href=d.mp3><link rel=preload as=video href=e.mp4><link rel=preload as=track href=f.vtt><link rel=preload as=fetch href=g.json><link rel=preload href=h.bin>`, []string{
			`script link[href] https://shop.test/dir/a.js L1 html rel="preload" as=script`,
			`stylesheet link[href] https://shop.test/dir/b.css L1 html rel="preload" as=style`,
			`font link[href] https://shop.test/dir/c.woff2 L1 html rel="preload" as=font crossorigin=anonymous`,
			`media link[href] https://shop.test/dir/d.mp3 L1 html rel="preload" as=audio`,
			`media link[href] https://shop.test/dir/e.mp4 L1 html rel="preload" as=video`,
			`track link[href] https://shop.test/dir/f.vtt L1 html rel="preload" as=track`,
			`preload link[href] https://shop.test/dir/g.json L1 html rel="preload" as=fetch`,
			`preload link[href] https://shop.test/dir/h.bin L1 html rel="preload"`,
		}},
		{"link preload image with imagesrcset", `<link rel=preload as=image href=a.png imagesrcset="b.png 1x, c.png 2x"><link rel=preload as=image href=d.png>`, []string{
			`image link[href] https://shop.test/dir/a.png L1 html imageset rel="preload" as=image`,
			`image link[imagesrcset] https://shop.test/dir/b.png L1 html imageset rel="preload" as=image`,
			`image link[imagesrcset] https://shop.test/dir/c.png L1 html imageset rel="preload" as=image`,
			`image link[href] https://shop.test/dir/d.png L1 html rel="preload" as=image`,
		}},
		{"link rels that fetch nothing", `<link rel=canonical href="http://x.test/1"><link rel=alternate href="http://x.test/2" hreflang=de><link rel=dns-prefetch href="//x.test"><link rel=preconnect href="http://x.test"><link rel=next href=3><link rel=prev href=4><link rel=author href=5><link rel=license href=6><link rel=search href=7><link rel=shortlink href=8><link href=9>`, nil},
		// frames, objects
		{"iframe frame object embed", `<iframe src="http://x.test/f"></iframe><frameset><frame src="g.html"></frameset><object data="o.swf"></object><embed src="e.pdf">`, []string{
			"frame iframe[src] http://x.test/f L1 html",
			"frame frame[src] https://shop.test/dir/g.html L1 html",
			"object object[data] https://shop.test/dir/o.swf L1 html",
			"object embed[src] https://shop.test/dir/e.pdf L1 html",
		}},
		{"iframe content is not markup", `<iframe src="f.html"><img src="no.png"></iframe>`, []string{
			"frame iframe[src] https://shop.test/dir/f.html L1 html",
		}},
		{"iframe srcdoc", "\n<iframe src=\"no.html\" srcdoc=\"<p>\n<img src=&quot;sd.png&quot;><script src='http://x.test/s.js'></script>\"></iframe>\n<img src=after.png>", []string{
			"image img[src] https://shop.test/dir/sd.png L2 html",
			"script script[src] http://x.test/s.js L2 html",
			"image img[src] https://shop.test/dir/after.png L4 html",
		}},
		{"nested srcdoc", `<iframe srcdoc="<iframe srcdoc='<img src=deep.png>'></iframe>"></iframe>`, []string{
			"image img[src] https://shop.test/dir/deep.png L1 html",
		}},
		// navigation
		{"a and area", `<a href="http://x.test/">x</a><map><area href="/b" ping="/p1 http://t.test/p2"></map><a ping="/nohref">y</a>`, []string{
			"link a[href] http://x.test/ L1 html",
			"link area[href] https://shop.test/b L1 html",
			"ping area[ping] https://shop.test/p1 L1 html",
			"ping area[ping] http://t.test/p2 L1 html",
		}},
		{"a download and ping", `<a href="f.zip" download ping="http://t.test/">z</a>`, []string{
			"download a[href] https://shop.test/dir/f.zip L1 html",
			"ping a[ping] http://t.test/ L1 html",
		}},
		{"same-page links", `<a href="#top">t</a><a href="">e</a>`, []string{
			"link a[href] https://shop.test/dir/page.html L1 html",
		}},
		{"not navigations", `<a href="mailto:a@b.test">m</a><a href="tel:+1">t</a><a href="javascript:void(0)">j</a><a href="data:text/html,x">d</a><a href="blob:https://shop.test/1">b</a><a href="about:blank">a</a>`, nil},
		// forms
		{"form action", `<form action="http://x.test/pay" method="POST"><input name=a></form>`, []string{
			"form form[action] http://x.test/pay L1 html method=post",
		}},
		{"form without action is the document", `<form><input></form><form action="  "></form>`, []string{
			"form form[action] https://shop.test/dir/page.html L1 html method=get x2", // one target, made twice
		}},
		{"form method dialog submits nothing", `<form method=dialog action="http://x.test/"><button formaction="http://y.test/">b</button></form>`, nil},
		{"form bogus method is get", `<form method=put action=a></form>`, []string{
			"form form[action] https://shop.test/dir/a L1 html method=get",
		}},
		{"formaction", `<form method=post action=a><button formaction="http://x.test/b">b</button><input type=submit formaction=c formmethod=get><input type=image src=i.png formaction=d><button type=button formaction=no><button type=reset formaction=no2><input type=text formaction=no3><button formaction="">e</button></form>`, []string{
			"form form[action] https://shop.test/dir/a L1 html method=post",
			"form button[formaction] http://x.test/b L1 html method=post",
			"form input[formaction] https://shop.test/dir/c L1 html method=get",
			"image input[src] https://shop.test/dir/i.png L1 html",
			"form input[formaction] https://shop.test/dir/d L1 html method=post",
			"form button[formaction] https://shop.test/dir/page.html L1 html method=post",
		}},
		{"form javascript action", `<form action="javascript:void(0)"></form>`, nil},
		// refresh
		{"meta refresh quoted url", `<meta http-equiv="refresh" content="0; URL='http://x.test/new'">`, []string{
			"refresh meta[content] http://x.test/new L1 html",
		}},
		{"meta refresh delay", `<meta http-equiv="Refresh" content="5;url=next.html">`, []string{
			"refresh meta[content] https://shop.test/dir/next.html L1 html delay=5",
		}},
		{"meta refresh comma", `<meta http-equiv="refresh" content="3, url=/x">`, []string{
			"refresh meta[content] https://shop.test/x L1 html delay=3",
		}},
		{"meta refresh without url", `<meta http-equiv="refresh" content="30">`, nil},
		{"only the first meta refresh", `<meta http-equiv="refresh" content="0;url=a"><meta http-equiv="refresh" content="0;url=b">`, []string{
			"refresh meta[content] https://shop.test/dir/a L1 html",
		}},
		// legacy background
		{"background attribute", `<body background="b.png"><table background="t.png"><tr><td background="http://x.test/td.png"><th background="th.png"><div background="no.png">`, []string{
			"image body[background] https://shop.test/dir/b.png L1 html",
			"image table[background] https://shop.test/dir/t.png L1 html",
			"image td[background] http://x.test/td.png L1 html",
			"image th[background] https://shop.test/dir/th.png L1 html",
		}},
		// CSS in the page
		{"style attribute", `<div style="background-image:url(&quot;s.png&quot;); mask: url(http://x.test/m.svg)"></div>`, []string{
			"image background-image[url] https://shop.test/dir/s.png L1 css",
			"image mask[url] http://x.test/m.svg L1 css",
		}},
		{"multi-line style attribute takes the tag line", "<p>\n<div\n style=\"color:red;\n background:url(a.png)\"></div>", []string{
			"image background[url] https://shop.test/dir/a.png L2 css",
		}},
		{"style block lines", "<head>\n<style>\n.a{}\n.b{background:url(b.png)}\n@import 'late.css';\n</style>\n<style type=text/less>.c{background:url(no.png)}</style>\n<style type=TEXT/CSS>@import 'i.css';</style>", []string{
			"image background[url] https://shop.test/dir/b.png L4 css",
			"stylesheet @import[url] https://shop.test/dir/i.css L8 css",
		}},
		{"svg style", `<svg><style>.x{fill:url(#g)} .y{cursor:url(c.cur)}</style></svg>`, []string{
			"image cursor[url] https://shop.test/dir/c.cur L1 css",
		}},
		// not fetched
		{"template content", `<template><img src="t.png"><script src="t.js"></script><template><img src="tt.png"></template><img src="t2.png"></template><img src="after.png">`, []string{
			"image img[src] https://shop.test/dir/after.png L1 html",
		}},
		{"noscript content", `<noscript><img src="http://x.test/pixel.gif"><iframe src="http://x.test/gtm"></iframe></noscript><img src="after.png">`, []string{
			"image img[src] https://shop.test/dir/after.png L1 html",
		}},
		{"comments", `<!-- <script src="http://no.test/a.js"></script> --><!--[if IE]><link rel=stylesheet href="http://no.test/ie.css"><![endif]--><img src="after.png">`, []string{
			"image img[src] https://shop.test/dir/after.png L1 html",
		}},
		{"textarea title xmp content", `<title><img src=no1.png></title><textarea><img src=no2.png></textarea><xmp><img src=no3.png></xmp><noembed><img src=no4.png></noembed>`, nil},
		{"attributes that are not fetches", `<blockquote cite="http://x.test/q"></blockquote><div itemtype="http://schema.org/Product"></div><img longdesc="http://x.test/d"><html xmlns="http://www.w3.org/1999/xhtml">`, nil},
		// URL parsing
		{"entities decoded", `<img src="a.png?x=1&amp;y=2"><img src="&#104;ttp://x.test/e.png"><a href="/p?a=1&copy=2">c</a><img src="&#x68;ttps://x.test/&eacute;.png">`, []string{
			"image img[src] https://shop.test/dir/a.png?x=1&y=2 L1 html",
			"image img[src] http://x.test/e.png L1 html",
			// A legacy entity without ";" before "=" stays as written in attributes.
			"link a[href] https://shop.test/p?a=1&copy=2 L1 html",
			"image img[src] https://x.test/%C3%A9.png L1 html",
		}},
		{"attribute names are case-insensitive", `<IMG SRC="a.png"><Script SRC="b.js"></SCRIPT>`, []string{
			"image img[src] https://shop.test/dir/a.png L1 html",
			"script script[src] https://shop.test/dir/b.js L1 html",
		}},
		{"duplicate attribute: first wins", `<img src="first.png" src="second.png">`, []string{
			"image img[src] https://shop.test/dir/first.png L1 html",
		}},
		{"whitespace around value", "<script src=\"  http://x.test/a.js\n\"></script>", []string{
			"script script[src] http://x.test/a.js L1 html",
		}},
		{"tabs and newlines inside value", "<script src=\"ht\ttp://x.test/\na.js\"></script>", []string{
			"script script[src] http://x.test/a.js L1 html",
		}},
		{"backslashes", `<script src="http:\\x.test\a.js"></script><img src="\\cdn.test\i.png">`, []string{
			"script script[src] http://x.test/a.js L1 html",
			"image img[src] https://cdn.test/i.png L1 html",
		}},
		{"upper-case scheme", `<script src="HTTP://X.TEST/A.js"></script>`, []string{
			"script script[src] http://x.test/A.js L1 html",
		}},
		{"protocol-relative takes the page scheme", `<script src="//cdn.test/a.js"></script>`, []string{
			"script script[src] https://cdn.test/a.js L1 html",
		}},
		{"default port dropped, fragment dropped", `<img src="http://x.test:80/a.png#frag">`, []string{
			"image img[src] http://x.test/a.png L1 html",
		}},
		{"non-fetchable schemes dropped", `<img src="data:image/png;base64,AAAA"><img src="blob:https://shop.test/1"><iframe src="about:blank"></iframe><iframe src="javascript:''"></iframe><script src="file:///x.js"></script>`, nil},
		{"ws and ftp kept", `<img src="ftp://f.test/a.png"><a href="ws://w.test/">w</a>`, []string{
			"image img[src] ftp://f.test/a.png L1 html",
			"link a[href] ws://w.test/ L1 html",
		}},
		// lines
		{"lines", "<!doctype html>\n<html>\n<head>\n<script\n  src=\"a.js\"></script>\n</head>\n<body>\n\n<img src=b.png><img\nsrc=c.png>\n</body>", []string{
			"script script[src] https://shop.test/dir/a.js L4 html",
			"image img[src] https://shop.test/dir/b.png L9 html",
			"image img[src] https://shop.test/dir/c.png L9 html",
		}},
		{"CRLF and CR lines", "<p>\r\n<img src=a.png>\r\n\r\n<img src=b.png>\r<img src=c.png>\r", []string{
			"image img[src] https://shop.test/dir/a.png L2 html",
			"image img[src] https://shop.test/dir/b.png L4 html",
			"image img[src] https://shop.test/dir/c.png L5 html",
		}},
		{"lines after comments and raw text", "<!--\n\n-->\n<script>\n\n</script>\n<textarea>\n</textarea><img src=a.png>", []string{
			"image img[src] https://shop.test/dir/a.png L8 html",
		}},
		// malformed markup
		{"unclosed tags", `<div><p><img src=a.png><table><td><img src=b.png>`, []string{
			"image img[src] https://shop.test/dir/a.png L1 html",
			"image img[src] https://shop.test/dir/b.png L1 html",
		}},
		{"tag cut at end of input", `<img src=a.png><img src="b.png`, []string{
			"image img[src] https://shop.test/dir/a.png L1 html",
		}},
		{"unquoted values and stray quotes", `<img src=a.png alt="x><img src=b.png>`, nil},
		{"garbage", "<<<>>><img/src=a.png/><//><img src=b.png", []string{
			// The slash belongs to the unquoted value; a tag cut by the end of input is dropped.
			"image img[src] https://shop.test/dir/a.png/ L1 html",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := ExtractHTML(mustParse(t, testPage), []byte(tt.html))
			if got := describeAll(doc.Resources); !slices.Equal(got, tt.want) {
				t.Errorf("ExtractHTML(%q)\n got: %s\nwant: %s", tt.html, strings.Join(got, "\n      "), strings.Join(tt.want, "\n      "))
			}
		})
	}
}

func TestExtractHTMLBase(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		html     string
		wantBase string
		want     []string
	}{
		{"no base", `<img src=a.png>`, testPage, []string{"image img[src] https://shop.test/dir/a.png L1 html"}},
		{"absolute base", `<base href="https://cdn.shop.test/assets/"><img src=a.png>`, "https://cdn.shop.test/assets/",
			[]string{"image img[src] https://cdn.shop.test/assets/a.png L1 html"}},
		{"relative base resolves against the document", `<base href="../static/"><img src=a.png>`, "https://shop.test/static/",
			[]string{"image img[src] https://shop.test/static/a.png L1 html"}},
		{"http base makes relative references http", `<base href="http://shop.test/"><script src="app.js"></script><script src="//cdn.test/b.js"></script>`, "http://shop.test/",
			[]string{
				"script script[src] http://shop.test/app.js L1 html",
				"script script[src] http://cdn.test/b.js L1 html",
			}},
		{"first base wins", `<base href="/one/"><base href="http://x.test/two/"><img src=a.png>`, "https://shop.test/one/",
			[]string{"image img[src] https://shop.test/one/a.png L1 html"}},
		{"base without href does not count", `<base target=_blank><base href="/two/"><img src=a.png>`, "https://shop.test/two/",
			[]string{"image img[src] https://shop.test/two/a.png L1 html"}},
		{"first base with unusable href still wins", `<base href="javascript:alert(1)"><base href="/two/"><img src=a.png>`, testPage,
			[]string{"image img[src] https://shop.test/dir/a.png L1 html"}},
		{"data base ignored", `<base href="data:text/html,x"><img src=a.png>`, testPage,
			[]string{"image img[src] https://shop.test/dir/a.png L1 html"}},
		{"base applies to references before it", `<link rel=stylesheet href=s.css><BASE HREF="/b/"><img src=a.png>`, "https://shop.test/b/",
			[]string{
				`stylesheet link[href] https://shop.test/b/s.css L1 html rel="stylesheet"`,
				"image img[src] https://shop.test/b/a.png L1 html",
			}},
		{"base in template or comment ignored", `<!-- <base href="http://x.test/"> --><template><base href="http://y.test/"></template><img src=a.png>`, testPage,
			[]string{"image img[src] https://shop.test/dir/a.png L1 html"}},
		{"base in svg is not html base", `<svg><base href="http://x.test/"/></svg><img src=a.png>`, testPage,
			[]string{"image img[src] https://shop.test/dir/a.png L1 html"}},
		{"form without action uses the document, not the base", `<base href="http://x.test/"><form></form><form action=""></form><form action=p></form>`, "http://x.test/",
			[]string{
				"form form[action] https://shop.test/dir/page.html L1 html method=get x2",
				"form form[action] http://x.test/p L1 html method=get",
			}},
		{"srcdoc inherits the base", `<base href="http://x.test/"><iframe srcdoc="<img src=a.png>"></iframe>`, "http://x.test/",
			[]string{"image img[src] http://x.test/a.png L1 html"}},
		{"srcdoc base applies inside only", `<iframe srcdoc="<base href='http://y.test/'><img src=a.png>"></iframe><img src=b.png>`, testPage,
			[]string{
				"image img[src] http://y.test/a.png L1 html",
				"image img[src] https://shop.test/dir/b.png L1 html",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := ExtractHTML(mustParse(t, testPage), []byte(tt.html))
			if doc.Base != tt.wantBase {
				t.Errorf("Base = %q, want %q", doc.Base, tt.wantBase)
			}
			if got := describeAll(doc.Resources); !slices.Equal(got, tt.want) {
				t.Errorf("ExtractHTML(%q)\n got: %q\nwant: %q", tt.html, got, tt.want)
			}
		})
	}
}

func TestExtractHTMLMetaCSP(t *testing.T) {
	t.Parallel()
	const uir = `<meta http-equiv="Content-Security-Policy" content="upgrade-insecure-requests">`
	tests := []struct {
		name    string
		html    string
		want    []string
		wantCSP []CSP
	}{
		{"upgrade applies only after the meta",
			`<head><script src="http://x.test/before.js"></script>` + "\n" + uir + `<script src="http://x.test/after.js"></script></head><body style="background:url(http://x.test/bg.png)"><iframe srcdoc="<img src=http://x.test/sd.png>"></iframe>`,
			[]string{
				"script script[src] http://x.test/before.js L1 html",
				"script script[src] http://x.test/after.js L2 html uir",
				"image background[url] http://x.test/bg.png L2 css uir",
				"image img[src] http://x.test/sd.png L2 html uir",
			},
			[]CSP{{Policy: "upgrade-insecure-requests", Source: "meta", Line: 2}},
		},
		{"report-only meta is ignored",
			`<meta http-equiv="Content-Security-Policy-Report-Only" content="upgrade-insecure-requests"><script src="http://x.test/a.js"></script>`,
			[]string{"script script[src] http://x.test/a.js L1 html"},
			nil,
		},
		{"policy without upgrade",
			`<meta http-equiv="content-security-policy" content="script-src 'self'"><script src="http://x.test/a.js"></script>`,
			[]string{"script script[src] http://x.test/a.js L1 html"},
			[]CSP{{Policy: "script-src 'self'", Source: "meta", Line: 1}},
		},
		{"upgrade among other directives, any case",
			`<meta http-equiv="CONTENT-SECURITY-POLICY" content="default-src https:; Upgrade-Insecure-Requests"><img src="http://x.test/a.png">`,
			[]string{"image img[src] http://x.test/a.png L1 html uir"},
			[]CSP{{Policy: "default-src https:; Upgrade-Insecure-Requests", Source: "meta", Line: 1}},
		},
		{"meta policy in the body is ignored",
			`<body><p>hi</p>` + uir + `<img src="http://x.test/a.png">`,
			[]string{"image img[src] http://x.test/a.png L1 html"},
			nil,
		},
		{"meta policy after head text is ignored",
			`<title>t</title>text` + uir + `<img src="http://x.test/a.png">`,
			[]string{"image img[src] http://x.test/a.png L1 html"},
			nil,
		},
		{"meta policy after head content still counts",
			"<html><head><title>t</title><link rel=icon href=i.ico><script>x()</script>\n</head>\n" + uir + `<img src="http://x.test/a.png">`,
			[]string{
				`icon link[href] https://shop.test/dir/i.ico L1 html rel="icon"`,
				"image img[src] http://x.test/a.png L3 html uir",
			},
			[]CSP{{Policy: "upgrade-insecure-requests", Source: "meta", Line: 3}},
		},
		{"byte order mark is not body text",
			"\ufeff<!doctype html><meta http-equiv=content-security-policy content=upgrade-insecure-requests><img src=\"http://x.test/a.png\">",
			[]string{"image img[src] http://x.test/a.png L1 html uir"},
			[]CSP{{Policy: "upgrade-insecure-requests", Source: "meta", Line: 1}},
		},
		{"template text in head does not end the head",
			"<head><template>hello</template>" + uir + `<img src="http://x.test/a.png">`,
			[]string{"image img[src] http://x.test/a.png L1 html uir"},
			[]CSP{{Policy: "upgrade-insecure-requests", Source: "meta", Line: 1}},
		},
		{"meta policy in template is ignored",
			`<template>` + uir + `</template><img src="http://x.test/a.png">`,
			[]string{"image img[src] http://x.test/a.png L1 html"},
			nil,
		},
		{"meta policy in srcdoc applies inside the frame only",
			`<iframe srcdoc="<meta http-equiv=content-security-policy content=upgrade-insecure-requests><img src=http://x.test/in.png>"></iframe><img src="http://x.test/out.png">`,
			[]string{
				"image img[src] http://x.test/in.png L1 html uir",
				"image img[src] http://x.test/out.png L1 html",
			},
			nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := ExtractHTML(mustParse(t, testPage), []byte(tt.html))
			if got := describeAll(doc.Resources); !slices.Equal(got, tt.want) {
				t.Errorf("resources\n got: %q\nwant: %q", got, tt.want)
			}
			if !slices.Equal(doc.MetaCSP, tt.wantCSP) {
				t.Errorf("MetaCSP = %+v, want %+v", doc.MetaCSP, tt.wantCSP)
			}
		})
	}
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestExtractHTMLInlineScripts(t *testing.T) {
	t.Parallel()
	script := func(text string, line int) InlineScript {
		return InlineScript{Kind: "script", Line: line, SHA256: sha(text), Size: len(text), Snippet: text}
	}
	tests := []struct {
		name string
		html string
		want []InlineScript
	}{
		{"classic script", "<script>alert(1)</script>", []InlineScript{script("alert(1)", 1)}},
		{"text exactly as between the tags", "<p>\n<script>\n  var a = '&amp;</b>';\r\n</script>",
			[]InlineScript{script("\n  var a = '&amp;</b>';\n", 2)}},
		{"module and JavaScript types", `<script type=module>import "./a.js"</script><script type="text/javascript">b()</script><script language=javascript>c()</script>`,
			[]InlineScript{script(`import "./a.js"`, 1), script("b()", 1), script("c()", 1)}},
		{"data blocks are not scripts", `<script type="application/ld+json">{"@context":"http://schema.org"}</script><script type=importmap>{}</script><script type="text/template"><p></script><script type="text/x-handlebars">x</script>`, nil},
		{"empty script", `<script></script>`, nil},
		{"script with src runs no text", `<script src="a.js">ignored()</script>`, nil},
		{"unterminated script does not run", `<script>a()`, nil},
		{"script in template", `<template><script>a()</script></template>`, nil},
		{"svg script", `<svg><script><![CDATA[x<1]]></script><script>y&lt;2</script></svg>`,
			[]InlineScript{script("x<1", 1), script("y<2", 1)}},
		{"event handlers", `<body onload="init()"><button ONCLICK='go(&quot;x&quot;)' onfocus="">b</button>`,
			[]InlineScript{
				{Kind: "handler", Attr: "onload", Line: 1, SHA256: sha("init()"), Size: 6, Snippet: "init()"},
				{Kind: "handler", Attr: "onclick", Line: 1, SHA256: sha(`go("x")`), Size: 7, Snippet: `go("x")`},
			}},
		{"javascript URLs", "<a href=\" JavaScript:void(0)\">a</a>\n<iframe src=\"java\nscript:1\"></iframe><form action=\"javascript:send()\"></form>",
			[]InlineScript{
				{Kind: "javascript-url", Attr: "href", Line: 1, SHA256: sha("void(0)"), Size: 7, Snippet: "void(0)"},
				{Kind: "javascript-url", Attr: "src", Line: 2, SHA256: sha("1"), Size: 1, Snippet: "1"},
				{Kind: "javascript-url", Attr: "action", Line: 3, SHA256: sha("send()"), Size: 6, Snippet: "send()"},
			}},
		{"a long script keeps its first 200 bytes, never half a character",
			"<script>" + strings.Repeat("a", 199) + "é" + strings.Repeat("b", 300) + "</script>",
			[]InlineScript{{Kind: "script", Line: 1, SHA256: sha(strings.Repeat("a", 199) + "é" + strings.Repeat("b", 300)), Size: 501, Snippet: strings.Repeat("a", 199)}}},
		{"srcdoc scripts take the iframe line", "\n<iframe srcdoc=\"<script>s()</script><b onclick=c()>\"></iframe>",
			[]InlineScript{
				script("s()", 2),
				{Kind: "handler", Attr: "onclick", Line: 2, SHA256: sha("c()"), Size: 3, Snippet: "c()"},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := ExtractHTML(mustParse(t, testPage), []byte(tt.html))
			if !slices.Equal(doc.InlineScripts, tt.want) {
				t.Errorf("InlineScripts\n got: %+v\nwant: %+v", doc.InlineScripts, tt.want)
			}
		})
	}
}

func TestExtractHTMLFieldsAndTitle(t *testing.T) {
	t.Parallel()
	const page = "<html><head><title>\n  Checkout &amp;  pay\n</title></head><body>\n" +
		`<form method=post action="/pay">` + "\n" +
		`<input id=cc name="cardnumber" autocomplete="CC-Number">` + "\n" +
		`<INPUT TYPE=Tel name=cvc autocomplete="cc-csc"><input name=plain>` + "\n" +
		`<select name=exp><option>1</option></select><select multiple name=m></select><textarea name=note></textarea>` + "\n" +
		`<template><input name=hidden-in-template></template>` + "\n" +
		`<iframe srcdoc="<input name=in-srcdoc autocomplete=cc-exp>"></iframe>` +
		`</form><svg><title>not the title</title></svg><title>second title</title>`
	doc := ExtractHTML(mustParse(t, testPage), []byte(page))
	if doc.Title != "Checkout & pay" {
		t.Errorf("Title = %q, want %q", doc.Title, "Checkout & pay")
	}
	want := []Field{
		{Element: "input", Type: "text", Name: "cardnumber", ID: "cc", Autocomplete: "cc-number", Line: 5},
		{Element: "input", Type: "tel", Name: "cvc", Autocomplete: "cc-csc", Line: 6},
		{Element: "input", Type: "text", Name: "plain", Line: 6},
		{Element: "select", Type: "select-one", Name: "exp", Line: 7},
		{Element: "select", Type: "select-multiple", Name: "m", Line: 7},
		{Element: "textarea", Type: "textarea", Name: "note", Line: 7},
		{Element: "input", Type: "text", Name: "in-srcdoc", Autocomplete: "cc-exp", Line: 9},
	}
	if !slices.Equal(doc.Fields, want) {
		t.Errorf("Fields\n got: %+v\nwant: %+v", doc.Fields, want)
	}
}

func TestExtractHTMLNilDocURL(t *testing.T) {
	t.Parallel()
	doc := ExtractHTML(nil, []byte(`<img src=rel.png><img src="https://x.test/a.png"><form></form>`))
	want := []string{"image img[src] https://x.test/a.png L1 html"}
	if got := describeAll(doc.Resources); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if doc.Base != "" {
		t.Errorf("Base = %q, want empty", doc.Base)
	}
}

// TestExtractGolden runs the extractor over the realistic seed files in testdata and compares
// everything it finds with the .golden files beside them (go test -run TestExtractGolden
// ./crawler/ -update-extract rewrites them; review the diff).
func TestExtractGolden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file, url string
	}{
		{"shop.html", "https://www.shop.test/shop/checkout"},
		{"shop.css", "https://static.shop.test/css/shop.css"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			body, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			if strings.HasSuffix(tt.file, ".css") {
				for _, r := range ExtractCSS(mustParse(t, tt.url), body, 1) {
					fmt.Fprintln(&b, describe(r))
				}
			} else {
				doc := ExtractHTML(mustParse(t, tt.url), body)
				fmt.Fprintf(&b, "title %q\nbase %s\n", doc.Title, doc.Base)
				for _, c := range doc.MetaCSP {
					fmt.Fprintf(&b, "csp %q %s L%d\n", c.Policy, c.Source, c.Line)
				}
				for _, r := range doc.Resources {
					fmt.Fprintln(&b, describe(r))
				}
				for _, s := range doc.InlineScripts {
					fmt.Fprintf(&b, "inline %s %s L%d %d bytes %s\n", s.Kind, s.Attr, s.Line, s.Size, s.SHA256)
				}
				for _, f := range doc.Fields {
					fmt.Fprintf(&b, "field %s type=%s name=%s id=%s autocomplete=%s L%d\n", f.Element, f.Type, f.Name, f.ID, f.Autocomplete, f.Line)
				}
			}
			golden := filepath.Join("testdata", tt.file+".golden")
			if *updateExtract {
				if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update-extract to create it)", err)
			}
			if got := b.String(); got != string(want) {
				t.Errorf("extraction of %s differs from %s:\n got:\n%s\nwant:\n%s", tt.file, golden, got, want)
			}
		})
	}
}

// benchPage returns a realistic shop page of about size bytes: a head with metadata, styles
// and scripts, a navigation bar, a grid of product cards (picture, srcset, links, forms,
// inline handlers) and a footer.
func benchPage(size int) []byte {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self' https://js.payments.test">
  <title>Summer sale &ndash; Example Shop</title>
  <link rel="canonical" href="https://www.shop.test/sale">
  <link rel="preconnect" href="https://cdn.test">
  <link rel="icon" href="/favicon.ico">
  <link rel="stylesheet" href="https://cdn.test/bootstrap.min.css" integrity="sha384-abcdef" crossorigin="anonymous">
  <link rel="stylesheet" href="/css/shop.css">
  <link rel="preload" href="/fonts/inter.woff2" as="font" type="font/woff2" crossorigin>
  <style>
    @font-face { font-family: Inter; src: url(/fonts/inter.woff2) format("woff2"); }
    body { margin: 0; font: 16px/1.5 Inter, sans-serif; }
    .hero { background: url(/img/hero.jpg) center / cover no-repeat; min-height: 40vh; }
    .card { border: 1px solid #eee; border-radius: 4px; padding: 1rem; }
    .card:hover { box-shadow: 0 2px 8px rgba(0,0,0,.1); }
  </style>
  <script async src="https://www.googletagmanager.test/gtag/js?id=G-XXXX"></script>
  <script>
    window.dataLayer = window.dataLayer || [];
    function gtag(){dataLayer.push(arguments);}
    gtag('js', new Date()); gtag('config', 'G-XXXX', { anonymize_ip: true });
  </script>
</head>
<body class="sale">
<header class="hero">
  <nav class="navbar">
`)
	for i := 0; i < 12; i++ {
		fmt.Fprintf(&b, "    <a class=\"nav-link\" href=\"/category/%d\">Category %d</a>\n", i, i)
	}
	b.WriteString("  </nav>\n</header>\n<main class=\"grid\">\n")
	for i := 0; b.Len() < size-2000; i++ {
		fmt.Fprintf(&b, `  <article class="card" data-id="%d" style="--accent: #%06x">
    <a href="/product/%d?ref=sale&amp;utm_source=grid" onclick="track('click', %d)">
      <picture>
        <source srcset="https://img.cdn.test/p/%d.avif 1x, https://img.cdn.test/p/%d@2x.avif 2x" type="image/avif">
        <img src="https://img.cdn.test/p/%d.jpg" srcset="https://img.cdn.test/p/%d-480.jpg 480w, https://img.cdn.test/p/%d-960.jpg 960w" sizes="(max-width: 600px) 100vw, 33vw" alt="Product %d" loading="lazy" width="480" height="480">
      </picture>
      <h2 class="card-title">Product number %d &mdash; now 20%% off</h2>
    </a>
    <p class="price"><del>&pound;%d.00</del> <strong>&pound;%d.00</strong></p>
    <form action="/cart/add" method="post"><input type="hidden" name="id" value="%d"><input type="number" name="qty" value="1" min="1"><button type="submit">Add to cart</button></form>
  </article>
`, i, i*7919%0xffffff, i, i, i, i, i, i, i, i, i, 20+i, 16+i, i)
	}
	b.WriteString(`</main>
<footer>
  <p>&copy; Example Shop &middot; <a href="/terms">Terms</a> &middot; <a href="/privacy">Privacy</a> &middot; <a href="mailto:help@shop.test">Help</a></p>
  <!-- tracking pixel: <img src="http://tracker.test/p.gif"> -->
</footer>
<script src="/js/app.js" defer></script>
<script>
  document.querySelectorAll('.card form').forEach(function (f) {
    f.addEventListener('submit', function (e) { e.preventDefault(); fetch(f.action, { method: 'POST', body: new FormData(f) }); });
  });
</script>
</body>
</html>
`)
	return []byte(b.String())
}

func BenchmarkExtractHTML(b *testing.B) {
	page := benchPage(30 * 1024)
	base := mustParse(b, "https://www.shop.test/sale")
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	var n int
	for b.Loop() {
		n = len(ExtractHTML(base, page).Resources)
	}
	b.ReportMetric(float64(n), "resources/page")
}

func BenchmarkExtractCSS(b *testing.B) {
	css, err := os.ReadFile(filepath.Join("testdata", "shop.css"))
	if err != nil {
		b.Fatal(err)
	}
	css = bytes.Repeat(css, 16)
	base := mustParse(b, "https://static.shop.test/css/shop.css")
	b.SetBytes(int64(len(css)))
	b.ReportAllocs()
	for b.Loop() {
		ExtractCSS(base, css, 1)
	}
}
