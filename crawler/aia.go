package crawler

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"time"
)

// maxIssuerBytes bounds a certificate fetched from an AIA URL (a DER certificate is a few KB).
const maxIssuerBytes = 64 << 10

// fetchIssuer completes a chain the server sent without its intermediate (judgeChain's
// incomplete-chain) from the Authority Information Access URL of the last certificate sent, as
// Chrome and Safari do and Firefox (on a first visit), curl and Go do not. It returns the URL
// and what came of it: "" when the chain then verifies, else why not. The request goes through
// the crawl's fetch path like any other, so the network guard applies to a URL the site chose.
func (cr *crawl) fetchIssuer(ctx context.Context, chain []*x509.Certificate, host string, now time.Time) (aiaURL, problem string) {
	last := chain[len(chain)-1]
	if len(last.IssuingCertificateURL) == 0 {
		return "", "no AIA URL"
	}
	aiaURL = last.IssuingCertificateURL[0]
	u, err := url.Parse(aiaURL)
	if err != nil || !webURL(u) {
		return aiaURL, "not an http(s) URL"
	}
	r := cr.getSmall(ctx, u, maxIssuerBytes, true)
	defer r.release()
	if err := r.failure(); err != nil {
		return aiaURL, describeErr(err, cr.cfg.Timeout)
	}
	if r.status != 200 {
		return aiaURL, fmt.Sprintf("HTTP %d", r.status)
	}
	issuer, err := parseIssuer(r.bytes())
	if err != nil {
		return aiaURL, err.Error()
	}
	inter := x509.NewCertPool()
	for _, c := range append(chain[1:], issuer) {
		inter.AddCert(c)
	}
	if _, err := chain[0].Verify(x509.VerifyOptions{DNSName: host, Roots: cr.cfg.RootCAs, Intermediates: inter, CurrentTime: now}); err != nil {
		return aiaURL, "the certificate it serves does not complete the chain: " + err.Error()
	}
	return aiaURL, ""
}

// parseIssuer reads the certificate an AIA URL serves: DER (RFC 5280 §4.2.2.1) or, as some CAs
// serve it, PEM.
func parseIssuer(b []byte) (*x509.Certificate, error) {
	if blk, _ := pem.Decode(b); blk != nil && blk.Type == "CERTIFICATE" {
		b = blk.Bytes
	}
	c, err := x509.ParseCertificate(b)
	if err != nil {
		return nil, errors.New("it serves no certificate")
	}
	return c, nil
}

// weakSignature names the first signature algorithm browsers reject (SHA-1, MD5, MD2) among
// the certificates the server sent, "" when there is none. A root's own self-signature is not
// checked by anyone and does not count.
func weakSignature(chain []*x509.Certificate) string {
	if i := weakSigned(chain); i >= 0 {
		return chain[i].SignatureAlgorithm.String()
	}
	return ""
}

// weakSigned is the index in chain of the certificate weakSignature names, -1 when none.
func weakSigned(chain []*x509.Certificate) int {
	for i, c := range chain {
		if selfIssued(c) {
			continue
		}
		switch c.SignatureAlgorithm {
		case x509.SHA1WithRSA, x509.DSAWithSHA1, x509.ECDSAWithSHA1, x509.MD5WithRSA, x509.MD2WithRSA:
			return i
		}
	}
	return -1
}
