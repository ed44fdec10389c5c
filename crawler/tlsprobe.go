package crawler

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
)

// The probe set of one HTTPS origin, cached for the crawl (origins.go calls probe once per
// origin): at most four handshakes, each in a request slot like any other request.
//
//  1. TLS 1.2-1.3 with Go's default suites, what a browser offers: the version, the suite, the
//     certificate (judged separately) and OCSP stapling. Whether TLS 1.3 is spoken comes from
//     here: a server that speaks it picks it when offered.
//  2. TLS 1.0-1.1 only, with every suite Go still has: the legacy versions (tls-legacy).
//  3. TLS 1.0-1.2 offering only weak suites (RC4, 3DES; Go has no NULL or export suites left to
//     offer): tls-weak-cipher. A server that accepts only such suites fails handshake 1 and
//     speaks TLS 1.2 here, which is not a version problem.
//  4. TLS 1.0-1.2 offering only static-RSA suites that are not weak: tls-no-forward-secrecy.
//
// An origin that cannot be reached at all (the dial fails) gets the first handshake only.

// weakCipherSuite reports whether a suite is one browsers and PCI DSS reject: RC4, 3DES or
// DES, NULL encryption, export grade, or otherwise under 128 bits.
func weakCipherSuite(name string) bool {
	for _, w := range []string{"_RC4_", "_3DES_", "_DES_", "_DES40_", "_NULL_", "_EXPORT", "_anon_"} {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

// staticRSASuite reports whether a TLS 1.0-1.2 suite uses static RSA key exchange: the server's
// key decrypts every recorded session, there is no forward secrecy.
func staticRSASuite(name string) bool { return strings.HasPrefix(name, "TLS_RSA_WITH_") }

// probeSuites are the suites handshakes 3 (weak) and 4 (static RSA, not weak) offer, and
// legacySuites every suite Go has for TLS 1.0-1.1 (old servers often offer only RSA key
// exchange or CBC suites, which Go leaves out by default).
var probeWeakSuites, probeStaticRSASuites, legacySuites = func() (weak, static, legacy []uint16) {
	for _, s := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		pre13 := false
		for _, v := range s.SupportedVersions {
			if v <= tls.VersionTLS11 {
				legacy = append(legacy, s.ID)
				break
			}
		}
		for _, v := range s.SupportedVersions {
			pre13 = pre13 || v <= tls.VersionTLS12
		}
		switch {
		case !pre13:
		case weakCipherSuite(s.Name):
			weak = append(weak, s.ID)
		case staticRSASuite(s.Name):
			static = append(static, s.ID)
		}
	}
	return weak, static, legacy
}()

// probeSuites makes handshakes 3 and 4 and records what they got.
func (cr *crawl) probeSuites(ctx context.Context, addr, host string, o *Origin) {
	if cs, err := cr.handshake(ctx, addr, host, tls.VersionTLS10, tls.VersionTLS12, probeWeakSuites); err == nil {
		o.WeakCipher, o.WeakVersion = tls.CipherSuiteName(cs.CipherSuite), tls.VersionName(cs.Version)
	}
	if cs, err := cr.handshake(ctx, addr, host, tls.VersionTLS10, tls.VersionTLS12, probeStaticRSASuites); err == nil {
		o.StaticRSACipher, o.StaticRSAVersion = tls.CipherSuiteName(cs.CipherSuite), tls.VersionName(cs.Version)
	}
	o.Handshakes += 2
}

// dialFailed reports whether a handshake failed before any TLS was spoken (nothing listens,
// the network guard refused the address, the name does not resolve): the other probes would
// fail the same way.
func dialFailed(err error) bool {
	var op *net.OpError
	var dns *net.DNSError
	return errors.As(err, &op) && op.Op == "dial" || errors.As(err, &dns) || errors.Is(err, ErrLocalAddress)
}

// describeKeys sets Key from the leaf, and WeakKey from the first certificate sent whose key is
// under 2048 bits (RSA) or 256 bits (EC). A root sent along is left out, as SSL Labs does: it is
// trusted for being in the store, and a client does not use the copy the server sends.
func describeKeys(chain []*x509.Certificate, o *Origin) {
	o.Key, _ = publicKey(chain[0])
	for i, c := range chain {
		if i > 0 && selfIssued(c) {
			continue
		}
		desc, bits := publicKey(c)
		weak := false
		switch c.PublicKey.(type) {
		case *rsa.PublicKey:
			weak = bits < 2048
		case *ecdsa.PublicKey:
			weak = bits < 256
		}
		if weak {
			o.WeakKey, o.WeakKeyBits = desc+" ("+certRole(i)+" "+c.Subject.String()+")", bits
			return
		}
	}
}

// publicKey describes a certificate's key ("RSA 2048 bits", "ECDSA P-256") and gives its size.
func publicKey(c *x509.Certificate) (string, int) {
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("RSA %d bits", k.N.BitLen()), k.N.BitLen()
	case *ecdsa.PublicKey:
		return "ECDSA " + k.Curve.Params().Name, k.Curve.Params().BitSize
	case ed25519.PublicKey:
		return "Ed25519", 256
	}
	return c.PublicKeyAlgorithm.String(), 0
}

// certRole names a certificate's place in the chain the server sent.
func certRole(i int) string {
	if i == 0 {
		return "the leaf"
	}
	return "the intermediate"
}

// selfIssued reports whether a certificate names itself as its issuer (a root).
func selfIssued(c *x509.Certificate) bool { return c.Subject.String() == c.Issuer.String() }
