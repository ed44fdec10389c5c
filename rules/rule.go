// Package rules turns crawled pages into findings. Each rule is data (ID, severity, docs) plus a
// pure check function; rules do no I/O and never touch the network.
package rules

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/padlock-scan/padlock/crawler"
)

// Severity is how bad a finding is. The zero value is Info.
type Severity int

// Severities, lowest first, so a threshold compares with >=.
const (
	Info Severity = iota
	Warning
	Error
)

// String returns the lower-case name used in reports and flags.
// Pick returns the value that stands for s among three, one per severity (a format's level
// names, scores): the one place a severity is mapped to something else.
func Pick[T any](s Severity, ifError, ifWarning, ifInfo T) T {
	switch s {
	case Error:
		return ifError
	case Warning:
		return ifWarning
	}
	return ifInfo
}

func (s Severity) String() string {
	switch s {
	case Info:
		return "info"
	case Warning:
		return "warning"
	case Error:
		return "error"
	}
	return fmt.Sprintf("severity(%d)", int(s))
}

// MarshalText implements encoding.TextMarshaler.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseSeverity parses "info", "warning" or "error" (case-insensitive).
func ParseSeverity(s string) (Severity, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "info":
		return Info, nil
	case "warning":
		return Warning, nil
	case "error":
		return Error, nil
	}
	return Info, fmt.Errorf("unknown severity %q (want error, warning or info)", s)
}

// Finding is one problem a rule reported.
type Finding struct {
	Rule       string
	Severity   Severity
	Page       string // the page the reference is on (absolute)
	URL        string // the resource, link or target concerned (absolute)
	Element    string
	Attribute  string
	Line       int
	Source     crawler.Source
	Stylesheet string // external stylesheet the reference came from, for Source css
	Message    string
	// Mitigation names what makes browsers cope anyway, e.g. "csp-upgrade-insecure-requests".
	Mitigation string
	// HTTPSAvailable says whether the https: copy of an http: resource answered (nil: not probed).
	HTTPSAvailable *bool
}

// Config is what rules need to know about the user's intent.
type Config struct {
	// FirstParty lists registrable domains that count as the site's own besides the pages' own.
	FirstParty []string
	// AllowScript lists approved third-party script origins or host patterns ("*.provider.test").
	AllowScript []string
	// ScriptJustifications gives, per AllowScript pattern, why its scripts are needed (PCI DSS
	// 6.4.3 asks for a written justification of every payment-page script); it goes in the
	// script inventory.
	ScriptJustifications map[string]string
	// Now is the time certificates are judged at; zero means time.Now().
	Now time.Time
	// CertExpiryWarning is how close to expiry a certificate draws a warning (default 30 days).
	CertExpiryWarning time.Duration
	// PaymentProviders are extra host patterns of card-frame providers (besides the built-in list).
	PaymentProviders []string
	// PaymentPages are page URL patterns (--payment-page): a page whose URL or final URL matches
	// one is a payment page whatever its content.
	PaymentPages []*regexp.Regexp
}

// Scope is what a rule's Check runs over. The zero value is no scope: every rule names one.
type Scope int

// Scopes.
const (
	_           Scope = iota
	ScopePage         // once per page the crawl fetched
	ScopeOrigin       // once per HTTPS origin the crawl touched (TLS probe, HSTS headers)
)

// String returns "page" or "origin".
func (s Scope) String() string {
	switch s {
	case ScopePage:
		return "page"
	case ScopeOrigin:
		return "origin"
	}
	return fmt.Sprintf("scope(%d)", int(s))
}

// Rule is one check with its public metadata. Everything the writers say about a rule comes
// from here: the registry test fails when a rule lacks a field.
type Rule struct {
	ID       string   // public, forever: SPEC.md's kebab-case name
	Severity Severity // default severity
	Scope    Scope    // what Check runs over
	Title    string   // one line
	Doc      string   // what it means and why it matters
	Fix      string   // how to fix it
	HelpURL  string
	// CWE is the number of the weakness the rule reports (319 for cleartext transmission);
	// SARIF carries it as a tag that code scanning shows.
	CWE int
	// FixList says the rule's findings each name one sub-resource URL to change: the report's
	// fix list groups them by URL.
	FixList bool
	// PaymentRaises says its findings on a payment page are one severity higher than Severity
	// (third-party-script: a warning there is an error). OnPayment reads it.
	PaymentRaises bool
	// Check runs the rule over one page or one origin, as Scope says.
	Check func(*Pass)
}

// OnPayment is the severity of the rule's findings on a payment page.
func (r *Rule) OnPayment() Severity {
	if r.PaymentRaises {
		return min(r.Severity+1, Error)
	}
	return r.Severity
}

// Pass is one run of one rule over one page (ScopePage) or one origin (ScopeOrigin).
type Pass struct {
	Page   *crawler.Page   // the page, for a page rule; nil for an origin rule
	Origin *crawler.Origin // the origin, for an origin rule; nil for a page rule
	Config *Config
	facts  *Facts // the page's shared facts; nil for an origin rule
	rule   *Rule
	report func(Finding)
}

// Report records a finding with the rule's ID and default severity.
func (p *Pass) Report(f Finding) { p.ReportAs(p.rule.Severity, f) }

// ReportAs records a finding with a severity other than the rule's default (for instance
// third-party-script, which is an error on a payment page). A page rule's finding defaults its
// Page to the page's final URL; an origin rule's defaults its Page to the origin's first page,
// its URL to the origin and its Source to tls.
func (p *Pass) ReportAs(sev Severity, f Finding) {
	f.Rule = p.rule.ID
	f.Severity = sev
	if o := p.Origin; o != nil {
		if f.Page == "" {
			f.Page = o.FirstPage
		}
		if f.URL == "" {
			f.URL = o.Origin
		}
		if f.Source == "" {
			f.Source = crawler.SourceTLS
		}
	} else if f.Page == "" {
		f.Page = p.Page.FinalURL
	}
	p.report(f)
}

// Run runs the page rules of rs over one page and returns their findings in the order reported.
func Run(rs []*Rule, page *crawler.Page, cfg *Config) []Finding {
	return RunFacts(rs, NewFacts(page, cfg))
}

// RunFacts is Run over the page of facts, which the caller may read too: the facts the rules
// computed are not computed again.
func RunFacts(rs []*Rule, facts *Facts) []Finding {
	return run(rs, ScopePage, Pass{Page: facts.page, Config: facts.cfg, facts: facts})
}

// RunOrigin runs the origin rules of rs over one origin.
func RunOrigin(rs []*Rule, o *crawler.Origin, cfg *Config) []Finding {
	return run(rs, ScopeOrigin, Pass{Origin: o, Config: orDefault(cfg)})
}

// run runs the rules of rs that have the scope over p's page or origin.
func run(rs []*Rule, scope Scope, p Pass) []Finding {
	var out []Finding
	p.report = func(f Finding) { out = append(out, f) }
	for _, r := range rs {
		if r.Scope == scope {
			p.rule = r
			r.Check(&p)
		}
	}
	return out
}

// orDefault returns cfg, or the zero Config for nil.
func orDefault(cfg *Config) *Config {
	if cfg == nil {
		return &Config{}
	}
	return cfg
}
