package crawler

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
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
	roots    *x509.CertPool
	verify   sync.Map // host -> verification error string (with --insecure)
	dial     func(ctx context.Context, network, addr string) (net.Conn, error)
	// insecureOK says whether a host's invalid certificate is tolerated (--insecure, own hosts).
	insecureOK func(host string) bool
	captures   sync.Map // capture id -> *fetchState, for page requests in flight
	maxBody    int64
	// allowLocal lets connections reach non-public addresses: set when the site itself is on
	// one (see guard.go).
	allowLocal atomic.Bool
}

func newTransport(cfg *Config) *transport {
	t := &transport{sem: make(chan struct{}, cfg.Concurrency), roots: cfg.RootCAs, maxBody: cfg.MaxBody}
	t.insecureOK = func(host string) bool {
		return cfg.Insecure && cfg.InScope(&url.URL{Scheme: "https", Host: host})
	}
	dialer := &net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second, Control: guardControl(t.allowLocal.Load)}
	dial := dialer.DialContext
	if cfg.DialContext != nil {
		dial = cfg.DialContext
	}
	resolver := cfg.resolver
	t.dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		addr = resolveAddr(resolver, addr)
		// The Control hook checks what the system dialer connects to; a replaced dialer (tests)
		// gets the same check on address literals here.
		if host, _, err := net.SplitHostPort(addr); err == nil {
			if a, err := netip.ParseAddr(host); err == nil && refused(a, t.allowLocal.Load()) {
				return nil, &net.OpError{Op: "dial", Net: network, Err: fmt.Errorf("%w (%s)", ErrLocalAddress, a)}
			}
		}
		return dial(ctx, network, addr)
	}
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

// dialTLS connects and shakes hands itself, so the chain is verified for the host name (or IP)
// of the URL exactly as crypto/tls does by default, while --insecure can let the site's own
// hosts through (recording the problem) and nobody else.
func (t *transport) dialTLS(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	raw, err := t.dial(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	conf := &tls.Config{
		ServerName:         host,
		RootCAs:            t.roots,
		InsecureSkipVerify: true, //nolint:gosec // verified in VerifyConnection below
		VerifyConnection:   func(cs tls.ConnectionState) error { return t.verifyChain(host, cs) },
	}
	c := tls.Client(raw, conf)
	if err := c.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, err
	}
	return c, nil
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
	st := t.captureFor(req)
	if st != nil || req.Header.Get(captureHeader) != "" {
		// The marker is for padlock only: the request that leaves carries a header copy
		// without it (a RoundTripper must not change the caller's request).
		r2 := *req
		r2.Header = req.Header.Clone()
		r2.Header.Del(captureHeader)
		req = &r2
	}
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
	if st != nil && isHTMLOrUntyped(resp.Header.Get("Content-Type")) {
		// A page body is read here, once, into a pooled buffer the extractor hands back;
		// colly then reads an empty body instead of growing a copy of its own.
		err := st.capture(resp.Body, t.maxBody+1)
		if err == nil {
			// A request cancelled (timeout, Ctrl-C) while its body is read can end in a clean
			// EOF when the server closes at the same moment: the page is not whole.
			err = req.Context().Err()
		}
		resp.Body.Close()
		<-t.sem
		if err != nil {
			return nil, err
		}
		resp.Body = http.NoBody
		resp.ContentLength = 0
		return resp, nil
	}
	resp.Body = &releasingBody{ReadCloser: resp.Body, release: func() { <-t.sem }}
	return resp, nil
}

// captureHeader marks a page request whose body the transport reads itself; it is removed
// before the request leaves padlock.
const captureHeader = "X-Padlock-Capture"

// captureFor returns the fetch state a page request asked to capture its body into.
func (t *transport) captureFor(req *http.Request) *fetchState {
	id := req.Header.Get(captureHeader)
	if id == "" {
		return nil
	}
	v, ok := t.captures.Load(id)
	if !ok {
		return nil
	}
	return v.(*fetchState)
}

// bodyPool recycles page body buffers: pages are read whole, one per worker at a time.
var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// capture reads a page body, at most limit bytes, into a pooled buffer.
func (st *fetchState) capture(r io.Reader, limit int64) error {
	buf := bodyPool.Get().(*bytes.Buffer)
	buf.Reset()
	_, err := buf.ReadFrom(io.LimitReader(r, limit))
	if err != nil {
		bodyPool.Put(buf)
		return err
	}
	st.buf, st.body, st.captured = buf, buf.Bytes(), true
	return nil
}

// release gives the page body's buffer back to the pool; the body must not be used after.
func (st *fetchState) release() {
	if st.buf != nil && st.buf.Cap() <= 1<<20 {
		bodyPool.Put(st.buf)
	}
	st.buf, st.body = nil, nil
}

// isHTMLOrUntyped reports whether a response may be a page padlock parses.
func isHTMLOrUntyped(ct string) bool { return ct == "" || isHTML(ct) }

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
