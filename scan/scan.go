// Package scan runs a whole padlock audit: it crawls, runs the rules over every page as it
// arrives and assembles the report. The CLI and the benchmarks call it; it reads no flags.
package scan

import (
	"context"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/padlock-scan/padlock/internal/version"

	"github.com/padlock-scan/padlock/crawler"
	scriptinv "github.com/padlock-scan/padlock/inventory"
	"github.com/padlock-scan/padlock/report"
	"github.com/padlock-scan/padlock/rules"
)

// Options configure one audit.
type Options struct {
	Crawl crawler.Config
	Rules rules.Config
	// Selected are the rules to run; nil means rules.All().
	Selected []*rules.Rule
	// Now is the clock (tests inject a fixed one); nil means time.Now.
	Now func() time.Time
	// Settings, when set, is recorded in the report.
	Settings *report.Settings
	// Progress, when set, is called after every page (from several goroutines at once).
	Progress func(Progress)
	// Render loads pages in headless Chromium too (render mode); its zero value renders none.
	Render RenderOptions
	// Spool keeps the pages and findings on disk rather than in memory as the crawl goes, so
	// memory stays flat however large the site (see report.Spool); the caller closes the report
	// when done with it.
	Spool bool
	// Inventory is the script inventory the payment pages' scripts are checked against (nil:
	// none); its verdicts go to the rules as facts and to the report's inventory view.
	Inventory *scriptinv.Inventory
	// SpillBytes is how much of each kind of record the spool keeps in memory before writing a
	// sorted run out; 0 means report.DefaultSpillBytes (tests set a tiny one).
	SpillBytes int
	// Flows are recorded browser flows replayed before the crawl (flow.go).
	Flows FlowOptions
	// Crawler runs the crawl; nil means crawler.Crawl (crawler/redisq shares one over Redis).
	Crawler func(ctx context.Context, cfg *crawler.Config, visit func(*crawler.Page)) (*crawler.Result, error)
}

// Progress is a snapshot of a running audit.
type Progress struct {
	Pages, Queued, Findings, Errors, Requests int
	Elapsed                                   time.Duration
}

// Run crawls and checks. It always returns a report, even when the crawl was cut short (the
// error then says why: crawler.ErrNoStart, a context error, or a configuration error, in which
// case the report is nil).
func Run(ctx context.Context, opt Options) (*report.Report, error) {
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	selected := opt.Selected
	if selected == nil {
		selected = rules.All()
	}
	rep := &report.Report{
		Version:   report.Version,
		Tool:      report.Tool{Name: "padlock", Version: version.Get().Version},
		StartURLs: append([]string(nil), opt.Crawl.StartURLs...),
		StartedAt: now().UTC().Truncate(time.Second),
		Config:    opt.Settings,
	}
	var findings atomic.Int64
	var spoolErr error
	// Findings repeat across pages (a shared stylesheet's http font on every page): in memory,
	// the same message, element and stylesheet strings are kept once (a spool writes them out).
	strs := interner{}
	addFinding := func(rf report.Finding) {
		if !opt.Spool {
			rf.Message, rf.Element, rf.Attribute, rf.Stylesheet = strs.get(rf.Message), strs.get(rf.Element), strs.get(rf.Attribute), strs.get(rf.Stylesheet)
		}
		if err := rep.AddFinding(rf); err != nil && spoolErr == nil {
			spoolErr = err
		}
		findings.Add(1)
	}
	unreachable := map[string]bool{}   // origins whose pages got no answer (see markUnreachable)
	addError := func(e report.Error) { // spooled with the pages when they are
		markUnreachable(unreachable, &e)
		if err := rep.AddError(e); err != nil && spoolErr == nil {
			spoolErr = err
		}
	}
	addFindings := func(fs []rules.Finding) {
		// A key holds the page, so duplicates can only come from one call: the set is local.
		seen := make(map[findingKey]bool, len(fs))
		for _, f := range fs {
			k := findingKey{f.Rule, f.Page, f.URL, f.Element, f.Attribute, f.Line, f.Stylesheet}
			if seen[k] {
				continue // the same reference reported twice (e.g. a URL in srcset and src)
			}
			seen[k] = true
			addFinding(report.FromFinding(f))
		}
	}
	inv := &inventory{cfg: &opt.Rules}
	own := ownPages{}
	cfg := opt.Crawl
	cfg.HSTSClass = rules.HSTSClass // an origin varying HSTS on every answer keeps a few classes, not a list a page
	checker := opt.Inventory.At(rep.StartedAt)
	if checker != nil {
		cfg.NormalizeScripts = cfg.NormalizeScripts || opt.Inventory.NeedsNormalized()
		rep.Inventory = report.NewInventoryCheck(opt.Inventory.File, checker.Entries())
	}
	flowsNeedBrowser(&opt)
	rd, err := startRenderer(&opt, &cfg, selected, checker)
	if err != nil {
		return nil, err
	}
	flows := runFlows(ctx, &opt, &cfg, rd)
	if opt.Spool {
		rep.UseSpool(report.NewSpoolSize(opt.SpillBytes))
	}
	if opt.Spool && rd == nil {
		// (Render mode keeps the inventory's entries in memory, one per distinct script: the
		// injected scripts join the markup's there, render.go.)
		inv.uses = func(key string, s report.Script, page string, payment bool) {
			if err := rep.AddScriptUse(key, s, page, payment); err != nil && spoolErr == nil {
				spoolErr = err
			}
		}
	}
	addPage := func(rp report.Page, p *crawler.Page) {
		if err := rep.AddCrawledPage(rp, p.Resources); err != nil && spoolErr == nil {
			spoolErr = err
		}
	}
	if rd != nil {
		rd.sink = renderSink{rep: rep, inv: inv, page: addPage, finding: addFinding, err: addError}
	}
	visit := func(p *crawler.Page) {
		rp := report.PageMeta(p)
		rp.ContentType = strs.get(rp.ContentType)
		facts := rules.NewFacts(p, &opt.Rules) // the payment verdict, computed once for the report and the rules
		rp.Payment, rp.PaymentSignals = facts.Payment()
		rp.Flow, rp.FlowStep = flows.mark(p)
		if rp.Payment {
			rp.SecurityHeaders = report.SecurityHeaders(p.Header)
		}
		inv.add(p, rp.Payment)
		if checker != nil {
			verdicts := checker.Check(p, rp.Payment)
			facts.SetInventory(verdicts)
			rep.Inventory.AddPage(p, rp.Payment, verdicts, checker.Index)
		}
		own.add(p.FinalURL)
		rep.Stats.Resources += len(p.Resources)
		if p.Err != "" {
			addError(report.Error{URL: p.URL, Error: p.Err, Kind: p.ErrKind})
		}
		if p.Truncated {
			addError(report.Error{URL: p.FinalURL, Error: "page truncated at the size limit (--max-body); references after it were not seen", Kind: crawler.ErrorTooLarge})
		}
		fs := rules.RunFacts(selected, facts)
		if rd != nil && rd.take(ctx, p, rp, fs) {
			return // the renderer adds the page and its findings once it rendered it (render.go)
		}
		addPage(rp, p)
		addFindings(fs)
		p.Release() // the report, the rules and the inventory copied what they keep
	}
	if opt.Progress != nil {
		start := time.Now()
		cfg.Progress = func(p crawler.Progress) {
			opt.Progress(Progress{Pages: p.Pages, Queued: p.Queued, Findings: int(findings.Load()), Errors: p.Errors, Requests: p.Requests, Elapsed: time.Since(start)})
		}
	}
	// The crawl's own errors are added as they come (spooled with the pages); robots.txt's
	// wait for the end, when it is known whether the origin's pages failed the same way. They
	// are one per origin crawled.
	var robotsErrs []crawler.Error
	cfg.OnError = func(e crawler.Error) {
		if e.Kind == crawler.ErrorRobots {
			robotsErrs = append(robotsErrs, e)
			return
		}
		addError(report.Error{URL: e.URL, Error: e.Err, Kind: e.Kind})
	}
	crawl := opt.Crawler
	if crawl == nil {
		crawl = crawler.Crawl
	}
	res, err := crawl(ctx, &cfg, visit)
	if rd != nil {
		rd.wait() // the pages still held go to the report
	}
	if res == nil {
		rep.Close()
		return nil, err
	}
	if spoolErr != nil && err == nil {
		err = spoolErr
	}
	for _, e := range flows.errs {
		addError(e)
	}
	if err == nil {
		err = flows.failed
	}
	for i := range res.Origins {
		own.attribute(&res.Origins[i])
		rep.Origins = append(rep.Origins, fromOrigin(res.Origins[i]))
		addFindings(rules.RunOrigin(selected, &res.Origins[i], &opt.Rules))
	}
	if inv.uses != nil {
		if err := rep.ListScripts(maxListedPages); err != nil && spoolErr == nil {
			spoolErr = err
		}
	} else {
		rep.Scripts = inv.list()
	}
	for _, e := range append(robotsErrs, res.Errors...) {
		if e.Kind == crawler.ErrorRobots && unreachable[originOf(e.URL)] {
			continue // the origin's pages failed the same way: one cause, one error
		}
		addError(report.Error{URL: e.URL, Error: e.Err, Kind: e.Kind})
	}
	if spoolErr != nil && err == nil {
		err = spoolErr
	}
	// Every record of pages[] (parsed, failed, or a redirect), so the two never disagree;
	// --max-pages counts only the HTML pages parsed.
	rep.Stats.Pages = rep.NumPages()
	rep.Stats.Requests = res.Requests
	rep.Stats.NotCrawled = res.NotCrawled
	rep.Stats.Skipped = res.Skipped
	rep.Interrupted = res.Stopped
	rep.FinishedAt = now().UTC().Truncate(time.Second)
	rep.Finish()
	if err == nil {
		err = rep.Err()
	}
	return rep, err
}

// interner keeps one copy of each distinct string, up to maxInterned of them.
type interner map[string]string

// maxInterned bounds an interner: a site that answers every page with a different value (a
// hostile one, varying its Content-Type) has its values kept with its pages, not in a table
// growing with them.
const maxInterned = 4096

func (in interner) get(s string) string {
	if s == "" {
		return ""
	}
	if v, ok := in[s]; ok {
		return v
	}
	if len(in) < maxInterned {
		in[s] = s
	}
	return s
}

type findingKey struct {
	rule, page, url, element, attr string
	line                           int
	sheet                          string
}

// ownPages keeps, for each HTTPS origin, the first (by URL order) page padlock loaded from it.
type ownPages map[string]string

func (op ownPages) add(page string) {
	u, err := url.Parse(page)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return
	}
	k := crawler.OriginKey(u)
	if cur, ok := op[k]; !ok || page < cur {
		op[k] = page
	}
}

// attribute files an origin under a page of its own when the crawl loaded one: the crawler's
// first page is the first page that touched the origin, which may be an http: page that only
// loaded an image from it, and its TLS and HSTS findings belong where the certificate and the
// header are seen.
func (op ownPages) attribute(o *crawler.Origin) {
	if p, ok := op[o.Origin]; ok {
		o.FirstPage = p
	}
}

// markUnreachable notes in set the scheme://host[:port] of e when e says its page got no
// answer at all (timeout, DNS, refused, blocked, TLS): that origin's robots.txt failed for the
// same reason. Noted as errors are added, so the spooled errors are not read back for it.
func markUnreachable(set map[string]bool, e *report.Error) {
	switch e.Kind {
	case crawler.ErrorTimeout, crawler.ErrorDNS, crawler.ErrorRefused, crawler.ErrorBlocked,
		crawler.ErrorUntrusted, crawler.ErrorTLS, crawler.ErrorNetwork:
		set[originOf(e.URL)] = true
	}
}

// originOf is a URL's scheme://host[:port], "" when it has none.
func originOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(u.Host)
}
