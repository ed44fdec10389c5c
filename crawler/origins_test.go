package crawler

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/internal/sitetest/testnet"
)

func TestProbeVersionsAndLegacy(t *testing.T) {
	t.Parallel()
	ca := testnet.NewCA(t, "probe CA")
	cert := ca.Leaf(t, []string{"127.0.0.1"}, time.Now().Add(-time.Hour), time.Now().Add(90*24*time.Hour))
	page := html(`<p>hello</p>`)
	tests := []struct {
		name        string
		minV, maxV  uint16
		wantVersion string
		wantLegacy  bool
	}{
		{"only TLS 1.0 and 1.1", tls.VersionTLS10, tls.VersionTLS11, "", true},
		{"TLS 1.1 to 1.3", tls.VersionTLS11, tls.VersionTLS13, "TLS 1.3", true},
		{"TLS 1.2 only", tls.VersionTLS12, tls.VersionTLS12, "TLS 1.2", false},
		{"TLS 1.3 only", tls.VersionTLS13, tls.VersionTLS13, "TLS 1.3", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := testnet.TLSServerVersions(t, page, tc.minV, tc.maxV, cert)
			var pages []*Page
			res, _ := Crawl(context.Background(), &Config{StartURLs: []string{srv.URL + "/"}, RootCAs: ca.Pool, IgnoreRobots: true},
				func(p *Page) { pages = append(pages, p) })
			if res == nil || len(res.Origins) != 1 {
				t.Fatalf("want one origin, got %+v", res)
			}
			o := res.Origins[0]
			if !o.Probed || o.Version != tc.wantVersion || o.LegacyTLS != tc.wantLegacy {
				t.Errorf("origin: version %q legacy %v (%s), want %q %v; modern error %q", o.Version, o.LegacyTLS, o.LegacyVersion, tc.wantVersion, tc.wantLegacy, o.ModernErr)
			}
			if tc.wantVersion == "" && (len(pages) != 1 || pages[0].Err == "") {
				t.Errorf("a TLS 1.0-only start page cannot be fetched at 1.2+: %+v", pages)
			}
			if tc.wantVersion != "" && o.CertProblem != "" {
				t.Errorf("valid certificate judged %q: %s", o.CertProblem, o.CertError)
			}
		})
	}
}

func TestProbeCertificateProblems(t *testing.T) {
	t.Parallel()
	ca := testnet.NewCA(t, "root CA")
	inter := ca.Intermediate(t, "intermediate CA")
	other := testnet.NewCA(t, "unknown CA")
	now := time.Now()
	ok := []string{"127.0.0.1"}
	tests := []struct {
		name        string
		cert        tls.Certificate
		wantProblem string
		expiresSoon bool
	}{
		{"valid", ca.Leaf(t, ok, now.Add(-time.Hour), now.Add(90*24*time.Hour)), "", false},
		{"expired", ca.Leaf(t, ok, now.Add(-90*24*time.Hour), now.Add(-24*time.Hour)), "expired", false},
		{"not yet valid", ca.Leaf(t, ok, now.Add(24*time.Hour), now.Add(90*24*time.Hour)), "not-yet-valid", false},
		{"other host", ca.Leaf(t, []string{"shop.example"}, now.Add(-time.Hour), now.Add(90*24*time.Hour)), "wrong-host", false},
		{"untrusted", other.Leaf(t, ok, now.Add(-time.Hour), now.Add(90*24*time.Hour)), "untrusted", false},
		{"missing intermediate", inter.ChainLeaf(t, ok, now.Add(-time.Hour), now.Add(90*24*time.Hour), false), "incomplete-chain", false},
		{"intermediate sent", inter.ChainLeaf(t, ok, now.Add(-time.Hour), now.Add(90*24*time.Hour), true), "", false},
		{"expires in 10 days", ca.Leaf(t, ok, now.Add(-time.Hour), now.Add(10*24*time.Hour)), "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := testnet.TLSServer(t, html(`<p>x</p>`), tc.cert)
			res, _ := Crawl(context.Background(), &Config{StartURLs: []string{srv.URL + "/"}, RootCAs: ca.Pool, IgnoreRobots: true}, func(*Page) {})
			if res == nil || len(res.Origins) != 1 {
				t.Fatalf("want one origin, got %+v", res)
			}
			o := res.Origins[0]
			if o.CertProblem != tc.wantProblem {
				t.Errorf("problem %q (%s), want %q", o.CertProblem, o.CertError, tc.wantProblem)
			}
			if soon := time.Until(o.NotAfter) < 30*24*time.Hour && time.Until(o.NotAfter) > 0; soon != tc.expiresSoon {
				t.Errorf("not after %s: expires soon = %v, want %v", o.NotAfter, soon, tc.expiresSoon)
			}
		})
	}
}

// A bad certificate on the site itself stops the crawl there unless --insecure; on a third party
// it is recorded and the crawl goes on.
func TestBadCertificatesOnSiteAndThirdParty(t *testing.T) {
	t.Parallel()
	ca := testnet.NewCA(t, "root CA")
	now := time.Now()
	expired := ca.Leaf(t, []string{"127.0.0.1"}, now.Add(-90*24*time.Hour), now.Add(-24*time.Hour))
	good := ca.Leaf(t, []string{"127.0.0.1", "localhost"}, now.Add(-time.Hour), now.Add(90*24*time.Hour))
	wrong := ca.Leaf(t, []string{"elsewhere.example"}, now.Add(-time.Hour), now.Add(90*24*time.Hour))
	third := testnet.TLSServer(t, html(`//js`), wrong)
	thirdPort := third.Listener.Addr().(*net.TCPAddr).Port

	t.Run("site", func(t *testing.T) {
		t.Parallel()
		srv := testnet.TLSServer(t, html(`<a href="/b">b</a>`), expired)
		var pages []*Page
		_, err := Crawl(context.Background(), &Config{StartURLs: []string{srv.URL + "/"}, RootCAs: ca.Pool, IgnoreRobots: true}, func(p *Page) { pages = append(pages, p) })
		if err != ErrNoStart || len(pages) != 1 || !strings.Contains(pages[0].Err, "certificate") {
			t.Fatalf("want ErrNoStart and a certificate error, got %v %+v", err, pages)
		}
		pages = nil
		_, err = Crawl(context.Background(), &Config{StartURLs: []string{srv.URL + "/"}, RootCAs: ca.Pool, IgnoreRobots: true, Insecure: true}, func(p *Page) { pages = append(pages, p) })
		if err != nil || len(pages) != 2 {
			t.Fatalf("--insecure: want the crawl to go on (2 pages), got %v, %d pages", err, len(pages))
		}
		if pages[0].TLS == nil || pages[0].TLS.VerifyError == "" {
			t.Errorf("--insecure must still record the verification failure: %+v", pages[0].TLS)
		}
	})
	t.Run("third party", func(t *testing.T) {
		t.Parallel()
		body := fmt.Sprintf(`<script src="https://localhost:%d/x.js"></script>`, thirdPort)
		srv := testnet.TLSServer(t, html(body), good)
		var pages []*Page
		res, err := Crawl(context.Background(), &Config{StartURLs: []string{srv.URL + "/"}, RootCAs: ca.Pool, IgnoreRobots: true, Insecure: true}, func(p *Page) { pages = append(pages, p) })
		if err != nil || len(pages) != 1 {
			t.Fatalf("crawl: %v, %d pages", err, len(pages))
		}
		f := pages[0].Resources[0].Fetch
		if f == nil || !strings.Contains(f.Err, "certificate") {
			t.Errorf("--insecure must not cover third parties: want a certificate error on the script, got %+v", f)
		}
		var found bool
		for _, o := range res.Origins {
			if strings.Contains(o.Origin, fmt.Sprint(thirdPort)) {
				found = o.CertProblem == "wrong-host"
			}
		}
		if !found {
			t.Errorf("third-party origin's certificate problem not recorded: %+v", res.Origins)
		}
	})
}

func TestHSTSRecordedPerOrigin(t *testing.T) {
	t.Parallel()
	ca := testnet.NewCA(t, "root CA")
	cert := ca.Leaf(t, []string{"127.0.0.1"}, time.Now().Add(-time.Hour), time.Now().Add(90*24*time.Hour))
	srv := testnet.TLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Add("Strict-Transport-Security", "max-age=31536000")
			w.Header().Add("Strict-Transport-Security", "max-age=0") // only the first counts
			html(`<a href="/a">a</a><a href="/b">b</a>`)(w, r)
		case "/a", "/b":
			html(`<p>no hsts</p>`)(w, r)
		default:
			http.NotFound(w, r)
		}
	}), cert)
	res, err := Crawl(context.Background(), &Config{StartURLs: []string{srv.URL + "/"}, RootCAs: ca.Pool, IgnoreRobots: true}, func(*Page) {})
	if err != nil || len(res.Origins) != 1 {
		t.Fatalf("crawl: %v %+v", err, res)
	}
	byHeader := map[string][]string{}
	for _, h := range res.Origins[0].HSTS {
		byHeader[h.Header] = h.Pages
	}
	if len(byHeader) != 2 || len(byHeader[""]) != 2 || len(byHeader["max-age=31536000"]) != 1 {
		t.Errorf("HSTS per origin (first header only, pages grouped by value): %+v", res.Origins[0].HSTS)
	}
}

// Every page of a large site sends HSTS: the origin keeps the first pages by URL and a count,
// not every page.
func TestHSTSPagesAreBounded(t *testing.T) {
	t.Parallel()
	ca := testnet.NewCA(t, "root CA")
	cert := ca.Leaf(t, []string{"127.0.0.1"}, time.Now().Add(-time.Hour), time.Now().Add(90*24*time.Hour))
	const n = 3 * HSTSExamples
	srv := testnet.TLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", "max-age=31536000")
		if r.URL.Path != "/" {
			html(`<p>a page</p>`)(w, r)
			return
		}
		var links strings.Builder
		for i := range n {
			fmt.Fprintf(&links, `<a href="/p/%02d">p</a>`, n-1-i) // found in reverse order
		}
		html(links.String())(w, r)
	}), cert)
	res, err := Crawl(context.Background(), &Config{StartURLs: []string{srv.URL + "/"}, RootCAs: ca.Pool, IgnoreRobots: true, Concurrency: 4}, func(*Page) {})
	if err != nil || len(res.Origins) != 1 || len(res.Origins[0].HSTS) != 1 {
		t.Fatalf("crawl: %v %+v", err, res)
	}
	h := res.Origins[0].HSTS[0]
	var want []string
	want = append(want, srv.URL+"/")
	for i := range HSTSExamples - 1 {
		want = append(want, fmt.Sprintf("%s/p/%02d", srv.URL, i))
	}
	if h.NumPages() != n+1 || !slices.Equal(h.Pages, want) {
		t.Errorf("HSTS seen on %d pages, kept %q; want %d pages, the first %d by URL %q", h.NumPages(), h.Pages, n+1, HSTSExamples, want)
	}
}

// A server that sends another HSTS value on every answer kept an entry per value, so one per
// page: past HSTSValues values the origin keeps one entry per class (Config.HSTSClass), each
// with every page of its values counted, its first pages by URL and the value of the first:
// nothing the rules judge is lost (the pages without HSTS keep their entry), and the result
// does not depend on the order the pages came in.
func TestHSTSValuesFoldIntoClasses(t *testing.T) {
	t.Parallel()
	ca := testnet.NewCA(t, "root CA")
	cert := ca.Leaf(t, []string{"127.0.0.1"}, time.Now().Add(-time.Hour), time.Now().Add(90*24*time.Hour))
	const n = 3 * HSTSValues
	value := func(path string) string {
		var i int
		if _, err := fmt.Sscanf(path, "/p/%d", &i); err != nil {
			return "max-age=63072000" // the start page
		}
		switch {
		case i%10 >= 3 && i%10 <= 5:
			return "" // no HSTS on these: more than HSTSExamples of them before the values fold
		case i%10 == 7:
			return fmt.Sprintf("max-age=%d", 100+i) // short
		}
		return fmt.Sprintf("max-age=%d", 40000000+i)
	}
	srv := testnet.TLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := value(r.URL.Path); v != "" {
			w.Header().Set("Strict-Transport-Security", v)
		}
		if r.URL.Path != "/" {
			html(`<p>a page</p>`)(w, r)
			return
		}
		var links strings.Builder
		for i := range n {
			fmt.Fprintf(&links, `<a href="/p/%03d">p</a>`, n-1-i)
		}
		html(links.String())(w, r)
	}), cert)
	class := func(v string) string {
		var age int
		switch {
		case v == "":
			return "absent"
		case func() bool { _, err := fmt.Sscanf(v, "max-age=%d", &age); return err != nil }():
			return "invalid"
		case age < 31536000:
			return "short"
		}
		return "long"
	}
	crawl := func(concurrency int) Origin {
		res, err := Crawl(context.Background(), &Config{StartURLs: []string{srv.URL + "/"}, RootCAs: ca.Pool, IgnoreRobots: true,
			Concurrency: concurrency, HSTSClass: class}, func(*Page) {})
		if err != nil || len(res.Origins) != 1 {
			t.Fatalf("crawl: %v %+v", err, res)
		}
		return res.Origins[0]
	}
	o := crawl(8)
	if !o.HSTSFolded || len(o.HSTS) != 3 {
		t.Fatalf("folded %v into %d entries %+v; want the 3 classes", o.HSTSFolded, len(o.HSTS), o.HSTS)
	}
	count := map[string]int{class(value("/")): 1}
	for i := range n {
		count[class(value(fmt.Sprintf("/p/%03d", i)))]++
	}
	want := map[string]struct {
		header string
		pages  int
	}{"absent": {"", count["absent"]}, "short": {"max-age=107", count["short"]}, "long": {"max-age=63072000", count["long"]}}
	for _, h := range o.HSTS {
		w := want[class(h.Header)]
		if h.Header != w.header || h.NumPages() != w.pages || len(h.Pages) != HSTSExamples || !slices.IsSorted(h.Pages) {
			t.Errorf("class %s: %q on %d pages (%d listed); want %q on %d, the first %d by URL", class(h.Header), h.Header, h.NumPages(), len(h.Pages), w.header, w.pages, HSTSExamples)
		}
	}
	if again := crawl(1); !reflect.DeepEqual(again.HSTS, o.HSTS) {
		t.Errorf("another order of pages, another result:\n%+v\n%+v", again.HSTS, o.HSTS)
	}
}

// A site that makes padlock request a thousand hosts gets a thousand probes, but never a
// goroutine for each: at most --concurrency probe at once and the rest wait in a queue (each
// used to start its own goroutine, to wait for a request slot). Every probe still ends, with
// its outcome in the origin's record.
func TestProbesBoundedGoroutines(t *testing.T) {
	release := make(chan struct{})
	var dials atomic.Int64
	cfg := &Config{StartURLs: []string{"https://shop.test/"}, Concurrency: 4,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			select {
			case <-release:
			case <-ctx.Done():
			}
			return nil, fmt.Errorf("refused for the test: %s", addr)
		}}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	cr := &crawl{cfg: cfg, tr: newTransport(cfg)}
	og := &origins{cr: cr}
	before := runtime.NumGoroutine()
	const n = 1000
	for i := range n {
		og.touch(context.Background(), fmt.Sprintf("https://h%d.cdn.test/a.png", i), "https://shop.test/")
	}
	for deadline := time.Now().Add(5 * time.Second); dials.Load() < 4 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if grew := runtime.NumGoroutine() - before; grew > cfg.Concurrency {
		t.Errorf("%d probes waiting: %d more goroutines, want at most --concurrency (%d)", n, grew, cfg.Concurrency)
	}
	close(release)
	list := og.list()
	if len(list) != n {
		t.Fatalf("%d origins listed, want %d", len(list), n)
	}
	for _, o := range list {
		if !o.Probed || o.ProbeErr == "" || !strings.Contains(o.ProbeErr, "refused for the test") {
			t.Fatalf("%s: probe not made or its failure lost: %+v", o.Origin, o)
		}
	}
	// The last probing goroutine counts itself out just after its probe: wait for it.
	probing, queued := -1, -1
	for deadline := time.Now().Add(5 * time.Second); probing != 0 && time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		og.mu.Lock()
		probing, queued = og.probing, len(og.queue)
		og.mu.Unlock()
	}
	if probing != 0 || queued != 0 {
		t.Errorf("after the probes: %d goroutines still counted, %d probes queued", probing, queued)
	}
}
