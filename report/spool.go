package report

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"unsafe"

	"github.com/klauspost/compress/s2"
	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/rules"
)

// Spool keeps the parts of a report that grow with the site out of memory as the crawl goes:
// the pages (each stored as the exact bytes the JSON report will hold, resources included,
// s2-compressed, so writing the report decompresses and copies them) and the findings. Each is an external merge sort (sorter):
// records wait in memory up to a threshold, then go to one unlinked temporary file as sorted
// runs, and every pass over them (each writer, the counts, the gate) merges the runs in report
// order. Memory then stays flat however many pages the site has.
type Spool struct {
	file     spoolFile
	blobs    spoolFile // the pages' report bytes, written once when their record spills
	limit    int
	pages    *sorter[pageRec]
	findings *sorter[Finding]
	// The script inventory and the fix list grow with the site too where scripts or insecure
	// URLs differ from page to page (a tracker's ?pid= on every page): their sightings are
	// sorted like the rest, and so are the finished lists.
	uses    *sorter[scriptUse]
	scripts *sorter[Script]
	fixes   *sorter[Fix]
	errs    *sorter[Error] // the crawl's errors (spoolerrors.go), made at the first
	err     error          // the first error of a pass that could not return it (Recount)

	failedPages int // pages put with an error: none, and the gate reads no page back

	// pageBytes holds the pages' compressed report bytes not yet in blobs: one
	// buffer reused for the whole crawl, written to blobs in one piece once it holds
	// pageBytesLimit bytes. A page's bytes are at the same offset in the sequence blobs then pageBytes.
	pageBytes []byte
	plain     []byte      // reused between pages: a page's JSON before it is compressed into pageBytes
	js        *jsonStream // appends pages to plain
	meta      []byte      // reused between pages
	metas     []byte      // the records' meta, one allocation for many pages (keepMeta)
	rs        []Resource  // reused between pages: a crawled page's resources in report form
}

// pageRec is a spooled page: its URL (the sort key), its error (for the gate, without decoding
// the rest), the page without resources in binary (appendPageMeta), and where the page's bytes as the JSON report
// writes it are, s2-compressed (off, size: in blobs, or in pageBytes from blobs' end on). The bytes are
// written once, in the order pages come; sorting and merging move the small records only.
type pageRec struct {
	url, err  string
	resources int
	meta      []byte
	off       int64
	size      int
}

// NewSpool returns a spool that keeps DefaultSpillBytes of each kind of record in memory.
func NewSpool() (*Spool, error) { return NewSpoolSize(DefaultSpillBytes), nil }

// NewSpoolSize returns a spool that writes a run out once limit bytes of one kind of record
// are in memory (tests use a tiny one to spill at once). The file is made at the first run.
func NewSpoolSize(limit int) *Spool {
	s := &Spool{limit: limit}
	s.pages = newSorter(&s.file, limit, func(a, b *pageRec) bool { return a.url < b.url }, s.pageCodec())
	s.findings = newSorter(&s.file, limit, findingLess, findingCodec)
	s.uses = newSorter(&s.file, limit, scriptUseLess, scriptUseCodec)
	s.js = newJSONStreamTo(nil) // appendPage only: it writes nothing
	return s
}

// Close closes and removes the spool files.
func (s *Spool) Close() error { return errors.Join(s.file.close(), s.blobs.close()) }

// Spill writes the records a spooled report keeps in memory (its pages, findings, script
// inventory, fixes and errors: up to the spill threshold of each) out to its spool's file and
// lets that memory go. A report kept open while other work goes on (a watch's baseline, or the
// run's report while the history compares and records it) then holds a few bytes a run, and
// every pass reads it from the file. Nothing changes in what the report gives back.
func (r *Report) Spill() error {
	if r.spool == nil {
		return nil
	}
	return r.spool.spill()
}

func (s *Spool) spill() error {
	if len(s.pageBytes) > 0 {
		s.blobs.appendBlob(s.pageBytes)
	}
	if err := s.blobs.flush(); err != nil {
		return err
	}
	s.pageBytes, s.plain, s.meta, s.rs = nil, nil, nil, nil
	err := errors.Join(s.pages.release(), s.findings.release(), s.uses.release(), s.scripts.release(), s.fixes.release(), s.errs.release())
	if err == nil {
		s.metas = nil // (the records in memory that shared it are written out)
	}
	return err
}

// putPage stores p (with its resources) as it appears in the JSON report.
func (s *Spool) putPage(p *Page) error {
	if s.pageBytes == nil {
		s.pageBytes = make([]byte, 0, s.pageBytesLimit()+64<<10) // room for one page past the limit: grown once
	}
	// The page's JSON is encoded into plain (reused) and stored s2-compressed: the shared
	// benchmark's pages shrink about nine times, and writing the bytes to the file and reading
	// them back cost more than compressing and decompressing them (a 100,000-page report's
	// 1.9 GB of pages is 0.2 GB on disk).
	s.plain = s.js.appendPage(s.plain[:0], p, pageIndent)
	start := len(s.pageBytes)
	s.pageBytes = slices.Grow(s.pageBytes, s2.MaxEncodedLen(len(s.plain)))
	enc := s2.Encode(s.pageBytes[start:start+s2.MaxEncodedLen(len(s.plain))], s.plain)
	s.pageBytes = s.pageBytes[:start+len(enc)]
	if p.Error != "" {
		s.failedPages++
	}
	s.meta = appendPageMeta(s.meta[:0], p)
	rec := pageRec{url: p.URL, err: p.Error, resources: len(p.Resources), meta: s.keepMeta(s.meta),
		off: s.blobs.off + int64(start), size: len(s.pageBytes) - start}
	if len(s.pageBytes) >= s.pageBytesLimit() {
		s.blobs.appendBlob(s.pageBytes)
		s.pageBytes = s.pageBytes[:0]
		if s.blobs.err != nil { // the file could not be made: the offsets would be wrong
			return s.blobs.err
		}
	}
	return s.pages.add(rec)
}

// pageBytesLimit is how many bytes of pages wait in pageBytes: a quarter of the spill threshold
// (1 MB by default) is large enough a write, and the records the bytes go with take the rest.
func (s *Spool) pageBytesLimit() int { return max(1, min(s.limit, DefaultSpillBytes)/4) }

// keepMeta copies a page record's meta into a block shared by the records of many pages (a
// block is freed once none of its records is in memory), not one allocation for each.
func (s *Spool) keepMeta(b []byte) []byte {
	if cap(s.metas)-len(s.metas) < len(b) {
		s.metas = make([]byte, 0, max(32<<10, len(b)))
	}
	at := len(s.metas)
	s.metas = append(s.metas, b...)
	return s.metas[at:len(s.metas):len(s.metas)]
}

// putCrawled is putPage for a page whose resources are the crawler's, converted into a reused
// slice rather than new report values.
func (s *Spool) putCrawled(p *Page, rs []crawler.Resource) error {
	if s.rs == nil {
		s.rs = []Resource{} // none is an empty list, as converting them gives
	}
	s.rs = s.rs[:0]
	for i := range rs {
		s.rs = append(s.rs, fromResource(&rs[i]))
	}
	p.Resources = s.rs
	err := s.putPage(p)
	p.Resources = nil
	clear(s.rs) // keep no crawled strings alive
	return err
}

// AddPage appends a complete page to the report. With a spool (UseSpool) the page goes to the
// spool and Pages stays empty: EachPage and the writers read it from there.
func (r *Report) AddPage(p Page) error {
	if r.spool != nil {
		return r.spool.putPage(&p)
	}
	r.Pages = append(r.Pages, p)
	return nil
}

// AddCrawledPage appends a page whose resources are the crawler's: with a spool they are
// written straight from rs, never copied into report values; without, they are converted.
// p's own Resources are ignored.
func (r *Report) AddCrawledPage(p Page, rs []crawler.Resource) error {
	if r.spool != nil {
		return r.spool.putCrawled(&p, rs)
	}
	p.Resources = make([]Resource, len(rs))
	for i := range rs {
		p.Resources[i] = fromResource(&rs[i])
	}
	r.Pages = append(r.Pages, p)
	return nil
}

// AddFinding appends a finding: to the spool when there is one, to Findings otherwise.
func (r *Report) AddFinding(f Finding) error {
	if r.spool != nil {
		return r.spool.findings.add(f)
	}
	r.Findings = append(r.Findings, f)
	return nil
}

// UseSpool makes the report keep its pages and findings in s from now on. Close releases it.
func (r *Report) UseSpool(s *Spool) { r.spool = s }

// Close releases the report's spool, if any. The spooled pages and findings are gone.
func (r *Report) Close() error {
	if r.spool == nil {
		return nil
	}
	err := r.spool.Close()
	r.spool = nil
	return err
}

// NumPages is the number of pages, in memory or spooled.
func (r *Report) NumPages() int {
	if r.spool != nil {
		return r.spool.pages.len() + len(r.Pages)
	}
	return len(r.Pages)
}

// NumFindings is the number of findings, in memory or spooled.
func (r *Report) NumFindings() int {
	if r.spool != nil {
		return r.spool.findings.len() + len(r.Findings)
	}
	return len(r.Findings)
}

// EachPage calls fn with every page in report order (by URL, once Finish has run), spooled or
// in memory. A spooled page comes without its resources; changes fn makes are not kept.
func (r *Report) EachPage(fn func(*Page) error) error {
	for i := range r.Pages {
		if err := fn(&r.Pages[i]); err != nil {
			return err
		}
	}
	if r.spool == nil {
		return nil
	}
	return r.spool.pages.each(func(rec *pageRec) error {
		p := Page{URL: rec.url}
		if err := readPageMeta(rec.meta, &p); err != nil {
			return fmt.Errorf("spool: %w", err)
		}
		p.spooledResources = rec.resources
		return fn(&p)
	})
}

// EachPageWithResources is EachPage with each page's resources: a spooled page's are decoded
// from the bytes the JSON report writes, which costs more than EachPage does (a report read
// without resources has none to give).
func (r *Report) EachPageWithResources(fn func(*Page) error) error {
	for i := range r.Pages {
		if err := fn(&r.Pages[i]); err != nil {
			return err
		}
	}
	if r.spool == nil {
		return nil
	}
	return r.spool.eachPageJSON(func(b []byte) error {
		var p Page
		if err := json.Unmarshal(b, &p); err != nil {
			return fmt.Errorf("spool: page: %w", err)
		}
		return fn(&p)
	})
}

// EachFinding calls fn with every finding in report order (SortFindings' order, once Finish has
// run), spooled or in memory. Changes fn makes are not kept: see UpdateFindings.
func (r *Report) EachFinding(fn func(*Finding) error) error {
	var spooled *sorter[Finding]
	if r.spool != nil {
		spooled = r.spool.findings
	}
	return eachOf(r.Findings, spooled, fn)
}

// UpdateFindings calls fn with every finding, in order, and keeps what it changes (a spooled
// report's findings are written again, as one run).
func (r *Report) UpdateFindings(fn func(*Finding)) error {
	for i := range r.Findings {
		fn(&r.Findings[i])
	}
	if r.spool == nil || r.spool.findings.len() == 0 {
		return nil
	}
	old := r.spool.findings
	s := newSorter(&r.spool.file, old.limit, findingLess, findingCodec)
	err := old.each(func(f *Finding) error {
		fn(f)
		return s.add(*f)
	})
	if err != nil {
		return err
	}
	r.spool.findings = s
	return nil
}

// eachPageJSON calls fn with every spooled page as the JSON report writes it.
func (s *Spool) eachPageJSON(fn func([]byte) error) error {
	if err := s.blobs.flush(); err != nil {
		return err
	}
	var buf, plain []byte
	return s.pages.each(func(rec *pageRec) error {
		var enc []byte
		if rec.off >= s.blobs.off {
			from := rec.off - s.blobs.off
			enc = s.pageBytes[from : from+int64(rec.size)]
		} else {
			buf = slices.Grow(buf[:0], rec.size)[:rec.size]
			if _, err := s.blobs.f.ReadAt(buf, rec.off); err != nil {
				return fmt.Errorf("spool: %w", err)
			}
			enc = buf
		}
		var err error
		if plain, err = s2.Decode(plain[:cap(plain)], enc); err != nil { // a larger page: Decode makes room
			return fmt.Errorf("spool: page bytes: %w", err)
		}
		return fn(plain)
	})
}

// pageCodec writes a page record (its bytes are elsewhere: see pageBytes).
func (s *Spool) pageCodec() codec[pageRec] {
	return codec[pageRec]{
		enc: func(dst []byte, v *pageRec) []byte {
			dst = appendString(dst, v.url)
			dst = appendString(dst, v.err)
			dst = binary.AppendUvarint(dst, uint64(v.resources))
			dst = appendBytes(dst, v.meta)
			dst = binary.AppendUvarint(dst, uint64(v.off))
			return binary.AppendUvarint(dst, uint64(v.size))
		},
		dec: func(b []byte, v *pageRec) error {
			d := decoder{b: b}
			v.url, v.err = d.str(), d.str()
			v.resources = int(d.uvarint())
			v.meta = d.bytes()
			v.off, v.size = int64(d.uvarint()), int(d.uvarint())
			return d.done()
		},
		size: func(v *pageRec) int {
			return int(unsafe.Sizeof(*v)) + len(v.url) + len(v.err) + len(v.meta)
		},
	}
}

// findingLess is SortFindings' order.
func findingLess(a, b *Finding) bool {
	switch {
	case a.Page != b.Page:
		return a.Page < b.Page
	case a.Line != b.Line:
		return a.Line < b.Line
	case a.Rule != b.Rule:
		return a.Rule < b.Rule
	case a.URL != b.URL:
		return a.URL < b.URL
	case a.Element != b.Element:
		return a.Element < b.Element
	}
	return a.Message < b.Message
}

// findingCodec writes every field of Finding (TestFindingCodecRoundTrip fills each by
// reflection, so a new field cannot be left out).
var findingCodec = codec[Finding]{
	enc: func(dst []byte, f *Finding) []byte {
		for _, s := range [...]string{f.Rule, f.Page, f.URL, f.Element, f.Attribute, f.Source, f.Message,
			f.Stylesheet, f.Mitigation, f.Initiator, f.Observed, string(f.Baseline)} {
			dst = appendString(dst, s)
		}
		dst = binary.AppendVarint(dst, int64(f.Severity))
		dst = binary.AppendVarint(dst, int64(f.Line))
		dst = appendOptBool(dst, f.HTTPSAvailable)
		if f.Suppressed == nil {
			return append(dst, 0)
		}
		dst = append(dst, 1)
		dst = appendString(dst, f.Suppressed.Reason)
		dst = appendString(dst, f.Suppressed.Until)
		return appendString(dst, f.Suppressed.Match)
	},
	dec: func(b []byte, f *Finding) error {
		d := decoder{b: b}
		for _, s := range [...]*string{&f.Rule, &f.Page, &f.URL, &f.Element, &f.Attribute, &f.Source, &f.Message,
			&f.Stylesheet, &f.Mitigation, &f.Initiator, &f.Observed} {
			*s = d.str()
		}
		f.Baseline = BaselineState(d.str())
		f.Severity = rules.Severity(d.varint())
		f.Line = int(d.varint())
		f.HTTPSAvailable = d.optBool()
		if d.byte() == 1 {
			f.Suppressed = &Suppression{Reason: d.str(), Until: d.str(), Match: d.str()}
		}
		return d.done()
	},
	size: func(f *Finding) int {
		n := int(unsafe.Sizeof(*f)) + len(f.Page) + len(f.URL) + len(f.Message) // the other strings are shared
		if f.Suppressed != nil {
			n += int(unsafe.Sizeof(*f.Suppressed)) + len(f.Suppressed.Reason)
		}
		return n
	},
}

// appendPageMeta appends every field of Page but its URL and its resources (the spool keeps those as the
// page's JSON bytes only): what EachPage gives back, read by readPageMeta. TestPageFieldsAllWritten
// fills each field by reflection, so a new field cannot be left out. Empty lists and maps come
// back nil, as they did from the page's JSON (omitempty).
func appendPageMeta(dst []byte, p *Page) []byte {
	var flags byte
	for i, b := range [...]bool{p.Frame, p.Truncated, p.Payment, p.Rendered, p.TLS != nil, p.FinalURL != p.URL} {
		if b {
			flags |= 1 << i
		}
	}
	dst = append(dst, flags)
	if p.FinalURL != p.URL {
		dst = appendString(dst, p.FinalURL)
	}
	for _, v := range [...]string{p.ContentType, p.Title, p.Parent, p.Error, p.Flow} {
		dst = appendString(dst, v)
	}
	for _, n := range [...]int{p.Status, p.Depth, p.FlowStep} {
		dst = binary.AppendVarint(dst, int64(n))
	}
	if p.TLS != nil {
		dst = appendString(appendString(dst, p.TLS.Version), p.TLS.Cipher)
	}
	dst = binary.AppendUvarint(dst, uint64(len(p.Redirects)))
	for _, r := range p.Redirects {
		dst = appendString(appendString(appendString(dst, r.From), r.To), r.Via)
		dst = binary.AppendVarint(dst, int64(r.Status))
	}
	for _, list := range [...][]string{p.PaymentSignals, p.CSP} {
		dst = binary.AppendUvarint(dst, uint64(len(list)))
		for _, v := range list {
			dst = appendString(dst, v)
		}
	}
	dst = binary.AppendUvarint(dst, uint64(len(p.SecurityHeaders)))
	for k, v := range p.SecurityHeaders {
		dst = appendString(appendString(dst, k), v)
	}
	return dst
}

// readPageMeta reads what appendPageMeta wrote into p, whose URL the caller has set (the
// spool's record holds it: the meta does not repeat it, nor a final URL that is the same).
func readPageMeta(b []byte, p *Page) error {
	d := decoder{b: b}
	flags := d.byte()
	for i, b := range [...]*bool{&p.Frame, &p.Truncated, &p.Payment, &p.Rendered} {
		*b = flags&(1<<i) != 0
	}
	p.FinalURL = p.URL
	if flags&(1<<5) != 0 {
		p.FinalURL = d.str()
	}
	for _, v := range [...]*string{&p.ContentType, &p.Title, &p.Parent, &p.Error, &p.Flow} {
		*v = d.str()
	}
	for _, n := range [...]*int{&p.Status, &p.Depth, &p.FlowStep} {
		*n = int(d.varint())
	}
	if flags&(1<<4) != 0 {
		p.TLS = &TLS{Version: d.str(), Cipher: d.str()}
	}
	if n := d.count(); n > 0 {
		p.Redirects = make([]Redirect, n)
		for i := range p.Redirects {
			r := &p.Redirects[i]
			r.From, r.To, r.Via = d.str(), d.str(), d.str()
			r.Status = int(d.varint())
		}
	}
	for _, list := range [...]*[]string{&p.PaymentSignals, &p.CSP} {
		if n := d.count(); n > 0 {
			*list = make([]string, n)
			for i := range *list {
				(*list)[i] = d.str()
			}
		}
	}
	if n := d.count(); n > 0 {
		p.SecurityHeaders = make(map[string]string, n)
		for range n {
			k := d.str()
			p.SecurityHeaders[k] = d.str()
		}
	}
	return d.done()
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// appendOptBool writes a *bool as one byte: 0 for nil, 1 for false, 2 for true.
func appendOptBool(dst []byte, b *bool) []byte {
	switch {
	case b == nil:
		return append(dst, 0)
	case *b:
		return append(dst, 2)
	}
	return append(dst, 1)
}

// appendStrings writes a list of strings, nil apart from empty (they differ in JSON: null, []).
func appendStrings(dst []byte, list []string) []byte {
	if list == nil {
		return append(dst, 0)
	}
	dst = binary.AppendUvarint(dst, uint64(len(list))+1)
	for _, v := range list {
		dst = appendString(dst, v)
	}
	return dst
}

// list reads what appendStrings wrote.
func (d *decoder) list() []string {
	n := d.uvarint()
	if n == 0 || d.err != nil {
		return nil
	}
	if n-1 > uint64(len(d.b)) { // each entry takes a byte at least
		d.err, d.b = errShortRecord, nil
		return nil
	}
	list := make([]string, n-1)
	for i := range list {
		list[i] = d.str()
	}
	return list
}

func appendBytes(dst, b []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

// decoder reads what the codecs append; the first problem sticks.
type decoder struct {
	b   []byte
	err error
}

var errShortRecord = errors.New("record cut short")

func (d *decoder) bytes() []byte {
	n, k := binary.Uvarint(d.b)
	if k <= 0 || uint64(len(d.b)-k) < n {
		d.err, d.b = errShortRecord, nil
		return nil
	}
	v := d.b[k : k+int(n) : k+int(n)]
	d.b = d.b[k+int(n):]
	return v
}

func (d *decoder) str() string { return string(d.bytes()) }

// count reads the length of a list, each of whose entries takes a byte at least.
func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.err, d.b = errShortRecord, nil
		return 0
	}
	return int(n)
}

func (d *decoder) varint() int64 { return number(d, binary.Varint) }

func (d *decoder) uvarint() uint64 { return number(d, binary.Uvarint) }

// number reads one number with read (binary.Varint or binary.Uvarint).
func number[T int64 | uint64](d *decoder, read func([]byte) (T, int)) T {
	v, k := read(d.b)
	if k <= 0 {
		d.err, d.b = errShortRecord, nil
		return 0
	}
	d.b = d.b[k:]
	return v
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.err = errShortRecord
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

// optBool reads what appendOptBool wrote.
func (d *decoder) optBool() *bool {
	switch d.byte() {
	case 1:
		no := false
		return &no
	case 2:
		yes := true
		return &yes
	}
	return nil
}

func (d *decoder) done() error {
	if d.err == nil && len(d.b) > 0 {
		return errors.New("record longer than its fields")
	}
	return d.err
}

// scriptUse is one page's use of one script of the inventory, as the scan saw it.
type scriptUse struct {
	key     string // the scan's identity of the script (its URL as written, or kind and hash)
	page    string
	payment bool
	s       Script // the entry as this page makes it
}

// scriptUseLess orders the uses as the inventory is listed (kind, URL, hash), each script's
// together and by page.
func scriptUseLess(a, b *scriptUse) bool {
	switch {
	case a.s.Kind != b.s.Kind:
		return a.s.Kind < b.s.Kind
	case a.s.URL != b.s.URL:
		return a.s.URL < b.s.URL
	case a.s.SHA256 != b.s.SHA256:
		return a.s.SHA256 < b.s.SHA256
	case a.key != b.key:
		return a.key < b.key
	}
	return a.page < b.page
}

var scriptUseCodec = codec[scriptUse]{
	enc: func(dst []byte, v *scriptUse) []byte {
		dst = appendString(dst, v.key)
		dst = appendString(dst, v.page)
		if v.payment {
			dst = append(dst, 1)
		} else {
			dst = append(dst, 0)
		}
		return scriptCodec.enc(dst, &v.s)
	},
	dec: func(b []byte, v *scriptUse) error {
		d := decoder{b: b}
		v.key, v.page, v.payment = d.str(), d.str(), d.byte() == 1
		if d.err != nil {
			return d.err
		}
		return scriptCodec.dec(d.b, &v.s)
	},
	size: func(v *scriptUse) int {
		return int(unsafe.Sizeof(*v)) + len(v.key) + len(v.page) + len(v.s.URL) + len(v.s.SHA256) + len(v.s.Integrity)
	},
}

// scriptCodec writes every field of Script: one is recorded for each page's use of each script
// (json.Marshal of each cost about 4% of a large crawl), and for each entry of the inventory. TestScriptCodecRoundTrip fills each
// field by reflection, so a new field cannot be left out.
var scriptCodec = codec[Script]{
	enc: func(dst []byte, s *Script) []byte {
		for _, v := range [...]string{s.Kind, s.URL, s.SHA256, s.Party, s.Integrity, s.AllowedBy, s.Justification, s.InjectedBy, s.Snippet} {
			dst = appendString(dst, v)
		}
		for _, n := range [...]int64{s.Size, int64(s.Status), int64(s.PageCount), int64(s.Line)} {
			dst = binary.AppendVarint(dst, n)
		}
		dst = appendOptBool(dst, s.IntegrityValid)
		// PaymentPages last: ListScripts writes a long list after the rest (addEncoded).
		return appendStrings(appendStrings(dst, s.Pages), s.PaymentPages)
	},
	dec: func(b []byte, s *Script) error {
		d := decoder{b: b}
		for _, v := range [...]*string{&s.Kind, &s.URL, &s.SHA256, &s.Party, &s.Integrity, &s.AllowedBy, &s.Justification, &s.InjectedBy, &s.Snippet} {
			*v = d.str()
		}
		s.Size = d.varint()
		s.Status, s.PageCount, s.Line = int(d.varint()), int(d.varint()), int(d.varint())
		s.IntegrityValid = d.optBool()
		s.Pages, s.PaymentPages = d.list(), d.list()
		return d.done()
	},
	size: scriptSize,
	key: func(b []byte, s *Script) error { // scriptLess's fields, the first three
		d := decoder{b: b}
		s.Kind, s.URL, s.SHA256 = d.str(), d.str(), d.str()
		return d.err
	},
}

// scriptSize is what an inventory entry holds in memory: its lists count, as an entry of a
// script on every payment page lists them all (5.6 MB at 100,000), and a sorter that counted
// a fixed size kept several such entries at once.
func scriptSize(s *Script) int {
	n := int(unsafe.Sizeof(*s))
	for _, v := range [...]string{s.Kind, s.URL, s.SHA256, s.Party, s.Integrity, s.AllowedBy, s.Justification, s.InjectedBy, s.Snippet} {
		n += len(v)
	}
	for _, l := range [...][]string{s.Pages, s.PaymentPages} {
		n += int(unsafe.Sizeof("")) * len(l)
		for _, p := range l {
			n += len(p)
		}
	}
	return n
}

// jsonCodec stores a record as its JSON (the records that are few next to pages and findings).
// It has no size: the sorter counts the JSON it keeps of each record against its memory (a CSP
// change holds two whole policies, often kilobytes each), marshalled once.
func jsonCodec[T any]() codec[T] {
	return codec[T]{
		enc: func(dst []byte, v *T) []byte {
			b, err := json.Marshal(v)
			if err != nil {
				panic(err) // report values always encode
			}
			return append(dst, b...)
		},
		dec: func(b []byte, v *T) error { return json.Unmarshal(b, v) },
	}
}

// AddScriptUse records that page includes the inventory's script s, identified by key: with a
// spool it goes there, to be listed by ListScripts; without, the caller keeps the inventory.
func (r *Report) AddScriptUse(key string, s Script, page string, payment bool) error {
	if r.spool == nil {
		return errors.New("script uses are spooled only")
	}
	return r.spool.uses.add(scriptUse{key: key, page: page, payment: payment, s: s})
}

// ListScripts makes the script inventory from the uses AddScriptUse recorded, in the inventory's
// order: each script with the number of pages that include it, the first maxPages of them by
// URL, and every payment page; the entry itself as the first of those pages makes it.
func (r *Report) ListScripts(maxPages int) error {
	s := r.spool
	if s == nil {
		return nil
	}
	s.scripts = newSorter(&s.file, s.limit, scriptLess, scriptCodec)
	var cur *Script
	var key string
	// A script's payment pages are every one of them: past maxKeptBuf bytes they are kept
	// encoded (pp, ppN of them), and the entry goes to the sorter encoded, never decoded.
	var pp []byte
	ppN, ppBytes := 0, 0
	flush := func() error {
		if cur == nil {
			return nil
		}
		if cur.Pages == nil {
			cur.Pages = []string{}
		}
		if pp == nil {
			return s.scripts.add(*cur)
		}
		head := scriptCodec.enc(nil, cur) // PaymentPages nil: it ends with their count, 0
		count := binary.AppendUvarint(nil, uint64(ppN)+1)
		err := s.scripts.addEncoded(head[:len(head)-1], count, pp)
		pp, ppN = nil, 0
		return err
	}
	err := s.uses.each(func(u *scriptUse) error {
		if cur == nil || u.key != key {
			if err := flush(); err != nil {
				return err
			}
			v := u.s
			cur, key, ppBytes = &v, u.key, 0
		}
		cur.PageCount++
		if len(cur.Pages) < maxPages {
			cur.Pages = append(cur.Pages, u.page)
		}
		switch {
		case !u.payment:
		case pp != nil:
			pp, ppN = appendString(pp, u.page), ppN+1
		default:
			cur.PaymentPages = append(cur.PaymentPages, u.page)
			if ppBytes += len(u.page); ppBytes > maxKeptBuf {
				for _, p := range cur.PaymentPages {
					pp = appendString(pp, p)
				}
				ppN, cur.PaymentPages = len(cur.PaymentPages), nil
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	s.uses = newSorter(&s.file, s.limit, scriptUseLess, scriptUseCodec) // done with: drop
	r.Scripts = nil
	return nil
}

// scriptLess is the inventory's order.
func scriptLess(a, b *Script) bool {
	if a.Kind != b.Kind {
		return a.Kind < b.Kind
	}
	if a.URL != b.URL {
		return a.URL < b.URL
	}
	return a.SHA256 < b.SHA256
}

// addScript appends an entry of the script inventory, read from a report: to the spool when
// there is one.
func (r *Report) addScript(sc Script) error {
	if r.spool == nil {
		return addRecord(r, nil, scriptLess, scriptCodec, &r.Scripts, sc)
	}
	return addRecord(r, &r.spool.scripts, scriptLess, scriptCodec, &r.Scripts, sc)
}

// addFix appends an entry of the fix list, read from a report: to the spool when there is one.
func (r *Report) addFix(f Fix) error {
	if r.spool == nil {
		return addRecord(r, nil, fixBefore, jsonCodec[Fix](), &r.Fixes, f)
	}
	return addRecord(r, &r.spool.fixes, fixBefore, jsonCodec[Fix](), &r.Fixes, f)
}

// addRecord adds v to *spooled (made at the first record, with c) when r has a spool, to
// *inMemory otherwise.
func addRecord[T any](r *Report, spooled **sorter[T], less func(a, b *T) bool, c codec[T], inMemory *[]T, v T) error {
	if r.spool == nil {
		*inMemory = append(*inMemory, v)
		return nil
	}
	if *spooled == nil {
		*spooled = newSorter(&r.spool.file, r.spool.limit, less, c)
	}
	return (*spooled).add(v)
}

// EachScript calls fn with every entry of the script inventory, in order.
func (r *Report) EachScript(fn func(*Script) error) error {
	var spooled *sorter[Script]
	if r.spool != nil {
		spooled = r.spool.scripts
	}
	return eachOf(r.Scripts, spooled, fn)
}

// EachFix calls fn with every entry of the fix list, in order.
func (r *Report) EachFix(fn func(*Fix) error) error {
	var spooled *sorter[Fix]
	if r.spool != nil {
		spooled = r.spool.fixes
	}
	return eachOf(r.Fixes, spooled, fn)
}

// eachOf calls fn with the records in memory, then the spooled ones (spooled may be nil).
func eachOf[T any](inMemory []T, spooled *sorter[T], fn func(*T) error) error {
	for i := range inMemory {
		if err := fn(&inMemory[i]); err != nil {
			return err
		}
	}
	if spooled == nil {
		return nil
	}
	return spooled.each(fn)
}

// fixUse is a finding that goes into the fix list, with its place in report order.
type fixUse struct {
	seq int
	f   Finding
}

var fixUseCodec = codec[fixUse]{
	enc: func(dst []byte, v *fixUse) []byte {
		return findingCodec.enc(binary.AppendUvarint(dst, uint64(v.seq)), &v.f)
	},
	dec: func(b []byte, v *fixUse) error {
		d := decoder{b: b}
		v.seq = int(d.uvarint())
		if d.err != nil {
			return d.err
		}
		return findingCodec.dec(d.b, &v.f)
	},
	size: func(v *fixUse) int { return 8 + findingCodec.size(&v.f) },
}

// spooledFixes builds the fix list of a spooled report: the fixable findings are sorted by URL
// (each URL's in report order), grouped, and the fixes sorted into the list's order; a pass
// over the findings gives them to add.
type spooledFixes struct {
	s    *Spool
	uses *sorter[fixUse]
	seq  int
}

func newSpooledFixes(s *Spool) *spooledFixes {
	return &spooledFixes{s: s, uses: newSorter(&s.file, s.limit, func(a, b *fixUse) bool {
		if a.f.URL != b.f.URL {
			return a.f.URL < b.f.URL
		}
		return a.seq < b.seq
	}, fixUseCodec)}
}

func (sf *spooledFixes) add(f *Finding) error {
	sf.seq++
	if !fixable(f) {
		return nil
	}
	return sf.uses.add(fixUse{seq: sf.seq, f: *f})
}

// finish makes the list and keeps it in the spool.
func (sf *spooledFixes) finish() error {
	fixes := newSorter(&sf.s.file, sf.s.limit, fixBefore, jsonCodec[Fix]())
	var cur *fixAcc
	err := sf.uses.each(func(u *fixUse) error {
		if cur == nil || u.f.URL != cur.fix.URL {
			if cur != nil {
				if err := fixes.add(cur.done()); err != nil {
					return err
				}
			}
			cur = newFixAcc(&u.f, true)
		}
		cur.add(&u.f)
		return nil
	})
	if err != nil {
		return err
	}
	if cur != nil {
		if err := fixes.add(cur.done()); err != nil {
			return err
		}
	}
	sf.s.fixes = fixes
	return nil
}
