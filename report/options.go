package report

import (
	"sort"
	"strings"
	"sync"

	"github.com/padlock-scan/padlock/rules"
)

// Options tune the writers that need more than the report itself. The zero value gives the
// defaults that New uses.
type Options struct {
	// FailOn is the threshold that fails a JUnit test case and that the Markdown summary counts
	// findings against. It mirrors the --fail-on gate so those views agree with the exit code.
	FailOn FailOn
}

// NewWithOptions returns the writer for a format name, configured by opts. Formats that take
// no options ignore them.
func NewWithOptions(format string, opts Options) (Writer, error) {
	switch format {
	case "junit":
		return JUnitWriter(opts), nil
	case "markdown":
		return MarkdownWriter(opts), nil
	}
	return New(format)
}

// severities lists the severities, highest first: the order reports show them in.
var severities = []rules.Severity{rules.Error, rules.Warning, rules.Info}

// rulesWhere returns the IDs of the registered rules that have a property, listed once.
func rulesWhere(has func(*rules.Rule) bool) func() map[string]bool {
	return sync.OnceValue(func() map[string]bool {
		m := map[string]bool{}
		for _, r := range rules.All() {
			if has(r) {
				m[r.ID] = true
			}
		}
		return m
	})
}

// ruleInfo is a rule's public metadata, with a stand-in for rule IDs this padlock does not know
// (a saved report from another version).
type ruleInfo struct {
	ID, Title, Doc, Fix, HelpURL string
	Severity                     rules.Severity
	CWE                          int // 0 when not known
	Known                        bool
}

// lookupRule returns the metadata of a rule ID.
func lookupRule(id string) ruleInfo {
	if r, ok := rules.ByID(id); ok && r != nil {
		return fromRule(r)
	}
	return ruleInfo{ID: id, Title: id, Severity: rules.Info}
}

func fromRule(r *rules.Rule) ruleInfo {
	return ruleInfo{
		ID: r.ID, Title: r.Title, Doc: r.Doc, Fix: r.Fix, HelpURL: r.HelpURL,
		Severity: r.Severity, CWE: r.CWE, Known: true,
	}
}

// allRules returns every registered rule plus the unknown rule IDs that the findings use,
// sorted by ID, so writers that list rules cover every finding.
func allRules(fs ...[]Finding) []ruleInfo {
	var out []ruleInfo
	seen := map[string]bool{}
	for _, r := range rules.All() {
		if r == nil || seen[r.ID] {
			continue
		}
		seen[r.ID] = true
		out = append(out, fromRule(r))
	}
	for _, list := range fs {
		for _, f := range list {
			if !seen[f.Rule] {
				seen[f.Rule] = true
				ri := lookupRule(f.Rule)
				if !ri.Known {
					ri.Severity = f.Severity
				}
				out = append(out, ri)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// sortedFindings returns a sorted copy: writers never reorder the caller's report.
func sortedFindings(fs []Finding) []Finding {
	out := append([]Finding(nil), fs...)
	SortFindings(out)
	return out
}

// findingText is a finding's message with its resource URL, for formats that have one text
// field per finding.
func findingText(f Finding) string {
	msg := strings.TrimSpace(f.Message)
	if msg == "" {
		msg = f.Rule
	}
	if f.URL != "" && !strings.Contains(msg, f.URL) {
		msg += ": " + f.URL
	}
	if note := browserNote(f); note != "" {
		msg += " (" + note + ")"
	}
	return msg
}

// browserNote says what render mode saw of a finding: who made a request only the browser
// saw, or what the browser did with a reference of the markup; "" without render mode.
func browserNote(f Finding) string {
	switch {
	case f.Source == "render" && f.Initiator != "":
		return "requested in the browser by " + f.Initiator
	case f.Source == "render":
		return "requested in the browser"
	case f.Observed == "blocked":
		return "the browser blocked it"
	case f.Observed == "upgraded":
		return "the browser fetched it over https"
	case f.Observed == "loaded":
		return "the browser loaded it"
	}
	return ""
}
