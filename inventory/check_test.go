package inventory

import (
	"strings"
	"testing"
	"time"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/rules"
)

var (
	hashA     = strings.Repeat("a", 64)
	hashB     = strings.Repeat("b", 64)
	hashNorm  = strings.Repeat("c", 64)
	hashInl   = strings.Repeat("d", 64)
	testNow   = time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	approval  = "justification: needed\n    owner: payments\n    approved: 2026-11-01\n"
	checkout  = "https://shop.test/checkout"
	otherPage = "https://shop.test/about"
)

func mustParse(t *testing.T, yml string) *Inventory {
	t.Helper()
	inv, err := Parse("inv.yml", []byte(yml))
	if err != nil {
		t.Fatalf("Parse:\n%s\n%v", yml, err)
	}
	return inv
}

// script is an external script reference whose body padlock fetched with the given hashes.
func script(url, sha, norm string) crawler.Resource {
	return crawler.Resource{URL: url, Kind: crawler.KindScript, Element: "script", Attribute: "src", Line: 7,
		Fetch: &crawler.Fetch{Method: "GET", Status: 200, SHA256: sha, NormSHA256: norm}}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	stripe := script("https://js.stripe.test/v3/", hashA, "")
	tests := []struct {
		name    string
		entries string // the entries, each starting "  - "
		page    string
		payment bool
		res     []crawler.Resource
		inline  []crawler.InlineScript
		want    []string // "status by entry" per script, then "missing entry" per required entry
	}{
		{name: "exact URL and hash", entries: "  - url: https://js.stripe.test/v3/\n    sha256: [" + hashA + "]\n",
			page: checkout, payment: true, res: []crawler.Resource{stripe}, want: []string{"authorized sha256 https://js.stripe.test/v3/"}},
		{name: "exact URL, other bytes: changed", entries: "  - url: https://js.stripe.test/v3/\n    sha256: [" + hashB + "]\n",
			page: checkout, payment: true, res: []crawler.Resource{stripe}, want: []string{"changed  https://js.stripe.test/v3/"}},
		{name: "URL written with default port and fragment still matches", entries: "  - url: HTTPS://JS.stripe.test:443/v3/#x\n    sha256: [" + hashA + "]\n",
			page: checkout, payment: true, res: []crawler.Resource{stripe}, want: []string{"authorized sha256 https://js.stripe.test/v3/"}},
		{name: "pattern", entries: "  - url-pattern: https://js.stripe.test/*\n    content: any\n",
			page: checkout, payment: true, res: []crawler.Resource{stripe}, want: []string{"authorized content-any https://js.stripe.test/*"}},
		{name: "pattern that does not match: unauthorized", entries: "  - url-pattern: https://cdn.stripe.test/*\n    content: any\n",
			page: checkout, payment: true, res: []crawler.Resource{stripe}, want: []string{"unauthorized "}},
		{name: "origin", entries: "  - origin: https://js.stripe.test\n    content: any\n",
			page: checkout, payment: true, res: []crawler.Resource{stripe}, want: []string{"authorized content-any https://js.stripe.test"}},
		{name: "host pattern", entries: "  - origin: '*.stripe.test'\n    sha256: [" + hashA + "]\n",
			page: checkout, payment: true, res: []crawler.Resource{stripe}, want: []string{"authorized sha256 *.stripe.test"}},
		{name: "normalized hash", entries: "  - url: https://js.stripe.test/v3/\n    normalized-sha256: [" + hashNorm + "]\n",
			page: checkout, payment: true, res: []crawler.Resource{script("https://js.stripe.test/v3/", hashB, hashNorm)},
			want: []string{"authorized normalized-sha256 https://js.stripe.test/v3/"}},
		{name: "the most specific authorizing entry wins", entries: "  - origin: https://js.stripe.test\n    content: any\n  - url: https://js.stripe.test/v3/\n    sha256: [" + hashA + "]\n",
			page: checkout, payment: true, res: []crawler.Resource{stripe}, want: []string{"authorized sha256 https://js.stripe.test/v3/"}},
		{name: "a broader entry authorizes what the exact one does not", entries: "  - origin: https://js.stripe.test\n    content: any\n  - url: https://js.stripe.test/v3/\n    sha256: [" + hashB + "]\n",
			page: checkout, payment: true, res: []crawler.Resource{stripe}, want: []string{"authorized content-any https://js.stripe.test"}},
		{name: "not fetched: unread", entries: "  - url: https://js.stripe.test/v3/\n    sha256: [" + hashA + "]\n",
			page: checkout, payment: true, res: []crawler.Resource{{URL: "https://js.stripe.test/v3/", Kind: crawler.KindScript}}, want: []string{"unread  https://js.stripe.test/v3/"}},
		{name: "not fetched but content any", entries: "  - url: https://js.stripe.test/v3/\n    content: any\n",
			page: checkout, payment: true, res: []crawler.Resource{{URL: "https://js.stripe.test/v3/", Kind: crawler.KindScript}}, want: []string{"authorized content-any https://js.stripe.test/v3/"}},
		{name: "inline hash", entries: "  - inline-sha256: " + hashInl + "\n",
			page: checkout, payment: true, inline: []crawler.InlineScript{{Kind: "script", SHA256: hashInl, Line: 3}}, want: []string{"authorized inline-sha256 " + hashInl}},
		{name: "inline of another text: unauthorized", entries: "  - inline-sha256: " + hashInl + "\n",
			page: checkout, payment: true, inline: []crawler.InlineScript{{Kind: "script", SHA256: hashA, Line: 3}}, want: []string{"unauthorized "}},
		{name: "not a payment page: nothing to say", entries: "  - url: https://js.stripe.test/v3/\n    sha256: [" + hashB + "]\n",
			page: otherPage, res: []crawler.Resource{stripe, script("https://x.test/a.js", hashA, "")}},
		{name: "pages: limits the entry", entries: "  - url: https://js.stripe.test/v3/\n    sha256: [" + hashA + "]\n    pages: ['https://shop.test/pay/*']\n",
			page: checkout, payment: true, res: []crawler.Resource{stripe}, want: []string{"unauthorized "}},
		{name: "pages: brings in a page that is not a payment page", entries: "  - url: https://js.stripe.test/v3/\n    sha256: [" + hashB + "]\n    pages: ['https://shop.test/*']\n",
			page: otherPage, res: []crawler.Resource{stripe, script("https://x.test/a.js", hashA, "")}, want: []string{"changed  https://js.stripe.test/v3/"}},
		{name: "required and present", entries: "  - url: https://js.stripe.test/v3/\n    content: any\n    required: true\n",
			page: checkout, payment: true, res: []crawler.Resource{stripe}, want: []string{"authorized content-any https://js.stripe.test/v3/"}},
		{name: "required and missing", entries: "  - url: https://js.stripe.test/v3/\n    content: any\n    required: true\n",
			page: checkout, payment: true, want: []string{"missing https://js.stripe.test/v3/"}},
		{name: "required elsewhere", entries: "  - url: https://js.stripe.test/v3/\n    content: any\n    required: true\n    pages: ['https://shop.test/pay*']\n",
			page: checkout, payment: true},
		{name: "required on a page that is not a payment page", entries: "  - origin: https://tamper.test\n    content: any\n    required: true\n    pages: ['https://shop.test/*']\n",
			page: otherPage, want: []string{"missing https://tamper.test"}},
		{name: "a script twice counts once", entries: "  - url: https://js.stripe.test/v3/\n    sha256: [" + hashA + "]\n",
			page: checkout, payment: true, res: []crawler.Resource{stripe, stripe}, want: []string{"authorized sha256 https://js.stripe.test/v3/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			inv := mustParse(t, "scripts:\n"+fixIndent(tt.entries))
			p := &crawler.Page{FinalURL: tt.page}
			p.Resources, p.InlineScripts = tt.res, tt.inline
			facts := inv.At(testNow).Check(p, tt.payment)
			var got []string
			if facts != nil {
				for _, s := range facts.Scripts {
					name := ""
					if s.Entry != nil {
						name = s.Entry.Name
					}
					got = append(got, strings.TrimSpace(string(s.Status)+" "+s.By+" "+name))
				}
				for _, e := range facts.Missing {
					got = append(got, "missing "+e.Name)
				}
			}
			var want []string
			for _, w := range tt.want {
				want = append(want, strings.TrimSpace(w))
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
			}
		})
	}
}

// fixIndent adds the approval keys to every entry of a test's entries.
func fixIndent(entries string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(entries, "\n") {
		if strings.HasPrefix(l, "  - ") {
			b.WriteString(l)
			b.WriteString("    " + approval)
			continue
		}
		b.WriteString(l)
	}
	return b.String()
}

func TestExpiry(t *testing.T) {
	t.Parallel()
	inv := mustParse(t, "- url: https://a.test/a.js\n  content: any\n  "+strings.ReplaceAll(approval, "\n    ", "\n  ")+"  expires: 2026-12-04\n"+
		"- url: https://a.test/b.js\n  content: any\n  "+strings.ReplaceAll(approval, "\n    ", "\n  ")+"  expires: 2026-12-05\n")
	p := &crawler.Page{FinalURL: checkout}
	p.Resources = []crawler.Resource{script("https://a.test/a.js", hashA, ""), script("https://a.test/b.js", hashA, "")}
	for _, tc := range []struct {
		now  time.Time
		want [2]bool
	}{
		{time.Date(2026, 12, 4, 23, 59, 0, 0, time.UTC), [2]bool{false, false}}, // the expires day itself still holds
		{time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC), [2]bool{true, false}},
		{time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC), [2]bool{true, true}},
	} {
		facts := inv.At(tc.now).Check(p, true)
		for i, s := range facts.Scripts {
			if s.Status != rules.ScriptAuthorized {
				t.Errorf("%v: %s is %s; an expired entry still authorizes", tc.now, s.ScriptName(), s.Status)
			}
			if s.Entry.Expired != tc.want[i] {
				t.Errorf("%v: %s expired = %v, want %v", tc.now, s.Entry.Name, s.Entry.Expired, tc.want[i])
			}
		}
	}
}

func TestGlob(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		p, s string
		want bool
	}{
		{"https://a.test/*", "https://a.test/x/y.js", true},
		{"https://a.test/*.js", "https://a.test/x/y.js", true},
		{"https://a.test/*.js", "https://a.test/x/y.css", false},
		{"*", "", true},
		{"a*b*c", "aXbYbc", true},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "aXcYb", false},
		{"abc", "abc", true},
		{"abc", "abcd", false},
	} {
		if got := Glob(tc.p, tc.s); got != tc.want {
			t.Errorf("Glob(%q, %q) = %v, want %v", tc.p, tc.s, got, tc.want)
		}
	}
}
