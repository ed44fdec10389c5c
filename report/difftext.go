package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteText writes the changes for a person to read (padlock diff): the site and both crawls'
// dates, then one line per change, marked + (added), - (removed or fixed), ~ (changed) or ! (a
// page that no longer loads), then a count of each kind. Hashes are written in full (an assessor
// compares them with an inventory), an inline script with the page it is on, and one CSP or
// header change seen on several pages once, with the pages. The values come from crawled sites:
// a terminal should be given them through an escaping writer.
func (ch *Changes) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	if ch.Site != "" {
		fmt.Fprintf(bw, "site %s", ch.Site)
		if ch.OldSite != "" {
			fmt.Fprintf(bw, " (old crawl: %s)", ch.OldSite)
		}
		fmt.Fprintln(bw)
	}
	if ch.Old != "" || ch.New != "" {
		fmt.Fprintf(bw, "old crawl started %s, new crawl started %s\n", ch.Old, ch.New)
	}
	if len(ch.NotCompared) > 0 {
		fmt.Fprintf(bw, "rules not compared (off in one of the runs): %s\n", strings.Join(ch.NotCompared, ", "))
	}
	for _, m := range ch.Warnings {
		fmt.Fprintln(bw, "warning:", m)
	}
	if ch.Empty() {
		fmt.Fprintln(bw, "no changes")
		return bw.Flush()
	}
	for _, p := range ch.PagesFailed {
		fmt.Fprintf(bw, "! page %s no longer loads: %s\n", p.URL, p.Error)
	}
	for _, s := range ch.ScriptsAdded {
		fmt.Fprintf(bw, "+ script %s%s\n", scriptName(s), scriptWhere(s))
	}
	for _, s := range ch.ScriptsRemoved {
		fmt.Fprintf(bw, "- script %s%s\n", scriptName(s), scriptWhere(s))
	}
	for _, s := range ch.ScriptsChanged {
		fmt.Fprintf(bw, "~ script %s: sha256 %s -> %s%s\n", s.URL, s.OldSHA256, s.NewSHA256, paymentNote(s.PaymentPages))
	}
	for _, g := range groupHeaderChanges(ch.CSPChanged) {
		fmt.Fprintf(bw, "~ csp %s: %q -> %q\n", g.pages, strings.Join(g.Old, " | "), strings.Join(g.New, " | "))
	}
	for _, g := range groupHeaderChanges(ch.HeadersChanged) {
		fmt.Fprintf(bw, "~ header %s %s: %q -> %q\n", g.pages, g.Header, strings.Join(g.Old, ""), strings.Join(g.New, ""))
	}
	for _, o := range ch.OriginsChanged {
		fmt.Fprintf(bw, "~ origin %s %s: %q -> %q\n", o.Origin, o.Field, o.Old, o.New)
	}
	for _, f := range ch.NewFindings {
		fmt.Fprintf(bw, "+ %s %s %s (%s)\n", f.Severity, f.Rule, f.URL, f.where())
	}
	for _, f := range ch.Fixed {
		fmt.Fprintf(bw, "- %s %s %s (%s)\n", f.Severity, f.Rule, f.URL, f.where())
	}
	for _, p := range ch.PagesAdded {
		fmt.Fprintf(bw, "+ page %s\n", p)
	}
	for _, p := range ch.PagesRemoved {
		fmt.Fprintf(bw, "- page %s\n", p)
	}
	fmt.Fprintf(bw, "scripts: %d added, %d removed, %d changed; %d CSP, %d header and %d origin changes; findings: %d new, %d fixed; pages: %d added, %d removed, %d failing\n",
		len(ch.ScriptsAdded), len(ch.ScriptsRemoved), len(ch.ScriptsChanged), len(ch.CSPChanged), len(ch.HeadersChanged), len(ch.OriginsChanged),
		len(ch.NewFindings), len(ch.Fixed), len(ch.PagesAdded), len(ch.PagesRemoved), len(ch.PagesFailed))
	return bw.Flush()
}

// WriteJSON writes the changes as indented JSON (padlock diff --json).
func (ch *Changes) WriteJSON(w io.Writer) error { return encodeIndented(w, ch, "") }

// scriptName is an external script's URL, or an inline script's kind and full hash.
func scriptName(s Script) string {
	if s.URL != "" {
		return s.URL
	}
	return s.Kind + " sha256:" + s.SHA256
}

// maxTextPages bounds the pages a line of diff text names.
const maxTextPages = 5

// scriptWhere says where a script is: an inline one by its page (the first payment page, else
// the first page), an external one by the number of payment pages.
func scriptWhere(s Script) string {
	if s.URL != "" {
		return paymentNote(s.PaymentPages)
	}
	pages, what := s.PaymentPages, " payment page"
	if len(pages) == 0 {
		pages, what = s.Pages, ""
	}
	if len(pages) == 0 {
		return ""
	}
	n := max(s.PageCount, len(pages))
	out := " on" + what + " " + pages[0]
	if n > 1 {
		out += " and " + plural(n-1, "other page")
	}
	if s.Line > 0 && len(s.Pages) > 0 {
		out += fmt.Sprintf(", line %d of %s", s.Line, s.Pages[0])
	}
	if s.Snippet != "" {
		out += fmt.Sprintf(": %q", s.Snippet)
	}
	return out
}

func paymentNote(pages []string) string {
	if len(pages) == 0 {
		return ""
	}
	return " (on " + plural(len(pages), "payment page") + ")"
}

// headerGroup is one header change (same header, same old and new values) on one or more pages.
type headerGroup struct {
	HeaderChange
	pages string // "https://s.test/a" or "on 3 pages (a, b, c)"
}

// groupHeaderChanges merges the changes of one header from one value to the same other value on
// several pages into one line: a site-wide CSP change is one change, not one per page.
func groupHeaderChanges(hs []HeaderChange) []headerGroup {
	var out []headerGroup
	var pages [][]string
	index := map[string]int{}
	for _, h := range hs {
		k := h.Header + "\x00" + strings.Join(h.Old, "\x01") + "\x00" + strings.Join(h.New, "\x01")
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, headerGroup{HeaderChange: h})
			pages = append(pages, nil)
		}
		pages[i] = append(pages[i], h.Page)
	}
	for i := range out {
		p := pages[i]
		switch {
		case len(p) == 1:
			out[i].pages = p[0]
		case len(p) <= maxTextPages:
			out[i].pages = "on " + strconv.Itoa(len(p)) + " pages (" + strings.Join(p, ", ") + ")"
		default:
			out[i].pages = "on " + strconv.Itoa(len(p)) + " pages (" + strings.Join(p[:maxTextPages], ", ") + ", ...)"
		}
	}
	return out
}

// where is the finding's page, with the line when it is known (origin findings have none).
func (f *Finding) where() string {
	if f.Line > 0 {
		return f.Page + " line " + strconv.Itoa(f.Line)
	}
	return f.Page
}
