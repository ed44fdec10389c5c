package rules

import (
	"strconv"

	"github.com/padlock-scan/padlock/crawler"
)

// insecureRefresh reports delayed meta refreshes and Refresh headers on HTTPS pages that point
// at a non-trustworthy URL. A refresh at 0 s is a redirect: https-downgrade reports it.
func insecureRefresh() *Rule {
	return &Rule{
		ID:       "insecure-refresh",
		Severity: Warning,
		Scope:    ScopePage,
		CWE:      319, // cleartext transmission of sensitive information
		Title:    "Refresh from an HTTPS page to an HTTP URL",
		Doc: "A <meta http-equiv=refresh> or a Refresh response header on an HTTPS page sends the " +
			"browser to an http: URL after a delay (at 0 s it is a redirect, which https-downgrade " +
			"reports). The visitor silently leaves HTTPS: the next " +
			"page and everything after it can be read and rewritten on the network, and the " +
			"padlock disappears. Inside a frame the refresh is blocked as mixed content instead.",
		Fix: "Point the refresh at the https:// URL, or better, replace it with a server-side " +
			"301/308 redirect to https://.",
		HelpURL: "https://html.spec.whatwg.org/multipage/#shared-declarative-refresh-steps",
		Check:   checkNavigation(crawler.KindRefresh, describeInsecureRefresh),
	}
}

// describeInsecureRefresh words the finding of a refresh to an insecure URL.
func describeInsecureRefresh(page *crawler.Page, r *crawler.Resource, f *Finding) bool {
	if r.RefreshDelay <= 0 {
		return false // a redirect: https-downgrade's, once (SPEC.md)
	}
	how := "meta refresh"
	if r.Source == crawler.SourceHeader {
		how = "Refresh header"
	}
	f.Message = how + " after " + strconv.Itoa(r.RefreshDelay) + "s sends the HTTPS page to " +
		transport(r.URL) + "; the visitor leaves HTTPS"
	// A frame's own navigations are upgraded, a top-level one only to the page's host and port.
	if r.UpgradedByCSP && (page.Frame || navigationUpgraded(page, r.URL)) {
		f.Mitigation = MitigationCSPUpgrade
		f.Message += "; browsers upgrade it because of the page's Content-Security-Policy " +
			"upgrade-insecure-requests, but fix the target anyway"
	}
	return true
}
