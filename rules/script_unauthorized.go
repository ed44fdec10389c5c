package rules

import "fmt"

// scriptUnauthorized reports payment-page scripts that no entry of the script inventory names.
func scriptUnauthorized() *Rule {
	return &Rule{
		ID:       "script-unauthorized",
		Title:    "Payment-page script that the script inventory does not authorize",
		Severity: Error,
		Scope:    ScopePage,
		CWE:      829, // inclusion of functionality from an untrusted control sphere
		Doc: "With a script inventory (scripts: in padlock.yml, or --inventory FILE), every script " +
			"on a payment page must match an entry: by exact URL, URL pattern, origin, or for inline " +
			"scripts, event handlers and javascript: URLs by the SHA-256 of their text. PCI DSS 6.4.3 " +
			"asks that each payment-page script be authorized, with a written justification, and " +
			"inventoried; a script nobody approved is how a skimmer arrives (Magecart). First-party " +
			"scripts count too: a compromised deployment is as dangerous as a compromised vendor. " +
			"Without an inventory the rule finds nothing.",
		Fix: "If the script is needed, add an entry for it with its justification, owner and " +
			"approval date (padlock inventory propose REPORT.json writes one for every payment-page " +
			"script not yet listed); if nobody can justify it, remove it from the page.",
		HelpURL: "https://cheatsheetseries.owasp.org/cheatsheets/Third_Party_Javascript_Management_Cheat_Sheet.html",
		Check:   checkScriptUnauthorized,
	}
}

func checkScriptUnauthorized(pass *Pass) {
	for c := range pass.scriptChecks(func(c *ScriptCheck) bool { return c.Status == ScriptUnauthorized }) {
		f := inventoryFinding(pass.Page, c)
		f.Message = fmt.Sprintf("%s is on a payment page but no entry of the script inventory authorizes it", c.ScriptName())
		if c.Inline != nil && c.Inline.Snippet != "" {
			f.Message += fmt.Sprintf("; it begins %q", c.Inline.Snippet)
		}
		pass.Report(f)
	}
}
