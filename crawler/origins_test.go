package crawler

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/internal/certs"
)

// testCA issues certificates for the TLS tests.
type testCA struct {
	*certs.CA
	cert *x509.Certificate
	pool *x509.CertPool
}

func wrapCA(t *testing.T, ca *certs.CA, err error) *testCA {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{CA: ca, cert: ca.Cert, pool: ca.Pool}
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	ca, err := certs.NewCA(name, time.Now().Add(-48*time.Hour), time.Now().Add(365*24*time.Hour))
	return wrapCA(t, ca, err)
}

// intermediate issues a CA certificate signed by ca.
func (ca *testCA) intermediate(t *testing.T, name string) *testCA {
	t.Helper()
	in, err := ca.Intermediate(name)
	return wrapCA(t, in, err)
}

// leaf issues a server certificate; chain lists extra certificates the server sends after it.
func (ca *testCA) leaf(t *testing.T, names []string, notBefore, notAfter time.Time, aia bool, chain ...*x509.Certificate) tls.Certificate {
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

// tlsServer serves h over TLS with cert and the given protocol range.
func tlsServer(t *testing.T, cert tls.Certificate, minV, maxV uint16, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = false
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: minV, MaxVersion: maxV}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func TestProbeVersionsAndLegacy(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t, "probe CA")
	cert := ca.leaf(t, []string{"127.0.0.1"}, time.Now().Add(-time.Hour), time.Now().Add(90*24*time.Hour), false)
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
			srv := tlsServer(t, cert, tc.minV, tc.maxV, page)
			var pages []*Page
			res, _ := Crawl(context.Background(), &Config{StartURLs: []string{srv.URL + "/"}, RootCAs: ca.pool, IgnoreRobots: true},
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
	ca := newTestCA(t, "root CA")
	inter := ca.intermediate(t, "intermediate CA")
	other := newTestCA(t, "unknown CA")
	now := time.Now()
	ok := []string{"127.0.0.1"}
	tests := []struct {
		name        string
		cert        tls.Certificate
		wantProblem string
		expiresSoon bool
	}{
		{"valid", ca.leaf(t, ok, now.Add(-time.Hour), now.Add(90*24*time.Hour), false), "", false},
		{"expired", ca.leaf(t, ok, now.Add(-90*24*time.Hour), now.Add(-24*time.Hour), false), "expired", false},
		{"not yet valid", ca.leaf(t, ok, now.Add(24*time.Hour), now.Add(90*24*time.Hour), false), "not-yet-valid", false},
		{"other host", ca.leaf(t, []string{"shop.example"}, now.Add(-time.Hour), now.Add(90*24*time.Hour), false), "wrong-host", false},
		{"untrusted", other.leaf(t, ok, now.Add(-time.Hour), now.Add(90*24*time.Hour), false), "untrusted", false},
		{"missing intermediate", inter.leaf(t, ok, now.Add(-time.Hour), now.Add(90*24*time.Hour), true), "incomplete-chain", false},
		{"intermediate sent", inter.leaf(t, ok, now.Add(-time.Hour), now.Add(90*24*time.Hour), true, inter.cert), "", false},
		{"expires in 10 days", ca.leaf(t, ok, now.Add(-time.Hour), now.Add(10*24*time.Hour), false), "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := tlsServer(t, tc.cert, tls.VersionTLS12, tls.VersionTLS13, html(`<p>x</p>`))
			res, _ := Crawl(context.Background(), &Config{StartURLs: []string{srv.URL + "/"}, RootCAs: ca.pool, IgnoreRobots: true}, func(*Page) {})
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
	ca := newTestCA(t, "root CA")
	now := time.Now()
	expired := ca.leaf(t, []string{"127.0.0.1"}, now.Add(-90*24*time.Hour), now.Add(-24*time.Hour), false)
	good := ca.leaf(t, []string{"127.0.0.1", "localhost"}, now.Add(-time.Hour), now.Add(90*24*time.Hour), false)
	wrong := ca.leaf(t, []string{"elsewhere.example"}, now.Add(-time.Hour), now.Add(90*24*time.Hour), false)
	third := tlsServer(t, wrong, tls.VersionTLS12, tls.VersionTLS13, html(`//js`))
	thirdPort := third.Listener.Addr().(*net.TCPAddr).Port

	t.Run("site", func(t *testing.T) {
		t.Parallel()
		srv := tlsServer(t, expired, tls.VersionTLS12, tls.VersionTLS13, html(`<a href="/b">b</a>`))
		var pages []*Page
		_, err := Crawl(context.Background(), &Config{StartURLs: []string{srv.URL + "/"}, RootCAs: ca.pool, IgnoreRobots: true}, func(p *Page) { pages = append(pages, p) })
		if err != ErrNoStart || len(pages) != 1 || !strings.Contains(pages[0].Err, "certificate") {
			t.Fatalf("want ErrNoStart and a certificate error, got %v %+v", err, pages)
		}
		pages = nil
		_, err = Crawl(context.Background(), &Config{StartURLs: []string{srv.URL + "/"}, RootCAs: ca.pool, IgnoreRobots: true, Insecure: true}, func(p *Page) { pages = append(pages, p) })
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
		srv := tlsServer(t, good, tls.VersionTLS12, tls.VersionTLS13, html(body))
		var pages []*Page
		res, err := Crawl(context.Background(), &Config{StartURLs: []string{srv.URL + "/"}, RootCAs: ca.pool, IgnoreRobots: true, Insecure: true}, func(p *Page) { pages = append(pages, p) })
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
	ca := newTestCA(t, "root CA")
	cert := ca.leaf(t, []string{"127.0.0.1"}, time.Now().Add(-time.Hour), time.Now().Add(90*24*time.Hour), false)
	srv := tlsServer(t, cert, tls.VersionTLS12, tls.VersionTLS13, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
	}))
	res, err := Crawl(context.Background(), &Config{StartURLs: []string{srv.URL + "/"}, RootCAs: ca.pool, IgnoreRobots: true}, func(*Page) {})
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
