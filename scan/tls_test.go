package scan_test

// End-to-end tests of the origin-level rules through scan.Run: TLS versions, legacy TLS and
// certificates of third-party script hosts and of the site itself, and HSTS per origin. The
// helpers (test CA, loopback-only network, virtual hosts) are in payment_test.go.

import (
	"crypto/tls"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/internal/sitetest"
	"github.com/padlock-scan/padlock/internal/sitetest/testnet"
	"github.com/padlock-scan/padlock/report"
)

var payTLSRules = []string{"tls-version", "tls-legacy", "tls-certificate"}

// TestTLSThirdPartyOrigins loads a script from each of several third-party hosts with a TLS
// problem. The crawl must go on, and each origin must be reported once, on the first page
// that touched it.
func TestTLSThirdPartyOrigins(t *testing.T) {
	t.Parallel()
	ca := testnet.NewCA(t, "padlock test root CA")
	now := ca.Now
	inter := ca.Intermediate(t, "padlock test intermediate CA")
	valid := func(names ...string) tls.Certificate {
		return ca.ValidLeaf(t, names...)
	}
	pn := testnet.NewGuard(t)
	type want struct{ rule, severity, msg string }
	thirds := []struct {
		host       string
		cert       tls.Certificate
		minV, maxV uint16
		want       []want
		problem    string // origins[].certificate.problem
		version    string // origins[].tls_version
		legacy     string // origins[].legacy_tls_version
	}{
		{host: "old.legacy.test", cert: valid("old.legacy.test"), minV: tls.VersionTLS10, maxV: tls.VersionTLS11,
			want: []want{
				{"tls-version", "error", "offers no TLS 1.2 or 1.3, only TLS 1.1"},
				{"tls-legacy", "warning", "still accepts a TLS 1.1 handshake"},
			}, version: "TLS 1.1", legacy: "TLS 1.1"},
		{host: "wide.legacy.test", cert: valid("wide.legacy.test"), minV: tls.VersionTLS11, maxV: tls.VersionTLS13,
			want:    []want{{"tls-legacy", "warning", "still accepts a TLS 1.1 handshake"}},
			version: "TLS 1.3", legacy: "TLS 1.1"},
		{host: "expired.certs.test", cert: ca.Leaf(t, []string{"expired.certs.test"}, now.Add(-90*24*time.Hour), now.Add(-24*time.Hour)),
			want:    []want{{"tls-certificate", "error", "certificate expired on " + now.Add(-24*time.Hour).UTC().Format("2006-01-02") + " (1 day ago)"}},
			problem: "expired", version: "TLS 1.3"},
		{host: "wrong.certs.test", cert: valid("other.certs.test"),
			want:    []want{{"tls-certificate", "error", "is issued for other.certs.test, not for wrong.certs.test"}},
			problem: "wrong-host", version: "TLS 1.3"},
		{host: "soon.certs.test", cert: ca.Leaf(t, []string{"soon.certs.test"}, now.Add(-time.Hour), now.Add(10*24*time.Hour)),
			want:    []want{{"tls-certificate", "warning", "certificate expires in 10 days (" + now.Add(10*24*time.Hour).UTC().Format("2006-01-02") + ")"}},
			version: "TLS 1.3"},
		{host: "chain.certs.test", cert: inter.ChainLeaf(t, []string{"chain.certs.test"}, now.Add(-time.Hour), now.Add(200*24*time.Hour), false),
			want:    []want{{"tls-certificate", "error", "chain is incomplete (missing intermediate)"}},
			problem: "incomplete-chain", version: "TLS 1.3"},
		// Controls: the intermediate sent, and a plain valid TLS 1.2-only host.
		{host: "fullchain.certs.test", cert: inter.ChainLeaf(t, []string{"fullchain.certs.test"}, now.Add(-time.Hour), now.Add(200*24*time.Hour), true),
			version: "TLS 1.3"},
		{host: "tls12.certs.test", cert: valid("tls12.certs.test"), minV: tls.VersionTLS12, maxV: tls.VersionTLS12, version: "TLS 1.2"},
	}

	site := sitetest.NewVHosts()
	hsts := "Strict-Transport-Security: max-age=31536000"
	siteSrv := testnet.TLSServer(t, site, valid("www.shop.test"))
	sitePort := testnet.Port(siteSrv)
	www := "https://www.shop.test:" + sitePort
	resolve := testnet.Resolve(sitePort, "www.shop.test")
	var scripts strings.Builder
	origins := map[string]string{} // host -> origin
	for _, th := range thirds {
		v := sitetest.NewVHosts()
		v.Add(th.host+"/a.js", sitetest.JS("window.a = 1;\n"))
		minV, maxV := th.minV, th.maxV
		if minV == 0 {
			minV, maxV = tls.VersionTLS12, tls.VersionTLS13
		}
		srv := testnet.TLSServerVersions(t, v, minV, maxV, th.cert)
		port := testnet.Port(srv)
		origins[th.host] = "https://" + th.host + ":" + port
		resolve = append(resolve, testnet.Resolve(port, th.host)...)
		scripts.WriteString(`<script src="` + origins[th.host] + `/a.js"></script>` + "\n")
	}
	site.Add("www.shop.test/", sitetest.HTML("<!doctype html>\n<title>home</title>\n"+scripts.String()+`<a href="/more.html">more</a>`, hsts))
	site.Add("www.shop.test/more.html", sitetest.HTML("<!doctype html>\n<title>more</title>\n"+scripts.String(), hsts))

	opt := sitetest.CAOptions(ca, pn, []string{www + "/"}, resolve)
	rep := sitetest.MustScan(t, opt)

	if len(rep.Pages) != 2 {
		t.Errorf("the crawl must go on past the third parties' TLS problems: %d page(s), want 2", len(rep.Pages))
	}
	var wantF []sitetest.FID
	for _, th := range thirds {
		for _, w := range th.want {
			wantF = append(wantF, sitetest.FID{w.rule, w.severity, www + "/", origins[th.host]})
		}
	}
	sitetest.Same(t, "TLS findings", sitetest.Findings(rep, payTLSRules...), wantF)
	for _, th := range thirds {
		for _, w := range th.want {
			var f report.Finding
			for _, g := range rep.Findings {
				if g.Rule == w.rule && g.URL == origins[th.host] {
					f = g
				}
			}
			if f.Rule == "" {
				continue // reported by paySame
			}
			sitetest.Contains(t, th.host+" "+w.rule, f.Message, w.msg)
			if f.Source != "tls" || f.Line != 0 {
				t.Errorf("%s %s: source %q line %d, want tls 0", th.host, w.rule, f.Source, f.Line)
			}
		}
		o := sitetest.OriginOf(t, rep, origins[th.host])
		problem := ""
		if o.Certificate != nil {
			problem = o.Certificate.Problem
		}
		if o.InScope || o.FirstPage != www+"/" || o.TLSVersion != th.version || o.LegacyTLS != (th.legacy != "") ||
			o.LegacyVersion != th.legacy || problem != th.problem {
			t.Errorf("origin %s: in_scope %v first_page %s tls_version %q legacy %v %q problem %q; want false %s %q %v %q %q",
				th.host, o.InScope, o.FirstPage, o.TLSVersion, o.LegacyTLS, o.LegacyVersion, problem,
				www+"/", th.version, th.legacy != "", th.legacy, th.problem)
		}
	}
	if o := sitetest.OriginOf(t, rep, www); o.Certificate == nil || o.Certificate.Problem != "" || o.LegacyTLS || !o.InScope {
		t.Errorf("the site's own origin is fine: %+v", o)
	}
}

// TestTLSBadSiteCertificate: a site whose own certificate has expired cannot be crawled
// (crawler.ErrNoStart), yet the report says why; with Insecure the crawl goes on and the
// finding stays.
func TestTLSBadSiteCertificate(t *testing.T) {
	t.Parallel()
	ca := testnet.NewCA(t, "padlock test root CA")
	now := ca.Now
	expired := ca.Leaf(t, []string{"www.shop.test"}, now.Add(-90*24*time.Hour), now.Add(-2*24*time.Hour))
	v := sitetest.NewVHosts()
	v.Add("www.shop.test/", sitetest.HTML(`<!doctype html><title>home</title><a href="/b.html">b</a>`, "Strict-Transport-Security: max-age=31536000"))
	v.Add("www.shop.test/b.html", sitetest.HTML(`<!doctype html><title>b</title>`, "Strict-Transport-Security: max-age=31536000"))
	srv := testnet.TLSServer(t, v, expired)
	port := testnet.Port(srv)
	www := "https://www.shop.test:" + port
	base := sitetest.CAOptions(ca, testnet.NewGuard(t), []string{www + "/"}, testnet.Resolve(port, "www.shop.test"))
	wantTLS := []sitetest.FID{{"tls-certificate", "error", www + "/", www}}

	t.Run("strict", func(t *testing.T) {
		rep, err := sitetest.Scan(t, base)
		if !errors.Is(err, crawler.ErrNoStart) {
			t.Errorf("scan.Run error %v, want crawler.ErrNoStart", err)
		}
		sitetest.Same(t, "TLS findings", sitetest.Findings(rep, payTLSRules...), wantTLS)
		f := sitetest.FindingOf(t, rep, "tls-certificate", www+"/", www)
		sitetest.Contains(t, "tls-certificate message", f.Message, "expired on "+now.Add(-2*24*time.Hour).UTC().Format("2006-01-02"), "(2 days ago)")
		found := false
		for _, e := range rep.Errors {
			found = found || e.URL == www+"/" && strings.Contains(e.Error, "certificate")
		}
		if !found {
			t.Errorf("want an error entry for %s/ about the certificate, got %+v", www, rep.Errors)
		}
		if len(rep.Pages) != 1 || rep.Pages[0].Error == "" {
			t.Errorf("want the start page, failed, in the report: %+v", rep.Pages)
		}
		if o := sitetest.OriginOf(t, rep, www); o.Certificate == nil || o.Certificate.Problem != "expired" || !o.InScope {
			t.Errorf("site origin: %+v", o)
		}
	})
	t.Run("insecure", func(t *testing.T) {
		opt := base
		opt.Crawl.Insecure = true
		rep, err := sitetest.Scan(t, opt)
		if err != nil {
			t.Errorf("--insecure: scan.Run error %v, want none", err)
		}
		if len(rep.Pages) != 2 {
			t.Errorf("--insecure: want the crawl to go on (2 pages), got %d", len(rep.Pages))
		}
		for _, p := range rep.Pages {
			if p.Error != "" || p.TLS == nil {
				t.Errorf("--insecure: page %s error %q tls %+v", p.URL, p.Error, p.TLS)
			}
		}
		sitetest.Same(t, "TLS findings with --insecure", sitetest.Findings(rep, payTLSRules...), wantTLS)
	})
}

// TestHSTSPerOrigin crawls one origin per HSTS case; the five-page origin without HSTS gets
// one finding, not five.
func TestHSTSPerOrigin(t *testing.T) {
	t.Parallel()
	ca := testnet.NewCA(t, "padlock test root CA")
	hosts := []string{"none.hsts.test", "zero.hsts.test", "short.hsts.test", "quoted.hsts.test", "dup.hsts.test", "good.hsts.test"}
	headers := map[string]string{
		"zero.hsts.test":   "max-age=0",
		"short.hsts.test":  "max-age=86400",
		"quoted.hsts.test": `max-age="31536000"`,
		"dup.hsts.test":    "max-age=31536000; max-age=31536000",
		"good.hsts.test":   "max-age=63072000; includeSubDomains; preload",
	}
	v := sitetest.NewVHosts()
	v.Add("none.hsts.test/", sitetest.HTML(`<!doctype html><title>none</title>
<a href="/p1.html">1</a> <a href="/p2.html">2</a> <a href="/p3.html">3</a> <a href="/p4.html">4</a>`))
	for _, p := range []string{"p1", "p2", "p3", "p4"} {
		v.Add("none.hsts.test/"+p+".html", sitetest.HTML(`<!doctype html><title>`+p+`</title><a href="/">home</a>`))
	}
	for h, hdr := range headers {
		v.Add(h+"/", sitetest.HTML(`<!doctype html><title>`+h+`</title>`, "Strict-Transport-Security: "+hdr))
	}
	srv := testnet.TLSServer(t, v, ca.ValidLeaf(t, hosts...))
	port := testnet.Port(srv)
	o := func(h string) string { return "https://" + h + ":" + port }
	var starts []string
	for _, h := range hosts {
		starts = append(starts, o(h)+"/")
	}
	opt := sitetest.CAOptions(ca, testnet.NewGuard(t), starts, testnet.Resolve(port, hosts...))
	rep := sitetest.MustScan(t, opt)

	if len(rep.Pages) != 10 {
		t.Errorf("want 10 pages (5 on none.hsts.test, 1 per other host), got %d", len(rep.Pages))
	}
	sitetest.Same(t, "HSTS findings", sitetest.Findings(rep, "hsts-missing", "hsts-short"), []sitetest.FID{
		{"hsts-missing", "warning", o("none.hsts.test") + "/", o("none.hsts.test")},
		{"hsts-missing", "warning", o("zero.hsts.test") + "/", o("zero.hsts.test")},
		{"hsts-short", "info", o("short.hsts.test") + "/", o("short.hsts.test")},
		{"hsts-missing", "warning", o("dup.hsts.test") + "/", o("dup.hsts.test")},
	})
	for _, c := range []struct {
		rule, host string
		subs       []string
	}{
		{"hsts-missing", "none.hsts.test", []string{"no Strict-Transport-Security header", "(this page and 4 other pages)"}},
		{"hsts-missing", "zero.hsts.test", []string{"max-age=0", "(this page)"}},
		{"hsts-short", "short.hsts.test", []string{"max-age=86400 (1 day), below one year"}},
		{"hsts-missing", "dup.hsts.test", []string{"invalid Strict-Transport-Security header", "more than once"}},
	} {
		var msgs []string
		for _, f := range rep.Findings {
			if f.Rule == c.rule && f.URL == o(c.host) {
				msgs = append(msgs, f.Message)
			}
		}
		if len(msgs) == 1 {
			sitetest.Contains(t, c.rule+" "+c.host, msgs[0], c.subs...)
		}
	}
	none := sitetest.OriginOf(t, rep, o("none.hsts.test"))
	if none.HSTS != "" || none.HSTSPages != 5 || none.HSTSVaries {
		t.Errorf("none.hsts.test origin: hsts %q on %d pages (varies %v), want none on 5", none.HSTS, none.HSTSPages, none.HSTSVaries)
	}
	for h, hdr := range headers {
		if got := sitetest.OriginOf(t, rep, o(h)); got.HSTS != hdr || got.HSTSPages != 1 {
			t.Errorf("%s origin: hsts %q on %d pages, want %q on 1", h, got.HSTS, got.HSTSPages, hdr)
		}
	}
	if got := sitetest.Findings(rep, payTLSRules...); len(got) != 0 {
		t.Errorf("no TLS finding expected: %v", got)
	}
}

// TestOriginFindingsOnHTTPSPage: an http: page that loads an image from the site's https:
// origin sorts first among the pages that touched it, but the origin's TLS and HSTS findings
// (and origins[].first_page) belong to an https: page of that origin, where the certificate and
// the header are; a third party's, to an https: page that loads from it.
func TestOriginFindingsOnHTTPSPage(t *testing.T) {
	t.Parallel()
	ca := testnet.NewCA(t, "padlock test root CA")
	v := sitetest.NewVHosts()
	tlsSrv := testnet.TLSServer(t, v, ca.Leaf(t, []string{"www.shop.test", "cdn.other.test"}, ca.Now.Add(-time.Hour), ca.Now.Add(10*24*time.Hour)))
	httpSrv := testnet.HTTPServer(t, v)
	www := "https://www.shop.test:" + testnet.Port(tlsSrv)
	plain := "http://www.shop.test:" + testnet.Port(httpSrv)
	cdn := "https://cdn.other.test:" + testnet.Port(tlsSrv)
	v.Add("www.shop.test/", sitetest.HTML(`<!doctype html><title>home</title><img src="`+www+`/logo.png"><img src="`+cdn+`/x.png">`+
		`<a href="`+www+`/z.html">shop</a><a href="`+www+`/b.html">b</a>`))
	v.Add("www.shop.test/z.html", sitetest.HTML(`<!doctype html><title>z</title><img src="`+cdn+`/x.png">`))
	v.Add("cdn.other.test/x.png", sitetest.Route{Type: "image/png", Body: "png"})
	v.Add("www.shop.test/b.html", sitetest.HTML(`<!doctype html><title>b</title>`))
	v.Add("www.shop.test/logo.png", sitetest.Route{Type: "image/png", Body: "png"})
	resolve := append(testnet.Resolve(testnet.Port(tlsSrv), "www.shop.test", "cdn.other.test"), testnet.Resolve(testnet.Port(httpSrv), "www.shop.test")...)
	rep := sitetest.MustScan(t, sitetest.CAOptions(ca, testnet.NewGuard(t), []string{plain + "/"}, resolve))

	sitetest.Same(t, "origin findings", sitetest.Findings(rep, "tls-certificate", "hsts-missing"), []sitetest.FID{
		{"tls-certificate", "warning", www + "/b.html", www},
		{"hsts-missing", "warning", www + "/b.html", www},
		{"tls-certificate", "warning", www + "/z.html", cdn},
	})
	if o := sitetest.OriginOf(t, rep, www); o.FirstPage != www+"/b.html" {
		t.Errorf("origin %s: first_page %s, want its own https page %s/b.html", www, o.FirstPage, www)
	}
}

// TestTLSIncompleteChainSaysWhatIsMissing: a chain sent without its intermediate names the
// missing issuer and says whether its AIA URL could supply it; without an AIA URL (badssl's
// incomplete-chain host, served locally) the message says the issuer was not sent.
func TestTLSIncompleteChainSaysWhatIsMissing(t *testing.T) {
	t.Parallel()
	ca := testnet.NewCA(t, "padlock test root CA")
	now := ca.Now
	inter := ca.Intermediate(t, "padlock test intermediate CA")
	aia := testnet.HTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pkix-cert")
		w.Write(inter.Cert.Raw)
	}))
	aiaURL := "http://127.0.0.1:" + testnet.Port(aia) + "/inter.crt"
	later := now.Add(200 * 24 * time.Hour)
	thirds := []struct {
		host string
		cert tls.Certificate
		want []string
	}{
		{"fetched.chain.test", inter.ChainLeafAIA(t, []string{"fetched.chain.test"}, now.Add(-time.Hour), later, aiaURL),
			[]string{"does not send the intermediate certificate (CN=padlock test intermediate CA,O=padlock)", "padlock fetched it from the AIA URL " + aiaURL, "Firefox"}},
		{"down.chain.test", inter.ChainLeaf(t, []string{"down.chain.test"}, now.Add(-time.Hour), later, false),
			[]string{"does not send the intermediate certificate", "fetching it from the AIA URL http://127.0.0.1:1/intermediate.crt failed ("}},
		{"noaia.chain.test", inter.Leaf(t, []string{"noaia.chain.test"}, now.Add(-time.Hour), later),
			[]string{"the server sends no certificate for CN=padlock test intermediate CA", "leaves it out"}},
	}
	site := sitetest.NewVHosts()
	siteSrv := testnet.TLSServer(t, site, ca.ValidLeaf(t, "www.shop.test"))
	www := "https://www.shop.test:" + testnet.Port(siteSrv)
	resolve := testnet.Resolve(testnet.Port(siteSrv), "www.shop.test")
	var scripts strings.Builder
	origins := map[string]string{}
	for _, th := range thirds {
		v := sitetest.NewVHosts()
		v.Add(th.host+"/a.js", sitetest.JS("window.a = 1;\n"))
		srv := testnet.TLSServer(t, v, th.cert)
		origins[th.host] = "https://" + th.host + ":" + testnet.Port(srv)
		resolve = append(resolve, testnet.Resolve(testnet.Port(srv), th.host)...)
		scripts.WriteString(`<script src="` + origins[th.host] + `/a.js"></script>` + "\n")
	}
	site.Add("www.shop.test/", sitetest.HTML("<!doctype html>\n<title>home</title>\n"+scripts.String(), "Strict-Transport-Security: max-age=31536000"))
	rep := sitetest.MustScan(t, sitetest.CAOptions(ca, testnet.NewGuard(t), []string{www + "/"}, resolve))
	for _, th := range thirds {
		f := sitetest.FindingOf(t, rep, "tls-certificate", www+"/", origins[th.host])
		sitetest.Contains(t, th.host, f.Message, th.want...)
	}
}
