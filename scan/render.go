package scan

// Render mode: pages the static crawl delivered are loaded again in headless Chromium (package
// render), and what the browser requested is judged by the same rules as static references.
// A request the page's markup did not make becomes a finding of source "render" with its
// initiator; a static finding whose URL the browser requested gets "observed" (what the
// browser did with it); injected scripts join the inventory with "injected_by".

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/internal/jsnorm"
	scriptinv "github.com/padlock-scan/padlock/inventory"
	"github.com/padlock-scan/padlock/render"
	"github.com/padlock-scan/padlock/report"
	"github.com/padlock-scan/padlock/rules"
)

// Render modes (Options.Render.Mode).
const (
	RenderOff  = "off"  // no browser (the default)
	RenderAuto = "auto" // payment pages, pages loading a payment provider's script, script-built shells
	RenderAll  = "all"  // every HTML page
)

// SourceRender is the source of findings only the browser of render mode saw.
const SourceRender crawler.Source = "render"

// Observed values: what the browser did with a reference the static crawl found.
const (
	ObservedBlocked  = "blocked"
	ObservedUpgraded = "upgraded"
	ObservedLoaded   = "loaded"
)

// RenderOptions configure render mode.
type RenderOptions struct {
	// Mode is RenderOff ("" too), RenderAuto or RenderAll.
	Mode string
	// Browser configures the browser: Chrome, Concurrency, Timeout are the user's. Left
	// empty, UserAgent, Headers (with ScopeHosts and InScope), HostResolverRules and SPKIs
	// come from the crawl's settings (user agent, headers, --resolve, --ca-file).
	Browser render.Options
}

// requestRules are the rules run over every request the browser made, frames' included: the
// ones that judge a request by its URL and kind. scriptRules are run over the scripts the page
// itself ran (a frame's scripts are the frame's). Rules that read markup (integrity, forms,
// links) stay with the static crawl.
var (
	requestRules = map[string]bool{"mixed-content-blockable": true, "mixed-content-upgradeable": true}
	scriptRules  = map[string]bool{"third-party-script": true}
	// inventoryRules judge a page's scripts against the script inventory: on a rendered page,
	// the scripts the browser ran count as the markup's do, so their findings are judged again.
	inventoryRules = map[string]bool{"script-unauthorized": true, "script-changed": true, "script-required-missing": true}
)

// renderer renders the pages the mode selects while the crawl goes on. A page it renders waits
// with it, its report record and static findings included, until its outcome is in; then the
// page goes to the report as rendering left it (finish), so the report holds nothing back for
// the end of the crawl and a spooled one stays flat in memory. At most pending pages wait.
type renderer struct {
	mode     string
	browser  *render.Browser
	requests []*rules.Rule      // requestRules among the selected
	scripts  []*rules.Rule      // scriptRules among the selected
	invRules []*rules.Rule      // inventoryRules among the selected
	checker  *scriptinv.Checker // the script inventory (nil: none)
	pins     *leafPins          // the certificates of --ca-file (nil: none)
	all      []*rules.Rule      // every selected rule, run again on a page that rendering made a payment page
	cfg      *rules.Config
	pending  chan struct{}  // bounds the pages held: waiting for a tab, rendering, or rendered
	done     chan *heldPage // pages rendered, for finish; as large as pending, so no send waits
	wg       sync.WaitGroup
	sink     renderSink
}

// renderSink is where finished pages go: the crawl's report, its script inventory, and Run's
// functions that add a page record and a finding as the crawl's own are added. Every call
// comes from the crawl's visit (which the crawler calls one at a time) or after the crawl.
type renderSink struct {
	rep     *report.Report
	inv     *inventory
	page    func(report.Page, *crawler.Page)
	finding func(report.Finding)
	err     func(report.Error) // spooled as the crawl's own errors are
}

// heldPage is a page the renderer holds: the static page, its report record and its static
// findings, and its outcome once rendered (nil: the crawl ended first).
type heldPage struct {
	page     *crawler.Page
	meta     report.Page
	findings []report.Finding
	out      *rendered
}

// rendered is the outcome of one page.
type rendered struct {
	page     string
	payment  bool
	findings []report.Finding
	// A page the static crawl did not find a payment page, but rendering did: why, its
	// security headers, and its static findings judged again as a payment page's.
	newPayment bool
	signals    []string
	headers    map[string]string
	restated   []report.Finding
	observed   map[string]string // URL -> ObservedBlocked...
	scripts    []render.Script
	// With a script inventory: the page's inventory findings judged with the scripts the
	// browser ran, which replace the static ones (reinventory).
	reinventory bool
	inventory   []report.Finding
	// invPage is the page's record in the report's inventory check with the scripts the
	// browser ran (nil: no inventory, or it says nothing about the page).
	invPage *report.InventoryPage
	errs    []report.Error
}

// startRenderer starts the browser when the mode asks for one; nil when it does not.
func startRenderer(opt *Options, cfg *crawler.Config, selected []*rules.Rule, checker *scriptinv.Checker) (*renderer, error) {
	switch opt.Render.Mode {
	case "", RenderOff:
		return nil, nil
	case RenderAuto, RenderAll:
	default:
		return nil, fmt.Errorf("render mode %q: want off, auto or all", opt.Render.Mode)
	}
	bo := opt.Render.Browser
	if bo.UserAgent == "" {
		bo.UserAgent = cfg.UserAgent
		if bo.UserAgent == "" {
			bo.UserAgent = crawler.DefaultUserAgent
		}
	}
	if bo.Headers == nil && len(cfg.Headers) > 0 {
		bo.Headers = cfg.Headers
		bo.ScopeHosts = startHosts(cfg.StartURLs)
		bo.InScope = credentialScope(cfg)
	}
	browserCredentials(&bo, cfg, len(opt.Flows.Flows) > 0)
	if cfg.NormalizeScripts && bo.ScriptDigest == nil {
		bo.ScriptDigest = jsnorm.Sum // for normalized-sha256 entries of the inventory
	}
	if bo.HostResolverRules == "" {
		bo.HostResolverRules = resolverRules(cfg.Resolve)
	}
	var pins *leafPins
	if cfg.CAFile != "" {
		var err error
		if pins, err = newLeafPins(cfg.CAFile); err != nil {
			return nil, err
		}
		if bo.SPKIs == nil {
			bo.SPKIs = pins.ca
		}
	}
	// The browser starts in the background while the crawl fetches its first pages (Warm), so
	// no page waits for its start. With --ca-file it starts with the first page it renders, once
	// the crawl verified (and Trust pinned) that page's leaf: one restart fewer.
	bo.Lazy = true
	b, err := render.Start(bo)
	if err != nil {
		return nil, err
	}
	if pins == nil {
		b.Warm()
	}
	rd := &renderer{mode: opt.Render.Mode, browser: b, all: selected, cfg: &opt.Rules, checker: checker, pins: pins}
	if pins != nil {
		// A server that sends only its leaf: Chromium sees no chain up to the CA, so the leaves
		// the crawl verified against it are trusted by their keys too.
		cfg.VerifiedChain = func(host string, chain []*x509.Certificate) {
			if k, ok := pins.leaf(host, chain); ok {
				b.Trust(k)
			}
		}
	}
	for _, r := range selected {
		switch {
		case requestRules[r.ID]:
			rd.requests = append(rd.requests, r)
		case scriptRules[r.ID]:
			rd.scripts = append(rd.scripts, r)
		case inventoryRules[r.ID]:
			rd.invRules = append(rd.invRules, r)
		}
	}
	conc := bo.Concurrency
	if conc <= 0 {
		conc = render.DefaultConcurrency
	}
	rd.pending = make(chan struct{}, 4*conc)
	rd.done = make(chan *heldPage, cap(rd.pending))
	return rd, nil
}

// startHosts are the host names of the start URLs.
func startHosts(starts []string) []string {
	var hosts []string
	for _, s := range starts {
		if u, err := url.Parse(s); err == nil && u.Hostname() != "" {
			hosts = append(hosts, u.Hostname())
		}
	}
	return hosts
}

// resolverRules turns curl --resolve entries (HOST:PORT:ADDR) into Chromium's
// --host-resolver-rules ("MAP HOST:PORT ADDR:PORT", comma-separated).
func resolverRules(resolve []string) string {
	var out []string
	for _, r := range resolve {
		host, rest, ok := strings.Cut(r, ":")
		if !ok {
			continue
		}
		port, addr, ok := strings.Cut(rest, ":")
		if !ok {
			continue
		}
		addr = strings.Trim(addr, "[]")
		out = append(out, "MAP "+host+":"+port+" "+net.JoinHostPort(addr, port))
	}
	return strings.Join(out, ",")
}

// leafPins knows the certificates of --ca-file and which leaves they vouch for.
type leafPins struct {
	ca    []string       // the key hashes of the file's certificates
	roots *x509.CertPool // the file's certificates alone
	seen  sync.Map       // key hash of a leaf -> whether it chains to roots
}

// newLeafPins reads the certificates of a PEM file.
func newLeafPins(path string) (*leafPins, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p := &leafPins{roots: x509.NewCertPool()}
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			continue
		}
		p.roots.AddCert(c)
		p.ca = append(p.ca, spkiHash(c))
	}
	return p, nil
}

// spkiHash is the base64 SHA-256 hash of a certificate's public key.
func spkiHash(c *x509.Certificate) string {
	h := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(h[:])
}

// leaf returns the key hash of the leaf of a chain a server of host sent, and whether the
// file's certificates vouch for it for host (public sites' leaves are left to the browser's
// own roots).
func (p *leafPins) leaf(host string, chain []*x509.Certificate) (string, bool) {
	if len(chain) == 0 {
		return "", false
	}
	k := spkiHash(chain[0])
	if ok, done := p.seen.Load(k); done {
		return k, ok.(bool)
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err := chain[0].Verify(x509.VerifyOptions{DNSName: host, Roots: p.roots, Intermediates: inter})
	p.seen.Store(k, err == nil)
	return k, err == nil
}

// wants says whether the mode renders p.
func (rd *renderer) wants(p *crawler.Page, payment bool) bool {
	if p.Err != "" || !strings.Contains(strings.ToLower(p.ContentType), "html") || p.Status/100 == 3 {
		// (A redirect the crawl did not follow, such as https to http: the browser would follow
		// it, and the HSTS it sent turns an http: target on another port into a TLS error. Its
		// target, when crawled, is a page of its own.)
		return false
	}
	if rd.mode == RenderAll || payment {
		return true
	}
	return loadsPaymentProvider(p, rd.cfg) || scriptShell(p)
}

// loadsPaymentProvider says whether p loads a script from a payment provider's host.
func loadsPaymentProvider(p *crawler.Page, cfg *rules.Config) bool {
	for i := range p.Resources {
		r := &p.Resources[i]
		if r.Kind == crawler.KindScript {
			if u := r.Parsed(); u != nil && rules.PaymentProviderHost(u, cfg) {
				return true
			}
		}
	}
	return false
}

// scriptShell says whether p's static HTML looks built by script: scripts, but no form field
// and few links (a root element filled by an app).
func scriptShell(p *crawler.Page) bool {
	scripts, links := len(p.InlineScripts), 0
	for i := range p.Resources {
		switch p.Resources[i].Kind {
		case crawler.KindScript:
			scripts++
		case crawler.KindLink:
			links++
		}
	}
	return scripts > 0 && len(p.Fields) == 0 && links < 3
}

// take holds p, with its report record meta and its static findings fs, when the renderer
// renders it (the mode selects it, a flow reached it, or a worker of a shared crawl sent its
// outcome along); the page then goes to the report once rendered. false: the crawl adds p
// itself. Called from the crawl's visit.
func (rd *renderer) take(ctx context.Context, p *crawler.Page, meta report.Page, fs []rules.Finding) bool {
	rd.drain()
	adopted := rd.adopt(p)
	if adopted == nil && !rd.wants(p, meta.Payment) && meta.Flow == "" {
		return false
	}
	h := &heldPage{page: p, meta: meta, findings: uniqueFindings(fs, nil), out: adopted}
	if adopted != nil {
		rd.finish(h)
		return true
	}
	rd.submit(ctx, h)
	return true
}

// submit renders h's page in the background. It blocks while too many pages are held, and
// meanwhile finishes those rendered, so the crawl holds a bounded number of pages.
func (rd *renderer) submit(ctx context.Context, h *heldPage) {
	for {
		select {
		case rd.pending <- struct{}{}:
			rd.wg.Add(1)
			go func() {
				defer rd.wg.Done()
				h.out = rd.renderPage(ctx, h.page, h.meta.Payment)
				rd.done <- h
			}()
			return
		case d := <-rd.done:
			<-rd.pending
			rd.finish(d)
		case <-ctx.Done():
			rd.finish(h) // as the static crawl saw it
			return
		}
	}
}

// drain finishes the pages rendered so far.
func (rd *renderer) drain() {
	for {
		select {
		case d := <-rd.done:
			<-rd.pending
			rd.finish(d)
		default:
			return
		}
	}
}

// renderPage renders one page and judges what the browser requested; nil when ctx ended.
func (rd *renderer) renderPage(ctx context.Context, p *crawler.Page, payment bool) *rendered {
	res, err := rd.browser.Render(ctx, p.FinalURL)
	if ctx.Err() != nil {
		return nil
	}
	out := &rendered{page: p.FinalURL, payment: payment, observed: map[string]string{}}
	if err != nil {
		out.errs = append(out.errs, report.Error{URL: p.FinalURL, Error: "render: " + err.Error()})
		return out
	}
	if res.Err != "" {
		out.errs = append(out.errs, report.Error{URL: p.FinalURL, Error: "render: " + res.Err})
	}
	static := make(map[string]bool, len(p.Resources))
	staticFrames := map[string]bool{}
	for i := range p.Resources {
		static[p.Resources[i].URL] = true
		if p.Resources[i].Kind == crawler.KindFrame {
			staticFrames[p.Resources[i].URL] = true
		}
	}
	// The synthetic page: the static page (its URL, headers, policies, fields) with the
	// browser's requests as its references.
	syn := *p
	syn.Document = crawler.Document{Base: p.Base, Title: p.Title, Fields: p.Fields}
	var ran []crawler.Resource // scripts the page's own document ran that the markup did not name
	initiators := map[string]string{}
	for i := range res.Requests {
		q := &res.Requests[i]
		if q.URL == res.URL || q.URL == res.FinalURL || q.URL == p.URL || q.URL == p.FinalURL {
			continue // the page itself
		}
		if static[q.URL] {
			// The same URL requested more than once: the strongest outcome (blocked, then
			// upgraded, then loaded) is what the browser did with it.
			if o := observed(q); observedRank[o] > observedRank[out.observed[q.URL]] {
				out.observed[q.URL] = o
			}
			continue
		}
		if q.Frame && staticFrames[q.FrameURL] {
			continue // a frame of the markup: the static crawl reports it as a page of its own
		}
		kind, el, ok := requestKind(q)
		if !ok {
			continue
		}
		r := crawler.Resource{URL: q.URL, Raw: q.URL, Element: el, Kind: kind, Source: SourceRender}
		if kind == crawler.KindPreload {
			r.As = "fetch"
		}
		if kind == crawler.KindImage && q.Mixed == render.MixedBlocked {
			r.Imageset = true // Chromium blocked it: fetched the way srcset images are
		}
		syn.Resources = append(syn.Resources, r)
		if kind == crawler.KindScript && !q.Frame {
			ran = append(ran, r)
		}
		// The markup did not name it: a script made it. Chromium names the document for loads
		// it starts after the script returned (images), as for an inline script.
		if q.Initiator != "" {
			if _, ok := initiators[q.URL]; !ok {
				initiators[q.URL] = q.Initiator
			}
		}
	}
	var signals []string
	if payment {
		_, signals = rules.IsPaymentPage(p, rd.cfg)
	} else if payment, signals = renderedPayment(p, res, rd.cfg); payment {
		// The static verdict was wrong: the page's own findings are judged again as a payment
		// page's (third-party-script is an error there, payment-csp-missing applies).
		out.payment, out.newPayment, out.signals = true, true, signals
		out.headers = report.SecurityHeaders(p.Header)
		facts := rules.NewFacts(p, rd.cfg)
		facts.SetPayment(true, signals)
		facts.SetInventory(rd.checker.Check(p, true))
		out.restated = uniqueFindings(rules.RunFacts(rd.all, facts), nil)
	}
	facts := rules.NewFacts(&syn, rd.cfg)
	facts.SetPayment(payment, signals)
	fs := rules.RunFacts(rd.requests, facts)
	top := syn
	top.Document.Resources = withBodies(ran, res.Scripts)
	facts = rules.NewFacts(&top, rd.cfg)
	facts.SetPayment(payment, signals)
	facts.SetInventory(rd.checker.Check(&top, payment)) // an injected script the inventory names is approved
	fs = append(fs, rules.RunFacts(rd.scripts, facts)...)
	out.findings = uniqueFindings(fs, initiators)
	out.scripts = res.Scripts
	if rd.checker != nil {
		// The inventory checks the scripts the browser ran beside the markup's: an injected
		// script is authorized, changed or unauthorized as a static one is, and a required
		// script only a loader adds is there.
		// Inline scripts a script inserted count as the markup's inline scripts do (by the hash
		// of their text); their findings are the browser's, initiated by what inserted them.
		all := *p
		all.Document.Resources = append(slices.Clip(p.Resources), top.Resources...)
		injected := map[string]string{} // script URL, or inline URL -> what inserted it (as scripts[] says)
		for _, sc := range res.Scripts {
			switch {
			case sc.Frame || sc.Inline && sc.SHA256 == "":
			case sc.Inline:
				all.Document.InlineScripts = append(slices.Clip(all.Document.InlineScripts), crawler.InlineScript{Kind: "script", SHA256: sc.SHA256, Size: sc.Size})
				injected[rules.InlineURL(sc.SHA256)] = sc.InjectedBy
			case !static[sc.URL]:
				injected[sc.URL] = sc.InjectedBy
			}
		}
		for _, r := range top.Resources {
			if injected[r.URL] == "" {
				injected[r.URL] = initiators[r.URL]
			}
		}
		verdicts := rd.checker.Check(&all, payment)
		if verdicts != nil {
			// The report's inventory section lists this page with the scripts the browser ran.
			ip := report.NewInventoryPage(p.FinalURL, payment, verdicts, rd.checker.Index, injected)
			out.invPage = &ip
		}
		if len(rd.invRules) > 0 {
			facts := rules.NewFacts(&all, rd.cfg)
			facts.SetPayment(payment, signals)
			facts.SetInventory(verdicts)
			out.reinventory, out.inventory = true, uniqueFindings(rules.RunFacts(rd.invRules, facts), initiators)
			for i := range out.inventory {
				if f := &out.inventory[i]; f.Line == 0 && strings.HasPrefix(f.URL, "inline:") && injected[f.URL] != "" {
					f.Source, f.Initiator = string(SourceRender), injected[f.URL]
				}
			}
			if out.newPayment {
				kept := out.restated[:0]
				for _, f := range out.restated {
					if !inventoryRules[f.Rule] {
						kept = append(kept, f)
					}
				}
				out.restated = kept
			}
		}
	}
	return out
}

// withBodies gives the scripts the browser ran what the inventory compares: the status and the
// SHA-256 of the body the browser got.
func withBodies(ran []crawler.Resource, scripts []render.Script) []crawler.Resource {
	got := map[string]*render.Script{}
	for i := range scripts {
		if !scripts[i].Frame && !scripts[i].Inline {
			got[scripts[i].URL] = &scripts[i]
		}
	}
	out := slices.Clone(ran)
	for i := range out {
		f := &crawler.Fetch{URL: out[i].URL, Method: "GET", Status: 200, FinalURL: out[i].URL}
		if s := got[out[i].URL]; s != nil && s.SHA256 != "" {
			f.SHA256, f.NormSHA256, f.Size = s.SHA256, s.Digest, int64(s.Size)
		} else {
			f.Err = "the browser's copy of it could not be read"
		}
		out[i].Fetch = f
	}
	return out
}

// uniqueFindings converts findings to the report's, once each (a URL requested twice is one
// finding), with the initiator of each URL when initiators has one.
func uniqueFindings(fs []rules.Finding, initiators map[string]string) []report.Finding {
	var out []report.Finding
	seen := map[findingKey]bool{}
	for _, f := range fs {
		k := findingKey{f.Rule, f.Page, f.URL, f.Element, f.Attribute, f.Line, f.Stylesheet}
		if seen[k] {
			continue
		}
		seen[k] = true
		rf := report.FromFinding(f)
		rf.Initiator = initiators[f.URL]
		out = append(out, rf)
	}
	return out
}

// renderedPayment decides whether a page the static crawl found no payment page is one once
// rendered: card fields or a provider's card frame in the rendered DOM (a single-page app's
// checkout), a provider's frame that a script inserted, or card fields inside any frame (a
// Stripe Elements-like card frame). Signals name where each was seen; the rendered DOM has no
// source lines.
func renderedPayment(p *crawler.Page, res *render.Result, cfg *rules.Config) (bool, []string) {
	var signals []string
	judge := func(docURL, dom, where string, frames []string) {
		u, ok := crawler.ParseURL(docURL)
		if !ok {
			return
		}
		doc := crawler.ExtractHTML(u, []byte(dom))
		pg := &crawler.Page{URL: docURL, FinalURL: docURL}
		for _, f := range doc.Fields {
			f.Line = 0
			pg.Fields = append(pg.Fields, f)
		}
		for _, r := range doc.Resources {
			if r.Kind == crawler.KindFrame {
				r.Line = 0
				pg.Resources = append(pg.Resources, r)
			}
		}
		for _, f := range frames {
			pg.Resources = append(pg.Resources, crawler.Resource{URL: f, Raw: f, Element: "iframe", Attribute: "src", Kind: crawler.KindFrame, Source: SourceRender})
		}
		_, sig := rules.IsPaymentPage(pg, cfg)
		for _, s := range sig {
			if s += where; !slices.Contains(signals, s) {
				signals = append(signals, s)
			}
		}
	}
	judge(p.FinalURL, res.DOM, " in the rendered page", res.Frames)
	for _, fd := range res.FrameDOMs {
		judge(fd.URL, fd.DOM, " in frame "+fd.URL, nil)
	}
	return len(signals) > 0, signals
}

// requestKind maps a DevTools resource type to the kind of reference that makes the browser
// request it, and the element named in findings; ok is false for requests no rule judges (the
// page's own document, reports, preflights).
func requestKind(q *render.Request) (kind crawler.Kind, element string, ok bool) {
	switch q.Type {
	case "Script":
		return crawler.KindScript, "script", true
	case "Stylesheet":
		return crawler.KindStylesheet, "link", true
	case "Image":
		return crawler.KindImage, "img", true
	case "Media":
		return crawler.KindMedia, "video", true
	case "Font":
		return crawler.KindFont, "@font-face", true
	case "TextTrack":
		return crawler.KindTrack, "track", true
	case "Document":
		return crawler.KindFrame, "iframe", true
	case "Manifest":
		return crawler.KindManifest, "link", true
	case "Prefetch":
		return crawler.KindPrefetch, "link", true
	case "Ping":
		return crawler.KindPing, "beacon", true
	case "XHR":
		return crawler.KindPreload, "xhr", true
	case "Fetch":
		return crawler.KindPreload, "fetch", true
	case "EventSource":
		return crawler.KindPreload, "eventsource", true
	case "WebSocket":
		return crawler.KindPreload, "websocket", true
	}
	return "", "", false
}

// observedRank orders observed values: a stronger one wins for a URL requested more than once.
var observedRank = map[string]int{ObservedLoaded: 1, ObservedUpgraded: 2, ObservedBlocked: 3}

// observed is what the browser did with a request: blocked, upgraded, loaded, or "" when it
// failed for another reason.
func observed(q *render.Request) string {
	switch {
	case q.Mixed == render.MixedBlocked || q.Blocked != "":
		return ObservedBlocked
	case q.Mixed == render.MixedUpgraded:
		return ObservedUpgraded
	case q.Status > 0 || q.Mixed == render.MixedWarning:
		return ObservedLoaded
	}
	return ""
}

// wait waits for the pages in progress, finishes them and ends the browser.
func (rd *renderer) wait() {
	rd.wg.Wait()
	rd.drain()
	_ = rd.browser.Close()
}

// finish adds a held page to the report as rendering left it: marked rendered, a payment page
// when rendering found it one (its static findings giving way to the same judged as a payment
// page's), its static findings with what the browser did with their URLs (observed), then the
// render findings, the inventory's verdicts on the scripts the browser ran, the injected scripts
// in the inventory, and render errors. A page the crawl ended before it rendered is added as the
// static crawl saw it.
func (rd *renderer) finish(h *heldPage) {
	o, sk := h.out, rd.sink
	if o == nil {
		sk.page(h.meta, h.page)
		for _, f := range h.findings {
			sk.finding(f)
		}
		return
	}
	h.meta.Rendered = true
	if o.newPayment {
		h.meta.Payment, h.meta.PaymentSignals, h.meta.SecurityHeaders = true, o.signals, o.headers
	}
	sk.page(h.meta, h.page)
	fs := h.findings[:0]
	for _, f := range h.findings {
		if !o.newPayment && !(o.reinventory && inventoryRules[f.Rule]) {
			fs = append(fs, f)
		}
	}
	if o.newPayment {
		fs = append(fs, o.restated...)
		sk.inv.markPayment(h.page)
	}
	fs = append(append(fs, o.findings...), o.inventory...)
	for i := range fs {
		if f := &fs[i]; f.Source != string(SourceRender) {
			f.Observed = o.observed[f.URL]
		}
		sk.finding(fs[i])
	}
	if o.invPage != nil {
		sk.rep.Inventory.SetPage(*o.invPage)
	}
	for _, e := range o.errs {
		sk.err(e)
	}
	sk.inv.addRendered(o.page, o.payment, o.scripts)
}

// addRendered counts the scripts the browser loaded that a page's markup did not name (the
// markup's are counted by add): injected ones carry InjectedBy and the browser's SHA-256.
func (inv *inventory) addRendered(page string, payment bool, scripts []render.Script) {
	if inv.entries == nil {
		inv.entries = map[string]*invEntry{}
	}
	pageURL, err := url.Parse(page)
	if err != nil {
		return
	}
	seen := map[string]bool{}
	for _, s := range scripts {
		if s.InjectedBy == "" || s.Frame {
			continue
		}
		if s.Inline {
			// Keyed as the markup's inline scripts are: the same text in a page's markup is one entry.
			inv.note(seen, "i script "+s.SHA256, page, payment, func() report.Script {
				return report.Script{Kind: "inline", SHA256: s.SHA256, Size: int64(s.Size), Party: "first", InjectedBy: s.InjectedBy}
			})
			continue
		}
		u, err := url.Parse(s.URL)
		if err != nil {
			continue
		}
		key := "x " + s.URL
		inv.note(seen, key, page, payment, func() report.Script {
			e := inv.external(pageURL, u)
			e.URL, e.SHA256, e.Size = s.URL, s.SHA256, int64(s.Size)
			return e
		})
		if e := inv.entries[key]; e.s.InjectedBy == "" {
			e.s.InjectedBy = s.InjectedBy
		}
	}
}
