package crawler

import (
	"net/netip"
	"net/url"
	"strings"
)

// PotentiallyTrustworthy is Secure Contexts' "potentially trustworthy URL" for a URL that
// Resolve produced (host canonical: IPv4 shorthands already written as dotted quads): https,
// wss, file, data, blob and about URLs, and http, ws or ftp URLs whose host is localhost, a
// subdomain of localhost (with or without a trailing dot), in 127.0.0.0/8 or ::1.
// localhost.example.com is not; neither is the IPv4-mapped ::ffff:127.0.0.1, which Secure
// Contexts does not name.
func PotentiallyTrustworthy(u *url.URL) bool {
	switch strings.ToLower(u.Scheme) {
	case "https", "wss", "file", "data", "blob", "about":
		return true
	case "http", "ws", "ftp":
	default:
		return false // opaque origins: javascript:, mailto: and the like
	}
	h := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	if !maybeIP(h) {
		return false
	}
	addr, err := netip.ParseAddr(h)
	if err != nil || addr.Zone() != "" {
		return false
	}
	if addr.Is4() {
		return addr.As4()[0] == 127
	}
	return addr == netip.IPv6Loopback()
}

// IPLiteral reports whether a canonical host (as Resolve leaves it; IPv6 with or without
// brackets) is an IP address rather than a domain name.
func IPLiteral(host string) bool {
	h := strings.Trim(host, "[]")
	if !maybeIP(h) {
		return false
	}
	_, err := netip.ParseAddr(h)
	return err == nil
}

// maybeIP is a cheap test before netip.ParseAddr, whose errors allocate: a canonical address
// starts with a digit (IPv4, or IPv6 like 2001::) or holds a colon.
func maybeIP(h string) bool {
	return h != "" && (h[0] >= '0' && h[0] <= '9' || strings.IndexByte(h, ':') >= 0)
}
