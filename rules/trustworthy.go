package rules

import (
	"net/netip"
	"net/url"
	"strings"

	"github.com/padlock-scan/padlock/crawler"
)

// URLs reach the rules as the crawler wrote them, but rules also read hand-written ones
// (tests, redirect targets): parsing goes through crawler.Resolve, which reads URLs the WHATWG
// way (backslashes, tabs, upper-case schemes, IPv4 shorthands such as 0x7f.1), so every rule
// sees the host a browser would.

// parseURL parses an absolute URL the way browsers do. URLs the crawler wrote are already in
// that form and take the quick path (url.Parse); anything else goes through crawler.Resolve.
func parseURL(raw string) (*url.URL, bool) {
	if u, ok := parseCanonical(raw); ok {
		return u, true
	}
	return crawler.Resolve(nil, raw)
}

// parseCanonical parses raw with url.Parse when it is already a canonical absolute URL: a
// lower-case special scheme, nothing a browser would strip or rewrite, and a host that is a
// lower-case name whose last label is not a number, or an address in its canonical form.
func parseCanonical(raw string) (*url.URL, bool) {
	scheme, ok := lowerScheme(raw)
	if !ok {
		return nil, false
	}
	switch scheme {
	case "http", "https", "ws", "wss", "ftp":
	default:
		return nil, false
	}
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c <= ' ' || c == '\\' || c >= 0x7f {
			return nil, false
		}
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil {
		return nil, false
	}
	if p := u.Port(); p != "" && (p[0] == '0' || len(p) > 5) {
		return nil, false // 0080: let the full parser read the number
	}
	h := u.Hostname()
	if strings.Contains(h, ":") || endsInDigit(h) {
		addr, err := netip.ParseAddr(h)
		return u, err == nil && addr.String() == h
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return nil, false
		}
	}
	return u, h != "" && !strings.HasSuffix(h, ".") && !strings.Contains(h, "0x")
}

// endsInDigit reports whether the last label of host starts with a digit (it may be a number,
// which makes the host an IPv4 address for browsers).
func endsInDigit(host string) bool {
	last := host[strings.LastIndexByte(host, '.')+1:]
	return last != "" && last[0] >= '0' && last[0] <= '9'
}

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

// schemeOf returns the lower-cased scheme of raw, or "" when it has none.
func schemeOf(raw string) string {
	if s, ok := lowerScheme(raw); ok {
		return s
	}
	u, ok := parseURL(raw)
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
	u, ok := parseURL(raw)
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
	u, ok := parseURL("http://" + host + "/")
	return ok && crawler.IPLiteral(u.Hostname())
}

// isInsecureURL reports whether a browser would fetch raw without transport security: its
// scheme is http, ftp or ws and its host is not localhost or loopback. javascript:, mailto:
// and similar URLs are not fetched and so are never insecure here.
func isInsecureURL(raw string) bool {
	if !isInsecureScheme(schemeOf(raw)) {
		return false // https:, data:, javascript:... need no host check
	}
	u, ok := parseURL(raw)
	return ok && isInsecureScheme(u.Scheme) && !crawler.PotentiallyTrustworthy(u)
}

// hostOf returns the lower-cased host of raw (IPv6 in brackets), or "" when it has none.
func hostOf(raw string) string {
	h, _ := hostPort(raw)
	return h
}

// isHTTPS reports whether raw is an https: URL: the pages whose sub-resources browsers hold to
// the mixed-content rules.
func isHTTPS(raw string) bool { return schemeOf(raw) == "https" }

// hostPort returns the lower-cased host of raw (IPv6 in brackets) and its port, "" when absent
// or the scheme's default (the WHATWG URL parser drops default ports).
func hostPort(raw string) (host, port string) {
	u, ok := parseURL(raw)
	if !ok || u.Host == "" {
		return "", ""
	}
	host = strings.ToLower(u.Hostname())
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	port = u.Port()
	switch {
	case port == "80" && (u.Scheme == "http" || u.Scheme == "ws"),
		port == "443" && (u.Scheme == "https" || u.Scheme == "wss"),
		port == "21" && u.Scheme == "ftp":
		port = ""
	}
	return host, port
}
