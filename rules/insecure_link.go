package rules

import "github.com/padlock-scan/padlock/crawler"

// insecureLink reports links from HTTPS pages to non-trustworthy URLs.
func insecureLink() *Rule {
	return &Rule{
		ID:       "insecure-link",
		Severity: Info,
		Scope:    ScopePage,
		CWE:      319, // cleartext transmission of sensitive information
		Title:    "Link from an HTTPS page to an HTTP URL",
		Doc: "An <a href> or <area href> on an HTTPS page points at an http: URL. Following it is " +
			"not mixed content (top-level navigations are allowed), but the visitor leaves HTTPS: " +
			"the target page can be read and rewritten on the network, and a link to your own " +
			"site usually means a hard-coded http:// URL that should have been updated. With an " +
			"enforced Content-Security-Policy upgrade-insecure-requests, browsers upgrade links to " +
			"the page's own host and port (mitigation csp-upgrade-insecure-requests), not to " +
			"other hosts.",
		Fix: "Change the link to https:// when the target supports it (for your own pages, use a " +
			"relative URL); keep http:// only for sites that have no HTTPS.",
		HelpURL: "https://w3c.github.io/webappsec-mixed-content/#should-block-fetch",
		Check:   checkNavigation(crawler.KindLink, describeInsecureLink),
	}
}

// describeInsecureLink words the finding of a link to an insecure URL.
func describeInsecureLink(page *crawler.Page, r *crawler.Resource, f *Finding) bool {
	f.Message = "link from an HTTPS page to " + transport(r.URL) + "; following it leaves HTTPS"
	if r.UpgradedByCSP && navigationUpgraded(page, r.URL) {
		f.Mitigation = MitigationCSPUpgrade
		f.Message += "; browsers upgrade it because of the page's Content-Security-Policy " +
			"upgrade-insecure-requests, but fix the link anyway"
	}
	return true
}

// navigationUpgraded reports whether upgrade-insecure-requests upgrades a top-level navigation
// from page to target: only when target's host and port are the page's (UIR §upgrade-request,
// the "upgrade insecure navigations set"), comparing default ports as absent.
func navigationUpgraded(page *crawler.Page, target string) bool {
	if schemeOf(target) != "http" {
		return false
	}
	ph, pp := hostPort(page.FinalURL)
	th, tp := hostPort(target)
	return ph != "" && ph == th && pp == tp
}
