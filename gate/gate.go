// Package gate turns a report into a CI decision's inputs: it marks findings new or known
// against a baseline report, lists the baseline's fixed findings, and suppresses findings that an
// ignore entry matches (suppressed findings stay in every report; they never fail the gate).
package gate

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/padlock-scan/padlock/report"
)

// Ignore is one entry of the configuration's ignore list.
type Ignore struct {
	Rule   string `yaml:"rule"`   // a rule ID; empty means every rule
	URL    string `yaml:"url"`    // glob on the finding's resource URL (* matches anything, ? one character)
	Page   string `yaml:"page"`   // glob on the page URL
	Reason string `yaml:"reason"` // required: why this is accepted
	Until  string `yaml:"until"`  // optional YYYY-MM-DD: the entry stops ignoring after this day
	Line   int    `yaml:"-"`      // where the entry is in the config file, for messages
}

// Validate checks one entry; known lists the valid rule IDs.
func (ig Ignore) Validate(known func(string) bool) error {
	if strings.TrimSpace(ig.Reason) == "" {
		return errors.New("reason is required: say why this finding is accepted")
	}
	if ig.Rule == "" && ig.URL == "" && ig.Page == "" {
		return errors.New("give at least one of rule, url, page")
	}
	if ig.Rule != "" && !known(ig.Rule) {
		return fmt.Errorf("unknown rule %q", ig.Rule)
	}
	if ig.Until != "" {
		if _, err := time.Parse("2006-01-02", ig.Until); err != nil {
			return fmt.Errorf("until %q: want a date such as 2027-03-31", ig.Until)
		}
	}
	return nil
}

// expired reports whether the entry's until date has passed (the entry holds through that day).
func (ig Ignore) expired(now time.Time) bool {
	if ig.Until == "" {
		return false
	}
	d, err := time.Parse("2006-01-02", ig.Until)
	return err == nil && now.UTC().After(d.Add(24*time.Hour))
}

func (ig Ignore) matches(f report.Finding) bool {
	return (ig.Rule == "" || ig.Rule == f.Rule) &&
		(ig.URL == "" || Glob(ig.URL, f.URL)) &&
		(ig.Page == "" || Glob(ig.Page, f.Page))
}

// Apply marks the report's findings: suppressed by the first live ignore entry that matches,
// and, with a baseline, new or known (the baseline's findings missing now go to rep.Fixed).
// Expired entries suppress nothing and are listed in rep.Warnings.
func Apply(rep *report.Report, baseline *report.Report, ignores []Ignore, now time.Time) {
	var live []Ignore
	for _, ig := range ignores {
		if ig.expired(now) {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("ignore entry (rule %q, url %q, page %q) expired on %s and no longer suppresses anything: %s",
				ig.Rule, ig.URL, ig.Page, ig.Until, ig.Reason))
			continue
		}
		live = append(live, ig)
	}
	if len(live) == 0 && baseline == nil {
		return // nothing to mark: the counts and the fix list stand
	}
	defer rep.Recount() // the fix list follows the suppressions
	var cmp *report.Comparison
	known := report.KeySet{} // hashed: a few bytes a finding, however large the baseline
	if baseline != nil {
		cmp = report.Compare(baseline, rep) // a baseline of production against a preview host too
		_ = baseline.EachFinding(func(f *report.Finding) error { known.Add(cmp.Key(*f)); return nil })
	}
	now2 := report.KeySet{}
	unchecked := map[string]int{} // findings of rules the baseline's crawl did not run
	err := rep.UpdateFindings(func(f *report.Finding) {
		for _, ig := range live {
			if ig.matches(*f) {
				match := ig.URL
				if match == "" {
					match = ig.Page
				}
				f.Suppressed = &report.Suppression{Reason: ig.Reason, Until: ig.Until, Match: match}
				break
			}
		}
		if baseline == nil {
			return
		}
		k := cmp.Key(*f)
		now2.Add(k)
		if known.Has(k) {
			f.Baseline = report.BaselineKnown
		} else {
			f.Baseline = report.BaselineNew
			if !baseline.Checked(f.Rule) {
				unchecked[f.Rule]++
			}
		}
	})
	if err != nil {
		rep.Warnings = append(rep.Warnings, "the findings could not be marked: "+err.Error())
	}
	if baseline == nil {
		return
	}
	for _, id := range baseline.Config.RulesDisabledOrNil() {
		if n := unchecked[id]; n > 0 {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("rule %s was off in the baseline: its %d findings count as new", id, n))
		}
	}
	rep.Fixed = nil
	cov, unseen := rep.Coverage(cmp), 0
	_ = baseline.EachFinding(func(bf *report.Finding) error {
		f := *bf
		if now2.Has(cmp.Key(f)) {
			return nil
		}
		// a rule that did not run, or a page that failed or was not reached, fixed nothing
		if !cov.Finding(baseline, f) {
			if rep.Checked(f.Rule) {
				unseen++
			}
			return nil
		}
		f.Baseline, f.Suppressed = report.BaselineNone, nil
		rep.Fixed = append(rep.Fixed, f)
		return nil
	})
	if unseen > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("%d baseline findings are on pages or origins this crawl did not check "+
			"(failed to load, cut at --max-body, or not reached); they are not counted as fixed", unseen))
	}
	report.SortFindings(rep.Fixed)
}

// Glob matches s against a pattern where * matches any run of characters (slashes too) and ?
// matches one character; everything else matches itself.
func Glob(pattern, s string) bool {
	// Iterative wildcard matching with backtracking to the last star.
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*': // before the literal case: a * in s is text
			star, mark = p, i
			p++
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}
