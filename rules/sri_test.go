package rules

import (
	"reflect"
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/internal/sitetest/testnet"
)

func TestParseIntegrity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []IntegrityHash
	}{
		{"", nil},
		{"   ", nil},
		{"sha256-abc=", []IntegrityHash{{"sha256", "abc="}}},
		{"SHA384-abc", []IntegrityHash{{"sha384", "abc"}}},
		{"Sha512-abc", []IntegrityHash{{"sha512", "abc"}}},
		{"sha384-abc?foo=bar", []IntegrityHash{{"sha384", "abc"}}},
		{"sha384-abc?", []IntegrityHash{{"sha384", "abc"}}},
		{"sha1-abc md5-def", nil},
		{"sha1-abc sha256-def", []IntegrityHash{{"sha256", "def"}}},
		{"sha-256-abc sha3-abc sha256abc", nil},
		{" \tsha256-a\n\nsha384-b\r\fsha512-c ", []IntegrityHash{{"sha256", "a"}, {"sha384", "b"}, {"sha512", "c"}}},
		{"sha384", []IntegrityHash{{"sha384", ""}}},                                // valid algorithm, empty value: checked and fails
		{"sha256-ab-c_d", []IntegrityHash{{"sha256", "ab-c_d"}}},                   // base64url kept whole
		{"sha256-a\u00a0sha384-b", []IntegrityHash{{"sha256", "a\u00a0sha384-b"}}}, // NBSP is not a separator
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			if got := ParseIntegrity(tc.in); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("ParseIntegrity(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestStrongest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []IntegrityHash
	}{
		{"", nil},
		{"sha256-a", []IntegrityHash{{"sha256", "a"}}},
		{"sha256-a sha384-b sha256-c", []IntegrityHash{{"sha384", "b"}}},
		{"sha512-x sha256-a sha384-b sha512-y", []IntegrityHash{{"sha512", "x"}, {"sha512", "y"}}},
		{"sha1-z sha384-b sha384-c", []IntegrityHash{{"sha384", "b"}, {"sha384", "c"}}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			if got := Strongest(ParseIntegrity(tc.in)); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Strongest(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestIntegrityMatches(t *testing.T) {
	t.Parallel()
	const body = "console.log('vendor v1');\n"
	const other = "console.log('tampered');\n"
	good := func(alg string) string { return testnet.SRI(alg, body) }
	bad := func(alg string) string { return testnet.SRI(alg, other) }
	full := fetchOf("https://cdn.vendor.test/a.js", body)
	urlForm := strings.TrimRight(strings.NewReplacer("+", "-", "/", "_").Replace(strings.TrimPrefix(good("sha384"), "sha384-")), "=")
	tests := []struct {
		name        string
		integrity   string
		fetch       *crawler.Fetch
		checked, ok bool
	}{
		{"sha256 matches (hex digest converted)", good("sha256"), full, true, true},
		{"sha384 matches", good("sha384"), full, true, true},
		{"sha512 matches", good("sha512"), full, true, true},
		{"sha384 mismatch", bad("sha384"), full, true, false},
		{"strongest wins: sha256 good, sha512 bad", good("sha256") + " " + bad("sha512"), full, true, false},
		{"strongest wins: sha256 bad, sha512 good", bad("sha256") + " " + good("sha512"), full, true, true},
		{"strongest wins: sha384 good, sha512 bad", bad("sha512") + " " + good("sha384"), full, true, false},
		{"two sha384, the first matches", good("sha384") + " " + bad("sha384"), full, true, true},
		{"two sha384, the second matches", bad("sha384") + " " + good("sha384"), full, true, true},
		{"two sha384, neither matches", bad("sha384") + " " + testnet.SRI("sha384", "x"), full, true, false},
		{"upper-case algorithm", "SHA384-" + strings.TrimPrefix(good("sha384"), "sha384-"), full, true, true},
		{"options ignored", good("sha384") + "?ct=application/javascript", full, true, true},
		{"digest compared case-sensitively", "sha384-" + strings.ToLower(strings.TrimPrefix(good("sha384"), "sha384-")), full, true, false},
		{"base64url without padding accepted", "sha384-" + urlForm, full, true, true},
		{"empty value fails", "sha384-", full, true, false},
		{"unknown algorithm only: nothing checked", "sha1-abc md5-def", full, false, false},
		{"unknown algorithm ignored beside a known one", "sha1-abc " + good("sha256"), full, true, true},
		{"no integrity", "", full, false, false},
		{"no fetch", good("sha384"), nil, false, false},
		{"HEAD only", good("sha384"), &crawler.Fetch{Method: "HEAD", Status: 200}, false, false},
		{"not found", good("sha384"), func() *crawler.Fetch { f := fetchOf("u", "404"); f.Status = 404; return f }(), false, false},
		{"truncated body", good("sha384"), func() *crawler.Fetch { f := fetchOf("u", body); f.Truncated = true; return f }(), false, false},
		{"strongest digest not recorded", good("sha512"), func() *crawler.Fetch { f := fetchOf("u", body); f.SHA512 = ""; return f }(), false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			checked, ok := IntegrityMatches(ParseIntegrity(tc.integrity), tc.fetch)
			if checked != tc.checked || (checked && ok != tc.ok) {
				t.Errorf("IntegrityMatches(%q) = %v, %v; want %v, %v", tc.integrity, checked, ok, tc.checked, tc.ok)
			}
		})
	}
}

func TestActualDigest(t *testing.T) {
	t.Parallel()
	f := fetchOf("u", "x")
	for _, alg := range []string{"sha256", "sha384", "sha512"} {
		if got, want := alg+"-"+ActualDigest(strings.ToUpper(alg), f), testnet.SRI(alg, "x"); got != want {
			t.Errorf("ActualDigest(%s) gives %s, want %s", alg, got, want)
		}
	}
	if got := ActualDigest("sha1", f); got != "" {
		t.Errorf("ActualDigest(sha1) = %q", got)
	}
	if got := ActualDigest("sha256", &crawler.Fetch{SHA256: "not hex"}); got != "" {
		t.Errorf("ActualDigest of a bad hex digest = %q", got)
	}
	if got := ActualDigest("sha256", nil); got != "" {
		t.Errorf("ActualDigest(nil) = %q", got)
	}
}

func TestIntegrityApplies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    crawler.Resource
		want bool
	}{
		{"script src", scriptRes("https://x.test/a.js"), true},
		{"svg script href", crawler.Resource{Element: "script", Attribute: "href", Kind: crawler.KindScript}, false},
		{"link stylesheet", stylesheetRes("https://x.test/a.css"), true},
		{"link preload", crawler.Resource{Element: "link", Rel: "preload", As: "script", Kind: crawler.KindScript}, true},
		{"link modulepreload", crawler.Resource{Element: "link", Rel: "modulepreload", Kind: crawler.KindScript}, true},
		{"Link header preload", crawler.Resource{Element: "Link", Rel: "preload", As: "style", Kind: crawler.KindStylesheet, Source: crawler.SourceHeader}, true},
		{"alternate stylesheet", crawler.Resource{Element: "link", Rel: "alternate stylesheet", Kind: crawler.KindStylesheet}, true},
		{"css @import", crawler.Resource{Element: "@import", Attribute: "url", Kind: crawler.KindStylesheet, Source: crawler.SourceCSS}, false},
		{"link icon", crawler.Resource{Element: "link", Rel: "icon", Kind: crawler.KindIcon}, false},
		{"img", crawler.Resource{Element: "img", Attribute: "src", Kind: crawler.KindImage}, false},
		{"iframe", crawler.Resource{Element: "iframe", Attribute: "src", Kind: crawler.KindFrame}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := integrityApplies(&tc.r); got != tc.want {
				t.Errorf("integrityApplies = %v, want %v", got, tc.want)
			}
		})
	}
}
