package report

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/padlock-scan/padlock/rules"
)

// MarkdownWriter writes a job summary in GitHub-flavoured Markdown (-f markdown; GitHub Actions
// shows it on the run's page when it goes to $GITHUB_STEP_SUMMARY): the counts by severity, the
// findings that can fail the gate, the payment pages, the fix list, crawl errors and warnings.
// Every text from a crawled site is escaped: no HTML, link or table syntax of a page gets
// through. FailOn says which findings the summary counts as failing the gate.
type MarkdownWriter struct {
	FailOn FailOn
}

// markdownRows is how many rows a section of the summary lists; the report has the rest. GitHub
// takes at most 1 MiB of summary per step, far more than this.
const markdownRows = 50

// markdownCell is the longest text a table cell shows, in characters.
const markdownCell = 300

// Write writes r's job summary.
func (mw MarkdownWriter) Write(w io.Writer, r *Report) error {
	r, err := r.inMemory()
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	compared := len(r.Fixed) > 0 || slices.ContainsFunc(r.Findings, func(f Finding) bool { return f.Baseline != BaselineNone })
	type counts struct{ all, fresh, known, suppressed int }
	bySev := map[rules.Severity]*counts{}
	for _, s := range severities {
		bySev[s] = &counts{}
	}
	var open []Finding // the findings that can fail the gate
	failing := 0
	for _, f := range sortedFindings(r.Findings) {
		c := bySev[f.Severity]
		if c == nil {
			continue
		}
		c.all++
		switch {
		case f.Suppressed != nil:
			c.suppressed++
		case f.Baseline == BaselineKnown:
			c.known++
		default:
			c.fresh++
			open = append(open, f)
		}
		if Fails(&f, mw.FailOn) {
			failing++
		}
	}
	slices.SortStableFunc(open, func(a, b Finding) int { return int(b.Severity) - int(a.Severity) })

	var head []string
	for _, s := range severities {
		n := bySev[s].all
		if s == rules.Info {
			head = append(head, fmt.Sprintf("%d info", n)) // no plural
		} else {
			head = append(head, plural(n, s.String()))
		}
	}
	fmt.Fprintf(bw, "### padlock: %s\n\n", strings.Join(head, ", "))
	gate := fmt.Sprintf("%s at or above --fail-on %s", plural(failing, "finding"), mw.FailOn)
	if mw.FailOn == FailNever {
		gate = "--fail-on never: no finding fails the gate"
	}
	fmt.Fprintf(bw, "%s: %s, %s, %s. %s.\n\n", md(strings.Join(r.StartURLs, " ")), plural(r.Stats.Pages, "page"),
		plural(int(r.Stats.Requests), "request"), plural(len(r.Errors), "crawl error"), gate)
	if r.Interrupted {
		fmt.Fprintf(bw, "**The crawl was interrupted: the results are partial.**\n\n")
	}
	if r.Stats.NotCrawled > 0 {
		fmt.Fprintf(bw, "%s queued were not crawled.\n\n", plural(r.Stats.NotCrawled, "URL"))
	}

	if compared {
		fmt.Fprintf(bw, "| Severity | Findings | New | Known to the baseline | Suppressed |\n|---|--:|--:|--:|--:|\n")
	} else {
		fmt.Fprintf(bw, "| Severity | Findings | Suppressed |\n|---|--:|--:|\n")
	}
	for _, s := range severities {
		c := bySev[s]
		if compared {
			fmt.Fprintf(bw, "| %s | %d | %d | %d | %d |\n", s, c.all, c.fresh, c.known, c.suppressed)
		} else {
			fmt.Fprintf(bw, "| %s | %d | %d |\n", s, c.all, c.suppressed)
		}
	}
	if compared {
		fmt.Fprintf(bw, "\n%s of the baseline no longer found.\n", plural(len(r.Fixed), "finding"))
	}

	title := "Findings"
	if compared {
		title = "New findings"
	}
	if len(open) > 0 {
		fmt.Fprintf(bw, "\n#### %s (%d)\n\n| Severity | Rule | Page | Finding |\n|---|---|---|---|\n", title, len(open))
		for _, f := range head50(open) {
			fmt.Fprintf(bw, "| %s | %s | %s | %s |\n", f.Severity, md(f.Rule), mdCell(f.where()), mdCell(findingText(f)))
		}
		more(bw, len(open))
	}

	var payment []Page
	for _, p := range r.Pages {
		if p.Payment {
			payment = append(payment, p)
		}
	}
	if len(payment) > 0 {
		onPage := map[string]int{}
		for _, f := range open {
			onPage[f.Page]++
		}
		fmt.Fprintf(bw, "\n#### Payment pages (%d)\n\n| Page | Why | %s |\n|---|---|--:|\n", len(payment), title)
		for _, p := range head50(payment) {
			fmt.Fprintf(bw, "| %s | %s | %d |\n", mdCell(p.URL), mdCell(strings.Join(p.PaymentSignals, "; ")), onPage[p.URL])
		}
		more(bw, len(payment))
	}

	if len(r.Fixes) > 0 {
		fmt.Fprintf(bw, "\n#### Fix list (%s)\n\n| Insecure URL | What to do | Pages |\n|---|---|--:|\n", plural(len(r.Fixes), "URL"))
		for _, f := range head50(r.Fixes) {
			fmt.Fprintf(bw, "| %s | %s | %d |\n", mdCell(f.URL), mdCell(fixAction(f)), f.Pages)
		}
		more(bw, len(r.Fixes))
	}

	if len(r.Errors) > 0 {
		fmt.Fprintf(bw, "\n#### Crawl errors (%d)\n\n", len(r.Errors))
		for _, e := range head50(r.Errors) {
			fmt.Fprintf(bw, "- %s: %s\n", mdCell(e.URL), mdCell(e.Error))
		}
		more(bw, len(r.Errors))
	}
	if len(r.Warnings) > 0 {
		fmt.Fprintf(bw, "\n#### Warnings\n\n")
		for _, m := range head50(r.Warnings) {
			fmt.Fprintf(bw, "- %s\n", mdCell(m))
		}
		more(bw, len(r.Warnings))
	}
	return bw.Flush()
}

// fixAction says what to do about an insecure URL of the fix list.
func fixAction(f Fix) string {
	switch f.Action {
	case "use-https":
		if f.HTTPSURL != "" {
			return "use " + f.HTTPSURL
		}
		return "switch to https://"
	case "self-host-or-remove":
		return "self-host or remove: no https:// copy answered"
	}
	return "check whether an https:// copy works (--check-resources all tells)"
}

// head50 is the first markdownRows items of a list.
func head50[T any](list []T) []T {
	return list[:min(len(list), markdownRows)]
}

// more says how many rows a section left out.
func more(w *bufio.Writer, n int) {
	if n > markdownRows {
		fmt.Fprintf(w, "\n… and %d more in the report.\n", n-markdownRows)
	}
}

// mdCell is md(s) for a table cell or list item, cut to markdownCell characters.
func mdCell(s string) string {
	if utf8.RuneCountInString(s) > markdownCell {
		s = string([]rune(s)[:markdownCell-1]) + "…"
	}
	return md(s)
}

// mdEscaper escapes what GitHub-flavoured Markdown would read as syntax: HTML (< > &, as
// entities), emphasis, code, links and images, table cells (|), strike-through, mentions and
// the backslash itself. Line breaks become spaces: a cell or list item is one line.
var mdEscaper = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;",
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "|", `\|`, "~", `\~`, "@", `\@`, "!", `\!`,
	"\r\n", " ", "\r", " ", "\n", " ",
)

// md escapes text from a crawled site (or any text) for Markdown, after dropping control
// characters.
func md(s string) string { return mdEscaper.Replace(stripControls(s)) }
