package crawler

import (
	"strconv"
	"strings"
)

// ParseSrcset returns the image candidate URLs of a srcset (or imagesrcset) attribute value, in
// order, as written (not resolved). It follows the HTML Standard's "parse a srcset attribute"
// algorithm: candidates are split on commas that follow whitespace-free URLs, so a data: URL
// may hold commas; a URL's trailing commas end the candidate; descriptors may hold commas
// inside parentheses. A candidate whose descriptors are invalid (an unknown descriptor, "0w",
// both "w" and "x", a repeated descriptor, "h" without "w") is dropped, as browsers drop it.
func ParseSrcset(s string) []string {
	var out []string
	pos := 0
	for {
		// Splitting loop: skip whitespace and commas.
		for pos < len(s) && (isHTMLSpace(s[pos]) || s[pos] == ',') {
			pos++
		}
		if pos >= len(s) {
			return out
		}
		start := pos
		for pos < len(s) && !isHTMLSpace(s[pos]) {
			pos++
		}
		u := s[start:pos]
		valid := true
		if u[len(u)-1] == ',' {
			u = strings.TrimRight(u, ",")
		} else {
			valid, pos = parseDescriptors(s, pos)
		}
		if u != "" && valid {
			out = append(out, u)
		}
	}
}

// parseDescriptors runs the descriptor tokenizer of the srcset algorithm from pos, checks
// each descriptor as the descriptor parser does, and returns whether the candidate is valid
// and the position after it (past its comma, if any).
func parseDescriptors(s string, pos int) (bool, int) {
	for pos < len(s) && isHTMLSpace(s[pos]) {
		pos++
	}
	const (
		inDescriptor = iota
		inParens
		afterDescriptor
	)
	var d descriptorCheck
	state := inDescriptor
	start := pos // start of the current descriptor
	for ; ; pos++ {
		if pos >= len(s) {
			if state != afterDescriptor && pos > start {
				d.add(s[start:pos])
			}
			return d.valid(), pos
		}
		c := s[pos]
		switch state {
		case inDescriptor:
			switch {
			case isHTMLSpace(c):
				if pos > start {
					d.add(s[start:pos])
				}
				state = afterDescriptor
			case c == ',':
				if pos > start {
					d.add(s[start:pos])
				}
				return d.valid(), pos + 1
			case c == '(':
				state = inParens
			}
		case inParens:
			if c == ')' {
				state = inDescriptor
			}
		case afterDescriptor:
			if !isHTMLSpace(c) {
				state = inDescriptor
				start = pos
				pos-- // reconsume
			}
		}
	}
}

// descriptorCheck applies the descriptor parser of the srcset algorithm, one descriptor at a
// time: at most one width ("300w", a positive integer) or density ("1.5x", a non-negative
// number), never both, and a height ("100h") only beside a width.
type descriptorCheck struct {
	width, density, height, bad bool
}

func (d *descriptorCheck) add(desc string) {
	if len(desc) < 2 {
		d.bad = true
		return
	}
	num := desc[:len(desc)-1]
	switch desc[len(desc)-1] {
	case 'w':
		d.bad = d.bad || d.width || d.density || !isDigits(num) || allZero(num)
		d.width = true
	case 'x':
		d.bad = d.bad || d.width || d.density || d.height || !isValidFloat(num)
		if v, _ := strconv.ParseFloat(num, 64); v < 0 {
			d.bad = true
		}
		d.density = true
	case 'h':
		d.bad = d.bad || d.height || d.density || !isDigits(num) || allZero(num)
		d.height = true
	default:
		d.bad = true
	}
}

func (d *descriptorCheck) valid() bool { return !d.bad && (!d.height || d.width) }

// isHTMLSpace reports whether c is ASCII whitespace as HTML defines it.
func isHTMLSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func allZero(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] != '0' {
			return false
		}
	}
	return true
}

// isValidFloat reports whether s is an HTML "valid floating-point number": an optional "-",
// digits and/or "." followed by digits, and an optional exponent.
func isValidFloat(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	intDigits := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
		intDigits++
	}
	fracDigits := 0
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
			fracDigits++
		}
		if fracDigits == 0 {
			return false
		}
	}
	if intDigits == 0 && fracDigits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			i++
		}
		expDigits := 0
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
			expDigits++
		}
		if expDigits == 0 {
			return false
		}
	}
	return i == len(s)
}
