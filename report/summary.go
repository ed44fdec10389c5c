package report

import (
	"bufio"
	"fmt"
	"io"

	"github.com/padlock-scan/padlock/rules"
)

// WriteSummary writes the short account of a crawl that padlock prints on standard error: the
// counts, a table of findings per rule and severity with the suppressed ones and, against a
// baseline (baseline set), the new ones; the size of the fix list, the baseline's new and fixed
// totals and why the crawl stopped short, if it did.
//
// A row's severity is the findings' own, not the rule's default: a rule that is an error on
// payment pages and a warning elsewhere has a row for each, so the table shows what fails the
// gate.
func WriteSummary(w io.Writer, r *Report, baseline bool) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "padlock: %d pages, %d resources, %d requests, %d findings, %d crawl errors\n",
		r.Stats.Pages, r.Stats.Resources, r.Stats.Requests, r.Stats.Findings, r.Stats.Errors)
	type key struct {
		rule string
		sev  rules.Severity
	}
	type row struct{ total, suppressed, newer int }
	rows, newer := map[key]*row{}, 0
	err := r.EachFinding(func(f *Finding) error {
		k := key{f.Rule, f.Severity}
		x := rows[k]
		if x == nil {
			x = &row{}
			rows[k] = x
		}
		x.total++
		if f.Suppressed != nil {
			x.suppressed++
		}
		if f.Baseline == BaselineNew {
			x.newer++
			newer++
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(rows) > 0 {
		head := fmt.Sprintf("  %-26s %-8s %7s %10s", "rule", "severity", "count", "suppressed")
		if baseline {
			head += fmt.Sprintf(" %5s", "new")
		}
		fmt.Fprintln(bw, head)
		for _, rule := range rules.All() {
			for _, sev := range severities {
				x := rows[key{rule.ID, sev}]
				if x == nil {
					continue
				}
				line := fmt.Sprintf("  %-26s %-8s %7d %10d", rule.ID, sev, x.total, x.suppressed)
				if baseline {
					line += fmt.Sprintf(" %5d", x.newer)
				}
				fmt.Fprintln(bw, line)
			}
		}
	}
	if n := len(r.Fixes); n > 0 {
		easy, unknown := 0, 0
		for _, f := range r.Fixes {
			switch f.Action {
			case "use-https":
				easy++
			case "check":
				unknown++
			}
		}
		switch {
		case unknown == n:
			fmt.Fprintf(bw, "padlock: %d insecure URLs to fix (see the report's fix list; --check-resources all tells which only need https://)\n", n)
		default:
			fmt.Fprintf(bw, "padlock: %d insecure URLs to fix, %d of them by switching to https:// (see the report's fix list)\n", n, easy)
		}
	}
	if baseline {
		fmt.Fprintf(bw, "padlock: against the baseline: %d new, %d fixed\n", newer, len(r.Fixed))
	}
	if r.Stats.NotCrawled > 0 {
		why := "--max-pages reached"
		if r.Interrupted {
			why = "interrupted"
		}
		fmt.Fprintf(bw, "padlock: %s; %d queued URLs were not crawled\n", why, r.Stats.NotCrawled)
	}
	return bw.Flush()
}
