package rules

import (
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/crawler"
)

func TestHSTSShort(t *testing.T) {
	t.Parallel()
	const o = "https://www.shop.test"
	one := func(h string, n int) *crawler.Origin {
		return hstsOrigin(o, crawler.HSTSSeen{Header: h, Pages: pagesOf(o, n)})
	}
	tests := []struct {
		name   string
		origin *crawler.Origin
		want   []string
	}{
		{"180 days", one("max-age=15552000; includeSubDomains", 10), []string{"max-age=15552000 (180 days), below one year (this page and 9 other pages)"}},
		{"quoted short", one(`max-age="3600"`, 1), []string{"max-age=3600 (1 hour)"}},
		{"upper-case name", one("Max-Age=300", 1), []string{"max-age=300 (5 minutes)"}},
		{"one second", one("max-age=1", 1), []string{"(1 second)"}},
		{"exactly one year", one("max-age=31536000", 1), nil},
		{"two years", one("max-age=63072000; preload", 1), nil},
		{"max-age=0 is hsts-missing, not short", one("max-age=0", 1), nil},
		{"invalid is hsts-missing, not short", one("max-age=300; max-age=300", 1), nil},
		{"absent is hsts-missing, not short", one("", 1), nil},
		{"one finding per distinct value", hstsOrigin(o,
			crawler.HSTSSeen{Header: "max-age=86400", Pages: pagesOf(o, 2)},
			crawler.HSTSSeen{Header: "max-age=31536000", Pages: []string{o + "/x"}},
			crawler.HSTSSeen{Header: "max-age=600", Pages: []string{o + "/y"}}),
			[]string{"max-age=86400 (1 day)", "max-age=600 (10 minutes)"}},
		{"out of scope", func() *crawler.Origin { x := one("max-age=60", 1); x.InScope = false; return x }(), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := runOriginRule(t, hstsShort(), tc.origin, nil)
			if len(fs) != len(tc.want) {
				t.Fatalf("got %d findings, want %d: %+v", len(fs), len(tc.want), fs)
			}
			for i, f := range fs {
				if f.Severity != Info || f.Source != crawler.SourceHeader {
					t.Errorf("finding %+v", f)
				}
				if !strings.Contains(f.Message, tc.want[i]) {
					t.Errorf("message %q does not contain %q", f.Message, tc.want[i])
				}
			}
		})
	}
}
