package report

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/padlock-scan/padlock/internal/hashtab"
)

// Changes is what differs between two reports of the same site: the answer to PCI DSS 11.6.1's
// "detect changes to the scripts and security-impacting headers of payment pages", and to "what
// did this deploy break or fix".
type Changes struct {
	// Site is the new report's first start URL; OldSite the old one's when it is another (a
	// preview compared with production).
	Site           string         `json:"site,omitempty"`
	OldSite        string         `json:"old_site,omitempty"`
	Old            string         `json:"old_started_at"`
	New            string         `json:"new_started_at"`
	ScriptsAdded   []Script       `json:"scripts_added"`
	ScriptsRemoved []Script       `json:"scripts_removed"`
	ScriptsChanged []ScriptChange `json:"scripts_changed"`
	CSPChanged     []HeaderChange `json:"csp_changed"`
	// HeadersChanged are security headers of a page that is a payment page in both reports.
	HeadersChanged []HeaderChange `json:"headers_changed"`
	OriginsChanged []OriginChange `json:"origins_changed"`
	NewFindings    []Finding      `json:"new_findings"`
	Fixed          []Finding      `json:"fixed_findings"`
	PagesAdded     []string       `json:"pages_added"`
	PagesRemoved   []string       `json:"pages_removed"`
	// PagesFailed are pages the old crawl fetched whole that the new one could not (an error
	// status, a timeout, cut at --max-body): on a payment page, the change to look at first.
	PagesFailed []PageFailure `json:"pages_failed"`
	// Warnings say what the comparison could not cover: an interrupted or capped crawl, and
	// findings and scripts on pages the new crawl did not check (not counted as fixed or removed).
	Warnings []string `json:"warnings"`
	// NotCompared names the rules one of the two crawls did not run: their findings are left
	// out of NewFindings and Fixed, since a rule that was off proves nothing either way.
	NotCompared []string `json:"rules_not_compared,omitempty"`
}

// PageFailure is a page that loaded before and does not now.
type PageFailure struct {
	URL   string `json:"url"`
	Error string `json:"error"`
}

// ScriptChange is an external script whose bytes changed.
type ScriptChange struct {
	URL          string   `json:"url"`
	OldSHA256    string   `json:"old_sha256"`
	NewSHA256    string   `json:"new_sha256"`
	PaymentPages []string `json:"payment_pages,omitempty"`
}

// HeaderChange is a page whose enforced Content-Security-Policy (csp_changed) or one of whose
// security headers (headers_changed, Header set) changed; an absent header is an empty list.
type HeaderChange struct {
	Page   string   `json:"page"`
	Header string   `json:"header,omitempty"`
	Old    []string `json:"old"`
	New    []string `json:"new"`
}

// OriginChange is an origin whose TLS version, certificate or HSTS changed.
type OriginChange struct {
	Origin string `json:"origin"`
	Field  string `json:"field"` // tls_version, hsts, certificate_issuer, certificate_not_after, legacy_tls_accepted, tls_grade
	Old    string `json:"old"`
	New    string `json:"new"`
}

// Empty reports whether nothing changed.
func (c *Changes) Empty() bool {
	return len(c.NewFindings) == 0 && len(c.Fixed) == 0 && len(c.PagesAdded) == 0 && len(c.PagesRemoved) == 0 && len(c.PagesFailed) == 0 &&
		len(c.ScriptsAdded) == 0 && len(c.ScriptsRemoved) == 0 && len(c.ScriptsChanged) == 0 &&
		len(c.CSPChanged) == 0 && len(c.HeadersChanged) == 0 && len(c.OriginsChanged) == 0
}

// scriptKey identifies a script across runs: external ones by URL, inline ones by their hash
// (an inline script that changes is one removed and one added).
func scriptKey(cmp *Comparison, s Script) string {
	if s.Kind == "external" {
		return "external " + cmp.URL(s.URL)
	}
	return s.Kind + " " + s.SHA256
}

// Diff compares an old and a new report. A finding or script missing from the new report
// counts as fixed or removed only where the new crawl looked: its page loaded whole (or its
// origin was probed) and its rule ran; the rest is counted in Warnings.
//
// Either report may be spooled (OpenFile): Diff reads their pages and findings a few times each,
// one at a time, and keeps only hashed keys of them (a few bytes a page and a finding) and what
// changed, never either report whole.
func Diff(old, cur *Report) *Changes {
	cmp := Compare(old, cur)
	c := &Changes{
		Old: old.StartedAt.Format("2006-01-02T15:04:05Z07:00"), New: cur.StartedAt.Format("2006-01-02T15:04:05Z07:00"),
		ScriptsAdded: []Script{}, ScriptsRemoved: []Script{}, ScriptsChanged: []ScriptChange{}, CSPChanged: []HeaderChange{}, HeadersChanged: []HeaderChange{},
		OriginsChanged: []OriginChange{}, NewFindings: []Finding{}, Fixed: []Finding{}, PagesAdded: []string{},
		PagesRemoved: []string{}, PagesFailed: []PageFailure{}, Warnings: []string{},
	}
	if len(cur.StartURLs) > 0 {
		c.Site = cur.StartURLs[0]
	}
	if len(old.StartURLs) > 0 && old.StartURLs[0] != c.Site {
		c.OldSite = old.StartURLs[0]
	}
	skip := map[string]bool{}
	for _, r := range []*Report{old, cur} {
		for _, id := range r.Config.RulesDisabledOrNil() {
			if !skip[id] {
				skip[id] = true
				c.NotCompared = append(c.NotCompared, id)
			}
		}
	}
	sort.Strings(c.NotCompared)
	for _, w := range []struct {
		r    *Report
		name string
	}{{old, "old"}, {cur, "new"}} {
		switch n := w.r.Stats.NotCrawled; {
		case w.r.Interrupted && n > 0:
			c.Warnings = append(c.Warnings, fmt.Sprintf("the %s crawl was interrupted with %d URLs not crawled: its report is partial", w.name, n))
		case w.r.Interrupted:
			c.Warnings = append(c.Warnings, "the "+w.name+" crawl was interrupted: its report is partial")
		case n > 0:
			c.Warnings = append(c.Warnings, fmt.Sprintf("the %s crawl stopped at --max-pages with %d URLs not crawled", w.name, n))
		}
	}
	if a, b := scopeOf(cmp, old), scopeOf(cmp, cur); a != b {
		c.Warnings = append(c.Warnings, fmt.Sprintf("the crawls had a different scope (old: %s; new: %s): pages added or removed may come from that", a, b))
	}
	var oldF, curF KeySet
	_ = old.EachFinding(func(f *Finding) error { oldF.Add(cmp.Key(*f)); return nil }) // read errors: see Err
	_ = cur.EachFinding(func(f *Finding) error {
		if skip[f.Rule] {
			return nil
		}
		k := cmp.Key(*f)
		curF.Add(k)
		if !oldF.Has(k) {
			c.NewFindings = append(c.NewFindings, *f)
		}
		return nil
	})
	oldF = KeySet{}
	cov, unseen := cur.Coverage(cmp), 0
	_ = old.EachFinding(func(f *Finding) error {
		if skip[f.Rule] || curF.Has(cmp.Key(*f)) {
			return nil
		}
		if !cov.Finding(old, *f) {
			unseen++
			return nil
		}
		c.Fixed = append(c.Fixed, *f)
		return nil
	})
	curF = KeySet{}
	if unseen > 0 {
		c.Warnings = append(c.Warnings, fmt.Sprintf("%d findings of the old report are on pages or origins the new crawl did not check; not counted as fixed", unseen))
	}
	c.PagesAdded, c.PagesRemoved = pagesDiff(cmp, old, cur)
	if n := len(c.PagesRemoved); n > 0 && cur.partial() {
		// The report does not say which URLs were left in the queue: a page the new crawl did
		// not reach may still be there.
		c.Warnings = append(c.Warnings, fmt.Sprintf("%d pages of the old report were not reached by the new crawl, "+
			"which stopped short; not counted as removed", n))
		c.PagesRemoved = []string{}
	}
	oldCov := old.Coverage(cmp)
	_ = cur.EachPage(func(p *Page) error {
		was, ok := oldCov.record(p.URL)
		if !ok {
			return nil
		}
		if now, ok := cov.record(p.URL); ok && now.same(was) {
			return nil
		}
		c.PagesFailed = append(c.PagesFailed, PageFailure{URL: p.URL, Error: whyNotParsed(p)})
		return nil
	})
	sort.Slice(c.PagesFailed, func(i, j int) bool { return c.PagesFailed[i].URL < c.PagesFailed[j].URL })
	SortFindings(c.NewFindings)
	SortFindings(c.Fixed)
	c.diffScripts(cmp, old, cur, cov)
	c.diffCSP(cmp, old, cur)
	c.diffHeaders(cmp, old, cur)
	c.diffOrigins(old, cur)
	return c
}

// partial reports whether the crawl stopped before it had reached every page it found: it was
// interrupted, or --max-pages left URLs in the queue.
func (r *Report) partial() bool { return r.Interrupted || r.Stats.NotCrawled > 0 }

// whyNotParsed says why a page record that was parsed last time is not (or ends elsewhere).
func whyNotParsed(p *Page) string {
	switch {
	case p.Error != "":
		return p.Error
	case p.Truncated:
		return "cut at the size limit (--max-body)"
	case p.Status >= 300 && p.Status < 400 && len(p.Redirects) > 0:
		return "now redirects to " + p.Redirects[len(p.Redirects)-1].To
	case p.Status < 200 || p.Status >= 300:
		return fmt.Sprintf("now answers HTTP %d", p.Status)
	}
	return "now ends at " + p.FinalURL
}

// diffScripts compares the inventories. A site with an inline script of its own on every page
// has as many entries as pages: the old one is kept as hashes (script -> its SHA-256), and the
// old hashes of the scripts that changed are read again after.
func (c *Changes) diffScripts(cmp *Comparison, old, cur *Report, cov *Coverage) {
	var oldS hashtab.Map[uint64] // key -> hash of the SHA-256, 0 when there is none
	_ = old.EachScript(func(s *Script) error {
		var sha uint64
		if s.SHA256 != "" {
			sha = keyHash(s.SHA256) | 1
		}
		oldS.Put(keyHash(scriptKey(cmp, *s)), sha)
		return nil
	})
	var curS hashtab.Map[struct{}]
	changed := map[uint64][]int{} // key -> its entries in ScriptsChanged, whose OldSHA256 is filled in below
	_ = cur.EachScript(func(s *Script) error {
		k := keyHash(scriptKey(cmp, *s))
		curS.Put(k, struct{}{})
		o, ok := oldS.Get(k)
		switch {
		case !ok:
			c.ScriptsAdded = append(c.ScriptsAdded, *s)
		case s.Kind == "external" && o != 0 && s.SHA256 != "" && o != keyHash(s.SHA256)|1:
			changed[k] = append(changed[k], len(c.ScriptsChanged))
			c.ScriptsChanged = append(c.ScriptsChanged, ScriptChange{URL: s.URL, NewSHA256: s.SHA256, PaymentPages: s.PaymentPages})
		}
		return nil
	})
	oldS = hashtab.Map[uint64]{}
	unseen := 0
	_ = old.EachScript(func(s *Script) error {
		k := keyHash(scriptKey(cmp, *s))
		for _, i := range changed[k] { // the last entry of a key wins, as in oldS
			c.ScriptsChanged[i].OldSHA256 = s.SHA256
		}
		if _, ok := curS.Get(k); ok {
			return nil
		}
		// removed only if the new crawl loaded a page it was on
		seen := false
		for _, list := range [][]string{s.Pages, s.PaymentPages} {
			for _, p := range list {
				seen = seen || cov.Parsed(p)
			}
		}
		if !seen {
			unseen++
			return nil
		}
		c.ScriptsRemoved = append(c.ScriptsRemoved, *s)
		return nil
	})
	if unseen > 0 {
		c.Warnings = append(c.Warnings, fmt.Sprintf("%d scripts of the old report are only on pages the new crawl did not check; not counted as removed", unseen))
	}
}

// diffCSP compares the policies of pages that loaded both times. The old report's are kept as
// hashes (page -> policy); the old policies of the pages that changed are read again after.
func (c *Changes) diffCSP(cmp *Comparison, old, cur *Report) {
	nonNil := func(v []string) []string {
		if v == nil {
			return []string{}
		}
		return v
	}
	var oldP hashtab.Map[uint64]
	_ = old.EachPage(func(p *Page) error {
		if p.Error == "" {
			oldP.Put(keyHash(cmp.URL(p.URL)), keyHash(strings.Join(p.CSP, "\n")))
		}
		return nil
	})
	changed := map[uint64][]int{} // page -> its entries in CSPChanged, whose Old is filled in below
	_ = cur.EachPage(func(p *Page) error {
		k := keyHash(cmp.URL(p.URL))
		o, ok := oldP.Get(k)
		if ok && p.Error == "" && o != keyHash(strings.Join(p.CSP, "\n")) {
			changed[k] = append(changed[k], len(c.CSPChanged))
			c.CSPChanged = append(c.CSPChanged, HeaderChange{Page: p.URL, New: nonNil(p.CSP)})
		}
		return nil
	})
	oldP = hashtab.Map[uint64]{}
	if len(changed) > 0 {
		_ = old.EachPage(func(p *Page) error { // the last record of a URL wins, as in oldP
			if p.Error == "" {
				for _, i := range changed[keyHash(cmp.URL(p.URL))] {
					c.CSPChanged[i].Old = nonNil(p.CSP)
				}
			}
			return nil
		})
	}
	sort.Slice(c.CSPChanged, func(i, j int) bool { return c.CSPChanged[i].Page < c.CSPChanged[j].Page })
}

// diffHeaders compares the security headers of pages that are payment pages in both reports
// (only those have them recorded) and that loaded both times. A Content-Security-Policy header
// whose change diffCSP found already is left out.
func (c *Changes) diffHeaders(cmp *Comparison, old, cur *Report) {
	oldP := map[string]*Page{} // payment pages only: a few
	_ = old.EachPage(func(p *Page) error {
		if p.Payment && p.Error == "" {
			v := *p
			oldP[cmp.URL(p.URL)] = &v
		}
		return nil
	})
	list := func(v string, ok bool) []string {
		if !ok {
			return []string{}
		}
		return []string{v}
	}
	_ = cur.EachPage(func(p *Page) error {
		if !p.Payment || p.Error != "" {
			return nil
		}
		o := oldP[cmp.URL(p.URL)]
		if o == nil {
			return nil
		}
		cspChanged := slices.ContainsFunc(c.CSPChanged, func(h HeaderChange) bool { return h.Page == p.URL })
		for _, name := range securityHeaderNames {
			if name == "Content-Security-Policy" && cspChanged {
				continue // csp_changed has it already: one change, reported once
			}
			a, aok := o.SecurityHeaders[name]
			b, bok := p.SecurityHeaders[name]
			if a != b || aok != bok {
				c.HeadersChanged = append(c.HeadersChanged, HeaderChange{Page: p.URL, Header: name, Old: list(a, aok), New: list(b, bok)})
			}
		}
		return nil
	})
	sort.SliceStable(c.HeadersChanged, func(i, j int) bool { return c.HeadersChanged[i].Page < c.HeadersChanged[j].Page })
}

func (c *Changes) diffOrigins(old, cur *Report) {
	oldO := map[string]Origin{}
	for _, o := range old.Origins {
		oldO[o.Origin] = o
	}
	for _, n := range cur.Origins {
		o, ok := oldO[n.Origin]
		if !ok {
			continue
		}
		add := func(field, a, b string) {
			if a != b {
				c.OriginsChanged = append(c.OriginsChanged, OriginChange{Origin: n.Origin, Field: field, Old: a, New: b})
			}
		}
		add("tls_version", o.TLSVersion, n.TLSVersion)
		add("hsts", o.HSTS, n.HSTS)
		add("legacy_tls_accepted", boolText(o.LegacyTLS), boolText(n.LegacyTLS))
		var oi, ni, oa, na string
		if o.Certificate != nil {
			oi, oa = o.Certificate.Issuer, o.Certificate.NotAfter.Format("2006-01-02")
		}
		if n.Certificate != nil {
			ni, na = n.Certificate.Issuer, n.Certificate.NotAfter.Format("2006-01-02")
		}
		add("certificate_issuer", oi, ni)
		add("certificate_not_after", oa, na)
		if o.Summary != nil && n.Summary != nil { // a report from before grades has none
			add("tls_grade", o.Summary.Grade, n.Summary.Grade)
		}
	}
}

// scopeOf describes the settings that decide which pages a crawl reaches.
func scopeOf(cmp *Comparison, r *Report) string {
	starts := make([]string, len(r.StartURLs))
	for i, u := range r.StartURLs {
		starts[i] = cmp.URL(u)
	}
	sort.Strings(starts)
	parts := []string{"start " + strings.Join(starts, " ")}
	if s := r.Config; s != nil {
		parts = append(parts, fmt.Sprintf("max-pages %d", s.MaxPages), fmt.Sprintf("max-depth %d", s.MaxDepth))
		if s.NoFollow {
			parts = append(parts, "no-follow")
		}
		if s.IgnoreRobots {
			parts = append(parts, "ignore-robots")
		}
		if len(s.Include) > 0 {
			parts = append(parts, "include "+strings.Join(s.Include, " "))
		}
		if len(s.Exclude) > 0 {
			parts = append(parts, "exclude "+strings.Join(s.Exclude, " "))
		}
	}
	return strings.Join(parts, ", ")
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// pagesDiff lists the pages only in cur (added) and only in old (removed), each under its own
// report's URL (the last record's, where several compare equal).
func pagesDiff(cmp *Comparison, old, cur *Report) (added, removed []string) {
	urls := func(r *Report) KeySet {
		var s KeySet
		_ = r.EachPage(func(p *Page) error { s.Add(cmp.URL(p.URL)); return nil })
		return s
	}
	only := func(r *Report, other KeySet) []string {
		m := map[uint64]string{}
		_ = r.EachPage(func(p *Page) error {
			if k := cmp.URL(p.URL); !other.Has(k) {
				m[keyHash(k)] = p.URL
			}
			return nil
		})
		out := make([]string, 0, len(m))
		for _, u := range m {
			out = append(out, u)
		}
		sort.Strings(out)
		return out
	}
	added = only(cur, urls(old))
	removed = only(old, urls(cur))
	return added, removed
}
