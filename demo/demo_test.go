package demo

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/padlock-scan/padlock/internal/sitetest/testnet"
	"github.com/padlock-scan/padlock/report"
	"github.com/padlock-scan/padlock/scan"
)

func crawlDemo(t *testing.T) (*Demo, *report.Report) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	d, err := Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	guard := testnet.NewGuard(t) // fails the test if the crawl tries to leave loopback
	opt := scan.Options{}
	opt.Crawl.StartURLs = []string{d.StartURL}
	opt.Crawl.Resolve = d.Resolve
	opt.Crawl.RootCAs = d.RootCAs
	opt.Crawl.Timeout = 5 * time.Second
	opt.Crawl.DialContext = guard.Dial
	rep, err := scan.Run(ctx, opt)
	if err != nil {
		t.Fatalf("scan.Run: %v", err)
	}
	return d, rep
}

func TestDemoCrawl(t *testing.T) {
	t.Parallel()
	d, rep := crawlDemo(t)
	if testing.Verbose() {
		for _, f := range rep.Findings {
			t.Logf("%-26s %s:%d %s %s", f.Rule, f.Page, f.Line, f.URL, f.Mitigation)
		}
		for _, e := range rep.Errors {
			t.Logf("error: %s: %s", e.URL, e.Error)
		}
	}
	if rep.Stats.Pages < 8 {
		t.Errorf("crawled %d pages, want the whole shop (at least 8)", rep.Stats.Pages)
	}
	byRule := map[string][]report.Finding{}
	for _, f := range rep.Findings {
		byRule[f.Rule] = append(byRule[f.Rule], f)
	}
	for _, id := range []string{
		"mixed-content-blockable", "mixed-content-upgradeable", "insecure-form", "insecure-page",
		"https-downgrade", "insecure-refresh", "insecure-link",
	} {
		if len(byRule[id]) == 0 {
			t.Errorf("no %s finding: the demo must show every core rule", id)
		}
	}

	// Specific examples the demo promises (see the comments in demo/site).
	shop := func(p string) string { return d.URL(ShopHost, p, true) }
	want := []struct {
		rule, page, url, mitigation string
	}{
		{"mixed-content-blockable", shop("/cart.html"), d.URL(WidgetsHost, "/js/upsell.js", false), ""},
		{"mixed-content-blockable", shop("/"), d.URL(CDNHost, "/cookieconsent/3.1/cookieconsent.min.css", false), ""},
		{"mixed-content-blockable", shop("/product/ethiopia-yirgacheffe.html"), d.URL(WidgetsHost, "/reviews/embed.html?sku=ETH-250", false), ""},
		{"mixed-content-blockable", shop("/"), d.URL(CDNHost, "/fonts/roboto-slab-v24-latin.woff2", false), ""},
		{"mixed-content-blockable", shop("/category/coffee.html"), d.URL(OldCDNHost, "/products/kenya-aa@2x.svg", false), ""},
		{"mixed-content-blockable", shop("/product/ethiopia-yirgacheffe.html"), d.URL(IPHost, "/banners/grinder-promo.svg", false), ""},
		{"mixed-content-blockable", shop("/embed/store-map.html"), d.URL(WidgetsHost, "/maps/loader.js", false), ""},
		{"mixed-content-upgradeable", shop("/"), d.URL(OldCDNHost, "/banners/autumn-blend.svg", false), ""},
		{"mixed-content-upgradeable", shop("/"), d.URL(OldCDNHost, "/textures/kraft-paper.svg", false), ""},
		{"mixed-content-upgradeable", shop("/product/ethiopia-yirgacheffe.html"), d.URL(OldCDNHost, "/video/brewing-poster.svg", false), ""},
		{"mixed-content-upgradeable", shop("/blog/2024/new-roastery.html"), d.URL(OldCDNHost, "/blog/roastery-floor.svg", false), "csp-upgrade-insecure-requests"},
		{"mixed-content-upgradeable", shop("/blog/2024/new-roastery.html"), d.URL(WidgetsHost, "/js/share-buttons.js", false), "csp-upgrade-insecure-requests"},
		{"insecure-form", shop("/"), d.URL(ShopHost, "/newsletter/subscribe", false), ""},
		{"insecure-page", d.URL(ShopHost, "/legacy/spring-catalog.html", false), d.URL(ShopHost, "/legacy/spring-catalog.html", false), ""},
		{"https-downgrade", shop("/cart.html"), d.URL(StaticHost, "/img/badges/secure-checkout.svg", true), ""},
		{"https-downgrade", shop("/catalog"), d.URL(ShopHost, "/legacy/spring-catalog.html", false), ""},
		{"insecure-refresh", shop("/go/roaster-partner.html"), d.URL(WidgetsHost, "/partners/hill-roasters?ref=padlock", false), ""},
		{"insecure-link", shop("/blog/2024/new-roastery.html"), "http://www.speciality-coffee.test/members/padlock", ""},
	}
	for _, w := range want {
		found := false
		for _, f := range byRule[w.rule] {
			if f.Page == w.page && f.URL == w.url {
				found = true
				if f.Mitigation != w.mitigation {
					t.Errorf("%s on %s for %s: mitigation %q, want %q", w.rule, w.page, w.url, f.Mitigation, w.mitigation)
				}
			}
		}
		if !found {
			t.Errorf("missing %s on %s for %s", w.rule, w.page, w.url)
		}
	}
	mitigated := false
	for _, f := range rep.Findings {
		if f.Mitigation == "csp-upgrade-insecure-requests" {
			mitigated = true
			if f.Page != shop("/blog/2024/new-roastery.html") {
				t.Errorf("mitigated finding on %s: only the journal post has upgrade-insecure-requests", f.Page)
			}
		}
	}
	if !mitigated {
		t.Error("no finding carries mitigation csp-upgrade-insecure-requests")
	}

	// What must never be reported: URLs browsers do not fetch, or fetch from a trustworthy origin.
	notFindings := []string{
		"http://www.w3.org/2000/svg",
		"http://www.w3.org/1999/xlink",
		"http://schema.org/Product",
		d.URL(ShopHost, "/", false),                                     // rel=canonical
		d.URL(CDNHost, "", false),                                       // preconnect
		d.URL(ShopHost, "/blog/feed.xml", false),                        // rel=alternate
		d.URL(ShopHost, "/api/v1/", false),                              // a string in an inline script
		d.URL(OldCDNHost, "/badges/trusted-shop.svg", false),            // inside a comment
		d.URL(WidgetsHost, "/maps/static.svg?center=52.37,4.89", false), // inside <noscript>
		"http://www.coffee-review.test/padlock-roasters",                // blockquote cite
		"http://localhost:" + portOf(d.HTTPAddr) + "/dev/pixel.svg",
		d.URL(StaticHost, "/img/products/ethiopia.svg", true), // protocol-relative
	}
	for _, f := range rep.Findings {
		for _, u := range notFindings {
			if f.URL == u || strings.HasPrefix(f.URL, "data:") {
				t.Errorf("unexpected %s finding on %s for %s (line %d)", f.Rule, f.Page, f.URL, f.Line)
			}
		}
	}
	// The payment-page examples (checkout.html): a card form, a stale integrity hash.
	for _, p := range rep.Pages {
		if p.URL == shop("/checkout.html") && !p.Payment {
			t.Error("checkout.html has card fields (autocomplete cc-number...) but is not marked as a payment page")
		}
	}
	if len(byRule["sri-mismatch"]) == 0 {
		t.Error("no sri-mismatch: the price formatter on checkout.html pins a hash that does not match")
	}
	for _, e := range rep.Errors {
		if strings.Contains(e.Error, "robots") || strings.Contains(e.Error, "sitemap") {
			t.Errorf("crawl error %s: %s", e.URL, e.Error)
		}
	}
}

func portOf(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

// TestDemoServes checks the virtual hosts, placeholders, redirects and certificates directly.
func TestDemoServes(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d, err := Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	guard := testnet.NewGuard(t)
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			_, port, _ := net.SplitHostPort(addr)
			return guard.Dial(ctx, network, net.JoinHostPort("127.0.0.1", port))
		},
	}
	tr.TLSClientConfig = tlsConfig(d)
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(u string) (*http.Response, string) {
		t.Helper()
		resp, err := client.Get(u)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}

	resp, body := get(d.StartURL)
	if resp.StatusCode != 200 || !strings.Contains(body, d.URL(OldCDNHost, "/banners/autumn-blend.svg", false)) {
		t.Errorf("home: status %d, placeholders not replaced? %.200s", resp.StatusCode, body)
	}
	if strings.Contains(body, "{{") {
		t.Error("home page still has a placeholder")
	}
	if !strings.Contains(body, `integrity="sha384-`) {
		t.Error("home page: the carousel integrity placeholder was not replaced")
	}
	if resp.Header.Get("Strict-Transport-Security") == "" {
		t.Error("shop pages should send HSTS")
	}
	resp, _ = get(d.URL(ShopHost, "/about.html", false))
	if resp.StatusCode != 301 || resp.Header.Get("Location") != d.URL(ShopHost, "/about.html", true) {
		t.Errorf("http shop page: %d %s, want a 301 to https", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = get(d.URL(ShopHost, "/legacy/spring-catalog.html", false))
	if resp.StatusCode != 200 {
		t.Errorf("legacy page over http: %d, want 200", resp.StatusCode)
	}
	resp, _ = get(d.URL(ShopHost, "/catalog", true))
	if resp.StatusCode != 301 || resp.Header.Get("Location") != d.URL(ShopHost, "/legacy/spring-catalog.html", false) {
		t.Errorf("/catalog: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = get(d.URL(OldCDNHost, "/banners/autumn-blend.svg", true))
	if resp.StatusCode != 404 {
		t.Errorf("legacy image host over https: %d, want 404 (no https copy)", resp.StatusCode)
	}
	resp, _ = get(d.URL(IPHost, "/banners/grinder-promo.svg", false))
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("IP host: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp, _ = get(d.URL(ShopHost, "/no-such-page", true))
	if resp.StatusCode != 404 {
		t.Errorf("missing page: %d", resp.StatusCode)
	}
	resp, _ = get(d.URL(CDNHost, "/libs/carousel/2.4.1/carousel.min.js", true))
	if resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Error("the CDN must send Access-Control-Allow-Origin")
	}
}

// TestDemoClose checks that Close stops the listeners and that the context stops the demo too.
func TestDemoClose(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	d, err := Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	addr := d.TLSAddr
	cancel()
	d.Close() // waits for the servers; a second Close is harmless
	d.Close()
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after Close", addr)
	}
}

func tlsConfig(d *Demo) *tls.Config { return &tls.Config{RootCAs: d.RootCAs} }

func TestRenderPlaceholders(t *testing.T) {
	t.Parallel()
	vars := placeholderValues(8443, 8080)
	good := fstest.MapFS{
		"site/h.test/a.js":       {Data: []byte("x")},
		"site/h.test/index.html": {Data: []byte(`<script src="{{cdn}}/a.js" integrity="{{sri:h.test/a.js}}"></script> {{ shop_http }}`)},
		"site/h.test/b.bin":      {Data: []byte("{{not-text}}")},
	}
	files, err := render(good, vars)
	if err != nil {
		t.Fatal(err)
	}
	got := string(files["h.test"]["/index.html"])
	want := `<script src="https://cdn.fastcdn.test:8443/a.js" integrity="sha384-11LCxR+6DimqGQVwqdQlPkQHegWNMpf6OlYw1b0BJiL5fCisrtMTtcg7uZDKp9qF"></script> http://www.padlock-shop.test:8080`
	if got != want {
		t.Errorf("rendered\n%s\nwant\n%s", got, want)
	}
	if string(files["h.test"]["/b.bin"]) != "{{not-text}}" {
		t.Error("binary files must be served as they are")
	}
	for _, bad := range []string{"{{nope}}", "{{sri:h.test/missing.js}}"} {
		if _, err := render(fstest.MapFS{"site/h.test/x.html": {Data: []byte(bad)}}, vars); err == nil {
			t.Errorf("%s: want an error", bad)
		}
	}
}
