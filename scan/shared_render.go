package scan

// Render mode in a crawl shared over Redis (crawler/redisq): each worker renders the pages it
// fetches in its own browser, with the starting process's mode, rules and script inventory
// (SharedRender, recorded with the crawl), and sends each page's outcome along with the page
// (crawler.Page.Rendered). The starting process adopts those outcomes as its renderer's own, so
// its report is the one a single process writes, and renders only the pages it fetched itself.

import (
	"context"
	"encoding/json"
	"regexp"
	"time"

	"github.com/padlock-scan/padlock/crawler"
	scriptinv "github.com/padlock-scan/padlock/inventory"
	"github.com/padlock-scan/padlock/render"
	"github.com/padlock-scan/padlock/report"
	"github.com/padlock-scan/padlock/rules"
)

// sharedRender is what a worker needs to render as the starting process would: everything
// renderPage judges with. The browser's local settings (Chromium, tabs, timeout) are the worker's.
type sharedRender struct {
	Mode        string               `json:"mode"`
	Selected    []string             `json:"selected,omitempty"` // rule IDs; none: every rule
	Rules       sharedRules          `json:"rules"`
	Inventory   *scriptinv.Inventory `json:"inventory,omitempty"`
	InventoryAt time.Time            `json:"inventory_at,omitzero"` // the report's started_at, which the inventory's expiries are judged at
}

// sharedRules is rules.Config as it travels in the crawl's record (its patterns as text).
type sharedRules struct {
	FirstParty           []string          `json:"first_party,omitempty"`
	AllowScript          []string          `json:"allow_script,omitempty"`
	ScriptJustifications map[string]string `json:"script_justifications,omitempty"`
	Now                  time.Time         `json:"now,omitzero"`
	CertExpiryWarning    time.Duration     `json:"cert_expiry_warning,omitempty"`
	PaymentProviders     []string          `json:"payment_providers,omitempty"`
	PaymentPages         []string          `json:"payment_pages,omitempty"`
}

func rulesWire(rc *rules.Config) sharedRules {
	w := sharedRules{FirstParty: rc.FirstParty, AllowScript: rc.AllowScript, ScriptJustifications: rc.ScriptJustifications,
		Now: rc.Now, CertExpiryWarning: rc.CertExpiryWarning, PaymentProviders: rc.PaymentProviders}
	for _, re := range rc.PaymentPages {
		w.PaymentPages = append(w.PaymentPages, re.String())
	}
	return w
}

// config is the rules.Config w carries.
func (w sharedRules) config() (rules.Config, error) {
	rc := rules.Config{FirstParty: w.FirstParty, AllowScript: w.AllowScript, ScriptJustifications: w.ScriptJustifications,
		Now: w.Now, CertExpiryWarning: w.CertExpiryWarning, PaymentProviders: w.PaymentProviders}
	for _, s := range w.PaymentPages {
		re, err := regexp.Compile(s)
		if err != nil {
			return rules.Config{}, err
		}
		rc.PaymentPages = append(rc.PaymentPages, re)
	}
	return rc, nil
}

// SharedRender encodes what the workers of a shared crawl of opt need to render the pages they
// fetch (the crawl's record keeps it); nil when opt renders no page. Flows are replayed by the
// starting process alone, which renders the flows' pages the workers fetched.
func SharedRender(opt *Options) json.RawMessage {
	switch opt.Render.Mode {
	case RenderAuto, RenderAll:
	default:
		return nil
	}
	sr := sharedRender{Mode: opt.Render.Mode, Inventory: opt.Inventory}
	for _, r := range opt.Selected {
		sr.Selected = append(sr.Selected, r.ID)
	}
	sr.Rules = rulesWire(&opt.Rules)
	if opt.Inventory != nil {
		now := time.Now
		if opt.Now != nil {
			now = opt.Now
		}
		sr.InventoryAt = now().UTC().Truncate(time.Second) // as Run's started_at
	}
	b, _ := json.Marshal(sr) // strings, times and numbers: it always encodes
	return b
}

// WorkerRenderer renders, on a worker of a shared crawl, the pages the crawl's mode selects,
// one at a time per caller: it keeps no outcome (each goes out with its page).
type WorkerRenderer struct {
	rd *renderer
}

// StartWorkerRenderer starts the renderer that rec (SharedRender's) describes for a worker's
// crawl cfg (the crawl's settings from its record: user agent, headers, --resolve, the CA file);
// browser gives the worker's own Chrome, Concurrency and Timeout. cfg must be the config the
// worker crawls with: with a CA file, the renderer learns the leaves the crawl verified.
func StartWorkerRenderer(rec json.RawMessage, cfg *crawler.Config, browser render.Options) (*WorkerRenderer, error) {
	var sr sharedRender
	if err := json.Unmarshal(rec, &sr); err != nil {
		return nil, err
	}
	rc, err := sr.Rules.config()
	if err != nil {
		return nil, err
	}
	opt := Options{Render: RenderOptions{Mode: sr.Mode, Browser: browser}, Inventory: sr.Inventory, Rules: rc}
	selected := rules.All()
	if len(sr.Selected) > 0 {
		selected = nil
		for _, id := range sr.Selected {
			if rule, ok := rules.ByID(id); ok {
				selected = append(selected, rule)
			}
		}
	}
	rd, err := startRenderer(&opt, cfg, selected, opt.Inventory.At(sr.InventoryAt))
	if err != nil || rd == nil {
		return nil, err
	}
	return &WorkerRenderer{rd: rd}, nil
}

// Render renders p when the crawl's mode selects it and returns its outcome, encoded for
// Page.Rendered; nil when the mode does not render p or ctx ended.
func (w *WorkerRenderer) Render(ctx context.Context, p *crawler.Page) json.RawMessage {
	payment, _ := rules.NewFacts(p, w.rd.cfg).Payment()
	if !w.rd.wants(p, payment) {
		return nil
	}
	out := w.rd.renderPage(ctx, p, payment)
	if out == nil {
		return nil
	}
	b, err := json.Marshal(wireOf(out))
	if err != nil {
		return nil // the starting process renders the page itself
	}
	return b
}

// Close ends the browser.
func (w *WorkerRenderer) Close() { w.rd.wait() }

// renderedWire is a rendered outcome as it travels with its page; the page's URL is the page's
// own.
type renderedWire struct {
	Payment     bool              `json:"payment,omitempty"`
	Findings    []report.Finding  `json:"findings,omitempty"`
	NewPayment  bool              `json:"new_payment,omitempty"`
	Signals     []string          `json:"signals,omitempty"`
	Headers     map[string]string `json:"headers,omitempty"`
	Restated    []report.Finding  `json:"restated,omitempty"`
	Observed    map[string]string `json:"observed,omitempty"`
	Scripts     []render.Script   `json:"scripts,omitempty"`
	Reinventory bool              `json:"reinventory,omitempty"`
	Inventory   []report.Finding  `json:"inventory,omitempty"`
	Errors      []renderError     `json:"errors,omitempty"`
	// InvPage is the page's record in the inventory check, InvEntries the entries it counts.
	InvPage    *report.InventoryPage `json:"inv_page,omitempty"`
	InvEntries []int                 `json:"inv_entries,omitempty"`
}

type renderError struct{ URL, Error string }

func wireOf(o *rendered) renderedWire {
	w := renderedWire{Payment: o.payment, Findings: o.findings, NewPayment: o.newPayment, Signals: o.signals,
		Headers: o.headers, Restated: o.restated, Observed: o.observed, Scripts: o.scripts,
		Reinventory: o.reinventory, Inventory: o.inventory, InvPage: o.invPage}
	if o.invPage != nil {
		w.InvEntries = o.invPage.Entries()
	}
	for _, e := range o.errs {
		w.Errors = append(w.Errors, renderError{e.URL, e.Error})
	}
	return w
}

// adopt returns the outcome a worker sent with p (Page.Rendered), rendered as this process would
// have; nil when p came without one.
func (rd *renderer) adopt(p *crawler.Page) *rendered {
	if len(p.Rendered) == 0 {
		return nil
	}
	var w renderedWire
	err := json.Unmarshal(p.Rendered, &w)
	p.Rendered = nil
	if err != nil {
		return nil // rendered here instead
	}
	out := &rendered{page: p.FinalURL, payment: w.Payment, findings: w.Findings, newPayment: w.NewPayment,
		signals: w.Signals, headers: w.Headers, restated: w.Restated, observed: w.Observed, scripts: w.Scripts,
		reinventory: w.Reinventory, inventory: w.Inventory}
	if w.InvPage != nil {
		ip := w.InvPage.WithEntries(w.InvEntries)
		out.invPage = &ip
	}
	if out.observed == nil {
		out.observed = map[string]string{}
	}
	for _, e := range w.Errors {
		out.errs = append(out.errs, report.Error{URL: e.URL, Error: e.Error})
	}
	return out
}
