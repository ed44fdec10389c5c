package crawler

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/idna"
)

// Browsers parse URLs with the WHATWG URL Standard; Go's net/url follows RFC 3986. The helpers in
// this file bridge the differences that matter for finding what a page fetches (RULES-RESEARCH
// §1a item 2): surrounding C0 controls and spaces, tabs and newlines inside the value,
// backslashes, scheme and host case, slashes after a special scheme, IPv4 shorthand, IDNA, and
// stray percent signs. Everything else is left to net/url.

// hostProfile maps an internationalised host name the way the URL Standard's "domain to ASCII"
// does (UTS #46, non-transitional, no hyphen or STD3 checks).
var hostProfile = idna.New(
	idna.MapForLookup(),
	idna.Transitional(false),
	idna.CheckHyphens(false),
	idna.StrictDomainName(false),
	idna.VerifyDNSLength(false),
)

// cleanURLString returns raw as a browser's URL parser sees it before parsing: leading and
// trailing C0 controls and spaces stripped, and every tab, CR and LF removed.
func cleanURLString(raw string) string {
	start, end := 0, len(raw)
	for start < end && raw[start] <= ' ' {
		start++
	}
	for end > start && raw[end-1] <= ' ' {
		end--
	}
	s := raw[start:end]
	if strings.ContainsAny(s, "\t\n\r") {
		s = strings.Map(func(r rune) rune {
			if r == '\t' || r == '\n' || r == '\r' {
				return -1
			}
			return r
		}, s)
	}
	return s
}

// escapeControls percent-encodes the C0 controls and DEL left inside a URL after cleaning, as
// the URL Standard's parser does in the path, query, fragment and user info (net/url refuses
// them, which would drop a reference the browser fetches: a script at "/a\x01.js" loads
// "/a%01.js"). In the host they stay forbidden: its percent-decoding brings them back and the
// URL fails, as in browsers.
func escapeControls(s string) string {
	i := strings.IndexFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f })
	if i < 0 {
		return s
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		if c := s[i]; c < ' ' || c == 0x7f {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// isSpecialScheme reports whether scheme is one of the URL Standard's special schemes, whose
// URLs treat a backslash as a slash and always have a host (file aside).
func isSpecialScheme(scheme string) bool {
	switch scheme {
	case "http", "https", "ws", "wss", "ftp", "file":
		return true
	}
	return false
}

// defaultPort returns the port a special scheme implies, or "" for other schemes.
func defaultPort(scheme string) string {
	switch scheme {
	case "http", "ws":
		return "80"
	case "https", "wss":
		return "443"
	case "ftp":
		return "21"
	}
	return ""
}

// splitScheme returns the scheme of s (lower-cased) and the rest after the colon, when s starts
// with a valid scheme (ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":").
func splitScheme(s string) (scheme, rest string, ok bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return strings.ToLower(s[:i]), s[i+1:], true
		default:
			return "", "", false
		}
	}
	return "", "", false
}

// Resolve parses raw the way a browser parses an attribute or url() value and resolves it
// against base, which may be nil when only absolute URLs make sense. It returns false for
// values that are empty after trimming (they name no new resource), for values that do not
// parse, for relative values without a usable base, and for special-scheme URLs without a
// host. The result has a lower-case scheme and host, a canonical IP address host, an
// ASCII (punycode) host, and no default port.
func Resolve(base *url.URL, raw string) (*url.URL, bool) {
	s := escapeControls(cleanURLString(raw))
	if s == "" {
		return nil, false
	}
	scheme, rest, hasScheme := splitScheme(s)
	eff := scheme
	if !hasScheme && base != nil {
		eff = strings.ToLower(base.Scheme)
	}
	special := isSpecialScheme(eff)
	if special {
		// Backslashes are slashes before the query and fragment of a special URL.
		if i := strings.IndexAny(s, "?#"); i >= 0 {
			s = strings.ReplaceAll(s[:i], `\`, "/") + s[i:]
		} else {
			s = strings.ReplaceAll(s, `\`, "/")
		}
		if hasScheme {
			rest = s[len(scheme)+1:]
		}
	}
	switch {
	case hasScheme && special && eff != "file":
		if base != nil && strings.EqualFold(base.Scheme, scheme) && !strings.HasPrefix(rest, "//") {
			// "http:foo" on an http page is a relative reference (URL Standard, special
			// relative or authority state).
			s = rest
			if s == "" {
				return nil, false
			}
		} else {
			// Any number of slashes, even none, separates a special scheme from the host.
			s = scheme + "://" + strings.TrimLeft(rest, "/")
		}
	case hasScheme:
		s = scheme + ":" + rest
	case special && eff != "file" && strings.HasPrefix(s, "//"):
		s = "//" + strings.TrimLeft(s, "/")
	}
	ref, err := url.Parse(s)
	if err != nil {
		ref, err = url.Parse(escapeStrays(s, hasScheme))
		if err != nil {
			return nil, false
		}
	}
	if !ref.IsAbs() && (base == nil || base.Opaque != "" || !base.IsAbs()) {
		return nil, false
	}
	if ref.IsAbs() && !hasDotSegment(ref.EscapedPath()) {
		return canonicalize(ref)
	}
	if base == nil {
		base = &url.URL{}
	}
	// ResolveReference also removes dot segments from an absolute reference's path.
	return canonicalize(base.ResolveReference(ref))
}

// hasDotSegment reports whether path has a "." or ".." segment to remove.
func hasDotSegment(path string) bool {
	for i := 0; i < len(path); i++ {
		if path[i] == '.' && (i == 0 || path[i-1] == '/') {
			j := i + 1
			if j < len(path) && path[j] == '.' {
				j++
			}
			if j == len(path) || path[j] == '/' {
				return true
			}
		}
	}
	return false
}

// escapeStrays rewrites what browsers accept in a URL but net/url rejects: percent escapes in
// the host (decoded), a percent sign not followed by two hex digits (encoded), and a colon in
// the first segment of a relative path.
func escapeStrays(s string, hasScheme bool) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	if !hasScheme && !strings.HasPrefix(s, "/") {
		if i := strings.IndexAny(s, ":/?#"); i >= 0 && s[i] == ':' {
			b.WriteString("./")
		}
	}
	if i := strings.Index(s, "//"); i >= 0 && !strings.ContainsAny(s[:i], "/?#") {
		// Decode the host of "scheme://host" or "//host".
		auth := s[i+2:]
		end := strings.IndexAny(auth, "/?#")
		if end < 0 {
			end = len(auth)
		}
		hostStart := strings.LastIndexByte(auth[:end], '@') + 1
		if host := auth[hostStart:end]; strings.Contains(host, "%") {
			if dec, err := url.PathUnescape(host); err == nil && !strings.ContainsFunc(dec, func(r rune) bool {
				return r < 0x80 && r != ':' && forbiddenInDomain(byte(r))
			}) {
				s = s[:i+2] + auth[:hostStart] + dec + auth[end:]
			}
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' && (i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2])) {
			b.WriteString("%25")
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// canonicalize (which modifies u, a URL the caller owns) lower-cases u's scheme and host, rewrites IPv4 shorthand and IPv6 hosts in
// canonical form, maps international host names to ASCII and drops the scheme's default port.
// It fails for a special-scheme URL (file aside) whose host is empty or invalid.
func canonicalize(u *url.URL) (*url.URL, bool) {
	scheme := strings.ToLower(u.Scheme)
	u.Scheme = scheme
	special := isSpecialScheme(scheme) && scheme != "file"
	if special && u.Opaque != "" {
		return nil, false
	}
	if u.Host == "" {
		return u, !special
	}
	if u.User != nil && u.User.Username() == "" {
		if _, hasPassword := u.User.Password(); !hasPassword {
			u.User = nil // "http://@host/" has no credentials
		}
	}
	if special && u.Path == "" {
		u.Path, u.RawPath = "/", ""
	}
	host, port := u.Hostname(), u.Port()
	if strings.HasSuffix(u.Host, ":") {
		port = ""
	}
	h, ok := canonicalHost(host, special)
	if !ok {
		return nil, false
	}
	if port != "" {
		// The URL Standard reads the port as a number: "0080" is 80, above 65535 fails.
		n, err := strconv.ParseUint(port, 10, 16)
		if err != nil {
			return nil, false
		}
		if port[0] == '0' {
			port = strconv.FormatUint(n, 10) // only a leading zero changes how it is written
		}
	}
	if port == defaultPort(scheme) {
		port = ""
	}
	if strings.Contains(h, ":") {
		h = "[" + h + "]"
	}
	if hostIs(u.Host, h, port) {
		return u, true // already canonical: keep the string, build nothing
	}
	if port != "" {
		h += ":" + port
	}
	u.Host = h
	return u, true
}

// canonicalHost returns the browser's serialisation of host: IPv6 addresses compressed,
// IPv4 addresses (in any of the legacy notations) dotted-decimal, domains lower-case ASCII.
func canonicalHost(host string, special bool) (string, bool) {
	if host == "" {
		return "", !special
	}
	if strings.Contains(host, ":") {
		a, err := netip.ParseAddr(host)
		if err != nil || a.Zone() != "" || !a.Is6() {
			return "", false
		}
		return a.String(), true
	}
	if !special {
		return host, true
	}
	ascii := true
	for i := 0; i < len(host); i++ {
		if host[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		host = strings.ToLower(host)
	} else {
		h, err := hostProfile.ToASCII(host)
		if err != nil || h == "" {
			return "", false
		}
		host = h
	}
	for i := 0; i < len(host); i++ {
		if forbiddenInDomain(host[i]) {
			return "", false
		}
	}
	if endsInNumber(host) {
		return parseIPv4(host)
	}
	return host, true
}

// forbiddenInDomain reports whether c may not appear in a domain (URL Standard "forbidden
// domain code point").
func forbiddenInDomain(c byte) bool {
	if c <= ' ' || c == 0x7f {
		return true
	}
	switch c {
	case '#', '%', '/', ':', '<', '>', '?', '@', '[', '\\', ']', '^', '|':
		return true
	}
	return false
}

// endsInNumber implements the URL Standard's "ends in a number" check: such hosts must parse
// as IPv4 addresses.
func endsInNumber(host string) bool {
	if len(host) > 1 && host[len(host)-1] == '.' {
		host = host[:len(host)-1]
	}
	last := host[strings.LastIndexByte(host, '.')+1:]
	if last == "" {
		return false
	}
	if isDigits(last) {
		return true
	}
	// A hex number "0x..." also counts (the only other form parseIPv4Number accepts).
	if len(last) < 2 || last[0] != '0' || last[1]|0x20 != 'x' {
		return false
	}
	for i := 2; i < len(last); i++ {
		if !isHex(last[i]) {
			return false
		}
	}
	return true
}

// parseIPv4 implements the URL Standard's IPv4 parser: up to four dot-separated decimal,
// octal (leading 0) or hex (0x) numbers, the last one filling the remaining bytes.
func parseIPv4(host string) (string, bool) {
	if canonicalIPv4(host) {
		return host, true // already dotted-decimal: the usual case, with nothing to build
	}
	parts := strings.Split(host, ".")
	if len(parts) > 1 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) > 4 {
		return "", false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		n, ok := parseIPv4Number(p)
		if !ok {
			return "", false
		}
		nums[i] = n
	}
	for _, n := range nums[:len(nums)-1] {
		if n > 255 {
			return "", false
		}
	}
	last := nums[len(nums)-1]
	if last >= 1<<(8*(5-len(nums))) {
		return "", false
	}
	ip := last
	for i, n := range nums[:len(nums)-1] {
		ip += n << (8 * (3 - i))
	}
	return strconv.FormatUint(ip>>24, 10) + "." + strconv.FormatUint(ip>>16&0xff, 10) + "." +
		strconv.FormatUint(ip>>8&0xff, 10) + "." + strconv.FormatUint(ip&0xff, 10), true
}

// canonicalIPv4 reports whether host is an IPv4 address as browsers write it: four decimal
// numbers of 0-255 without leading zeros, separated by single dots.
func canonicalIPv4(host string) bool {
	parts, n, digits := 0, 0, 0
	for i := 0; i <= len(host); i++ {
		if i == len(host) || host[i] == '.' {
			if digits == 0 || n > 255 || digits > 1 && host[i-digits] == '0' {
				return false
			}
			parts++
			n, digits = 0, 0
			continue
		}
		c := host[i]
		if c < '0' || c > '9' || digits == 3 {
			return false
		}
		n, digits = n*10+int(c-'0'), digits+1
	}
	return parts == 4
}

// parseIPv4Number parses one part of an IPv4 host: decimal, octal with a leading 0, or hex
// with a leading 0x (where "0x" alone is zero).
func parseIPv4Number(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	radix := 10
	switch {
	case len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'):
		s, radix = s[2:], 16
	case len(s) >= 2 && s[0] == '0':
		s, radix = s[1:], 8
	}
	if s == "" {
		return 0, true
	}
	n, err := strconv.ParseUint(s, radix, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// NormalizeURL returns the string form of u that padlock uses as a key and in reports: no
// fragment, lower-case scheme and host, no default port (80 for http and ws, 443 for https and
// wss, 21 for ftp), and "/" for an empty path of a URL with a host.
// It is the one URL normaliser: reports, SARIF fingerprints and report comparisons use it too.
func NormalizeURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	normalize(&c)
	return c.String()
}

// NormalizeURLString is NormalizeURL of s parsed with url.Parse, or s itself when it does not
// parse or has no host.
func NormalizeURLString(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return s
	}
	normalize(u)
	return u.String()
}

// normalize puts u in NormalizeURL form.
func normalize(u *url.URL) {
	u.Fragment, u.RawFragment = "", ""
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Host != "" {
		u.Host = Authority(u)
		if u.Path == "" && u.Opaque == "" {
			u.Path, u.RawPath = "/", ""
		}
	}
}

// HostPort returns u's host in lower case (an IPv6 address in brackets) and its port, "" when
// absent or the default of u's scheme (80 for http and ws, 443 for https and wss, 21 for ftp).
func HostPort(u *url.URL) (host, port string) {
	host, port = strings.ToLower(u.Hostname()), u.Port()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if strings.HasSuffix(u.Host, ":") || port == defaultPort(strings.ToLower(u.Scheme)) {
		port = ""
	}
	return host, port
}

// Authority is u's host and port as NormalizeURL writes them: "host" or "host:port".
func Authority(u *url.URL) string {
	host, port := HostPort(u)
	if hostIs(u.Host, host, port) {
		return u.Host
	}
	if port != "" {
		return host + ":" + port
	}
	return host
}

// hostIs reports whether authority is host, or host:port when port is set, as written.
func hostIs(authority, host, port string) bool {
	if port == "" {
		return authority == host
	}
	return len(authority) == len(host)+1+len(port) && authority[:len(host)] == host &&
		authority[len(host)] == ':' && authority[len(host)+1:] == port
}

// ParseURL parses an absolute URL as a browser reads it (Resolve without a base). A URL in the
// canonical form the crawler writes takes a quick path through url.Parse.
func ParseURL(raw string) (*url.URL, bool) {
	if u, ok := parseCanonical(raw); ok {
		return u, true
	}
	return Resolve(nil, raw)
}

// parseCanonical parses raw with url.Parse when it is already a canonical absolute URL: a
// lower-case special scheme, nothing a browser would strip or rewrite, and a host that is a
// lower-case name whose last label is not a number, or an address in its canonical form.
func parseCanonical(raw string) (*url.URL, bool) {
	scheme, _, ok := splitScheme(raw)
	if !ok || raw[:len(scheme)] != scheme {
		return nil, false // no scheme, or not in lower case
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
	// A last label that starts with a digit may be a number, which makes the host an IPv4
	// address for browsers.
	if last := h[strings.LastIndexByte(h, '.')+1:]; strings.Contains(h, ":") || last != "" && last[0] >= '0' && last[0] <= '9' {
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

// Fetchable reports whether u is something a browser requests over the network: an absolute
// http, https, ws, wss or ftp URL with a host. data:, blob:, about:, javascript:, mailto:,
// tel: and the like are not network fetches.
func Fetchable(u *url.URL) bool {
	if u == nil || u.Host == "" || u.Opaque != "" {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "ws", "wss", "ftp":
		return true
	}
	return false
}
