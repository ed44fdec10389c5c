package history

import (
	"fmt"
	"hash/maphash"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/padlock-scan/padlock/internal/hashtab"
	"github.com/padlock-scan/padlock/report"
)

// Kinds of Change. Removals of a control are changes of their own: a script gone, SRI dropped,
// a CSP removed or weakened, a header gone.
const (
	ScriptAdded       = "script-added"
	ScriptRemoved     = "script-removed"
	ScriptChanged     = "script-changed"      // an external script's bytes (SHA-256) changed
	SRIRemoved        = "sri-removed"         // the integrity attribute was dropped
	SRIChanged        = "sri-changed"         // the integrity attribute names other hashes
	SRIInvalid        = "sri-invalid"         // the bytes served no longer match the integrity attribute
	PaymentPageAdded  = "payment-page-added"  // a page that is a payment page now and was not before
	CSPAdded          = "csp-added"           // an enforced Content-Security-Policy where there was none
	CSPRemoved        = "csp-removed"         // no enforced Content-Security-Policy any more
	CSPWeakened       = "csp-weakened"        // a directive gone, or a source allowed that was not
	CSPChanged        = "csp-changed"         // changed, allowing nothing new
	HeaderAdded       = "header-added"        // a security header that was absent
	HeaderRemoved     = "header-removed"      // a security header that is absent now
	HeaderWeakened    = "header-weakened"     // HSTS with a shorter max-age or without includeSubDomains
	HeaderChanged     = "header-changed"      // another value
	FindingNew        = "finding-new"         // a finding the baseline did not have
	FindingFixed      = "finding-fixed"       // a baseline finding that is gone where the run looked
	OriginChanged     = "origin-changed"      // an origin's TLS version, HSTS or legacy TLS changed
	CertificateChange = "certificate-changed" // an origin's certificate issuer or expiry changed
)

// Change is one thing that differs between the baseline and a run: a script on the payment pages
// (Pages), a security header, a finding, an origin's TLS or certificate.
type Change struct {
	Kind string `json:"kind"`
	// Subject is what changed: a script (URL, or kind and SHA-256 of an inline one), a header's
	// name, a finding's rule and URL, an origin.
	Subject string `json:"subject"`
	// Pages are the payment pages (or, for a finding, the pages) it concerns; PageCount counts
	// them all when Pages lists only the first maxPages.
	Pages     []string `json:"pages,omitempty"`
	PageCount int      `json:"page_count,omitempty"`
	Old       string   `json:"old,omitempty"`
	New       string   `json:"new,omitempty"`
	// Detail says why it matters, or what exactly changed: the CSP directive weakened, the line
	// and first characters of an inline script.
	Detail string `json:"detail,omitempty"`
	// Omitted, when set, makes this entry the count of the changes of its kind past the first
	// maxChanges (1,000), which are not listed.
	Omitted int `json:"omitted,omitempty"`
}

// Count is how many changes cs lists or counts (Omitted).
func Count(cs []Change) int {
	n := 0
	for _, c := range cs {
		n += max(1, c.Omitted)
	}
	return n
}

// maxPages bounds the pages listed per change (PageCount has the number).
const maxPages = 20

// ScriptName is how a script is named in changes and in the store: its URL, or its kind and full
// SHA-256 for an inline script.
func ScriptName(s report.Script) string {
	if s.URL != "" {
		return s.URL
	}
	return s.Kind + " sha256:" + s.SHA256
}

// maxChanges bounds the changes of one kind a run lists (the first ones met); one more change
// of the kind counts the rest. A run that finds every page changed (a rule added to padlock, a
// redesign) then makes an alert a person can read and a webhook body of bounded size; padlock
// history report and padlock diff give every change.
const maxChanges = 1000

// changeSet gathers changes, one per kind, subject, old and new value, with the pages of each,
// up to maxChanges of a kind.
type changeSet struct {
	byKey map[string]*Change
	order []string
	kinds map[string]int // changes listed, by kind
	// omitted are the hashes of the changes past maxChanges, and their number by kind.
	omitted     hashtab.Map[struct{}]
	omittedKind map[string]int
}

func (cs *changeSet) keyOf(c Change) string {
	return c.Kind + "\x00" + c.Subject + "\x00" + c.Old + "\x00" + c.New + "\x00" + c.Detail
}

// add adds c on page ("": none); it reports false when c is past maxChanges of its kind.
func (cs *changeSet) add(c Change, page string) bool {
	if cs.byKey == nil {
		cs.byKey, cs.kinds, cs.omittedKind = map[string]*Change{}, map[string]int{}, map[string]int{}
	}
	k := cs.keyOf(c)
	have := cs.byKey[k]
	if have == nil {
		if cs.kinds[c.Kind] >= maxChanges {
			h := maphash.String(seed, k)
			if _, ok := cs.omitted.Get(h); !ok {
				cs.omitted.Put(h, struct{}{})
				cs.omittedKind[c.Kind]++
			}
			return false
		}
		cs.kinds[c.Kind]++
		have = &c
		cs.byKey[k] = have
		cs.order = append(cs.order, k)
	}
	if page != "" && !slices.Contains(have.Pages, page) {
		have.PageCount++
		if len(have.Pages) < maxPages {
			have.Pages = append(have.Pages, page)
		}
	}
	return true
}

// put adds c on the pages of l (none: nothing).
func (cs *changeSet) put(c Change, l firstOf) {
	listed := false
	for _, p := range l.listed {
		listed = cs.add(c, p)
	}
	if listed {
		cs.byKey[cs.keyOf(c)].PageCount += l.n - len(l.listed)
	}
}

func (cs *changeSet) list() []Change {
	out := make([]Change, 0, len(cs.order)+len(cs.omittedKind))
	for _, k := range cs.order {
		c := *cs.byKey[k]
		sort.Strings(c.Pages)
		if c.PageCount == len(c.Pages) {
			c.PageCount = 0 // listed in full
		}
		out = append(out, c)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return kindRank(out[i].Kind) < kindRank(out[j].Kind)
		}
		return out[i].Subject < out[j].Subject
	})
	for kind, n := range cs.omittedKind { // after the last change of its kind
		at := len(out)
		for at > 0 && kindRank(out[at-1].Kind) > kindRank(kind) {
			at--
		}
		out = slices.Insert(out, at, Change{Kind: kind, Subject: fmt.Sprintf("%d more", n), Omitted: n,
			Detail: fmt.Sprintf("%d more %s changes are not listed (%d are): padlock history report writes the run's and the baseline's reports, and padlock diff of the two lists every change", n, kind, maxChanges)})
	}
	return out
}

var kindOrder = []string{ScriptAdded, ScriptChanged, SRIRemoved, SRIInvalid, SRIChanged, ScriptRemoved, PaymentPageAdded,
	CSPRemoved, CSPWeakened, CSPChanged, CSPAdded, HeaderRemoved, HeaderWeakened, HeaderChanged, HeaderAdded,
	CertificateChange, OriginChanged, FindingNew, FindingFixed}

func kindRank(k string) int {
	if i := slices.Index(kindOrder, k); i >= 0 {
		return i
	}
	return len(kindOrder)
}

// Compare lists what changed from the baseline report to the current one: the scripts of the
// pages that are payment pages in the current run (all of them new on a page that was not a
// payment page before), the security headers and CSP of the payment pages of both, the findings,
// and the origins' TLS and certificates.
//
// Either report may be spooled (a crawl's, or one read with report.Open): Compare reads their
// pages, scripts and findings one at a time and keeps hashes of the payment pages and of each
// script on each of them (12-16 bytes a pair in each report), and what changed; never either
// report whole, nor a page, however many pages are payment pages. The CSP and header changes and
// the findings come from report.DiffSpooled, on disk. The error is a report or a spool that could
// not be read.
func Compare(base, cur *report.Report) ([]Change, error) {
	cmp := report.Compare(base, cur)
	c := &comparison{cmp: cmp}
	var err error
	if c.basePay, err = paymentPages(cmp, base, nil); err != nil {
		return nil, fmt.Errorf("read the baseline's pages: %w", err)
	}
	c.curPay, err = paymentPages(cmp, cur, func(p *report.Page, h uint64) {
		if _, ok := c.basePay.Get(h); !ok {
			c.cs.add(Change{Kind: PaymentPageAdded, Subject: p.URL}, p.URL)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("read the run's pages: %w", err)
	}
	if err := base.EachScript(c.baseScript); err != nil {
		return nil, fmt.Errorf("read the baseline's scripts: %w", err)
	}
	if err := cur.EachScript(c.curPair); err != nil {
		return nil, fmt.Errorf("read the run's scripts: %w", err)
	}
	if err := cur.EachScript(c.curScript); err != nil {
		return nil, fmt.Errorf("read the run's scripts: %w", err)
	}
	if err := base.EachScript(c.removedScript); err != nil {
		return nil, fmt.Errorf("read the baseline's scripts: %w", err)
	}
	c.addPending()
	c.basePairs.Release()
	c.curPairs.Release()

	ch := report.DiffSpooled(base, cur) // CSP, headers and findings as padlock diff compares them, on disk
	defer ch.Close()
	bothPayment := func(page string) bool {
		h := pageHash(cmp, page)
		_, a := c.basePay.Get(h)
		_, b := c.curPay.Get(h)
		return a && b
	}
	err = ch.EachCSPChange(func(hc *report.HeaderChange) error {
		if bothPayment(hc.Page) {
			compareCSP(&c.cs, hc.Page, strings.Join(hc.Old, ", "), strings.Join(hc.New, ", "))
		}
		return nil
	})
	if err == nil {
		err = ch.EachHeaderChange(func(hc *report.HeaderChange) error {
			if hc.Header != "Content-Security-Policy" { // compareCSP has it: one change, reported once
				compareHeader(&c.cs, hc.Page, hc.Header, hc.Old, hc.New)
			}
			return nil
		})
	}
	if err == nil {
		err = ch.EachNewFinding(func(f *report.Finding) error {
			c.cs.add(Change{Kind: FindingNew, Subject: f.Rule + " " + f.URL, New: f.Severity.String(), Detail: f.Message}, f.Page)
			return nil
		})
	}
	if err == nil {
		err = ch.EachFixed(func(f *report.Finding) error {
			c.cs.add(Change{Kind: FindingFixed, Subject: f.Rule + " " + f.URL, Old: f.Severity.String()}, f.Page)
			return nil
		})
	}
	if err == nil {
		err = ch.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("compare the reports: %w", err)
	}
	for _, o := range ch.OriginsChanged {
		kind := OriginChanged
		if strings.HasPrefix(o.Field, "certificate") {
			kind = CertificateChange
		}
		c.cs.add(Change{Kind: kind, Subject: o.Origin, Old: o.Old, New: o.New, Detail: o.Field}, "")
	}
	return c.cs.list(), nil
}

// seed hashes the keys Compare and Degraded keep (a process's own: the hashes are never stored).
var seed = maphash.MakeSeed()

// pageHash is the hash of a page's key: its URL as the comparison matches pages.
func pageHash(cmp *report.Comparison, u string) uint64 { return maphash.String(seed, cmp.URL(u)) }

// stringHash is the hash of a value that may be empty: 0 when it is.
func stringHash(s string) uint64 {
	if s == "" {
		return 0
	}
	return maphash.String(seed, s) | 1
}

// pairHash is the hash of a script on a page.
func pairHash(script, page uint64) uint64 {
	h := script ^ (page * 0x9e3779b97f4a7c15)
	h ^= h >> 33 // (murmur3's finalizer: the table picks slots by the high bits)
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	return h ^ h>>33
}

// paymentPages is the set of r's payment pages that loaded, by key; each is given to fn when
// it is not nil.
func paymentPages(cmp *report.Comparison, r *report.Report, fn func(p *report.Page, h uint64)) (hashtab.Map[struct{}], error) {
	var set hashtab.Map[struct{}]
	err := r.EachPage(func(p *report.Page) error {
		if p.Payment && p.Error == "" {
			h := pageHash(cmp, p.URL)
			set.Put(h, struct{}{})
			if fn != nil {
				fn(p, h)
			}
		}
		return nil
	})
	return set, err
}

// comparison is Compare's state: the payment pages of both reports, each report's scripts on
// them (as pairs of hashes, the baseline's external ones with their facts), and the script
// changes whose old values a second pass over the baseline fills in.
type comparison struct {
	cmp             *report.Comparison
	cs              changeSet
	basePay, curPay hashtab.Map[struct{}]
	// basePairs is each script of the baseline on each of its payment pages: the index in
	// facts of an external script's facts (0: an inline one).
	basePairs hashtab.Map[uint32]
	// curPairs is each script of the run on each payment page of the run: the entry that counts
	// (entryHash of the last of the inventory's entries with the key), and whether the pair was
	// compared (the low bit).
	curPairs hashtab.Map[uint64]
	facts    []scriptFacts          // facts[0] is none
	factsAt  map[scriptFacts]uint32 // facts' indexes
	pending  map[pendingKey]*pendingScript
	byOld    map[oldScript][]*pendingScript // pending, by the baseline's script
}

// oldScript is a script of the baseline with its facts.
type oldScript struct {
	script uint64
	old    uint32
}

// scriptFacts is what is compared of an external script: hashes of its SHA-256 and integrity
// attribute (0: none), and whether its bytes matched the attribute (-1 no, 1 yes, 0 not known).
type scriptFacts struct {
	sha, integrity uint64
	valid          int8
}

func factsOf(s *report.Script) scriptFacts {
	f := scriptFacts{sha: stringHash(s.SHA256), integrity: stringHash(s.Integrity)}
	if s.IntegrityValid != nil {
		f.valid = -1
		if *s.IntegrityValid {
			f.valid = 1
		}
	}
	return f
}

// pendingKey is a script change waiting for its old values: the baseline's script, and its
// values now.
type pendingKey struct {
	oldScript
	url, sha, integrity string
}

// pendingScript is an external script whose bytes or integrity attribute changed on payment
// pages: the pages of each kind of change, and the old values, read on the second pass.
type pendingScript struct {
	changed, sriRemoved, sriChanged firstOf // the first maxPages pages of each
	oldSHA, oldIntegrity            string
}

// firstOf is the first max items of a list and how many there are in all.
type firstOf struct {
	listed []string
	n, max int
}

func (l *firstOf) add(s string) {
	if len(l.listed) < l.max {
		l.listed = append(l.listed, s)
	}
	l.n++
}

// scriptHash is the hash of a script's key: an external script by URL, an inline one by kind and
// hash.
func scriptHash(cmp *report.Comparison, s *report.Script) uint64 {
	if s.Kind == "external" {
		return maphash.String(seed, "external "+cmp.URL(s.URL))
	}
	return maphash.String(seed, s.Kind+" "+s.SHA256)
}

// baseScript records a script of the baseline on each of its payment pages.
func (c *comparison) baseScript(s *report.Script) error {
	if len(s.PaymentPages) == 0 {
		return nil
	}
	k := scriptHash(c.cmp, s)
	var at uint32
	if s.Kind == "external" {
		f := factsOf(s)
		if c.factsAt == nil {
			c.factsAt, c.facts = map[scriptFacts]uint32{}, []scriptFacts{{}}
		}
		var ok bool
		if at, ok = c.factsAt[f]; !ok {
			at = uint32(len(c.facts))
			c.facts = append(c.facts, f)
			c.factsAt[f] = at
		}
	}
	for _, p := range s.PaymentPages {
		c.basePairs.Put(pairHash(k, pageHash(c.cmp, p)), at)
	}
	return nil
}

// entryHash identifies an entry of the inventory (its URL and facts), with the low bit clear.
func entryHash(s *report.Script) uint64 {
	f := factsOf(s)
	return maphash.String(seed, fmt.Sprintf("%s\x00%s\x00%d\x00%d\x00%d", s.Kind, s.URL, f.sha, f.integrity, f.valid)) &^ 1
}

// curPair records a script of the run on each of its payment pages that loaded. Where two
// entries of the inventory share a key (URLs the comparison takes as one), the last counts, as
// it did when each page's scripts were a map.
func (c *comparison) curPair(s *report.Script) error {
	k, e := scriptHash(c.cmp, s), entryHash(s)
	for _, page := range s.PaymentPages {
		ph := pageHash(c.cmp, page)
		if _, ok := c.curPay.Get(ph); ok {
			c.curPairs.Put(pairHash(k, ph), e)
		}
	}
	return nil
}

// curScript compares a script of the run on each of its payment pages with the baseline's: added
// to the page, or (an external one) its bytes or integrity attribute changed.
func (c *comparison) curScript(s *report.Script) error {
	k, e := scriptHash(c.cmp, s), entryHash(s)
	for _, page := range s.PaymentPages {
		ph := pageHash(c.cmp, page)
		pair := pairHash(k, ph)
		if v, ok := c.curPairs.Get(pair); !ok || v != e {
			continue // a page that failed this time, another entry's pair, or a page listed twice
		}
		c.curPairs.Put(pair, e|1)
		at, ok := c.basePairs.Get(pair)
		if !ok {
			c.cs.add(Change{Kind: ScriptAdded, Subject: ScriptName(*s), New: s.SHA256, Detail: scriptDetail(s)}, page)
			continue
		}
		if s.Kind != "external" {
			continue
		}
		o, now := c.facts[at], factsOf(s)
		var pend *pendingScript
		wait := func() *pendingScript {
			if pend == nil {
				pk := pendingKey{oldScript: oldScript{k, at}, url: s.URL, sha: s.SHA256, integrity: s.Integrity}
				if pend = c.pending[pk]; pend == nil {
					if c.pending == nil {
						c.pending = map[pendingKey]*pendingScript{}
					}
					pend = &pendingScript{changed: firstOf{max: maxPages}, sriRemoved: firstOf{max: maxPages}, sriChanged: firstOf{max: maxPages}}
					c.pending[pk] = pend
					if c.byOld == nil {
						c.byOld = map[oldScript][]*pendingScript{}
					}
					c.byOld[pk.oldScript] = append(c.byOld[pk.oldScript], pend)
				}
			}
			return pend
		}
		if o.sha != 0 && now.sha != 0 && o.sha != now.sha {
			wait().changed.add(page)
		}
		switch {
		case o.integrity != 0 && now.integrity == 0:
			wait().sriRemoved.add(page)
		case o.integrity != now.integrity:
			wait().sriChanged.add(page)
		}
		if now.valid == -1 && o.valid != -1 {
			c.cs.add(Change{Kind: SRIInvalid, Subject: s.URL, New: s.SHA256, Detail: "the bytes served no longer match the integrity attribute: browsers refuse the script"}, page)
		}
	}
	return nil
}

// removedScript names a script of the baseline gone from a page that is a payment page now, and
// gives the pending changes of an external script their old values.
func (c *comparison) removedScript(s *report.Script) error {
	if len(s.PaymentPages) == 0 {
		return nil
	}
	k := scriptHash(c.cmp, s)
	if s.Kind == "external" && len(c.pending) > 0 {
		for _, pend := range c.byOld[oldScript{k, c.factsAt[factsOf(s)]}] {
			pend.oldSHA, pend.oldIntegrity = s.SHA256, s.Integrity
		}
	}
	for _, page := range s.PaymentPages {
		ph := pageHash(c.cmp, page)
		if _, ok := c.curPay.Get(ph); !ok {
			continue
		}
		if _, ok := c.curPairs.Get(pairHash(k, ph)); !ok {
			c.cs.add(Change{Kind: ScriptRemoved, Subject: ScriptName(*s), Old: s.SHA256, Detail: scriptDetail(s)}, page)
		}
	}
	return nil
}

// addPending adds the script changes that waited for their old values.
func (c *comparison) addPending() {
	keys := make([]pendingKey, 0, len(c.pending))
	for k := range c.pending {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b pendingKey) int {
		return strings.Compare(a.url+"\x00"+a.sha+"\x00"+a.integrity, b.url+"\x00"+b.sha+"\x00"+b.integrity)
	})
	for _, k := range keys {
		p := c.pending[k]
		c.cs.put(Change{Kind: ScriptChanged, Subject: k.url, Old: p.oldSHA, New: k.sha}, p.changed)
		c.cs.put(Change{Kind: SRIRemoved, Subject: k.url, Old: p.oldIntegrity, Detail: "the integrity attribute was removed: the browser no longer checks the script's bytes"}, p.sriRemoved)
		c.cs.put(Change{Kind: SRIChanged, Subject: k.url, Old: p.oldIntegrity, New: k.integrity}, p.sriChanged)
	}
	c.pending, c.byOld = nil, nil
}

// scriptDetail says where an inline script is, for a person to find it.
func scriptDetail(s *report.Script) string {
	if s.Kind == "external" {
		if s.Party == "third" {
			return "third-party script"
		}
		return ""
	}
	d := s.Kind + " script"
	if s.Line > 0 && len(s.Pages) > 0 {
		d += fmt.Sprintf(", line %d of %s", s.Line, s.Pages[0])
	}
	if s.Snippet != "" {
		d += fmt.Sprintf(": %q", s.Snippet)
	}
	return d
}

// compareHeader compares a security header of a payment page (other than the CSP: compareCSP),
// absent where its value list is empty.
func compareHeader(cs *changeSet, page, name string, old, cur []string) {
	a, b := strings.Join(old, ", "), strings.Join(cur, ", ")
	switch {
	case len(old) > 0 && len(cur) == 0:
		cs.add(Change{Kind: HeaderRemoved, Subject: name, Old: a}, page)
	case len(old) == 0 && len(cur) > 0:
		cs.add(Change{Kind: HeaderAdded, Subject: name, New: b}, page)
	case a != b:
		kind, detail := HeaderChanged, ""
		if name == "Strict-Transport-Security" {
			if why := hstsWeaker(a, b); why != "" {
				kind, detail = HeaderWeakened, why
			}
		}
		cs.add(Change{Kind: kind, Subject: name, Old: a, New: b, Detail: detail}, page)
	}
}

// compareCSP compares the enforced policies of a page (several joined by ", ").
func compareCSP(cs *changeSet, page, old, cur string) {
	const name = "Content-Security-Policy"
	switch {
	case old == cur:
	case old != "" && cur == "":
		cs.add(Change{Kind: CSPRemoved, Subject: name, Old: old}, page)
	case old == "":
		cs.add(Change{Kind: CSPAdded, Subject: name, New: cur}, page)
	default:
		if why := CSPWeaker(old, cur); why != "" {
			cs.add(Change{Kind: CSPWeakened, Subject: name, Old: old, New: cur, Detail: why}, page)
		} else {
			cs.add(Change{Kind: CSPChanged, Subject: name, Old: old, New: cur}, page)
		}
	}
}

// guarding are the directives whose loss or widening weakens a policy against script injection,
// skimming and framing.
var guarding = []string{"default-src", "script-src", "script-src-elem", "script-src-attr", "connect-src", "form-action",
	"frame-src", "child-src", "object-src", "base-uri", "frame-ancestors", "style-src", "img-src",
	"upgrade-insecure-requests", "block-all-mixed-content", "require-trusted-types-for", "trusted-types"}

// CSPWeaker says how the policy cur allows more than old ("" when it does not): a guarding
// directive gone, or a directive allowing a source it did not ('unsafe-inline', a new host).
// Several policies are each compared with the one at the same place.
func CSPWeaker(old, cur string) string {
	op, np := splitPolicies(old), splitPolicies(cur)
	var why []string
	if len(np) < len(op) {
		why = append(why, fmt.Sprintf("%d policies, was %d", len(np), len(op)))
	}
	for i := 0; i < len(op) && i < len(np); i++ {
		a, b := parseCSP(op[i]), parseCSP(np[i])
		for _, d := range guarding {
			as, aok := a[d]
			bs, bok := b[d]
			if aok && !bok {
				why = append(why, d+" removed")
				continue
			}
			if !aok || !bok {
				continue
			}
			var added []string
			for _, s := range bs {
				if !slices.Contains(as, s) && s != "'none'" {
					added = append(added, s)
				}
			}
			if len(added) > 0 {
				why = append(why, d+" now allows "+strings.Join(added, " "))
			}
		}
	}
	return strings.Join(why, "; ")
}

func splitPolicies(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parseCSP reads one policy into its directives (lower-case names) and their sources; the
// first of a repeated directive counts, as in browsers.
func parseCSP(policy string) map[string][]string {
	out := map[string][]string{}
	for _, d := range strings.Split(policy, ";") {
		f := strings.Fields(d)
		if len(f) == 0 {
			continue
		}
		name := strings.ToLower(f[0])
		if _, twice := out[name]; twice {
			continue
		}
		srcs := []string{}
		for _, s := range f[1:] {
			if strings.HasPrefix(s, "'") {
				s = strings.ToLower(s)
			}
			srcs = append(srcs, s)
		}
		out[name] = srcs
	}
	return out
}

// hstsWeaker says how an HSTS value protects less than before: a shorter max-age, no
// includeSubDomains any more.
func hstsWeaker(old, cur string) string {
	oa, osub := parseHSTS(old)
	na, nsub := parseHSTS(cur)
	var why []string
	if na < oa {
		why = append(why, fmt.Sprintf("max-age %d, was %d", na, oa))
	}
	if osub && !nsub {
		why = append(why, "includeSubDomains removed")
	}
	return strings.Join(why, "; ")
}

func parseHSTS(v string) (maxAge int64, sub bool) {
	for _, d := range strings.Split(v, ";") {
		k, val, _ := strings.Cut(strings.TrimSpace(d), "=")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "max-age":
			maxAge, _ = strconv.ParseInt(strings.Trim(strings.TrimSpace(val), `"`), 10, 64)
		case "includesubdomains":
			sub = true
		}
	}
	return maxAge, sub
}

// Degraded says why a run could not check what it watches (nil when it could): a start URL or a
// payment page of the baseline that failed, answers an error, redirects elsewhere (a login or
// challenge page) or no longer shows a payment form, and scripts of payment pages that could not
// be read. base is nil before the first good run. Like Compare it reads spooled reports a page at
// a time; it keeps the start URLs' pages, a hash of each payment page of the baseline with where
// it ended, and the problems it finds (the first maxReasons of them listed).
func Degraded(base, cur *report.Report) ([]string, error) {
	why := firstOf{max: maxReasons}
	cmp := &report.Comparison{}
	if base != nil {
		cmp = report.Compare(base, cur)
	}
	starts := map[string]*report.Page{} // the start URLs' pages, by key
	for _, s := range cur.StartURLs {
		starts[cmp.URL(s)] = nil
	}
	var basePay hashtab.Map[ended] // the baseline's payment pages that loaded
	if base != nil {
		err := base.EachPage(func(p *report.Page) error {
			if p.Payment && p.Error == "" {
				basePay.Put(pageHash(cmp, p.URL), ended{place: stringHash(samePlace(p.FinalURL)), final: p.FinalURL != ""})
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read the baseline's pages: %w", err)
		}
	}
	problems := map[uint64]string{} // the baseline's payment pages with a problem now, by hash
	err := cur.EachPage(func(p *report.Page) error {
		k := cmp.URL(p.URL)
		if _, ok := starts[k]; ok {
			c := *p
			c.Resources = nil
			starts[k] = &c
		}
		h := pageHash(cmp, p.URL)
		was, ok := basePay.Get(h)
		if !ok {
			return nil
		}
		was.reached = true
		basePay.Put(h, was)
		switch r := pageProblem(p, was); {
		case r != "":
			problems[h] = r
		case !p.Payment:
			problems[h] = "no longer shows a payment form (a login or challenge page?)"
		default:
			delete(problems, h) // (the last page of a key counts)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the run's pages: %w", err)
	}
	for _, s := range cur.StartURLs {
		if p := starts[cmp.URL(s)]; p != nil {
			if r := pageProblem(p, ended{}); r != "" {
				why.add("start URL " + s + " " + r)
			}
		}
	}
	if base != nil && basePay.Len() > 0 {
		err := base.EachPage(func(p *report.Page) error {
			if !p.Payment || p.Error != "" {
				return nil
			}
			h := pageHash(cmp, p.URL)
			if was, _ := basePay.Get(h); !was.reached {
				why.add("payment page " + p.URL + " was not reached")
			} else if r := problems[h]; r != "" {
				why.add("payment page " + p.URL + " " + r)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read the baseline's pages: %w", err)
		}
	}
	basePay.Release()
	var unread []report.Script // scripts of payment pages that could not be read (those listed)
	err = cur.EachScript(func(s *report.Script) error {
		if s.Kind == "external" && len(s.PaymentPages) > 0 && (s.Status >= 400 || s.SHA256 == "") {
			if len(unread) < maxReasons {
				unread = append(unread, *s)
			} else {
				why.n++ // past the bound whatever came before: counted, not listed
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the run's scripts: %w", err)
	}
	errs, err := scriptErrors(cur, unread)
	if err != nil {
		return nil, fmt.Errorf("read the run's pages: %w", err)
	}
	for _, s := range unread {
		switch {
		case s.Status >= 400:
			why.add(fmt.Sprintf("script %s of payment page %s could not be read: HTTP %d", s.URL, s.PaymentPages[0], s.Status))
		default:
			why.add(fmt.Sprintf("script %s of payment page %s could not be read%s", s.URL, s.PaymentPages[0], errs[scriptAt{s.PaymentPages[0], s.URL}]))
		}
	}
	if cur.Interrupted {
		why.add("the crawl was interrupted")
	}
	if why.n > len(why.listed) {
		why.listed = append(why.listed, fmt.Sprintf("and %d more problems like these", why.n-len(why.listed)))
	}
	return why.listed, nil
}

// ended is a payment page of the baseline: where it ended (a hash of its final URL without the
// fragment; final: it had one), and whether the run reached it.
type ended struct {
	place          uint64
	final, reached bool
}

// maxReasons bounds the reasons Degraded lists; the last one counts the rest.
const maxReasons = 1000

// scriptAt is a script on a page.
type scriptAt struct{ page, script string }

// scriptErrors is why padlock's request for each script that had no answer failed (": " and the
// error), from the resource of its first payment page that names it (the first such page by URL,
// or by final URL). Only when there are such scripts are the run's pages read with their resources.
func scriptErrors(r *report.Report, unread []report.Script) (map[scriptAt]string, error) {
	out := map[scriptAt]string{}
	wanted := map[string][]string{} // a page -> the scripts looked for on it
	for _, s := range unread {
		if s.Status < 400 {
			wanted[s.PaymentPages[0]] = append(wanted[s.PaymentPages[0]], s.URL)
		}
	}
	if len(wanted) == 0 {
		return out, nil
	}
	err := r.EachPageWithResources(func(p *report.Page) error {
		for _, page := range []string{p.URL, p.FinalURL} {
			for _, script := range wanted[page] {
				at := scriptAt{page, script}
				if _, done := out[at]; done {
					continue
				}
				for _, res := range p.Resources {
					if res.URL == script && res.Error != "" {
						out[at] = ": " + res.Error
						break
					}
				}
			}
			if p.FinalURL == p.URL {
				break
			}
		}
		return nil
	})
	return out, err
}

// pageProblem says why a page could not be checked: it failed, answers an error status, or ends
// at another URL than the baseline's page was did (when it is one) or on another host than it
// started.
func pageProblem(p *report.Page, was ended) string {
	switch {
	case p.Error != "":
		return "failed: " + p.Error
	case p.Status >= 400:
		return fmt.Sprintf("answers HTTP %d", p.Status)
	case p.Truncated:
		return "was cut at the size limit (--max-body)"
	case p.Status >= 300 && p.Status < 400 && len(p.Redirects) > 0 && was.final:
		return "now redirects to " + p.Redirects[len(p.Redirects)-1].To + " (a login or challenge page?)"
	}
	if was.final && p.FinalURL != "" && stringHash(samePlace(p.FinalURL)) != was.place {
		return "now redirects to " + p.FinalURL + " (a login or challenge page?)"
	}
	return ""
}

// samePlace is a URL without its fragment, for comparing where two page loads ended.
func samePlace(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return u
	}
	p.Fragment, p.RawFragment = "", ""
	return p.String()
}
