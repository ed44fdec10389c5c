package rules

import "fmt"

// scriptChanged reports inventoried scripts whose content no longer matches what their entry
// authorizes, or could not be read to be compared.
func scriptChanged() *Rule {
	return &Rule{
		ID:       "script-changed",
		Severity: Error,
		Scope:    ScopePage,
		CWE:      494, // download of code without integrity check
		Title:    "Inventoried script whose content is not the one authorized",
		Doc: "An entry of the script inventory identifies the script (by URL, URL pattern or origin) " +
			"and authorizes it by hash: a list of SHA-256 digests of the bytes served, or of its " +
			"normalized text (comments and white space left out, so a re-minified copy still " +
			"matches). The bytes padlock fetched match none of them: the script changed since it " +
			"was approved, which is what PCI DSS 6.4.3 and 11.6.1 ask to detect (an injected " +
			"skimmer is a change). A script that padlock could not read (an error, a size cut, or " +
			"--check-resources none) is reported too, since its content was not checked. Entries " +
			"with content: any (provider SDKs that change in place) never draw this finding.",
		Fix: "Find out why the script changed. If the new version is reviewed and wanted, add its " +
			"hash to the entry (the message gives it) and record the new approval date; otherwise " +
			"restore the approved version and find how the change got there.",
		HelpURL: "https://cheatsheetseries.owasp.org/cheatsheets/Third_Party_Javascript_Management_Cheat_Sheet.html",
		Check:   checkScriptChanged,
	}
}

func checkScriptChanged(pass *Pass) {
	changed := func(c *ScriptCheck) bool { return c.Status == ScriptChanged || c.Status == ScriptUnread }
	for c := range pass.scriptChecks(changed) {
		f := inventoryFinding(pass.Page, c)
		if c.Status == ScriptUnread {
			f.Message = fmt.Sprintf("%s could not be read (%s), so its content was not checked against inventory entry %s", c.ScriptName(), c.Detail, c.Entry.Name)
		} else {
			f.Message = fmt.Sprintf("%s does not match the hashes inventory entry %s authorizes: %s", c.ScriptName(), c.Entry.Name, c.Detail)
		}
		pass.Report(f)
	}
}
