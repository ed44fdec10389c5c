package report

import (
	"sort"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/rules"
)

// InventoryCheck is the script inventory check of a crawl (PCI DSS 6.4.3), present when the
// crawl had an inventory: its entries, and for each payment page (and each page an entry's
// pages: patterns name) every script with its status and the approval that covers it. It is
// the table an assessor reads.
type InventoryCheck struct {
	// File is where the inventory was read from.
	File    string                `json:"file"`
	Entries []InventoryEntryState `json:"entries"`
	Pages   []InventoryPage       `json:"pages"`

	at map[string]int // page URL -> its index in Pages (the last added), for SetPage
}

// InventoryEntryState is one entry of the inventory as the crawl found it.
type InventoryEntryState struct {
	Name          string `json:"name"`
	Match         string `json:"match"` // url, url-pattern, origin or inline-sha256
	Identity      string `json:"identity"`
	Justification string `json:"justification"`
	Owner         string `json:"owner"`
	Approved      string `json:"approved"`
	Expires       string `json:"expires,omitempty"`
	Expired       bool   `json:"expired,omitempty"`
	ContentAny    bool   `json:"content_any,omitempty"`
	Required      bool   `json:"required,omitempty"`
	Line          int    `json:"line"`
	// Pages counts the pages where a script matched the entry.
	Pages int `json:"pages"`
}

// InventoryPage is one checked page and its scripts.
type InventoryPage struct {
	Page    string            `json:"page"`
	Payment bool              `json:"payment,omitempty"`
	Scripts []InventoryScript `json:"scripts"`

	entries []int // the indexes in Entries of the entries this page counted
}

// InventoryScript is one script of a checked page, or a required one it lacks.
type InventoryScript struct {
	// Status is authorized, unauthorized, changed, unread (it could not be read to be
	// compared) or missing (required, not on the page).
	Status string `json:"status"`
	// Kind is external, inline, handler or javascript-url.
	Kind string `json:"kind"`
	URL  string `json:"url,omitempty"`
	// SHA256 is of the bytes served (external; absent when not read) or of the text (inline).
	SHA256 string `json:"sha256,omitempty"`
	Line   int    `json:"line,omitempty"`
	// Snippet is the first 200 bytes of an inline script's text.
	Snippet string `json:"snippet,omitempty"`
	// Entry names the inventory entry that identifies the script; By says how it authorized it
	// (sha256, normalized-sha256, content-any, inline-sha256); Detail why it is changed or unread.
	Entry         string `json:"entry,omitempty"`
	By            string `json:"by,omitempty"`
	Detail        string `json:"detail,omitempty"`
	Justification string `json:"justification,omitempty"`
	Owner         string `json:"owner,omitempty"`
	Approved      string `json:"approved,omitempty"`
	Expires       string `json:"expires,omitempty"`
	// InjectedBy is, under --render, the script (or, for an inline script, the page) that
	// inserted this script: the browser ran it, the page's markup does not name it.
	InjectedBy string `json:"injected_by,omitempty"`
}

// NewInventoryCheck starts the inventory check of a crawl with the inventory's entries, each
// as the rules see it.
func NewInventoryCheck(file string, entries []rules.InventoryEntry) *InventoryCheck {
	ic := &InventoryCheck{File: file, Entries: make([]InventoryEntryState, len(entries)), Pages: []InventoryPage{}}
	for i, e := range entries {
		ic.Entries[i] = InventoryEntryState{
			Name: e.Name, Match: e.Match, Identity: e.Identity, Justification: e.Justification,
			Owner: e.Owner, Approved: e.Approved, Expires: e.Expires, Expired: e.Expired,
			ContentAny: e.ContentAny, Required: e.Required, Line: e.Line,
		}
	}
	return ic
}

// AddPage records the verdicts on one page (nil: the inventory had nothing to say there).
// entryIndex maps an entry the verdicts name to its index in Entries.
func (ic *InventoryCheck) AddPage(p *crawler.Page, payment bool, facts *rules.InventoryFacts, entryIndex func(*rules.InventoryEntry) int) {
	if ic == nil || facts == nil {
		return
	}
	ic.add(NewInventoryPage(p.FinalURL, payment, facts, entryIndex, nil))
}

// SetPage replaces the verdicts AddPage recorded on ip's page with ip (render mode: the
// verdicts on the scripts the browser ran too), or adds ip when the page had none. The
// entries' page counts follow.
func (ic *InventoryCheck) SetPage(ip InventoryPage) {
	if ic == nil {
		return
	}
	i, ok := ic.at[ip.Page]
	if !ok {
		ic.add(ip)
		return
	}
	for _, k := range ic.Pages[i].entries {
		ic.Entries[k].Pages--
	}
	for _, k := range ip.entries {
		ic.Entries[k].Pages++
	}
	ic.Pages[i] = ip
}

func (ic *InventoryCheck) add(ip InventoryPage) {
	for _, k := range ip.entries {
		ic.Entries[k].Pages++
	}
	if ic.at == nil {
		ic.at = map[string]int{}
	}
	ic.at[ip.Page] = len(ic.Pages)
	ic.Pages = append(ic.Pages, ip)
}

// NewInventoryPage is the inventory check's record of the verdicts on one page; entryIndex maps
// an entry the verdicts name to its index in the check's Entries. injectedBy names what
// inserted each script the browser ran that the markup does not name, by its URL (an inline
// script by rules.InlineURL of its hash); nil without render mode.
func NewInventoryPage(page string, payment bool, facts *rules.InventoryFacts, entryIndex func(*rules.InventoryEntry) int, injectedBy map[string]string) InventoryPage {
	ip := InventoryPage{Page: page, Payment: payment, Scripts: make([]InventoryScript, 0, len(facts.Scripts)+len(facts.Missing))}
	counted := map[int]bool{}
	for i := range facts.Scripts {
		c := &facts.Scripts[i]
		s := InventoryScript{Status: string(c.Status), By: c.By, Detail: c.Detail}
		if r := c.Resource; r != nil {
			s.Kind, s.URL, s.Line = "external", r.URL, r.Line
			if r.Fetch != nil {
				s.SHA256 = r.Fetch.SHA256
			}
			s.InjectedBy = injectedBy[r.URL]
		} else {
			s.Kind, s.SHA256, s.Line, s.Snippet = inlineKind(c.Inline.Kind), c.Inline.SHA256, c.Inline.Line, c.Inline.Snippet
			if c.Inline.Kind == "script" && c.Inline.Line == 0 {
				s.InjectedBy = injectedBy[rules.InlineURL(c.Inline.SHA256)]
			}
		}
		if e := c.Entry; e != nil {
			s.Entry, s.Justification, s.Owner, s.Approved, s.Expires = e.Name, e.Justification, e.Owner, e.Approved, e.Expires
			if k := entryIndex(e); k >= 0 && !counted[k] {
				counted[k] = true
				ip.entries = append(ip.entries, k)
			}
		}
		ip.Scripts = append(ip.Scripts, s)
	}
	for _, e := range facts.Missing {
		s := InventoryScript{Status: string(rules.ScriptMissing), Kind: "external", Entry: e.Name,
			Justification: e.Justification, Owner: e.Owner, Approved: e.Approved, Expires: e.Expires}
		if e.Match == "inline-sha256" {
			s.Kind, s.SHA256 = "inline", e.Identity
		} else {
			s.URL = e.Identity
		}
		ip.Scripts = append(ip.Scripts, s)
	}
	return ip
}

// Entries are the indexes in the check's Entries of the entries ip counts (NewInventoryPage's);
// WithEntries gives them back to a page that travelled without them (a worker's, as JSON).
func (ip *InventoryPage) Entries() []int { return ip.entries }

// WithEntries returns ip counting the entries of the given indexes.
func (ip InventoryPage) WithEntries(entries []int) InventoryPage {
	ip.entries = entries
	return ip
}

// inlineKind is the report's name of an inline script's kind (the crawler's "script" is
// "inline", as in the scripts list).
func inlineKind(k string) string {
	if k == "script" {
		return "inline"
	}
	return k
}

// sort orders the checked pages by URL, as pages[] is.
func (ic *InventoryCheck) sort() {
	if ic != nil {
		ic.at = nil
		sort.SliceStable(ic.Pages, func(i, j int) bool { return ic.Pages[i].Page < ic.Pages[j].Page })
	}
}

// htmlInventoryMax bounds the rows of the HTML inventory table; the JSON report has every one.
const htmlInventoryMax = 2000

// htmlInventory is the inventory check as the HTML report shows it.
type htmlInventory struct {
	File    string
	Entries int
	Expired int
	Counts  []htmlStatusCount
	Rows    []htmlInventoryRow
	Omitted int // rows past htmlInventoryMax
}

type htmlStatusCount struct {
	Status string
	Count  int
}

type htmlInventoryRow struct {
	Page                     htmlLink
	Status, Kind             string
	URL                      htmlLink
	SHA256, ShortHash        string
	Line                     int
	Snippet                  string
	Entry, By, Detail        string
	Justification, Owner     string
	Approved, Expires        string
	InjectedBy               htmlLink
	Problem, PageFirst, Good bool
}

// inventoryView is the HTML form of the inventory check, nil without one. Every string from
// the site or the inventory file goes through cleanText (and html/template's escaping).
func inventoryView(ic *InventoryCheck) *htmlInventory {
	if ic == nil {
		return nil
	}
	v := &htmlInventory{File: cleanText(ic.File), Entries: len(ic.Entries)}
	for _, e := range ic.Entries {
		if e.Expired {
			v.Expired++
		}
	}
	counts := map[string]int{}
	for _, p := range ic.Pages {
		for i, s := range p.Scripts {
			counts[s.Status]++
			if len(v.Rows) == htmlInventoryMax {
				v.Omitted++
				continue
			}
			row := htmlInventoryRow{
				Page: linkFor(p.Page), PageFirst: i == 0, Status: s.Status, Kind: cleanText(s.Kind),
				URL: linkFor(s.URL), SHA256: cleanText(s.SHA256), Line: s.Line, Snippet: cleanText(s.Snippet),
				Entry: cleanText(s.Entry), By: cleanText(s.By), Detail: cleanText(s.Detail),
				Justification: cleanText(s.Justification), Owner: cleanText(s.Owner),
				Approved: cleanText(s.Approved), Expires: cleanText(s.Expires),
				Good: s.Status == string(rules.ScriptAuthorized),
			}
			if s.InjectedBy != "" {
				row.InjectedBy = linkFor(s.InjectedBy)
			}
			row.Problem = !row.Good
			row.ShortHash = row.SHA256
			if len(row.ShortHash) > 16 {
				row.ShortHash = row.ShortHash[:16] + "…"
			}
			v.Rows = append(v.Rows, row)
		}
	}
	for _, st := range []rules.ScriptStatus{rules.ScriptAuthorized, rules.ScriptUnauthorized, rules.ScriptChanged, rules.ScriptUnread, rules.ScriptMissing} {
		if n := counts[string(st)]; n > 0 {
			v.Counts = append(v.Counts, htmlStatusCount{string(st), n})
		}
	}
	return v
}
