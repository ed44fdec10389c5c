package rules

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// This file decides who a URL belongs to. A "site" is a scheme plus a registrable domain
// (eTLD+1 by the Public Suffix List, private section included), as in HTML's "schemeful same
// site": https://static.shop.test and https://www.shop.test are the same site, https://a.github.io
// and https://b.github.io are not (github.io is a public suffix), and neither are
// http://shop.test and https://shop.test. Ports never matter.

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
// from a third party: its site (see Site) is neither the page's site nor that of a
// cfg.FirstParty domain.
//
// The comparison is schemeful, as SPEC.md defines a site: an http: script from the page's own
// registrable domain on an https: page is third-party (anyone on the network path can replace
// it, which is exactly what the scheme in "site" captures), and so is an https: script on an
// http: page. cfg.FirstParty domains are combined with the page's scheme in the same way, so
// they count on http and https pages alike. A FirstParty entry matches that domain and every
// subdomain of it; entries may be written with a leading "*." or "." and are compared
// case-insensitively (a URL-shaped entry counts by its host).
//
// URLs without a host (data:, blob:, about:) are never third-party: they carry no foreign
// code. With a nil page only the FirstParty domains are first-party.
func ThirdParty(page, res *url.URL, cfg *Config) bool {
	rs := Site(res)
	if rs == "" {
		return false
	}
	if page != nil {
		if rs == Site(page) {
			return false
		}
		if !strings.EqualFold(page.Scheme, res.Scheme) {
			return true
		}
	}
	if cfg == nil {
		return true
	}
	host := normalizeHost(res.Hostname())
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

// schemeNote explains, for messages, a third-party verdict that only the scheme causes: res
// is on the page's own (or a first-party) domain but over another scheme. It returns "" when
// res would be third-party on the page's scheme too.
func schemeNote(page, res *url.URL, cfg *Config) string {
	if page == nil || res == nil || strings.EqualFold(page.Scheme, res.Scheme) {
		return ""
	}
	same := *res
	same.Scheme = page.Scheme
	if ThirdParty(page, &same, cfg) {
		return ""
	}
	return fmt.Sprintf(" (your own domain, but over %s: on an %s: page, which makes it another site)",
		strings.ToLower(res.Scheme), strings.ToLower(page.Scheme))
}
