package crawler

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"testing"
)

func TestWeakSignature(t *testing.T) {
	t.Parallel()
	cert := func(subject, issuer string, alg x509.SignatureAlgorithm) *x509.Certificate {
		return &x509.Certificate{Subject: pkix.Name{CommonName: subject}, Issuer: pkix.Name{CommonName: issuer}, SignatureAlgorithm: alg}
	}
	for _, tc := range []struct {
		name  string
		chain []*x509.Certificate
		want  string
	}{
		{"modern", []*x509.Certificate{cert("leaf", "inter", x509.SHA256WithRSA), cert("inter", "root", x509.ECDSAWithSHA384)}, ""},
		{"SHA-1 intermediate", []*x509.Certificate{cert("leaf", "inter", x509.SHA256WithRSA), cert("inter", "root", x509.SHA1WithRSA)}, "SHA1-RSA"},
		{"SHA-1 leaf", []*x509.Certificate{cert("leaf", "inter", x509.ECDSAWithSHA1)}, "ECDSA-SHA1"},
		{"MD5", []*x509.Certificate{cert("leaf", "inter", x509.MD5WithRSA)}, "MD5-RSA"},
		{"a root's own SHA-1 signature is checked by no one", []*x509.Certificate{cert("leaf", "root", x509.SHA256WithRSA), cert("root", "root", x509.SHA1WithRSA)}, ""},
	} {
		if got := weakSignature(tc.chain); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestParseIssuer(t *testing.T) {
	t.Parallel()
	if _, err := parseIssuer([]byte("<html>not found</html>")); err == nil {
		t.Error("an HTML page parsed as a certificate")
	}
	// PEM of something that is not a certificate is refused too.
	if _, err := parseIssuer(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{0x30, 0x00}})); err == nil {
		t.Error("an empty DER sequence parsed as a certificate")
	}
}
