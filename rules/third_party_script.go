package rules

import (
	"fmt"
)

// thirdPartyScript reports scripts from other sites that --allow-script does not approve.
func thirdPartyScript() *Rule {
	return &Rule{
		ID:       "third-party-script",
		Severity: Warning,
		Scope:    ScopePage,
		CWE:      829, // inclusion of functionality from an untrusted control sphere
		Title:    "Script from a third-party site that is not approved",
		Doc: "A page loads a script (script src, link rel=modulepreload, link rel=preload as=script, " +
			"or the same in a Link response header) from a site other than its own: another " +
			"registrable domain by the Public Suffix List, so static.shop.test belongs to " +
			"shop.test while a.github.io and b.github.io are different sites. The scheme does not " +
			"matter: an http: script from your own domain is mixed content (mixed-content-blockable), " +
			"not a third party. --first-party domains count as your own. " +
			"The script runs with the page's full authority: whoever controls that server, or " +
			"compromises it, can read what users type and rewrite the page (the Magecart attacks " +
			"on checkout pages). PCI DSS 6.4.3 asks for every payment-page script to be authorised, " +
			"integrity-checked and inventoried, so on a payment page the finding is an error. " +
			"Scripts whose origin matches --allow-script are approved: they are listed in the " +
			"report's script inventory, not flagged.",
		Fix: "Host the script yourself if you can. Otherwise review it and approve its origin with " +
			"--allow-script https://cdn.vendor.test (or a host pattern such as *.vendor.test), pin " +
			"it with an integrity attribute if the vendor publishes versioned files, and restrict " +
			"script sources with a Content-Security-Policy. Remove scripts nobody needs.",

		PaymentRaises: true, // PCI DSS 6.4.3, as Doc says
		HelpURL:       "https://cheatsheetseries.owasp.org/cheatsheets/Third_Party_Javascript_Management_Cheat_Sheet.html",
		Check:         checkThirdPartyScript,
	}
}

func checkThirdPartyScript(pass *Pass) {
	for r, u := range pass.thirdParty(isScriptFetch) {
		if AllowedBy(u, pass.Config) != "" || pass.facts.Inventory().Identifies(r) {
			continue // approved by --allow-script, or inventoried (script-changed judges its content)
		}
		f := resourceFinding(pass.Page, r)
		f.Message = fmt.Sprintf("%s from third-party site %s%s, not approved by --allow-script",
			scriptNoun(r), Site(u), origin(r))
		sev := pass.rule.Severity
		if payment, signals := pass.facts.Payment(); payment {
			sev = pass.rule.OnPayment()
			f.Message += "; this is a payment page: " + signals[0]
		}
		pass.ReportAs(sev, f)
	}
}
