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

// fixBuilder groups findings into fixes as they come.
type fixBuilder struct {
	by    map[string]*fixAcc
	order []string
}

type fixAcc struct {
	fix    Fix
	pages  map[string]bool
	sheets map[string]bool
	avail  *bool
}

func newFixBuilder() *fixBuilder { return &fixBuilder{by: map[string]*fixAcc{}} }

func (b *fixBuilder) add(f *Finding) {
	if !fixRules()[f.Rule] || f.Suppressed != nil || f.URL == "" {
		return
	}
	a := b.by[f.URL]
	if a == nil {
		a = &fixAcc{fix: Fix{URL: f.URL, Rule: f.Rule, Severity: f.Severity}, pages: map[string]bool{}, sheets: map[string]bool{}}
		b.by[f.URL] = a
		b.order = append(b.order, f.URL)
	}
	if f.Severity > a.fix.Severity {
		a.fix.Rule, a.fix.Severity = f.Rule, f.Severity
	}
	a.fix.Findings++
	if !a.pages[f.Page] {
		a.pages[f.Page] = true
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

// list returns the fixes, most severe and most widespread first.
func (b *fixBuilder) list() []Fix {
	out := make([]Fix, 0, len(b.order))
	for _, u := range b.order {
		a := b.by[u]
		a.fix.Pages = len(a.pages)
		switch {
		case a.avail == nil:
			a.fix.Action = "check"
		case *a.avail:
			a.fix.Action = "use-https"
		default:
			a.fix.Action = "self-host-or-remove"
		}
		a.fix.HTTPSURL = httpsTwin(u)
		sort.Strings(a.fix.Stylesheets)
		out = append(out, a.fix)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		if a.Pages != b.Pages {
			return a.Pages > b.Pages
		}
		return a.URL < b.URL
	})
	return out
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
