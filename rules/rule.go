// Package rules turns crawled pages into findings. Each rule is data (ID, severity, docs) plus a
// pure check function; rules do no I/O and never touch the network.
package rules

import (
	"fmt"
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
}

// Pass is one run of one rule over one page.
type Pass struct {
	Page   *crawler.Page
	Config *Config
	rule   *Rule
	report func(Finding)
}

// Report records a finding with the rule's ID and default severity; Page defaults to the page's
// final URL.
func (p *Pass) Report(f Finding) { p.ReportAs(p.rule.Severity, f) }

// ReportAs records a finding with a severity other than the rule's default (for instance
// third-party-script, which is an error on a payment page).
func (p *Pass) ReportAs(sev Severity, f Finding) {
	f.Rule = p.rule.ID
	f.Severity = sev
	if f.Page == "" {
		f.Page = p.Page.FinalURL
	}
	p.report(f)
}

// Rule is one check with its public metadata.
type Rule struct {
	ID       string   // public, forever: SPEC.md's kebab-case name
	Severity Severity // default severity
	Title    string   // one line
	Doc      string   // what it means and why it matters
	Fix      string   // how to fix it
	HelpURL  string
	// Check runs once per page (nil for origin-level rules).
	Check func(*Pass)
	// CheckOrigin runs once per HTTPS origin the crawl touched (nil for page-level rules).
	CheckOrigin func(*OriginPass)
}

// OriginPass is one run of one origin-level rule over one origin.
type OriginPass struct {
	Origin *crawler.Origin
	Config *Config
	rule   *Rule
	report func(Finding)
}

// Report records a finding with the rule's ID and default severity; Page defaults to the
// origin's first page and URL to the origin.
func (p *OriginPass) Report(f Finding) { p.ReportAs(p.rule.Severity, f) }

// ReportAs records a finding with a severity other than the rule's default.
func (p *OriginPass) ReportAs(sev Severity, f Finding) {
	f.Rule = p.rule.ID
	f.Severity = sev
	if f.Page == "" {
		f.Page = p.Origin.FirstPage
	}
	if f.URL == "" {
		f.URL = p.Origin.Origin
	}
	if f.Source == "" {
		f.Source = "tls"
	}
	p.report(f)
}

// RunOrigin runs the origin-level rules over one origin.
func RunOrigin(rs []*Rule, o *crawler.Origin, cfg *Config) []Finding {
	if cfg == nil {
		cfg = &Config{}
	}
	var out []Finding
	for _, r := range rs {
		if r.CheckOrigin == nil {
			continue
		}
		p := &OriginPass{Origin: o, Config: cfg, rule: r, report: func(f Finding) { out = append(out, f) }}
		r.CheckOrigin(p)
	}
	return out
}

// Run runs rules over one page and returns their findings in the order reported.
func Run(rs []*Rule, page *crawler.Page, cfg *Config) []Finding {
	if cfg == nil {
		cfg = &Config{}
	}
	var out []Finding
	for _, r := range rs {
		if r.Check == nil {
			continue
		}
		p := &Pass{Page: page, Config: cfg, rule: r, report: func(f Finding) { out = append(out, f) }}
		r.Check(p)
	}
	return out
}
