package report

import (
	"fmt"
	"sort"
	"strings"

	"github.com/padlock-scan/padlock/rules"
)

// Options tune the writers that need more than the report itself. The zero value gives the
// defaults that New uses.
type Options struct {
	// FailOn is the lowest severity that fails a JUnit test case: "error" (the default when
	// empty), "warning", "info" or "never". It mirrors the --fail-on gate so the JUnit view
	// agrees with the exit code.
	FailOn string
}

// NewWithOptions returns the writer for a format name, configured by opts. Formats that take
// no options ignore them.
func NewWithOptions(format string, opts Options) (Writer, error) {
	if _, err := failThreshold(opts.FailOn); err != nil {
		return nil, err
	}
	if format == "junit" {
		return JUnitWriter(opts), nil
	}
	return New(format)
}

// severityNever is above every real severity: nothing reaches it.
const severityNever = 99

// failThreshold parses a --fail-on value into a severity rank ("" means "error").
func failThreshold(failOn string) (int, error) {
	switch strings.ToLower(strings.TrimSpace(failOn)) {
	case "", "error":
		return severityRank("error"), nil
	case "warning":
		return severityRank("warning"), nil
	case "info":
		return severityRank("info"), nil
	case "never":
		return severityNever, nil
	}
	return 0, fmt.Errorf("unknown fail-on level %q (want error, warning, info or never)", failOn)
}

// severityRank orders severity names, lowest first; an unknown name ranks as info so a saved
// report with a new severity still renders.
func severityRank(s string) int {
	switch s {
	case "error":
		return 2
	case "warning":
		return 1
	}
	return 0
}

// severityNames lists the severities, highest first: the order reports show them in.
var severityNames = []string{"error", "warning", "info"}

// ruleInfo is a rule's public metadata, with a stand-in for rule IDs this padlock does not know
// (a saved report from another version).
type ruleInfo struct {
	ID, Title, Doc, Fix, HelpURL, Severity string
	Known                                  bool
}

// lookupRule returns the metadata of a rule ID.
func lookupRule(id string) ruleInfo {
	if r, ok := rules.ByID(id); ok && r != nil {
		return fromRule(r)
	}
	return ruleInfo{ID: id, Title: id, Severity: "info"}
}

func fromRule(r *rules.Rule) ruleInfo {
	return ruleInfo{
		ID: r.ID, Title: r.Title, Doc: r.Doc, Fix: r.Fix, HelpURL: r.HelpURL,
		Severity: r.Severity.String(), Known: true,
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
	return msg
}
