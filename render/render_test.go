package render_test

// These tests drive the real Chromium (Debian's chromium package, which .ci/run installs)
// against loopback fixture servers. Host names are not loopback literals (browsers exempt
// 127.0.0.1 and localhost from mixed content): --host-resolver-rules maps every name to
// 127.0.0.1. The test CA's leaf is trusted by its SPKI hash. Without a browser the tests skip,
// and fail when CI is set.

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/internal/sitetest/testnet"
	"github.com/padlock-scan/padlock/render"
)

// fixture is the set of servers: https shop.test, tags.test and pay.test on one TLS server,
// and cdn.test over plain http (also its ws: endpoint).
type fixture struct {
	httpsPort, httpPort string
	spki                string

	mu       sync.Mutex
	hits     map[string]int // "host/path" requested
	headers  map[string]string
	slowHit  chan struct{}
	slowOnce sync.Once
	slowDone bool
}

const gtmBody = `(function () {
  var s = document.createElement("script"); s.src = "https://tags.test:{{tls}}/pixel.js"; document.head.appendChild(s);
  var i = new Image(); i.src = "http://cdn.test:{{http}}/pixel.png"; document.body.appendChild(i);
})();`

const sdkBody = `(function () {
  var f = document.createElement("iframe"); f.src = "https://pay.test:{{tls}}/card.html"; document.body.appendChild(f);
})();`

const fieldsBody = `window.fields = 1;`

const inlineByPage, inlineByTM = `window.byPage = 1;`, `window.byTM = 2;`

func (f *fixture) expand(s string) string {
	return strings.NewReplacer("{{tls}}", f.httpsPort, "{{http}}", f.httpPort).Replace(s)
}

func (f *fixture) pages() map[string]string {
	html := func(body string) string {
		return "<!doctype html><html><head><meta charset=utf-8><title>t</title></head><body>" + body + "</body></html>"
	}
	return map[string]string{
		"shop.test/loader": html(`<p>shop</p><script>
  var s = document.createElement("script"); s.src = "https://tags.test:{{tls}}/gtm.js"; document.head.appendChild(s);
</script>`),
		"tags.test/gtm.js":   gtmBody,
		"tags.test/pixel.js": `window.pixel = 1;`,
		"shop.test/calls": html(`<script>
  fetch("http://cdn.test:{{http}}/api.json").catch(function () {});
  try { new WebSocket("ws://cdn.test:{{http}}/socket"); } catch (e) {}
  var never = "http://" + "cdn.test:{{http}}" + "/never.js"; window.notUsed = never;
</script>`),
		"shop.test/spa": html(`<div id="root"></div><script>
  setTimeout(function () {
    document.getElementById("root").innerHTML = '<form><input name="card" autocomplete="cc-number"></form>';
  }, 100);
</script>`),
		"shop.test/provider": html(`<script src="https://pay.test:{{tls}}/sdk.js"></script>`),
		"pay.test/sdk.js":    sdkBody,
		"pay.test/card.html": html(`<input autocomplete="cc-number"><img src="http://cdn.test:{{http}}/frame.png">`),
		// A cross-site frame in the page's markup, out of the page's process (site isolation),
		// whose own document loads a script of its site and http: ones.
		"shop.test/framed": html(`<p>pay</p><iframe src="https://pay.test:{{tls}}/mixed.html"></iframe>`),
		"pay.test/mixed.html": html(`<input autocomplete="cc-number"><script src="https://pay.test:{{tls}}/fields.js"></script>` +
			`<script src="http://cdn.test:{{http}}/frame.js"></script><img src="http://cdn.test:{{http}}/frame2.png">`),
		"pay.test/fields.js": fieldsBody,
		// Inline scripts injected: by the page's inline loader, and by a tag manager's script.
		"shop.test/inline": html(`<p>shop</p><script>
  var s = document.createElement("script"); s.text = "` + inlineByPage + `"; document.head.appendChild(s);
  eval("window.evaled = 3;"); // eval'd code is no script element
  debugger; // the Debugger domain capture enables must not pause the page here
</script><script src="https://tags.test:{{tls}}/tm.js"></script>`),
		"tags.test/tm.js": `var s = document.createElement("script"); s.textContent = "` + inlineByTM + `"; document.head.appendChild(s);`,
		"shop.test/busy": html(`<div id="n"></div><script>
  setInterval(function () { document.getElementById("n").textContent = String(Date.now()); }, 100);
</script>`),
		"shop.test/slow":    html(`<img src="/slow.png"><p>slow</p>`),
		"shop.test/denied":  "",
		"shop.test/headers": html(`<img src="/h.png"><img src="https://tags.test:{{tls}}/h.png">`),
	}
}

func (f *fixture) handler(w http.ResponseWriter, r *http.Request) {
	host, _, _ := strings.Cut(r.Host, ":")
	key := host + r.URL.Path
	f.mu.Lock()
	f.hits[key]++
	if v := r.Header.Get("X-Padlock-Test"); v != "" {
		f.headers[key] = v
	}
	f.mu.Unlock()
	switch {
	case key == "shop.test/slow.png":
		f.mu.Lock()
		first := !f.slowDone
		f.slowDone = true
		f.mu.Unlock()
		if first {
			f.slowOnce.Do(func() { close(f.slowHit) })
			select { // held until the browser dies
			case <-r.Context().Done():
			case <-time.After(20 * time.Second):
			}
			return
		}
		w.Header().Set("Content-Type", "image/png")
		return
	case key == "shop.test/denied":
		http.Error(w, "challenge", http.StatusForbidden)
		return
	case key == "cdn.test/socket":
		http.Error(w, "no", http.StatusBadRequest)
		return
	}
	body, ok := f.pages()[key]
	if !ok {
		switch {
		case strings.HasSuffix(key, ".png"):
			w.Header().Set("Content-Type", "image/png")
		case strings.HasSuffix(key, ".json"):
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Access-Control-Allow-Origin", "*")
			body = "{}"
		default:
			http.NotFound(w, r)
			return
		}
	}
	if strings.HasSuffix(key, ".js") {
		w.Header().Set("Content-Type", "text/javascript")
	} else if !strings.Contains(key, ".") {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	}
	_, _ = w.Write([]byte(f.expand(body)))
}

func (f *fixture) count(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.hits[key]
}

func newFixture(t *testing.T) *fixture {
	if _, err := render.FindChrome(""); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI must install Debian's chromium package: %v", err)
		}
		t.Skipf("no browser: %v", err)
	}
	f := &fixture{hits: map[string]int{}, headers: map[string]string{}, slowHit: make(chan struct{})}
	ca := testnet.NewCA(t, "padlock render root")
	leaf := ca.Leaf(t, []string{"shop.test", "tags.test", "pay.test"}, ca.Now.Add(-time.Hour), ca.Now.Add(24*time.Hour))
	h := sha256.Sum256(leaf.Leaf.RawSubjectPublicKeyInfo)
	f.spki = base64.StdEncoding.EncodeToString(h[:])
	tlsSrv := testnet.TLSServer(t, http.HandlerFunc(f.handler), leaf)
	httpSrv := testnet.HTTPServer(t, http.HandlerFunc(f.handler))
	f.httpsPort, f.httpPort = testnet.Port(tlsSrv), testnet.Port(httpSrv)
	_ = tls.VersionTLS12
	return f
}

func (f *fixture) url(host, path string) string { return "https://" + host + ":" + f.httpsPort + path }

func (f *fixture) browser(t *testing.T, mod func(*render.Options)) *render.Browser {
	o := render.Options{
		HostResolverRules: "MAP * 127.0.0.1",
		SPKIs:             []string{f.spki},
		Timeout:           10 * time.Second,
		Concurrency:       2,
		Warnf:             t.Logf,
	}
	if mod != nil {
		mod(&o)
	}
	b, err := render.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func find(res *render.Result, url string) *render.Request {
	for i := range res.Requests {
		if res.Requests[i].URL == url {
			return &res.Requests[i]
		}
	}
	return nil
}

func renderOK(t *testing.T, b *render.Browser, u string) *render.Result {
	t.Helper()
	res, err := b.Render(context.Background(), u)
	if err != nil {
		t.Fatalf("render %s: %v", u, err)
	}
	if res.Err != "" {
		t.Fatalf("render %s: %s", u, res.Err)
	}
	return res
}

func dump(res *render.Result) string {
	var sb strings.Builder
	for _, r := range res.Requests {
		fmt.Fprintf(&sb, "  %s %s status=%d initiator=%s(%s) mixed=%q blocked=%q failed=%q\n",
			r.Type, r.URL, r.Status, r.Initiator, r.InitiatorType, r.Mixed, r.Blocked, r.Failed)
	}
	return sb.String()
}

func TestRender(t *testing.T) {
	f := newFixture(t)
	b := f.browser(t, nil)

	t.Run("tag manager injects scripts and an http image", func(t *testing.T) {
		page := f.url("shop.test", "/loader")
		res := renderOK(t, b, page)
		gtm, pixel := f.url("tags.test", "/gtm.js"), f.url("tags.test", "/pixel.js")
		img := "http://cdn.test:" + f.httpPort + "/pixel.png"
		if r := find(res, gtm); r == nil || r.Initiator != page || r.InitiatorType != "script" {
			t.Errorf("gtm.js: want injected by the page's inline loader %s, got %+v\n%s", page, r, dump(res))
		}
		if r := find(res, pixel); r == nil || r.Initiator != gtm {
			t.Errorf("pixel.js: want initiator %s, got %+v\n%s", gtm, r, dump(res))
		}
		// Chromium starts an image load a script asked for after the script returned, and names
		// the document as its initiator (type parser): the script is lost for images.
		if r := find(res, img); r == nil || (r.Initiator != gtm && r.Initiator != page) || r.Type != "Image" || r.Mixed != render.MixedUpgraded {
			t.Errorf("pixel.png: want an Image upgraded by Chromium, initiator %s, got %+v\n%s", gtm, r, dump(res))
		}
		want := map[string]string{gtm: page, pixel: gtm}
		sum := sha256.Sum256([]byte(f.expand(gtmBody)))
		for _, s := range res.Scripts {
			if by, ok := want[s.URL]; ok {
				if s.InjectedBy != by {
					t.Errorf("script %s: injected by %q, want %q", s.URL, s.InjectedBy, by)
				}
				delete(want, s.URL)
			}
			if s.URL == gtm && s.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("gtm.js: SHA-256 %s, want the body's %x", s.SHA256, sum)
			}
		}
		if len(want) > 0 {
			t.Errorf("scripts missing from the inventory: %v (got %+v)", want, res.Scripts)
		}
		if res.Status != 200 || res.Retried {
			t.Errorf("status %d retried %v", res.Status, res.Retried)
		}
	})

	t.Run("fetch and WebSocket to http and ws; a URL string never requested", func(t *testing.T) {
		page := f.url("shop.test", "/calls")
		res := renderOK(t, b, page)
		api := "http://cdn.test:" + f.httpPort + "/api.json"
		ws := "ws://cdn.test:" + f.httpPort + "/socket"
		if r := find(res, api); r == nil || r.Mixed != render.MixedBlocked || r.Initiator != page {
			t.Errorf("fetch: want blocked, initiator %s, got %+v\n%s", page, r, dump(res))
		}
		if r := find(res, ws); r == nil || r.Type != "WebSocket" || r.Initiator != page || r.Mixed != render.MixedBlocked {
			t.Errorf("WebSocket: want a blocked WebSocket opened by the page's script, got %+v\n%s", r, dump(res))
		}
		never := "http://cdn.test:" + f.httpPort + "/never.js"
		if r := find(res, never); r != nil || f.count("cdn.test/never.js") > 0 {
			t.Errorf("a URL string the script never requests is no request: %+v", r)
		}
	})

	t.Run("single-page app renders its card form", func(t *testing.T) {
		res := renderOK(t, b, f.url("shop.test", "/spa"))
		if !strings.Contains(res.DOM, `autocomplete="cc-number"`) {
			t.Errorf("the rendered DOM lacks the card form: %s", res.DOM)
		}
	})

	t.Run("provider SDK inserts its card frame", func(t *testing.T) {
		res := renderOK(t, b, f.url("shop.test", "/provider"))
		card := f.url("pay.test", "/card.html")
		if !slices.Contains(res.Frames, card) {
			t.Errorf("frames %v lack %s", res.Frames, card)
		}
		img := "http://cdn.test:" + f.httpPort + "/frame.png"
		if r := find(res, img); r == nil || !r.Frame || r.FrameURL != card {
			t.Errorf("the frame's own request: got %+v\n%s", r, dump(res))
		}
		// The card field lives in the frame's DOM, not the page's.
		found := false
		for _, fd := range res.FrameDOMs {
			found = found || (fd.URL == card && strings.Contains(fd.DOM, `autocomplete="cc-number"`))
		}
		if !found || strings.Contains(res.DOM, "cc-number") {
			t.Errorf("the card frame's DOM: want the card field in frame %s only, got %+v", card, res.FrameDOMs)
		}
	})

	t.Run("a cross-site frame out of the page's process", func(t *testing.T) {
		// Site isolation is on: the browser runs with --site-per-process, and no switch keeps
		// cross-site frames in the page's process.
		if cmd, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", b.PID())); err == nil {
			args := strings.Split(string(cmd), "\x00")
			if !slices.Contains(args, "--site-per-process") || strings.Contains(string(cmd), "disable-site-isolation-trials") ||
				strings.Contains(string(cmd), "IsolateOrigins") {
				t.Errorf("site isolation is not on: %q", args)
			}
		}
		res := renderOK(t, b, f.url("shop.test", "/framed"))
		frame := f.url("pay.test", "/mixed.html")
		script, img := "http://cdn.test:"+f.httpPort+"/frame.js", "http://cdn.test:"+f.httpPort+"/frame2.png"
		if r := find(res, script); r == nil || !r.Frame || r.FrameURL != frame || r.Mixed != render.MixedBlocked || r.Initiator != frame {
			t.Errorf("the frame's http: script: want blocked, made by the frame's document, got %+v\n%s", r, dump(res))
		}
		if r := find(res, img); r == nil || !r.Frame || r.FrameURL != frame || r.Mixed != render.MixedUpgraded {
			t.Errorf("the frame's http: image: want upgraded, in the frame, got %+v\n%s", r, dump(res))
		}
		fields := f.url("pay.test", "/fields.js")
		sum := sha256.Sum256([]byte(fieldsBody))
		i := slices.IndexFunc(res.Scripts, func(s render.Script) bool { return s.URL == fields })
		if i < 0 || !res.Scripts[i].Frame || res.Scripts[i].SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("the frame's script: want its body's hash, in the frame, got %+v", res.Scripts)
		}
		found := false
		for _, fd := range res.FrameDOMs {
			found = found || (fd.URL == frame && strings.Contains(fd.DOM, `autocomplete="cc-number"`))
		}
		if !found || !slices.Contains(res.Frames, frame) {
			t.Errorf("the frame's DOM and URL: frames %v, DOMs %+v", res.Frames, res.FrameDOMs)
		}
	})

	t.Run("inline scripts injected by the page and by a script", func(t *testing.T) {
		page := f.url("shop.test", "/inline")
		res := renderOK(t, b, page)
		want := map[string]string{}
		for by, text := range map[string]string{page: inlineByPage, f.url("tags.test", "/tm.js"): inlineByTM} {
			sum := sha256.Sum256([]byte(text))
			want[hex.EncodeToString(sum[:])] = by
		}
		for _, s := range res.Scripts {
			if !s.Inline {
				continue
			}
			if by, ok := want[s.SHA256]; !ok || s.InjectedBy != by || s.URL != "" || s.Frame {
				t.Errorf("inline script %+v: want one of %v (sha256: injected by)", s, want)
			}
			delete(want, s.SHA256)
		}
		if len(want) > 0 {
			t.Errorf("injected inline scripts missing: %v (scripts %+v)", want, res.Scripts)
		}
	})

	t.Run("a page answering 403 is an error", func(t *testing.T) {
		res, err := b.Render(context.Background(), f.url("shop.test", "/denied"))
		if err != nil || res.Status != 403 || !strings.Contains(res.Err, "403") {
			t.Errorf("got %+v, %v", res, err)
		}
	})
}

func TestRenderTimeout(t *testing.T) {
	f := newFixture(t)
	// The page changes its DOM every 100 ms. A quiet window of 1 s (half of Quiet: nothing is
	// loading) keeps a renderer starved by a busy machine from passing for a settled page.
	b := f.browser(t, func(o *render.Options) { o.Timeout, o.Quiet = 4*time.Second, 2*time.Second })
	res, err := b.Render(context.Background(), f.url("shop.test", "/busy"))
	if err != nil {
		t.Fatal(err)
	}
	if !res.TimedOut || !strings.Contains(res.Err, "did not settle") {
		t.Errorf("a page that never settles: want a timeout error, got %q (timed out %v)", res.Err, res.TimedOut)
	}
	if res.Status != 200 || !strings.Contains(res.DOM, `id="n"`) {
		t.Errorf("what was captured is kept: status %d, DOM %q", res.Status, res.DOM)
	}
}

func TestRenderHeadersOnlyInScope(t *testing.T) {
	f := newFixture(t)
	b := f.browser(t, func(o *render.Options) {
		o.Headers = http.Header{"X-Padlock-Test": {"yes"}}
		o.ScopeHosts = []string{"shop.test"}
		o.InScope = func(u string) bool { return strings.HasPrefix(u, "https://shop.test:") }
	})
	renderOK(t, b, f.url("shop.test", "/headers"))
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.headers["shop.test/headers"] != "yes" || f.headers["shop.test/h.png"] != "yes" {
		t.Errorf("in-scope requests lack the header: %v", f.headers)
	}
	if _, ok := f.headers["tags.test/h.png"]; ok || f.hits["tags.test/h.png"] == 0 {
		t.Errorf("the third party got the header (or no request): %v %v", f.headers, f.hits)
	}
}

func TestRenderBrowserCrash(t *testing.T) {
	f := newFixture(t)
	b := f.browser(t, nil)
	pid := b.PID()
	if pid == 0 {
		t.Fatal("no browser process")
	}
	go func() {
		<-f.slowHit
		if p, err := os.FindProcess(pid); err == nil {
			_ = p.Kill() // the browser this test started
		}
	}()
	res, err := b.Render(context.Background(), f.url("shop.test", "/slow"))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Retried || res.Err != "" || res.Status != 200 {
		t.Errorf("the page is retried once on a new browser: retried %v, err %q, status %d", res.Retried, res.Err, res.Status)
	}
	if b.Restarts() != 1 || b.PID() == pid {
		t.Errorf("restarts %d, pid %d (was %d)", b.Restarts(), b.PID(), pid)
	}
	renderOK(t, b, f.url("shop.test", "/spa")) // the crawl goes on
}
