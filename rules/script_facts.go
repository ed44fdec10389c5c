package rules

import (
	"fmt"
	"iter"

	"github.com/padlock-scan/padlock/crawler"
)

// The script inventory (PCI DSS 6.4.3) is read and matched outside the rules: the caller hands
// each page's verdicts to the rules as a fact (Facts.SetInventory), so the rules never read the
// inventory file and the data flows one way, configuration to scan to rules.

// ScriptStatus is what the script inventory says of one script on a page.
type ScriptStatus string

// Script statuses.
const (
	// ScriptAuthorized: an inventory entry identifies the script and authorizes its content.
	ScriptAuthorized ScriptStatus = "authorized"
	// ScriptUnauthorized: no entry identifies the script (a payment page's script).
	ScriptUnauthorized ScriptStatus = "unauthorized"
	// ScriptChanged: an entry identifies the script, but its content matches none of the hashes
	// the entry authorizes.
	ScriptChanged ScriptStatus = "changed"
	// ScriptUnread: an entry identifies the script by URL and authorizes it by hash, but padlock
	// could not read it, so its content was not checked.
	ScriptUnread ScriptStatus = "unread"
	// ScriptMissing: an entry marks the script required on the page and the page has none.
	ScriptMissing ScriptStatus = "missing"
)

// InventoryEntry is what findings and reports say of one entry of the script inventory.
type InventoryEntry struct {
	// Name is how the entry is named: its name, else what identifies it (URL, URL pattern,
	// origin or inline hash).
	Name string
	// Match is how the entry identifies scripts: url, url-pattern, origin or inline-sha256;
	// Identity is the value it matches.
	Match, Identity string
	// Justification, Owner, Approved (YYYY-MM-DD) and Expires ("" or YYYY-MM-DD) are the entry's
	// approval.
	Justification, Owner, Approved, Expires string
	// Expired says Expires is past.
	Expired bool
	// ContentAny says the entry authorizes any content (a provider's SDK that must not be pinned).
	ContentAny bool
	// Required says the pages the entry applies to must load a script it identifies.
	Required bool
	// Line is the entry's line in its file.
	Line int
}

// ScriptCheck is the inventory's verdict on one script of a page.
type ScriptCheck struct {
	Resource *crawler.Resource     // the external script; nil for an inline one
	Inline   *crawler.InlineScript // the inline script, event handler or javascript: URL; nil for an external one
	Status   ScriptStatus
	// Entry is the entry that identifies the script (nil when none does).
	Entry *InventoryEntry
	// By is how the entry authorized it: sha256, normalized-sha256, content-any or inline-sha256.
	By string
	// Detail says why a script is changed or unread.
	Detail string
}

// InventoryFacts are the inventory's verdicts on one page: each script the inventory checks
// there, and the required entries the page lacks.
type InventoryFacts struct {
	Scripts []ScriptCheck
	Missing []*InventoryEntry
}

// SetInventory hands the rules the inventory's verdicts on the page (nil: no inventory, or it
// does not apply to the page).
func (f *Facts) SetInventory(inv *InventoryFacts) { f.inventory = inv }

// Inventory returns what SetInventory set.
func (f *Facts) Inventory() *InventoryFacts { return f.inventory }

// inventoryFinding is the finding of a script check: the reference of an external script, the
// line and attribute of an inline one.
func inventoryFinding(p *crawler.Page, c *ScriptCheck) Finding {
	if c.Resource != nil {
		return resourceFinding(p, c.Resource)
	}
	f := Finding{Page: p.FinalURL, URL: InlineURL(c.Inline.SHA256), Line: c.Inline.Line, Source: crawler.SourceHTML, Element: "script"}
	if c.Inline.Kind != "script" {
		f.Attribute = c.Inline.Attr
		f.Element = ""
	}
	return f
}

// ScriptName is how messages name a checked script: its URL, or the kind, line and hash of an
// inline one.
func (c *ScriptCheck) ScriptName() string {
	if c.Resource != nil {
		return c.Resource.URL
	}
	return InlineName(c.Inline)
}

// InlineName names an inline script in a message: its kind, line and SHA-256.
func InlineName(in *crawler.InlineScript) string {
	what := "inline script"
	switch in.Kind {
	case "handler":
		what = "event handler " + in.Attr
	case "javascript-url":
		what = "javascript: URL in " + in.Attr
	}
	return fmt.Sprintf("%s at line %d (sha256 %s)", what, in.Line, in.SHA256)
}

// ContentAny returns the entry that authorizes any content for the external script r on the
// page, nil when none does.
func (f *InventoryFacts) ContentAny(r *crawler.Resource) *InventoryEntry {
	if f == nil {
		return nil
	}
	for i := range f.Scripts {
		c := &f.Scripts[i]
		if c.Resource == r && c.Status == ScriptAuthorized && c.By == "content-any" {
			return c.Entry
		}
	}
	return nil
}

// InlineURL is how a finding names an inline script in its url: "inline:sha256-" and the hex
// SHA-256 of its text. Baselines, SARIF fingerprints and diffs tell findings apart by URL, so
// two inline scripts of one page (a known one and an injected skimmer) must not share one.
func InlineURL(sha256 string) string { return "inline:sha256-" + sha256 }

// Identifies says an inventory entry identifies the external script r on the page (whatever
// its content): the inventory approves it, as --allow-script would.
func (f *InventoryFacts) Identifies(r *crawler.Resource) bool {
	if f == nil {
		return false
	}
	for i := range f.Scripts {
		if f.Scripts[i].Resource == r && f.Scripts[i].Entry != nil {
			return true
		}
	}
	return false
}

// scriptChecks yields the inventory's checks of the page's scripts that keep accepts; none
// without an inventory.
func (p *Pass) scriptChecks(keep func(*ScriptCheck) bool) iter.Seq[*ScriptCheck] {
	return func(yield func(*ScriptCheck) bool) {
		inv := p.facts.Inventory()
		if inv == nil {
			return
		}
		for i := range inv.Scripts {
			if c := &inv.Scripts[i]; keep(c) && !yield(c) {
				return
			}
		}
	}
}
