package scan_test

// Render mode through scan, with Debian's chromium against loopback fixture servers. Host
// names are not loopback literals (browsers exempt 127.0.0.1 from mixed content): the crawl
// reaches them by Config.Resolve, the browser by --host-resolver-rules; the browser trusts
// the test leaf by its SPKI hash. Without a browser the tests skip, and fail when CI is set.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/internal/jsnorm"
	"github.com/padlock-scan/padlock/internal/sitetest"
	"github.com/padlock-scan/padlock/internal/sitetest/testnet"
	"github.com/padlock-scan/padlock/inventory"
	"github.com/padlock-scan/padlock/render"
	"github.com/padlock-scan/padlock/report"
	"github.com/padlock-scan/padlock/report/schema"
	"github.com/padlock-scan/padlock/rules"
	"github.com/padlock-scan/padlock/scan"
)

// renderSite serves https shop.test and tags.test on one TLS server and cdn.test over plain
// http. The page's inline loader injects tags.test's tag manager, which injects another
// tags.test script, an http: image and an http: fetch; the markup has an http: script of its
// own; an inline script builds an http: URL it never requests.
type renderSite struct {
	tlsPort, httpPort string
	spki              string
	caPEM             []byte // the CA's certificate, for --ca-file
	opt               scan.Options
}

const renderGTM = `(function () {
  var s = document.createElement("script"); s.src = "https://tags.test:{{tls}}/pixel.js"; document.head.appendChild(s);
  var i = new Image(); i.src = "http://cdn.test:{{http}}/pixel.png"; document.body.appendChild(i);
  fetch("http://cdn.test:{{http}}/api.json").catch(function () {});
})();`

func startRenderSite(t *testing.T) *renderSite {
	t.Helper()
	if _, err := render.FindChrome(""); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must install Debian's chromium package: %v", err)
		}
		t.Skipf("no browser: %v", err)
	}
	s := &renderSite{}
	pages := map[string]string{
		"shop.test/": `<!doctype html><html><head><meta charset=utf-8><title>shop</title>
<script src="http://cdn.test:{{http}}/static.js"></script></head><body><p>shop</p>
<script>
  var s = document.createElement("script"); s.src = "https://tags.test:{{tls}}/gtm.js"; document.head.appendChild(s);
  var never = "http://" + "cdn.test:{{http}}" + "/never.js"; window.notUsed = never;
</script></body></html>`,
		// A single-page app: the card form exists only once tags.test's app ran (which also
		// injects a helper script).
		"shop.test/spa": `<!doctype html><html><head><meta charset=utf-8><title>checkout</title></head><body>
<div id="root"></div><script src="https://tags.test:{{tls}}/app.js"></script></body></html>`,
		"tags.test/app.js": `setTimeout(function () {
  document.getElementById("root").innerHTML = '<form><input name="pan" autocomplete="cc-number"></form>';
  var s = document.createElement("script"); s.src = "https://tags.test:{{tls}}/helper.js"; document.head.appendChild(s);
}, 50);`,
		"tags.test/helper.js": `window.helper = 1;`,
		// A Stripe Elements-like provider: its script inserts the frame that holds the card field.
		"shop.test/provider": `<!doctype html><html><head><meta charset=utf-8><title>pay</title></head><body>
<p>pay</p><script src="https://pay.test:{{tls}}/sdk.js"></script></body></html>`,
		"pay.test/sdk.js":    `var f = document.createElement("iframe"); f.src = "https://pay.test:{{tls}}/card.html"; document.body.appendChild(f);`,
		"pay.test/card.html": `<!doctype html><html><head><meta charset=utf-8></head><body><input name="cardnumber" autocomplete="cc-number"></body></html>`,
		// fetch and a WebSocket to http: and ws:.
		"shop.test/calls": `<!doctype html><html><head><meta charset=utf-8><title>calls</title></head><body><p>calls</p><script>
  fetch("http://cdn.test:{{http}}/data.json").catch(function () {});
  try { new WebSocket("ws://cdn.test:{{http}}/socket"); } catch (e) {}
</script></body></html>`,
		"tags.test/gtm.js": renderGTM,
		// A loader that inserts an inline script (text, no src), and a script that evals code.
		"shop.test/inline": `<!doctype html><html><head><meta charset=utf-8><title>inline</title></head><body><p>inline</p>
<script src="https://tags.test:{{tls}}/inliner.js"></script></body></html>`,
		"tags.test/inliner.js": `var s = document.createElement("script"); s.text = "` + renderInlineText + `"; document.head.appendChild(s);
eval("window.evaled = 1;");`,
		"tags.test/pixel.js":    `window.pixel = 1;`,
		"cdn.test/static.js":    `window.st = 1;`,
		"shop.test/links":       `<!doctype html><html><head><meta charset=utf-8><title>links</title></head><body><a href="http://shop.test:{{http}}/legacy.html">old</a></body></html>`,
		"shop.test/legacy.html": `<!doctype html><html><head><meta charset=utf-8><title>legacy</title></head><body><a href="https://shop.test:{{tls}}/moved">moved</a></body></html>`,
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := strings.Cut(r.Host, ":")
		key := host + r.URL.Path
		if key == "shop.test/moved" {
			// An https page moved to http (another port here), sending HSTS on the way.
			w.Header().Set("Strict-Transport-Security", "max-age=31536000")
			http.Redirect(w, r, "http://shop.test:"+s.httpPort+"/legacy.html", http.StatusMovedPermanently)
			return
		}
		body, ok := pages[key]
		switch {
		case strings.HasSuffix(key, ".js"):
			w.Header().Set("Content-Type", "text/javascript")
		case strings.HasSuffix(key, ".png"):
			w.Header().Set("Content-Type", "image/png")
			ok = true
		case strings.HasSuffix(key, ".json"):
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Access-Control-Allow-Origin", "*")
			body, ok = "{}", true
		default:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		}
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write([]byte(strings.NewReplacer("{{tls}}", s.tlsPort, "{{http}}", s.httpPort).Replace(body)))
	})
	ca := testnet.NewCA(t, "padlock render root")
	s.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})
	leaf := ca.ValidLeaf(t, "shop.test", "tags.test", "pay.test") // sent alone, without the CA
	sum := sha256.Sum256(leaf.Leaf.RawSubjectPublicKeyInfo)
	s.spki = base64.StdEncoding.EncodeToString(sum[:])
	s.tlsPort = testnet.Port(testnet.TLSServer(t, h, leaf))
	s.httpPort = testnet.Port(testnet.HTTPServer(t, h))
	resolve := append(testnet.Resolve(s.tlsPort, "shop.test", "tags.test", "pay.test"), testnet.Resolve(s.httpPort, "cdn.test", "shop.test")...)
	s.opt = sitetest.CAOptions(ca, testnet.NewGuard(t), []string{s.url("shop.test", "/")}, resolve)
	s.opt.Crawl.NoFollow = true
	s.opt.Render = scan.RenderOptions{Mode: scan.RenderAll, Browser: render.Options{
		HostResolverRules: "MAP * 127.0.0.1", SPKIs: []string{s.spki}, Timeout: 15 * time.Second, Warnf: t.Logf,
	}}
	return s
}

func (s *renderSite) url(host, path string) string { return "https://" + host + ":" + s.tlsPort + path }
func (s *renderSite) plain(path string) string     { return "http://cdn.test:" + s.httpPort + path }

func findingOf(rep *report.Report, rule, url string) *report.Finding {
	for i := range rep.Findings {
		if f := &rep.Findings[i]; f.Rule == rule && f.URL == url {
			return f
		}
	}
	return nil
}

func TestRenderAll(t *testing.T) {
	s := startRenderSite(t)
	rep, err := scan.Run(context.Background(), s.opt)
	if err != nil {
		t.Fatal(err)
	}
	page, gtm := s.url("shop.test", "/"), s.url("tags.test", "/gtm.js")
	if len(rep.Pages) != 1 || !rep.Pages[0].Rendered {
		t.Fatalf("want the one page rendered: %+v", rep.Pages)
	}
	// Only the browser saw these: the tag manager's http: image and fetch.
	// Chromium starts an image load after the script that asked for it returned, and names the
	// document as its initiator: either is right for the image.
	for _, c := range []struct{ rule, url, alt string }{
		{"mixed-content-upgradeable", s.plain("/pixel.png"), page},
		{"mixed-content-blockable", s.plain("/api.json"), gtm},
	} {
		f := findingOf(rep, c.rule, c.url)
		if f == nil {
			t.Errorf("no %s finding for %s: %+v", c.rule, c.url, rep.Findings)
			continue
		}
		if f.Source != "render" || (f.Initiator != gtm && f.Initiator != c.alt) || f.Page != page || f.Observed != "" {
			t.Errorf("%s %s: source %q initiator %q page %q observed %q; want render, %s, %s, none",
				c.rule, c.url, f.Source, f.Initiator, f.Page, f.Observed, gtm, page)
		}
	}
	// third-party-script covers the scripts the browser ran that the markup did not name.
	for _, c := range []struct{ url, by string }{{gtm, page}, {s.url("tags.test", "/pixel.js"), gtm}} {
		if f := findingOf(rep, "third-party-script", c.url); f == nil || f.Source != "render" || f.Initiator != c.by || f.Severity != rules.Warning {
			t.Errorf("injected %s: third-party-script %+v; want a render warning initiated by %s", c.url, f, c.by)
		}
	}
	// The markup's http: script: a static finding the browser blocked.
	if f := findingOf(rep, "mixed-content-blockable", s.plain("/static.js")); f == nil || f.Source != "html" || f.Observed != "blocked" {
		t.Errorf("static http: script: %+v; want source html, observed blocked", f)
	}
	for _, f := range rep.Findings {
		if strings.Contains(f.URL, "never.js") {
			t.Errorf("a URL string never requested is a finding: %+v", f)
		}
	}
	// Injected scripts in the inventory, hashed from the body the browser got.
	injected := map[string]string{}
	for _, sc := range rep.Scripts {
		if sc.InjectedBy != "" {
			injected[sc.URL] = sc.InjectedBy
			want := sha256.Sum256([]byte(strings.NewReplacer("{{tls}}", s.tlsPort, "{{http}}", s.httpPort).Replace(renderGTM)))
			if sc.URL == gtm && sc.SHA256 != hex.EncodeToString(want[:]) {
				t.Errorf("gtm.js sha256 %s, want %x", sc.SHA256, want)
			}
		}
	}
	if injected[gtm] != page || injected[s.url("tags.test", "/pixel.js")] != gtm {
		t.Errorf("injected_by: %v; want gtm.js by the page, pixel.js by gtm.js", injected)
	}
	var buf bytes.Buffer
	w, _ := report.New("json")
	if err := w.Write(&buf, rep); err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(buf.Bytes()); err != nil {
		t.Errorf("the report does not match the schema: %v", err)
	}
}

const renderInlineText = `window.injectedInline = 1;`

// TestRenderInlineInjected: an inline script a loader inserted (text, no src) is in the scripts
// inventory as an inline script injected by the loader, by the SHA-256 of the text the browser
// ran; eval'd code is not; the HTML inventory says "injected by".
func TestRenderInlineInjected(t *testing.T) {
	s := startRenderSite(t)
	page, inliner := s.url("shop.test", "/inline"), s.url("tags.test", "/inliner.js")
	s.opt.Crawl.StartURLs = []string{page}
	rep, err := scan.Run(context.Background(), s.opt)
	if err != nil {
		t.Fatal(err)
	}
	defer rep.Close()
	sum := sha256.Sum256([]byte(renderInlineText))
	var got []report.Script
	for _, sc := range rep.Scripts {
		if sc.Kind == "inline" {
			got = append(got, sc)
		}
	}
	if len(got) != 1 || got[0].SHA256 != hex.EncodeToString(sum[:]) || got[0].InjectedBy != inliner || got[0].PageCount != 1 ||
		len(got[0].Pages) != 1 || got[0].Pages[0] != page {
		t.Errorf("inline scripts %+v; want one, sha256 %x, injected by %s, on %s", got, sum, inliner, page)
	}
	var buf bytes.Buffer
	w, _ := report.New("html")
	if err := w.Write(&buf, rep); err != nil {
		t.Fatal(err)
	}
	if html := buf.String(); !strings.Contains(html, "injected by") || !strings.Contains(html, hex.EncodeToString(sum[:])) {
		t.Errorf("the HTML inventory lacks the injected inline script")
	}
}

// TestRenderInlineInjectedInventory: the script inventory sees an inline script a loader
// inserted: a required entry for its text is not missing, and on a payment page another injected
// text is unauthorized, a finding of the browser's initiated by the loader.
func TestRenderInlineInjectedInventory(t *testing.T) {
	s := startRenderSite(t)
	page, inliner := s.url("shop.test", "/inline"), s.url("tags.test", "/inliner.js")
	s.opt.Crawl.StartURLs = []string{page}
	sum := sha256.Sum256([]byte(renderInlineText))
	yml := fmt.Sprintf(`scripts:
  - inline-sha256: %x
    required: true
    pages: [%q]
    justification: the loader's settings
    owner: marketing
    approved: 2026-01-10
`, sum, page)
	inv, err := inventory.Parse("inventory.yml", []byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	s.opt.Inventory = inv
	rep, err := scan.Run(context.Background(), s.opt)
	if err != nil {
		t.Fatal(err)
	}
	defer rep.Close()
	for _, f := range rep.Findings {
		if f.Rule == "script-required-missing" || f.Rule == "script-unauthorized" && strings.HasPrefix(f.URL, "inline:") {
			t.Errorf("the injected inline script is authorized by its hash: %+v", f)
		}
	}
	s.opt.Rules.PaymentPages = []*regexp.Regexp{regexp.MustCompile(`/inline$`)}
	s.opt.Inventory, _ = inventory.Parse("inventory.yml", []byte("scripts: []\n"))
	if rep, err = scan.Run(context.Background(), s.opt); err != nil {
		t.Fatal(err)
	}
	defer rep.Close()
	if f := findingOf(rep, "script-unauthorized", "inline:sha256-"+hex.EncodeToString(sum[:])); f == nil || f.Source != "render" || f.Initiator != inliner {
		t.Errorf("an injected inline script the inventory does not name, on a payment page: %+v; want script-unauthorized, source render, initiator %s", f, inliner)
	}
	var listed bool
	for _, p := range rep.Inventory.Pages {
		for _, sc := range p.Scripts {
			if sc.Kind == "inline" && sc.SHA256 == hex.EncodeToString(sum[:]) {
				listed = true
				if sc.Status != "unauthorized" || sc.InjectedBy != inliner {
					t.Errorf("inventory section, the injected inline script: %+v; want unauthorized, injected_by %s", sc, inliner)
				}
			}
		}
	}
	if !listed {
		t.Errorf("the inventory section does not list the injected inline script: %+v", rep.Inventory.Pages)
	}
}

// TestRenderCAFileLeafOnly: with --ca-file (and --resolve), as the CLI sets them, against a
// server that sends only its leaf: Chromium sees no chain up to the CA, so the browser trusts
// the leaves the crawl verified against the file, and the page renders without a certificate
// error.
func TestRenderCAFileLeafOnly(t *testing.T) {
	s := startRenderSite(t)
	s.opt.Crawl.CAFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(s.opt.Crawl.CAFile, s.caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	s.opt.Render.Browser.SPKIs, s.opt.Render.Browser.HostResolverRules = nil, ""
	rep, err := scan.Run(context.Background(), s.opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rep.Errors {
		t.Errorf("error %s: %s", e.URL, e.Error)
	}
	if len(rep.Pages) != 1 || !rep.Pages[0].Rendered {
		t.Fatalf("want the one page rendered: %+v", rep.Pages)
	}
	if f := findingOf(rep, "mixed-content-upgradeable", s.plain("/pixel.png")); f == nil || f.Source != "render" {
		t.Errorf("the injected http: image: %+v; want a render finding (the page's scripts ran)", f)
	}
}

// TestRenderSkipsRedirects: a page the crawl recorded as a redirect it did not follow (https to
// http) is not rendered: the browser would follow it, and the HSTS the redirect sent turns the
// http: target into https: on the http port (ERR_SSL_PROTOCOL_ERROR, the demo's /catalog). The
// target, when crawled, is a page of its own.
func TestRenderSkipsRedirects(t *testing.T) {
	s := startRenderSite(t)
	s.opt.Crawl.StartURLs, s.opt.Crawl.NoFollow = []string{s.url("shop.test", "/links")}, false
	rep, err := scan.Run(context.Background(), s.opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range rep.Errors {
		t.Errorf("error %s: %s", e.URL, e.Error)
	}
	for _, p := range rep.Pages {
		if p.Status/100 == 3 && p.Rendered {
			t.Errorf("a redirect was rendered: %+v", p)
		}
	}
}

// TestRenderInventory: scripts injected at run time are checked against the script inventory as
// the markup's are: gtm.js, which only the page's loader adds, is authorized by its hash (and,
// required, is no longer missing); pixel.js, which gtm.js adds, serves another body than the
// inventory authorizes (script-changed, a render finding injected by gtm.js).
func TestRenderInventory(t *testing.T) {
	s := startRenderSite(t)
	page, gtm, pixel := s.url("shop.test", "/"), s.url("tags.test", "/gtm.js"), s.url("tags.test", "/pixel.js")
	sum := sha256.Sum256([]byte(strings.NewReplacer("{{tls}}", s.tlsPort, "{{http}}", s.httpPort).Replace(renderGTM)))
	yml := fmt.Sprintf(`scripts:
  - url: %q
    sha256: [%x]
    required: true
    pages: [%q]
    justification: tag manager
    owner: marketing
    approved: 2026-01-10
  - url: %q
    sha256: [%s]
    pages: [%q]
    justification: pixel
    owner: marketing
    approved: 2026-01-10
`, gtm, sum, page, pixel, strings.Repeat("0", 64), page)
	inv, err := inventory.Parse("inventory.yml", []byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	s.opt.Inventory = inv
	s.opt.Rules.PaymentPages = []*regexp.Regexp{regexp.MustCompile(`/$`)} // checked: every script listed
	rep, err := scan.Run(context.Background(), s.opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		switch {
		case f.Rule == "script-required-missing":
			t.Errorf("a required script the loader injects is missing: %+v", f)
		case f.Rule == "script-unauthorized" && f.URL == gtm:
			t.Errorf("gtm.js is authorized by its hash: %+v", f)
		}
	}
	if f := findingOf(rep, "script-changed", pixel); f == nil || f.Source != "render" || f.Initiator != gtm {
		t.Errorf("pixel.js serves another body than authorized: %+v; want script-changed, source render, initiator gtm.js", f)
	}
	// The report's inventory section lists the scripts the browser ran on the checked page, with
	// what injected them and their status, and counts the entries they matched.
	if rep.Inventory == nil || len(rep.Inventory.Pages) != 1 {
		t.Fatalf("inventory check: %+v; want the one checked page", rep.Inventory)
	}
	got := map[string]report.InventoryScript{}
	for _, sc := range rep.Inventory.Pages[0].Scripts {
		got[sc.URL] = sc
	}
	want := map[string]report.InventoryScript{
		gtm:   {Status: "authorized", Kind: "external", InjectedBy: page, By: "sha256"},
		pixel: {Status: "changed", Kind: "external", InjectedBy: gtm},
	}
	for u, w := range want {
		g := got[u]
		if g.Status != w.Status || g.Kind != w.Kind || g.InjectedBy != w.InjectedBy || w.By != "" && g.By != w.By || g.SHA256 == "" {
			t.Errorf("inventory section, %s: %+v; want status %s, injected_by %s, the browser's sha256", u, g, w.Status, w.InjectedBy)
		}
	}
	if st := got[s.plain("/static.js")]; st.Status != "unauthorized" || st.InjectedBy != "" {
		t.Errorf("inventory section, the markup's script: %+v; want unauthorized, not injected", st)
	}
	for _, e := range rep.Inventory.Entries {
		if e.Pages != 1 {
			t.Errorf("entry %s counts %d pages; want 1", e.Name, e.Pages)
		}
	}
	var html bytes.Buffer
	if w, err := report.New("html"); err != nil {
		t.Fatal(err)
	} else if err := w.Write(&html, rep); err != nil {
		t.Fatal(err)
	}
	sec := html.String()
	if i := strings.Index(sec, `id="authorization"`); i < 0 || !strings.Contains(sec[i:i+strings.Index(sec[i:], "</section>")], "injected by") {
		t.Errorf("the HTML inventory view does not say what injected a script")
	}
}

// TestRenderInventoryNormalized: an injected script is authorized by a normalized-sha256 entry
// too, from the body the browser got (without comments and white space).
func TestRenderInventoryNormalized(t *testing.T) {
	s := startRenderSite(t)
	page, pixel := s.url("shop.test", "/"), s.url("tags.test", "/pixel.js")
	yml := fmt.Sprintf(`scripts:
  - url: %q
    normalized-sha256: [%s]
    pages: [%q]
    justification: pixel
    owner: marketing
    approved: 2026-01-10
`, pixel, jsnorm.Sum([]byte("window.pixel=1;")), page)
	inv, err := inventory.Parse("inventory.yml", []byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	s.opt.Inventory = inv
	rep, err := scan.Run(context.Background(), s.opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if f.URL == pixel && strings.HasPrefix(f.Rule, "script-") {
			t.Errorf("pixel.js is authorized by its normalized hash: %+v", f)
		}
	}
}

// TestRenderOffChangesNothing: the same site without render mode has no render finding and
// no render field.
func TestRenderOffChangesNothing(t *testing.T) {
	s := startRenderSite(t)
	s.opt.Render = scan.RenderOptions{}
	rep, err := scan.Run(context.Background(), s.opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range rep.Findings {
		if f.Source == "render" || f.Initiator != "" || f.Observed != "" {
			t.Errorf("render off: %+v", f)
		}
	}
	if rep.Pages[0].Rendered {
		t.Error("render off: page rendered")
	}
}

func TestRenderNoBrowser(t *testing.T) {
	opt := scan.Options{}
	opt.Crawl.StartURLs = []string{"https://shop.test/"}
	opt.Render = scan.RenderOptions{Mode: scan.RenderAuto, Browser: render.Options{Chrome: "/nonexistent/chromium"}}
	rep, err := scan.Run(context.Background(), opt)
	if rep != nil || err == nil || !strings.Contains(err.Error(), "/nonexistent/chromium") {
		t.Fatalf("want no report and an error naming the browser tried; got %v", err)
	}
}

// TestRenderPaymentPages: --render auto renders script-built pages and judges them on what the
// browser built: a single-page app's card form and a card field inside a frame a provider's
// script inserted make payment pages (third-party scripts become errors, injected ones too);
// fetch and WebSocket calls to http: and ws: are blockable.
func TestRenderPaymentPages(t *testing.T) {
	s := startRenderSite(t)
	s.opt.Render.Mode = scan.RenderAuto
	spa, provider, calls := s.url("shop.test", "/spa"), s.url("shop.test", "/provider"), s.url("shop.test", "/calls")
	s.opt.Crawl.StartURLs = []string{spa, provider, calls}
	rep, err := scan.Run(context.Background(), s.opt)
	if err != nil {
		t.Fatal(err)
	}
	pages := map[string]*report.Page{}
	for i := range rep.Pages {
		pages[rep.Pages[i].URL] = &rep.Pages[i]
	}
	for _, c := range []struct{ page, signal string }{
		{spa, `input autocomplete="cc-number" in the rendered page`},
		{provider, `input autocomplete="cc-number" in frame ` + s.url("pay.test", "/card.html")},
	} {
		p := pages[c.page]
		if p == nil || !p.Rendered || !p.Payment || len(p.PaymentSignals) == 0 || p.PaymentSignals[0] != c.signal {
			t.Errorf("%s: want a rendered payment page because of %q, got %+v", c.page, c.signal, p)
		}
		if f := findingOf(rep, "payment-csp-missing", c.page); f == nil {
			t.Errorf("%s: no payment-csp-missing finding", c.page)
		}
	}
	// The app's script (in the markup) and the helper it injected: errors on a payment page.
	app, helper := s.url("tags.test", "/app.js"), s.url("tags.test", "/helper.js")
	if f := findingOf(rep, "third-party-script", app); f == nil || f.Severity != rules.Error || f.Source != "html" || !strings.Contains(f.Message, "payment page") {
		t.Errorf("app.js: %+v; want a static error on a payment page", f)
	}
	n := 0
	for _, f := range rep.Findings {
		if f.Rule == "third-party-script" && f.URL == app {
			n++
		}
	}
	if n != 1 {
		t.Errorf("app.js: %d third-party-script findings, want the static one restated, once", n)
	}
	if f := findingOf(rep, "third-party-script", helper); f == nil || f.Severity != rules.Error || f.Source != "render" || f.Initiator != app {
		t.Errorf("helper.js: %+v; want a render error initiated by app.js", f)
	}
	for _, sc := range rep.Scripts {
		if sc.URL == app && (len(sc.PaymentPages) != 1 || sc.PaymentPages[0] != spa) {
			t.Errorf("app.js inventory: payment pages %v, want %s", sc.PaymentPages, spa)
		}
		if sc.URL == helper && (sc.InjectedBy != app || len(sc.PaymentPages) != 1) {
			t.Errorf("helper.js inventory: %+v", sc)
		}
	}
	// The provider's own script is not a payment page's third party here (pay.test is not a
	// known provider), but it runs on a payment page: an error too.
	if f := findingOf(rep, "third-party-script", s.url("pay.test", "/sdk.js")); f == nil || f.Severity != rules.Error {
		t.Errorf("sdk.js: %+v; want an error on a payment page", f)
	}
	for _, c := range []struct{ url, element, noun string }{
		{s.plain("/data.json"), "fetch", "fetch() request loaded over plain HTTP"},
		{"ws://cdn.test:" + s.httpPort + "/socket", "websocket", "connection loaded over an unencrypted WebSocket"},
	} {
		f := findingOf(rep, "mixed-content-blockable", c.url)
		if f == nil || f.Source != "render" || f.Element != c.element || f.Page != calls || f.Initiator != calls || !strings.HasPrefix(f.Message, c.noun) {
			t.Errorf("%s: %+v; want a render finding on %s by its inline script", c.url, f, calls)
		}
	}
	if p := pages[calls]; p == nil || p.Payment {
		t.Errorf("calls: %+v; not a payment page", p)
	}
}

// TestRenderSpooled: render mode spools its report as the static crawl does (issue 13: never
// the whole report in memory): each rendered page goes to the spool once its outcome is in, and
// the report is byte for byte the one kept in memory.
func TestRenderSpooled(t *testing.T) {
	s := startRenderSite(t)
	s.opt.Crawl.StartURLs = []string{s.url("shop.test", "/"), s.url("shop.test", "/spa"), s.url("shop.test", "/provider"), s.url("shop.test", "/inline")}
	fixed := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	s.opt.Now = func() time.Time { return fixed }
	write := func(rep *report.Report) string {
		var b bytes.Buffer
		w, _ := report.New("json")
		if err := w.Write(&b, rep); err != nil {
			t.Fatal(err)
		}
		return regexp.MustCompile(`"requests": \d+`).ReplaceAllString(b.String(), `"requests": N`)
	}
	mem, err := scan.Run(context.Background(), s.opt)
	if err != nil {
		t.Fatal(err)
	}
	want := write(mem)
	s.opt.Spool, s.opt.SpillBytes = true, 1 // every record spills at once
	rep, err := scan.Run(context.Background(), s.opt)
	if err != nil {
		t.Fatal(err)
	}
	defer rep.Close()
	if len(rep.Pages) != 0 || len(rep.Findings) != 0 || rep.NumPages() != 4 {
		t.Fatalf("in memory: %d pages, %d findings (of %d pages); want every page and finding spooled", len(rep.Pages), len(rep.Findings), rep.NumPages())
	}
	rendered := 0
	if err := rep.EachPage(func(p *report.Page) error {
		if p.Rendered {
			rendered++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if rendered != 4 {
		t.Errorf("%d pages rendered; want 4", rendered)
	}
	if got := write(rep); got != want {
		t.Errorf("the spooled report differs from the one in memory:\n%s\nwant:\n%s", got, want)
	}
}
