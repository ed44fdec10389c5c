package report

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"sort"
	"strings"
	"unsafe"

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

	lists *changeLists // DiffSpooled's spooled lists, nil when every list is in its field
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
	for _, cl := range changeTable {
		if cl.len(c) > 0 {
			return false
		}
	}
	return true
}

// counts are the lengths of the lists of a Changes, in their fields and spooled, in
// changeTable's order (WriteText's last line).
func (c *Changes) counts() []any {
	n := make([]any, len(changeTable))
	for i, cl := range changeTable {
		n[i] = cl.len(c)
	}
	return n
}

// changeList is one list of a Changes, named by its key in the JSON: how it is counted, how its
// sorter is made and moved into its field (Diff), and how WriteJSON and WriteText write it.
type changeList struct {
	name    string
	first   bool // WriteText writes it before the others
	len     func(c *Changes) int
	start   func(l *changeLists) // makes its sorter; nil when it is never spooled
	collect func(c *Changes)     // moves what is spooled into the field
	json    func(s *jsonStream, c *Changes, indent string) error
	text    func(c *Changes, w *bufio.Writer) error
}

// changeTable is every list of Changes, in the order of its fields.
var changeTable = []changeList{
	scriptList("scripts_added", "+", func(c *Changes) *[]Script { return &c.ScriptsAdded }, func(l *changeLists) **sorter[Script] { return &l.scriptsAdded }),
	scriptList("scripts_removed", "-", func(c *Changes) *[]Script { return &c.ScriptsRemoved }, func(l *changeLists) **sorter[Script] { return &l.scriptsRemoved }),
	listSpec[ScriptChange, scriptFill]{name: "scripts_changed", field: func(c *Changes) *[]ScriptChange { return &c.ScriptsChanged },
		spooled: func(l *changeLists) **sorter[scriptFill] { return &l.scriptsChanged },
		start: func(l *changeLists) *sorter[scriptFill] {
			return newSorter(&l.file, l.limit, func(a, b *scriptFill) bool { return a.Seq < b.Seq }, jsonCodec[scriptFill]())
		},
		at: func(f *scriptFill) *ScriptChange { return &f.C },
		line: func(w *bufio.Writer, s *ScriptChange) error {
			_, err := fmt.Fprintf(w, "~ script %s: sha256 %s -> %s%s\n", s.URL, s.OldSHA256, s.NewSHA256, paymentNote(s.PaymentPages))
			return err
		}}.list(),
	headerList("csp_changed", cspAt,
		func(w *bufio.Writer, g *headerGroup) error {
			_, err := fmt.Fprintf(w, "~ csp %s: %q -> %q\n", g.pages, strings.Join(g.Old, " | "), strings.Join(g.New, " | "))
			return err
		}),
	headerList("headers_changed", headersAt,
		func(w *bufio.Writer, g *headerGroup) error {
			_, err := fmt.Fprintf(w, "~ header %s %s: %q -> %q\n", g.pages, g.Header, strings.Join(g.Old, ""), strings.Join(g.New, ""))
			return err
		}),
	listSpec[OriginChange, OriginChange]{name: "origins_changed", field: func(c *Changes) *[]OriginChange { return &c.OriginsChanged },
		line: func(w *bufio.Writer, o *OriginChange) error {
			_, err := fmt.Fprintf(w, "~ origin %s %s: %q -> %q\n", o.Origin, o.Field, o.Old, o.New)
			return err
		}}.list(),
	findingList("new_findings", "+", newFindingsAt),
	findingList("fixed_findings", "-", fixedAt),
	pageList("pages_added", "+", func(c *Changes) *[]string { return &c.PagesAdded }, func(l *changeLists) **sorter[string] { return &l.added }),
	pageList("pages_removed", "-", func(c *Changes) *[]string { return &c.PagesRemoved }, func(l *changeLists) **sorter[string] { return &l.removed }),
	listSpec[PageFailure, PageFailure]{name: "pages_failed", first: true, // the change to look at first
		field:   func(c *Changes) *[]PageFailure { return &c.PagesFailed },
		spooled: func(l *changeLists) **sorter[PageFailure] { return &l.failed },
		start: func(l *changeLists) *sorter[PageFailure] {
			return newSorter(&l.file, l.limit, func(a, b *PageFailure) bool { return a.URL < b.URL }, jsonCodec[PageFailure]())
		},
		line: func(w *bufio.Writer, p *PageFailure) error {
			_, err := fmt.Fprintf(w, "! page %s no longer loads: %s\n", p.URL, p.Error)
			return err
		}}.list(),
}

// scriptList is a list of scripts added or removed (mark), in the inventory's order.
func scriptList(name, mark string, field func(*Changes) *[]Script, spooled func(*changeLists) **sorter[Script]) changeList {
	return listSpec[Script, Script]{name: name, field: field, spooled: spooled, line: scriptLine(mark),
		start: func(l *changeLists) *sorter[Script] { return newSorter(&l.file, l.limit, asAdded[Script], scriptCodec) },
		json:  func(s *jsonStream) func(*Script, string) error { return s.script }}.list()
}

// cspAt and headersAt are where the CSP and the other security header changes are:
// EachCSPChange and EachHeaderChange read them there.
var (
	cspAt = listSpec[HeaderChange, HeaderChange]{field: func(c *Changes) *[]HeaderChange { return &c.CSPChanged },
		spooled: func(l *changeLists) **sorter[HeaderChange] { return &l.csp }}
	headersAt = listSpec[HeaderChange, HeaderChange]{field: func(c *Changes) *[]HeaderChange { return &c.HeadersChanged },
		spooled: func(l *changeLists) **sorter[HeaderChange] { return &l.headers }}
)

// headerList is a list of header changes by page at at, written a group a line (eachHeaderGroup).
func headerList(name string, at listSpec[HeaderChange, HeaderChange], line func(w *bufio.Writer, g *headerGroup) error) changeList {
	at.name = name
	at.start = func(l *changeLists) *sorter[HeaderChange] {
		return newSorter(&l.file, l.limit, func(a, b *HeaderChange) bool { return a.Page < b.Page }, headerChangeCodec)
	}
	at.text = func(c *Changes, w *bufio.Writer, each func(func(*HeaderChange) error) error) error {
		return eachHeaderGroup(c.spooled(), each, func(g *headerGroup) error { return line(w, g) })
	}
	return at.list()
}

// newFindingsAt and fixedAt are where the new and the fixed findings are: EachNewFinding and
// EachFixed read them there.
var (
	newFindingsAt = listSpec[Finding, Finding]{field: func(c *Changes) *[]Finding { return &c.NewFindings },
		spooled: func(l *changeLists) **sorter[Finding] { return &l.newFindings }}
	fixedAt = listSpec[Finding, Finding]{field: func(c *Changes) *[]Finding { return &c.Fixed },
		spooled: func(l *changeLists) **sorter[Finding] { return &l.fixed }}
)

// findingList is a list of findings new or fixed (mark), in SortFindings' order, at at.
func findingList(name, mark string, at listSpec[Finding, Finding]) changeList {
	at.name, at.line = name, findingLine(mark)
	at.start = func(l *changeLists) *sorter[Finding] { return newSorter(&l.file, l.limit, findingLess, findingCodec) }
	at.json = func(s *jsonStream) func(*Finding, string) error { return s.finding }
	return at.list()
}

// pageList is a list of pages added or removed (mark), by URL.
func pageList(name, mark string, field func(*Changes) *[]string, spooled func(*changeLists) **sorter[string]) changeList {
	return listSpec[string, string]{name: name, field: field, spooled: spooled, line: pageLine(mark), start: (*changeLists).urls}.list()
}

// listSpec describes the changeList of a field of Changes that holds T: the sorter at spooled
// (nil: never spooled), made by start, holds records S, each of which at turns into a T (nil: S
// is T). json writes a record (nil: as encoding/json does); text writes the list, given each,
// which calls fn with every record, the field's then the spool's; line, when text is nil, one
// record a line.
type listSpec[T, S any] struct {
	name    string
	first   bool
	field   func(c *Changes) *[]T
	spooled func(l *changeLists) **sorter[S]
	start   func(l *changeLists) *sorter[S]
	at      func(v *S) *T
	json    func(s *jsonStream) func(v *T, indent string) error
	line    func(w *bufio.Writer, v *T) error
	text    func(c *Changes, w *bufio.Writer, each func(fn func(*T) error) error) error
}

func (ls listSpec[T, S]) item(v *S) *T {
	if ls.at == nil {
		return any(v).(*T)
	}
	return ls.at(v)
}

// each calls fn with every record of c's list: its field's, then its spool's.
func (ls listSpec[T, S]) each(c *Changes, fn func(*T) error) error {
	if err := eachOf(*ls.field(c), nil, fn); err != nil || c.lists == nil || ls.spooled == nil {
		return err
	}
	return (*ls.spooled(c.lists)).each(func(v *S) error { return fn(ls.item(v)) })
}

func (ls listSpec[T, S]) list() changeList {
	each := func(c *Changes) func(func(*T) error) error {
		return func(fn func(*T) error) error { return ls.each(c, fn) }
	}
	cl := changeList{name: ls.name, first: ls.first}
	cl.len = func(c *Changes) int {
		n := len(*ls.field(c))
		if c.lists != nil && ls.spooled != nil {
			n += (*ls.spooled(c.lists)).len()
		}
		return n
	}
	cl.json = func(s *jsonStream, c *Changes, indent string) error {
		write := func(v *T, indent string) error { return s.value(v, indent) }
		if ls.json != nil {
			write = ls.json(s)
		}
		return items(s, indent, each(c), write)
	}
	cl.text = func(c *Changes, w *bufio.Writer) error {
		if ls.text != nil {
			return ls.text(c, w, each(c))
		}
		return ls.each(c, func(v *T) error { return ls.line(w, v) })
	}
	if ls.spooled != nil {
		cl.start = func(l *changeLists) { *ls.spooled(l) = ls.start(l) }
		cl.collect = func(c *Changes) {
			f := ls.field(c)
			c.lists.keep((*ls.spooled(c.lists)).each(func(v *S) error { *f = append(*f, *ls.item(v)); return nil }))
		}
	}
	return cl
}

// headerChangeCodec writes every field of HeaderChange: CSP and header changes hold whole
// policies, which JSON escaped and checked again as they went to disk and back.
var headerChangeCodec = codec[HeaderChange]{
	enc: func(dst []byte, h *HeaderChange) []byte {
		return appendStrings(appendStrings(appendString(appendString(dst, h.Page), h.Header), h.Old), h.New)
	},
	dec: func(b []byte, h *HeaderChange) error {
		d := decoder{b: b}
		h.Page, h.Header = d.str(), d.str()
		h.Old, h.New = d.list(), d.list()
		return d.done()
	},
	size: func(h *HeaderChange) int { return headerChangeSize(h) },
}

func headerChangeSize(h *HeaderChange) int {
	n := int(unsafe.Sizeof(*h)) + len(h.Page) + len(h.Header)
	for _, v := range slices.Concat(h.Old, h.New) {
		n += int(unsafe.Sizeof(v)) + len(v)
	}
	return n
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
// Either report may be spooled (OpenFile): Diff reads their pages twice each and their findings
// and scripts once or twice, one at a time, and keeps only hashed keys of them (a few bytes a
// page and a finding) and what changed, never either report whole. Every list is in its field;
// DiffSpooled keeps the long ones on disk instead.
func Diff(old, cur *Report) *Changes {
	c := diff(old, cur, math.MaxInt) // nothing spills
	c.collect()
	if c.lists.err != nil {
		panic(c.lists.err) // lists that never spill cannot fail: a change that makes them must not lose the error
	}
	c.lists = nil
	return c
}

// DiffSpooled is Diff with the lists that grow with the site (new and fixed findings, pages
// added, removed and failing, scripts added, removed and changed, CSP changes) spooled to disk
// as they are made (1 MB a kind in memory, as OpenFile), so a site that changed everywhere
// costs no more memory than one that did not. Those fields stay empty: the writers (WriteText,
// WriteJSON) and Empty read the lists from the spool. Close removes it.
func DiffSpooled(old, cur *Report) *Changes { return diff(old, cur, spillBytes) }

// EachNewFinding calls fn with every new finding, in its field or spooled, in order.
func (c *Changes) EachNewFinding(fn func(*Finding) error) error { return newFindingsAt.each(c, fn) }

// EachFixed calls fn with every fixed finding, in its field or spooled, in order.
func (c *Changes) EachFixed(fn func(*Finding) error) error { return fixedAt.each(c, fn) }

// EachCSPChange calls fn with every change of a page's enforced Content-Security-Policy, in its
// field or spooled, by page.
func (c *Changes) EachCSPChange(fn func(*HeaderChange) error) error { return cspAt.each(c, fn) }

// EachHeaderChange calls fn with every change of a payment page's security header, in its field
// or spooled, by page.
func (c *Changes) EachHeaderChange(fn func(*HeaderChange) error) error { return headersAt.each(c, fn) }

// Err is the first error of a DiffSpooled's spool (a full disk): its lists may be incomplete.
// The writers return it too.
func (c *Changes) Err() error {
	if c.lists == nil {
		return nil
	}
	return c.lists.err
}

// Close releases the spool of a DiffSpooled; the spooled lists are gone.
func (c *Changes) Close() error {
	if c.lists == nil {
		return nil
	}
	err := c.lists.file.close()
	c.lists = nil
	return err
}

// changeLists are the lists of a Changes that grow with the site, in their order: each an
// external merge sort (sorter) in the changes' own spool file, which keeps limit bytes of a
// list in memory (all of it for Diff). changeTable makes them.
type changeLists struct {
	file                         spoolFile
	limit                        int
	newFindings, fixed           *sorter[Finding] // SortFindings' order
	added, removed               *sorter[string]  // by URL
	failed                       *sorter[PageFailure]
	csp, headers                 *sorter[HeaderChange] // by page
	scriptsAdded, scriptsRemoved *sorter[Script]       // in the inventory's order, as they come
	scriptsChanged               *sorter[scriptFill]
	err                          error // the first spool error: the writers return it
}

func newChangeLists(limit int) *changeLists {
	l := &changeLists{limit: limit}
	for _, cl := range changeTable {
		if cl.start != nil {
			cl.start(l)
		}
	}
	return l
}

func (l *changeLists) urls() *sorter[string] {
	return newSorter(&l.file, l.limit, func(a, b *string) bool { return *a < *b }, stringCodec)
}

// asAdded is the order of a list kept as its records come: a stable sort where none is less.
func asAdded[T any](a, b *T) bool { return false }

// add puts v in s, keeping the first error.
func add[T any](l *changeLists, s *sorter[T], v T) error {
	if err := s.add(v); err != nil && l.err == nil {
		l.err = err
	}
	return l.err
}

// keep keeps err if it is the first.
func (l *changeLists) keep(err error) {
	if l.err == nil {
		l.err = err
	}
}

// collect moves every list into c's fields (Diff: nothing spilled).
func (c *Changes) collect() {
	for _, cl := range changeTable {
		if cl.collect != nil {
			cl.collect(c)
		}
	}
}

// stringCodec stores a string as its bytes.
var stringCodec = codec[string]{
	enc:  func(dst []byte, v *string) []byte { return append(dst, *v...) },
	dec:  func(b []byte, v *string) error { *v = string(b); return nil },
	size: func(v *string) int { return 16 + len(*v) },
}

// keyedURL is a page record's URL with the hash of its key (cmp.URL): pages added or removed
// are listed once a key, under the last record's URL.
type keyedURL struct {
	h   uint64
	url string
}

var keyedURLCodec = codec[keyedURL]{
	enc: func(dst []byte, v *keyedURL) []byte {
		return append(binary.LittleEndian.AppendUint64(dst, v.h), v.url...)
	},
	dec: func(b []byte, v *keyedURL) error {
		if len(b) < 8 {
			return errShortRecord
		}
		v.h, v.url = binary.LittleEndian.Uint64(b), string(b[8:])
		return nil
	},
	size: func(v *keyedURL) int { return 24 + len(v.url) },
}

// lastOfEachKey adds the URL of the last record of each key in keys to out.
func (l *changeLists) lastOfEachKey(keys *sorter[keyedURL], out *sorter[string]) {
	var last keyedURL
	n := 0
	l.keep(keys.each(func(k *keyedURL) error {
		if n > 0 && k.h != last.h {
			if err := add(l, out, last.url); err != nil {
				return err
			}
		}
		last = *k
		n++
		return nil
	}))
	if n > 0 {
		_ = add(l, out, last.url)
	}
}

// cspFill is a CSP change waiting for its old policy (Old false), or the old policy of a page
// whose policy changed (Old true): sorted by the page's key, the old ones first, they meet.
type cspFill struct {
	H      uint64       `json:"h"`
	Old    bool         `json:"o,omitempty"`
	Change HeaderChange `json:"c"`
}

// scriptFill is a script change waiting for its old hash (Old false, the Seq-th change), or an
// old entry of a script that changed (Old true, its hash in SHA): sorted by key, they meet.
type scriptFill struct {
	H   uint64       `json:"h"`
	Old bool         `json:"o,omitempty"`
	Seq int          `json:"n,omitempty"`
	SHA string       `json:"s,omitempty"`
	C   ScriptChange `json:"c"`
}

// filler is a fill record (cspFill, scriptFill): its key, and whether it is the old report's.
type filler interface{ fillKey() (h uint64, old bool) }

func (f *cspFill) fillKey() (uint64, bool)    { return f.H, f.Old }
func (f *scriptFill) fillKey() (uint64, bool) { return f.H, f.Old }
func (f *headerFill) fillKey() (uint64, bool) { return f.h, f.old }

// headerFill is the security headers of a payment page that loaded, as diffHeaders compares
// them: a new page's (old false; csp: csp_changed has its policy's change) waiting for the old
// record of its key (old true), when their headers differ.
type headerFill struct {
	h        uint64
	old, csp bool
	page     string
	sent     uint64   // bit i: securityHeaderNames[i] was sent
	values   []string // by securityHeaderNames, those sent
}

func headersOf(p *Page) headerFill {
	f := headerFill{page: p.URL}
	for i, name := range securityHeaderNames {
		if v, ok := p.SecurityHeaders[name]; ok {
			f.sent |= 1 << i
			f.values = append(f.values, v)
		}
	}
	return f
}

// value is the i-th of securityHeaderNames, and whether it was sent.
func (f *headerFill) value(i int) (string, bool) {
	if f.sent&(1<<i) == 0 {
		return "", false
	}
	return f.values[bits.OnesCount64(f.sent&(1<<i-1))], true
}

// appendHeaders appends the headers, which sum hashes and the codec stores.
func (f *headerFill) appendHeaders(dst []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(f.sent))
	for _, v := range f.values {
		dst = appendString(dst, v)
	}
	return dst
}

// sum is a hash of the headers: the old report's payment pages are kept as it.
func (f *headerFill) sum() uint64 { return keyHash(string(f.appendHeaders(nil))) }

var headerFillCodec = codec[headerFill]{
	enc: func(dst []byte, f *headerFill) []byte {
		dst = binary.LittleEndian.AppendUint64(dst, f.h)
		var flags byte
		if f.old {
			flags |= 1
		}
		if f.csp {
			flags |= 2
		}
		return f.appendHeaders(appendString(append(dst, flags), f.page))
	},
	dec: func(b []byte, f *headerFill) error {
		if len(b) < 9 {
			return errShortRecord
		}
		f.h, f.old, f.csp = binary.LittleEndian.Uint64(b), b[8]&1 != 0, b[8]&2 != 0
		d := decoder{b: b[9:]}
		f.page = d.str()
		f.sent = d.uvarint()
		f.values = nil
		for range bits.OnesCount64(f.sent) {
			f.values = append(f.values, d.str())
		}
		return d.done()
	},
	size: func(f *headerFill) int {
		n := 80 + len(f.page)
		for _, v := range f.values {
			n += 16 + len(v)
		}
		return n
	},
}

// newFills sorts fill records by key, each key's old records first.
func newFills[T any, P interface {
	*T
	filler
}](l *changeLists, limit int, c codec[T]) *sorter[T] {
	return newSorter(&l.file, limit, func(a, b *T) bool {
		ha, oa := P(a).fillKey()
		hb, ob := P(b).fillKey()
		return ha < hb || ha == hb && oa && !ob
	}, c)
}

// eachFilled calls fn with each new record of fills and the last old record of its key (the
// zero record when the old report has none).
func eachFilled[T any, P interface {
	*T
	filler
}](l *changeLists, fills *sorter[T], fn func(f, old *T) error) {
	var old T
	var at uint64
	l.keep(fills.each(func(f *T) error {
		h, isOld := P(f).fillKey()
		if h != at {
			at, old = h, *new(T)
		}
		if isOld {
			old = *f
			return nil
		}
		return fn(f, &old)
	}))
}

func diff(old, cur *Report, limit int) *Changes {
	cmp := Compare(old, cur)
	c := &Changes{
		Old: old.StartedAt.Format("2006-01-02T15:04:05Z07:00"), New: cur.StartedAt.Format("2006-01-02T15:04:05Z07:00"),
		ScriptsAdded: []Script{}, ScriptsRemoved: []Script{}, ScriptsChanged: []ScriptChange{}, CSPChanged: []HeaderChange{}, HeadersChanged: []HeaderChange{},
		OriginsChanged: []OriginChange{}, NewFindings: []Finding{}, Fixed: []Finding{}, PagesAdded: []string{},
		PagesRemoved: []string{}, PagesFailed: []PageFailure{}, Warnings: []string{},
	}
	l := newChangeLists(limit)
	c.lists = l
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

	// New findings: the new report's whose key the old one has not.
	var oldF, curF KeySet
	_ = old.EachFinding(func(f *Finding) error { oldF.Add(cmp.Key(*f)); return nil }) // read errors: see Err
	_ = cur.EachFinding(func(f *Finding) error {
		if skip[f.Rule] {
			return nil
		}
		k := cmp.Key(*f)
		curF.Add(k)
		if !oldF.Has(k) {
			return add(l, l.newFindings, *f)
		}
		return nil
	})
	oldF = KeySet{}

	// The old pages, first time: what the new pages are compared with.
	var oldURLs KeySet
	var oldRecords hashtab.Map[finalURL] // key -> the final URL of a parsed record (old.Coverage's records)
	var oldCSP hashtab.Map[uint64]       // key -> hash of the policy, pages that loaded
	var oldPay hashtab.Map[uint64]       // key -> sum of the security headers, payment pages that loaded
	var moved []movedRecord              // for cov.Finding (Coverage.moved)
	_ = old.EachPage(func(p *Page) error {
		h := keyHash(cmp.URL(p.URL))
		oldURLs.t.Put(h, struct{}{})
		moved = appendMoved(moved, cmp, p)
		if p.Error != "" {
			return nil
		}
		if final, ok := parsedFinal(cmp, p); ok {
			oldRecords.Put(h, finalOf(final))
		}
		oldCSP.Put(h, keyHash(strings.Join(p.CSP, "\n")))
		if p.Payment {
			hf := headersOf(p)
			oldPay.Put(h, hf.sum())
		}
		return nil
	})

	// The new pages, first time: what the new crawl checked, pages added, CSP changes.
	cov := newCoverage(cur, cmp)
	var curURLs, cspKeys, cspPages KeySet // cspKeys: keys whose policy changed; cspPages: their new URLs
	added := newSorter(&l.file, limit, func(a, b *keyedURL) bool { return a.h < b.h }, keyedURLCodec)
	fills := newFills[cspFill](l, limit, jsonCodec[cspFill]())
	_ = cur.EachPage(func(p *Page) error {
		cov.addPage(p)
		h := keyHash(cmp.URL(p.URL))
		curURLs.t.Put(h, struct{}{})
		if _, ok := oldURLs.t.Get(h); !ok {
			if err := add(l, added, keyedURL{h, p.URL}); err != nil {
				return err
			}
		}
		if o, ok := oldCSP.Get(h); ok && p.Error == "" && o != keyHash(strings.Join(p.CSP, "\n")) {
			cspKeys.t.Put(h, struct{}{})
			cspPages.Add(p.URL)
			return add(l, fills, cspFill{H: h, Change: HeaderChange{Page: p.URL, New: nonNil(p.CSP)}})
		}
		return nil
	})
	oldURLs, oldCSP = KeySet{}, hashtab.Map[uint64]{}
	cov.origins()
	cov.setMoved(old, moved)

	// Fixed findings: the old report's whose key the new one has not, where the new crawl looked.
	unseenFindings := 0
	_ = old.EachFinding(func(f *Finding) error {
		if skip[f.Rule] || curF.Has(cmp.Key(*f)) {
			return nil
		}
		if !cov.Finding(old, *f) {
			unseenFindings++
			return nil
		}
		return add(l, l.fixed, *f)
	})
	curF = KeySet{}
	cov.old, cov.moved = nil, nil

	// The new pages, second time (the coverage is whole): pages failing, payment pages' headers.
	var headerKeys KeySet // keys whose payment page's headers changed
	headerFills := newFills[headerFill](l, limit, headerFillCodec)
	_ = cur.EachPage(func(p *Page) error {
		h := keyHash(cmp.URL(p.URL))
		if was, ok := oldRecords.Get(h); ok {
			if now, ok := cov.records.Get(h); !ok || !now.same(was) {
				if err := add(l, l.failed, PageFailure{URL: p.URL, Error: whyNotParsed(p)}); err != nil {
					return err
				}
			}
		}
		if p.Payment && p.Error == "" {
			if o, ok := oldPay.Get(h); ok {
				if hf := headersOf(p); hf.sum() != o {
					hf.h, hf.csp = h, cspPages.Has(p.URL)
					headerKeys.t.Put(h, struct{}{})
					return add(l, headerFills, hf)
				}
			}
		}
		return nil
	})
	oldRecords, oldPay = hashtab.Map[finalURL]{}, hashtab.Map[uint64]{}

	// The old pages, second time: pages removed, the old policies of the pages whose policy changed,
	// the old headers of the payment pages whose headers changed.
	removed := newSorter(&l.file, limit, func(a, b *keyedURL) bool { return a.h < b.h }, keyedURLCodec)
	_ = old.EachPage(func(p *Page) error {
		h := keyHash(cmp.URL(p.URL))
		if _, ok := curURLs.t.Get(h); !ok {
			if err := add(l, removed, keyedURL{h, p.URL}); err != nil {
				return err
			}
		}
		if p.Error != "" {
			return nil
		}
		if _, ok := headerKeys.t.Get(h); ok && p.Payment {
			hf := headersOf(p)
			hf.h, hf.old = h, true
			if err := add(l, headerFills, hf); err != nil {
				return err
			}
		}
		if _, ok := cspKeys.t.Get(h); ok {
			return add(l, fills, cspFill{H: h, Old: true, Change: HeaderChange{Old: nonNil(p.CSP)}})
		}
		return nil
	})
	curURLs, cspKeys, cspPages, headerKeys = KeySet{}, KeySet{}, KeySet{}, KeySet{}
	l.lastOfEachKey(added, l.added)
	l.lastOfEachKey(removed, l.removed)
	eachFilled(l, fills, func(f, old *cspFill) error {
		f.Change.Old = old.Change.Old
		return add(l, l.csp, f.Change)
	})
	eachFilled(l, headerFills, func(f, old *headerFill) error { return diffHeaders(l, old, f) })

	if unseenFindings > 0 {
		c.Warnings = append(c.Warnings, fmt.Sprintf("%d findings of the old report are on pages or origins the new crawl did not check; not counted as fixed", unseenFindings))
	}
	if n := l.removed.len(); n > 0 && cur.partial() {
		// The report does not say which URLs were left in the queue: a page the new crawl did
		// not reach may still be there.
		c.Warnings = append(c.Warnings, fmt.Sprintf("%d pages of the old report were not reached by the new crawl, "+
			"which stopped short; not counted as removed", n))
		l.removed = l.urls()
	}
	c.diffScripts(cmp, old, cur, cov)
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
	l := c.lists
	var oldS hashtab.Map[uint64] // key -> hash of the SHA-256, 0 when there is none
	_ = old.EachScript(func(s *Script) error {
		var sha uint64
		if s.SHA256 != "" {
			sha = keyHash(s.SHA256) | 1
		}
		oldS.Put(keyHash(scriptKey(cmp, *s)), sha)
		return nil
	})
	var curS, changedKeys KeySet
	fills := newFills[scriptFill](l, l.limit, jsonCodec[scriptFill]())
	n := 0
	_ = cur.EachScript(func(s *Script) error {
		k := keyHash(scriptKey(cmp, *s))
		curS.t.Put(k, struct{}{})
		o, ok := oldS.Get(k)
		switch {
		case !ok:
			return add(l, l.scriptsAdded, *s)
		case s.Kind == "external" && o != 0 && s.SHA256 != "" && o != keyHash(s.SHA256)|1:
			changedKeys.t.Put(k, struct{}{})
			n++
			return add(l, fills, scriptFill{H: k, Seq: n, C: ScriptChange{URL: s.URL, NewSHA256: s.SHA256, PaymentPages: s.PaymentPages}})
		}
		return nil
	})
	oldS = hashtab.Map[uint64]{}
	unseen := 0
	_ = old.EachScript(func(s *Script) error {
		k := keyHash(scriptKey(cmp, *s))
		if _, ok := changedKeys.t.Get(k); ok {
			if err := add(l, fills, scriptFill{H: k, Old: true, SHA: s.SHA256}); err != nil {
				return err
			}
		}
		if _, ok := curS.t.Get(k); ok {
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
		return add(l, l.scriptsRemoved, *s)
	})
	eachFilled(l, fills, func(f, old *scriptFill) error {
		f.C.OldSHA256 = old.SHA
		return add(l, l.scriptsChanged, *f)
	})
	if unseen > 0 {
		c.Warnings = append(c.Warnings, fmt.Sprintf("%d scripts of the old report are only on pages the new crawl did not check; not counted as removed", unseen))
	}
}

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

// diffHeaders compares the security headers of p, a page that is a payment page in both
// reports (only those have them recorded) and that loaded both times, with o, the old record of
// it (none: the zero record). A Content-Security-Policy header whose change CSPChanged has
// already (p.csp) is left out.
func diffHeaders(l *changeLists, o, p *headerFill) error {
	if !o.old {
		return nil
	}
	list := func(v string, ok bool) []string {
		if !ok {
			return []string{}
		}
		return []string{v}
	}
	for i, name := range securityHeaderNames {
		if name == "Content-Security-Policy" && p.csp {
			continue // csp_changed has it already: one change, reported once
		}
		a, aok := o.value(i)
		b, bok := p.value(i)
		if a != b || aok != bok {
			if err := add(l, l.headers, HeaderChange{Page: p.page, Header: name, Old: list(a, aok), New: list(b, bok)}); err != nil {
				return err
			}
		}
	}
	return nil
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
