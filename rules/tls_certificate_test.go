package rules

import (
	"strings"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/crawler"
)

// testNow is the time certificates are judged at in tests.
var testNow = time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC)

func TestTLSCertificate(t *testing.T) {
	t.Parallel()
	with := func(edit func(o *crawler.Origin)) *crawler.Origin {
		o := tlsOrigin("TLS 1.3", "")
		edit(o)
		return o
	}
	tests := []struct {
		name     string
		origin   *crawler.Origin
		cfg      *Config
		severity Severity
		contains []string // nil for no finding
	}{
		{name: "valid, six months left", origin: tlsOrigin("TLS 1.3", "")},
		{name: "expired", origin: with(func(o *crawler.Origin) {
			o.CertProblem, o.CertError = "expired", "x509: certificate has expired or is not yet valid"
			o.NotAfter = testNow.AddDate(0, 0, -3)
		}), severity: Error, contains: []string{"https://www.shop.test's certificate expired on 2026-11-26 (3 days ago)", "(x509: certificate has expired"}},
		{name: "not yet valid", origin: with(func(o *crawler.Origin) {
			o.CertProblem, o.NotBefore = "not-yet-valid", time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC)
		}), severity: Error, contains: []string{"is not valid until 2027-01-02"}},
		{name: "untrusted issuer", origin: with(func(o *crawler.Origin) { o.CertProblem, o.Issuer = "untrusted", "CN=Corp Internal CA" }),
			severity: Error, contains: []string{"issued by CN=Corp Internal CA, an issuer browsers do not trust"}},
		{name: "self-signed", origin: with(func(o *crawler.Origin) { o.CertProblem, o.Issuer = "untrusted", o.Subject }),
			severity: Error, contains: []string{"is self-signed (CN=www.shop.test)"}},
		{name: "incomplete chain", origin: with(func(o *crawler.Origin) { o.CertProblem = "incomplete-chain" }),
			severity: Error, contains: []string{"chain is incomplete (missing intermediate)"}},
		{name: "SHA-1 signed chain names the signature", origin: with(func(o *crawler.Origin) {
			o.CertProblem, o.Issuer, o.WeakSignature = "untrusted", "CN=Old CA", "SHA1-RSA"
			o.CertError = "x509: certificate signed by unknown authority (possibly because of \"x509: cannot verify signature: insecure algorithm SHA1-RSA\")"
		}), severity: Error, contains: []string{"https://www.shop.test's certificate chain is signed with SHA1-RSA, a signature algorithm browsers reject (issued by CN=Old CA)"}},
		{name: "issuer not sent, no AIA", origin: with(func(o *crawler.Origin) {
			o.CertProblem, o.Issuer, o.MissingIssuer = "untrusted", "CN=Shop Intermediate", "CN=Shop Intermediate"
		}), severity: Error, contains: []string{"the server sends no certificate for CN=Shop Intermediate", "the server leaves it out"}},
		{name: "incomplete chain, AIA completes it", origin: with(func(o *crawler.Origin) {
			o.CertProblem, o.MissingIssuer, o.AIAURL = "incomplete-chain", "CN=Shop Intermediate", "http://ca.test/i.crt"
		}), severity: Error, contains: []string{"the intermediate certificate (CN=Shop Intermediate)", "padlock fetched it from the AIA URL http://ca.test/i.crt", "the chain then verifies"}},
		{name: "incomplete chain, AIA fails", origin: with(func(o *crawler.Origin) {
			o.CertProblem, o.AIAURL, o.AIAProblem = "incomplete-chain", "http://ca.test/i.crt", "HTTP 404"
		}), severity: Error, contains: []string{"fetching it from the AIA URL http://ca.test/i.crt failed (HTTP 404)"}},
		{name: "wrong host", origin: with(func(o *crawler.Origin) {
			o.CertProblem, o.DNSNames = "wrong-host", []string{"shop.test", "*.shop-old.test"}
		}), severity: Error, contains: []string{"is issued for shop.test, *.shop-old.test, not for www.shop.test"}},
		{name: "unknown problem", origin: with(func(o *crawler.Origin) { o.CertProblem = "revoked" }),
			severity: Error, contains: []string{"fails verification: revoked"}},
		{name: "problem wins over expiry warning", origin: with(func(o *crawler.Origin) {
			o.CertProblem, o.NotAfter = "incomplete-chain", testNow.AddDate(0, 0, 10)
		}), severity: Error, contains: []string{"incomplete"}},
		{name: "past NotAfter without a problem recorded", origin: with(func(o *crawler.Origin) { o.NotAfter = testNow.Add(-36 * time.Hour) }),
			severity: Error, contains: []string{"expired on 2026-11-27 (1 day ago)"}},
		{name: "expires in 10 days", origin: with(func(o *crawler.Origin) { o.NotAfter = testNow.AddDate(0, 0, 10) }),
			severity: Warning, contains: []string{"https://www.shop.test's certificate expires in 10 days (2026-12-09)"}},
		{name: "expires within a day", origin: with(func(o *crawler.Origin) { o.NotAfter = testNow.Add(5 * time.Hour) }),
			severity: Warning, contains: []string{"expires in less than a day"}},
		{name: "expires in 30 days: inside the window", origin: with(func(o *crawler.Origin) { o.NotAfter = testNow.AddDate(0, 0, 30) }),
			severity: Warning, contains: []string{"expires in 30 days"}},
		{name: "expires in 60 days", origin: with(func(o *crawler.Origin) { o.NotAfter = testNow.AddDate(0, 0, 60) })},
		{name: "60 days with a 90-day window", origin: with(func(o *crawler.Origin) { o.NotAfter = testNow.AddDate(0, 0, 60) }),
			cfg: &Config{Now: testNow, CertExpiryWarning: 90 * 24 * time.Hour}, severity: Warning, contains: []string{"expires in 60 days"}},
		{name: "10 days with a 7-day window", origin: with(func(o *crawler.Origin) { o.NotAfter = testNow.AddDate(0, 0, 10) }),
			cfg: &Config{Now: testNow, CertExpiryWarning: 7 * 24 * time.Hour}},
		{name: "third-party origin", origin: with(func(o *crawler.Origin) {
			o.Origin, o.InScope, o.CertProblem, o.NotAfter = "https://cdn.vendor.test", false, "expired", testNow.AddDate(0, -1, 0)
		}), severity: Error, contains: []string{"https://cdn.vendor.test's certificate expired on 2026-10-29"}},
		{name: "not probed", origin: with(func(o *crawler.Origin) { o.Probed, o.CertProblem = false, "expired" })},
		{name: "no certificate recorded", origin: with(func(o *crawler.Origin) { o.NotAfter = time.Time{} })},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := tc.cfg
			if cfg == nil {
				cfg = &Config{Now: testNow}
			}
			fs := runOriginRule(t, tlsCertificate(), tc.origin, cfg)
			f, ok := wantOne(t, fs, tc.contains != nil)
			if !ok {
				return
			}
			if f.Severity != tc.severity || f.URL != tc.origin.Origin || f.Page != tc.origin.FirstPage || f.Source != "tls" {
				t.Errorf("finding %+v, want severity %v", f, tc.severity)
			}
			for _, s := range tc.contains {
				if !strings.Contains(f.Message, s) {
					t.Errorf("message %q does not contain %q", f.Message, s)
				}
			}
		})
	}
}

func TestTLSCertificateDefaultsToNow(t *testing.T) {
	t.Parallel()
	// With Config.Now zero the rule judges at time.Now().
	o := tlsOrigin("TLS 1.3", "")
	o.NotAfter = time.Now().Add(72 * time.Hour)
	fs := runOriginRule(t, tlsCertificate(), o, nil)
	if len(fs) != 1 || fs[0].Severity != Warning {
		t.Errorf("findings %+v, want one expiry warning", fs)
	}
}
