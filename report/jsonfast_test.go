package report

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/padlock-scan/padlock/rules"
)

func stdIndent(t testing.TB, v any, prefix string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent(prefix, "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimRight(buf.Bytes(), "\n"))
}

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	cases := []string{"", "plain", `q"uote`, `back\slash`, "ctl\x00\x01\x1f\x7f", "\b\f\n\r\t", "<>&", "é€𝄞", "\u2028\u2029",
		"bad\xffutf8", "\xe2\x82", "http://x/?a=1&b=<2>#f"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		b := make([]byte, rng.IntN(12))
		for j := range b {
			b[j] = byte(rng.IntN(256))
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		want := stdIndent(t, s, "")
		if got := string(appendJSONString(nil, s)); got != want {
			t.Fatalf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "a\"b", "\xff", "\u2028", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(appendJSONString(nil, s)), stdIndent(t, s, ""); got != want {
			t.Fatalf("appendJSONString(%q) = %s, want %s", s, got, want)
		}
	})
}

func TestAppendResourcesMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	rs := []Resource{
		{URL: "http://cdn.test/a.js?x=\"<1>\"", Element: "script", Attribute: "src", Kind: "script", Line: 14},
		{URL: "https://s.test/b.png", Element: "background-image", Attribute: "url", Kind: "image", Line: 3, Source: "css", Stylesheet: "https://s.test/s.css", Status: 404},
		{URL: "https://s.test/\u2028", Element: "a", Attribute: "href", Kind: "link", Source: "html"},
	}
	for _, prefix := range []string{"", "    "} {
		for _, n := range []int{0, 1, 3} {
			want := stdIndent(t, struct {
				Resources []Resource `json:"resources"`
			}{rs[:n]}, prefix)
			got := "{\n" + prefix + "  \"resources\": " + string(appendResources(nil, rs[:n], prefix)) + "\n" + prefix + "}"
			if got != want {
				t.Errorf("prefix %q, %d resources:\n%s\nwant:\n%s", prefix, n, got, want)
			}
		}
	}
}

func TestAppendPageMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	rs := []Resource{{URL: "http://cdn.test/a.js", Element: "script", Attribute: "src", Kind: "script", Line: 14}}
	pages := []Page{
		{URL: "https://s.test/", FinalURL: "https://s.test/", Status: 200, Resources: []Resource{}},
		{URL: "https://s.test/a", FinalURL: "https://s.test/b", Status: 200, Depth: 2, ContentType: "text/html; charset=utf-8",
			Title: "T \"q\" <x>", Frame: true, Parent: "https://s.test/", TLS: &TLS{Version: "TLS 1.3", Cipher: "X"},
			Redirects: []Redirect{{From: "https://s.test/a", To: "https://s.test/b", Status: 301, Via: "http"}, {From: "https://s.test/b", To: "http://x/", Via: "meta-refresh"}},
			Truncated: true, Error: "HTTP 500", Resources: rs, Payment: true, PaymentSignals: []string{"cc-number field"}, CSP: []string{"default-src 'self'", "upgrade-insecure-requests"}},
		{URL: "http://s.test/", FinalURL: "http://s.test/", Status: 301, TLS: &TLS{Version: "TLS 1.2"}, Resources: rs},
		{URL: "http://s.test/nil", FinalURL: "http://s.test/nil"},
	}
	for _, prefix := range []string{"", "    "} {
		for i := range pages {
			want := stdIndent(t, &pages[i], prefix)
			if got := string(appendPage(nil, &pages[i], prefix)); got != want {
				t.Errorf("page %d prefix %q:\n%s\nwant:\n%s", i, prefix, got, want)
			}
		}
	}
}

func TestAppendFindingMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	yes, no := true, false
	fs := []Finding{
		{Rule: "r", Severity: rules.Error, Page: "https://s/", URL: "http://x/\"a\"", Line: 3, Source: "html", Message: "m <b>"},
		{Rule: "r", Severity: rules.Warning, Page: "p", URL: "u", Element: "img", Attribute: "src", Source: "css", Message: "m",
			Stylesheet: "s.css", Mitigation: "csp-upgrade-insecure-requests", HTTPSAvailable: &yes, Baseline: BaselineNew,
			Suppressed: &Suppression{Reason: "why\n", Until: "2027-01-01", Match: "http://x/*"}},
		{Rule: "r", HTTPSAvailable: &no, Suppressed: &Suppression{Reason: "r"}},
	}
	for _, prefix := range []string{"", "    "} {
		for i := range fs {
			want := stdIndent(t, &fs[i], prefix)
			if got := string(appendFinding(nil, &fs[i], prefix)); got != want {
				t.Errorf("finding %d prefix %q:\n%s\nwant:\n%s", i, prefix, got, want)
			}
		}
	}
}
