package report

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	_ "embed" // the HTML template
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"html/template"
	"io"
	"iter"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/padlock-scan/padlock/rules"
)

//go:embed html.tmpl
var htmlSource string

// htmlTemplate is parsed once; html/template escapes every value by its context, which is what
// keeps crawled strings ("><script>, </style>, javascript: links) inert.
var htmlTemplate = template.Must(template.New("report").Parse(htmlSource))

// cspPlaceholder stands in for the Content-Security-Policy until the inline blocks are hashed.
// It is the meta tag's content, the first thing in <head>, so the first occurrence in the output
// is always the tag's even if a crawled URL happens to contain the same text.
const cspPlaceholder = "PADLOCK-CSP-PLACEHOLDER"

// writeHTML writes the report as one self-contained HTML file: inline CSS and JavaScript only,
// no external resource of any kind, and a Content-Security-Policy that allows exactly the inline
// blocks it ships (by SHA-256 hash) and nothing else.
//
// The file is written as the template runs: the pages and scripts tables range over the report
// (spooled or not) one row at a time, and the findings are listed up to htmlMaxPerRule a rule,
// so a spooled report is never read into memory.
func writeHTML(w io.Writer, r *Report) error {
	csp, err := htmlCSP()
	if err != nil {
		return err
	}
	v, st, err := newHTMLView(r)
	if err != nil {
		return err
	}
	defer st.close()
	bw := bufio.NewWriterSize(w, 64<<10)
	cw := &cspWriter{w: bw, csp: csp}
	if err := htmlTemplate.Execute(cw, v); err != nil {
		return fmt.Errorf("render html: %w", err)
	}
	if st.err != nil {
		return st.err
	}
	if !cw.done {
		return errors.New("render html: no Content-Security-Policy placeholder")
	}
	return bw.Flush()
}

// htmlCSP is the Content-Security-Policy of every HTML report: the hashes of its inline blocks,
// which hold no template action (crawled text cannot open one: the template escapes "<" in
// it), so they are found once, in a report of nothing. TestHTMLInlineBlocksAreFixed holds a
// full report's blocks to these.
var htmlCSP = sync.OnceValues(func() (string, error) {
	var buf bytes.Buffer
	v := htmlView{CSP: cspPlaceholder, Pages: func(func(htmlPage) bool) {}, Scripts: func(func(htmlScript) bool) {}}
	if err := htmlTemplate.Execute(&buf, v); err != nil {
		return "", fmt.Errorf("render html: %w", err)
	}
	out := buf.String()
	styles, err := inlineBlocks(out, "style")
	if err != nil {
		return "", err
	}
	scripts, err := inlineBlocks(out, "script")
	if err != nil {
		return "", err
	}
	return "default-src 'none'; style-src " + cspHashes(styles) + "; script-src " + cspHashes(scripts) +
		"; img-src data:; base-uri 'none'; form-action 'none'", nil
})

// cspWriter holds the output back until the CSP placeholder has gone by (the first thing in
// <head>), puts the policy in its place, and passes the rest through.
type cspWriter struct {
	w    *bufio.Writer
	csp  string
	head []byte
	done bool
}

func (c *cspWriter) Write(b []byte) (int, error) {
	if c.done {
		return c.w.Write(b)
	}
	c.head = append(c.head, b...)
	i := bytes.Index(c.head, []byte(cspPlaceholder))
	if i < 0 {
		return len(b), nil
	}
	c.done = true
	c.w.Write(c.head[:i])
	c.w.WriteString(c.csp)
	_, err := c.w.Write(c.head[i+len(cspPlaceholder):])
	c.head = nil
	return len(b), err
}

// inlineBlocks returns the exact text of every <tag>…</tag> block in a rendered report. Crawled
// text cannot open such a block: the template escapes "<" in it.
func inlineBlocks(doc, tag string) ([]string, error) {
	open, closing := "<"+tag+">", "</"+tag+">"
	var out []string
	for rest := doc; ; {
		i := strings.Index(rest, open)
		if i < 0 {
			return out, nil
		}
		rest = rest[i+len(open):]
		j := strings.Index(rest, closing)
		if j < 0 {
			return nil, errors.New("render html: unterminated <" + tag + ">")
		}
		out = append(out, rest[:j])
		rest = rest[j+len(closing):]
	}
}

// cspHashes returns the CSP source list allowing exactly these inline blocks.
func cspHashes(blocks []string) string {
	if len(blocks) == 0 {
		return "'none'"
	}
	hs := make([]string, len(blocks))
	for i, b := range blocks {
		sum := sha256.Sum256([]byte(b))
		hs[i] = "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	return strings.Join(hs, " ")
}

// The view model: everything the template shows, computed in Go so the template stays simple.
// htmlMaxPerRule bounds the findings listed per rule: a 10,000-page site can have the same
// stylesheet's http font on every page, and a page of 30,000 rows helps nobody. The counts stay
// whole; the JSON report lists everything.
const htmlMaxPerRule = 500

type (
	htmlView struct {
		CSP         string
		Tool        Tool
		Site        string
		StartURLs   []htmlLink
		Started     string
		Finished    string
		Duration    string
		Interrupted bool
		Warnings    []string
		Config      *Settings
		Stats       Stats
		PageCount   int
		Total       int
		Suppressed  int
		Severities  []htmlSevStat
		RuleStats   []htmlRuleStat
		Hosts       []htmlHostStat
		Rules       []htmlRuleGroup
		Fixes       []htmlFix
		FixCount    int // fixes in the report; Fixes lists the first htmlMaxPerRule
		Fixed       []htmlFinding
		Errors      []htmlError
		Pages       iter.Seq[htmlPage] // one row at a time, from the report
		PageTotal   int                // rows Pages yields
		Scripts     iter.Seq[htmlScript]
		ScriptTotal int
		ThirdParty  int  // third-party scripts in the inventory
		Rendered    bool // render mode ran: the inventory holds injected scripts too
		Origins     []htmlOrigin
		HasBaseline bool
		New, Known  int
		// Inventory is the script inventory check, nil without an inventory.
		Inventory *htmlInventory
	}
	// htmlFix is one row of the fix list.
	htmlFix struct {
		URL, HTTPSURL         htmlLink
		Rule, Action          string
		Severity              rules.Severity
		Pages, Findings       int
		Stylesheets, Examples []htmlLink
		MorePages             int // pages beyond the examples
	}
	// htmlLink is a URL shown as text, and as a link only when it is http(s).
	htmlLink struct {
		Text string
		Href string
	}
	htmlSevStat struct {
		Name       rules.Severity
		Count      int
		Suppressed int
	}
	htmlRuleStat struct {
		ID, Title  string
		BySeverity []htmlSevStat // the findings' own severities, highest first
		Count      int
	}
	htmlHostStat struct {
		Host  string
		Count int
	}
	htmlRuleGroup struct {
		ID, Title, Doc, Fix string
		// Severity is the highest of the findings' own severities (a warning rule escalated on
		// a payment page is an error here); BySeverity counts them, highest first.
		Severity   rules.Severity
		BySeverity []htmlSevStat
		Help       htmlLink
		Count      int
		Omitted    int // findings past htmlMaxPerRule, left to the JSON report
		Pages      []htmlPageGroup
	}
	htmlPageGroup struct {
		Page     htmlLink
		Findings []htmlFinding
	}
	htmlFinding struct {
		Rule, Page          string
		Severity            rules.Severity
		PageLink, URL       htmlLink
		ElementTag          string // "<img src>"
		Where               string // "line 20 · from html"
		Stylesheet          htmlLink
		Message, Mitigation string
		HTTPSAvailable      string   // "yes", "no" or "" when not probed
		Initiator           htmlLink // render mode: the script (or page) that made the request
		Observed            string   // render mode: what the browser did with a reference of the markup
		Baseline            BaselineState
		Suppressed          *Suppression
		RuleTitle           string
	}
	htmlScript struct {
		Kind, Party, AllowedBy string
		Justification          string
		URL                    htmlLink
		SHA256, ShortHash      string
		Integrity              string
		IntegrityState         string // "valid", "mismatch" or "" (none usable, or not fetched)
		Size                   int64
		Status                 int
		PageCount              int
		Pages                  []htmlLink
		MorePages              int // pages counted but not listed
		PaymentPages           []htmlLink
		InjectedBy             htmlLink // render mode: the script (or page) that inserted it
	}
	htmlOrigin struct {
		Origin                  string
		InScope                 bool
		TLSVersion, Cipher      string
		LegacyTLS               bool
		LegacyVersion           string
		CertSubject, CertIssuer string
		CertExpires             string
		CertProblem, CertError  string
		HasCert                 bool
		HSTS                    string
		HSTSPages               int
		HSTSVaries              bool
		Error                   string
		// From the origin's TLS summary (origin_summary.go).
		Endpoint, OCSPStapled bool
		Grade, GradeClass     string
		GradeReasons          []string
		Versions, Suites      []string
		Key                   string
	}
	htmlError struct {
		URL   htmlLink
		Error string
	}
	htmlPage struct {
		URL, Final, Parent     htmlLink
		Status, Depth          int
		TLS, Title, Error      string
		ContentType            string
		Resources, Redirects   int
		Frame, Payment         bool
		Truncated              bool
		Errors, Warnings, Info int
		Headers                []htmlHeader // a payment page's security headers, absent ones too
	}
	htmlHeader struct {
		Name, Value string
		Sent        bool
	}
)

// countSeverity counts f in a rule's findings by severity, kept highest first.
func countSeverity(by []htmlSevStat, f Finding) []htmlSevStat {
	for i := range by {
		if by[i].Name == f.Severity {
			by[i].Count++
			if f.Suppressed != nil {
				by[i].Suppressed++
			}
			return by
		}
	}
	s := htmlSevStat{Name: f.Severity, Count: 1}
	if f.Suppressed != nil {
		s.Suppressed = 1
	}
	by = append(by, s)
	sort.Slice(by, func(i, j int) bool { return by[i].Name > by[j].Name })
	return by
}

// htmlStream is what the view's iterators read besides the report: the findings' counts per
// page, sorted by the page's place, in a file of its own; and the first error of a pass the
// template ran (it cannot return one).
type htmlStream struct {
	file   spoolFile
	counts *sorter[pageCounts]
	err    error
}

func (st *htmlStream) close() { _ = st.file.close() }

// pageCounts is the findings of one of a page's URLs, by severity, with the page's place.
type pageCounts struct {
	page    int
	e, w, i int
}

var pageCountsCodec = codec[pageCounts]{
	enc: func(dst []byte, v *pageCounts) []byte {
		for _, n := range [...]int{v.page, v.e, v.w, v.i} {
			dst = binary.AppendUvarint(dst, uint64(n))
		}
		return dst
	},
	dec: func(b []byte, v *pageCounts) error {
		d := decoder{b: b}
		v.page, v.e, v.w, v.i = int(d.uvarint()), int(d.uvarint()), int(d.uvarint()), int(d.uvarint())
		return d.done()
	},
	size: func(v *pageCounts) int { return int(unsafe.Sizeof(*v)) },
}

// newHTMLView makes the view: the summary from one pass over the findings (the rule groups
// keep htmlMaxPerRule findings each), the pages and scripts as iterators over the report. A
// page's counts are those of the findings filed under its URL or its final URL: the pages'
// URLs are sorted (pageKey) and merged with the findings, and each URL's counts sorted again
// by the page's place, so the pages table merges them in as it goes.
func newHTMLView(r *Report) (htmlView, *htmlStream, error) {
	v := htmlView{
		CSP: cspPlaceholder, Tool: r.Tool, Interrupted: r.Interrupted, Warnings: r.Warnings, Config: r.Config,
		Stats: r.Stats, Started: formatTime(r.StartedAt), Finished: formatTime(r.FinishedAt),
	}
	st := &htmlStream{}
	fail := func(err error) (htmlView, *htmlStream, error) {
		st.close()
		return htmlView{}, nil, err
	}
	if v.Tool.Name == "" {
		v.Tool.Name = "padlock"
	}
	if !r.StartedAt.IsZero() && !r.FinishedAt.Before(r.StartedAt) {
		v.Duration = r.FinishedAt.Sub(r.StartedAt).Round(time.Millisecond).String()
	}
	for _, u := range r.StartURLs {
		v.StartURLs = append(v.StartURLs, linkFor(u))
	}
	if len(r.StartURLs) > 0 {
		v.Site = r.StartURLs[0]
		if u, err := url.Parse(r.StartURLs[0]); err == nil && u.Host != "" {
			v.Site = u.Host
		}
	}
	v.PageTotal = r.NumPages()
	v.PageCount = r.Stats.Pages
	if v.PageCount == 0 {
		v.PageCount = v.PageTotal
	}

	limit := spillLimit(r)
	keys := newPageKeys(&st.file, limit)
	pages := 0
	err := r.EachPage(func(p *Page) error {
		if err := keys.add(pageKey{url: p.URL, page: pages}); err != nil {
			return err
		}
		if p.FinalURL != p.URL {
			if err := keys.add(pageKey{url: p.FinalURL, page: pages}); err != nil {
				return err
			}
		}
		pages++
		return nil
	})
	if err != nil {
		return fail(err)
	}
	st.counts = newSorter(&st.file, limit, func(a, b *pageCounts) bool { return a.page < b.page }, pageCountsCodec)
	nextKey, stopKeys := iter.Pull2(keys.all())
	defer stopKeys()
	key, kerr, moreKeys := nextKey()
	var cur pageCounts // the counts of the findings of page curPage
	curPage, started := "", false
	flushCounts := func() error {
		if !started {
			return nil
		}
		for moreKeys && kerr == nil && key.url < curPage {
			key, kerr, moreKeys = nextKey()
		}
		for moreKeys && kerr == nil && key.url == curPage {
			cur.page = key.page
			if err := st.counts.add(cur); err != nil {
				return err
			}
			key, kerr, moreKeys = nextKey()
		}
		return kerr
	}

	sevCount := map[rules.Severity]*htmlSevStat{}
	for _, sev := range severities {
		v.Severities = append(v.Severities, htmlSevStat{Name: sev})
	}
	for i := range v.Severities {
		sevCount[v.Severities[i].Name] = &v.Severities[i]
	}
	hosts := map[string]int{}
	groups := map[string]*htmlRuleGroup{}
	var order []string
	err = eachSortedFinding(r, func(f *Finding) error {
		if !started || f.Page != curPage {
			if err := flushCounts(); err != nil {
				return err
			}
			cur, curPage, started = pageCounts{}, f.Page, true
		}
		switch f.Severity {
		case rules.Error:
			cur.e++
		case rules.Warning:
			cur.w++
		default:
			cur.i++
		}
		v.Total++
		s := sevCount[f.Severity]
		s.Count++
		if f.Suppressed != nil {
			s.Suppressed++
			v.Suppressed++
		}
		switch f.Baseline {
		case BaselineNew:
			v.HasBaseline = true
			v.New++
		case BaselineKnown:
			v.HasBaseline = true
			v.Known++
		}
		if h := hostOf(f.URL); h != "" {
			hosts[h]++
		}
		g, ok := groups[f.Rule]
		if !ok {
			ri := lookupRule(f.Rule)
			g = &htmlRuleGroup{
				ID: f.Rule, Title: ri.Title, Doc: ri.Doc, Fix: ri.Fix, Severity: f.Severity,
				Help: linkFor(ri.HelpURL),
			}
			groups[f.Rule] = g
			order = append(order, f.Rule)
		}
		g.Severity = max(g.Severity, f.Severity)
		g.BySeverity = countSeverity(g.BySeverity, *f)
		g.Count++
		if g.Count > htmlMaxPerRule {
			g.Omitted++
			return nil
		}
		if n := len(g.Pages); n == 0 || g.Pages[n-1].Page.Text != f.Page {
			g.Pages = append(g.Pages, htmlPageGroup{Page: linkFor(f.Page)})
		}
		pg := &g.Pages[len(g.Pages)-1]
		pg.Findings = append(pg.Findings, findingView(*f))
		return nil
	})
	if err == nil {
		err = flushCounts()
	}
	if err != nil {
		return fail(err)
	}
	// Rules: highest severity first, then by ID. Pages within a rule keep the findings' order
	// (page, line), but one page may appear twice if its findings are interleaved; merge them.
	sort.SliceStable(order, func(i, j int) bool {
		a, b := groups[order[i]], groups[order[j]]
		if a.Severity != b.Severity {
			return a.Severity > b.Severity
		}
		return a.ID < b.ID
	})
	for _, id := range order {
		g := groups[id]
		g.Pages = mergePageGroups(g.Pages)
		v.Rules = append(v.Rules, *g)
		v.RuleStats = append(v.RuleStats, htmlRuleStat{ID: g.ID, Title: g.Title, BySeverity: g.BySeverity, Count: g.Count})
	}
	for h, n := range hosts {
		v.Hosts = append(v.Hosts, htmlHostStat{Host: h, Count: n})
	}
	sort.Slice(v.Hosts, func(i, j int) bool {
		if v.Hosts[i].Count != v.Hosts[j].Count {
			return v.Hosts[i].Count > v.Hosts[j].Count
		}
		return v.Hosts[i].Host < v.Hosts[j].Host
	})
	if len(v.Hosts) > 10 {
		v.Hosts = v.Hosts[:10]
	}

	addFix := func(fx *Fix) error {
		v.FixCount++
		if len(v.Fixes) == htmlMaxPerRule {
			return nil
		}
		hf := htmlFix{
			URL: linkFor(fx.URL), HTTPSURL: linkFor(fx.HTTPSURL), Rule: cleanText(fx.Rule),
			Severity: fx.Severity, Action: cleanText(fx.Action), Pages: fx.Pages, Findings: fx.Findings,
			MorePages: fx.Pages - len(fx.Examples),
		}
		for _, s := range fx.Stylesheets {
			hf.Stylesheets = append(hf.Stylesheets, linkFor(s))
		}
		for _, p := range fx.Examples {
			hf.Examples = append(hf.Examples, linkFor(p))
		}
		v.Fixes = append(v.Fixes, hf)
		return nil
	}
	if r.spool == nil && r.Fixes == nil { // a report read from an older file: derive the list
		for _, fx := range buildFixes(r.Findings) {
			_ = addFix(&fx)
		}
	} else if err := r.EachFix(addFix); err != nil {
		return fail(err)
	}
	for _, f := range sortedFindings(r.Fixed) {
		v.Fixed = append(v.Fixed, findingView(f))
	}
	if err := r.EachError(func(e *Error) error {
		v.Errors = append(v.Errors, htmlError{URL: linkFor(e.URL), Error: cleanText(e.Error)})
		return nil
	}); err != nil {
		return fail(err)
	}
	v.Pages = st.pages(r)
	v.Rendered = r.Config != nil && r.Config.Render != ""
	err = r.EachScript(func(sc *Script) error {
		v.ScriptTotal++
		if cleanText(sc.Party) == "third" {
			v.ThirdParty++
		}
		return nil
	})
	if err != nil {
		return fail(err)
	}
	v.Scripts = func(yield func(htmlScript) bool) {
		err := r.EachScript(func(sc *Script) error {
			if !yield(scriptView(*sc)) {
				return errStopped
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStopped) && st.err == nil {
			st.err = err
		}
	}
	for _, o := range r.Origins {
		v.Origins = append(v.Origins, originView(o))
	}
	v.Inventory = inventoryView(r.Inventory)
	return v, st, nil
}

func scriptView(sc Script) htmlScript {
	hs := htmlScript{
		Kind: cleanText(sc.Kind), Party: cleanText(sc.Party), AllowedBy: cleanText(sc.AllowedBy), Justification: cleanText(sc.Justification),
		URL: linkFor(sc.URL), SHA256: cleanText(sc.SHA256), Integrity: cleanText(sc.Integrity),
		Size: sc.Size, Status: sc.Status, PageCount: sc.PageCount, InjectedBy: linkFor(sc.InjectedBy),
	}
	hs.ShortHash = hs.SHA256
	if len(hs.ShortHash) > 16 {
		hs.ShortHash = hs.ShortHash[:16] + "…"
	}
	if sc.IntegrityValid != nil {
		hs.IntegrityState = "mismatch"
		if *sc.IntegrityValid {
			hs.IntegrityState = "valid"
		}
	}
	const listed = 5
	for i, p := range sc.Pages {
		if i == listed {
			break
		}
		hs.Pages = append(hs.Pages, linkFor(p))
	}
	if n := max(sc.PageCount, len(sc.Pages)); n > len(hs.Pages) {
		hs.MorePages = n - len(hs.Pages)
	}
	for _, p := range sc.PaymentPages {
		hs.PaymentPages = append(hs.PaymentPages, linkFor(p))
	}
	return hs
}

func originView(o Origin) htmlOrigin {
	ho := htmlOrigin{
		Origin: cleanText(o.Origin), InScope: o.InScope, TLSVersion: cleanText(o.TLSVersion),
		Cipher: cleanText(o.Cipher), LegacyTLS: o.LegacyTLS, LegacyVersion: cleanText(o.LegacyVersion),
		HSTS: cleanText(o.HSTS), HSTSPages: o.HSTSPages, HSTSVaries: o.HSTSVaries, Error: cleanText(o.Error),
	}
	ho.Endpoint = o.Endpoint
	if sm := o.Summary; sm != nil {
		ho.Grade, ho.GradeClass, ho.OCSPStapled, ho.Key = cleanText(sm.Grade), gradeClass(sm.Grade), sm.OCSPStapled, cleanText(sm.Key)
		ho.GradeReasons, ho.Versions, ho.Suites = cleanTexts(sm.Reasons), cleanTexts(sm.Versions), cleanTexts(sm.Suites)
	}
	if c := o.Certificate; c != nil {
		ho.HasCert = true
		ho.CertSubject, ho.CertIssuer = cleanText(c.Subject), cleanText(c.Issuer)
		ho.CertProblem, ho.CertError = cleanText(c.Problem), cleanText(c.Error)
		if !c.NotAfter.IsZero() {
			ho.CertExpires = c.NotAfter.UTC().Format("2006-01-02")
		}
	}
	return ho
}

// gradeClass is the class of a TLS grade's label: good for A+ and A, then by how bad.
func gradeClass(g string) string {
	switch g {
	case "A+", "A":
		return "chip good"
	case "A-":
		return "badge sev-info"
	case "B", "C":
		return "badge sev-warning"
	}
	return "badge sev-error"
}

// cleanTexts is cleanText of each string.
func cleanTexts(in []string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = cleanText(s)
	}
	return out
}

// mergePageGroups joins groups of the same page, keeping first-seen order.
func mergePageGroups(in []htmlPageGroup) []htmlPageGroup {
	var out []htmlPageGroup
	at := map[string]int{}
	for _, g := range in {
		if i, ok := at[g.Page.Text]; ok {
			out[i].Findings = append(out[i].Findings, g.Findings...)
			continue
		}
		at[g.Page.Text] = len(out)
		out = append(out, g)
	}
	return out
}

func findingView(f Finding) htmlFinding {
	ri := lookupRule(f.Rule)
	v := htmlFinding{
		Rule: f.Rule, Severity: f.Severity, Page: cleanText(f.Page), PageLink: linkFor(f.Page),
		URL: linkFor(f.URL), Stylesheet: linkFor(f.Stylesheet), Message: cleanText(f.Message),
		Mitigation: cleanText(f.Mitigation), Baseline: f.Baseline, RuleTitle: ri.Title,
		Initiator: linkFor(f.Initiator), Observed: cleanText(f.Observed),
	}
	if f.Element != "" {
		v.ElementTag = "<" + cleanText(f.Element)
		if f.Attribute != "" {
			v.ElementTag += " " + cleanText(f.Attribute)
		}
		v.ElementTag += ">"
	}
	var where []string
	if f.Line > 0 {
		where = append(where, "line "+strconv.Itoa(f.Line))
	}
	if f.Source != "" {
		where = append(where, "from "+cleanText(f.Source))
	}
	v.Where = strings.Join(where, " · ")
	if f.HTTPSAvailable != nil {
		v.HTTPSAvailable = "no"
		if *f.HTTPSAvailable {
			v.HTTPSAvailable = "yes"
		}
	}
	if s := f.Suppressed; s != nil {
		v.Suppressed = &Suppression{Reason: cleanText(s.Reason), Until: cleanText(s.Until), Match: cleanText(s.Match)}
	}
	return v
}

// cleanText drops control characters (other than tab and newline) that crawled strings may
// carry: browsers show them as boxes, and they have no meaning in a report.
func cleanText(s string) string {
	return strings.Map(func(r rune) rune {
		if (r < 0x20 && r != '\t' && r != '\n') || (r >= 0x7f && r <= 0x9f) {
			return -1
		}
		return r
	}, s)
}

// pages yields the pages table's rows in report order, each page's counts merged in from
// st.counts.
func (st *htmlStream) pages(r *Report) iter.Seq[htmlPage] {
	return func(yield func(htmlPage) bool) {
		next, stop := iter.Pull2(st.counts.all())
		defer stop()
		c, cerr, more := next()
		i := 0
		err := r.EachPage(func(p *Page) error {
			hp := pageView(p)
			for more && cerr == nil && c.page == i {
				hp.Errors += c.e
				hp.Warnings += c.w
				hp.Info += c.i
				c, cerr, more = next()
			}
			if cerr != nil {
				return cerr
			}
			i++
			if !yield(hp) {
				return errStopped
			}
			return nil
		})
		if err != nil && !errors.Is(err, errStopped) && st.err == nil {
			st.err = err
		}
	}
}

// pageView is a page's row of the pages table, without its findings' counts.
func pageView(p *Page) htmlPage {
	hp := htmlPage{
		URL: linkFor(p.URL), Status: p.Status, Depth: p.Depth, Title: cleanText(p.Title),
		Error: cleanText(p.Error), ContentType: cleanText(p.ContentType), Resources: p.ResourceCount(),
		Redirects: len(p.Redirects), Frame: p.Frame, Payment: p.Payment, Truncated: p.Truncated,
	}
	if p.FinalURL != "" && p.FinalURL != p.URL {
		hp.Final = linkFor(p.FinalURL)
	}
	if p.Payment && p.Error == "" {
		for _, name := range securityHeaderNames {
			v, sent := p.SecurityHeaders[name]
			hp.Headers = append(hp.Headers, htmlHeader{Name: name, Value: cleanText(v), Sent: sent})
		}
	}
	if p.Parent != "" {
		hp.Parent = linkFor(p.Parent)
	}
	if p.TLS != nil {
		hp.TLS = cleanText(p.TLS.Version)
	}
	return hp
}

// linkFor shows s as text, with an href only for an http(s) URL without control characters or
// spaces. html/template would neutralise a javascript: href anyway; this keeps such strings
// from ever being links, and makes the rule explicit.
func linkFor(s string) htmlLink {
	l := htmlLink{Text: cleanText(s)}
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return l
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return l
	}
	if scheme := strings.ToLower(u.Scheme); scheme == "http" || scheme == "https" {
		l.Href = s
	}
	return l
}

func hostOf(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Host)
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}
