package rules

import (
	"net/url"
	"strings"

	"github.com/padlock-scan/padlock/crawler"
)

// URLs reach the rules as the crawler wrote them, but rules also read hand-written ones
// (tests, redirect targets): parsing goes through crawler.ParseURL, which reads URLs the WHATWG
// way (backslashes, tabs, upper-case schemes, IPv4 shorthands such as 0x7f.1), so every rule
// sees the host a browser would. A reference's URL is parsed once, by crawler.Resource.Parsed.

// lowerScheme returns raw's scheme when it is written in lower case letters; ok is false
// otherwise (the caller then parses the URL in full).
func lowerScheme(raw string) (string, bool) {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c >= 'a' && c <= 'z':
		case c == ':' && i > 0:
			return raw[:i], true
		default:
			return "", false
		}
	}
	return "", false
}

// endsInDigit reports whether the last label of host starts with a digit (it may be a number,
// which makes the host an IPv4 address for browsers).
func endsInDigit(host string) bool {
	last := host[strings.LastIndexByte(host, '.')+1:]
	return last != "" && last[0] >= '0' && last[0] <= '9'
}

// schemeOf returns the lower-cased scheme of raw, or "" when it has none.
func schemeOf(raw string) string {
	if s, ok := lowerScheme(raw); ok {
		return s
	}
	u, ok := crawler.ParseURL(raw)
	if !ok {
		return ""
	}
	return strings.ToLower(u.Scheme)
}

// isInsecureScheme reports whether scheme is one a browser fetches without any transport
// security: http, ftp and ws. Such a URL is non-trustworthy unless its host is a loopback
// address or localhost.
func isInsecureScheme(scheme string) bool {
	switch strings.ToLower(scheme) {
	case "http", "ftp", "ws":
		return true
	}
	return false
}

// isPotentiallyTrustworthy reports whether the browser treats raw as potentially trustworthy
// (crawler.PotentiallyTrustworthy).
func isPotentiallyTrustworthy(raw string) bool {
	u, ok := crawler.ParseURL(raw)
	return ok && crawler.PotentiallyTrustworthy(u)
}

// isIPLiteral reports whether host is an IP address rather than a domain name. Browsers never
// upgrade image, audio or video requests to such hosts: they block them.
func isIPLiteral(host string) bool {
	if crawler.IPLiteral(host) {
		return true
	}
	// A host as written, not yet canonical (0x7f.1, 3232235777): let the URL parser read it.
	// Only a host whose last label is a number can be one (WHATWG "ends in a number").
	if h := strings.TrimSuffix(host, "."); h == "" || !endsInDigit(h) && !strings.Contains(h[strings.LastIndexByte(h, '.')+1:], "0x") && !strings.Contains(h[strings.LastIndexByte(h, '.')+1:], "0X") {
		return false
	}
	u, ok := crawler.ParseURL("http://" + host + "/")
	return ok && crawler.IPLiteral(u.Hostname())
}

// isInsecureURL reports whether a browser would fetch raw without transport security: its
// scheme is http, ftp or ws and its host is not localhost or loopback. javascript:, mailto:
// and similar URLs are not fetched and so are never insecure here.
func isInsecureURL(raw string) bool {
	if !isInsecureScheme(schemeOf(raw)) {
		return false // https:, data:, javascript:... need no host check
	}
	u, _ := crawler.ParseURL(raw)
	return insecure(u)
}

// isInsecureRef is isInsecureURL of a reference's URL, parsed once.
func isInsecureRef(r *crawler.Resource) bool {
	return isInsecureScheme(schemeOf(r.URL)) && insecure(r.Parsed())
}

// insecure is isInsecureURL of a parsed URL (nil: one that does not parse).
func insecure(u *url.URL) bool {
	return u != nil && isInsecureScheme(u.Scheme) && !crawler.PotentiallyTrustworthy(u)
}

// hostOf returns the lower-cased host of raw (IPv6 in brackets), or "" when it has none.
func hostOf(raw string) string {
	h, _ := hostPort(raw)
	return h
}

// refHost is hostOf a reference's URL, parsed once.
func refHost(r *crawler.Resource) string {
	h, _ := urlHostPort(r.Parsed())
	return h
}

// isHTTPS reports whether raw is an https: URL: the pages whose sub-resources browsers hold to
// the mixed-content rules.
func isHTTPS(raw string) bool { return schemeOf(raw) == "https" }

// hostPort returns the lower-cased host of raw (IPv6 in brackets) and its port, "" when absent
// or the scheme's default (the WHATWG URL parser drops default ports).
func hostPort(raw string) (host, port string) {
	u, _ := crawler.ParseURL(raw)
	return urlHostPort(u)
}

// urlHostPort is hostPort of a parsed URL (nil: one that does not parse).
func urlHostPort(u *url.URL) (host, port string) {
	if u == nil || u.Host == "" {
		return "", ""
	}
	return crawler.HostPort(u)
}
