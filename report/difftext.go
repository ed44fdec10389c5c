package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteText writes the changes for a person to read (padlock diff): one line per change,
// marked + (added), - (removed or fixed), ~ (changed) or ! (a page that no longer loads), then
// a count of each kind. The values come from crawled sites: a terminal should be given them
// through an escaping writer.
func (ch *Changes) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
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
		fmt.Fprintf(bw, "+ script %s%s\n", scriptName(s), paymentNote(s.PaymentPages))
	}
	for _, s := range ch.ScriptsRemoved {
		fmt.Fprintf(bw, "- script %s%s\n", scriptName(s), paymentNote(s.PaymentPages))
	}
	for _, s := range ch.ScriptsChanged {
		fmt.Fprintf(bw, "~ script %s: sha256 %s -> %s%s\n", s.URL, shortHash(s.OldSHA256), shortHash(s.NewSHA256), paymentNote(s.PaymentPages))
	}
	for _, h := range ch.CSPChanged {
		fmt.Fprintf(bw, "~ csp %s: %q -> %q\n", h.Page, strings.Join(h.Old, " | "), strings.Join(h.New, " | "))
	}
	for _, h := range ch.HeadersChanged {
		fmt.Fprintf(bw, "~ header %s %s: %q -> %q\n", h.Page, h.Header, strings.Join(h.Old, ""), strings.Join(h.New, ""))
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

// scriptName is an external script's URL, or an inline script's kind and hash.
func scriptName(s Script) string {
	if s.URL != "" {
		return s.URL
	}
	return s.Kind + " sha256:" + shortHash(s.SHA256)
}

// shortHash is the first 12 hex digits of a hash, enough to tell two apart.
func shortHash(h string) string {
	if len(h) > 12 {
		return h[:12]
	}
	return h
}

func paymentNote(pages []string) string {
	if len(pages) == 0 {
		return ""
	}
	return " (on " + plural(len(pages), "payment page") + ")"
}

// where is the finding's page, with the line when it is known (origin findings have none).
func (f *Finding) where() string {
	if f.Line > 0 {
		return f.Page + " line " + strconv.Itoa(f.Line)
	}
	return f.Page
}
