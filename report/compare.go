package report

import (
	"net/url"
	"strings"

	"github.com/padlock-scan/padlock/crawler"
)

// Comparison says how the URLs of two reports are matched: normalised (lower-case scheme and
// host, no default port, no fragment) and, when the two crawls started on different hosts (a
// preview deployment at its own URL against a baseline of production), with both sites' hosts
// written as SITE in both reports, so the same problem on /checkout is the same finding, and a
// production URL written into the preview's pages matches the baseline's own.
type Comparison struct {
	sites map[string]bool // normalised host[:port] of the two sites, when they differ
}

// Compare prepares the comparison of old with cur.
func Compare(old, cur *Report) *Comparison {
	c := &Comparison{}
	a, b := startHosts(old), startHosts(cur)
	if len(a) == 0 || len(b) == 0 {
		return c
	}
	oldSite, curSite := a[0], b[0]
	if oldSite == curSite || containsString(b, oldSite) || containsString(a, curSite) {
		return c // the same site (start URLs in another order, or one more host)
	}
	c.sites = map[string]bool{oldSite: true, curSite: true}
	return c
}

// URL is u in the comparison's terms: scheme, host and port as crawler.NormalizeURL writes
// them (SITE for either site's host), no fragment, and the path as written.
func (c *Comparison) URL(u string) string {
	if u == "" {
		return u
	}
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return u
	}
	host := crawler.Authority(p)
	if c.sites[host] {
		host = "SITE"
	}
	p.Scheme, p.Host = strings.ToLower(p.Scheme), host
	p.Fragment, p.RawFragment = "", ""
	return p.String()
}

// Key identifies a finding across runs: rule, page and resource, not the line (lines move
// between deploys while the problem stays the same). An origin-level finding (tls-*, hsts-*)
// is its rule and origin: the page it names is just the origin's first, which moves.
func (c *Comparison) Key(f Finding) string {
	if originRules()[f.Rule] {
		return f.Rule + "\x00" + c.URL(f.URL)
	}
	return f.Rule + "\x00" + c.URL(f.Page) + "\x00" + c.URL(f.URL) + "\x00" + f.Element + "\x00" + f.Attribute + "\x00" + c.URL(f.Stylesheet)
}

// startHosts lists the normalised hosts of r's start URLs, the first start URL's first.
func startHosts(r *Report) []string {
	var hosts []string
	for _, s := range r.StartURLs {
		if u, err := url.Parse(s); err == nil && u.Host != "" && !containsString(hosts, crawler.Authority(u)) {
			hosts = append(hosts, crawler.Authority(u))
		}
	}
	return hosts
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// sameButScheme reports whether a and b are the same page but for http: against https: (and
// the port that goes with each).
func sameButScheme(a, b string) bool {
	if a == b {
		return true
	}
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Hostname() == ub.Hostname() && ua.RequestURI() == ub.RequestURI()
}
