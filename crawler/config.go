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
	// DefaultMaxRefsPerPage is far above a real page (a large shop page makes some 500) and keeps
	// a hostile one to a few megabytes.
	DefaultMaxRefsPerPage = 10000
	DefaultUserAgent      = "padlock/0.1 (+https://github.com/padlock-scan/padlock)"
)

// ErrConfig marks a configuration the crawler cannot run with; every *ConfigError is one.
var ErrConfig = errors.New("invalid configuration")

// ConfigError is a value Validate refuses: the Config field (its Go name, such as "Resolve"),
// the value as given (one item of a list field; "" when there is none) and why. Callers with their
// own spelling of the fields, such as the CLI's flags, phrase it themselves.
type ConfigError struct {
	Field string
	Value string
	Err   error
}

func (e *ConfigError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("%v: %s: %v", ErrConfig, e.Field, e.Err)
	}
	return fmt.Sprintf("%v: %s %q: %v", ErrConfig, e.Field, e.Value, e.Err)
}

func (e *ConfigError) Unwrap() error { return e.Err }

// Is makes every ConfigError match ErrConfig.
func (e *ConfigError) Is(target error) bool { return target == ErrConfig }

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
	MaxRefsPerPage int           // different references kept per page, its stylesheets' included (default 10000)
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

	// VerifiedChain, when set, gets each chain a server of host presented once it verified
	// against RootCAs (render mode pins the leaves --ca-file vouches for in its browser).
	VerifiedChain func(host string, chain []*x509.Certificate)

	// Endpoints are URLs that are not pages (webhook receivers, APIs): their origins get the TLS
	// probe set like the crawl's, and nothing is fetched from them. With no StartURLs, the crawl
	// is only that (padlock tls).
	Endpoints []string
	// NormalizeScripts hashes each script fetched without its comments and white space too
	// (Fetch.NormSHA256), for a script inventory that authorizes by that hash.
	NormalizeScripts bool

	// The user's cookies and basic auth (USER:PASS) go where Headers go, and so do the cookies
	// the site sets when KeepCookies (cookies.go). WaitFor asks the start URLs again until they
	// answer or it passes, calling Waiting after each miss (wait.go).
	Cookies     []Cookie
	BasicAuth   string
	KeepCookies bool
	WaitFor     time.Duration
	Waiting     func(Wait)
	// Entries are pages reached another way (a recorded browser flow): queued after the start
	// URLs at depth 0, crawled when in scope as links are.
	Entries []string

	// DialContext replaces the network dialer (tests); Resolve still applies before it.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)

	// Progress, when set, is called after every page with the running counts.
	Progress func(Progress)

	// OnError, when set, is given each crawl error as the crawl meets it (a stylesheet that
	// failed, a page over --max-refs-per-page, robots.txt, a sitemap), one call at a time with
	// the visit callback, instead of Result.Errors collecting them in memory: a site failing on
	// every page grows no list. Result.Errors then holds only the start URLs' failures when
	// none could be fetched. A shared crawl (Shared) hands its errors on with its parts instead, and
	// keeps none once handed on.
	OnError func(Error)
	// HSTSClass, when set, names what the rules would say of a Strict-Transport-Security value
	// (missing, invalid, too short...): an origin whose pages send more than HSTSValues distinct
	// values keeps one entry per class instead of one per value (a server sending a new value on
	// every answer). Unset, every value is kept.
	HSTSClass func(header string) string

	// Shared, when set, makes this crawl one process's part of a crawl several share
	// (crawler/redisq); nil crawls in this process alone.
	Shared *Shared

	starts    []*url.URL
	endpoints []*url.URL
	resolver  map[string]string // "host:port" or "*:port" -> addr
	scope     map[string]bool   // host names in scope
	moved     *hostSet          // hosts a start URL redirected to (same site), added while crawling
	scopeDom  map[string]bool   // registrable domains in scope (first-party)
	credOrig  map[string]bool   // origins that may receive the user's headers
	waited    *waited           // WaitForStarts ran (wait.go)
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
	if c.MaxRefsPerPage <= 0 {
		c.MaxRefsPerPage = DefaultMaxRefsPerPage
	}
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
	if c.CheckResources == "" {
		c.CheckResources = CheckAll
	}
}

// Validate checks the configuration, fills in defaults and prepares scope and resolution tables.
// Every error is a *ConfigError naming the field and the offending value.
func (c *Config) Validate() error {
	c.withDefaults()
	if len(c.StartURLs) == 0 && len(c.Endpoints) == 0 {
		return &ConfigError{Field: "StartURLs", Err: errors.New("no start URL given")}
	}
	for _, f := range []struct {
		field string
		value any
	}{{"CheckResources", c.CheckResources}, {"Delay", c.Delay}, {"MaxDepth", c.MaxDepth}} {
		if err := CheckValue(f.field, f.value); err != nil {
			return err
		}
	}
	c.starts = nil
	c.scope = map[string]bool{}
	c.moved = &hostSet{hosts: map[string]bool{}}
	c.scopeDom = map[string]bool{}
	c.credOrig = map[string]bool{}
	for _, s := range c.StartURLs {
		u, err := parseStartURL(s)
		if err != nil {
			return &ConfigError{Field: "StartURLs", Value: s, Err: err}
		}
		c.starts = append(c.starts, u)
		c.scope[strings.ToLower(u.Hostname())] = true
		c.credOrig[origin(u)] = true
	}
	c.endpoints = nil
	for _, s := range c.Endpoints {
		u, err := parseStartURL(s)
		if err != nil {
			return &ConfigError{Field: "Endpoints", Value: s, Err: err}
		}
		c.endpoints = append(c.endpoints, u)
	}
	for _, d := range c.FirstParty {
		dom, err := firstPartyDomain(d)
		if err != nil {
			return &ConfigError{Field: "FirstParty", Value: d, Err: err}
		}
		c.scopeDom[dom] = true
	}
	c.resolver = map[string]string{}
	for _, r := range c.Resolve {
		host, port, addr, err := parseResolve(r)
		if err != nil {
			return &ConfigError{Field: "Resolve", Value: r, Err: err}
		}
		c.resolver[net.JoinHostPort(host, port)] = addr
	}
	if c.CAFile != "" {
		pool, err := addRoots(c.RootCAs, c.CAFile)
		if err != nil {
			return &ConfigError{Field: "CAFile", Value: c.CAFile, Err: err}
		}
		c.RootCAs = pool
	}
	for k := range c.Headers {
		if err := CheckValue("Headers", k); err != nil {
			return err
		}
	}
	for _, s := range c.Sitemaps {
		if err := CheckValue("Sitemaps", s); err != nil {
			return err
		}
	}
	return c.checkCredentials()
}

// CheckValue checks one value of the named Config field by the rules Validate applies to it, so
// that a caller that reads settings one at a time (the CLI's config file) can say where a bad one
// is. value has the field's type; for a list field it is one item, for Headers one header name.
// A field Validate does not check accepts anything. The error is a *ConfigError.
func CheckValue(field string, value any) error {
	var err error
	switch field {
	case "CheckResources":
		switch value.(string) {
		case CheckAll, CheckScripts, CheckNone:
		default:
			err = errors.New("want all, scripts or none")
		}
	case "Delay":
		if value.(time.Duration) < 0 {
			err = errors.New("must not be negative")
		}
	case "MaxDepth":
		if value.(int) < 0 {
			err = errors.New("must be 0 (unlimited) or more")
		}
	case "StartURLs", "Endpoints":
		_, err = parseStartURL(value.(string))
	case "FirstParty":
		_, err = firstPartyDomain(value.(string))
	case "Resolve":
		_, _, _, err = parseResolve(value.(string))
	case "CAFile":
		_, err = addRoots(x509.NewCertPool(), value.(string))
	case "Headers":
		if strings.EqualFold(value.(string), "Host") {
			err = errors.New("cannot set Host (to reach another address, resolve the host name to it)")
		}
	case "Sitemaps":
		if u, perr := url.Parse(value.(string)); perr != nil || !u.IsAbs() {
			err = errors.New("want an absolute URL")
		}
	case "BasicAuth":
		if v := value.(string); v == "" {
			return nil // none
		} else if err = checkBasicAuth(v); err != nil {
			return &ConfigError{Field: field, Err: err} // the value is a secret
		}
	}
	if err != nil {
		return &ConfigError{Field: field, Value: fmt.Sprint(value), Err: err}
	}
	return nil
}

// parseStartURL reads a start URL: absolute, http or https, without its fragment.
func parseStartURL(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, errors.New("want an absolute http:// or https:// URL")
	}
	u.Fragment = ""
	return u, nil
}

// firstPartyDomain is a FirstParty entry as a lower-case domain without a leading "*.".
func firstPartyDomain(d string) (string, error) {
	d = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "*."))
	if d == "" || strings.ContainsAny(d, "/: ") {
		return "", errors.New("want a domain such as shop-static.example")
	}
	return d, nil
}

// addRoots adds the certificates of a PEM file to pool (the system's roots when pool is nil).
func addRoots(pool *x509.CertPool, file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	if pool == nil {
		if pool, err = x509.SystemCertPool(); err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, errors.New("no PEM certificate found")
	}
	return pool, nil
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
