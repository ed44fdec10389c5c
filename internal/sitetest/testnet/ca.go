package testnet

import (
	"crypto/tls"
	"crypto/x509"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/internal/certs"
)

// CA issues certificates for a test. Pool trusts its root (for crawler.Config.RootCAs).
type CA struct {
	Cert *x509.Certificate
	Pool *x509.CertPool
	// Now is the time the CA was made, truncated to the second: certificates are issued
	// around it, and tests judge them at it.
	Now time.Time
	ca  *certs.CA
}

// NewCA makes a root CA valid from two days before now for a year.
func NewCA(t testing.TB, name string) *CA {
	t.Helper()
	now := time.Now().Truncate(time.Second)
	ca, err := certs.NewCA(name, now.Add(-48*time.Hour), now.Add(365*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return &CA{Cert: ca.Cert, Pool: ca.Pool, Now: now, ca: ca}
}

// Intermediate issues a CA certificate signed by ca; what it issues is trusted through ca's
// pool once the intermediate is sent (see ChainLeaf).
func (ca *CA) Intermediate(t testing.TB, name string) *CA {
	t.Helper()
	in, err := ca.ca.Intermediate(name)
	if err != nil {
		t.Fatal(err)
	}
	return &CA{Cert: in.Cert, Pool: in.Pool, Now: ca.Now, ca: in}
}

// Leaf issues a server certificate for names (host names or IP addresses) valid from
// notBefore to notAfter.
func (ca *CA) Leaf(t testing.TB, names []string, notBefore, notAfter time.Time) tls.Certificate {
	t.Helper()
	return ca.leaf(t, names, notBefore, notAfter, certs.LeafOptions{})
}

// ValidLeaf issues a server certificate for names valid from an hour before ca.Now for 200 days.
func (ca *CA) ValidLeaf(t testing.TB, names ...string) tls.Certificate {
	t.Helper()
	return ca.Leaf(t, names, ca.Now.Add(-time.Hour), ca.Now.Add(200*24*time.Hour))
}

// ChainLeaf issues a server certificate from an intermediate ca that names its issuer by URL
// (Authority Information Access: what lets a verifier call a chain without the intermediate
// "incomplete" rather than "untrusted"). The URL is a loopback port nothing listens on, so
// fetching it fails without leaving the machine. With sendIntermediate the server sends ca's
// certificate after the leaf, which completes the chain.
func (ca *CA) ChainLeaf(t testing.TB, names []string, notBefore, notAfter time.Time, sendIntermediate bool) tls.Certificate {
	t.Helper()
	opt := certs.LeafOptions{IssuerURL: "http://127.0.0.1:1/intermediate.crt"}
	if sendIntermediate {
		opt.Chain = []*x509.Certificate{ca.Cert}
	}
	return ca.leaf(t, names, notBefore, notAfter, opt)
}

// ChainLeafAIA is ChainLeaf without the intermediate, naming issuerURL as where to fetch it.
func (ca *CA) ChainLeafAIA(t testing.TB, names []string, notBefore, notAfter time.Time, issuerURL string) tls.Certificate {
	t.Helper()
	return ca.leaf(t, names, notBefore, notAfter, certs.LeafOptions{IssuerURL: issuerURL})
}

func (ca *CA) leaf(t testing.TB, names []string, notBefore, notAfter time.Time, opt certs.LeafOptions) tls.Certificate {
	t.Helper()
	c, err := ca.ca.Leaf(names, notBefore, notAfter, opt)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
