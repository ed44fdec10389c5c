package rules

import "fmt"

// scriptRequiredMissing reports pages without a script the inventory marks required there.
func scriptRequiredMissing() *Rule {
	return &Rule{
		ID:       "script-required-missing",
		Severity: Error,
		Scope:    ScopePage,
		CWE:      693, // protection mechanism failure
		Title:    "Script the inventory marks required is not on the page",
		Doc: "An entry of the script inventory has required: true: the script (a payment provider's " +
			"SDK, a tamper-detection or consent script) must be on the payment pages, or on the pages " +
			"its pages: patterns name, and this page loads nothing that the entry identifies. A " +
			"control that silently disappears is a change PCI DSS 11.6.1 asks to detect, as much as " +
			"a script that appears.",
		Fix: "Restore the script on the page, or, if it is no longer needed there, narrow the " +
			"entry's pages: patterns or drop required: true in a reviewed change to the inventory.",
		HelpURL: "https://www.pcisecuritystandards.org/document_library/",
		Check:   checkScriptRequiredMissing,
	}
}

func checkScriptRequiredMissing(pass *Pass) {
	inv := pass.facts.Inventory()
	if inv == nil {
		return
	}
	for _, e := range inv.Missing {
		f := Finding{Page: pass.Page.FinalURL, Element: "script"}
		f.URL = e.Identity
		if e.Match == "inline-sha256" {
			f.URL = InlineURL(e.Identity)
		}
		f.Message = fmt.Sprintf("inventory entry %s marks a script required here (%s %s), and the page loads none", e.Name, e.Match, e.Identity)
		pass.Report(f)
	}
}
