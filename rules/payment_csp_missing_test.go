package rules

import (
	"strings"
	"testing"

	"github.com/padlock-scan/padlock/crawler"
)

func TestPaymentCSPMissing(t *testing.T) {
	t.Parallel()
	header := func(p string) crawler.CSP { return crawler.CSP{Policy: p, Source: "header"} }
	headerRO := func(p string) crawler.CSP { return crawler.CSP{Policy: p, Source: "header", ReportOnly: true} }
	meta := func(p string) crawler.CSP { return crawler.CSP{Policy: p, Source: "meta", Line: 4} }
	search := crawler.Field{Element: "input", Type: "search", Name: "q"}
	tests := []struct {
		name     string
		fields   []crawler.Field
		csp      []crawler.CSP
		metaOnly []crawler.CSP // Document.MetaCSP not copied into Page.CSP
		contains string        // "" for no finding
	}{
		{name: "no CSP at all", fields: []crawler.Field{cardField}, contains: "payment page has no Content-Security-Policy"},
		{name: "header script-src", fields: []crawler.Field{cardField}, csp: []crawler.CSP{header("script-src 'self' https://js.stripe.com")}},
		{name: "meta CSP restricting scripts", fields: []crawler.Field{cardField}, csp: []crawler.CSP{meta("script-src 'self'")}},
		{name: "meta CSP only in the document", fields: []crawler.Field{cardField}, metaOnly: []crawler.CSP{meta("default-src 'self'")}},
		{name: "default-src only", fields: []crawler.Field{cardField}, csp: []crawler.CSP{header("default-src 'self'; img-src *")}},
		{name: "script-src 'none'", fields: []crawler.Field{cardField}, csp: []crawler.CSP{header("script-src 'none'")}},
		{name: "report-only only", fields: []crawler.Field{cardField}, csp: []crawler.CSP{headerRO("script-src 'self'")},
			contains: "only in a report-only"},
		{name: "report-only beside an enforced one", fields: []crawler.Field{cardField},
			csp: []crawler.CSP{headerRO("script-src 'self'"), header("script-src 'self'")}},
		{name: "enforced policy without script restriction", fields: []crawler.Field{cardField},
			csp: []crawler.CSP{header("upgrade-insecure-requests; img-src 'self'")}, contains: "does not restrict scripts"},
		{name: "script-src *", fields: []crawler.Field{cardField}, csp: []crawler.CSP{header("script-src *")}, contains: "does not restrict scripts"},
		{name: "script-src https:", fields: []crawler.Field{cardField}, csp: []crawler.CSP{header("default-src 'self'; script-src https: 'unsafe-inline'")},
			contains: "does not restrict scripts"},
		{name: "second policy of a header restricts", fields: []crawler.Field{cardField},
			csp: []crawler.CSP{header("upgrade-insecure-requests, script-src 'self'")}},
		{name: "two headers, one restricts", fields: []crawler.Field{cardField},
			csp: []crawler.CSP{header("frame-ancestors 'none'"), header("script-src 'self'")}},
		{name: "not a payment page", fields: []crawler.Field{search}},
		{name: "not a payment page, no fields"},
		{name: "payment page by card frame", csp: []crawler.CSP{header("img-src 'self'")}, contains: "card frame from js.stripe.com"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := page(testHTTPSPage)
			if strings.Contains(tc.name, "card frame") {
				p.Resources = []crawler.Resource{{URL: "https://js.stripe.com/v3/card.html", Element: "iframe", Attribute: "src", Kind: crawler.KindFrame, Line: 8}}
			}
			p.Fields, p.CSP, p.MetaCSP = tc.fields, tc.csp, tc.metaOnly
			fs := runRule(t, paymentCSPMissing(), p, nil)
			f, ok := wantOne(t, fs, tc.contains != "")
			if !ok {
				return
			}
			if f.Severity != Warning || f.Page != testHTTPSPage || f.URL != testHTTPSPage || f.Source != crawler.SourceHeader {
				t.Errorf("finding %+v", f)
			}
			if !strings.Contains(f.Message, tc.contains) {
				t.Errorf("message %q does not contain %q", f.Message, tc.contains)
			}
		})
	}
}
