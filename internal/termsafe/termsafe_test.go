package termsafe

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://shop.test/a?b=c", "https://shop.test/a?b=c"},
		{"café — ünïcode 日本", "café — ünïcode 日本"},
		{"\x1b]0;owned\x07", `\x1b]0;owned\x07`},                                                                   // retitle the terminal
		{"x\x1b[2Jy", `x\x1b[2Jy`},                                                                                 // clear the screen
		{"\x1b]8;;https://evil.test\x1b\\click\x1b]8;;\x1b\\", `\x1b]8;;https://evil.test\x1b\click\x1b]8;;\x1b\`}, // OSC 8 link
		{"a\nb\r\tc", `a\nb\r\tc`},
		{"\x7f\u0085\u009b", `\x7f\x85\x9b`}, // DEL, C1 NEL and CSI
		{"abc\u202egnp.exe", `abc\u202egnp.exe`},
		{"\xff\xfe", `\xff\xfe`},
	}
	for _, tc := range tests {
		if got := Line(tc.in); got != tc.want {
			t.Errorf("Line(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzLine(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b[31mred", "a\u202eb", "\xff", "\x9b2J"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Line(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Line(%q) is not valid UTF-8", s)
		}
		for _, r := range got {
			if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || bidi(r) {
				t.Fatalf("Line(%q) = %q keeps %U", s, got, r)
			}
		}
		if len(got) > 6*len(s) {
			t.Fatalf("Line(%q) grew to %d bytes", s, len(got))
		}
		safe := utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool {
			return r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || bidi(r)
		})
		if safe != (got == s) {
			t.Fatalf("safe text must come back unchanged, and only it: %q -> %q", s, got)
		}
	})
}

func TestWriter(t *testing.T) {
	var b strings.Builder
	w := NewWriter(&b)
	// A message with an escape sequence, a tab and a newline, and a UTF-8 rune split over writes.
	for _, part := range []string{"padlock: tls: x509: \x1b]0;owned\x07 name\n", "col1\tcol2\n", "caf\xc3", "\xa9 \u202e\n"} {
		if n, err := w.Write([]byte(part)); n != len(part) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", part, n, err)
		}
	}
	want := "padlock: tls: x509: \\x1b]0;owned\\x07 name\ncol1\tcol2\ncafé \\u202e\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
	if Raw(w) != &b {
		t.Error("Raw does not unwrap")
	}
}
