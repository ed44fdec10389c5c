package report

import (
	"errors"
	"fmt"
	"strings"

	"github.com/padlock-scan/padlock/rules"
)

// BaselineState says how a finding compares with the baseline report (--baseline). The zero
// value means the crawl was not compared with one. Its text is the JSON report's "baseline".
type BaselineState string

// The baseline states of SPEC.md. A baseline finding that the crawl no longer produces goes to
// Report.Fixed with no state.
const (
	BaselineNone  BaselineState = ""
	BaselineNew   BaselineState = "new"   // not in the baseline: it can fail the gate
	BaselineKnown BaselineState = "known" // in the baseline: it never fails the gate
)

// FailOn is the gate's threshold (--fail-on): the lowest severity whose findings fail the run,
// or never. The zero value is FailOnError, the default.
type FailOn int8

// The thresholds, strictest first.
const (
	FailOnError FailOn = iota
	FailOnWarning
	FailOnInfo
	FailNever
)

// ParseFailOn reads a --fail-on value: "error", "warning", "info" or "never" (case-insensitive).
func ParseFailOn(s string) (FailOn, error) {
	if strings.EqualFold(strings.TrimSpace(s), "never") {
		return FailNever, nil
	}
	sev, err := rules.ParseSeverity(s)
	if err != nil {
		return FailOnError, fmt.Errorf("unknown fail-on level %q (want error, warning, info or never)", s)
	}
	switch sev {
	case rules.Info:
		return FailOnInfo, nil
	case rules.Warning:
		return FailOnWarning, nil
	}
	return FailOnError, nil
}

// String returns the --fail-on spelling of t.
func (t FailOn) String() string {
	switch t {
	case FailOnError:
		return "error"
	case FailOnWarning:
		return "warning"
	case FailOnInfo:
		return "info"
	case FailNever:
		return "never"
	}
	return fmt.Sprintf("fail-on(%d)", int(t))
}

// reached reports whether a finding of severity s is at or above the threshold.
func (t FailOn) reached(s rules.Severity) bool {
	switch t {
	case FailNever:
		return false
	case FailOnInfo:
		return true
	case FailOnWarning:
		return s >= rules.Warning
	}
	return s >= rules.Error
}

// CanFail reports whether f counts for the gate at all: no ignore entry suppressed it and the
// baseline does not know it. Writers that show no threshold (GitHub annotations) use it to tell
// what would fail from what never will.
func (f *Finding) CanFail() bool {
	return f.Suppressed == nil && f.Baseline != BaselineKnown
}

// Fails is the gate: whether f fails a run whose threshold is t. The exit code, the JUnit test
// cases and every other pass/fail view call it, so they cannot disagree.
func Fails(f *Finding, t FailOn) bool {
	return f.CanFail() && t.reached(f.Severity)
}

// AnyFails reports whether a finding of r fails a run whose threshold is t (Fails). A spooled
// report answers from the counts of its last Recount (Finish and gate marking run one) instead
// of reading every finding back; a spool read error fails too (the findings could not all be
// checked).
func (r *Report) AnyFails(t FailOn) bool {
	if t == FailNever {
		return false
	}
	if r.spool != nil && r.canFail != nil {
		if r.spool.err != nil {
			return true
		}
		for sev, n := range r.canFail {
			if n > 0 && t.reached(sev) {
				return true
			}
		}
		return false
	}
	errFound := errors.New("found")
	return r.EachFinding(func(f *Finding) error {
		if Fails(f, t) {
			return errFound
		}
		return nil
	}) != nil
}

// PageGateFailure is a page that failed to load (pages[].error: an error status, a timeout, a
// refused handshake) and fails the gate for it.
type PageGateFailure struct {
	URL   string // the page record's URL
	Error string // why it did not load
	Why   string // what the page is, that its failure fails the gate: "start URL", "payment page (in the baseline)" or "page (--fail-on-crawl-errors)"
}

// PageFailures is the gate's other half: the pages whose failure to load fails a run, because
// an audit that could not look at a page it was asked to, or at a payment page the baseline
// knows, proves nothing about it. Start URLs and the baseline's payment pages (baseline may be
// nil) always count; with anyPage every page that failed does. A threshold of never fails
// nothing.
func PageFailures(r, baseline *Report, t FailOn, anyPage bool) []PageGateFailure {
	if t == FailNever || r.spool != nil && r.spool.failedPages == 0 && len(r.Pages) == 0 {
		return nil // (a spool knows it holds no failed page: none is read back)
	}
	cmp := &Comparison{}
	if baseline != nil {
		cmp = Compare(baseline, r)
	}
	key := func(u string) string { return strings.TrimSuffix(cmp.URL(u), "/") }
	starts := map[string]bool{}
	for _, u := range r.StartURLs {
		starts[key(u)] = true
	}
	payment := map[string]bool{}
	if baseline != nil {
		_ = baseline.EachPage(func(p *Page) error { // payment pages: a few
			if p.Payment {
				payment[key(p.URL)] = true
				if p.FinalURL != "" {
					payment[key(p.FinalURL)] = true
				}
			}
			return nil
		})
	}
	var out []PageGateFailure
	_ = r.EachPage(func(p *Page) error { // a spool read error surfaces in the writers (Err)
		if p.Error == "" {
			return nil
		}
		why := ""
		switch k := key(p.URL); {
		case starts[k]:
			why = "start URL"
		case payment[k]:
			why = "payment page (in the baseline)"
		case anyPage:
			why = "page (--fail-on-crawl-errors)"
		default:
			return nil
		}
		out = append(out, PageGateFailure{URL: p.URL, Error: p.Error, Why: why})
		return nil
	})
	return out
}
