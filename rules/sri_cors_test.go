package rules

import (
	"net/http"
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/internal/sitetest/testnet"
)

func TestSRICORS(t *testing.T) {
	t.Parallel()
	const pageOrigin = "https://www.shop.test"
	integrity := testnet.SRI("sha384", "x")
	// res is a script with integrity; co is its crossorigin attribute ("-" for none).
	res := func(u, co string, f *crawler.Fetch) crawler.Resource {
		r := scriptRes(u)
		r.Integrity, r.Fetch = integrity, f
		if co != "-" {
			r.CrossOrigin, r.HasCrossOrigin = co, true
		}
		return r
	}
	// resp is a successful response with the given header lines ("Name: value").
	resp := func(u string, headers ...string) *crawler.Fetch {
		f := fetchOf(u, "x")
		for _, h := range headers {
			k, v, _ := strings.Cut(h, ": ")
			f.Header.Add(k, v)
		}
		return f
	}
	redirected := func(from, to string, headers ...string) *crawler.Fetch {
		f := resp(to, headers...)
		f.URL = from
		f.Redirects = []crawler.Hop{{From: from, To: to, Status: 302, Via: "http"}}
		return f
	}
	const cdn = "https://cdn.vendor.test/a.js"
	const own = "https://www.shop.test/a.js"
	tests := []struct {
		name     string
		page     string
		res      crawler.Resource
		contains string // "" for no finding
	}{
		{name: "cross-origin without crossorigin", res: res(cdn, "-", resp(cdn, "Access-Control-Allow-Origin: *")),
			contains: "cross-origin script from https://cdn.vendor.test has integrity but no crossorigin attribute"},
		{name: "cross-origin without crossorigin, not fetched", res: res(cdn, "-", nil), contains: "no crossorigin attribute"},
		{name: "same origin without crossorigin", res: res(own, "-", resp(own))},
		{name: "same origin, explicit default port", res: res("https://www.shop.test:443/a.js", "-", nil)},
		{name: "same site is still cross-origin", res: res("https://static.shop.test/a.js", "-", nil), contains: "no crossorigin"},
		{name: "other port is cross-origin", res: res("https://www.shop.test:8443/a.js", "-", nil), contains: "https://www.shop.test:8443"},
		{name: "other scheme is cross-origin", page: "http://www.shop.test/", res: res(own, "-", nil), contains: "no crossorigin"},
		{name: "same-origin URL redirected cross-origin", res: res(own, "-", redirected(own, cdn, "Access-Control-Allow-Origin: *")),
			contains: "redirected to another origin (" + cdn + ")"},
		{name: "same-origin redirect stays same-origin", res: res(own, "-", redirected(own, "https://www.shop.test/b.js"))},
		{name: "anonymous, ACAO missing", res: res(cdn, "anonymous", resp(cdn)), contains: "no Access-Control-Allow-Origin header"},
		{name: "anonymous, ACAO *", res: res(cdn, "anonymous", resp(cdn, "Access-Control-Allow-Origin: *"))},
		{name: "anonymous, ACAO exact origin", res: res(cdn, "anonymous", resp(cdn, "Access-Control-Allow-Origin: "+pageOrigin))},
		{name: "anonymous, ACAO other origin", res: res(cdn, "anonymous", resp(cdn, "Access-Control-Allow-Origin: https://other.test")),
			contains: "Access-Control-Allow-Origin: https://other.test does not match the requesting origin https://www.shop.test"},
		{name: "anonymous, ACAO with a trailing slash", res: res(cdn, "anonymous", resp(cdn, "Access-Control-Allow-Origin: "+pageOrigin+"/")),
			contains: "does not match"},
		{name: "anonymous, ACAO of the other scheme", res: res(cdn, "anonymous", resp(cdn, "Access-Control-Allow-Origin: http://www.shop.test")),
			contains: "does not match"},
		{name: "anonymous, two ACAO headers", res: res(cdn, "anonymous", resp(cdn, "Access-Control-Allow-Origin: *", "Access-Control-Allow-Origin: *")),
			contains: "several Access-Control-Allow-Origin values"},
		{name: "anonymous, comma list", res: res(cdn, "anonymous", resp(cdn, "Access-Control-Allow-Origin: "+pageOrigin+", https://x.test")),
			contains: "several"},
		{name: "use-credentials, ACAO *", res: res(cdn, "use-credentials", resp(cdn, "Access-Control-Allow-Origin: *", "Access-Control-Allow-Credentials: true")),
			contains: "Access-Control-Allow-Origin: * is not accepted for crossorigin=use-credentials"},
		{name: "use-credentials, exact origin and credentials", res: res(cdn, "use-credentials",
			resp(cdn, "Access-Control-Allow-Origin: "+pageOrigin, "Access-Control-Allow-Credentials: true"))},
		{name: "use-credentials without ACAC", res: res(cdn, "use-credentials", resp(cdn, "Access-Control-Allow-Origin: "+pageOrigin)),
			contains: "Access-Control-Allow-Credentials: true"},
		{name: "use-credentials, ACAC not exactly true", res: res(cdn, "use-credentials",
			resp(cdn, "Access-Control-Allow-Origin: "+pageOrigin, "Access-Control-Allow-Credentials: TRUE")), contains: "Access-Control-Allow-Credentials"},
		{name: "crossorigin, not fetched: nothing to judge", res: res(cdn, "anonymous", nil)},
		{name: "crossorigin, HEAD response judged", res: res(cdn, "anonymous", &crawler.Fetch{URL: cdn, Method: "HEAD", Status: 200, Header: http.Header{}}),
			contains: "no Access-Control-Allow-Origin"},
		{name: "crossorigin, 404 not judged", res: res(cdn, "anonymous", &crawler.Fetch{URL: cdn, Method: "GET", Status: 404, Header: http.Header{}})},
		{name: "crossorigin, transport error not judged", res: res(cdn, "anonymous", &crawler.Fetch{URL: cdn, Err: "connection refused"})},
		{name: "same origin with crossorigin needs no ACAO", res: res(own, "anonymous", resp(own))},
		{name: "same-origin redirect to CDN, ACAO page origin", res: res(own, "anonymous",
			redirected(own, cdn, "Access-Control-Allow-Origin: "+pageOrigin))},
		{name: "same-origin redirect to CDN without ACAO", res: res(own, "anonymous", redirected(own, cdn)),
			contains: "redirected to another origin"},
		{name: "cross-origin redirect to a third origin taints the Origin", res: res(cdn, "anonymous",
			redirected(cdn, "https://edge.cdn2.test/a.js", "Access-Control-Allow-Origin: "+pageOrigin)),
			contains: "does not match the requesting origin null"},
		{name: "tainted origin, ACAO *", res: res(cdn, "anonymous", redirected(cdn, "https://edge.cdn2.test/a.js", "Access-Control-Allow-Origin: *"))},
		{name: "no integrity", res: func() crawler.Resource { r := res(cdn, "-", nil); r.Integrity = ""; return r }()},
		{name: "unknown algorithm only", res: func() crawler.Resource { r := res(cdn, "-", nil); r.Integrity = "sha1-x"; return r }()},
		{name: "integrity on img is ignored", res: crawler.Resource{URL: cdn, Element: "img", Attribute: "src", Kind: crawler.KindImage, Integrity: integrity}},
		{name: "data: URL needs no CORS", res: res("data:text/javascript,1", "-", nil)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pu := tc.page
			if pu == "" {
				pu = testHTTPSPage
			}
			fs := runRule(t, sriCORS(), page(pu, tc.res), nil)
			f, ok := wantOne(t, fs, tc.contains != "")
			if !ok {
				return
			}
			if f.Severity != Error || f.URL != tc.res.URL {
				t.Errorf("finding %+v", f)
			}
			if !strings.Contains(f.Message, tc.contains) {
				t.Errorf("message %q does not contain %q", f.Message, tc.contains)
			}
		})
	}
}

func TestSRICORSModuleScript(t *testing.T) {
	t.Parallel()
	// The extractor records type=module scripts and modulepreload as crossorigin=anonymous.
	r := scriptRes("https://cdn.vendor.test/m.js")
	r.Integrity = testnet.SRI("sha384", "x")
	r.CrossOrigin, r.HasCrossOrigin = "anonymous", true
	r.Fetch = fetchOf(r.URL, "x")
	r.Fetch.Header.Set("Access-Control-Allow-Origin", "*")
	if fs := runRule(t, sriCORS(), page(testHTTPSPage, r), nil); len(fs) != 0 {
		t.Errorf("module script with ACAO *: %+v", fs)
	}
}

func TestWebOrigin(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"https://WWW.Shop.test/a":     "https://www.shop.test",
		"https://www.shop.test:443/a": "https://www.shop.test",
		"http://www.shop.test:80/a":   "http://www.shop.test",
		"https://www.shop.test:8443":  "https://www.shop.test:8443",
		"http://www.shop.test:443/":   "http://www.shop.test:443",
		"https://[::1]:8443/":         "https://[::1]:8443",
		"data:text/javascript,1":      "",
		"blob:https://x.test/1":       "",
	}
	for in, want := range tests {
		if got := webOrigin(in); got != want {
			t.Errorf("webOrigin(%q) = %q, want %q", in, got, want)
		}
	}
}
