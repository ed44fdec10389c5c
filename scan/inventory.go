package scan

import (
	"net/url"
	"slices"
	"sort"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/report"
	"github.com/padlock-scan/padlock/rules"
)

// maxListedPages bounds the pages listed per inventory entry (the first by URL); PageCount has
// the full number and payment pages are always listed in full.
const maxListedPages = 20

// inventory collects the scripts of every page as pages arrive, keeping one entry per external
// URL or inline hash, so memory grows with distinct scripts, not with pages; with uses set, each
// page's use of a script goes there instead (the report spools them, for sites where scripts
// differ from page to page), and the report lists the inventory.
type inventory struct {
	cfg     *rules.Config
	entries map[string]*invEntry
	uses    func(key string, s report.Script, page string, payment bool)
	// made keeps the entry an external script's URL last made, for the next page that includes
	// it the same way (with uses set every page's entry is made: most pages of a site include
	// the same scripts). Bounded: URLs past maxMade are made every time.
	made map[string]madeScript
}

// maxMade bounds inventory.made.
const maxMade = 1024

// madeScript is an external script's entry and what it was made from besides the URL: the
// page's host (which decides the party) and the reference's integrity and check.
type madeScript struct {
	pageHost, integrity string
	fetch               fetchFacts
	s                   report.Script
}

// fetchFacts are the fields of a script's check that its entry reads (here and in
// rules.IntegrityMatches); zero without a check.
type fetchFacts struct {
	checked                bool
	status                 int
	size                   int64
	truncated              bool
	sha256, sha384, sha512 string
}

type invEntry struct {
	s        report.Script
	pages    []string
	payment  []string
	linePage string // the page of s.Line (inline scripts)
}

func (inv *inventory) add(p *crawler.Page, payment bool) {
	if inv.entries == nil {
		inv.entries = map[string]*invEntry{}
	}
	pageURL, err := url.Parse(p.FinalURL)
	if err != nil {
		return
	}
	seen := map[string]bool{}
	inv.eachScript(p, pageURL, func(key string, mk func() report.Script) { inv.note(seen, key, p.FinalURL, payment, mk) })
}

// markPayment lists p, which add counted as no payment page, among the payment pages of its
// scripts (render mode found card fields the markup lacks).
func (inv *inventory) markPayment(p *crawler.Page) {
	seen := map[string]bool{}
	inv.eachScript(p, nil, func(key string, _ func() report.Script) {
		if e := inv.entries[key]; e != nil && !seen[key] {
			seen[key] = true
			e.payment = append(e.payment, p.FinalURL)
		}
	})
}

// eachScript calls note with the inventory key of each script of p and a function making its
// entry (pageURL is p's final URL, parsed; mk needs it).
func (inv *inventory) eachScript(p *crawler.Page, pageURL *url.URL, note func(key string, mk func() report.Script)) {
	for i := range p.Resources {
		r := &p.Resources[i]
		if r.Kind != crawler.KindScript {
			continue
		}
		key := "x " + r.URL
		if sc, ok := inv.madeBefore(pageURL, r); ok {
			note(key, func() report.Script { return sc })
			continue
		}
		u, err := url.Parse(r.URL)
		if err != nil {
			continue
		}
		note(key, func() report.Script { return inv.externalEntry(pageURL, u, r) })
	}
	for _, in := range p.InlineScripts {
		key := "i " + in.Kind + " " + in.SHA256
		note(key, func() report.Script {
			kind := in.Kind
			if kind == "script" {
				kind = "inline"
			}
			return report.Script{Kind: kind, SHA256: in.SHA256, Size: int64(in.Size), Party: "first", Snippet: in.Snippet, Line: in.Line}
		})
		if inv.uses != nil {
			continue // the spool lists each script as the first page by URL makes it, line included
		}
		// The line on the first page by URL, so two crawls of one site agree.
		if e := inv.entries[key]; e.linePage == "" || p.FinalURL < e.linePage {
			e.linePage, e.s.Line = p.FinalURL, in.Line
		}
	}
}

// note counts one page (payment or not) for the script of key, made by mk when first seen;
// seen holds the keys the page already counted (the same script twice on a page counts once).
func (inv *inventory) note(seen map[string]bool, key, page string, payment bool, mk func() report.Script) {
	if seen[key] {
		return
	}
	seen[key] = true
	if inv.uses != nil {
		inv.uses(key, mk(), page, payment)
		return
	}
	e := inv.entries[key]
	if e == nil {
		e = &invEntry{s: mk()}
		inv.entries[key] = e
	}
	e.s.PageCount++
	if len(e.pages) < maxListedPages {
		e.pages = append(e.pages, page)
	} else if i := slices.Index(e.pages, slices.Max(e.pages)); page < e.pages[i] {
		e.pages[i] = page // the first pages by URL, whatever order they came in
	}
	if payment {
		e.payment = append(e.payment, page)
	}
}

// madeBefore returns the entry externalEntry made for r's URL when it was made the same way:
// the same page host (the party), integrity and check.
func (inv *inventory) madeBefore(pageURL *url.URL, r *crawler.Resource) (report.Script, bool) {
	m, ok := inv.made[r.URL]
	if !ok || pageURL == nil || m.pageHost != pageURL.Host || m.integrity != r.Integrity || m.fetch != factsOf(r.Fetch) {
		return report.Script{}, false
	}
	return m.s, true
}

func factsOf(c *crawler.Fetch) fetchFacts {
	if c == nil {
		return fetchFacts{}
	}
	return fetchFacts{true, c.Status, c.Size, c.Truncated, c.SHA256, c.SHA384, c.SHA512}
}

// externalEntry makes the inventory entry of the external script r (at u) on the page at
// pageURL, and keeps it for the next page that includes it the same way.
func (inv *inventory) externalEntry(pageURL, u *url.URL, r *crawler.Resource) report.Script {
	s := inv.external(pageURL, u)
	s.URL, s.Integrity = r.URL, r.Integrity
	if f := r.Fetch; f != nil {
		s.SHA256, s.Size, s.Status = f.SHA256, f.Size, f.Status
		if checked, ok := rules.IntegrityMatches(rules.ParseIntegrity(r.Integrity), f); checked {
			s.IntegrityValid = &ok
		}
	}
	if inv.made == nil {
		inv.made = map[string]madeScript{}
	}
	if _, ok := inv.made[r.URL]; ok || len(inv.made) < maxMade {
		inv.made[r.URL] = madeScript{pageHost: pageURL.Host, integrity: r.Integrity, fetch: factsOf(r.Fetch), s: s}
	}
	return s
}

// external is the inventory entry of the script at u on the page at pageURL: its party, and
// what approves it when it is a third party's.
func (inv *inventory) external(pageURL, u *url.URL) report.Script {
	s := report.Script{Kind: "external", URL: u.String(), Party: "first"}
	if rules.ThirdParty(pageURL, u, inv.cfg) {
		s.Party = "third"
		s.AllowedBy = rules.AllowedBy(u, inv.cfg)
		s.Justification = inv.cfg.ScriptJustifications[s.AllowedBy]
	}
	return s
}

// list returns the inventory sorted by kind, URL and hash.
func (inv *inventory) list() []report.Script {
	out := make([]report.Script, 0, len(inv.entries))
	for _, e := range inv.entries {
		s := e.s
		s.Pages = append([]string(nil), e.pages...)
		sort.Strings(s.Pages)
		s.PaymentPages = append([]string(nil), e.payment...)
		sort.Strings(s.PaymentPages)
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.URL != b.URL {
			return a.URL < b.URL
		}
		return a.SHA256 < b.SHA256
	})
	return out
}

// fromOrigin converts a probed origin to its report form.
func fromOrigin(o crawler.Origin) report.Origin {
	out := report.Origin{
		Origin: o.Origin, InScope: o.InScope, FirstPage: o.FirstPage, TLSVersion: o.Version,
		Cipher: o.Cipher, LegacyTLS: o.LegacyTLS, LegacyVersion: o.LegacyVersion, Error: o.ProbeErr,
		Endpoint: o.Endpoint, Summary: report.SummarizeTLS(&o),
	}
	if out.TLSVersion == "" && o.LegacyTLS {
		out.TLSVersion = o.LegacyVersion
	}
	if o.Subject != "" || o.CertProblem != "" {
		out.Certificate = &report.Certificate{
			Subject: o.Subject, Issuer: o.Issuer, NotBefore: o.NotBefore, NotAfter: o.NotAfter,
			DNSNames: o.DNSNames, Problem: o.CertProblem, Error: o.CertError,
		}
	}
	if len(o.HSTS) > 0 {
		out.HSTS = o.HSTS[0].Header
		out.HSTSVaries = len(o.HSTS) > 1 || o.HSTSFolded
		for _, h := range o.HSTS {
			out.HSTSPages += h.NumPages()
		}
	}
	if o.ModernErr != "" && out.Error == "" && o.Version == "" && !o.LegacyTLS {
		out.Error = o.ModernErr
	}
	return out
}
