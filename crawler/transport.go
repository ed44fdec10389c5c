package crawler

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// transport is the one http.RoundTripper behind every request padlock makes. It bounds the
// number of requests in flight (pages, stylesheets, sub-resource checks, robots.txt, sitemaps)
// to Config.Concurrency, applies --resolve, and records the TLS state of every origin.
type transport struct {
	base     *http.Transport
	sem      chan struct{}
	requests atomic.Int64
	tlsInfo  sync.Map // origin -> *TLSInfo (first handshake seen)
	insecure bool
	roots    *x509.CertPool
	verify   sync.Map // host -> verification error string (with --insecure)
}

func newTransport(cfg *Config) *transport {
	t := &transport{sem: make(chan struct{}, cfg.Concurrency), insecure: cfg.Insecure, roots: cfg.RootCAs}
	dialer := &net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}
	dial := dialer.DialContext
	if cfg.DialContext != nil {
		dial = cfg.DialContext
	}
	resolver := cfg.resolver
	t.base = &http.Transport{
		Proxy: nil, // a crawler of someone's site goes straight to it; --resolve covers previews
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return dial(ctx, network, resolveAddr(resolver, addr))
		},
		TLSClientConfig:       &tls.Config{RootCAs: cfg.RootCAs, InsecureSkipVerify: cfg.Insecure}, //nolint:gosec // only with --insecure, and every chain is still verified and recorded below
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
		MaxIdleConns:          4 * cfg.Concurrency,
		MaxIdleConnsPerHost:   cfg.Concurrency,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     false,
	}
	if cfg.Insecure {
		t.base.TLSClientConfig.VerifyConnection = t.verifyConnection
	}
	return t
}

// verifyConnection records, with --insecure, why a chain would have been refused.
func (t *transport) verifyConnection(cs tls.ConnectionState) error {
	if len(cs.PeerCertificates) == 0 {
		return nil
	}
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{DNSName: cs.ServerName, Roots: t.roots, Intermediates: inter})
	if err != nil {
		t.verify.LoadOrStore(strings.ToLower(cs.ServerName), err.Error())
	}
	return nil
}

// resolveAddr applies --resolve: an exact host:port entry wins over *:port.
func resolveAddr(table map[string]string, addr string) string {
	if len(table) == 0 {
		return addr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if ip, ok := table[net.JoinHostPort(strings.ToLower(host), port)]; ok {
		return net.JoinHostPort(ip, port)
	}
	if ip, ok := table[net.JoinHostPort("*", port)]; ok {
		return net.JoinHostPort(ip, port)
	}
	return addr
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	select {
	case t.sem <- struct{}{}:
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
	t.requests.Add(1)
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		<-t.sem
		return nil, err
	}
	if resp.TLS != nil {
		if _, ok := t.tlsInfo.Load(origin(req.URL)); !ok {
			t.tlsInfo.LoadOrStore(origin(req.URL), t.describe(req.URL.Hostname(), resp.TLS))
		}
	}
	resp.Body = &releasingBody{ReadCloser: resp.Body, release: func() { <-t.sem }}
	return resp, nil
}

func (t *transport) describe(host string, cs *tls.ConnectionState) *TLSInfo {
	info := &TLSInfo{
		Version:    tls.VersionName(cs.Version),
		Cipher:     tls.CipherSuiteName(cs.CipherSuite),
		ServerName: cs.ServerName,
	}
	if len(cs.PeerCertificates) > 0 {
		leaf := cs.PeerCertificates[0]
		info.Subject = leaf.Subject.String()
		info.Issuer = leaf.Issuer.String()
		info.NotBefore = leaf.NotBefore.UTC()
		info.NotAfter = leaf.NotAfter.UTC()
		info.DNSNames = leaf.DNSNames
	}
	if e, ok := t.verify.Load(strings.ToLower(host)); ok {
		info.VerifyError = e.(string)
	}
	return info
}

// TLSFor returns the TLS state first negotiated with the origin of u (nil for http or unseen).
func (t *transport) tlsFor(orig string) *TLSInfo {
	if v, ok := t.tlsInfo.Load(orig); ok {
		return v.(*TLSInfo)
	}
	return nil
}

// releasingBody gives the request slot back exactly once, at EOF or Close.
type releasingBody struct {
	io.ReadCloser
	once    sync.Once
	release func()
}

func (b *releasingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.once.Do(b.release)
	}
	return n, err
}

func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.release)
	return err
}
