// Package termsafe makes text taken from the network safe to print on a terminal. A hostile
// site controls URLs, certificate names, error texts and header values; printed raw, an escape
// sequence in them can retitle the terminal, clear it, forge a hyperlink (OSC 8), move the
// cursor over earlier lines or, on some terminals, answer back into the shell's input. Every line
// padlock writes to standard error or to a text report built from such data goes through Line.
package termsafe

import (
	"strings"
	"unicode/utf8"
)

// Line returns s with every C0 control (newlines and tabs included), DEL, C1 control,
// Unicode bidirectional override or isolate and invalid UTF-8 byte written as a visible escape
// (\x1b, \n, \u202e, \xff), so one value prints as one line that reads as it is.
func Line(s string) string {
	if clean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteByte(hex[s[i]>>4])
			b.WriteByte(hex[s[i]&0xf])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0:
			b.WriteString(`\x`)
			b.WriteByte(hex[r>>4])
			b.WriteByte(hex[r&0xf])
		case bidi(r):
			b.WriteString(`\u`)
			for shift := 12; shift >= 0; shift -= 4 {
				b.WriteByte(hex[(r>>shift)&0xf])
			}
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Text is Line for text of several lines: newlines stay, every other unsafe character is escaped.
func Text(s string) string {
	if clean(s) {
		return s
	}
	parts := strings.Split(s, "\n")
	for i, p := range parts {
		parts[i] = Line(p)
	}
	return strings.Join(parts, "\n")
}

const hex = "0123456789abcdef"

// clean is the fast path: printable ASCII only.
func clean(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}

// bidi reports the Unicode bidirectional formatting characters (embeddings, overrides, isolates
// and marks) that can make a printed value read differently from what it is.
func bidi(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f || r == 0x061c
}
