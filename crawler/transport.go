package crawler

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// transport is the innermost layer of the fetcher (fetch.go): the one http.RoundTripper behind
// every request padlock makes. It dials through the network guard and --resolve (guard.go),
// verifies each host's certificate chain itself (--insecure lets the site's own hosts through,
// recording the problem), bounds the requests in flight of every kind to Config.Concurrency,
// counts them, and records the TLS state first negotiated with each origin. The TLS probes
// (origins.go) shake hands through the same dialer and take the same request slots.
type transport struct {
	base     *http.Transport
	sem      chan struct{}
	requests atomic.Int64
	tlsInfo  sync.Map // origin -> *TLSInfo (first handshake seen)
	roots    *x509.CertPool
	verified func(host string, chain []*x509.Certificate) // Config.VerifiedChain
	verify   sync.Map                                     // host -> verification error string (with --insecure)
	dial     func(ctx context.Context, network, addr string) (net.Conn, error)
	// insecureOK says whether a host's invalid certificate is tolerated (--insecure, own hosts).
	insecureOK func(host string) bool
	// allowLocal lets connections reach non-public addresses: set when the site itself is on
	// one (see guard.go).
	allowLocal atomic.Bool
}

func newTransport(cfg *Config) *transport {
	t := &transport{sem: make(chan struct{}, cfg.Concurrency), roots: cfg.RootCAs, verified: cfg.VerifiedChain}
	t.insecureOK = func(host string) bool {
		return cfg.Insecure && cfg.InScope(&url.URL{Scheme: "https", Host: host})
	}
	t.dial = guardedDialer(cfg, t.allowLocal.Load)
	t.base = &http.Transport{
		Proxy:                 nil, // a crawler of someone's site goes straight to it; --resolve covers previews
		DialContext:           t.dial,
		DialTLSContext:        t.dialTLS,
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
		MaxIdleConns:          4 * cfg.Concurrency,
		MaxIdleConnsPerHost:   cfg.Concurrency,
		IdleConnTimeout:       30 * time.Second,
		ForceAttemptHTTP2:     false,
	}
	return t
}

// handshake dials addr through the guard and completes a TLS handshake with conf.
func (t *transport) handshake(ctx context.Context, network, addr string, conf *tls.Config) (*tls.Conn, error) {
	raw, err := t.dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	c := tls.Client(raw, conf)
	if err := c.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, err
	}
	return c, nil
}

// dialTLS connects and shakes hands itself, so the chain is verified for the host name (or IP)
// of the URL exactly as crypto/tls does by default, while --insecure can let the site's own
// hosts through (recording the problem) and nobody else.
func (t *transport) dialTLS(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	return t.handshake(ctx, network, addr, &tls.Config{
		ServerName:         host,
		RootCAs:            t.roots,
		InsecureSkipVerify: true, //nolint:gosec // verified in VerifyConnection below
		VerifyConnection:   func(cs tls.ConnectionState) error { return t.verifyChain(host, cs) },
	})
}

// verifyChain verifies the server's chain for host. With --insecure a failure on the site's own
// hosts is recorded and tolerated; elsewhere it fails the connection.
func (t *transport) verifyChain(host string, cs tls.ConnectionState) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("tls: server sent no certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{DNSName: host, Roots: t.roots, Intermediates: inter})
	if err == nil {
		if t.verified != nil {
			t.verified(host, cs.PeerCertificates)
		}
		return nil
	}
	if t.insecureOK(host) {
		t.verify.LoadOrStore(strings.ToLower(host), err.Error())
		return nil
	}
	return &tls.CertificateVerificationError{UnverifiedCertificates: cs.PeerCertificates, Err: err}
}

// acquire takes a request slot for work that is not an http.Request (TLS probes).
func (t *transport) acquire(ctx context.Context) error {
	select {
	case t.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (t *transport) release() { <-t.sem }

// RoundTrip makes one request in a request slot; the slot is given back when the body has been
// read to its end or closed.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.acquire(req.Context()); err != nil {
		return nil, err
	}
	t.requests.Add(1)
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		t.release()
		return nil, err
	}
	if resp.TLS != nil {
		if orig := origin(req.URL); t.tlsFor(orig) == nil {
			t.tlsInfo.LoadOrStore(orig, t.describe(req.URL.Hostname(), resp.TLS))
		}
	}
	resp.Body = &releasingBody{ReadCloser: resp.Body, release: t.release}
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

// tlsFor returns the TLS state first negotiated with an origin (as origin() writes it), nil for
// an origin not reached over https.
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

// bodyPool recycles response body buffers: pages, stylesheets, scripts, robots.txt and sitemaps
// are each read whole, once, and dropped when done with.
var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readBody reads at most limit bytes of a response's body, decoded, into a pooled buffer;
// releaseBody gives it back. The limit applies after decoding: a few megabytes of gzip can
// inflate to gigabytes. net/http decodes the gzip it asked for; an x-gzip (or gzip it did not
// ask for) is decoded here, as browsers do. Nothing else decodes a body: colly is handed none.
func readBody(resp *http.Response, limit int64) (*bytes.Buffer, error) {
	r := io.Reader(resp.Body)
	if enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); !resp.Uncompressed && (enc == "gzip" || enc == "x-gzip") {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		r = zr
	}
	buf := bodyPool.Get().(*bytes.Buffer)
	buf.Reset()
	b := buf.AvailableBuffer() // the pooled array, empty
	own := false               // b is an array of its own, not the pooled one
	if n := resp.ContentLength; n > int64(cap(b)) && r == resp.Body {
		b, own = make([]byte, 0, min(n, limit)), true // the length announced, up to the limit: sized once
	}
	lr := io.LimitReader(r, limit)
	for {
		if len(b) == cap(b) {
			// Doubling, but never past the limit (bytes.Buffer would double past it, and a
			// 10 MB page read by doubling held 24 MB at once).
			grown := make([]byte, len(b), min(int64(max(2*cap(b), 4<<10)), limit))
			copy(grown, b)
			b, own = grown, true
		}
		n, err := lr.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			bodyPool.Put(buf)
			return nil, err
		}
	}
	if own {
		bodyPool.Put(buf) // read into an array of its own
		return bytes.NewBuffer(b), nil
	}
	buf.Write(b) // b is the pooled array itself: no copy
	return buf, nil
}

// drainLimit is how much of a body padlock does not need is read before closing, so that the
// connection can serve another request; a longer one is closed unread.
const drainLimit = 4 << 10

// discardBody reads a little of a body padlock does not need and closes it (giving the request
// slot back).
func discardBody(body io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, body, drainLimit)
	body.Close()
}

// releaseBody gives a body buffer back to the pool (large ones are left to the collector); the
// bytes must not be used after.
func releaseBody(buf *bytes.Buffer) {
	if buf != nil && buf.Cap() <= 1<<20 {
		bodyPool.Put(buf)
	}
}
