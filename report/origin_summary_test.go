package report

import (
	"slices"
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/crawler"
)

// TestGradeTLS is padlock's grading table (README "TLS grades"): each row one origin and the
// grade with every reason.
func TestGradeTLS(t *testing.T) {
	t.Parallel()
	year := []crawler.HSTSSeen{{Header: "max-age=31536000", Pages: []string{"https://s/"}}}
	base := func(set func(o *crawler.Origin)) *crawler.Origin {
		o := &crawler.Origin{Origin: "https://s", Probed: true, Version: "TLS 1.3", Cipher: "TLS_AES_128_GCM_SHA256",
			Key: "ECDSA P-256", Handshakes: 4}
		if set != nil {
			set(o)
		}
		return o
	}
	tests := []struct {
		name    string
		origin  *crawler.Origin
		grade   string
		reasons []string
	}{
		{"TLS 1.3, HSTS a year on every page", base(func(o *crawler.Origin) { o.HSTS = year }), "A+", nil},
		{"TLS 1.3, no page fetched", base(nil), "A", nil},
		{"TLS 1.3, HSTS a day", base(func(o *crawler.Origin) { o.HSTS = []crawler.HSTSSeen{{Header: "max-age=86400"}} }), "A", nil},
		{"TLS 1.3, HSTS on some pages only", base(func(o *crawler.Origin) { o.HSTS = append(year, crawler.HSTSSeen{Header: ""}) }), "A", nil},
		{"TLS 1.2 only", base(func(o *crawler.Origin) { o.Version, o.HSTS = "TLS 1.2", year }), "A-", []string{"capped at A-: no TLS 1.3"}},
		{"accepts TLS 1.0", base(func(o *crawler.Origin) { o.LegacyTLS, o.LegacyVersion, o.HSTS = true, "TLS 1.0", year }), "B",
			[]string{"capped at B: accepts TLS 1.0"}},
		{"static RSA", base(func(o *crawler.Origin) {
			o.StaticRSACipher, o.StaticRSAVersion = "TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS 1.2"
		}), "B",
			[]string{"capped at B: no forward secrecy (TLS_RSA_WITH_AES_128_GCM_SHA256)"}},
		{"3DES, TLS 1.2, TLS 1.0", base(func(o *crawler.Origin) {
			o.Version, o.LegacyTLS, o.LegacyVersion = "TLS 1.2", true, "TLS 1.0"
			o.WeakCipher, o.WeakVersion = "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS 1.2"
		}), "C", []string{"capped at C: 3DES (TLS_RSA_WITH_3DES_EDE_CBC_SHA)", "capped at B: accepts TLS 1.0", "capped at A-: no TLS 1.3"}},
		{"RC4 only", base(func(o *crawler.Origin) {
			o.Version, o.Cipher = "", ""
			o.WeakCipher, o.WeakVersion = "TLS_RSA_WITH_RC4_128_SHA", "TLS 1.2"
		}), "F", []string{"F: accepts no suite browsers offer", "F: RC4 (TLS_RSA_WITH_RC4_128_SHA)", "capped at A-: no TLS 1.3"}},
		{"TLS 1.0 only", base(func(o *crawler.Origin) { o.Version, o.Cipher, o.LegacyTLS, o.LegacyVersion = "", "", true, "TLS 1.0" }), "F",
			[]string{"F: no TLS 1.2 or 1.3", "capped at B: accepts TLS 1.0", "capped at A-: no TLS 1.3"}},
		{"expired", base(func(o *crawler.Origin) { o.CertProblem = "expired" }), "F", []string{"F: certificate expired"}},
		{"not yet valid", base(func(o *crawler.Origin) { o.CertProblem = "not-yet-valid" }), "F", []string{"F: certificate not yet valid"}},
		{"other host", base(func(o *crawler.Origin) { o.CertProblem = "wrong-host" }), "F", []string{"F: certificate for another host"}},
		{"SHA-1 intermediate", base(func(o *crawler.Origin) { o.CertProblem, o.WeakSignature = "untrusted", "ECDSA-SHA1" }), "F",
			[]string{"F: certificate signed with ECDSA-SHA1"}},
		{"private CA", base(func(o *crawler.Origin) { o.CertProblem = "untrusted" }), "F", []string{"F: certificate not trusted"}},
		{"chain completed by AIA", base(func(o *crawler.Origin) { o.CertProblem, o.AIAURL = "incomplete-chain", "http://ca/i.crt" }), "B",
			[]string{"capped at B: incomplete chain, completed only by fetching the intermediate from its AIA URL"}},
		{"chain AIA cannot complete", base(func(o *crawler.Origin) {
			o.CertProblem, o.AIAURL, o.AIAProblem = "incomplete-chain", "http://ca/i.crt", "HTTP 404"
		}), "F", []string{"F: incomplete chain"}},
		{"RSA 1024", base(func(o *crawler.Origin) { o.WeakKey, o.WeakKeyBits = "RSA 1024 bits (the leaf CN=s)", 1024 }), "B",
			[]string{"capped at B: key RSA 1024 bits (the leaf CN=s)"}},
		{"RSA 512", base(func(o *crawler.Origin) { o.WeakKey, o.WeakKeyBits = "RSA 512 bits (the leaf CN=s)", 512 }), "F",
			[]string{"F: key RSA 512 bits (the leaf CN=s)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := SummarizeTLS(tc.origin)
			if s == nil {
				t.Fatal("no summary")
			}
			if s.Grade != tc.grade || !slices.Equal(s.Reasons, tc.reasons) {
				t.Errorf("grade %s %q, want %s %q", s.Grade, s.Reasons, tc.grade, tc.reasons)
			}
		})
	}
}

func TestSummarizeTLS(t *testing.T) {
	t.Parallel()
	if s := SummarizeTLS(&crawler.Origin{Origin: "https://s", Probed: true, ProbeErr: "refused", Handshakes: 1}); s != nil {
		t.Errorf("an unreachable origin has no summary: %+v", s)
	}
	if s := SummarizeTLS(&crawler.Origin{Origin: "http://hooks", Endpoint: true}); s != nil {
		t.Errorf("an http: endpoint has no summary: %+v", s)
	}
	s := SummarizeTLS(&crawler.Origin{Origin: "https://s", Probed: true, Version: "TLS 1.3", Cipher: "TLS_AES_128_GCM_SHA256",
		LegacyTLS: true, LegacyVersion: "TLS 1.1", StaticRSACipher: "TLS_RSA_WITH_AES_128_CBC_SHA", StaticRSAVersion: "TLS 1.2",
		Key: "RSA 2048 bits", OCSPStapled: true, Handshakes: 4})
	if got := strings.Join(s.Versions, ","); got != "TLS 1.3,TLS 1.2,TLS 1.1" {
		t.Errorf("versions %s", got)
	}
	if got := strings.Join(s.Suites, ","); got != "TLS_AES_128_GCM_SHA256,TLS_RSA_WITH_AES_128_CBC_SHA" {
		t.Errorf("suites %s", got)
	}
	if s.Key != "RSA 2048 bits" || !s.OCSPStapled || s.Handshakes != 4 {
		t.Errorf("summary %+v", s)
	}
}
