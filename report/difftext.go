package report

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
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
	if ch.lists != nil && ch.lists.err != nil {
		return ch.lists.err // a list that could not be spooled is not "no changes"
	}
	if ch.Empty() {
		fmt.Fprintln(bw, "no changes")
		return bw.Flush()
	}
	l := ch.spooled()
	err := errors.Join(
		eachOf(ch.PagesFailed, l.failed, func(p *PageFailure) error {
			_, err := fmt.Fprintf(bw, "! page %s no longer loads: %s\n", p.URL, p.Error)
			return err
		}),
		eachOf(ch.ScriptsAdded, l.scriptsAdded, func(s *Script) error {
			_, err := fmt.Fprintf(bw, "+ script %s%s\n", scriptName(*s), scriptWhere(*s))
			return err
		}),
		eachOf(ch.ScriptsRemoved, l.scriptsRemoved, func(s *Script) error {
			_, err := fmt.Fprintf(bw, "- script %s%s\n", scriptName(*s), scriptWhere(*s))
			return err
		}),
		ch.eachScriptChange(func(s *ScriptChange) error {
			_, err := fmt.Fprintf(bw, "~ script %s: sha256 %s -> %s%s\n", s.URL, s.OldSHA256, s.NewSHA256, paymentNote(s.PaymentPages))
			return err
		}))
	if err != nil {
		return err
	}
	err = eachHeaderGroup(l, func(fn func(*HeaderChange) error) error { return eachOf(ch.CSPChanged, l.csp, fn) }, func(g *headerGroup) error {
		_, err := fmt.Fprintf(bw, "~ csp %s: %q -> %q\n", g.pages, strings.Join(g.Old, " | "), strings.Join(g.New, " | "))
		return err
	})
	if err != nil {
		return err
	}
	err = eachHeaderGroup(l, func(fn func(*HeaderChange) error) error { return eachOf(ch.HeadersChanged, nil, fn) }, func(g *headerGroup) error {
		_, err := fmt.Fprintf(bw, "~ header %s %s: %q -> %q\n", g.pages, g.Header, strings.Join(g.Old, ""), strings.Join(g.New, ""))
		return err
	})
	if err != nil {
		return err
	}
	for _, o := range ch.OriginsChanged {
		fmt.Fprintf(bw, "~ origin %s %s: %q -> %q\n", o.Origin, o.Field, o.Old, o.New)
	}
	finding := func(mark string) func(f *Finding) error {
		return func(f *Finding) error {
			_, err := fmt.Fprintf(bw, "%s %s %s %s (%s)\n", mark, f.Severity, f.Rule, f.URL, f.where())
			return err
		}
	}
	page := func(mark string) func(p *string) error {
		return func(p *string) error {
			_, err := fmt.Fprintf(bw, "%s page %s\n", mark, *p)
			return err
		}
	}
	err = errors.Join(
		eachOf(ch.NewFindings, l.newFindings, finding("+")),
		eachOf(ch.Fixed, l.fixed, finding("-")),
		eachOf(ch.PagesAdded, l.added, page("+")),
		eachOf(ch.PagesRemoved, l.removed, page("-")))
	if err == nil && ch.lists != nil {
		err = ch.lists.err
	}
	if err != nil {
		return err
	}
	n := ch.counts()
	fmt.Fprintf(bw, "scripts: %d added, %d removed, %d changed; %d CSP, %d header and %d origin changes; findings: %d new, %d fixed; pages: %d added, %d removed, %d failing\n",
		n.scriptsAdded, n.scriptsRemoved, n.scriptsChanged, n.csp, len(ch.HeadersChanged), len(ch.OriginsChanged),
		n.newFindings, n.fixed, n.added, n.removed, n.failed)
	return bw.Flush()
}

// WriteJSON writes the changes as indented JSON (padlock diff --json): the spooled lists of a
// DiffSpooled element by element, the bytes those of encoding the changes in one go.
func (ch *Changes) WriteJSON(w io.Writer) error {
	l := ch.lists
	if l == nil {
		return encodeIndented(w, ch, "")
	}
	if l.err != nil {
		return l.err
	}
	s := newJSONStream(w)
	defer s.close()
	value := func(v any, indent string) error { return s.value(v, indent) }
	err := s.object(ch, "", map[string]func(string) error{
		"scripts_added":   func(indent string) error { return listJSON(s, indent, ch.ScriptsAdded, l.scriptsAdded, s.script) },
		"scripts_removed": func(indent string) error { return listJSON(s, indent, ch.ScriptsRemoved, l.scriptsRemoved, s.script) },
		"scripts_changed": func(indent string) error {
			return items(s, indent, ch.eachScriptChange, func(v *ScriptChange, indent string) error { return value(v, indent) })
		},
		"csp_changed": func(indent string) error {
			return listJSON(s, indent, ch.CSPChanged, l.csp, func(v *HeaderChange, indent string) error { return value(v, indent) })
		},
		"new_findings":   func(indent string) error { return listJSON(s, indent, ch.NewFindings, l.newFindings, s.finding) },
		"fixed_findings": func(indent string) error { return listJSON(s, indent, ch.Fixed, l.fixed, s.finding) },
		"pages_added": func(indent string) error {
			return listJSON(s, indent, ch.PagesAdded, l.added, func(v *string, indent string) error { return value(v, indent) })
		},
		"pages_removed": func(indent string) error {
			return listJSON(s, indent, ch.PagesRemoved, l.removed, func(v *string, indent string) error { return value(v, indent) })
		},
		"pages_failed": func(indent string) error {
			return listJSON(s, indent, ch.PagesFailed, l.failed, func(v *PageFailure, indent string) error { return value(v, indent) })
		},
	})
	if err == nil {
		err = l.err
	}
	if err != nil {
		return err
	}
	return s.end()
}

// listJSON writes a list of a Changes, in its field then spooled, as a JSON array.
func listJSON[T any](s *jsonStream, indent string, inMemory []T, spooled *sorter[T], write func(*T, string) error) error {
	return items(s, indent, func(fn func(*T) error) error { return eachOf(inMemory, spooled, fn) }, write)
}

// noLists are the lists of Changes that has none spooled.
var noLists changeLists

// spooled is c's spooled lists (none: each sorter nil).
func (c *Changes) spooled() *changeLists {
	if c.lists == nil {
		return &noLists
	}
	return c.lists
}

// eachScriptChange calls fn with every entry of ScriptsChanged, in its field then spooled.
func (c *Changes) eachScriptChange(fn func(*ScriptChange) error) error {
	if err := eachOf(c.ScriptsChanged, nil, fn); err != nil || c.lists == nil {
		return err
	}
	return c.lists.scriptsChanged.each(func(f *scriptFill) error { return fn(&f.C) })
}

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

// eachHeaderGroup merges the changes of one header from one value to the same other value on
// several pages into one line: a site-wide CSP change is one change, not one per page. It calls
// fn with each group in the order of its first page, which names the first maxTextPages of its
// pages. The changes are sorted by group and the groups back into that order in l's spool: a
// policy with a nonce changes on every page, each its own group.
func eachHeaderGroup(l *changeLists, each func(func(*HeaderChange) error) error, fn func(*headerGroup) error) error {
	file, limit := &l.file, l.limit
	if l == &noLists {
		file, limit = &spoolFile{}, math.MaxInt // in memory: nothing spills
	}
	byGroup := newSorter(file, limit, func(a, b *groupRec) bool { return a.Key < b.Key }, jsonCodec[groupRec]())
	seq := 0
	err := each(func(h *HeaderChange) error {
		seq++
		k := h.Header + "\x00" + strings.Join(h.Old, "\x01") + "\x00" + strings.Join(h.New, "\x01")
		return byGroup.add(groupRec{Key: k, Seq: seq, Change: *h})
	})
	if err != nil {
		return err
	}
	groups := newSorter(file, limit, func(a, b *groupRec) bool { return a.Seq < b.Seq }, jsonCodec[groupRec]())
	var cur groupRec
	flush := func() error {
		if cur.N == 0 {
			return nil
		}
		cur.Key = ""
		return groups.add(cur)
	}
	err = byGroup.each(func(r *groupRec) error { // a group's changes in the order they came
		if cur.N == 0 || r.Key != cur.Key {
			if err := flush(); err != nil {
				return err
			}
			cur = *r
		}
		if cur.N++; len(cur.Pages) < maxTextPages {
			cur.Pages = append(cur.Pages, r.Change.Page)
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return err
	}
	return groups.each(func(r *groupRec) error {
		g := headerGroup{HeaderChange: r.Change}
		switch {
		case r.N == 1:
			g.pages = r.Pages[0]
		case r.N <= maxTextPages:
			g.pages = "on " + strconv.Itoa(r.N) + " pages (" + strings.Join(r.Pages, ", ") + ")"
		default:
			g.pages = "on " + strconv.Itoa(r.N) + " pages (" + strings.Join(r.Pages, ", ") + ", ...)"
		}
		return fn(&g)
	})
}

// groupRec is a header change on its way into its group (Key, Seq: its place in the list), then
// a group: its first change, its first pages and how many it has (N).
type groupRec struct {
	Key    string       `json:"k,omitempty"`
	Seq    int          `json:"s"`
	N      int          `json:"n,omitempty"`
	Pages  []string     `json:"p,omitempty"`
	Change HeaderChange `json:"c"`
}

// where is the finding's page, with the line when it is known (origin findings have none).
func (f *Finding) where() string {
	if f.Line > 0 {
		return f.Page + " line " + strconv.Itoa(f.Line)
	}
	return f.Page
}
