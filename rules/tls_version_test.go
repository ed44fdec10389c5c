package rules

import (
	"slices"
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/crawler"
)

// tlsOrigin is a probed origin with a valid certificate far from expiry.
func tlsOrigin(version string, legacy string) *crawler.Origin {
	o := &crawler.Origin{
		Origin: "https://www.shop.test", FirstPage: "https://www.shop.test/", InScope: true, Probed: true,
		Version: version, Subject: "CN=www.shop.test", Issuer: "CN=Test CA", DNSNames: []string{"www.shop.test"},
		NotBefore: testNow.AddDate(0, -1, 0), NotAfter: testNow.AddDate(0, 6, 0),
	}
	if legacy != "" {
		o.LegacyTLS, o.LegacyVersion = true, legacy
	}
	if version == "" {
		o.ModernErr = "remote error: tls: protocol version not supported"
	}
	return o
}

func TestTLSVersion(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		origin   *crawler.Origin
		contains string // "" for no finding
	}{
		{"TLS 1.3", tlsOrigin("TLS 1.3", ""), ""},
		{"TLS 1.2", tlsOrigin("TLS 1.2", ""), ""},
		{"1.2+ that also accepts 1.1", tlsOrigin("TLS 1.3", "TLS 1.1"), ""},
		{"TLS 1.0 only", tlsOrigin("", "TLS 1.0"), "offers no TLS 1.2 or 1.3, only TLS 1.0"},
		{"TLS 1.1 only", tlsOrigin("", "TLS 1.1"), "only TLS 1.1"},
		{"negotiated TLS 1.1", tlsOrigin("TLS 1.1", "TLS 1.1"), "negotiates TLS 1.1, below TLS 1.2"},
		{"negotiated TLS 1.0", tlsOrigin("TLS 1.0", ""), "negotiates TLS 1.0"},
		{"negotiated SSL 3.0", tlsOrigin("SSL 3.0", ""), "SSL 3.0"},
		{"unreachable: no handshake at all", tlsOrigin("", ""), ""},
		{"not probed", func() *crawler.Origin { o := tlsOrigin("", "TLS 1.0"); o.Probed = false; return o }(), ""},
		{"third-party origin is judged too", func() *crawler.Origin {
			o := tlsOrigin("", "TLS 1.0")
			o.Origin, o.InScope = "https://cdn.vendor.test", false
			return o
		}(), "https://cdn.vendor.test offers no TLS 1.2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := runOriginRule(t, tlsVersion(), tc.origin, &Config{Now: testNow})
			f, ok := wantOne(t, fs, tc.contains != "")
			if ok {
				if f.Severity != Error || f.Source != "tls" || f.URL != tc.origin.Origin || f.Page != tc.origin.FirstPage {
					t.Errorf("finding %+v", f)
				}
				if !strings.Contains(f.Message, tc.contains) {
					t.Errorf("message %q does not contain %q", f.Message, tc.contains)
				}
			}
		})
	}
}

func TestTLSRulesTogether(t *testing.T) {
	t.Parallel()
	tls := []*Rule{tlsVersion(), tlsLegacy(), tlsCertificate()}
	rulesOf := func(o *crawler.Origin) []string {
		var ids []string
		for _, f := range RunOrigin(tls, o, &Config{Now: testNow}) {
			ids = append(ids, f.Rule)
		}
		return ids
	}
	if got, want := rulesOf(tlsOrigin("", "TLS 1.0")), []string{"tls-version", "tls-legacy"}; !slices.Equal(got, want) {
		t.Errorf("TLS 1.0-only origin: %v, want %v", got, want)
	}
	if got, want := rulesOf(tlsOrigin("TLS 1.3", "TLS 1.1")), []string{"tls-legacy"}; !slices.Equal(got, want) {
		t.Errorf("TLS 1.3 origin accepting 1.1: %v, want %v", got, want)
	}
	if got := rulesOf(tlsOrigin("TLS 1.3", "")); len(got) != 0 {
		t.Errorf("modern origin: %v, want none", got)
	}
}
