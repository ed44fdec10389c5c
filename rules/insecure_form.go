package rules

import "github.com/padlock-scan/padlock/crawler"

// insecureForm reports forms on HTTPS pages that submit to a non-trustworthy URL.
func insecureForm() *Rule {
	return &Rule{
		ID:       "insecure-form",
		Severity: Error,
		Scope:    ScopePage,
		CWE:      319, // cleartext transmission of sensitive information
		Title:    "Form on an HTTPS page submits over HTTP",
		Doc: "A form on an HTTPS page submits to an http: URL (its action, a button's formaction, " +
			"or, with no action, the page's own URL when that is http:). Whatever the user typed, " +
			"passwords and card numbers included, travels unencrypted and can be read or altered " +
			"on the network, although the page showed a padlock. Chrome disables autofill on such " +
			"forms and shows a warning page before submitting. With an enforced " +
			"Content-Security-Policy upgrade-insecure-requests browsers submit over HTTPS instead; " +
			"the finding then carries mitigation csp-upgrade-insecure-requests.",
		Fix: "Change the form's action (and any formaction) to an https:// URL, or make it " +
			"relative so it follows the page's scheme, and make sure the HTTPS endpoint accepts " +
			"the submission.",
		HelpURL: "https://w3c.github.io/webappsec-mixed-content/#requirements-forms",
		Check:   checkNavigation(crawler.KindForm, describeInsecureForm),
	}
}

// describeInsecureForm words the finding of a form that submits over an insecure transport.
func describeInsecureForm(_ *crawler.Page, r *crawler.Resource, f *Finding) bool {
	if r.Method == "dialog" {
		return false // method=dialog closes a dialog and submits nothing
	}
	f.Message = "form submits over " + transport(r.URL) + " from an HTTPS page; what users type is sent unencrypted"
	// Upgrade-insecure-requests upgrades form submissions to any origin (UIR §upgrade-request).
	if r.UpgradedByCSP && schemeOf(r.URL) == "http" {
		f.Mitigation = MitigationCSPUpgrade
		f.Message = "form submits to an http: URL from an HTTPS page; browsers submit it over HTTPS " +
			"because of the page's Content-Security-Policy upgrade-insecure-requests, but fix the action URL anyway"
		if r.UpgradeInherited {
			f.Message = "form submits to an http: URL from an HTTPS page; browsers submit it over HTTPS " +
				"because the embedding page's Content-Security-Policy upgrade-insecure-requests applies inside this " +
				"frame, but opened on its own the page would send what users type unencrypted: fix the action URL"
		}
	}
	return true
}
