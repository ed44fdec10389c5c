package crawler

import (
	"slices"
	"testing"
)

func TestParseSrcset(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", "", nil},
		{"only separators", " , ,, ", nil},
		{"single url", "a.png", []string{"a.png"}},
		{"densities", "a.png 1x, b.png 2x", []string{"a.png", "b.png"}},
		{"fractional density", "a.png 1.5x,b.png .5x", []string{"a.png", "b.png"}},
		{"density exponent", "a.png 1e1x", []string{"a.png"}},
		{"widths", "s.jpg 300w, m.jpg 600w, l.jpg 1200w", []string{"s.jpg", "m.jpg", "l.jpg"}},
		{"width and height", "a.jpg 300w 200h", []string{"a.jpg"}},
		{"height before width", "a.jpg 200h 300w", []string{"a.jpg"}},
		{"height alone is invalid", "a.jpg 200h, b.jpg", []string{"b.jpg"}},
		{"zero width invalid", "a.jpg 0w, b.jpg 1w", []string{"b.jpg"}},
		{"width and density invalid", "a.jpg 300w 2x, b.jpg", []string{"b.jpg"}},
		{"two densities invalid", "a.jpg 1x 2x, b.jpg 2x", []string{"b.jpg"}},
		{"negative density invalid", "a.jpg -1x, b.jpg", []string{"b.jpg"}},
		{"negative zero density valid", "a.jpg -0x", []string{"a.jpg"}},
		{"zero density valid", "a.jpg 0x", []string{"a.jpg"}},
		{"trailing dot invalid", "a.jpg 1.x, b.jpg", []string{"b.jpg"}},
		{"unknown descriptor invalid", "a.jpg big, b.jpg", []string{"b.jpg"}},
		{"signed width invalid", "a.jpg +300w, b.jpg", []string{"b.jpg"}},
		{"upper-case descriptor invalid", "a.jpg 2X, b.jpg", []string{"b.jpg"}},
		{
			"data URLs with commas",
			"data:image/png;base64,iVBORw0KGgo= 1x, data:image/svg+xml,%3Csvg%3E,%3C/svg%3E 2x",
			[]string{"data:image/png;base64,iVBORw0KGgo=", "data:image/svg+xml,%3Csvg%3E,%3C/svg%3E"},
		},
		{"url ending in comma", "a.png,b.png", []string{"a.png,b.png"}},
		{"url ending in commas", "a.png,, b.png 2x", []string{"a.png", "b.png"}},
		{"no space after comma", "a.png 1x,b.png 2x", []string{"a.png", "b.png"}},
		{"newlines and tabs", "\n\ta.png\n1x,\n\tb.png\t2x\n", []string{"a.png", "b.png"}},
		{"leading comma", ",a.png", []string{"a.png"}},
		{"parens in descriptor", "a.png (1x, 2x), b.png", []string{"b.png"}},
		{"absolute urls", "http://cdn.test/a.png 1x, //cdn.test/b.png 2x", []string{"http://cdn.test/a.png", "//cdn.test/b.png"}},
		{"descriptor then garbage", "a.png 1x foo", nil},
		{"url with query", "a.png?w=1&h=2 1x", []string{"a.png?w=1&h=2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := ParseSrcset(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("ParseSrcset(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
