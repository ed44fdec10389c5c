package rules

import (
	"iter"
	"net"
	"net/netip"
	"net/url"
	"strings"

	"github.com/padlock-scan/padlock/crawler"
	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// This file decides who a URL belongs to. For third-party-script and sri-missing, a "site" is a
// registrable domain (eTLD+1 by the Public Suffix List, private section included), whatever the
// scheme (SPEC.md): https://static.shop.test and http://www.shop.test are the same site,
// https://a.github.io and https://b.github.io are not (github.io is a public suffix). Ports
// never matter. Messages name a site with the resource's scheme (Site).

// Site returns u's site: its lower-cased scheme, "://" and its registrable domain in ASCII
// (punycode) form. An IP-address host is its own site (an IPv6 address in brackets); a host
// that has no registrable domain (a single label such as "localhost", or a host that is itself
// a public suffix such as "github.io") is also its own site. A URL without a host (data:,
// blob:, about:, a relative URL) has no site: Site returns "".
func Site(u *url.URL) string {
	if u == nil {
		return ""
	}
	host := normalizeHost(u.Hostname())
	if host == "" {
		return ""
	}
	return strings.ToLower(u.Scheme) + "://" + registrableDomain(host)
}

// normalizeHost lower-cases host, drops a trailing dot and converts an internationalised
// name to its ASCII (punycode) form, so the Unicode and punycode spellings of one host agree.
// IPv6 addresses come back in brackets.
func normalizeHost(host string) string {
	host = strings.TrimSuffix(strings.ToLower(strings.Trim(host, "[]")), ".")
	if host == "" {
		return ""
	}
	if host[0] >= '0' && host[0] <= '9' || strings.Contains(host, ":") { // cheap test first: net.ParseIP's errors allocate
		if a, err := netip.ParseAddr(host); err == nil && a.Is4() {
			return host // dotted-decimal as written (netip takes no other form): nothing to build
		}
		if ip := net.ParseIP(host); ip != nil {
			if strings.Contains(host, ":") {
				return "[" + ip.String() + "]"
			}
			return ip.String()
		}
	}
	if isASCII(host) {
		return host // already lower-cased ASCII: nothing for IDNA to map (the crawler's usual case)
	}
	if a, err := idna.Lookup.ToASCII(host); err == nil && a != "" {
		host = a
	}
	return host
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// registrableDomain returns the eTLD+1 of a normalised host, or the host itself for IP
// addresses, single labels and public suffixes.
func registrableDomain(host string) string {
	if strings.HasPrefix(host, "[") || isIPLiteral(host) {
		return host
	}
	if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return d
	}
	return host
}

// ThirdParty reports whether the resource URL res, referenced from the page URL page, comes
// from a third party: its registrable domain (see Site) is neither the page's nor that of a
// cfg.FirstParty domain.
//
// The scheme does not matter (SPEC.md): an http: script from the page's own registrable domain
// on an https: page is mixed content, which the mixed-content rules report, not a third party.
// A FirstParty entry matches that domain and every subdomain of it; entries may be written
// with a leading "*." or "." and are compared case-insensitively (a URL-shaped entry counts by
// its host).
//
// URLs without a host (data:, blob:, about:) are never third-party: they carry no foreign
// code. With a nil page only the FirstParty domains are first-party.
func ThirdParty(page, res *url.URL, cfg *Config) bool {
	host := normalizeHost(res.Hostname())
	if host == "" {
		return false
	}
	if page != nil && registrableDomain(host) == registrableDomain(normalizeHost(page.Hostname())) {
		return false
	}
	if cfg == nil {
		return true
	}
	for _, d := range cfg.FirstParty {
		if d = firstPartyDomain(d); d != "" && (host == d || strings.HasSuffix(host, "."+d)) {
			return false
		}
	}
	return true
}

// firstPartyDomain normalises a --first-party value: a domain, optionally written as "*.d",
// ".d" or a URL.
func firstPartyDomain(d string) string {
	d = strings.TrimSpace(d)
	if strings.Contains(d, "://") {
		if u, err := url.Parse(d); err == nil {
			d = u.Hostname()
		}
	}
	d = strings.TrimPrefix(d, "*")
	d = strings.TrimPrefix(d, ".")
	return normalizeHost(d)
}

// AllowedBy returns the first cfg.AllowScript pattern (see MatchOriginPattern) that the
// resource URL res matches, as written, or "" when none does. Invalid patterns never match.
func AllowedBy(res *url.URL, cfg *Config) string {
	if res == nil || cfg == nil {
		return ""
	}
	for _, p := range cfg.AllowScript {
		if ValidateOriginPattern(p) != nil {
			continue
		}
		if MatchOriginPattern(p, res) {
			return p
		}
	}
	return ""
}

// thirdParty yields the page's references that keep selects and that come from another site
// than the page (ThirdParty), each with its parsed URL; nothing when the page's URL does not
// parse.
func (p *Pass) thirdParty(keep func(*crawler.Resource) bool) iter.Seq2[*crawler.Resource, *url.URL] {
	return func(yield func(*crawler.Resource, *url.URL) bool) {
		pu := p.facts.finalURL()
		if pu == nil {
			return
		}
		for i := range p.Page.Resources {
			r := &p.Page.Resources[i]
			if !keep(r) {
				continue
			}
			if u := r.Parsed(); u != nil && p.facts.thirdParty(pu, u) {
				if !yield(r, u) {
					return
				}
			}
		}
	}
}
