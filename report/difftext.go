package report

import (
	"bufio"
	"encoding/binary"
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
	for _, first := range []bool{true, false} {
		for _, cl := range changeTable {
			if cl.first != first {
				continue
			}
			if err := cl.text(ch, bw); err != nil {
				return err
			}
		}
	}
	if ch.lists != nil && ch.lists.err != nil {
		return ch.lists.err
	}
	fmt.Fprintf(bw, "scripts: %d added, %d removed, %d changed; %d CSP, %d header and %d origin changes; findings: %d new, %d fixed; pages: %d added, %d removed, %d failing\n",
		ch.counts()...)
	return bw.Flush()
}

// scriptLine writes a script added or removed (mark + or -).
func scriptLine(mark string) func(w *bufio.Writer, s *Script) error {
	return func(w *bufio.Writer, s *Script) error {
		_, err := fmt.Fprintf(w, "%s script %s%s\n", mark, scriptName(*s), scriptWhere(*s))
		return err
	}
}

// findingLine writes a finding new or fixed (mark + or -).
func findingLine(mark string) func(w *bufio.Writer, f *Finding) error {
	return func(w *bufio.Writer, f *Finding) error {
		_, err := fmt.Fprintf(w, "%s %s %s %s (%s)\n", mark, f.Severity, f.Rule, f.URL, f.where())
		return err
	}
}

// pageLine writes a page added or removed (mark + or -).
func pageLine(mark string) func(w *bufio.Writer, p *string) error {
	return func(w *bufio.Writer, p *string) error {
		_, err := fmt.Fprintf(w, "%s page %s\n", mark, *p)
		return err
	}
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
	stream := map[string]func(string) error{}
	for _, cl := range changeTable {
		if cl.start != nil {
			stream[cl.name] = func(indent string) error { return cl.json(s, ch, indent) }
		}
	}
	err := s.object(ch, "", stream)
	if err == nil {
		err = l.err
	}
	if err != nil {
		return err
	}
	return s.end()
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
	byGroup := newSorter(file, limit, func(a, b *groupRec) bool { return a.Key < b.Key }, groupRecCodec)
	seq := 0
	err := each(func(h *HeaderChange) error {
		seq++
		k := h.Header + "\x00" + strings.Join(h.Old, "\x01") + "\x00" + strings.Join(h.New, "\x01")
		return byGroup.add(groupRec{Key: k, Seq: seq, Change: *h})
	})
	if err != nil {
		return err
	}
	groups := newSorter(file, limit, func(a, b *groupRec) bool { return a.Seq < b.Seq }, groupRecCodec)
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

var groupRecCodec = codec[groupRec]{
	enc: func(dst []byte, r *groupRec) []byte {
		dst = binary.AppendUvarint(appendString(dst, r.Key), uint64(r.Seq))
		dst = appendStrings(binary.AppendUvarint(dst, uint64(r.N)), r.Pages)
		return headerChangeCodec.enc(dst, &r.Change)
	},
	dec: func(b []byte, r *groupRec) error {
		d := decoder{b: b}
		r.Key, r.Seq, r.N = d.str(), int(d.uvarint()), int(d.uvarint())
		r.Pages = d.list()
		if d.err != nil {
			return d.err
		}
		return headerChangeCodec.dec(d.b, &r.Change)
	},
	size: func(r *groupRec) int {
		n := 64 + len(r.Key) + headerChangeSize(&r.Change)
		for _, p := range r.Pages {
			n += 16 + len(p)
		}
		return n
	},
}

// where is the finding's page, with the line when it is known (origin findings have none).
func (f *Finding) where() string {
	if f.Line > 0 {
		return f.Page + " line " + strconv.Itoa(f.Line)
	}
	return f.Page
}
