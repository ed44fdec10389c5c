package rules

import (
	"slices"
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/crawler"
)

// probed is tlsOrigin changed by set.
func probed(version, legacy string, set func(o *crawler.Origin)) *crawler.Origin {
	o := tlsOrigin(version, legacy)
	set(o)
	return o
}

// rc4Only is badssl's rc4 host: TLS 1.0-1.2, RC4 only, so the browser-like handshake fails.
func rc4Only() *crawler.Origin {
	return probed("", "TLS 1.1", func(o *crawler.Origin) {
		o.ModernErr = "remote error: tls: handshake failure"
		o.WeakCipher, o.WeakVersion = "TLS_RSA_WITH_RC4_128_SHA", "TLS 1.2"
	})
}

// The bug of issue 14: a TLS 1.2 server accepting only weak suites was tls-version; it is
// tls-weak-cipher (and tls-legacy for its TLS 1.1, tls-1.3-missing for the rest).
func TestWeakOnlyServerIsNotAVersionProblem(t *testing.T) {
	t.Parallel()
	var got []string
	for _, f := range RunOrigin(All(), rc4Only(), &Config{Now: testNow}) {
		got = append(got, f.Rule+": "+f.Message)
	}
	want := []string{
		"tls-1.3-missing: https://www.shop.test does not offer TLS 1.3 (best version: TLS 1.2)",
		"tls-legacy: https://www.shop.test still accepts a TLS 1.1 handshake",
		"tls-weak-cipher: https://www.shop.test accepts TLS_RSA_WITH_RC4_128_SHA (RC4) at TLS 1.2, a suite browsers and PCI DSS reject; it accepts no suite a browser offers, so browsers cannot connect",
	}
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestTLSSuiteRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		rule     *Rule
		origin   *crawler.Origin
		contains string // "" for no finding
	}{
		{"weak: RC4 only", tlsWeakCipher(), rc4Only(), "accepts TLS_RSA_WITH_RC4_128_SHA (RC4) at TLS 1.2"},
		{"weak: 3DES beside good suites", tlsWeakCipher(), probed("TLS 1.3", "", func(o *crawler.Origin) {
			o.WeakCipher, o.WeakVersion = "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "TLS 1.2"
		}), "accepts TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA (3DES) at TLS 1.2, a suite browsers and PCI DSS reject"},
		{"weak: none", tlsWeakCipher(), tlsOrigin("TLS 1.3", ""), ""},
		{"weak: not probed", tlsWeakCipher(), probed("", "", func(o *crawler.Origin) { o.Probed = false; o.WeakCipher = "TLS_RSA_WITH_RC4_128_SHA" }), ""},
		{"no FS: static RSA beside ECDHE", tlsNoForwardSecrecy(), probed("TLS 1.3", "", func(o *crawler.Origin) {
			o.StaticRSACipher, o.StaticRSAVersion = "TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS 1.2"
		}), "accepts TLS_RSA_WITH_AES_128_GCM_SHA256 at TLS 1.2, static RSA key exchange without forward secrecy"},
		{"no FS: static RSA only", tlsNoForwardSecrecy(), probed("", "", func(o *crawler.Origin) {
			o.StaticRSACipher, o.StaticRSAVersion = "TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS 1.2"
		}), "it accepts no suite with forward secrecy, so browsers cannot connect"},
		{"no FS: ECDHE only", tlsNoForwardSecrecy(), tlsOrigin("TLS 1.2", ""), ""},
		{"1.3 missing: TLS 1.2", tls13Missing(), tlsOrigin("TLS 1.2", ""), "https://www.shop.test does not offer TLS 1.3 (best version: TLS 1.2)"},
		{"1.3 missing: legacy only", tls13Missing(), tlsOrigin("", "TLS 1.0"), "best version: TLS 1.0"},
		{"1.3 present", tls13Missing(), tlsOrigin("TLS 1.3", "TLS 1.0"), ""},
		{"1.3 missing: unreachable says nothing", tls13Missing(), tlsOrigin("", ""), ""},
		{"endpoint over http", insecureEndpoint(), &crawler.Origin{Origin: "http://hooks.shop.test", FirstPage: "http://hooks.shop.test/stripe", Endpoint: true},
			"http://hooks.shop.test/stripe is an endpoint over plain HTTP"},
		{"endpoint over https", insecureEndpoint(), probed("TLS 1.3", "", func(o *crawler.Origin) { o.Endpoint = true }), ""},
		{"http origin not given as an endpoint", insecureEndpoint(), &crawler.Origin{Origin: "http://hooks.shop.test", FirstPage: "http://hooks.shop.test/"}, ""},
		{"static RSA only at TLS 1.2 is no version problem", tlsVersion(), probed("", "TLS 1.0", func(o *crawler.Origin) {
			o.StaticRSACipher, o.StaticRSAVersion = "TLS_RSA_WITH_AES_128_CBC_SHA", "TLS 1.2"
		}), ""},
		{"weak suite only at TLS 1.0 is still a version problem", tlsVersion(), probed("", "TLS 1.0", func(o *crawler.Origin) {
			o.WeakCipher, o.WeakVersion = "TLS_RSA_WITH_RC4_128_SHA", "TLS 1.0"
		}), "offers no TLS 1.2 or 1.3, only TLS 1.0"},
		{"certificate: 1024-bit RSA leaf", tlsCertificate(), probed("TLS 1.3", "", func(o *crawler.Origin) {
			o.Key, o.WeakKey, o.WeakKeyBits = "RSA 1024 bits", "RSA 1024 bits (the leaf CN=www.shop.test)", 1024
		}), "https://www.shop.test's certificate has a weak key: RSA 1024 bits (the leaf CN=www.shop.test), under the 2048 bits (RSA)"},
		{"certificate: SHA-1 intermediate named", tlsCertificate(), probed("TLS 1.3", "", func(o *crawler.Origin) {
			o.CertProblem, o.WeakSignature, o.WeakSignatureOn = "untrusted", "ECDSA-SHA1", "the intermediate CN=Old CA"
		}), "chain is signed with ECDSA-SHA1 (on the intermediate CN=Old CA), a signature algorithm browsers reject"},
		{"certificate: expiring with a weak key is an error", tlsCertificate(), probed("TLS 1.3", "", func(o *crawler.Origin) {
			o.NotAfter = testNow.AddDate(0, 0, 10)
			o.WeakKey = "RSA 1024 bits (the leaf CN=www.shop.test)"
		}), "certificate expires in 10 days (" + formatDate(testNow.AddDate(0, 0, 10)) + ") and has a weak key: RSA 1024 bits"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := runOriginRule(t, tc.rule, tc.origin, &Config{Now: testNow})
			f, ok := wantOne(t, fs, tc.contains != "")
			if ok {
				if f.Severity != tc.rule.Severity || f.Page != tc.origin.FirstPage {
					t.Errorf("finding %+v", f)
				}
				if !strings.Contains(f.Message, tc.contains) {
					t.Errorf("message %q does not contain %q", f.Message, tc.contains)
				}
			}
		})
	}
}
