package inventory

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/rules"
)

// Checker checks pages' scripts against an inventory at one moment (entries expire against
// it). It is safe for concurrent use: it only reads.
type Checker struct {
	entries []Entry
	info    []rules.InventoryEntry // what the rules are told of each entry, by index
}

// At returns a checker of the inventory at now. A nil inventory gives a nil checker, which
// checks nothing.
func (inv *Inventory) At(now time.Time) *Checker {
	if inv == nil {
		return nil
	}
	c := &Checker{entries: inv.Entries, info: make([]rules.InventoryEntry, len(inv.Entries))}
	for i := range inv.Entries {
		e := &inv.Entries[i]
		c.info[i] = rules.InventoryEntry{
			Name: e.Label(), Match: e.Match(), Identity: e.Identity(),
			Justification: e.Justification, Owner: e.Owner, Approved: e.Approved, Expires: e.Expires,
			Expired: e.Expired(now), ContentAny: e.Content == "any", Required: e.Required, Line: e.Line,
		}
	}
	return c
}

// Entries are the inventory's entries as the rules see them, in file order.
func (c *Checker) Entries() []rules.InventoryEntry { return c.info }

// Index is the position in Entries of an entry a verdict names, -1 for another.
func (c *Checker) Index(e *rules.InventoryEntry) int {
	for i := range c.info {
		if &c.info[i] == e {
			return i
		}
	}
	return -1
}

// applies says the entry applies to the page: its pages: patterns name the page, or it has
// none and the page is a payment page.
func (e *Entry) applies(page string, payment bool) bool {
	if len(e.Pages) == 0 {
		return payment
	}
	for _, p := range e.Pages {
		if Glob(p, page) {
			return true
		}
	}
	return false
}

// identifies says the entry names the external script at s (a URL in NormalizeURL form).
func (e *Entry) identifies(s string) bool {
	switch {
	case e.URL != "":
		return e.URL == s
	case e.URLPattern != "":
		return Glob(e.URLPattern, s)
	case e.Origin != "":
		pu, ok := crawler.ParseURL(s)
		return ok && rules.MatchOriginPattern(e.Origin, pu)
	}
	return false
}

// Check returns the inventory's verdicts on the page's scripts: on a payment page every
// script, elsewhere the scripts of the entries whose pages: patterns name the page. It returns
// nil when the inventory has nothing to say about the page.
func (c *Checker) Check(p *crawler.Page, payment bool) *rules.InventoryFacts {
	if c == nil {
		return nil
	}
	applies := make([]bool, len(c.entries))
	any := payment
	for i := range c.entries {
		applies[i] = c.entries[i].applies(p.FinalURL, payment)
		any = any || applies[i]
	}
	if !any {
		return nil
	}
	out := &rules.InventoryFacts{}
	used := make([]bool, len(c.entries)) // the page has a script the entry identifies
	seen := map[string]bool{}
	for i := range p.Resources {
		r := &p.Resources[i]
		if r.Kind != crawler.KindScript || seen[r.URL] {
			continue // a script preloaded and then loaded is one script
		}
		seen[r.URL] = true
		if sc, ok := c.external(r, applies, used, payment); ok {
			out.Scripts = append(out.Scripts, sc)
		}
	}
	for i := range p.InlineScripts {
		in := &p.InlineScripts[i]
		key := in.Kind + " " + in.SHA256
		if seen[key] {
			continue
		}
		seen[key] = true
		sc := rules.ScriptCheck{Inline: in, Status: rules.ScriptUnauthorized}
		for j := range c.entries {
			if applies[j] && c.entries[j].InlineSHA256 == in.SHA256 {
				used[j] = true
				sc.Status, sc.Entry, sc.By = rules.ScriptAuthorized, &c.info[j], "inline-sha256"
				break
			}
		}
		if sc.Entry != nil || payment {
			out.Scripts = append(out.Scripts, sc)
		}
	}
	for i := range c.entries {
		if c.entries[i].Required && applies[i] && !used[i] {
			out.Missing = append(out.Missing, &c.info[i])
		}
	}
	if len(out.Scripts) == 0 && len(out.Missing) == 0 && !payment {
		return nil
	}
	return out
}

// external is the verdict on one external script: the most specific entry that authorizes its
// content, else the most specific that identifies it (changed, or unread when its content
// could not be compared). ok is false when no applying entry identifies it on a page that is
// not a payment page.
func (c *Checker) external(r *crawler.Resource, applies, used []bool, payment bool) (rules.ScriptCheck, bool) {
	sc := rules.ScriptCheck{Resource: r, Status: rules.ScriptUnauthorized}
	var best, bestAuth = -1, -1
	var by, why string
	for j := range c.entries {
		e := &c.entries[j]
		if !applies[j] || e.InlineSHA256 != "" || !e.identifies(r.URL) {
			continue
		}
		used[j] = true
		if best < 0 || e.specificity() > c.entries[best].specificity() {
			best = j
		}
		how, unread := e.authorizes(r.Fetch)
		if how != "" && (bestAuth < 0 || e.specificity() > c.entries[bestAuth].specificity()) {
			bestAuth, by = j, how
		}
		if unread != "" && why == "" {
			why = unread
		}
	}
	switch {
	case bestAuth >= 0:
		sc.Status, sc.Entry, sc.By = rules.ScriptAuthorized, &c.info[bestAuth], by
	case best >= 0 && why != "":
		sc.Status, sc.Entry, sc.Detail = rules.ScriptUnread, &c.info[best], why
	case best >= 0:
		sc.Status, sc.Entry, sc.Detail = rules.ScriptChanged, &c.info[best], c.entries[best].mismatch(r.Fetch)
	case !payment:
		return sc, false
	}
	return sc, true
}

// authorizes says how the entry authorizes the content padlock fetched (sha256,
// normalized-sha256, content-any; "" when it does not), or why that content could not be
// compared (unread).
func (e *Entry) authorizes(f *crawler.Fetch) (how, unread string) {
	if e.Content == "any" {
		return "content-any", ""
	}
	if why := unreadable(f); why != "" {
		return "", why
	}
	if slices.Contains(e.SHA256, f.SHA256) {
		return "sha256", ""
	}
	if f.NormSHA256 != "" && slices.Contains(e.NormalizedSHA256, f.NormSHA256) {
		return "normalized-sha256", ""
	}
	return "", ""
}

// unreadable says why f holds no digest of the whole script, "" when it does.
func unreadable(f *crawler.Fetch) string {
	switch {
	case f == nil:
		return "padlock did not fetch it (--check-resources none)"
	case f.Err != "":
		return f.Err
	case f.Status < 200 || f.Status > 299:
		return fmt.Sprintf("HTTP %d %s", f.Status, http.StatusText(f.Status))
	case f.Truncated:
		return "cut at --max-body"
	case f.SHA256 == "":
		return "padlock did not read its body"
	}
	return ""
}

// mismatch says what was served and what the entry authorizes.
func (e *Entry) mismatch(f *crawler.Fetch) string {
	var want []string
	for _, h := range e.SHA256 {
		want = append(want, "sha256 "+h)
	}
	for _, h := range e.NormalizedSHA256 {
		want = append(want, "normalized-sha256 "+h)
	}
	got := "served sha256 " + f.SHA256
	if f.NormSHA256 != "" && len(e.NormalizedSHA256) > 0 {
		got += " (normalized " + f.NormSHA256 + ")"
	}
	return got + "; authorized: " + strings.Join(want, ", ")
}
