package certs

import (
	"crypto/x509"
	"testing"
	"time"
)

func TestChainsVerify(t *testing.T) {
	t.Parallel()
	now := time.Now()
	root, err := NewCA("root", now.Add(-time.Hour), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	inter, err := root.Intermediate("inter")
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := inter.Leaf([]string{"shop.test", "127.0.0.1"}, now.Add(-time.Hour), now.Add(time.Hour), LeafOptions{Chain: []*x509.Certificate{inter.Cert}})
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(inter.Cert)
	for _, name := range []string{"shop.test", "127.0.0.1"} {
		if _, err := leaf.Leaf.Verify(x509.VerifyOptions{DNSName: name, Roots: root.Pool, Intermediates: pool}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := leaf.Leaf.Verify(x509.VerifyOptions{DNSName: "shop.test", Roots: root.Pool}); err == nil {
		t.Error("without the intermediate the chain must not verify")
	}
	if len(leaf.Certificate) != 2 || len(root.PEM()) == 0 {
		t.Error("chain or PEM missing")
	}
}
