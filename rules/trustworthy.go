package rules

import (
	"net/url"
	"strings"

	"github.com/padlock-scan/padlock/crawler"
)

// URLs reach the rules as the crawler wrote them, but rules also read hand-written ones
// (tests, redirect targets): parsing goes through crawler.Resolve, which reads URLs the WHATWG
// way (backslashes, tabs, upper-case schemes, IPv4 shorthands such as 0x7f.1), so every rule
// sees the host a browser would.

// parseURL parses an absolute URL the way browsers do.
func parseURL(raw string) (*url.URL, bool) { return crawler.Resolve(nil, raw) }

// schemeOf returns the lower-cased scheme of raw, or "" when it has none.
func schemeOf(raw string) string {
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
	u, ok := parseURL("http://" + host + "/")
	return ok && crawler.IPLiteral(u.Hostname())
}

// isInsecureURL reports whether a browser would fetch raw without transport security: its
// scheme is http, ftp or ws and its host is not localhost or loopback. javascript:, mailto:
// and similar URLs are not fetched and so are never insecure here.
func isInsecureURL(raw string) bool {
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
