package history

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

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

// changeSet gathers changes, one per kind, subject, old and new value, with the pages of each.
type changeSet struct {
	byKey map[string]*Change
	order []string
}

func (cs *changeSet) add(c Change, page string) {
	if cs.byKey == nil {
		cs.byKey = map[string]*Change{}
	}
	k := c.Kind + "\x00" + c.Subject + "\x00" + c.Old + "\x00" + c.New + "\x00" + c.Detail
	have := cs.byKey[k]
	if have == nil {
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
}

func (cs *changeSet) list() []Change {
	out := make([]Change, 0, len(cs.order))
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
// pages, scripts and findings one at a time and keeps the payment pages, their scripts and what
// changed, never either report whole. The error is a report or a spool that could not be read.
func Compare(base, cur *report.Report) ([]Change, error) {
	cmp := report.Compare(base, cur)
	var cs changeSet
	basePay := map[string]*report.Page{}
	err := base.EachPage(func(p *report.Page) error {
		if p.Payment && p.Error == "" {
			basePay[cmp.URL(p.URL)] = keepPage(p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the baseline's pages: %w", err)
	}
	baseScripts, err := paymentScripts(cmp, base)
	if err != nil {
		return nil, fmt.Errorf("read the baseline's scripts: %w", err)
	}
	curScripts, err := paymentScripts(cmp, cur)
	if err != nil {
		return nil, fmt.Errorf("read the run's scripts: %w", err)
	}
	err = cur.EachPage(func(p *report.Page) error {
		if !p.Payment || p.Error != "" {
			return nil
		}
		key := cmp.URL(p.URL)
		was := basePay[key]
		if was == nil {
			cs.add(Change{Kind: PaymentPageAdded, Subject: p.URL}, p.URL)
		}
		compareScripts(&cs, p.URL, baseScripts[key], curScripts[key])
		if was != nil {
			compareHeaders(&cs, p.URL, was, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the run's pages: %w", err)
	}
	basePay, baseScripts, curScripts = nil, nil, nil
	ch := report.DiffSpooled(base, cur) // new and fixed findings as padlock diff counts them, on disk
	defer ch.Close()
	err = ch.EachNewFinding(func(f *report.Finding) error {
		cs.add(Change{Kind: FindingNew, Subject: f.Rule + " " + f.URL, New: f.Severity.String(), Detail: f.Message}, f.Page)
		return nil
	})
	if err == nil {
		err = ch.EachFixed(func(f *report.Finding) error {
			cs.add(Change{Kind: FindingFixed, Subject: f.Rule + " " + f.URL, Old: f.Severity.String()}, f.Page)
			return nil
		})
	}
	if err == nil {
		err = ch.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("compare the findings: %w", err)
	}
	for _, o := range ch.OriginsChanged {
		kind := OriginChanged
		if strings.HasPrefix(o.Field, "certificate") {
			kind = CertificateChange
		}
		cs.add(Change{Kind: kind, Subject: o.Origin, Old: o.Old, New: o.New, Detail: o.Field}, "")
	}
	return cs.list(), nil
}

// keepPage is a copy of p without its resources (a spooled report's page is reused by the next).
func keepPage(p *report.Page) *report.Page {
	c := *p
	c.Resources = nil
	return &c
}

// paymentScripts is each payment page's scripts by key: an external script by URL, an inline
// one by kind and hash.
func paymentScripts(cmp *report.Comparison, r *report.Report) (map[string]map[string]*report.Script, error) {
	out := map[string]map[string]*report.Script{}
	err := r.EachScript(func(sp *report.Script) error {
		if len(sp.PaymentPages) == 0 {
			return nil
		}
		s := *sp // (a spooled report's record is reused by the next)
		key := s.Kind + " " + s.SHA256
		if s.Kind == "external" {
			key = "external " + cmp.URL(s.URL)
		}
		for _, p := range s.PaymentPages {
			pk := cmp.URL(p)
			if out[pk] == nil {
				out[pk] = map[string]*report.Script{}
			}
			out[pk][key] = &s
		}
		return nil
	})
	return out, err
}

func compareScripts(cs *changeSet, page string, old, cur map[string]*report.Script) {
	for k, s := range cur {
		o, ok := old[k]
		if !ok {
			cs.add(Change{Kind: ScriptAdded, Subject: ScriptName(*s), New: s.SHA256, Detail: scriptDetail(s)}, page)
			continue
		}
		if s.Kind != "external" {
			continue
		}
		if o.SHA256 != "" && s.SHA256 != "" && o.SHA256 != s.SHA256 {
			cs.add(Change{Kind: ScriptChanged, Subject: s.URL, Old: o.SHA256, New: s.SHA256}, page)
		}
		switch {
		case o.Integrity != "" && s.Integrity == "":
			cs.add(Change{Kind: SRIRemoved, Subject: s.URL, Old: o.Integrity, Detail: "the integrity attribute was removed: the browser no longer checks the script's bytes"}, page)
		case o.Integrity != s.Integrity:
			cs.add(Change{Kind: SRIChanged, Subject: s.URL, Old: o.Integrity, New: s.Integrity}, page)
		}
		if s.IntegrityValid != nil && !*s.IntegrityValid && (o.IntegrityValid == nil || *o.IntegrityValid) {
			cs.add(Change{Kind: SRIInvalid, Subject: s.URL, New: s.SHA256, Detail: "the bytes served no longer match the integrity attribute: browsers refuse the script"}, page)
		}
	}
	for k, o := range old {
		if _, ok := cur[k]; !ok {
			cs.add(Change{Kind: ScriptRemoved, Subject: ScriptName(*o), Old: o.SHA256, Detail: scriptDetail(o)}, page)
		}
	}
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

func compareHeaders(cs *changeSet, page string, was, p *report.Page) {
	compareCSP(cs, page, strings.Join(was.CSP, ", "), strings.Join(p.CSP, ", "))
	names := map[string]bool{}
	for n := range was.SecurityHeaders {
		names[n] = true
	}
	for n := range p.SecurityHeaders {
		names[n] = true
	}
	for n := range names {
		if n == "Content-Security-Policy" {
			continue // compareCSP has it: one change, reported once
		}
		a, aok := was.SecurityHeaders[n]
		b, bok := p.SecurityHeaders[n]
		switch {
		case aok && !bok:
			cs.add(Change{Kind: HeaderRemoved, Subject: n, Old: a}, page)
		case !aok && bok:
			cs.add(Change{Kind: HeaderAdded, Subject: n, New: b}, page)
		case a != b:
			kind, detail := HeaderChanged, ""
			if n == "Strict-Transport-Security" {
				if why := hstsWeaker(a, b); why != "" {
					kind, detail = HeaderWeakened, why
				}
			}
			cs.add(Change{Kind: kind, Subject: n, Old: a, New: b, Detail: detail}, page)
		}
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
// a time, keeping the start URLs' pages and the baseline's payment pages only.
func Degraded(base, cur *report.Report) ([]string, error) {
	var why []string
	cmp := &report.Comparison{}
	if base != nil {
		cmp = report.Compare(base, cur)
	}
	want := map[string]bool{} // the pages looked at: the start URLs and the baseline's payment pages
	for _, s := range cur.StartURLs {
		want[cmp.URL(s)] = true
	}
	var basePay []*report.Page
	if base != nil {
		err := base.EachPage(func(p *report.Page) error {
			if p.Payment && p.Error == "" {
				basePay = append(basePay, keepPage(p))
				want[cmp.URL(p.URL)] = true
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read the baseline's pages: %w", err)
		}
	}
	curPages := map[string]*report.Page{}
	err := cur.EachPage(func(p *report.Page) error {
		if k := cmp.URL(p.URL); want[k] {
			curPages[k] = keepPage(p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the run's pages: %w", err)
	}
	for _, s := range cur.StartURLs {
		p := curPages[cmp.URL(s)]
		if p == nil {
			continue
		}
		if r := pageProblem(p, ""); r != "" {
			why = append(why, "start URL "+s+" "+r)
		}
	}
	for _, was := range basePay {
		p := curPages[cmp.URL(was.URL)]
		switch {
		case p == nil:
			why = append(why, "payment page "+was.URL+" was not reached")
		case pageProblem(p, was.FinalURL) != "":
			why = append(why, "payment page "+was.URL+" "+pageProblem(p, was.FinalURL))
		case !p.Payment:
			why = append(why, "payment page "+was.URL+" no longer shows a payment form (a login or challenge page?)")
		}
	}
	var unread []report.Script // scripts of payment pages that could not be read
	err = cur.EachScript(func(s *report.Script) error {
		if s.Kind == "external" && len(s.PaymentPages) > 0 && (s.Status >= 400 || s.SHA256 == "") {
			unread = append(unread, *s)
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
			why = append(why, fmt.Sprintf("script %s of payment page %s could not be read: HTTP %d", s.URL, s.PaymentPages[0], s.Status))
		default:
			why = append(why, fmt.Sprintf("script %s of payment page %s could not be read%s", s.URL, s.PaymentPages[0], errs[scriptAt{s.PaymentPages[0], s.URL}]))
		}
	}
	if cur.Interrupted {
		why = append(why, "the crawl was interrupted")
	}
	return why, nil
}

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
// at another URL than wantFinal (when given) or on another host than it started.
func pageProblem(p *report.Page, wantFinal string) string {
	switch {
	case p.Error != "":
		return "failed: " + p.Error
	case p.Status >= 400:
		return fmt.Sprintf("answers HTTP %d", p.Status)
	case p.Truncated:
		return "was cut at the size limit (--max-body)"
	case p.Status >= 300 && p.Status < 400 && len(p.Redirects) > 0 && wantFinal != "":
		return "now redirects to " + p.Redirects[len(p.Redirects)-1].To + " (a login or challenge page?)"
	}
	if wantFinal != "" && p.FinalURL != "" && samePlace(p.FinalURL) != samePlace(wantFinal) {
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
