package crawler

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/internal/sitetest/testnet"
)

// Go 1.26 still serves RC4, 3DES and static-RSA suites when a server lists them in
// CipherSuites, and its client offers them when listed: no GODEBUG (tlsrsakex, tls3des) is
// needed, since those only change the default lists.

func TestProbeSet(t *testing.T) {
	t.Parallel()
	ca := testnet.NewCA(t, "probe CA")
	ip := "127.0.0.1"
	rsa2048 := ca.RSALeaf(t, 2048, ip)
	ecdsa := ca.ValidLeaf(t, ip)
	sha1 := ca.SHA1Intermediate(t, "SHA-1 intermediate")
	inter := ca.Intermediate(t, "intermediate CA")
	stapled := ca.ValidLeaf(t, ip)
	stapled.OCSPStaple = []byte{0x30, 0x03, 0x0a, 0x01, 0x00} // any bytes: the probe only sees that one came
	tls12 := func(cert tls.Certificate, suites ...uint16) *tls.Config {
		return &tls.Config{Certificates: []tls.Certificate{cert}, MaxVersion: tls.VersionTLS12, CipherSuites: suites}
	}
	tests := []struct {
		name                  string
		conf                  *tls.Config
		version, cipher       string // handshake 1
		weak, weakVersion     string
		static, staticVersion string
		key, weakKey          string
		weakSignatureOn       string
		problem               string
		ocsp                  bool
	}{
		{name: "TLS 1.2-1.3, ECDHE only", conf: &tls.Config{Certificates: []tls.Certificate{ecdsa}},
			version: "TLS 1.3", key: "ECDSA P-256"},
		{name: "TLS 1.2 only", conf: tls12(ecdsa), version: "TLS 1.2", cipher: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", key: "ECDSA P-256"},
		{name: "RC4 only", conf: tls12(rsa2048, tls.TLS_RSA_WITH_RC4_128_SHA),
			weak: "TLS_RSA_WITH_RC4_128_SHA", weakVersion: "TLS 1.2", key: "RSA 2048 bits"},
		{name: "3DES only", conf: tls12(rsa2048, tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA),
			weak: "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", weakVersion: "TLS 1.2", key: "RSA 2048 bits"},
		{name: "static RSA only", conf: tls12(rsa2048, tls.TLS_RSA_WITH_AES_128_GCM_SHA256),
			static: "TLS_RSA_WITH_AES_128_GCM_SHA256", staticVersion: "TLS 1.2", key: "RSA 2048 bits"},
		{name: "ECDHE and static RSA and 3DES at 1.2, TLS 1.3 too", conf: &tls.Config{Certificates: []tls.Certificate{rsa2048},
			CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_AES_256_CBC_SHA, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA}},
			version: "TLS 1.3", weak: "TLS_RSA_WITH_3DES_EDE_CBC_SHA", weakVersion: "TLS 1.2",
			static: "TLS_RSA_WITH_AES_256_CBC_SHA", staticVersion: "TLS 1.2", key: "RSA 2048 bits"},
		{name: "1024-bit RSA key", conf: &tls.Config{Certificates: []tls.Certificate{ca.RSALeaf(t, 1024, ip)}},
			version: "TLS 1.3", key: "RSA 1024 bits", weakKey: "RSA 1024 bits (the leaf CN=127.0.0.1)"},
		{name: "SHA-1 intermediate", conf: &tls.Config{Certificates: []tls.Certificate{sha1.ChainLeaf(t, []string{ip}, ca.Now.Add(-time.Hour), ca.Now.Add(90*24*time.Hour), true)}},
			version: "TLS 1.3", key: "ECDSA P-256", weakSignatureOn: "the intermediate CN=SHA-1 intermediate,O=padlock", problem: "untrusted"},
		{name: "chain without its intermediate", conf: &tls.Config{Certificates: []tls.Certificate{inter.ChainLeaf(t, []string{ip}, ca.Now.Add(-time.Hour), ca.Now.Add(90*24*time.Hour), false)}},
			version: "TLS 1.3", key: "ECDSA P-256", problem: "incomplete-chain"},
		{name: "OCSP stapled", conf: &tls.Config{Certificates: []tls.Certificate{stapled}}, version: "TLS 1.3", key: "ECDSA P-256", ocsp: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := testnet.TLSServerConfig(t, html(`<p>x</p>`), tc.conf)
			res, _ := Crawl(context.Background(), &Config{StartURLs: []string{srv.URL + "/"}, RootCAs: ca.Pool, IgnoreRobots: true}, func(*Page) {})
			if res == nil || len(res.Origins) != 1 {
				t.Fatalf("want one origin, got %+v", res)
			}
			o := res.Origins[0]
			if o.Version != tc.version || (tc.cipher != "" && o.Cipher != tc.cipher) {
				t.Errorf("TLS 1.2+ handshake: %q %q (%s), want %q %q", o.Version, o.Cipher, o.ModernErr, tc.version, tc.cipher)
			}
			if o.WeakCipher != tc.weak || o.WeakVersion != tc.weakVersion {
				t.Errorf("weak suite %q at %q, want %q at %q", o.WeakCipher, o.WeakVersion, tc.weak, tc.weakVersion)
			}
			if o.StaticRSACipher != tc.static || o.StaticRSAVersion != tc.staticVersion {
				t.Errorf("static RSA suite %q at %q, want %q at %q", o.StaticRSACipher, o.StaticRSAVersion, tc.static, tc.staticVersion)
			}
			if tc.version != "" && (o.Key != tc.key || o.WeakKey != tc.weakKey) {
				t.Errorf("key %q, weak key %q; want %q, %q", o.Key, o.WeakKey, tc.key, tc.weakKey)
			}
			if o.WeakSignatureOn != tc.weakSignatureOn || (tc.weakSignatureOn != "" && o.WeakSignature != "ECDSA-SHA1") {
				t.Errorf("weak signature %q on %q, want ECDSA-SHA1 on %q", o.WeakSignature, o.WeakSignatureOn, tc.weakSignatureOn)
			}
			if o.CertProblem != tc.problem {
				t.Errorf("certificate problem %q (%s), want %q", o.CertProblem, o.CertError, tc.problem)
			}
			if o.OCSPStapled != tc.ocsp {
				t.Errorf("OCSP stapled %v, want %v", o.OCSPStapled, tc.ocsp)
			}
			if o.Handshakes != 4 || o.ProbeErr != "" {
				t.Errorf("%d handshakes (probe error %q), want the 4 of the probe set", o.Handshakes, o.ProbeErr)
			}
		})
	}
}

// An origin nothing answers on costs one handshake, not four.
func TestProbeUnreachable(t *testing.T) {
	t.Parallel()
	srv := testnet.TLSServer(t, html(`<p>x</p>`), testnet.NewCA(t, "CA").ValidLeaf(t, "127.0.0.1"))
	url := srv.URL
	srv.Close()
	res, _ := Crawl(context.Background(), &Config{StartURLs: []string{url + "/"}, IgnoreRobots: true}, func(*Page) {})
	if res == nil || len(res.Origins) != 1 {
		t.Fatalf("want one origin, got %+v", res)
	}
	if o := res.Origins[0]; o.Handshakes != 1 || !strings.Contains(o.ProbeErr, "refused") {
		t.Errorf("%d handshakes, probe error %q; want 1 and connection refused", o.Handshakes, o.ProbeErr)
	}
}

// BenchmarkProbeSet measures the probe set of one origin on loopback (go test ./crawler -run
// '^$' -bench ProbeSet): the whole set, and one handshake for comparison (before issue 14 the
// set was two). An RSA 2048 server that accepts TLS 1.0-1.3 and every suite makes every
// handshake of the set succeed, the dearest case.
func BenchmarkProbeSet(b *testing.B) {
	ca := testnet.NewCA(b, "bench CA")
	var all []uint16
	for _, s := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		all = append(all, s.ID)
	}
	srv := testnet.TLSServerConfig(b, html(`<p>x</p>`), &tls.Config{Certificates: []tls.Certificate{ca.RSALeaf(b, 2048, "127.0.0.1")},
		MinVersion: tls.VersionTLS10, CipherSuites: all})
	cfg := &Config{StartURLs: []string{srv.URL + "/"}, RootCAs: ca.Pool}
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	cr := &crawl{cfg: cfg, tr: newTransport(cfg)}
	cr.tr.allowLocal.Store(true)
	u := cfg.starts[0]
	ctx := context.Background()
	b.Run("set", func(b *testing.B) {
		for b.Loop() {
			if o := cr.probe(ctx, u); o.Handshakes != 4 || o.WeakCipher == "" || o.StaticRSACipher == "" || !o.LegacyTLS {
				b.Fatalf("%+v", o)
			}
		}
		b.ReportMetric(4, "handshakes/op")
	})
	b.Run("one handshake", func(b *testing.B) {
		for b.Loop() {
			if _, err := cr.handshake(ctx, u.Host, "127.0.0.1", tls.VersionTLS12, tls.VersionTLS13, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}
