package rules

import (
	"github.com/padlock-scan/padlock/crawler"
)

// paymentCSPMissing reports payment pages without an enforced policy restricting scripts.
func paymentCSPMissing() *Rule {
	return &Rule{
		ID:       "payment-csp-missing",
		Severity: Warning,
		Scope:    ScopePage,
		CWE:      693, // protection mechanism failure
		Title:    "Payment page without a Content-Security-Policy restricting scripts",
		Doc: "A payment page (one with card-data fields or a payment provider's card frame) has no " +
			"enforced Content-Security-Policy, in a header or a <meta> element, whose script-src " +
			"(or, failing that, default-src) limits where scripts come from. Such a policy is the " +
			"browser-side control PCI DSS 6.4.3 guidance names for authorising payment-page " +
			"scripts: without it, a script injected through a compromised dependency or a stored " +
			"XSS can load more code from anywhere and send card data out. Report-only policies " +
			"enforce nothing, and a source list with *, http: or https: allows every host.",
		Fix: "Send a Content-Security-Policy header on payment pages with a script-src that lists " +
			"only the origins you need (or nonces or hashes with 'strict-dynamic'), for example " +
			"script-src 'self' https://js.stripe.com. Try it first as " +
			"Content-Security-Policy-Report-Only, then enforce it.",
		HelpURL: "https://developer.mozilla.org/en-US/docs/Web/HTTP/Guides/CSP",
		Check:   checkPaymentCSPMissing,
	}
}

func checkPaymentCSPMissing(pass *Pass) {
	page := pass.Page
	payment, signals := pass.facts.Payment()
	if !payment {
		return
	}
	enforced, reportOnly := false, false
	for _, c := range pageCSPs(page) {
		for _, p := range crawler.ParseCSP(c.Policy) {
			// A meta element cannot deliver a report-only policy; such a policy is ignored.
			if c.ReportOnly {
				reportOnly = reportOnly || p.RestrictsScripts()
				continue
			}
			if p.RestrictsScripts() {
				return
			}
			enforced = true
		}
	}
	msg := "payment page has no Content-Security-Policy"
	switch {
	case enforced:
		msg = "payment page's Content-Security-Policy does not restrict scripts (no script-src or " +
			"default-src, or one that allows any host)"
	case reportOnly:
		msg = "payment page restricts scripts only in a report-only Content-Security-Policy, which enforces nothing"
	}
	msg += "; it counts as a payment page because of " + signals[0]
	pass.Report(Finding{
		Page:    page.FinalURL,
		URL:     page.FinalURL,
		Element: "Content-Security-Policy",
		Source:  crawler.SourceHeader,
		Message: msg,
	})
}

// pageCSPs returns the page's policies: page.CSP (header policies, then meta ones), plus the
// document's meta policies when the crawler did not copy them into page.CSP.
func pageCSPs(page *crawler.Page) []crawler.CSP {
	if len(page.MetaCSP) == 0 {
		return page.CSP
	}
	for _, c := range page.CSP {
		if c.Source == "meta" {
			return page.CSP
		}
	}
	return append(append([]crawler.CSP(nil), page.CSP...), page.MetaCSP...)
}
