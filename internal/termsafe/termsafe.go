// Package termsafe makes text taken from the network safe to print on a terminal. A hostile
// site controls URLs, certificate names, error texts and header values; printed raw, an escape
// sequence in them can retitle the terminal, clear it, forge a hyperlink (OSC 8), move the
// cursor over earlier lines or, on some terminals, answer back into the shell's input. Every line
// padlock writes to standard error or to a text report built from such data goes through Line.
package termsafe

import (
	"io"
	"strings"
	"unicode/utf8"
)

// Line returns s with every C0 control (newlines and tabs included), DEL, C1 control,
// Unicode bidirectional override or isolate and invalid UTF-8 byte written as a visible escape
// (\x1b, \n, \u202e, \xff), so one value prints as one line that reads as it is.
func Line(s string) string { return escape(s, "") }

// escape is Line with the control characters in keep passed through as they are.
func escape(s, keep string) string {
	if clean(s, keep) {
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
		case r < 0x20 && strings.IndexByte(keep, byte(r)) >= 0:
			b.WriteByte(byte(r))
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

const hex = "0123456789abcdef"

// clean is the fast path: printable ASCII and the controls in keep only.
func clean(s, keep string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x7f || c < 0x20 && strings.IndexByte(keep, c) < 0 {
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

// Writer escapes what is written through it as Line does, but newlines and tabs pass, for a
// stream such as standard error that carries messages built from network data. A UTF-8
// sequence split across two writes is held back until it is whole.
type Writer struct {
	w       io.Writer
	pending []byte // the start of a UTF-8 sequence the last write ended in
}

// NewWriter wraps w. Raw(NewWriter(w)) is w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write escapes p and writes it; it reports len(p) when the escaped bytes were all written.
func (sw *Writer) Write(p []byte) (int, error) {
	data := p
	if len(sw.pending) > 0 {
		data = append(sw.pending, p...)
		sw.pending = nil
	}
	// Hold back an incomplete UTF-8 sequence at the end (at most 3 bytes).
	cut := len(data)
	for i := len(data) - 1; i >= 0 && i >= len(data)-3; i-- {
		if utf8.RuneStart(data[i]) {
			if !utf8.FullRune(data[i:]) {
				cut = i
			}
			break
		}
	}
	sw.pending = append(sw.pending[:0], data[cut:]...)
	s := escape(string(data[:cut]), "\n\t")
	if _, err := io.WriteString(sw.w, s); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Raw returns the writer under a Writer (for a progress bar that draws with its own escapes
// and prints no network data), or w itself.
func Raw(w io.Writer) io.Writer {
	if sw, ok := w.(*Writer); ok {
		return sw.w
	}
	return w
}
