package rules

import (
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/crawler"
)

func TestInsecureForm(t *testing.T) {
	t.Parallel()
	form := func(attr, u string) crawler.Resource {
		return crawler.Resource{URL: u, Raw: u, Element: "form", Attribute: attr, Kind: crawler.KindForm, Line: 31, Source: crawler.SourceHTML, Method: "post"}
	}
	tests := []refCase{
		{name: "http action", res: form("action", "http://pay.test/submit"), want: true, contains: []string{"form submits over plain HTTP", "unencrypted"}},
		{name: "get form", res: with(form("action", "http://search.test/"), func(r *crawler.Resource) { r.Method = "get" }), want: true},
		{name: "formaction on a button", res: with(form("formaction", "http://pay.test/alt"), func(r *crawler.Resource) { r.Element = "button" }), want: true},
		{name: "missing action on an https page is the page URL", res: form("", testHTTPSPage), want: false},
		{name: "https action", res: form("action", "https://pay.test/submit"), want: false},
		{name: "ftp action", res: form("action", "ftp://files.test/up"), want: true, contains: []string{"unencrypted FTP"}},
		{name: "localhost action", res: form("action", "http://localhost:8080/submit"), want: false},
		{name: "loopback action", res: form("action", "http://127.0.0.1/submit"), want: false},
		{name: "localhost.example.com action", res: form("action", "http://localhost.example.com/submit"), want: true},
		{name: "method dialog submits nothing", res: with(form("action", "http://pay.test/submit"), func(r *crawler.Resource) { r.Method = "dialog" }), want: false},
		{name: "javascript action", res: form("action", "javascript:void(0)"), want: false},
		{name: "mailto action", res: form("action", "mailto:orders@shop.test"), want: false},
		{
			name: "UIR still reported with mitigation", res: with(form("action", "http://pay.test/submit"), func(r *crawler.Resource) { r.UpgradedByCSP = true }),
			want: true, wantMitigation: MitigationCSPUpgrade, contains: []string{"upgrade-insecure-requests", "fix the action URL anyway"},
		},
		{
			name: "UIR inherited from the embedding page", res: with(form("action", "http://pay.test/submit"), func(r *crawler.Resource) { r.UpgradedByCSP, r.UpgradeInherited = true, true }),
			want: true, wantMitigation: MitigationCSPUpgrade, contains: []string{"embedding page's Content-Security-Policy", "opened on its own the page would send what users type unencrypted"},
		},
		{name: "UIR does not upgrade ftp", res: with(form("action", "ftp://files.test/up"), func(r *crawler.Resource) { r.UpgradedByCSP = true }), want: true},
		{name: "http page", page: testHTTPPage, res: form("action", "http://pay.test/submit"), want: false},
		{name: "http page, missing action", page: testHTTPPage, res: form("", testHTTPPage), want: false},
		{name: "script is not a form", res: html(crawler.KindScript, "script", "src", "http://cdn.other.test/a.js"), want: false},
		{name: "link is not a form", res: html(crawler.KindLink, "a", "href", "http://blog.test/"), want: false},
	}
	runRefCases(t, insecureForm(), tests, func(t *testing.T, tc refCase, f Finding) {
		if tc.wantMitigation == "" && strings.Contains(f.Message, "upgrade-insecure-requests") {
			t.Errorf("unmitigated message mentions the CSP: %q", f.Message)
		}
	})
}

func TestInsecureFormMissingActionOnHTTPSPageRedirectedFromHTTP(t *testing.T) {
	t.Parallel()
	// The extractor resolves a missing action to the document URL, which is the final URL.
	p := page(testHTTPSPage, crawler.Resource{URL: testHTTPSPage, Element: "form", Kind: crawler.KindForm, Source: crawler.SourceHTML})
	p.URL = testHTTPPage
	if fs := runOne(t, insecureForm(), p); len(fs) != 0 {
		t.Fatalf("got %+v, want none", fs)
	}
}
