package rules

import "fmt"

// inventoryExpired reports the pages where an inventory entry past its expires date still
// authorizes a script.
func inventoryExpired() *Rule {
	return &Rule{
		ID:       "inventory-expired",
		Severity: Warning,
		Scope:    ScopePage,
		CWE:      672, // operation on a resource after expiration
		Title:    "Script authorized by an inventory entry past its expires date",
		Doc: "An entry of the script inventory has an expires date that has passed, and a script " +
			"on this page matches it. The entry still authorizes the script (a lapsed review should " +
			"not break a release), but the approval is due: PCI DSS 6.4.3 asks that the " +
			"justification of each payment-page script be kept current. One finding per entry and " +
			"page.",
		Fix: "Review the script again and set a new approved date and expires date on the entry, " +
			"or remove the script and its entry.",
		HelpURL: "https://www.pcisecuritystandards.org/document_library/",
		Check:   checkInventoryExpired,
	}
}

func checkInventoryExpired(pass *Pass) {
	seen := map[*InventoryEntry]bool{}
	for c := range pass.scriptChecks(func(c *ScriptCheck) bool { return c.Entry != nil && c.Entry.Expired }) {
		if seen[c.Entry] {
			continue
		}
		seen[c.Entry] = true
		f := inventoryFinding(pass.Page, c)
		f.Message = fmt.Sprintf("inventory entry %s expired on %s and still authorizes %s here (owner %s, approved %s)",
			c.Entry.Name, c.Entry.Expires, c.ScriptName(), c.Entry.Owner, c.Entry.Approved)
		pass.Report(f)
	}
}
