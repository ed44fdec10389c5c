package sitetest

import (
	"crypto/tls"
	"net/http"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/internal/sitetest/testnet"
	"github.com/padlock-scan/padlock/scan"
)

// Hosts is a set of host names served by one TLS server (TLS 1.2 to 1.3), each with a valid
// certificate of its own from CA, reached through Guard.
type Hosts struct {
	Names []string
	Port  string
	CA    *testnet.CA
	Guard *testnet.Guard // fails the test if the crawl tries to leave loopback
}

// StartHosts serves h on names until the test ends.
func StartHosts(t testing.TB, h http.Handler, names ...string) *Hosts {
	t.Helper()
	ca := testnet.NewCA(t, "padlock test root CA")
	var certs []tls.Certificate // the server picks one by SNI
	for _, n := range names {
		certs = append(certs, ca.ValidLeaf(t, n))
	}
	srv := testnet.TLSServer(t, h, certs...)
	return &Hosts{Names: names, Port: testnet.Port(srv), CA: ca, Guard: testnet.NewGuard(t)}
}

// Origin returns https://host:port.
func (h *Hosts) Origin(host string) string { return "https://" + host + ":" + h.Port }

// Options crawls from the URLs starts (on h or elsewhere) with CAOptions; every name of h is
// resolved to loopback, and resolve adds more entries.
func (h *Hosts) Options(starts []string, resolve ...string) scan.Options {
	return CAOptions(h.CA, h.Guard, starts, append(testnet.Resolve(h.Port, h.Names...), resolve...))
}

// CAOptions is Options for servers with certificates from ca: up to 50 pages, the report's
// clock fixed at Clock, certificates judged at ca.Now.
func CAOptions(ca *testnet.CA, guard *testnet.Guard, starts, resolve []string) scan.Options {
	opt := Options(starts, resolve, ca.Pool, guard)
	opt.Crawl.MaxPages = 50
	opt.Now = func() time.Time { return Clock }
	opt.Rules.Now = ca.Now
	return opt
}
