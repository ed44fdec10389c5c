package rules

import (
	"testing"

	"github.com/padlock-scan/padlock/crawler"
)

// mixedCase is one reference and how browsers treat it; the classification test and both
// mixed-content rule tests run the same table, so the rules cannot drift from the classifier.
type mixedCase struct {
	name   string
	page   string // page FinalURL; testHTTPSPage when empty
	res    crawler.Resource
	want   mixedClass
	reason string
}

func html(kind crawler.Kind, el, attr, u string) crawler.Resource {
	return crawler.Resource{URL: u, Raw: u, Element: el, Attribute: attr, Kind: kind, Line: 7, Source: crawler.SourceHTML}
}

func css(el, u string) crawler.Resource {
	return crawler.Resource{
		URL: u, Raw: u, Element: el, Attribute: "url", Kind: crawler.KindImage, Line: 3,
		Source: crawler.SourceCSS, Stylesheet: "https://www.shop.test/site.css",
	}
}

func with(r crawler.Resource, f func(*crawler.Resource)) crawler.Resource {
	f(&r)
	return r
}

func mixedCases() []mixedCase {
	img := func(u string) crawler.Resource { return html(crawler.KindImage, "img", "src", u) }
	script := func(u string) crawler.Resource { return html(crawler.KindScript, "script", "src", u) }
	uir := func(r crawler.Resource) crawler.Resource {
		return with(r, func(r *crawler.Resource) { r.UpgradedByCSP = true })
	}
	return []mixedCase{
		// Every blockable kind.
		{name: "script", res: script("http://cdn.other.test/a.js"), want: mixedBlockable},
		{name: "stylesheet link", res: html(crawler.KindStylesheet, "link", "href", "http://cdn.other.test/a.css"), want: mixedBlockable},
		{name: "css @import", res: with(css("@import", "http://cdn.other.test/b.css"), func(r *crawler.Resource) { r.Kind = crawler.KindStylesheet }), want: mixedBlockable},
		{name: "font-face", res: with(css("@font-face", "http://cdn.other.test/f.woff2"), func(r *crawler.Resource) { r.Kind = crawler.KindFont }), want: mixedBlockable},
		{name: "preload as=font", res: with(html(crawler.KindFont, "link", "href", "http://cdn.other.test/f.woff2"), func(r *crawler.Resource) { r.Rel, r.As = "preload", "font" }), want: mixedBlockable},
		{name: "iframe", res: html(crawler.KindFrame, "iframe", "src", "http://widgets.test/"), want: mixedBlockable},
		{name: "frame", res: html(crawler.KindFrame, "frame", "src", "http://widgets.test/"), want: mixedBlockable},
		{name: "object", res: html(crawler.KindObject, "object", "data", "http://cdn.other.test/a.swf"), want: mixedBlockable},
		{name: "embed", res: html(crawler.KindObject, "embed", "src", "http://cdn.other.test/a.pdf"), want: mixedBlockable},
		{name: "track", res: html(crawler.KindTrack, "track", "src", "http://cdn.other.test/a.vtt"), want: mixedBlockable},
		{name: "manifest", res: html(crawler.KindManifest, "link", "href", "http://www.shop.test/app.webmanifest"), want: mixedBlockable},
		{name: "favicon", res: html(crawler.KindIcon, "link", "href", "http://www.shop.test/favicon.ico"), want: mixedBlockable},
		{name: "apple-touch-icon", res: with(html(crawler.KindIcon, "link", "href", "http://www.shop.test/t.png"), func(r *crawler.Resource) { r.Rel = "apple-touch-icon" }), want: mixedBlockable},
		{name: "prefetch", res: html(crawler.KindPrefetch, "link", "href", "http://www.shop.test/next.html"), want: mixedBlockable},
		{name: "preload as=fetch", res: with(html(crawler.KindPreload, "link", "href", "http://api.shop.test/data.json"), func(r *crawler.Resource) { r.As = "fetch" }), want: mixedBlockable},
		{name: "preload Link header", res: crawler.Resource{URL: "http://cdn.other.test/w.js", Element: "Link", Kind: crawler.KindPreload, As: "worker", Source: crawler.SourceHeader}, want: mixedBlockable},
		{name: "modulepreload", res: with(html(crawler.KindScript, "link", "href", "http://cdn.other.test/m.js"), func(r *crawler.Resource) { r.Rel = "modulepreload" }), want: mixedBlockable},
		{name: "a download", res: html(crawler.KindDownload, "a", "href", "http://files.test/setup.exe"), want: mixedBlockable},
		{name: "a ping", res: html(crawler.KindPing, "a", "ping", "http://track.test/p"), want: mixedBlockable},
		{name: "area ping", res: html(crawler.KindPing, "area", "ping", "http://track.test/p"), want: mixedBlockable},

		// Images: the traps.
		{name: "img srcset candidate", res: with(html(crawler.KindImage, "img", "srcset", "http://img.test/a-2x.png"), func(r *crawler.Resource) { r.Imageset = true }), want: mixedBlockable, reason: reasonImageset},
		{name: "img src with srcset", res: with(img("http://img.test/a.png"), func(r *crawler.Resource) { r.Imageset = true }), want: mixedBlockable, reason: reasonImageset},
		{name: "picture source srcset", res: with(html(crawler.KindImage, "source", "srcset", "http://img.test/a.webp"), func(r *crawler.Resource) { r.Imageset = true }), want: mixedBlockable, reason: reasonImageset},
		{name: "img src without srcset", res: img("http://img.test/a.png"), want: mixedUpgradeable},
		{name: "img crossorigin without srcset", res: with(img("http://img.test/a.png"), func(r *crawler.Resource) { r.HasCrossOrigin, r.CrossOrigin = true, "anonymous" }), want: mixedUpgradeable},
		{name: "svg use", res: html(crawler.KindImage, "use", "href", "http://img.test/sprite.svg#cart"), want: mixedBlockable, reason: reasonSVGUse},
		{name: "svg image", res: html(crawler.KindImage, "image", "href", "http://img.test/a.svg"), want: mixedUpgradeable},
		{name: "poster", res: html(crawler.KindImage, "video", "poster", "http://img.test/p.jpg"), want: mixedUpgradeable},
		{name: "input type=image", res: html(crawler.KindImage, "input", "src", "http://img.test/go.png"), want: mixedUpgradeable},
		{name: "legacy background", res: html(crawler.KindImage, "body", "background", "http://img.test/bg.gif"), want: mixedUpgradeable},
		{name: "preload as=image", res: with(html(crawler.KindPreload, "link", "href", "http://img.test/hero.jpg"), func(r *crawler.Resource) { r.As = "image" }), want: mixedUpgradeable},
		{name: "preload as=video", res: with(html(crawler.KindPreload, "link", "href", "http://img.test/v.mp4"), func(r *crawler.Resource) { r.As = "video" }), want: mixedUpgradeable},
		{name: "css background-image", res: css("background-image", "http://img.test/bg.png"), want: mixedUpgradeable},
		{name: "css background shorthand inline style", res: with(css("background", "http://img.test/bg.png"), func(r *crawler.Resource) { r.Stylesheet = "" }), want: mixedUpgradeable},
		{name: "css list-style-image", res: css("list-style-image", "http://img.test/dot.png"), want: mixedUpgradeable},
		{name: "css border-image", res: css("border-image", "http://img.test/b.png"), want: mixedUpgradeable},
		{name: "css cursor", res: css("cursor", "http://img.test/c.cur"), want: mixedUpgradeable},
		{name: "css content", res: css("content", "http://img.test/i.png"), want: mixedUpgradeable},
		{name: "css mask-image", res: css("mask-image", "http://img.test/m.svg"), want: mixedBlockable, reason: reasonCSSCORS},
		{name: "css mask", res: css("mask", "http://img.test/m.svg"), want: mixedBlockable, reason: reasonCSSCORS},
		{name: "css -webkit-mask-image", res: css("-webkit-mask-image", "http://img.test/m.svg"), want: mixedBlockable, reason: reasonCSSCORS},
		{name: "css -webkit-mask", res: css("-webkit-mask", "http://img.test/m.svg"), want: mixedBlockable, reason: reasonCSSCORS},
		{name: "css mask-border", res: css("mask-border", "http://img.test/m.svg"), want: mixedBlockable, reason: reasonCSSCORS},
		{name: "css shape-outside", res: css("shape-outside", "http://img.test/s.png"), want: mixedBlockable, reason: reasonCSSCORS},
		{name: "css filter", res: css("filter", "http://img.test/f.svg#blur"), want: mixedBlockable, reason: reasonCSSCORS},
		{name: "css clip-path", res: css("clip-path", "http://img.test/c.svg#clip"), want: mixedBlockable, reason: reasonCSSCORS},
		{name: "css property in upper case", res: css("Mask-Image", "http://img.test/m.svg"), want: mixedBlockable, reason: reasonCSSCORS},
		{name: "html element named filter is not css", res: html(crawler.KindImage, "filter", "href", "http://img.test/f.svg"), want: mixedUpgradeable},

		// Audio and video.
		{name: "video src", res: html(crawler.KindMedia, "video", "src", "http://media.test/v.mp4"), want: mixedUpgradeable},
		{name: "audio src", res: html(crawler.KindMedia, "audio", "src", "http://media.test/a.mp3"), want: mixedUpgradeable},
		{name: "video source", res: html(crawler.KindMedia, "source", "src", "http://media.test/v.webm"), want: mixedUpgradeable},

		// IP-literal hosts are never upgraded.
		{name: "image on IPv4 literal", res: img("http://93.184.215.14/image.png"), want: mixedBlockable, reason: reasonIPLiteral},
		{name: "image on IPv4 literal with port", res: img("http://192.0.2.7:8080/image.png"), want: mixedBlockable, reason: reasonIPLiteral},
		{name: "image on IPv6 literal", res: img("http://[2001:db8::1]/image.png"), want: mixedBlockable, reason: reasonIPLiteral},
		{name: "image on shorthand IPv4", res: img("http://192.168.1/image.png"), want: mixedBlockable, reason: reasonIPLiteral},
		{name: "image on hex IPv4", res: img("http://0xc0a80101/image.png"), want: mixedBlockable, reason: reasonIPLiteral},
		{name: "image on decimal IPv4", res: img("http://3232235777/image.png"), want: mixedBlockable, reason: reasonIPLiteral},
		{name: "css background on IP literal", res: css("background-image", "http://198.51.100.2/bg.png"), want: mixedBlockable, reason: reasonIPLiteral},
		{name: "video on IP literal", res: html(crawler.KindMedia, "video", "src", "http://192.0.2.1/v.mp4"), want: mixedBlockable, reason: reasonIPLiteral},
		{name: "audio on IPv6 literal", res: html(crawler.KindMedia, "audio", "src", "http://[2001:db8::2]:8000/a.mp3"), want: mixedBlockable, reason: reasonIPLiteral},
		{name: "image on numeric-looking host name", res: img("http://127.0.0.1.example.test/a.png"), want: mixedUpgradeable},
		{name: "image with explicit port", res: img("http://img.test:8080/a.png"), want: mixedUpgradeable},

		// Other insecure schemes.
		{name: "ftp script", res: script("ftp://files.test/a.js"), want: mixedBlockable},
		{name: "ftp download", res: html(crawler.KindDownload, "a", "href", "ftp://files.test/setup.exe"), want: mixedBlockable},
		{name: "ftp image is not upgradeable", res: img("ftp://files.test/a.png"), want: mixedBlockable, reason: reasonScheme},
		{name: "ws preload", res: with(html(crawler.KindPreload, "link", "href", "ws://live.test/socket"), func(r *crawler.Resource) { r.As = "fetch" }), want: mixedBlockable},
		{name: "scheme in upper case", res: script("HTTP://cdn.other.test/a.js"), want: mixedBlockable},
		{name: "spaces around the URL", res: script("  http://cdn.other.test/a.js\n"), want: mixedBlockable},
		{name: "localhost.example.com is a host name", res: script("http://localhost.example.com/a.js"), want: mixedBlockable},
		{name: "localhost as a middle label", res: script("http://foo.localhost.example.com/a.js"), want: mixedBlockable},
		{name: "IPv4-mapped loopback is not ::1", res: script("http://[::ffff:127.0.0.1]/a.js"), want: mixedBlockable},
		{name: "private address is not loopback", res: script("http://10.0.0.1/a.js"), want: mixedBlockable},

		// Upgrade-insecure-requests: never blockable.
		{name: "UIR script", res: uir(script("http://cdn.other.test/a.js")), want: mixedUpgradeable, reason: reasonCSP},
		{name: "UIR srcset image", res: uir(with(img("http://img.test/a.png"), func(r *crawler.Resource) { r.Imageset = true })), want: mixedUpgradeable, reason: reasonCSP},
		{name: "UIR IP-literal image", res: uir(img("http://192.0.2.1/a.png")), want: mixedUpgradeable, reason: reasonCSP},
		{name: "UIR plain image", res: uir(img("http://img.test/a.png")), want: mixedUpgradeable, reason: reasonCSP},
		{name: "UIR ws", res: uir(with(html(crawler.KindPreload, "link", "href", "ws://live.test/s"), func(r *crawler.Resource) { r.As = "fetch" })), want: mixedUpgradeable, reason: reasonCSP},
		{name: "UIR does not upgrade ftp", res: uir(script("ftp://files.test/a.js")), want: mixedBlockable},
		{name: "UIR on a trustworthy URL", res: uir(script("https://cdn.other.test/a.js")), want: notMixed},

		// Not mixed: trustworthy URLs.
		{name: "https script", res: script("https://cdn.other.test/a.js"), want: notMixed},
		{name: "protocol-relative already resolved", res: with(script("https://cdn.other.test/a.js"), func(r *crawler.Resource) { r.Raw = "//cdn.other.test/a.js" }), want: notMixed},
		{name: "wss", res: with(html(crawler.KindPreload, "link", "href", "wss://live.test/s"), func(r *crawler.Resource) { r.As = "fetch" }), want: notMixed},
		{name: "data image", res: img("data:image/png;base64,iVBORw0KGgo="), want: notMixed},
		{name: "data image in srcset", res: with(img("data:image/gif;base64,R0lGOD,lhAQ=="), func(r *crawler.Resource) { r.Imageset = true }), want: notMixed},
		{name: "blob script", res: script("blob:https://www.shop.test/5d1c"), want: notMixed},
		{name: "about:blank frame", res: html(crawler.KindFrame, "iframe", "src", "about:blank"), want: notMixed},
		{name: "localhost", res: script("http://localhost/a.js"), want: notMixed},
		{name: "localhost with port", res: script("http://localhost:3000/a.js"), want: notMixed},
		{name: "localhost trailing dot", res: script("http://localhost./a.js"), want: notMixed},
		{name: "subdomain of localhost", res: script("http://foo.localhost/a.js"), want: notMixed},
		{name: "subdomain of localhost upper case trailing dot", res: script("http://FOO.LOCALHOST./a.js"), want: notMixed},
		{name: "127.0.0.1", res: script("http://127.0.0.1:8080/a.js"), want: notMixed},
		{name: "127.0.0.2", res: script("http://127.0.0.2/a.js"), want: notMixed},
		{name: "127.255.255.254 image", res: img("http://127.255.255.254/a.png"), want: notMixed},
		{name: "::1", res: script("http://[::1]/a.js"), want: notMixed},
		{name: "::1 long form", res: img("http://[0:0:0:0:0:0:0:1]:8080/a.png"), want: notMixed},
		{name: "shorthand 0x7f.1 is loopback", res: img("http://0x7f.1/a.png"), want: notMixed},
		{name: "decimal 2130706433 is loopback", res: script("http://2130706433/a.js"), want: notMixed},
		{name: "octal 0177.0.0.1 is loopback", res: script("http://0177.0.0.1/a.js"), want: notMixed},
		{name: "ws to localhost", res: with(html(crawler.KindPreload, "link", "href", "ws://localhost:8080/s"), func(r *crawler.Resource) { r.As = "fetch" }), want: notMixed},
		{name: "backslashes resolve to localhost", res: script(`http:\\localhost\a.js`), want: notMixed},
		{name: "userinfo does not hide the host", res: script("http://localhost@evil.test/a.js"), want: mixedBlockable},

		// Not sub-resources: other rules handle them.
		{name: "form action", res: html(crawler.KindForm, "form", "action", "http://pay.test/submit"), want: notMixed},
		{name: "link", res: html(crawler.KindLink, "a", "href", "http://blog.test/"), want: notMixed},
		{name: "meta refresh", res: html(crawler.KindRefresh, "meta", "content", "http://www.shop.test/"), want: notMixed},
		{name: "javascript: URL", res: html(crawler.KindLink, "a", "href", "javascript:void(0)"), want: notMixed},
		{name: "unknown kind", res: html("", "x-thing", "src", "http://cdn.other.test/a"), want: notMixed},

		// Only https pages restrict mixed content.
		{name: "http page script", page: testHTTPPage, res: script("http://cdn.other.test/a.js"), want: notMixed},
		{name: "http page srcset", page: testHTTPPage, res: with(img("http://img.test/a.png"), func(r *crawler.Resource) { r.Imageset = true }), want: notMixed},
		{name: "http page image", page: testHTTPPage, res: img("http://img.test/a.png"), want: notMixed},
		{name: "localhost http page", page: "http://localhost:8080/", res: script("http://cdn.other.test/a.js"), want: notMixed},
		{name: "https frame page", page: "https://widgets.test/frame", res: script("http://cdn.other.test/a.js"), want: mixedBlockable},
	}
}

func TestClassifyMixed(t *testing.T) {
	t.Parallel()
	forMixedCases(t, func(t *testing.T, tc mixedCase, p *crawler.Page) {
		got := classifyMixed(p, &tc.res)
		if got.class != tc.want || got.reason != tc.reason {
			t.Errorf("classifyMixed(%q kind %q) = {%v %q}, want {%v %q}", tc.res.URL, tc.res.Kind, got.class, got.reason, tc.want, tc.reason)
		}
	})
}

func TestClassifyMixedUsesFinalURL(t *testing.T) {
	t.Parallel()
	r := crawler.Resource{URL: "http://cdn.other.test/a.js", Kind: crawler.KindScript}
	tests := []struct {
		name          string
		requested     string
		final         string
		wantRestricts bool
	}{
		{name: "http redirected to https", requested: "http://www.shop.test/", final: "https://www.shop.test/", wantRestricts: true},
		{name: "https redirected to http", requested: "https://www.shop.test/", final: "http://www.shop.test/", wantRestricts: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := &crawler.Page{URL: tc.requested, FinalURL: tc.final}
			got := classifyMixed(p, &r).class == mixedBlockable
			if got != tc.wantRestricts {
				t.Errorf("blockable = %v, want %v", got, tc.wantRestricts)
			}
		})
	}
}

func TestIsSubresource(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		kind crawler.Kind
		want bool
	}{
		{name: "script", kind: crawler.KindScript, want: true},
		{name: "image", kind: crawler.KindImage, want: true},
		{name: "media", kind: crawler.KindMedia, want: true},
		{name: "download", kind: crawler.KindDownload, want: true},
		{name: "form", kind: crawler.KindForm, want: false},
		{name: "link", kind: crawler.KindLink, want: false},
		{name: "refresh", kind: crawler.KindRefresh, want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := crawler.Resource{URL: "http://x.test/", Kind: tc.kind}
			if got := isSubresource(&r); got != tc.want {
				t.Errorf("isSubresource(%s) = %v, want %v", tc.kind, got, tc.want)
			}
		})
	}
}
