package rules

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// HSTS is a parsed Strict-Transport-Security header (RFC 6797 §6.1).
type HSTS struct {
	MaxAge            int64 // seconds; 0 tells browsers to forget the host's HSTS entry
	IncludeSubDomains bool
	Preload           bool // hstspreload.org's directive; not part of RFC 6797
}

// hstsOneYear is the max-age hstspreload.org asks for, and below which hsts-short fires.
const hstsOneYear = 31536000

// hstsLong is the max-age from which an origin's HSTS counts toward the A+ grade (report's
// origin summary): 180 days.
const hstsLong = 180 * 24 * 3600

// HSTSClass names what the HSTS rules and the origin grade say of a header value, for an origin
// that sends too many distinct values to keep each (crawler.Config.HSTSClass): values of one
// class get the same verdict from each of them.
func HSTSClass(v string) string {
	h, err := ParseHSTS(v)
	switch {
	case v == "":
		return "absent"
	case err != nil:
		return "invalid"
	case h.MaxAge == 0:
		return "max-age=0"
	case h.MaxAge < hstsLong:
		return "under 180 days"
	case h.MaxAge < hstsOneYear:
		return "under a year"
	}
	return "a year or more"
}

// ParseHSTS parses one Strict-Transport-Security header value as RFC 6797 §6.1 describes it:
// directives separated by ";" (empty ones allowed), each a token name, optionally "=" and a
// token or quoted-string value; names are case-insensitive, whitespace around names, "=" and
// values is ignored. max-age is required and must be digits (quoted digits are allowed, as in
// max-age="31536000"); a directive given twice makes the whole header invalid; unknown
// directives are ignored. A max-age too large for int64 is clamped. Browsers ignore an invalid
// header entirely, and only the first Strict-Transport-Security header of a response counts.
func ParseHSTS(v string) (HSTS, error) {
	var h HSTS
	if strings.TrimSpace(v) == "" {
		return h, errors.New("empty header")
	}
	seen := map[string]bool{}
	haveMaxAge := false
	s := v
	for {
		name, value, hasValue, rest, err := nextHSTSDirective(s)
		if err != nil {
			return HSTS{}, err
		}
		if name != "" {
			lname := strings.ToLower(name)
			if seen[lname] {
				return HSTS{}, fmt.Errorf("directive %s appears more than once", name)
			}
			seen[lname] = true
			switch lname {
			case "max-age":
				if !hasValue || value == "" {
					return HSTS{}, errors.New("max-age has no value")
				}
				if strings.Trim(value, "0123456789") != "" {
					return HSTS{}, fmt.Errorf("max-age %q is not a number of seconds", value)
				}
				n, err := strconv.ParseInt(value, 10, 64)
				if err != nil {
					n = math.MaxInt64 // only digits, so the error is a range error
				}
				h.MaxAge, haveMaxAge = n, true
			case "includesubdomains":
				h.IncludeSubDomains = true
			case "preload":
				h.Preload = true
			}
		}
		if rest == "" {
			break
		}
		s = rest[1:] // skip the ';'
	}
	if !haveMaxAge {
		return HSTS{}, errors.New("no max-age directive")
	}
	return h, nil
}

// nextHSTSDirective reads one directive from s, up to the next ';' outside a quoted string.
// rest starts at that ';', or is "" at the end of s. An empty directive returns name "".
func nextHSTSDirective(s string) (name, value string, hasValue bool, rest string, err error) {
	i := 0
	for i < len(s) && s[i] != ';' && s[i] != '=' {
		i++
	}
	name = strings.Trim(s[:i], " \t")
	if name != "" && !isHTTPToken(name) {
		return "", "", false, "", fmt.Errorf("directive name %q is not a token", name)
	}
	if i == len(s) || s[i] == ';' {
		return name, "", false, s[i:], nil
	}
	if name == "" {
		return "", "", false, "", errors.New("a value without a directive name")
	}
	// s[i] == '='
	i++
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	if i < len(s) && s[i] == '"' {
		var b strings.Builder
		i++
		closed := false
		for i < len(s) {
			c := s[i]
			if c == '\\' && i+1 < len(s) {
				b.WriteByte(s[i+1])
				i += 2
				continue
			}
			if c == '"' {
				closed = true
				i++
				break
			}
			b.WriteByte(c)
			i++
		}
		if !closed {
			return "", "", false, "", fmt.Errorf("unterminated quoted value of %s", name)
		}
		j := i
		for j < len(s) && (s[j] == ' ' || s[j] == '\t') {
			j++
		}
		if j < len(s) && s[j] != ';' {
			return "", "", false, "", fmt.Errorf("unexpected text after the quoted value of %s", name)
		}
		return name, b.String(), true, s[j:], nil
	}
	j := i
	for j < len(s) && s[j] != ';' {
		j++
	}
	value = strings.Trim(s[i:j], " \t")
	if value != "" && !isHTTPToken(value) {
		return "", "", false, "", fmt.Errorf("value %q of %s is neither a token nor a quoted string", value, name)
	}
	return name, value, true, s[j:], nil
}

// isHTTPToken reports whether s is an RFC 7230 token.
func isHTTPToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
