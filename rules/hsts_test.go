package rules

import (
	"math"
	"strings"
	"testing"
)

func TestParseHSTS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    HSTS
		wantErr string // substring of the error; "" for a valid header
	}{
		{in: "max-age=31536000", want: HSTS{MaxAge: 31536000}},
		{in: "max-age=31536000; includeSubDomains", want: HSTS{MaxAge: 31536000, IncludeSubDomains: true}},
		{in: "max-age=63072000; includeSubDomains; preload", want: HSTS{MaxAge: 63072000, IncludeSubDomains: true, Preload: true}},
		{in: `max-age="31536000"`, want: HSTS{MaxAge: 31536000}},
		{in: `max-age = "31536000" ; includesubdomains`, want: HSTS{MaxAge: 31536000, IncludeSubDomains: true}},
		{in: "MAX-AGE=300; INCLUDESUBDOMAINS; Preload", want: HSTS{MaxAge: 300, IncludeSubDomains: true, Preload: true}},
		{in: "  max-age=5  ", want: HSTS{MaxAge: 5}},
		{in: ";;max-age=5;;", want: HSTS{MaxAge: 5}},
		{in: "includeSubDomains; max-age=5", want: HSTS{MaxAge: 5, IncludeSubDomains: true}},
		{in: "max-age=0", want: HSTS{MaxAge: 0}},
		{in: "max-age=00031536000", want: HSTS{MaxAge: 31536000}},
		{in: "max-age=99999999999999999999999", want: HSTS{MaxAge: math.MaxInt64}},
		{in: `max-age=10; report-uri="https://r.test/a;b"`, want: HSTS{MaxAge: 10}}, // ';' inside quotes
		{in: "max-age=10; foo=bar; x", want: HSTS{MaxAge: 10}},                      // unknown directives ignored
		{in: `max-age="1\0"`, want: HSTS{MaxAge: 10}},                               // quoted-pair
		{in: "", wantErr: "empty"},
		{in: "   ", wantErr: "empty"},
		{in: "includeSubDomains", wantErr: "no max-age"},
		{in: "max-age", wantErr: "no value"},
		{in: "max-age=", wantErr: "no value"},
		{in: `max-age=""`, wantErr: "no value"},
		{in: "max-age=abc", wantErr: "not a number"},
		{in: "max-age=-1", wantErr: "not a number"},
		{in: "max-age=1.5", wantErr: "not a number"},
		{in: "max-age=+5", wantErr: "not a number"},
		{in: `max-age="12a"`, wantErr: "not a number"},
		{in: "max-age=1; max-age=2", wantErr: "more than once"},
		{in: "max-age=1; Max-Age=1", wantErr: "more than once"},
		{in: "max-age=1; includeSubDomains; includesubdomains", wantErr: "more than once"},
		{in: "max-age=1; foo; FOO", wantErr: "more than once"},
		{in: `max-age="31536000`, wantErr: "unterminated"},
		{in: `max-age="1"x`, wantErr: "after the quoted value"},
		{in: "max age=1", wantErr: "not a token"},
		{in: "max-age=1 2", wantErr: "neither a token"},
		{in: "=5; max-age=1", wantErr: "without a directive name"},
		{in: "max-age=31536000, max-age=0", wantErr: "neither a token"}, // two headers folded into one
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseHSTS(tc.in)
			if tc.wantErr != "" {
				if err == nil {
					t.Fatalf("ParseHSTS(%q) = %+v, want an error containing %q", tc.in, got, tc.wantErr)
				}
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("ParseHSTS(%q) error %q, want it to contain %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseHSTS(%q) error: %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("ParseHSTS(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}
