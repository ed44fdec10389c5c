package report

import (
	"net/url"
	"sort"

	"github.com/padlock-scan/padlock/rules"
)

// Fix is one insecure sub-resource URL to change, listed once however many pages load it: the
// fix list. On a template-built site one http: font in a shared stylesheet is one fix, not ten
// thousand findings.
type Fix struct {
	URL      string         `json:"url"`
	Rule     string         `json:"rule"` // the most severe rule that reported it
	Severity rules.Severity `json:"severity"`
	// Action is "use-https" when the https: copy answered with the same type (change the
	// scheme), "self-host-or-remove" when it did not, and "check" when it was not probed.
	Action   string `json:"action"`
	HTTPSURL string `json:"https_url,omitempty"`
	Findings int    `json:"findings"`
	Pages    int    `json:"pages"`
	// Stylesheets lists the stylesheets the URL is written in (fix it there once); Examples
	// lists up to five pages that load it.
	Stylesheets []string `json:"stylesheets,omitempty"`
	Examples    []string `json:"examples"`
}

// fixRules are the rules whose findings name a URL to change (Rule.FixList).
var fixRules = rulesWhere(func(r *rules.Rule) bool { return r.FixList })

const maxFixExamples = 5

// buildFixes groups the unsuppressed mixed-content findings by URL, most severe and most
// widespread first.
func buildFixes(fs []Finding) []Fix {
	b := newFixBuilder()
	for i := range fs {
		b.add(&fs[i])
	}
	return b.list()
}

// fixable reports whether f goes into the fix list.
func fixable(f *Finding) bool {
	return fixRules()[f.Rule] && f.Suppressed == nil && f.URL != ""
}

// fixBuilder groups findings into fixes as they come, in memory.
type fixBuilder struct {
	by    map[string]*fixAcc
	order []string
}

func newFixBuilder() *fixBuilder { return &fixBuilder{by: map[string]*fixAcc{}} }

func (b *fixBuilder) add(f *Finding) {
	if !fixable(f) {
		return
	}
	a := b.by[f.URL]
	if a == nil {
		a = newFixAcc(f, false)
		b.by[f.URL] = a
		b.order = append(b.order, f.URL)
	}
	a.add(f)
}

// list returns the fixes, most severe and most widespread first.
func (b *fixBuilder) list() []Fix {
	out := make([]Fix, 0, len(b.order))
	for _, u := range b.order {
		out = append(out, b.by[u].done())
	}
	sort.SliceStable(out, func(i, j int) bool { return fixBefore(&out[i], &out[j]) })
	return out
}

// fixAcc builds the fix of one URL from its findings, taken in report order.
type fixAcc struct {
	fix    Fix
	pages  map[string]bool // the pages seen; nil when the findings come grouped by page
	last   string          // the page of the last finding, when they come grouped
	npages int
	sheets map[string]bool
	avail  *bool
}

// newFixAcc starts the fix of f's URL; grouped says the findings will come with each page's
// together (a spool's merge), so no set of pages is kept.
func newFixAcc(f *Finding, grouped bool) *fixAcc {
	a := &fixAcc{fix: Fix{URL: f.URL, Rule: f.Rule, Severity: f.Severity}, sheets: map[string]bool{}}
	if !grouped {
		a.pages = map[string]bool{}
	}
	return a
}

func (a *fixAcc) add(f *Finding) {
	if f.Severity > a.fix.Severity {
		a.fix.Rule, a.fix.Severity = f.Rule, f.Severity
	}
	a.fix.Findings++
	newPage := false
	if a.pages != nil {
		newPage = !a.pages[f.Page]
		a.pages[f.Page] = true
	} else {
		newPage = a.npages == 0 || f.Page != a.last
		a.last = f.Page
	}
	if newPage {
		a.npages++
		if len(a.fix.Examples) < maxFixExamples {
			a.fix.Examples = append(a.fix.Examples, f.Page)
		}
	}
	if f.Stylesheet != "" && !a.sheets[f.Stylesheet] {
		a.sheets[f.Stylesheet] = true
		a.fix.Stylesheets = append(a.fix.Stylesheets, f.Stylesheet)
	}
	if f.HTTPSAvailable != nil && (a.avail == nil || *f.HTTPSAvailable) {
		a.avail = f.HTTPSAvailable
	}
}

// done returns the finished fix.
func (a *fixAcc) done() Fix {
	a.fix.Pages = a.npages
	switch {
	case a.avail == nil:
		a.fix.Action = "check"
	case *a.avail:
		a.fix.Action = "use-https"
	default:
		a.fix.Action = "self-host-or-remove"
	}
	a.fix.HTTPSURL = httpsTwin(a.fix.URL)
	sort.Strings(a.fix.Stylesheets)
	return a.fix
}

// fixBefore is the fix list's order: most severe, then most widespread, then by URL.
func fixBefore(a, b *Fix) bool {
	if a.Severity != b.Severity {
		return a.Severity > b.Severity
	}
	if a.Pages != b.Pages {
		return a.Pages > b.Pages
	}
	return a.URL < b.URL
}

// httpsTwin is the URL browsers' upgrade would fetch: https, with port 80 dropped.
func httpsTwin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "http" {
		return ""
	}
	u.Scheme = "https"
	if u.Port() == "80" {
		u.Host = u.Hostname()
	}
	return u.String()
}
