package crawler

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// origins records every HTTPS origin the crawl requested something from, probes each once (the
// probe set of tlsprobe.go: a handshake at TLS 1.2+ with the certificate judged separately, one
// offering only TLS 1.0-1.1, one only weak suites, one only static-RSA suites), and collects the
// HSTS headers of each origin's pages.
type origins struct {
	cr *crawl
	mu sync.Mutex
	m  map[string]*originState
	wg sync.WaitGroup

	share  bool     // a shared crawl: probes are also kept in fresh until handed on (shared.go)
	fresh  []Origin // probes finished and not handed on yet
	ledger bool     // no probes: their results come from other processes (OriginLedger)

	queue   []probeJob // origins waiting for a probe
	probing int        // probeLoop goroutines running (at most --concurrency)
}

type originState struct {
	o        Origin
	hsts     map[string]*HSTSSeen // first STS value (its class once folded) -> the pages that sent it (the first few, and a count)
	folded   bool                 // hsts is by Config.HSTSClass
	endpoint string               // the endpoint URL that named the origin, if one did
	ready    chan struct{}        // closed when the probe is over
}

// touchPage records the origins a processed page made padlock request: the page itself, its
// redirect hops, and every sub-resource padlock fetched, with their hops.
func (og *origins) touchPage(ctx context.Context, p *Page) {
	// Only URLs actually requested: every hop's source and where the fetch ended. A redirect
	// target that was not followed (off scope, seen, refused) was never contacted.
	page := p.FinalURL
	og.touch(ctx, p.URL, page)
	for _, h := range p.Redirects {
		if h.Via == "http" {
			og.touch(ctx, h.From, page)
		}
	}
	if p.FinalURL != p.URL {
		og.touch(ctx, p.FinalURL, page)
	}
	for i := range p.Resources {
		f := p.Resources[i].Fetch
		if f == nil {
			continue
		}
		og.touch(ctx, p.Resources[i].URL, page)
		for _, h := range f.Redirects {
			og.touch(ctx, h.From, page)
		}
		if f.FinalURL != "" {
			og.touch(ctx, f.FinalURL, page)
		}
	}
	if strings.HasPrefix(page, "https:") && p.Err == "" && p.Header != nil {
		u, err := url.Parse(page)
		if err != nil {
			return
		}
		og.mu.Lock()
		if st := og.m[OriginKey(u)]; st != nil {
			v := p.Header.Get("Strict-Transport-Security") // only the first header counts (RFC 6797 §8.1)
			class := og.cr.cfg.HSTSClass
			if !st.folded && class != nil && len(st.hsts) >= HSTSValues {
				if _, known := st.hsts[v]; !known {
					st.foldHSTS(class) // a new value past the bound: one lookup more, only then
				}
			}
			key := v
			if st.folded {
				key = class(v)
			}
			seen := st.hsts[key]
			if seen == nil {
				seen = &HSTSSeen{}
				st.hsts[key] = seen
			}
			seen.add(v, page, 1)
		}
		og.mu.Unlock()
	}
}

// add counts n pages that sent v, page the first of them by URL: the entry keeps its first
// HSTSExamples pages by URL (bounded however many pages), and its Header is the value its first
// page sent (the same value unless the entry is a class of values).
func (h *HSTSSeen) add(v, page string, n int) {
	h.Count += n
	i, found := slices.BinarySearch(h.Pages, page)
	if found || i >= HSTSExamples {
		return
	}
	if i == 0 {
		h.Header = v
	}
	h.Pages = slices.Insert(h.Pages, i, page)
	if len(h.Pages) > HSTSExamples {
		h.Pages = h.Pages[:HSTSExamples]
	}
}

// foldHSTS turns the origin's entries, one per value, into one per class of value: whatever
// order the pages came in, each class ends with every page of its values counted, its first
// pages by URL, and the value of the first of them.
func (st *originState) foldHSTS(class func(string) string) {
	byClass := map[string]*HSTSSeen{}
	for _, e := range st.hsts {
		c := class(e.Header)
		f := byClass[c]
		if f == nil {
			f = &HSTSSeen{} // its Header: the value of its first page, set by add
			byClass[c] = f
		}
		for i, pg := range e.Pages {
			n := 1
			if i == 0 {
				n = e.NumPages() - len(e.Pages) + 1 // the pages not listed count with the first
			}
			f.add(e.Header, pg, n)
		}
	}
	st.hsts, st.folded = byClass, true
}

// OriginKey is an HTTPS origin as users write it and Origin.Origin spells it: the default port
// left out.
func OriginKey(u *url.URL) string {
	return "https://" + strings.TrimSuffix(strings.ToLower(u.Host), ":443")
}

// firstBefore orders the pages that touched an origin for Origin.FirstPage, under which its
// findings are filed: https: pages first (an http: page that loads from an https: origin says
// nothing about that origin's TLS to a visitor of the secure site), then by URL.
func firstBefore(a, b string) bool {
	if sa, sb := strings.HasPrefix(a, "https:"), strings.HasPrefix(b, "https:"); sa != sb {
		return sa
	}
	return a < b
}

func (og *origins) touch(ctx context.Context, raw, page string) {
	if len(raw) < len("https://") || !strings.EqualFold(raw[:len("https:")], "https:") {
		return // not an https: URL (most often http:): no origin to probe, no need to parse
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return
	}
	key := OriginKey(u)
	og.mu.Lock()
	defer og.mu.Unlock()
	if og.m == nil {
		og.m = map[string]*originState{}
	}
	if st, ok := og.m[key]; ok {
		if firstBefore(page, st.o.FirstPage) {
			st.o.FirstPage = page
		}
		return
	}
	st := &originState{o: Origin{Origin: key, FirstPage: page, InScope: og.cr.cfg.InScope(u)}, hsts: map[string]*HSTSSeen{}, ready: make(chan struct{})}
	og.m[key] = st
	if og.ledger {
		return
	}
	og.wg.Add(1)
	og.queue = append(og.queue, probeJob{ctx: ctx, st: st, u: u, key: key})
	// At most --concurrency goroutines probe: a site that references a hundred thousand hosts
	// queues their probes (a few hundred bytes each) instead of starting a goroutine (8 KB and
	// up) for each. Each handshake takes a request slot too.
	if og.probing < max(og.cr.cfg.Concurrency, 1) {
		og.probing++
		go og.probeLoop()
	}
}

type probeJob struct {
	ctx context.Context
	st  *originState
	u   *url.URL
	key string
}

// probeLoop probes the queued origins until none is left.
func (og *origins) probeLoop() {
	for {
		og.mu.Lock()
		if len(og.queue) == 0 {
			og.probing--
			og.queue = nil // drop the backing array a burst grew
			og.mu.Unlock()
			return
		}
		j := og.queue[0]
		og.queue[0] = probeJob{}
		og.queue = og.queue[1:]
		og.mu.Unlock()
		og.probeOne(j)
	}
}

func (og *origins) probeOne(j probeJob) {
	defer og.wg.Done()
	defer close(j.st.ready)
	res := og.cr.probe(j.ctx, j.u)
	og.mu.Lock()
	defer og.mu.Unlock()
	if og.share {
		r := res
		r.Origin = j.key
		og.fresh = append(og.fresh, r)
	}
	st := j.st
	first := st.o.FirstPage
	st.o = res
	st.o.Origin, st.o.FirstPage, st.o.InScope, st.o.Endpoint = j.key, first, og.cr.cfg.InScope(j.u), st.endpoint != ""
}

// list waits for the probes and returns the origins sorted by origin.
func (og *origins) list() []Origin {
	og.wg.Wait()
	og.mu.Lock()
	defer og.mu.Unlock()
	out := make([]Origin, 0, len(og.m))
	for _, st := range og.m {
		o := st.o
		o.HSTS, o.HSTSFolded = nil, st.folded
		for _, seen := range st.hsts {
			o.HSTS = append(o.HSTS, HSTSSeen{Header: seen.Header, Pages: slices.Clone(seen.Pages), Count: seen.Count})
		}
		sort.Slice(o.HSTS, func(i, j int) bool { return o.HSTS[i].Pages[0] < o.HSTS[j].Pages[0] })
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Origin < out[j].Origin })
	return out
}

// probe makes padlock's probe set with an origin (tlsprobe.go). Each handshake takes a request
// slot, like any other request, so --concurrency bounds them too.
func (cr *crawl) probe(ctx context.Context, u *url.URL) Origin {
	o := Origin{Probed: true}
	host := u.Hostname()
	port := u.Port()
	if port == "" {
		port = "443"
	}
	addr := net.JoinHostPort(host, port)
	cs, err := cr.handshake(ctx, addr, host, tls.VersionTLS12, tls.VersionTLS13, nil)
	o.Handshakes++
	if err != nil {
		o.ModernErr = err.Error()
		if dialFailed(err) {
			o.ProbeErr = err.Error()
			return o
		}
	} else {
		o.Version = tls.VersionName(cs.Version)
		o.Cipher = tls.CipherSuiteName(cs.CipherSuite)
		o.OCSPStapled = len(cs.OCSPResponse) > 0
		if len(cs.PeerCertificates) > 0 {
			leaf := cs.PeerCertificates[0]
			o.Subject, o.Issuer = leaf.Subject.String(), leaf.Issuer.String()
			o.NotBefore, o.NotAfter = leaf.NotBefore.UTC(), leaf.NotAfter.UTC()
			o.DNSNames = leaf.DNSNames
			now := time.Now()
			o.CertProblem, o.CertError = judgeChain(cs.PeerCertificates, host, cr.cfg.RootCAs, now)
			if i := weakSigned(cs.PeerCertificates); i >= 0 {
				c := cs.PeerCertificates[i]
				o.WeakSignature, o.WeakSignatureOn = c.SignatureAlgorithm.String(), certRole(i)+" "+c.Subject.String()
			}
			describeKeys(cs.PeerCertificates, &o)
			if last := cs.PeerCertificates[len(cs.PeerCertificates)-1]; last.Subject.String() != last.Issuer.String() &&
				(o.CertProblem == "incomplete-chain" || o.CertProblem == "untrusted") {
				o.MissingIssuer = last.Issuer.String() // the chain sent stops short of a root
			}
			if o.CertProblem == "incomplete-chain" {
				o.AIAURL, o.AIAProblem = cr.fetchIssuer(ctx, cs.PeerCertificates, host, now)
			}
		}
	}
	legacy, lerr := cr.handshake(ctx, addr, host, tls.VersionTLS10, tls.VersionTLS11, legacySuites)
	o.Handshakes++
	if lerr == nil {
		o.LegacyTLS = true
		o.LegacyVersion = tls.VersionName(legacy.Version)
	}
	cr.probeSuites(ctx, addr, host, &o)
	if err != nil && lerr != nil && o.WeakCipher == "" && o.StaticRSACipher == "" && !isTLSRefusal(err) {
		o.ProbeErr = err.Error()
	}
	return o
}

// handshake dials addr (through --resolve) and completes a TLS handshake offering only the given
// versions and suites (nil: Go's defaults), without verifying the certificate (judgeChain does
// that, to say what is wrong).
func (cr *crawl) handshake(ctx context.Context, addr, host string, minV, maxV uint16, suites []uint16) (*tls.ConnectionState, error) {
	if err := cr.tr.acquire(ctx); err != nil {
		return nil, err
	}
	defer cr.tr.release()
	cr.tr.requests.Add(1)
	ctx, cancel := context.WithTimeout(ctx, cr.cfg.Timeout)
	defer cancel()
	conf := &tls.Config{
		ServerName:         host,
		MinVersion:         minV,
		MaxVersion:         maxV,
		CipherSuites:       suites,
		InsecureSkipVerify: true, //nolint:gosec // the probe describes certificates; judgeChain verifies them
	}
	c, err := cr.tr.handshake(ctx, "tcp", addr, conf)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	st := c.ConnectionState()
	return &st, nil
}

func isTLSRefusal(err error) bool {
	var ae tls.AlertError
	if errors.As(err, &ae) {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "protocol version") || strings.Contains(s, "handshake failure") || strings.Contains(s, "no cipher suite")
}

// judgeChain verifies a presented chain as a browser would (Go's verifier plus the user's extra
// roots) and names the problem: expired, not-yet-valid, wrong-host, incomplete-chain (the
// issuer is missing but the certificate says where to fetch it, as browsers sometimes do) or
// untrusted.
func judgeChain(chain []*x509.Certificate, host string, roots *x509.CertPool, now time.Time) (problem, msg string) {
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err := chain[0].Verify(x509.VerifyOptions{DNSName: host, Roots: roots, Intermediates: inter, CurrentTime: now})
	if err == nil {
		return "", ""
	}
	var inv x509.CertificateInvalidError
	var hn x509.HostnameError
	var ua x509.UnknownAuthorityError
	switch {
	case errors.As(err, &inv) && inv.Reason == x509.Expired:
		for _, c := range chain {
			if now.Before(c.NotBefore) {
				return "not-yet-valid", err.Error()
			}
		}
		return "expired", err.Error()
	case errors.As(err, &hn):
		return "wrong-host", err.Error()
	case errors.As(err, &ua):
		last := chain[len(chain)-1]
		selfSigned := last.Subject.String() == last.Issuer.String() && last.CheckSignatureFrom(last) == nil
		if !selfSigned && len(last.IssuingCertificateURL) > 0 && weakSignature(chain) == "" {
			return "incomplete-chain", err.Error()
		}
		return "untrusted", err.Error()
	}
	return "untrusted", err.Error()
}
