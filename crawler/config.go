package crawler

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/publicsuffix"
)

// Check levels for Config.CheckResources.
const (
	CheckAll     = "all"     // request every sub-resource once (redirects, https copies, scripts and stylesheets)
	CheckScripts = "scripts" // fetch scripts and stylesheets only
	CheckNone    = "none"    // fetch stylesheets only, for the references inside them
)

// Defaults for Config fields left at zero.
const (
	DefaultMaxPages     = 10000
	DefaultConcurrency  = 8
	DefaultTimeout      = 15 * time.Second
	DefaultMaxBody      = 10 << 20
	DefaultMaxRedirects = 10
	DefaultUserAgent    = "padlock/0.1 (+https://github.com/padlock-scan/padlock)"
)

// ErrConfig marks a configuration the crawler cannot run with.
var ErrConfig = errors.New("invalid configuration")

// Config says what to crawl and how. The zero value of each field means its default.
type Config struct {
	StartURLs      []string
	MaxPages       int           // stop after this many HTML pages (default 10000)
	MaxDepth       int           // link depth from a start URL; 0 is unlimited
	NoFollow       bool          // fetch only the start URLs (and their sub-resources)
	CheckResources string        // CheckAll (default), CheckScripts or CheckNone
	Concurrency    int           // parallel requests of every kind (default 8)
	Timeout        time.Duration // per request (default 15s)
	MaxBody        int64         // bytes of a page or stylesheet that are read (default 10 MB)
	MaxRedirects   int           // hops followed per request (default 10)
	UserAgent      string
	Headers        http.Header // sent only to the start URLs' origins (and first-party https origins)
	Resolve        []string    // curl --resolve entries HOST:PORT:ADDR; HOST may be "*"
	CAFile         string      // PEM file of extra trusted roots
	RootCAs        *x509.CertPool
	Insecure       bool // go on past invalid certificates on the site's own hosts (still recorded)
	FirstParty     []string
	Include        []*regexp.Regexp // page URLs must match one of these (when any)
	Exclude        []*regexp.Regexp // page URLs matching one of these are not crawled
	IgnoreRobots   bool
	Sitemaps       []string      // extra sitemap URLs; /sitemap.xml and robots.txt Sitemap: lines are read too
	Delay          time.Duration // least time between two page requests to one origin (robots.txt Crawl-delay may ask more)

	// DialContext replaces the network dialer (tests); Resolve still applies before it.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)

	// Progress, when set, is called after every page with the running counts.
	Progress func(Progress)

	starts   []*url.URL
	resolver map[string]string // "host:port" or "*:port" -> addr
	scope    map[string]bool   // host names in scope
	moved    *hostSet          // hosts a start URL redirected to (same site), added while crawling
	scopeDom map[string]bool   // registrable domains in scope (first-party)
	credOrig map[string]bool   // origins that may receive the user's headers
}

// Progress is a snapshot of a running crawl.
type Progress struct {
	Pages, Queued, Errors, Requests int
}

func (c *Config) withDefaults() {
	if c.MaxPages <= 0 {
		c.MaxPages = DefaultMaxPages
	}
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxBody <= 0 {
		c.MaxBody = DefaultMaxBody
	}
	if c.MaxRedirects <= 0 {
		c.MaxRedirects = DefaultMaxRedirects
	}
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
	if c.CheckResources == "" {
		c.CheckResources = CheckAll
	}
}

// Validate checks the configuration, fills in defaults and prepares scope and resolution tables.
// Every error wraps ErrConfig and names the offending value.
func (c *Config) Validate() error {
	c.withDefaults()
	if len(c.StartURLs) == 0 {
		return fmt.Errorf("%w: no start URL given", ErrConfig)
	}
	switch c.CheckResources {
	case CheckAll, CheckScripts, CheckNone:
	default:
		return fmt.Errorf("%w: --check-resources %q: want all, scripts or none", ErrConfig, c.CheckResources)
	}
	if c.Delay < 0 {
		return fmt.Errorf("%w: --delay %s: must not be negative", ErrConfig, c.Delay)
	}
	if c.MaxDepth < 0 {
		return fmt.Errorf("%w: --max-depth %d: must be 0 (unlimited) or more", ErrConfig, c.MaxDepth)
	}
	c.starts = nil
	c.scope = map[string]bool{}
	c.moved = &hostSet{hosts: map[string]bool{}}
	c.scopeDom = map[string]bool{}
	c.credOrig = map[string]bool{}
	for _, s := range c.StartURLs {
		u, err := url.Parse(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("%w: start URL %q: %v", ErrConfig, s, err)
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			return fmt.Errorf("%w: start URL %q: want an absolute http:// or https:// URL", ErrConfig, s)
		}
		u.Fragment = ""
		c.starts = append(c.starts, u)
		c.scope[strings.ToLower(u.Hostname())] = true
		c.credOrig[origin(u)] = true
	}
	for _, d := range c.FirstParty {
		d = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "*."))
		if d == "" || strings.ContainsAny(d, "/: ") {
			return fmt.Errorf("%w: --first-party %q: want a domain such as shop-static.example", ErrConfig, d)
		}
		c.scopeDom[d] = true
	}
	c.resolver = map[string]string{}
	for _, r := range c.Resolve {
		host, port, addr, err := parseResolve(r)
		if err != nil {
			return fmt.Errorf("%w: --resolve %q: %v", ErrConfig, r, err)
		}
		c.resolver[net.JoinHostPort(host, port)] = addr
	}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return fmt.Errorf("%w: --ca-file: %v", ErrConfig, err)
		}
		pool := c.RootCAs
		if pool == nil {
			if pool, err = x509.SystemCertPool(); err != nil || pool == nil {
				pool = x509.NewCertPool()
			}
		}
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("%w: --ca-file %s: no PEM certificate found", ErrConfig, c.CAFile)
		}
		c.RootCAs = pool
	}
	for k := range c.Headers {
		if strings.EqualFold(k, "Host") {
			return fmt.Errorf("%w: --header Host: use --resolve to reach another address", ErrConfig)
		}
	}
	for _, s := range c.Sitemaps {
		u, err := url.Parse(s)
		if err != nil || !u.IsAbs() {
			return fmt.Errorf("%w: --sitemap %q: want an absolute URL", ErrConfig, s)
		}
	}
	return nil
}

// parseResolve splits curl's HOST:PORT:ADDR (ADDR may be a bracketed IPv6 address).
func parseResolve(s string) (host, port, addr string, err error) {
	parts := strings.SplitN(s, ":", 3)
	if len(parts) != 3 {
		return "", "", "", errors.New("want HOST:PORT:ADDR")
	}
	host, port, addr = strings.ToLower(parts[0]), parts[1], strings.Trim(parts[2], "[]")
	if host == "" {
		return "", "", "", errors.New("empty host")
	}
	if p, err := strconv.Atoi(port); err != nil || p <= 0 || p > 65535 {
		return "", "", "", fmt.Errorf("bad port %q", port)
	}
	if net.ParseIP(addr) == nil {
		return "", "", "", fmt.Errorf("bad address %q: want an IP address", addr)
	}
	return host, port, addr, nil
}

// InScope reports whether a URL is on a host that is crawled as pages.
func (c *Config) InScope(u *url.URL) bool {
	if u.Scheme != "http" && u.Scheme != "https" {
		return false
	}
	h := strings.ToLower(u.Hostname())
	if c.scope[h] || c.moved.has(h) {
		return true
	}
	if len(c.scopeDom) == 0 {
		return false
	}
	if c.scopeDom[h] {
		return true
	}
	d, err := publicsuffix.EffectiveTLDPlusOne(h)
	return err == nil && c.scopeDom[d]
}

// hostSet is a set of host names that grows during a crawl, safe for concurrent use.
type hostSet struct {
	mu    sync.RWMutex
	hosts map[string]bool
}

func (s *hostSet) has(h string) bool {
	if s == nil {
		return false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.hosts[h]
}

func (s *hostSet) add(h string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hosts[h] = true
}

// sameSite reports whether two host names share a registrable domain (shop.test and
// www.shop.test), or are equal.
func sameSite(a, b string) bool {
	a, b = strings.ToLower(a), strings.ToLower(b)
	if a == b {
		return true
	}
	da, errA := publicsuffix.EffectiveTLDPlusOne(a)
	db, errB := publicsuffix.EffectiveTLDPlusOne(b)
	return errA == nil && errB == nil && da == db
}

// mayCarryCredentials reports whether the user's headers may be sent to u: only to the start
// URLs' exact origins and to https origins on first-party domains.
func (c *Config) mayCarryCredentials(u *url.URL) bool {
	if c.credOrig[origin(u)] {
		return true
	}
	if u.Scheme != "https" || u.Port() != "" && u.Port() != "443" {
		return false
	}
	h := strings.ToLower(u.Hostname())
	d, err := publicsuffix.EffectiveTLDPlusOne(h)
	return c.scopeDom[h] || err == nil && c.scopeDom[d]
}

// origin is scheme://host:port with the default port made explicit.
func origin(u *url.URL) string {
	port := u.Port()
	if port == "" {
		switch u.Scheme {
		case "https", "wss":
			port = "443"
		default:
			port = "80"
		}
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Hostname()) + ":" + port
}
