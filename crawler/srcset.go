package crawler

import "strconv"

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
		var descriptors []string
		if u[len(u)-1] == ',' {
			for len(u) > 0 && u[len(u)-1] == ',' {
				u = u[:len(u)-1]
			}
		} else {
			descriptors, pos = tokenizeDescriptors(s, pos)
		}
		if u != "" && validDescriptors(descriptors) {
			out = append(out, u)
		}
	}
}

// tokenizeDescriptors runs the descriptor tokenizer of the srcset algorithm from pos and
// returns the descriptors and the position after the candidate (past its comma, if any).
func tokenizeDescriptors(s string, pos int) ([]string, int) {
	for pos < len(s) && isHTMLSpace(s[pos]) {
		pos++
	}
	const (
		inDescriptor = iota
		inParens
		afterDescriptor
	)
	var descriptors []string
	state := inDescriptor
	start := pos // start of the current descriptor
	flush := func(end int) {
		if end > start {
			descriptors = append(descriptors, s[start:end])
		}
	}
	for ; ; pos++ {
		if pos >= len(s) {
			if state != afterDescriptor {
				flush(pos)
			}
			return descriptors, pos
		}
		c := s[pos]
		switch state {
		case inDescriptor:
			switch {
			case isHTMLSpace(c):
				flush(pos)
				state = afterDescriptor
			case c == ',':
				flush(pos)
				return descriptors, pos + 1
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

// validDescriptors applies the descriptor parser of the srcset algorithm: at most one width
// ("300w", a positive integer) or density ("1.5x", a non-negative number), never both, and a
// height ("100h") only beside a width.
func validDescriptors(ds []string) bool {
	var width, density, height bool
	for _, d := range ds {
		if len(d) < 2 {
			return false
		}
		num := d[:len(d)-1]
		switch d[len(d)-1] {
		case 'w':
			if width || density || !isDigits(num) || allZero(num) {
				return false
			}
			width = true
		case 'x':
			if width || density || height || !isValidFloat(num) {
				return false
			}
			if v, _ := strconv.ParseFloat(num, 64); v < 0 {
				return false
			}
			density = true
		case 'h':
			if height || density || !isDigits(num) || allZero(num) {
				return false
			}
			height = true
		default:
			return false
		}
	}
	return !height || width
}

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
