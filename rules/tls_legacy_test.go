package rules

import (
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/crawler"
)

func TestTLSLegacy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		origin   *crawler.Origin
		contains string
	}{
		{"accepts TLS 1.1 beside 1.3", tlsOrigin("TLS 1.3", "TLS 1.1"), "https://www.shop.test still accepts a TLS 1.1 handshake"},
		{"accepts TLS 1.0 only", tlsOrigin("", "TLS 1.0"), "TLS 1.0 handshake"},
		{"version not recorded", func() *crawler.Origin { o := tlsOrigin("TLS 1.2", "x"); o.LegacyVersion = ""; return o }(), "TLS 1.0 or 1.1"},
		{"modern only", tlsOrigin("TLS 1.3", ""), ""},
		{"not probed", func() *crawler.Origin { o := tlsOrigin("TLS 1.3", "TLS 1.0"); o.Probed = false; return o }(), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := runOriginRule(t, tlsLegacy(), tc.origin, nil)
			f, ok := wantOne(t, fs, tc.contains != "")
			if ok && (f.Severity != Warning || !strings.Contains(f.Message, tc.contains)) {
				t.Errorf("finding %+v, want a warning containing %q", f, tc.contains)
			}
		})
	}
}
