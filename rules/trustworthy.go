package rules

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// This file decides whether a URL is "potentially trustworthy" in the sense of Secure Contexts
// (https://w3c.github.io/webappsec-secure-contexts/#is-url-trustworthy). Browsers apply that test
// with the WHATWG URL parser, not RFC 3986, so the host is read the WHATWG way: backslashes count
// as slashes for special schemes, the host is percent-decoded and lower-cased, and a host whose
// last label is a number is an IPv4 address in any of its shorthand forms (0x7f.1 is 127.0.0.1).
// IDNA mapping (full-width letters, U+3002 dots) is not applied: the crawler hands us URLs that a
// browser already accepted, and rules stay free of non-standard dependencies.

// splitURL returns the lower-cased scheme of an absolute URL and, for special schemes (http,
// https, ws, wss, ftp, file), its lower-cased, percent-decoded host. An IPv6 host keeps its
// brackets. ok is false when raw has no scheme.
func splitURL(raw string) (scheme, host string, ok bool) {
	scheme, host, _, ok = splitURLPort(raw)
	return scheme, host, ok
}

// splitURLPort is splitURL that also returns the port as written ("" when absent).
func splitURLPort(raw string) (scheme, host, port string, ok bool) {
	s := cleanURL(raw)
	i := strings.IndexByte(s, ':')
	if i <= 0 || !validScheme(s[:i]) {
		return "", "", "", false
	}
	scheme = strings.ToLower(s[:i])
	if !isSpecialScheme(scheme) {
		return scheme, "", "", true
	}
	rest := s[i+1:]
	if scheme == "file" {
		// file: has a host only in file://host/path; file:///path has none.
		if len(rest) < 2 || !strings.ContainsRune(`/\`, rune(rest[0])) || !strings.ContainsRune(`/\`, rune(rest[1])) {
			return scheme, "", "", true
		}
		rest = rest[2:]
	} else {
		rest = strings.TrimLeft(rest, `/\`) // special schemes ignore any number of slashes
	}
	if j := strings.IndexAny(rest, `/\?#`); j >= 0 {
		rest = rest[:j]
	}
	if at := strings.LastIndexByte(rest, '@'); at >= 0 {
		rest = rest[at+1:]
	}
	host = rest
	if strings.HasPrefix(rest, "[") {
		if end := strings.IndexByte(rest, ']'); end >= 0 {
			host, rest = rest[:end+1], rest[end+1:]
		} else {
			rest = ""
		}
	} else {
		rest = ""
		if c := strings.IndexByte(host, ':'); c >= 0 {
			host, rest = host[:c], host[c:]
		}
	}
	if strings.HasPrefix(rest, ":") {
		port = rest[1:]
	}
	if dec, err := url.PathUnescape(host); err == nil {
		host = dec
	}
	return scheme, strings.ToLower(host), port, true
}

// cleanURL strips what the WHATWG URL parser strips before parsing: leading and trailing C0
// controls and spaces, and every tab and newline.
func cleanURL(raw string) string {
	s := strings.TrimFunc(raw, func(r rune) bool { return r <= ' ' })
	if strings.ContainsAny(s, "\t\n\r") {
		s = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(s)
	}
	return s
}

// validScheme reports whether s is a URL scheme: a letter followed by letters, digits, +, - or ..
func validScheme(s string) bool {
	for i, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return s != ""
}

// isSpecialScheme reports whether the WHATWG URL standard gives scheme a host-based authority.
func isSpecialScheme(scheme string) bool {
	switch scheme {
	case "http", "https", "ws", "wss", "ftp", "file":
		return true
	}
	return false
}

// schemeOf returns the lower-cased scheme of raw, or "" when it has none.
func schemeOf(raw string) string {
	s, _, _ := splitURL(raw)
	return s
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

// isPotentiallyTrustworthy reports whether the browser treats raw as potentially trustworthy:
// https, wss, file, data, blob and about URLs, and any URL whose host is localhost, *.localhost
// (with or without a trailing dot), in 127.0.0.0/8 or ::1. Other schemes (javascript:, mailto:)
// have opaque origins and are not trustworthy, though browsers never fetch them as sub-resources.
func isPotentiallyTrustworthy(raw string) bool {
	scheme, host, ok := splitURL(raw)
	if !ok {
		return false
	}
	switch scheme {
	case "https", "wss", "file", "data", "blob", "about":
		return true
	}
	if !isSpecialScheme(scheme) {
		return false
	}
	return isTrustworthyHost(host)
}

// isTrustworthyHost reports whether a lower-cased host (IPv6 in brackets) is localhost, a
// subdomain of localhost, or a loopback address. localhost.example.com is not.
func isTrustworthyHost(host string) bool {
	h := strings.TrimSuffix(host, ".")
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	if strings.HasPrefix(host, "[") {
		addr, err := netip.ParseAddr(strings.Trim(host, "[]"))
		// Secure Contexts names ::1/128 only; the IPv4-mapped ::ffff:127.0.0.1 is not in it.
		return err == nil && addr.Zone() == "" && addr == netip.IPv6Loopback()
	}
	if v4, ok := parseIPv4(host); ok {
		return v4>>24 == 127
	}
	return false
}

// isIPLiteral reports whether host (lower-cased, IPv6 in brackets or bare) is an IP address
// rather than a domain name. Per the WHATWG URL standard any host whose last label is a
// decimal or 0x-hexadecimal number is an IPv4 address (browsers reject it if it does not parse
// as one), so "10.1", "0x7f.1" and "3232235777" are all IP literals. Browsers never upgrade
// image, audio or video requests to such hosts: they block them.
func isIPLiteral(host string) bool {
	if strings.HasPrefix(host, "[") || strings.Contains(host, ":") {
		return true
	}
	return endsInNumber(host)
}

// endsInNumber is the WHATWG URL "ends in a number checker".
func endsInNumber(host string) bool {
	parts := strings.Split(host, ".")
	if parts[len(parts)-1] == "" {
		if len(parts) == 1 {
			return false
		}
		parts = parts[:len(parts)-1]
	}
	last := parts[len(parts)-1]
	if last != "" && strings.Trim(last, "0123456789") == "" {
		return true
	}
	_, ok := parseIPv4Number(last)
	return ok
}

// parseIPv4 is the WHATWG URL IPv4 parser: one to four dot-separated numbers, each decimal,
// 0x-hexadecimal or 0-prefixed octal, the last one filling the remaining bytes.
func parseIPv4(host string) (uint32, bool) {
	if !endsInNumber(host) {
		return 0, false
	}
	parts := strings.Split(host, ".")
	if parts[len(parts)-1] == "" && len(parts) > 1 {
		parts = parts[:len(parts)-1]
	}
	if len(parts) > 4 {
		return 0, false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		n, ok := parseIPv4Number(p)
		if !ok {
			return 0, false
		}
		nums[i] = n
	}
	for _, n := range nums[:len(nums)-1] {
		if n > 255 {
			return 0, false
		}
	}
	last := nums[len(nums)-1]
	if last >= 1<<(8*(5-len(nums))) {
		return 0, false
	}
	v := last
	for i, n := range nums[:len(nums)-1] {
		v += n << (8 * (3 - i))
	}
	return uint32(v), true
}

// parseIPv4Number parses one IPv4 part: "0x"/"0X" then hex digits (possibly none), "0" then
// octal digits, or decimal digits. Values past 64 bits fail, as they would fail the range check.
func parseIPv4Number(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	base := 10
	switch {
	case len(s) >= 2 && (s[:2] == "0x" || s[:2] == "0X"):
		s, base = s[2:], 16
		if s == "" {
			return 0, true
		}
	case len(s) >= 2 && s[0] == '0':
		s, base = s[1:], 8
	}
	n, err := strconv.ParseUint(s, base, 64)
	return n, err == nil
}

// isInsecureURL reports whether a browser would fetch raw without transport security: its
// scheme is http, ftp or ws and its host is not localhost or loopback. javascript:, mailto:
// and similar URLs are not fetched and so are never insecure here.
func isInsecureURL(raw string) bool {
	scheme, _, ok := splitURL(raw)
	return ok && isInsecureScheme(scheme) && !isPotentiallyTrustworthy(raw)
}

// hostOf returns the lower-cased host of raw (IPv6 in brackets), or "" when it has none.
func hostOf(raw string) string {
	_, h, _ := splitURL(raw)
	return h
}

// isHTTPS reports whether raw is an https: URL: the pages whose sub-resources browsers hold to
// the mixed-content rules.
func isHTTPS(raw string) bool { return schemeOf(raw) == "https" }

// hostPort returns the lower-cased host of raw and its port, "" when absent or the scheme's
// default (the WHATWG URL parser drops default ports).
func hostPort(raw string) (host, port string) {
	scheme, host, port, ok := splitURLPort(raw)
	if !ok || host == "" {
		return "", ""
	}
	if n, err := strconv.ParseUint(port, 10, 16); err == nil {
		port = strconv.FormatUint(n, 10) // "0080" is port 80
	}
	switch {
	case port == "80" && (scheme == "http" || scheme == "ws"),
		port == "443" && (scheme == "https" || scheme == "wss"),
		port == "21" && scheme == "ftp":
		port = ""
	}
	return host, port
}
