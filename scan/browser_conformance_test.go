package scan_test

// TestBrowserConformance checks padlock's mixed-content classification against real Chromium,
// the ground truth. An HTTPS page on shop.test (with its stylesheets and frames) references
// some hundred insecure URLs, one per case of confCases; headless Chromium loads it, and padlock
// crawls the same site through scan.Run. Chromium's verdict per URL comes from the DevTools
// Audits MixedContentIssue (resolution Blocked, AutomaticallyUpgraded or Warning), from
// Network.loadingFailed with blockedReason mixed-content, and from what the servers received
// from Chromium over http and over https. The verdicts must agree (confExpected), except
// where SPEC.md departs from Chromium on purpose (confSpecChoices) or padlock is known to be
// wrong (confKnownDisagreements); a failure reads "URL X (case): chromium says blocked,
// padlock says upgradeable".
//
// Host names are not loopback literals (browsers exempt 127.0.0.1 and localhost from mixed
// content): Chromium maps every host, IP literals included, to 127.0.0.1 with
// --host-resolver-rules, padlock with Config.Resolve and a dialer that refuses anything but
// loopback. Chromium trusts the test certificate through --ignore-certificate-errors-spki-list,
// which makes it valid rather than ignored; the test checks that the page is a secure context.
// The http server of cdn.test also answers TLS on the same port, so a request that Chromium
// upgrades arrives there as https.
//
// Render mode is held against the same verdicts: padlock crawls the site again with --render
// all, and every request only a script makes (confScriptOnly: fetch, XHR, EventSource, beacon,
// a ws: WebSocket, injected script, stylesheet, image and iframe, and the http: script and image
// of a frame a script inserts, same-origin or cross-site) must get Chromium's verdict;
// no other verdict may move away from Chromium's; and what padlock's browser saw of a static
// finding ("observed") must be what Chromium did.
//
// Not covered, for want of a browser verdict: link rel=icon and apple-touch-icon, and
// rel=manifest (headless Chromium requests none of them); a download (Chromium requests it and
// handles insecure downloads in its download manager); redirects to http: (the https-downgrade
// rule, not these two).

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/audits"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/padlock-scan/padlock/internal/sitetest"
	"github.com/padlock-scan/padlock/internal/sitetest/testnet"
	"github.com/padlock-scan/padlock/render"
	"github.com/padlock-scan/padlock/report"
	"github.com/padlock-scan/padlock/scan"
)

// confChromium is where Debian's chromium package puts the browser.
const confChromium = "/usr/bin/chromium"

// Host names of the conformance site. Both resolve to 127.0.0.1 only.
const (
	confSite = "shop.test" // the HTTPS site that is crawled
	confCDN  = "cdn.test"  // serves the insecure sub-resources (http, and https on the same port)
	// confIP is an IP-literal host (TEST-NET-1). Chromium's --host-resolver-rules maps it to
	// 127.0.0.1 like every name (checked: it does for IP literals), padlock's Resolve too.
	confIP = "192.0.2.1"
)

// Where a case's markup goes.
const (
	inPage   = "page"   // the body of the start page https://shop.test/
	inCSS    = "css"    // the https stylesheet /conf.css linked from the start page
	inDoc    = "doc"    // a document of its own, /d/<id>.html, embedded in the start page as an iframe
	inHeader = "header" // a Link: header of the start page's response
	inNested = "nested" // the https stylesheet /nested.css, @imported by /conf.css
	// inHTTPSheet is the http stylesheet of case "http-sheet", which Chromium blocks: what it
	// references is never fetched.
	inHTTPSheet = "http-sheet"
	inTPFrame   = "tp-frame" // https://cdn.test/tp.html, a third party's https iframe in the start page
	// inJSDoc is a document of its own, /d/<id>.html, that a script of the start page inserts as
	// an iframe (the markup names no frame: only render mode sees it); inJSXDoc the same on
	// another site, https://cdn.test/x/<id>.html (an out-of-process frame under site isolation).
	inJSDoc  = "js-doc"
	inJSXDoc = "js-xdoc"
)

// confCase is one reference to an insecure URL. {{u}} in markup, css and head is that URL,
// http://<host>:<http port>/<id><ext>; {{U}} is the same URL with the scheme and host in
// upper case; {{dir}} is http://cdn.test:<http port>/. Each URL is referenced once, so a
// verdict belongs to one case.
type confCase struct {
	id     string
	ext    string // file extension: decides the bytes and Content-Type served
	where  string
	host   string // confCDN unless set
	scheme string // "http" unless set
	markup string // HTML (for stylesheets: an element the rule applies to; for inHeader: the header value)
	css    string // stylesheet cases only: the stylesheet text
	head   string // inDoc only: markup for the document's <head>
	child  string // inDoc only: the body of a child document, /d/<id>-child.html ({{child}})
	header string // inDoc only: a response header of the document, "Name: value"
}

const confUIRMeta = `<meta http-equiv="Content-Security-Policy" content="upgrade-insecure-requests">`

// confCases are the references of the conformance site, grouped by what the Mixed Content
// spec and SPEC.md expect. The test learns the truth from Chromium.
var confCases = []confCase{
	// Blockable in SPEC: scripts, stylesheets, fonts, frames, plugins, tracks, preloads...
	{id: "script", ext: ".js", where: inPage, markup: `<script src="{{u}}"></script>`},
	{id: "script-module", ext: ".js", where: inPage, markup: `<script type="module" src="{{u}}"></script>`},
	{id: "script-uppercase", ext: ".js", where: inPage, markup: `<script src="{{U}}"></script>`},
	{id: "svg-script", ext: ".js", where: inPage, markup: `<svg width="1" height="1"><script href="{{u}}"></script></svg>`},
	{id: "stylesheet", ext: ".css", where: inPage, markup: `<link rel="stylesheet" href="{{u}}">`},
	{id: "stylesheet-print", ext: ".css", where: inPage, markup: `<link rel="stylesheet" media="print" href="{{u}}">`},
	{id: "stylesheet-alternate", ext: ".css", where: inPage, markup: `<link rel="alternate stylesheet" title="alt" href="{{u}}">`},
	{id: "style-import", ext: ".css", where: inPage, markup: `<style>@import url("{{u}}");</style>`},
	{id: "css-import", ext: ".css", where: inCSS, css: `@import url("{{u}}");`},
	{id: "css-font", ext: ".woff2", where: inCSS,
		css:    `@font-face { font-family: "ConfFont"; src: url("{{u}}") format("woff2"); } .c-font { font-family: "ConfFont"; }`,
		markup: `<p class="c-font">font</p>`},
	{id: "iframe", ext: ".html", where: inPage, markup: `<iframe src="{{u}}"></iframe>`},
	{id: "object", ext: ".png", where: inPage, markup: `<object data="{{u}}" type="image/png"></object>`},
	{id: "object-html", ext: ".html", where: inPage, markup: `<object data="{{u}}" type="text/html"></object>`},
	{id: "embed", ext: ".png", where: inPage, markup: `<embed src="{{u}}" type="image/png">`},
	{id: "track", ext: ".vtt", where: inPage,
		markup: `<video src="/silent.mp4" muted crossorigin="anonymous"><track kind="subtitles" srclang="en" label="en" default src="{{u}}"></video>`},
	{id: "prefetch", ext: ".js", where: inPage, markup: `<link rel="prefetch" href="{{u}}">`},
	{id: "preload-script", ext: ".js", where: inPage, markup: `<link rel="preload" as="script" href="{{u}}">`},
	{id: "preload-style", ext: ".css", where: inPage, markup: `<link rel="preload" as="style" href="{{u}}">`},
	{id: "preload-font", ext: ".woff2", where: inPage, markup: `<link rel="preload" as="font" type="font/woff2" crossorigin href="{{u}}">`},
	{id: "preload-fetch", ext: ".json", where: inPage, markup: `<link rel="preload" as="fetch" crossorigin href="{{u}}">`},
	{id: "preload-no-as", ext: ".js", where: inPage, markup: `<link rel="preload" href="{{u}}">`},
	{id: "preload-video", ext: ".mp4", where: inPage, markup: `<link rel="preload" as="video" href="{{u}}">`},
	{id: "preload-imagesrcset", ext: ".png", where: inPage, markup: `<link rel="preload" as="image" imagesrcset="{{u}} 1x">`},
	{id: "modulepreload", ext: ".js", where: inPage, markup: `<link rel="modulepreload" href="{{u}}">`},
	{id: "header-preload-script", ext: ".js", where: inHeader, markup: `<{{u}}>; rel=preload; as=script`},
	{id: "header-stylesheet", ext: ".css", where: inHeader, markup: `<{{u}}>; rel=stylesheet`},
	{id: "ping", ext: ".txt", where: inPage, markup: `<a id="conf-ping" href="#pinged" ping="{{u}}">ping</a>`},
	{id: "srcset", ext: ".png", where: inPage, markup: `<img alt="" srcset="{{u}} 1x">`},
	{id: "img-src-srcset", ext: ".png", where: inPage, markup: `<img alt="" src="{{u}}" srcset="/ok.png 2x">`},
	{id: "img-src-unused", ext: ".png", where: inPage, markup: `<img alt="" src="{{u}}" srcset="/ok.png 1x">`},
	{id: "srcset-multi", ext: ".png", where: inPage, markup: `<img alt="" srcset="/ok.png 2x, {{u}} 1x">`},
	{id: "srcset-data", ext: ".png", where: inPage,
		markup: `<img alt="" srcset="data:image/gif;base64,R0lGODlhAQABAAAAACw= 2x, {{u}} 1x">`},
	{id: "picture-source", ext: ".png", where: inPage, markup: `<picture><source srcset="{{u}}"><img alt="" src="/ok.png"></picture>`},
	{id: "picture-img", ext: ".png", where: inPage,
		markup: `<picture><source media="(min-width: 99999px)" srcset="/ok.png"><img alt="" src="{{u}}"></picture>`},
	{id: "img-ip", ext: ".png", where: inPage, host: confIP, markup: `<img alt="" src="{{u}}">`},
	{id: "audio-ip", ext: ".mp3", where: inPage, host: confIP, markup: `<audio preload="auto" src="{{u}}"></audio>`},
	{id: "img-ftp", ext: ".png", where: inPage, scheme: "ftp", markup: `<img alt="" src="{{u}}">`},
	{id: "svg-use", ext: ".svg", where: inPage, markup: `<svg width="10" height="10"><use href="{{u}}#dot"/></svg>`},
	{id: "css-mask", ext: ".svg", where: inCSS,
		css:    `.c-mask { width: 10px; height: 10px; background: red; -webkit-mask-image: url("{{u}}"); mask-image: url("{{u}}"); }`,
		markup: `<div class="c-mask"></div>`},
	{id: "css-filter", ext: ".svg", where: inCSS,
		css: `.c-filter { width: 10px; height: 10px; background: red; filter: url("{{u}}#f"); }`, markup: `<div class="c-filter"></div>`},
	{id: "css-clip-path", ext: ".svg", where: inCSS,
		css: `.c-clip { width: 10px; height: 10px; background: red; clip-path: url("{{u}}#c"); }`, markup: `<div class="c-clip"></div>`},
	{id: "css-shape", ext: ".png", where: inCSS,
		css: `.c-shape { float: left; width: 10px; height: 10px; shape-outside: url("{{u}}"); }`, markup: `<div class="c-shape"></div>`},
	{id: "css-image-set", ext: ".png", where: inCSS,
		css: `.c-imgset { width: 10px; height: 10px; background-image: image-set(url("{{u}}") 1x); }`, markup: `<div class="c-imgset"></div>`},
	{id: "script-newline", ext: ".js", where: inPage, markup: `<script src="ht&#10;tp://{{hp}}/script-newline.js"></script>`},
	{id: "script-tab-host", ext: ".js", where: inPage, markup: `<script src="http://cdn.&#9;test:{{port}}/script-tab-host.js"></script>`},
	{id: "script-backslash", ext: ".js", where: inPage, markup: `<script src="http:\\{{hp}}\script-backslash.js"></script>`},
	{id: "script-noslash", ext: ".js", where: inPage, markup: `<script src="http:{{hp}}/script-noslash.js"></script>`},
	{id: "script-spaces", ext: ".js", where: inPage, markup: `<script src="  {{u}}&#10; "></script>`},
	{id: "script-entity", ext: ".js", where: inPage, markup: `<script src="&#104;ttp&colon;//{{hp}}/script-entity.js"></script>`},
	{id: "preload-track", ext: ".vtt", where: inPage, markup: `<link rel="preload" as="track" crossorigin href="{{u}}">`},
	{id: "style-font", ext: ".woff2", where: inPage,
		markup: `<style>@font-face { font-family: "ConfFont2"; src: url("{{u}}"); } .c-font2 { font-family: "ConfFont2"; }</style><p class="c-font2">f</p>`},
	{id: "http-sheet", ext: ".css", where: inPage, markup: `<link rel="stylesheet" href="{{u}}">`},
	{id: "tp-frame-script", ext: ".js", where: inTPFrame, markup: `<script src="{{u}}"></script>`},
	{id: "tp-frame-img", ext: ".png", where: inTPFrame, markup: `<img alt="" src="{{u}}">`},
	{id: "frame-script", ext: ".js", where: inDoc, markup: `<script src="{{u}}"></script>`},
	{id: "base-script", ext: ".js", where: inDoc, head: `<base href="{{dir}}">`, markup: `<script src="base-script.js"></script>`},
	{id: "srcdoc-script", ext: ".js", where: inPage, markup: `<iframe srcdoc="&lt;script src=&quot;{{u}}&quot;&gt;&lt;/script&gt;"></iframe>`},
	// Report-only policies upgrade nothing; a meta policy applies only to what follows it.
	{id: "uir-report-only", ext: ".js", where: inDoc, header: "Content-Security-Policy-Report-Only: upgrade-insecure-requests",
		markup: `<script src="{{u}}"></script>`},
	{id: "uir-body-meta", ext: ".js", where: inDoc, markup: confUIRMeta + `<script src="{{u}}"></script>`},
	// Requests only a script makes (confScriptOnly): the static crawl cannot see them, render mode must.
	{id: "js-fetch", ext: ".json", where: inPage, markup: `<script>fetch("{{u}}").catch(function () {});</script>`},
	{id: "js-xhr", ext: ".json", where: inPage,
		markup: `<script>(function () { var x = new XMLHttpRequest(); x.open("GET", "{{u}}"); x.send(); })();</script>`},
	{id: "js-eventsource", ext: ".txt", where: inPage, markup: `<script>try { new EventSource("{{u}}"); } catch (e) {}</script>`},
	{id: "js-beacon", ext: ".txt", where: inPage, markup: `<script>navigator.sendBeacon("{{u}}", "x");</script>`},
	{id: "js-websocket", where: inPage, scheme: "ws", markup: `<script>try { new WebSocket("{{u}}"); } catch (e) {}</script>`},
	{id: "js-inject-script", ext: ".js", where: inPage,
		markup: `<script>(function () { var s = document.createElement("script"); s.src = "{{u}}"; document.head.appendChild(s); })();</script>`},
	{id: "js-inject-stylesheet", ext: ".css", where: inPage,
		markup: `<script>(function () { var l = document.createElement("link"); l.rel = "stylesheet"; l.href = "{{u}}"; document.head.appendChild(l); })();</script>`},
	{id: "js-inject-img", ext: ".png", where: inPage,
		markup: `<script>(function () { var i = new Image(); i.alt = ""; i.src = "{{u}}"; document.body.appendChild(i); })();</script>`},
	{id: "js-inject-iframe", ext: ".html", where: inPage,
		markup: `<script>(function () { var f = document.createElement("iframe"); f.src = "{{u}}"; document.body.appendChild(f); })();</script>`},
	// A frame a script inserts, same-origin and cross-site, whose page loads an http: script.
	{id: "js-frame-script", ext: ".js", where: inJSDoc, markup: `<script src="{{u}}"></script>`},
	{id: "js-xframe-script", ext: ".js", where: inJSXDoc, markup: `<script src="{{u}}"></script>`},
	{id: "uir-late-meta", ext: ".js", where: inDoc, head: `<script src="{{u}}"></script>` + confUIRMeta},

	// Upgradeable in SPEC: images, audio and video on a host name.
	{id: "img", ext: ".png", where: inPage, markup: `<img alt="" src="{{u}}">`},
	{id: "img-crossorigin", ext: ".png", where: inPage, markup: `<img alt="" crossorigin="anonymous" src="{{u}}">`},
	{id: "input-image", ext: ".png", where: inPage, markup: `<input type="image" alt="go" src="{{u}}">`},
	{id: "poster", ext: ".png", where: inPage, markup: `<video poster="{{u}}" width="10" height="10"></video>`},
	{id: "svg-image", ext: ".png", where: inPage, markup: `<svg width="10" height="10"><image href="{{u}}" width="10" height="10"/></svg>`},
	{id: "svg-image-xlink", ext: ".png", where: inPage,
		markup: `<svg width="10" height="10" xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="{{u}}" width="10" height="10"/></svg>`},
	{id: "table-background", ext: ".png", where: inPage, markup: `<table background="{{u}}"><tr><td>t</td></tr></table>`},
	{id: "td-background", ext: ".png", where: inPage, markup: `<table><tr><td background="{{u}}">t</td></tr></table>`},
	{id: "preload-image", ext: ".png", where: inPage, markup: `<link rel="preload" as="image" href="{{u}}">`},
	{id: "header-preload-image", ext: ".png", where: inHeader, markup: `<{{u}}>; rel=preload; as=image`},
	{id: "audio", ext: ".mp3", where: inPage, markup: `<audio preload="auto" src="{{u}}"></audio>`},
	{id: "audio-source", ext: ".mp3", where: inPage, markup: `<audio preload="auto"><source src="{{u}}" type="audio/mpeg"></audio>`},
	{id: "video", ext: ".mp4", where: inPage, markup: `<video preload="auto" muted src="{{u}}"></video>`},
	{id: "video-source", ext: ".mp4", where: inPage, markup: `<video preload="auto" muted><source src="{{u}}" type="video/mp4"></video>`},
	{id: "style-block", ext: ".png", where: inPage,
		markup: `<style>.c-style-block { width: 10px; height: 10px; background-image: url("{{u}}"); }</style><div class="c-style-block"></div>`},
	{id: "style-attr", ext: ".png", where: inPage, markup: `<div style="width: 10px; height: 10px; background: url('{{u}}')"></div>`},
	{id: "css-background", ext: ".png", where: inCSS,
		css: `.c-bg { width: 10px; height: 10px; background-image: url("{{u}}"); }`, markup: `<div class="c-bg"></div>`},
	{id: "css-list-style", ext: ".png", where: inCSS,
		css: `.c-list { list-style-image: url("{{u}}"); }`, markup: `<ul class="c-list"><li>item</li></ul>`},
	{id: "css-border-image", ext: ".png", where: inCSS,
		css:    `.c-border { border: 4px solid; border-image: url("{{u}}") 1 stretch; }`,
		markup: `<div class="c-border">b</div>`},
	{id: "css-content", ext: ".png", where: inCSS, css: `.c-content::before { content: url("{{u}}"); }`, markup: `<div class="c-content"></div>`},
	{id: "css-cursor", ext: ".png", where: inCSS, css: `.c-cursor { cursor: url("{{u}}"), auto; }`, markup: `<div class="c-cursor">c</div>`},
	{id: "svg-feimage", ext: ".png", where: inPage,
		markup: `<svg width="10" height="10"><filter id="fe"><feImage href="{{u}}"/></filter><rect width="10" height="10" filter="url(#fe)"/></svg>`},
	{id: "css-media", ext: ".png", where: inCSS,
		css: `@media screen { .c-media { width: 10px; height: 10px; background-image: url("{{u}}"); } }`, markup: `<div class="c-media"></div>`},
	{id: "css-supports", ext: ".png", where: inCSS,
		css: `@supports (display: grid) { .c-supports { width: 10px; height: 10px; background-image: url("{{u}}"); } }`, markup: `<div class="c-supports"></div>`},
	{id: "css-escape", ext: ".png", where: inCSS,
		css: `.c-escape { width: 10px; height: 10px; background-image: url("\68ttp://{{hp}}/css-escape.png"); }`, markup: `<div class="c-escape"></div>`},
	{id: "css-unquoted", ext: ".png", where: inCSS,
		css: `.c-unq { width: 10px; height: 10px; background: red url( {{u}} ) no-repeat; }`, markup: `<div class="c-unq"></div>`},
	{id: "nested-background", ext: ".png", where: inNested,
		css: `.c-nested { width: 10px; height: 10px; background-image: url("{{u}}"); }`, markup: `<div class="c-nested"></div>`},
	{id: "nested-font", ext: ".woff2", where: inNested,
		css: `@font-face { font-family: "ConfFont3"; src: url("{{u}}"); } .c-font3 { font-family: "ConfFont3"; }`, markup: `<p class="c-font3">f</p>`},
	{id: "frame-img", ext: ".png", where: inDoc, markup: `<img alt="" src="{{u}}">`},
	{id: "base-img", ext: ".png", where: inDoc, head: `<base href="{{dir}}">`, markup: `<img alt="" src="base-img.png">`},
	{id: "srcdoc-img", ext: ".png", where: inPage, markup: `<iframe srcdoc="&lt;img src=&quot;{{u}}&quot;&gt;"></iframe>`},
	// ... and an http: image, in a frame a script inserts (same-origin, cross-site).
	{id: "js-frame-img", ext: ".png", where: inJSDoc, markup: `<img alt="" src="{{u}}">`},
	{id: "js-xframe-img", ext: ".png", where: inJSXDoc, markup: `<img alt="" src="{{u}}">`},
	// upgrade-insecure-requests upgrades everything, blockable kinds too (padlock: upgradeable
	// with mitigation csp-upgrade-insecure-requests).
	{id: "uir-script", ext: ".js", where: inDoc, head: confUIRMeta, markup: `<script src="{{u}}"></script>`},
	{id: "uir-img", ext: ".png", where: inDoc, head: confUIRMeta, markup: `<img alt="" src="{{u}}">`},
	{id: "uir-iframe", ext: ".html", where: inDoc, head: confUIRMeta, markup: `<iframe src="{{u}}"></iframe>`},
	{id: "uir-child-script", ext: ".js", where: inDoc, head: confUIRMeta, markup: `<iframe src="{{child}}"></iframe>`,
		child: `<script src="{{u}}"></script>`},
	{id: "uir-srcdoc-script", ext: ".js", where: inDoc, head: confUIRMeta,
		markup: `<iframe srcdoc="&lt;script src=&quot;{{u}}&quot;&gt;&lt;/script&gt;"></iframe>`},
	{id: "uir-header-stylesheet", ext: ".css", where: inDoc, header: "Content-Security-Policy: upgrade-insecure-requests",
		markup: `<link rel="stylesheet" href="{{u}}">`},

	// Not mixed content in SPEC: never fetched, navigations, or potentially trustworthy hosts.
	{id: "http-sheet-img", ext: ".png", where: inHTTPSheet,
		css: `.c-hs { width: 10px; height: 10px; background-image: url("{{u}}"); }`, markup: `<div class="c-hs"></div>`},
	{id: "link", ext: ".html", where: inPage, markup: `<a href="{{u}}">link</a>`},
	{id: "form", ext: ".html", where: inPage, markup: `<form action="{{u}}" method="post"><input name="q"></form>`},
	{id: "canonical", ext: ".html", where: inPage, markup: `<link rel="canonical" href="{{u}}">`},
	{id: "alternate", ext: ".html", where: inPage, markup: `<link rel="alternate" hreflang="de" href="{{u}}">`},
	{id: "dns-prefetch", ext: ".html", where: inPage, markup: `<link rel="dns-prefetch" href="{{u}}">`},
	{id: "preconnect", ext: ".html", where: inPage, markup: `<link rel="preconnect" href="{{u}}">`},
	{id: "template", ext: ".png", where: inPage, markup: `<template><img alt="" src="{{u}}"><script src="{{u}}"></script></template>`},
	{id: "noscript", ext: ".png", where: inPage, markup: `<noscript><img alt="" src="{{u}}"></noscript>`},
	{id: "comment", ext: ".js", where: inPage, markup: `<!-- <script src="{{u}}"></script> -->`},
	{id: "js-url-string", ext: ".js", where: inPage, markup: `<script>window.confNever = "{{u}}";</script>`},
	{id: "script-text-plain", ext: ".js", where: inPage, markup: `<script type="text/plain" src="{{u}}"></script>`},
	{id: "script-nomodule", ext: ".js", where: inPage, markup: `<script nomodule src="{{u}}"></script>`},
	{id: "stylesheet-disabled", ext: ".css", where: inPage, markup: `<link rel="stylesheet" disabled href="{{u}}">`},
	{id: "loopback-script", ext: ".js", where: inPage, host: "127.0.0.1", markup: `<script src="{{u}}"></script>`},
	{id: "loopback-img", ext: ".png", where: inPage, host: "127.0.0.1", markup: `<img alt="" src="{{u}}">`},
	{id: "localhost-script", ext: ".js", where: inPage, host: "localhost", markup: `<script src="{{u}}"></script>`},
	{id: "localhost-img", ext: ".png", where: inPage, host: "localhost", markup: `<img alt="" src="{{u}}">`},
	{id: "sublocalhost-img", ext: ".png", where: inPage, host: "img.localhost", markup: `<img alt="" src="{{u}}">`},
}

// Chromium's verdicts: what it did with an insecure URL.
const (
	chromeBlocked     = "blocked"      // refused (MixedContentBlocked issue or loadingFailed mixed-content)
	chromeUpgraded    = "upgraded"     // fetched over https instead (autoupgrade, or upgrade-insecure-requests)
	chromeWarned      = "warned"       // fetched over http with a MixedContentWarning issue
	chromeFormWarning = "form-warning" // a MixedContentWarning issue of resource type Form (nothing fetched)
	chromeLoaded      = "loaded"       // fetched over http without any mixed-content issue
	chromeNotFetched  = "not-fetched"  // never requested, no issue
	// chromeInconsistent: an issue says blocked or upgraded, yet the http server got the request.
	chromeInconsistent = "inconsistent"
)

// padlock's verdicts: the mixed-content rule that reported the URL, or insecure-form.
const (
	padBlockable    = "blockable"
	padUpgradeable  = "upgradeable"
	padInsecureForm = "insecure-form"
	padNone         = "none"
)

// confExpected maps Chromium's verdict to the padlock verdict that agrees with it. "warned"
// has none: each such case must be listed in confSpecChoices or confKnownDisagreements.
var confExpected = map[string]string{
	chromeBlocked:     padBlockable,
	chromeUpgraded:    padUpgradeable,
	chromeFormWarning: padInsecureForm,
	chromeLoaded:      padNone,
	chromeNotFetched:  padNone,
}

// confDiff is a case where padlock and Chromium differ, on purpose or by a known bug.
type confDiff struct {
	chromium, padlock string
	why               string
}

// confSpecChoices are the cases where SPEC.md (or the rule documentation and RULES-RESEARCH.md
// it points to) deliberately departs from Chromium: mostly stricter, for other browsers or for
// a reference no current browser fetches; sometimes by scope. Each entry must match exactly
// what the two say, or the test fails, so the list cannot go stale.
var confSpecChoices = map[string]confDiff{
	"css-mask": {chromeUpgraded, padBlockable, "SPEC lists CSS mask-image as blockable: a CORS-mode image, which the Mixed " +
		"Content prose keeps out of the upgradeable category (RULES-RESEARCH §1a item 12); Chromium upgrades it"},
	"css-shape": {chromeUpgraded, padBlockable, "shape-outside images are CORS-mode like mask-image (rule doc, " +
		"RULES-RESEARCH §1 table); Chromium upgrades them"},
	"css-clip-path": {chromeUpgraded, padBlockable, "SPEC lists CSS clip-path URLs as blockable; Chromium fetches the " +
		"external SVG over https (upgraded, without reporting an issue)"},
	"css-filter": {chromeNotFetched, padBlockable, "SPEC lists CSS filter URLs as blockable; Chromium does not fetch " +
		"an external SVG filter document at all"},
	"svg-use": {chromeNotFetched, padBlockable, "rule doc and RULES-RESEARCH §1: external SVG <use> is blockable; " +
		"Chromium loads <use> documents same-origin only, so an http: one never loads"},
	"img-ftp": {chromeNotFetched, padBlockable, "SPEC: ftp: is not trustworthy and only http: is upgraded, so " +
		"blockable; Chromium has no FTP support and requests nothing"},
	"img-src-unused": {chromeNotFetched, padBlockable, "SPEC: with srcset or <picture> even the <img src> is " +
		"blockable (the browser may pick it, as in img-src-srcset); here Chromium picks the srcset candidate"},
	"preload-no-as": {chromeNotFetched, padBlockable, "SPEC: every preload but as=image|audio|video is blockable; " +
		"Chromium ignores a preload without a valid as="},
	"preload-video": {chromeNotFetched, padUpgradeable, "SPEC: preload as=audio|video is media, hence upgradeable; " +
		"Chromium does not support as=video and fetches nothing"},
	"header-stylesheet": {chromeNotFetched, padBlockable, "a stylesheet is blockable; Firefox applies Link: " +
		"rel=stylesheet (and blocks it over http), Chromium ignores the header"},
	"script-nomodule": {chromeNotFetched, padBlockable, "a script is blockable; Chromium supports modules and skips " +
		"nomodule scripts, which only browsers without module support fetch (and block)"},
	"tp-frame-script": {chromeBlocked, padNone, "SPEC scope: pages (frames too) are crawled only on the start " +
		"URLs' hosts; this https frame is on cdn.test"},
	"tp-frame-img": {chromeUpgraded, padNone, "SPEC scope: the off-scope frame on cdn.test is not crawled"},
	"loopback-img": {chromeWarned, padNone, "SPEC: 127.0.0.0/8 is potentially trustworthy, not a finding; " +
		"Chromium loads the image over http and only notes a MixedContentWarning"},
	"localhost-img": {chromeWarned, padNone, "SPEC: localhost is potentially trustworthy, not a finding; " +
		"Chromium loads the image over http and only notes a MixedContentWarning"},
	"sublocalhost-img": {chromeWarned, padNone, "SPEC: *.localhost is potentially trustworthy, not a finding; " +
		"Chromium loads the image over http and only notes a MixedContentWarning"},
}

// confScriptOnly are the cases only a script requests. The static crawl reports none of them
// (SPEC: URLs in script strings are not findings; padlock runs no JavaScript without --render),
// while Chromium blocks or upgrades each; render mode must give Chromium's verdict.
var confScriptOnly = map[string]bool{
	"js-fetch": true, "js-xhr": true, "js-eventsource": true, "js-beacon": true, "js-websocket": true,
	"js-inject-script": true, "js-inject-stylesheet": true, "js-inject-img": true, "js-inject-iframe": true,
	"js-frame-script": true, "js-frame-img": true, "js-xframe-script": true, "js-xframe-img": true,
}

// confKnownDisagreements are the cases where padlock is wrong (no SPEC choice covers it) and
// rules/ (or the crawler) must be fixed. Each entry must match exactly; once padlock is fixed
// the test fails until the entry is removed.
var confKnownDisagreements = map[string]confDiff{
	// none left. Fixed: uir-child-script (a frame inherits its parent's upgrade-insecure-requests;
	// padlock judged the frame without it).
}

// confVersionDiffs are verdicts that differ between Chromium versions: a case listed here for
// the running Chromium's major version accepts that version's verdict (padlock is unchanged),
// so the test does not depend on the day's Debian package. Outside the range the case is judged
// as usual.
var confVersionDiffs = map[string]confVersionDiff{
	"stylesheet-disabled": {maxMajor: 155, confDiff: confDiff{chromeBlocked, padNone,
		"Chromium 148 (Debian bookworm, 2026-12) requests a disabled stylesheet and blocks it as mixed " +
			"content; 156 does not request it, as padlock (which reports nothing) expects"}},
}

// confVersionDiff is a verdict of Chromium versions up to maxMajor.
type confVersionDiff struct {
	maxMajor int
	confDiff
}

// confChromiumVersion runs the browser with --version: the whole line and the major version.
func confChromiumVersion(t *testing.T) (string, int) {
	out, err := exec.Command(confChromium, "--version").Output()
	if err != nil {
		t.Fatalf("%s --version: %v", confChromium, err)
	}
	line := strings.TrimSpace(string(out))
	for _, f := range strings.Fields(line) {
		if major, _, ok := strings.Cut(f, "."); ok {
			if n, err := strconv.Atoi(major); err == nil {
				return line, n
			}
		}
	}
	t.Fatalf("cannot read a version from %q", line)
	return "", 0
}

func (c confCase) url(httpPort string) string {
	host := c.host
	if host == "" {
		host = confCDN
	}
	scheme := c.scheme
	if scheme == "" {
		scheme = "http"
	}
	return scheme + "://" + host + ":" + httpPort + "/" + c.id + c.ext
}

func TestBrowserConformance(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat(confChromium); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing; CI must install Debian's chromium package: %v", confChromium, err)
		}
		t.Skipf("%s is missing (apt-get install chromium); skipping the browser conformance test", confChromium)
	}
	start := time.Now()

	// PKI: one root, one leaf for every name (the site, the CDN's https side, the IP literal).
	ca := testnet.NewCA(t, "padlock conformance root")
	leaf := ca.Leaf(t, []string{confSite, confCDN, confIP}, ca.Now.Add(-time.Hour), ca.Now.Add(24*time.Hour))
	tlsCfg := &tls.Config{Certificates: []tls.Certificate{leaf}, MinVersion: tls.VersionTLS12}

	hits := &confLog{seen: map[string]int{}}
	files := confFiles(t)

	// cdn.test: plain HTTP, and TLS on the same port. Its documents need the port: they are
	// set once it is known, before any request.
	var sitePages, cdnPages map[string]confPage
	cdnSrv := httptest.NewUnstartedServer(hits.wrap(confHandler(&cdnPages, files)))
	httpPort := strconv.Itoa(cdnSrv.Listener.Addr().(*net.TCPAddr).Port)
	sitePages, cdnPages = confPages(httpPort) // before the servers start
	cdnSrv.Config.ErrorLog = testnet.QuietLog()
	cdnSrv.Listener = newConfSniffListener(cdnSrv.Listener, tlsCfg)
	cdnSrv.Start()
	t.Cleanup(cdnSrv.Close)

	// shop.test: the HTTPS site.
	siteSrv := httptest.NewUnstartedServer(hits.wrap(confHandler(&sitePages, files)))
	siteSrv.EnableHTTP2 = false
	siteSrv.TLS = tlsCfg.Clone()
	siteSrv.Config.ErrorLog = testnet.QuietLog()
	siteSrv.StartTLS()
	t.Cleanup(siteSrv.Close)
	tlsPort := strconv.Itoa(siteSrv.Listener.Addr().(*net.TCPAddr).Port)
	startURL := "https://" + confSite + ":" + tlsPort + "/"

	// Both sides at once: they touch the servers with different user agents.
	var (
		wg       sync.WaitGroup
		rep      *report.Report
		scanErr  error
		chromium map[string]string
		notes    map[string]string
	)
	wg.Go(func() {
		rep, scanErr = confScan(t, startURL, tlsPort, httpPort, ca)
	})
	defer wg.Wait() // also when Chromium's side fails the test
	chromium, notes = confChromiumVerdicts(t, startURL, leaf, httpPort, hits)
	wg.Wait()
	if scanErr != nil {
		t.Fatalf("scan.Run: %v", scanErr)
	}
	if rep == nil {
		t.Fatal("no report")
	}
	padlock := confPadlockVerdicts(t, rep)
	version, major := confChromiumVersion(t)
	t.Logf("compared with %s", version)

	// The comparison table.
	var table strings.Builder
	fmt.Fprintf(&table, "%-22s %-13s %-14s %s\n", "case", "chromium", "padlock", "")
	agree := 0
	for _, c := range confCases {
		u := c.url(httpPort)
		ch, pl := chromium[u], padlock[u]
		if pl == "" {
			pl = padNone
		}
		mark := ""
		if d, ok := confVersionDiffs[c.id]; ok && major <= d.maxMajor {
			mark = fmt.Sprintf("CHROMIUM %d", major)
			if d.chromium != ch || d.padlock != pl {
				t.Errorf("URL %s (%s): chromium %d says %s, padlock says %s; confVersionDiffs expects chromium %s, padlock %s (%s)",
					u, c.id, major, ch, pl, d.chromium, d.padlock, d.why)
			}
		} else if confScriptOnly[c.id] {
			mark = "SCRIPT ONLY"
			if pl != padNone || confExpected[ch] == "" || confExpected[ch] == padNone {
				t.Errorf("URL %s (%s): chromium says %s, padlock says %s; a script-only case wants chromium to block or upgrade it and the static crawl to report nothing",
					u, c.id, ch, pl)
			}
		} else if d, ok := confSpecChoices[c.id]; ok {
			mark = "SPEC choice"
			if d.chromium != ch || d.padlock != pl {
				t.Errorf("URL %s (%s): chromium says %s, padlock says %s; confSpecChoices expects chromium %s, padlock %s (%s)",
					u, c.id, ch, pl, d.chromium, d.padlock, d.why)
			}
		} else if d, ok := confKnownDisagreements[c.id]; ok {
			mark = "KNOWN DISAGREEMENT"
			if d.chromium != ch || d.padlock != pl {
				t.Errorf("URL %s (%s): chromium says %s, padlock says %s; confKnownDisagreements expects chromium %s, padlock %s (%s): update or remove the entry",
					u, c.id, ch, pl, d.chromium, d.padlock, d.why)
			}
		} else if want, ok := confExpected[ch]; !ok {
			mark = "UNEXPECTED"
			t.Errorf("URL %s (%s): chromium says %s, padlock says %s; no padlock verdict agrees with %q: list the case in confSpecChoices or confKnownDisagreements",
				u, c.id, ch, pl, ch)
		} else if want != pl {
			mark = "MISMATCH"
			t.Errorf("URL %s (%s): chromium says %s, padlock says %s (want %s)", u, c.id, ch, pl, want)
		} else {
			agree++
		}
		if n := notes[u]; n != "" {
			mark += " [" + n + "]"
		}
		fmt.Fprintf(&table, "%-22s %-13s %-14s %s\n", c.id, ch, pl, mark)
	}
	// padlock must report nothing else as mixed content, and the lists name only cases.
	known, ids := map[string]bool{}, map[string]bool{}
	for _, c := range confCases {
		if known[c.url(httpPort)] {
			t.Errorf("case %s: its URL is another case's too", c.id)
		}
		known[c.url(httpPort)], ids[c.id] = true, true
	}
	for id := range confSpecChoices {
		if !ids[id] {
			t.Errorf("confSpecChoices names %q, which is no case", id)
		}
	}
	for id := range confScriptOnly {
		if !ids[id] {
			t.Errorf("confScriptOnly names %q, which is no case", id)
		}
	}
	for id := range confKnownDisagreements {
		if !ids[id] {
			t.Errorf("confKnownDisagreements names %q, which is no case", id)
		}
	}
	for u, v := range padlock {
		if !known[u] {
			t.Errorf("URL %s: padlock says %s, but it is no case of the page", u, v)
		}
	}
	t.Logf("%d of %d cases agree, in %s\n%s", agree, len(confCases), time.Since(start).Round(time.Millisecond), table.String())

	// Render mode, after the rest (one browser at a time is enough for two cores).
	rrep, err := confScan(t, startURL, tlsPort, httpPort, ca, confSPKI(leaf))
	if err != nil {
		t.Fatalf("scan.Run --render all: %v", err)
	}
	confRenderAgrees(t, rrep, padlock, chromium, httpPort, known)
}

// confRenderAgrees holds render mode's verdicts against Chromium's: script-only cases get
// Chromium's verdict, no other verdict moves away from the static one unless to Chromium's, and
// a static finding's observed outcome on a top-level page is what Chromium did.
func confRenderAgrees(t *testing.T, rep *report.Report, static, chromium map[string]string, httpPort string, known map[string]bool) {
	t.Helper()
	rendered := confPadlockVerdicts(t, rep)
	var table strings.Builder
	agree := 0
	for _, c := range confCases {
		u := c.url(httpPort)
		ch, st, rv := chromium[u], static[u], rendered[u]
		if st == "" {
			st = padNone
		}
		if rv == "" {
			rv = padNone
		}
		switch want := confExpected[ch]; {
		case confScriptOnly[c.id] && rv != want:
			t.Errorf("URL %s (%s), render mode: chromium says %s, padlock --render says %s (want %s)", u, c.id, ch, rv, want)
		case rv != st && rv != want:
			t.Errorf("URL %s (%s), render mode: chromium says %s, padlock says %s statically and %s with --render: render mode moved away from chromium",
				u, c.id, ch, st, rv)
		case confScriptOnly[c.id]:
			agree++
			fmt.Fprintf(&table, "%-22s %-13s %-14s\n", c.id, ch, rv)
		}
	}
	for u, v := range rendered {
		if !known[u] {
			t.Errorf("URL %s: padlock --render says %s, but it is no case of the page", u, v)
		}
	}
	frames := map[string]bool{}
	for _, p := range rep.Pages {
		frames[p.FinalURL] = p.Frame
	}
	want := map[string][]string{"blocked": {chromeBlocked}, "upgraded": {chromeUpgraded}, "loaded": {chromeLoaded, chromeWarned}}
	observed := 0
	for _, f := range rep.Findings {
		if f.Observed == "" || frames[f.Page] { // a frame rendered on its own is not the frame Chromium embedded
			continue
		}
		observed++
		if !slices.Contains(want[f.Observed], chromium[f.URL]) {
			t.Errorf("URL %s on %s: padlock's browser observed %s, chromium says %s", f.URL, f.Page, f.Observed, chromium[f.URL])
		}
	}
	if observed == 0 {
		t.Error("render mode observed no static finding")
	}
	t.Logf("render mode: %d script-only cases get chromium's verdict, %d observed outcomes agree\n%s", agree, observed, table.String())
}

// ---------------------------------------------------------------------------------------------
// The site.

type confPage struct {
	ctype  string
	body   string
	header []string // "Name: value"
}

// confPages builds the documents of the two servers from confCases: shop.test's start page,
// its stylesheets and the documents of inDoc and inJSDoc cases; cdn.test's third-party frame,
// http stylesheet and the documents of inJSXDoc cases. Keys are paths.
func confPages(httpPort string) (site, cdn map[string]confPage) {
	html := func(head, body string) confPage {
		return confPage{ctype: "text/html; charset=utf-8",
			body: "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>conformance</title>\n" + head + "</head>\n<body>\n" + body + "</body></html>\n"}
	}
	css := func(s string) confPage { return confPage{ctype: "text/css; charset=utf-8", body: s} }
	site, cdn = map[string]confPage{}, map[string]confPage{}
	var main, imports, sheet, nested, httpSheet, tp strings.Builder
	var links []string
	imports.WriteString(`@import url("/nested.css");` + "\n")
	for _, c := range confCases {
		m := c.expand(c.markup, httpPort)
		rules := c.expand(c.css, httpPort) + "\n"
		switch c.where {
		case inPage:
			main.WriteString(m + "\n")
		case inCSS:
			if strings.HasPrefix(c.css, "@import") { // must come first in a stylesheet
				imports.WriteString(rules)
			} else {
				sheet.WriteString(rules)
			}
			main.WriteString(m + "\n")
		case inNested:
			nested.WriteString(rules)
			main.WriteString(m + "\n")
		case inHTTPSheet:
			httpSheet.WriteString(rules)
			main.WriteString(m + "\n")
		case inDoc:
			p := html(c.expand(c.head, httpPort), m+"\n")
			if c.header != "" {
				p.header = append(p.header, c.header)
			}
			site["/d/"+c.id+".html"] = p
			if c.child != "" {
				site["/d/"+c.id+"-child.html"] = html("", c.expand(c.child, httpPort)+"\n")
			}
			main.WriteString(`<iframe src="/d/` + c.id + `.html"></iframe>` + "\n")
		case inJSDoc, inJSXDoc:
			src, pages := "/d/"+c.id+".html", site
			if c.where == inJSXDoc {
				src, pages = "https://"+confCDN+":"+httpPort+"/x/"+c.id+".html", cdn
			}
			pages[strings.TrimPrefix(src, "https://"+confCDN+":"+httpPort)] = html("", m+"\n")
			main.WriteString(`<script>(function () { var f = document.createElement("iframe"); f.src = "` + src +
				`"; document.body.appendChild(f); })();</script>` + "\n")
		case inTPFrame:
			tp.WriteString(m + "\n")
		case inHeader:
			links = append(links, "Link: "+m)
		}
	}
	main.WriteString(`<iframe src="https://` + confCDN + ":" + httpPort + `/tp.html"></iframe>` + "\n")
	start := html(`<link rel="stylesheet" href="/conf.css">`+"\n", main.String())
	start.header = links
	site["/"] = start
	site["/conf.css"] = css(imports.String() + sheet.String())
	site["/nested.css"] = css(nested.String())
	cdn["/tp.html"] = html("", tp.String())
	cdn["/http-sheet.css"] = css(httpSheet.String())
	return site, cdn
}

// expand replaces the placeholders of s.
func (c confCase) expand(s, httpPort string) string {
	u := c.url(httpPort)
	scheme, rest, _ := strings.Cut(u, "://")
	host, path, _ := strings.Cut(rest, "/")
	return strings.NewReplacer("{{u}}", u, "{{U}}", strings.ToUpper(scheme)+"://"+strings.ToUpper(host)+"/"+path,
		"{{dir}}", "http://"+confCDN+":"+httpPort+"/", "{{hp}}", confCDN+":"+httpPort, "{{port}}", httpPort,
		"{{child}}", "/d/"+c.id+"-child.html").Replace(s)
}

// confFiles returns the bytes served for each extension: real, if tiny, files.
func confFiles(t *testing.T) map[string][2]string {
	img := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	for i := range 4 {
		img.Set(i%2, i/2, color.NRGBA{R: 200, A: 255})
	}
	var pngBuf bytes.Buffer
	if err := png.Encode(&pngBuf, img); err != nil {
		t.Fatal(err)
	}
	pngBytes := pngBuf.String()
	// An MPEG-1 Layer III frame header of silence and a minimal ISO BMFF ftyp box: enough for a
	// media element to start a request; what matters is the request, not playback.
	mp3 := "\xff\xfb\x90\x64" + strings.Repeat("\x00", 413)
	mp4 := "\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
	return map[string][2]string{
		".png":   {"image/png", pngBytes},
		".js":    {"text/javascript; charset=utf-8", "window.confLoaded = (window.confLoaded || 0) + 1;\n"},
		".css":   {"text/css; charset=utf-8", "body { margin: 0; }\n"},
		".woff2": {"font/woff2", "wOF2\x00\x01\x00\x00" + strings.Repeat("\x00", 40)},
		".mp3":   {"audio/mpeg", mp3},
		".mp4":   {"video/mp4", mp4},
		".vtt":   {"text/vtt; charset=utf-8", "WEBVTT\n\n00:00.000 --> 00:01.000\nhello\n"},
		".html":  {"text/html; charset=utf-8", "<!doctype html><title>frame</title><p>frame</p>\n"},
		".svg":   {"image/svg+xml", `<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><defs><filter id="f"><feFlood flood-color="blue"/></filter><clipPath id="c"><circle cx="5" cy="5" r="4"/></clipPath></defs><circle id="dot" cx="5" cy="5" r="5"/></svg>`},
		".txt":   {"text/plain; charset=utf-8", "pong\n"},
		".json":  {"application/manifest+json", `{"name":"conformance","start_url":"/"}`},
	}
}

// confHandler serves *pages by path, and any other path from files by its extension.
func confHandler(pages *map[string]confPage, files map[string][2]string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p, ok := (*pages)[r.URL.Path]; ok {
			for _, h := range p.header {
				k, v, _ := strings.Cut(h, ":")
				w.Header().Add(k, strings.TrimSpace(v))
			}
			w.Header().Set("Content-Type", p.ctype)
			w.Header().Set("Access-Control-Allow-Origin", "*")
			_, _ = io.WriteString(w, p.body)
			return
		}
		confServeFile(w, r, files)
	})
}

func confServeFile(w http.ResponseWriter, r *http.Request, files map[string][2]string) {
	f, ok := files[filepath.Ext(r.URL.Path)]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f[0])
	w.Header().Set("Access-Control-Allow-Origin", "*")
	http.ServeContent(w, r, r.URL.Path, time.Time{}, strings.NewReader(f[1]))
}

// confLog records which URLs Chromium requested, by scheme, host and path.
type confLog struct {
	mu   sync.Mutex
	seen map[string]int // "http://host:port/path" as requested (Chromium only)
}

func (l *confLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.UserAgent(), "Chrome") {
			scheme := "http"
			if r.TLS != nil {
				scheme = "https"
			}
			l.mu.Lock()
			l.seen[scheme+"://"+r.Host+r.URL.Path]++
			l.mu.Unlock()
		}
		h.ServeHTTP(w, r)
	})
}

func (l *confLog) count(u string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seen[u]
}

// confSniffListener serves TLS and plain HTTP on one port: a connection whose first byte is a
// TLS handshake record (0x16) becomes a *tls.Conn, which net/http serves as https.
type confSniffListener struct {
	net.Listener
	cfg    *tls.Config
	conns  chan net.Conn
	done   chan struct{}
	once   sync.Once
	mu     sync.Mutex
	sniffs map[net.Conn]bool // connections still being sniffed
}

func newConfSniffListener(inner net.Listener, cfg *tls.Config) *confSniffListener {
	l := &confSniffListener{Listener: inner, cfg: cfg, conns: make(chan net.Conn), done: make(chan struct{}), sniffs: map[net.Conn]bool{}}
	go l.loop()
	return l
}

func (l *confSniffListener) loop() {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			l.Close()
			return
		}
		l.mu.Lock()
		l.sniffs[c] = true
		l.mu.Unlock()
		go l.sniff(c)
	}
}

func (l *confSniffListener) sniff(c net.Conn) {
	defer func() {
		l.mu.Lock()
		delete(l.sniffs, c)
		l.mu.Unlock()
	}()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	b, err := br.Peek(1)
	_ = c.SetReadDeadline(time.Time{})
	if err != nil {
		c.Close()
		return
	}
	var out net.Conn = &confPeekedConn{Conn: c, r: br}
	if b[0] == 0x16 {
		out = tls.Server(out, l.cfg)
	}
	select {
	case l.conns <- out:
	case <-l.done:
		out.Close()
	}
}

func (l *confSniffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *confSniffListener) Close() error {
	l.once.Do(func() {
		close(l.done)
		l.Listener.Close()
		l.mu.Lock()
		for c := range l.sniffs {
			c.Close()
		}
		l.mu.Unlock()
	})
	return nil
}

type confPeekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *confPeekedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// ---------------------------------------------------------------------------------------------
// padlock's side.

// With spki (the leaf's, for the browser to trust) it renders every page too (--render all).
func confScan(t *testing.T, startURL, tlsPort, httpPort string, ca *testnet.CA, spki ...string) (*report.Report, error) {
	opt := sitetest.Options([]string{startURL},
		append(testnet.Resolve(tlsPort, "*"), testnet.Resolve(httpPort, "*")...), ca.Pool, testnet.NewGuard(t))
	opt.Crawl.MaxPages = 100
	limit := 20 * time.Second
	if len(spki) > 0 {
		opt.Render = scan.RenderOptions{Mode: scan.RenderAll, Browser: render.Options{
			Chrome: confChromium, HostResolverRules: "MAP * 127.0.0.1", SPKIs: spki, Timeout: 30 * time.Second,
		}}
		limit = 3 * time.Minute
	}
	// Not sitetest.Scan: this runs beside Chromium, off the test's goroutine.
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	return scan.Run(ctx, opt)
}

// confPadlockVerdicts maps each insecure URL to padlock's mixed-content verdict.
func confPadlockVerdicts(t *testing.T, rep *report.Report) map[string]string {
	out := map[string]string{}
	for _, f := range rep.Findings {
		var v string
		switch f.Rule {
		case "mixed-content-blockable":
			v = padBlockable
		case "mixed-content-upgradeable":
			v = padUpgradeable
		case "insecure-form":
			v = padInsecureForm
		default:
			continue
		}
		if old, ok := out[f.URL]; ok && old != v {
			t.Errorf("URL %s: padlock reports it both %s and %s", f.URL, old, v)
		}
		out[f.URL] = v
	}
	return out
}

// ---------------------------------------------------------------------------------------------
// Chromium's side.

// confEvents collects the DevTools events of the tab, under a lock.
type confEvents struct {
	mu       sync.Mutex
	issues   map[string][]string // insecure URL -> resolution statuses
	blocked  map[string]string   // URL -> Network.loadingFailed blockedReason
	requests map[network.RequestID]string
	inflight map[network.RequestID]bool
	last     time.Time
	loaded   bool
	changed  chan struct{} // pinged on every event
}

func (e *confEvents) add(ev any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch ev := ev.(type) {
	case *audits.EventIssueAdded:
		if ev.Issue != nil && ev.Issue.Details != nil && ev.Issue.Details.MixedContentIssueDetails != nil {
			d := ev.Issue.Details.MixedContentIssueDetails
			e.issues[d.InsecureURL] = append(e.issues[d.InsecureURL], string(d.ResolutionStatus)+"/"+string(d.ResourceType))
		}
	case *network.EventRequestWillBeSent:
		if ev.Request != nil {
			e.requests[ev.RequestID] = ev.Request.URL
			e.inflight[ev.RequestID] = true
		}
	case *network.EventLoadingFinished:
		delete(e.inflight, ev.RequestID)
	case *network.EventLoadingFailed:
		delete(e.inflight, ev.RequestID)
		if ev.BlockedReason != "" {
			e.blocked[e.requests[ev.RequestID]] = string(ev.BlockedReason)
		}
	case *page.EventLoadEventFired:
		e.loaded = true
	default:
		return
	}
	e.last = time.Now()
	select {
	case e.changed <- struct{}{}:
	default:
	}
}

// settled reports whether the page has loaded and no request is in flight, and how long the
// events have been quiet.
func (e *confEvents) settled() (bool, time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.loaded && len(e.inflight) == 0, time.Since(e.last)
}

// confSPKI is the base64 SHA-256 of a certificate's public key, for
// --ignore-certificate-errors-spki-list: Chromium then treats the certificate as valid, so the
// page is a plain secure context (no certificate-error state).
func confSPKI(c tls.Certificate) string {
	h := sha256.Sum256(c.Leaf.RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(h[:])
}

// confChromiumVerdicts loads startURL in headless Chromium and returns, for every case URL,
// what Chromium did with it, and notes (the raw evidence) for the table.
func confChromiumVerdicts(t *testing.T, startURL string, leaf tls.Certificate, httpPort string, hits *confLog) (map[string]string, map[string]string) {
	dir := t.TempDir()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(confChromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("host-resolver-rules", "MAP * 127.0.0.1"),
		chromedp.Flag("ignore-certificate-errors-spki-list", confSPKI(leaf)),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		// Keep cross-site frames in the page's process, so their DevTools events reach this tab.
		chromedp.Flag("disable-site-isolation-trials", true),
		chromedp.Flag("disable-features", "Translate,BlinkGenPropertyTrees,IsolateOrigins,site-per-process"), // replaces the default list
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.WindowSize(1280, 2000),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(cancel)
	// Start the browser without a deadline (a deadline on the first run would bound the
	// browser's whole life), then bound each step.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ev := &confEvents{issues: map[string][]string{}, blocked: map[string]string{}, requests: map[network.RequestID]string{},
		inflight: map[network.RequestID]bool{}, changed: make(chan struct{}, 1)}
	if err := chromedp.Listen(ctx, ev.add); err != nil {
		t.Fatal(err)
	}
	sctx, scancel := context.WithTimeout(ctx, 20*time.Second)
	defer scancel()
	if err := chromedp.Do(sctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		if _, err := chromedp.Call(ctx, audits.Enable, cdp.Empty{}); err != nil {
			return err
		}
		_, err := chromedp.Call(ctx, page.Enable, page.EnableParams{})
		return err
	})); err != nil {
		t.Fatalf("enable DevTools domains: %v", err)
	}
	if err := chromedp.Do(sctx, chromedp.Navigate(startURL)); err != nil {
		t.Fatalf("open %s: %v", startURL, err)
	}
	secure, err := chromedp.Run(sctx, chromedp.Evaluate[bool](`window.isSecureContext && location.protocol === "https:"`))
	if err != nil {
		t.Fatal(err)
	}
	if !secure {
		t.Fatalf("%s is not a secure context in Chromium: mixed-content checks would not apply", startURL)
	}
	// A click sends a hyperlink's ping, which a page load alone does not.
	if _, err := chromedp.Run(sctx, chromedp.Evaluate[bool](`(function () {
		document.getElementById("conf-ping").click(); return true; })()`)); err != nil {
		t.Fatal(err)
	}
	// Settle: the load event has fired and no request has been in flight for quietFor (media
	// elements and late CSS fetches start after load), within a cap.
	const quietFor, limit = 300 * time.Millisecond, 5 * time.Second
	deadline := time.After(limit)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
wait:
	for {
		if ok, quiet := ev.settled(); ok && quiet >= quietFor {
			break
		}
		select {
		case <-ev.changed:
		case <-tick.C:
		case <-deadline:
			ev.mu.Lock()
			var open []string
			for id := range ev.inflight {
				open = append(open, ev.requests[id])
			}
			ev.mu.Unlock()
			t.Logf("chromium: the page did not settle within %s (in flight: %v); judging what arrived", limit, open)
			break wait
		}
	}

	ev.mu.Lock()
	defer ev.mu.Unlock()
	verdicts, notes := map[string]string{}, map[string]string{}
	for _, c := range confCases {
		u := c.url(httpPort)
		_, rest, _ := strings.Cut(u, "://")
		overHTTP, overHTTPS := hits.count("http://"+rest), hits.count("https://"+rest)
		issues := ev.issues[u]
		blockedReason := ev.blocked[u]
		var note []string
		if len(issues) > 0 {
			note = append(note, "issue "+strings.Join(issues, ","))
		}
		if blockedReason != "" {
			note = append(note, "loadingFailed "+blockedReason)
		}
		if overHTTP > 0 {
			note = append(note, "http hit")
		}
		if overHTTPS > 0 {
			note = append(note, "https hit")
		}
		notes[u] = strings.Join(note, "; ")
		has := func(status audits.MixedContentResolutionStatus) bool {
			return slices.ContainsFunc(issues, func(s string) bool { return strings.HasPrefix(s, string(status)+"/") })
		}
		var v string
		switch {
		case has(audits.MixedContentResolutionStatusMixedContentBlocked) || blockedReason == string(network.BlockedReasonMixedContent):
			v = chromeBlocked
			if overHTTP > 0 {
				v = chromeInconsistent
			}
		case has(audits.MixedContentResolutionStatusMixedContentAutomaticallyUpgraded):
			v = chromeUpgraded
			if overHTTP > 0 {
				v = chromeInconsistent
			}
		case has(audits.MixedContentResolutionStatusMixedContentWarning):
			v = chromeWarned
			if slices.Contains(issues, string(audits.MixedContentResolutionStatusMixedContentWarning)+"/"+string(audits.MixedContentResourceTypeForm)) {
				v = chromeFormWarning
			}
		case overHTTP > 0:
			v = chromeLoaded
		case overHTTPS > 0:
			v = chromeUpgraded // upgrade-insecure-requests: upgraded before any mixed-content check
		default:
			v = chromeNotFetched
		}
		verdicts[u] = v
	}
	return verdicts, notes
}
