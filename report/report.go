// Package report holds the JSON report model of SPEC.md (version 1) and one writer per output
// format. It renders results; it never decides pass or fail.
package report

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/padlock-scan/padlock/crawler"
	"github.com/padlock-scan/padlock/rules"
)

// Version is the JSON report format version.
const Version = 1

// Report is the JSON report. Field names and meanings are public (SPEC.md); add, never rename.
type Report struct {
	Version    int       `json:"version"`
	Tool       Tool      `json:"tool"`
	StartURLs  []string  `json:"start_urls"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	Stats      Stats     `json:"stats"`
	Pages      []Page    `json:"pages"`
	Findings   []Finding `json:"findings"`
	Errors     []Error   `json:"errors"`
	// Origins is the TLS and HSTS state of every HTTPS origin the crawl requested from.
	Origins []Origin `json:"origins"`
	// Fixes is the fix list: every insecure sub-resource URL once, with what to do about it and
	// where it is referenced (unsuppressed mixed-content findings, grouped by URL).
	Fixes []Fix `json:"fixes"`
	// Scripts is the script inventory (PCI DSS 6.4.3): every external script by URL and every
	// inline script and event handler by the SHA-256 of its text, with the pages it is on.
	Scripts []Script `json:"scripts"`
	// Inventory is the script inventory check, when the crawl had an inventory (--inventory,
	// scripts: in padlock.yml): each checked page's scripts with their status and approval.
	Inventory *InventoryCheck `json:"inventory,omitempty"`
	// Interrupted is set when the crawl was stopped (Ctrl-C, SIGTERM) before it finished.
	Interrupted bool `json:"interrupted,omitempty"`
	// Warnings are notes on the run that are neither findings nor crawl errors (for instance an
	// expired ignore entry).
	Warnings []string `json:"warnings,omitempty"`
	// Fixed lists the baseline's findings that this crawl no longer found (with --baseline).
	Fixed []Finding `json:"fixed,omitempty"`
	// Config records the settings that shape results, so a saved report explains itself.
	Config *Settings `json:"config,omitempty"`

	spool *Spool // where AddPage and AddFinding put pages and findings, if anywhere

	// canFail counts the findings that count for the gate (CanFail), by severity, as the last
	// Recount saw them (nil before one ran). A spooled report's gate reads these, not the spool.
	canFail map[rules.Severity]int
}

// Tool names the program that wrote the report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Settings are the crawl settings recorded in the report.
type Settings struct {
	MaxPages       int      `json:"max_pages"`
	MaxDepth       int      `json:"max_depth"`
	CheckResources string   `json:"check_resources"`
	FailOn         string   `json:"fail_on"`
	FirstParty     []string `json:"first_party,omitempty"`
	AllowScript    []string `json:"allow_script,omitempty"`
	NoFollow       bool     `json:"no_follow,omitempty"`
	Include        []string `json:"include,omitempty"`
	Exclude        []string `json:"exclude,omitempty"`
	IgnoreRobots   bool     `json:"ignore_robots,omitempty"`
	// FailOnCrawlErrors records --fail-on-crawl-errors: pages that failed to load failed the gate.
	FailOnCrawlErrors bool `json:"fail_on_crawl_errors,omitempty"`
	// Render is the --render mode when pages were rendered (auto or all); absent when off.
	Render string `json:"render,omitempty"`
	// Endpoints are the endpoints whose TLS was checked besides (or, with padlock tls, instead
	// of) the crawl: endpoints: in padlock.yml and padlock tls's arguments.
	Endpoints []string `json:"endpoints,omitempty"`
	// RulesDisabled names the rules that did not run (--rule, --disable): their absence from
	// the findings means "not checked", not "fixed".
	RulesDisabled []string `json:"rules_disabled,omitempty"`
	// Headers and Cookies name what the crawl sent to the site's own origins (-H, --cookie,
	// --cookies), never a value; BasicAuth says basic auth was set, never to what.
	Headers   []string `json:"headers,omitempty"`
	Cookies   []string `json:"cookies,omitempty"`
	BasicAuth bool     `json:"basic_auth,omitempty"`
	// KeepCookies: the cookies the site set were sent back (--keep-cookies).
	KeepCookies bool `json:"keep_cookies,omitempty"`
	// WaitFor is how long the crawl would wait for the start URLs to answer (--wait-for).
	WaitFor string `json:"wait_for,omitempty"`
	// PaymentPages are the --payment-page patterns: pages matching one are payment pages.
	PaymentPages []string `json:"payment_pages,omitempty"`
	// Flows are the titles of the recorded browser flows replayed (--flow).
	Flows []string `json:"flows,omitempty"`
}

// RulesDisabledOrNil is s.RulesDisabled, nil for a nil s (a report saved without settings).
func (s *Settings) RulesDisabledOrNil() []string {
	if s == nil {
		return nil
	}
	return s.RulesDisabled
}

// Checked reports whether the crawl that wrote r ran the rule: false only for a rule its
// settings name in RulesDisabled.
func (r *Report) Checked(rule string) bool {
	return !slices.Contains(r.Config.RulesDisabledOrNil(), rule)
}

// Stats are the report's counts.
type Stats struct {
	// Pages is the number of entries in Pages: parsed, failed (with Error) and redirect records.
	Pages     int `json:"pages"`
	Resources int `json:"resources"`
	Findings  int `json:"findings"`
	Errors    int `json:"errors"`
	// Requests is every HTTP request padlock made (pages, stylesheets, checks, robots.txt).
	Requests int64 `json:"requests"`
	// NotCrawled counts in-scope URLs left in the queue when --max-pages was reached or the
	// crawl was interrupted.
	NotCrawled int `json:"not_crawled"`
	// Skipped counts in-scope URLs kept out by robots.txt, --max-depth, --include or --exclude.
	Skipped    int            `json:"skipped"`
	BySeverity map[string]int `json:"by_severity"`
	ByRule     map[string]int `json:"by_rule"`
}

// Page is one crawled page.
type Page struct {
	URL         string     `json:"url"`
	FinalURL    string     `json:"final_url"`
	Status      int        `json:"status"`
	Depth       int        `json:"depth"`
	ContentType string     `json:"content_type,omitempty"`
	Title       string     `json:"title,omitempty"`
	Frame       bool       `json:"frame,omitempty"`
	Parent      string     `json:"parent,omitempty"`
	TLS         *TLS       `json:"tls,omitempty"`
	Redirects   []Redirect `json:"redirects,omitempty"`
	Truncated   bool       `json:"truncated,omitempty"`
	Error       string     `json:"error,omitempty"`
	Resources   []Resource `json:"resources"`
	Payment     bool       `json:"payment,omitempty"`
	// Rendered says render mode loaded the page in the browser too.
	Rendered bool `json:"rendered,omitempty"`
	// spooledResources is how many resources a page read from the spool had (it comes back
	// without them): see ResourceCount.
	spooledResources int

	// Flow and FlowStep name the recorded flow (--flow) that reached the page, and the step
	// (1-based) after which it was there.
	Flow     string `json:"flow,omitempty"`
	FlowStep int    `json:"flow_step,omitempty"`

	// PaymentSignals says why the page counts as a payment page.
	PaymentSignals []string `json:"payment_signals,omitempty"`
	CSP            []string `json:"csp,omitempty"`
	// SecurityHeaders are the security-impacting response headers of a payment page (PCI DSS
	// 11.6.1 asks to detect changes to them), by canonical name; absent headers are left out.
	SecurityHeaders map[string]string `json:"security_headers,omitempty"`
}

// ResourceCount is how many resources the page has, also when it came from a spool without
// them.
func (p *Page) ResourceCount() int { return max(len(p.Resources), p.spooledResources) }

// securityHeaderNames are the response headers recorded for payment pages.
var securityHeaderNames = []string{
	"Content-Security-Policy", "Content-Security-Policy-Report-Only", "Strict-Transport-Security",
	"X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy", "Permissions-Policy",
	"Cross-Origin-Opener-Policy", "Cross-Origin-Embedder-Policy", "Cross-Origin-Resource-Policy",
}

// SecurityHeaders picks the security-impacting headers out of a response's headers (several
// values of one header joined by ", "); nil when there are none.
func SecurityHeaders(h http.Header) map[string]string {
	var out map[string]string
	for _, name := range securityHeaderNames {
		if vs := h.Values(name); len(vs) > 0 {
			if out == nil {
				out = map[string]string{}
			}
			out[name] = strings.Join(vs, ", ")
		}
	}
	return out
}

// TLS is the connection state of a page.
type TLS struct {
	Version string `json:"version"`
	Cipher  string `json:"cipher,omitempty"`
}

// Redirect is one hop of a redirect chain.
type Redirect struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Status int    `json:"status,omitempty"`
	Via    string `json:"via"`
}

// Resource is one reference a page makes.
type Resource struct {
	URL        string `json:"url"`
	Element    string `json:"element"`
	Attribute  string `json:"attribute"`
	Kind       string `json:"kind"`
	Line       int    `json:"line"`
	Source     string `json:"source,omitempty"`
	Stylesheet string `json:"stylesheet,omitempty"`
	Status     int    `json:"status,omitempty"` // when padlock requested it: the final status
	// Error is why padlock's own request for it got no answer (a timeout, a refused address).
	Error string `json:"error,omitempty"`
	// Count is how many times the page makes this same reference, when more than once (Line is
	// the first).
	Count int `json:"count,omitempty"`
}

// Finding is one problem found.
type Finding struct {
	Rule           string         `json:"rule"`
	Severity       rules.Severity `json:"severity"`
	Page           string         `json:"page"`
	URL            string         `json:"url"`
	Element        string         `json:"element"`
	Attribute      string         `json:"attribute"`
	Line           int            `json:"line"`
	Source         string         `json:"source"`
	Message        string         `json:"message"`
	Stylesheet     string         `json:"stylesheet,omitempty"`
	Mitigation     string         `json:"mitigation,omitempty"`
	HTTPSAvailable *bool          `json:"https_available,omitempty"`
	// Initiator is the script that made the browser request the URL (the page's URL for an
	// inline script), for findings of render mode.
	Initiator string `json:"initiator,omitempty"`
	// Observed is what the browser did with a reference the static crawl found, when render
	// mode loaded the page and the browser requested it: blocked, upgraded or loaded.
	Observed string `json:"observed,omitempty"`
	// Baseline is new or known when the crawl was compared with a baseline report.
	Baseline BaselineState `json:"baseline,omitempty"`
	// Suppressed is set when an ignore entry of the configuration matched: the finding stays in
	// every report but never fails the gate.
	Suppressed *Suppression `json:"suppressed,omitempty"`
}

// Suppression says which ignore entry silenced a finding, and why.
type Suppression struct {
	Reason string `json:"reason"`
	Until  string `json:"until,omitempty"` // YYYY-MM-DD
	Match  string `json:"match,omitempty"` // the entry's URL glob
}

// Origin is what padlock learnt about one HTTPS origin.
type Origin struct {
	Origin        string       `json:"origin"`
	InScope       bool         `json:"in_scope"`
	FirstPage     string       `json:"first_page"`
	TLSVersion    string       `json:"tls_version"`
	Cipher        string       `json:"cipher,omitempty"`
	LegacyTLS     bool         `json:"legacy_tls_accepted"`
	LegacyVersion string       `json:"legacy_tls_version,omitempty"`
	Certificate   *Certificate `json:"certificate,omitempty"`
	// HSTS is the Strict-Transport-Security header of the origin's pages ("" when none sent);
	// HSTSPages and HSTSVaries tell whether every page sent the same.
	HSTS       string `json:"hsts"`
	HSTSPages  int    `json:"hsts_pages"`
	HSTSVaries bool   `json:"hsts_varies,omitempty"`
	Error      string `json:"error,omitempty"`
	// Endpoint: the origin was given as an endpoint (padlock tls, endpoints: in padlock.yml)
	// rather than reached by the crawl; an http: endpoint is listed with its http:// origin.
	Endpoint bool `json:"endpoint,omitempty"`
	// Summary is the origin's TLS at a glance with padlock's grade; absent when no probe
	// handshake succeeded.
	Summary *TLSSummary `json:"summary,omitempty"`
}

// Certificate describes an origin's leaf certificate.
type Certificate struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	NotBefore time.Time `json:"not_before"`
	NotAfter  time.Time `json:"not_after"`
	DNSNames  []string  `json:"dns_names,omitempty"`
	Problem   string    `json:"problem,omitempty"` // expired, not-yet-valid, untrusted, incomplete-chain, wrong-host
	Error     string    `json:"error,omitempty"`
}

// Script is one entry of the script inventory.
type Script struct {
	// Kind is "external", "inline", "handler" (an on* attribute) or "javascript-url".
	Kind string `json:"kind"`
	URL  string `json:"url,omitempty"`
	// SHA256 is the hex SHA-256 of the bytes served (external) or of the script text (inline).
	SHA256 string `json:"sha256,omitempty"`
	Size   int64  `json:"size,omitempty"`
	Status int    `json:"status,omitempty"`
	Party  string `json:"party"` // "first" or "third"
	// Integrity is the integrity attribute as written; IntegrityValid says whether the bytes
	// served match it (absent when there is no usable integrity or the bytes were not fetched).
	Integrity      string `json:"integrity,omitempty"`
	IntegrityValid *bool  `json:"integrity_valid,omitempty"`
	// AllowedBy names what approves a third-party script: the --allow-script pattern.
	AllowedBy string `json:"allowed_by,omitempty"`
	// Justification is why the approved scripts are needed, as the allow-script entry of the
	// config file says (PCI DSS 6.4.3).
	Justification string `json:"justification,omitempty"`
	// PageCount is how many pages include it; Pages lists the first 20 (sorted), PaymentPages
	// every payment page that includes it.
	PageCount    int      `json:"page_count"`
	Pages        []string `json:"pages"`
	PaymentPages []string `json:"payment_pages,omitempty"`
	// InjectedBy is the script (or, for an inline script, the page) that inserted this script
	// into a page the browser rendered; its SHA256 is then of the body the browser got.
	InjectedBy string `json:"injected_by,omitempty"`
	// Line and Snippet show an inline script: its line on the first of its pages by URL, and
	// the first 200 bytes of its text.
	Line    int    `json:"line,omitempty"`
	Snippet string `json:"snippet,omitempty"`
}

// Error is a crawl problem that is not a finding.
type Error struct {
	URL   string `json:"url"`
	Error string `json:"error"`
	// Kind says what kind of problem it is, for the CLI's advice; not written out.
	Kind crawler.ErrorKind `json:"-"`
}

// PageMeta converts a crawled page to its report form without its resources (AddCrawledPage
// writes those straight from the crawler's values).
func PageMeta(p *crawler.Page) Page {
	out := Page{
		URL: p.URL, FinalURL: p.FinalURL, Status: p.Status, Depth: p.Depth,
		ContentType: p.ContentType, Title: p.Title, Frame: p.Frame, Truncated: p.Truncated,
		Error: p.Err,
	}
	if p.Frame {
		out.Parent = p.Parent
	}
	if p.TLS != nil {
		out.TLS = &TLS{Version: p.TLS.Version, Cipher: p.TLS.Cipher}
	}
	for _, h := range p.Redirects {
		out.Redirects = append(out.Redirects, Redirect{From: h.From, To: h.To, Status: h.Status, Via: h.Via})
	}
	for _, c := range p.CSP {
		if !c.ReportOnly {
			out.CSP = append(out.CSP, c.Policy)
		}
	}
	return out
}

func fromResource(r *crawler.Resource) Resource {
	rr := Resource{URL: r.URL, Element: r.Element, Attribute: r.Attribute, Kind: string(r.Kind), Line: r.Line, Source: string(r.Source), Stylesheet: r.Stylesheet}
	if r.Fetch != nil {
		rr.Status, rr.Error = r.Fetch.Status, r.Fetch.Err
	}
	if r.Count > 1 {
		rr.Count = r.Count
	}
	return rr
}

// FromFinding converts a rule finding to its report form.
func FromFinding(f rules.Finding) Finding {
	return Finding{
		Rule: f.Rule, Severity: f.Severity, Page: f.Page, URL: f.URL, Element: f.Element,
		Attribute: f.Attribute, Line: f.Line, Source: string(f.Source), Message: f.Message,
		Stylesheet: f.Stylesheet, Mitigation: f.Mitigation, HTTPSAvailable: f.HTTPSAvailable,
	}
}

// Finish sorts pages, findings and errors so two runs over the same site diff cleanly, and
// fills in the counts.
func (r *Report) Finish() {
	sort.SliceStable(r.Pages, func(i, j int) bool { return r.Pages[i].URL < r.Pages[j].URL })
	SortFindings(r.Findings)
	r.spoolErrors()
	sort.SliceStable(r.Errors, func(i, j int) bool { return errorLess(&r.Errors[i], &r.Errors[j]) })
	if r.StartURLs == nil {
		r.StartURLs = []string{} // padlock tls: endpoints only
	}
	if r.Pages == nil {
		r.Pages = []Page{}
	}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	if r.Errors == nil {
		r.Errors = []Error{}
	}
	if r.Origins == nil {
		r.Origins = []Origin{}
	}
	if r.Scripts == nil {
		r.Scripts = []Script{}
	}
	r.Inventory.sort()
	r.Recount()
}

// Recount derives the fix list and the counts from the findings and errors (Finish does it;
// call it again after marking findings suppressed). A spooled report's findings are read in
// one pass; a read error is kept for the writers to return (Err).
func (r *Report) Recount() {
	r.Stats.Findings = r.NumFindings()
	r.Stats.Errors = r.NumErrors()
	r.Stats.BySeverity = map[string]int{"error": 0, "warning": 0, "info": 0}
	r.Stats.ByRule = map[string]int{}
	r.canFail = map[rules.Severity]int{}
	if r.spool == nil {
		for _, f := range r.Findings {
			r.Stats.BySeverity[f.Severity.String()]++
			r.Stats.ByRule[f.Rule]++
			if f.CanFail() {
				r.canFail[f.Severity]++
			}
		}
		r.Fixes = buildFixes(r.Findings)
		return
	}
	sf := newSpooledFixes(r.spool)
	err := r.EachFinding(func(f *Finding) error {
		r.Stats.BySeverity[f.Severity.String()]++
		r.Stats.ByRule[f.Rule]++
		if f.CanFail() {
			r.canFail[f.Severity]++
		}
		return sf.add(f)
	})
	if err == nil {
		err = sf.finish()
	}
	r.Fixes = nil
	if err != nil && r.spool.err == nil {
		r.spool.err = err
	}
}

// Err is the first error of the report's spool (a temporary file that could not be written or
// read back), nil when there is none or no spool.
func (r *Report) Err() error {
	if r.spool == nil {
		return nil
	}
	return r.spool.err
}

// SortFindings orders findings by page, then line, then rule (SPEC.md), then resource URL,
// element and message.
func SortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool { return findingLess(&fs[i], &fs[j]) })
}

// Writer renders a report in one format.
type Writer interface {
	Write(w io.Writer, r *Report) error
}

// WriterFunc adapts a function to Writer.
type WriterFunc func(w io.Writer, r *Report) error

// Write calls f.
func (f WriterFunc) Write(w io.Writer, r *Report) error { return f(w, r) }

// formats is the single list of output formats, used for flag help and validation.
var formats = []struct {
	name, ext string
	w         Writer
}{
	{"json", "json", WriterFunc(writeJSON)},
	{"html", "html", WriterFunc(writeHTML)},
	{"sarif", "sarif", WriterFunc(writeSARIF)},
	{"junit", "xml", JUnitWriter{}},
	{"github", "txt", WriterFunc(writeGitHub)},
	{"markdown", "md", MarkdownWriter{}},
}

// Formats lists the output formats padlock can write.
func Formats() []string {
	out := make([]string, len(formats))
	for i, f := range formats {
		out[i] = f.name
	}
	return out
}

// New returns the writer for a format name.
func New(format string) (Writer, error) {
	for _, f := range formats {
		if f.name == format {
			return f.w, nil
		}
	}
	return nil, fmt.Errorf("unknown format %q (want one of %s)", format, strings.Join(Formats(), ", "))
}

// Extension returns the file name extension used for a format when writing to a folder.
func Extension(format string) string {
	for _, f := range formats {
		if f.name == format {
			return f.ext
		}
	}
	return format
}

// siteRoot returns scheme://host/ of the first start URL (SARIF's uriBaseId, relative paths).
func (r *Report) siteRoot() string {
	if len(r.StartURLs) == 0 {
		return ""
	}
	u, err := url.Parse(r.StartURLs[0])
	if err != nil {
		return ""
	}
	return u.Scheme + "://" + u.Host + "/"
}
